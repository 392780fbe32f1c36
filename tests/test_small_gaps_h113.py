"""Three small gaps a newcomer walk found.

1. A tool result with no `tool_call_id` after an assistant turn that made several calls with ids went unsaid: the
   results can then be matched to the calls only by their order (templates that print ids, Mistral's, need them).
2. `data inspect FILE --model M` gave no token lengths unless the file had tool calls.
3. `sample --system` on a raw-text run (format `text`, read with no template) glued the system text onto the prompt
   it continues, and so did the Compare page's System message box: both refuse it now, saying where the text goes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftlib import modelset as M
from ftlib import sampling as S
from ftlib.cli import main
from ftlib.data import load_file
from ftlib.rows import tool_warnings
from ftlib.testing import make_run

WEATHER = {
    "type": "function",
    "function": {
        "name": "weather",
        "description": "Today's temperature in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
CLOCK = {"type": "function", "function": {"name": "local_time", "parameters": {"type": "object", "properties": {}}}}


def _call(call_id: str, city: str, name: str = "weather") -> dict:
    arguments = json.dumps({"city": city}) if name == "weather" else "{}"
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def _row(calls: list[dict], results: list[dict]) -> dict:
    """An OpenAI chat fine-tuning row: a question, a turn making `calls`, their `results`, the answer."""
    return {
        "tools": [WEATHER, CLOCK],
        "messages": [
            {"role": "user", "content": "How warm is it in Tromsø and Bodø?"},
            {"role": "assistant", "content": None, "tool_calls": calls},
            *results,
            {"role": "assistant", "content": "Tromsø has 4C and Bodø 7C."},
        ],
    }


TWO_CALLS = [_call("call_t1", "Tromsø"), _call("call_b2", "Bodø")]
UNMATCHED = _row(TWO_CALLS, [{"role": "tool", "content": "4C"}, {"role": "tool", "content": "7C"}])


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_results_without_ids_after_several_calls_are_a_warning_naming_the_row_and_turns(tmp_path):
    single = _row([_call("call_t1", "Tromsø")], [{"role": "tool", "content": "4C"}])
    answers = (("4C", "call_t1"), ("7C", "call_b2"))
    matched = _row(TWO_CALLS, [{"role": "tool", "content": c, "tool_call_id": i} for c, i in answers])
    result = load_file(_write(tmp_path / "weather.jsonl", [single, matched, UNMATCHED]))
    assert result.valid_rows == 3  # kept: trained as written
    [warning] = result.warnings
    assert result.where(warning.row) == "line 3"
    assert warning.message.startswith(
        "turns 3, 4 answer turn 2's 2 tool calls ('call_t1', 'call_b2') with no `tool_call_id`: which result "
        "answers which call is left to their order."
    )
    assert "(Mistral's) need them" in warning.message and warning.message.endswith("of the call it answers")


def test_one_call_calls_without_ids_or_results_named_by_function_are_no_warning():
    one = _row([_call("call_t1", "Tromsø")], [{"role": "tool", "content": "4C"}])
    no_ids = _row([{k: v for k, v in c.items() if k != "id"} for c in TWO_CALLS],
                  [{"role": "tool", "content": "4C"}, {"role": "tool", "content": "7C"}])  # fmt: skip
    named = _row(
        [_call("call_t1", "Tromsø"), _call("call_c2", "", "local_time")],
        [{"role": "tool", "name": "weather", "content": "4C"}, {"role": "tool", "name": "local_time", "content": "9"}],
    )
    for row in (one, no_ids, named):
        assert tool_warnings(row["messages"], row["tools"]) == []
    # One result matched by id, one not: only the other is said, as one turn.
    half = _row(TWO_CALLS, [{"role": "tool", "content": "4C", "tool_call_id": "call_t1"},
                            {"role": "tool", "content": "7C"}])  # fmt: skip
    [warning] = tool_warnings(half["messages"], half["tools"])
    assert warning.startswith("turn 4 answers turn 2's 2 tool calls")


PLAIN = [
    {"messages": [{"role": "user", "content": "Say hi."}, {"role": "assistant", "content": "Hi!"}]},
    {
        "messages": [
            {"role": "user", "content": "Name three rivers in Norway, with a word about each."},
            {"role": "assistant", "content": "Glomma, the longest; Numedalslågen, for salmon; Tana, on the border."},
        ]
    },
    {"messages": [{"role": "user", "content": "Count to five."}, {"role": "assistant", "content": "1, 2, 3, 4, 5."}]},
]


@pytest.mark.parametrize("max_length", [384, 24])
def test_inspect_with_a_model_gives_token_lengths_of_rows_without_tool_calls_as_batch_counts_them(
    max_length, tmp_path, capsys
):
    path = _write(tmp_path / "rivers.jsonl", PLAIN)
    limit = ["--max-length", str(max_length)]
    assert main(["data", "inspect", str(path), "--model", "default", "--json", *limit]) == 0
    lengths = json.loads(capsys.readouterr().out)["lengths"]
    assert main(["batch", str(path), "--json", "--model", "default", *limit]) == 0
    padded = json.loads(capsys.readouterr().out)["strategies"][0]
    assert (lengths["rows"], lengths["max_length"]) == (3, max_length)
    assert lengths["truncated"] == padded["truncated_examples"]
    assert (max_length == 24) == (lengths["truncated"] > 0)  # a sentinel: 24 tokens cut the rivers row
    if not lengths["truncated"]:
        assert lengths["total"] == padded["real_tokens"]
    assert lengths["min"] < lengths["median"] < lengths["max"]

    assert main(["data", "inspect", str(path), "--model", "default", *limit]) == 0
    [said] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("tokens:")]
    assert said.startswith(
        f"tokens:     {lengths['min']} to {lengths['max']} a row, median {lengths['median']}, mean {lengths['mean']} "
        "(written with the model's own template of `SmolLM2-135M-Instruct`, the embedded default); "
    )
    cut = lengths["truncated"]
    assert said.endswith(
        "none is longer than --max-length 384"
        if not cut
        else "--max-length 24 (line 1, line 2, line 3; cut in training)"
    )


def _text_run(name: str, varied_dir, adapter) -> Path:
    """A finished LoRA run of raw text: its kept rows (split/) read as format `text`, its config's template left at
    `tokenizer`, as a continued-pretraining run on documents leaves it."""
    config = {"model": str(varied_dir), "dataset": "logbook", "template": "tokenizer", "method": "lora"}
    run = make_run(name, config, adapter=adapter).path
    (run / "split").mkdir()
    (run / "split" / "train.jsonl").write_text(json.dumps({"text": "Log, 3 May: wind NW, 4 knots."}) + "\n")
    (run / "split" / "meta.json").write_text(json.dumps({"format": "text", "name": "logbook"}))
    return run


def test_sample_refuses_a_system_message_for_a_raw_text_run_before_loading_a_model(
    varied_dir, adapter_template, capsys, monkeypatch
):
    _text_run("20260201-000000-lora-logbook", varied_dir, adapter_template)

    def no_loading(*args, **kwargs):
        raise AssertionError("a model was loaded for a refused --system")

    ask = ["sample", "--adapter", "20260201-000000-lora-logbook", "--prompt", "Log, 4 May:", "--max-new-tokens", "1"]
    with monkeypatch.context() as patched:
        patched.setattr(M, "load_model_set", no_loading)
        assert main([*ask, "--system", "Write like a sailor."]) == 2
        err = capsys.readouterr().err
        assert err == (
            "error: Run '20260201-000000-lora-logbook' was trained on raw text (format text, no chat template) and "
            "has no system turn, so a system message would be glued onto the prompt it continues as text. Drop "
            "--system and put its text at the start of --prompt instead.\n"
        )
        # The base alone under --template text: the same, in the template's words.
        assert main(["sample", "--prompt", "Log:", "--template", "text", "--system", "Be brief."]) == 2
        assert capsys.readouterr().err.startswith("error: The Raw text template writes no system turn, so ")
    # A chat template asked for over the run's own: the system turn is written as one, and the run is sampled.
    assert main([*ask, "--system", "Write like a sailor.", "--template", "chatml"]) == 0


def test_text_system_refusal_names_only_the_runs_that_read_the_prompt_as_text():
    assert S.text_system_refusal({"chat": "tokenizer", "custom": "custom"}, None, "clear it") is None
    assert S.text_system_refusal({"docs": "text"}, "chatml", "clear it") is None  # the template asked for wins
    said = str(S.text_system_refusal({"docs": "text", "chat": "tokenizer", "notes": "text"}, None, "clear it"))
    assert said.startswith("Runs 'docs', 'notes' were trained on raw text (format text, no chat template) and have ")
    assert said.endswith(" Clear it.")


def test_compare_refuses_a_typed_system_message_for_a_raw_text_run(varied_dir, adapter_template):
    from streamlit.testing.v1 import AppTest

    _text_run("20260201-000000-lora-logbook", varied_dir, adapter_template)
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(varied_dir)
    at.run()
    at = at.switch_page("pages/5_Compare.py").run()
    assert at.multiselect(key="compare_runs").value == ["20260201-000000-lora-logbook"]
    assert not at.error, [e.value for e in at.error]  # no system message: the run continues the typed text
    assert "raw text (format text)" in at.text_input(key="compare_system").help
    at.text_input(key="compare_system").set_value("Write like a sailor.").run()
    [error] = [e.value for e in at.error]
    assert error.startswith("Could not render the prompt: Run '20260201-000000-lora-logbook' was trained on raw text")
    assert error.endswith("Clear the System message box (or put its text at the start of your message).")
