"""`data inspect` on rows with tool calls says what the Data page says: the chat template a run would use leaves the
calls out (the model's own SmolLM2 template does; `train` refuses such rows under it), naming one that writes them;
not under a template that writes them; and a file without tool calls loads no tokenizer at all (a plain inspect
stays fast). Both the page and the CLI ask `ftlib.message_checks.first_dropped_tool_calls`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftlib.cli import main
from ftlib.message_checks import first_dropped_tool_calls
from ftlib.templates import get_template

FLIGHT_TOOL = {
    "type": "function",
    "function": {
        "name": "find_flights",
        "description": "Search flights between two airports on a date.",
        "parameters": {
            "type": "object",
            "properties": {name: {"type": "string"} for name in ("origin", "destination", "date")},
            "required": ["origin", "destination", "date"],
        },
    },
}
CALL = {
    "id": "call_7Qx",
    "type": "function",
    "function": {
        "name": "find_flights",
        "arguments": '{"origin": "OSL", "destination": "LIS", "date": "2025-03-14"}',
    },
}
# OpenAI's chat fine-tuning rows with function calling: a plain row first, so the tool row is line 2.
PLAIN = {"messages": [{"role": "user", "content": "Say hi in Norwegian."}, {"role": "assistant", "content": "Hei!"}]}
TOOL_ROW = {
    "tools": [FLIGHT_TOOL],
    "messages": [
        {"role": "user", "content": "Any flights Oslo to Lisbon on 14 March?"},
        {"role": "assistant", "content": None, "tool_calls": [CALL]},
        {"role": "tool", "tool_call_id": "call_7Qx", "content": '[{"flight": "DY1302", "departs": "07:40"}]'},
        {"role": "assistant", "content": "Norwegian DY1302 leaves Oslo at 07:40."},
    ],
}


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def tool_file(tmp_path) -> Path:
    return _write(tmp_path / "flights.jsonl", [PLAIN, TOOL_ROW])


# (id, extra options, whether the template a run would use leaves the calls out)
CASES = [
    ("model's own template (the default)", [], True),
    ("--template tokenizer of --model default", ["--model", "default", "--template", "tokenizer"], True),
    ("--template chatml", ["--template", "chatml"], True),
    ("--template hermes", ["--template", "hermes"], False),
    ("--template llama31", ["--template", "llama31"], False),
]


@pytest.mark.parametrize(("case", "options", "drops"), CASES, ids=[c[0] for c in CASES])
def test_inspect_warns_when_the_template_leaves_tool_calls_out(case, options, drops, tool_file, capsys):
    assert main(["data", "inspect", str(tool_file), *options]) == 0
    out = capsys.readouterr().out
    said = [line for line in out.splitlines() if "leaves out tool calls" in line]
    if not drops:
        assert not said, out
        return
    assert len(said) == 1 and said[0].startswith("warning:"), out
    assert "e.g. line 2's" in said[0] and "`train` refuses these rows" in said[0]
    # The default named without brackets in the warning's own: "(of `SmolLM2-135M-Instruct (embedded default)`)" before
    assert " template (of `SmolLM2-135M-Instruct`, the embedded default) leaves out tool calls" in said[0], said[0]
    # The fix names a template that writes them and the `tokens` command showing the row with it: line 2 is --line 2
    # (--row 1 named it too, counted from 0 among valid rows, where the warning's words said "line 2").
    assert "--template hermes writes them" in said[0]
    assert f"`python -m ftlib tokens {tool_file} --line 2 --template hermes" in said[0]


@pytest.mark.parametrize(("case", "options", "drops"), CASES, ids=[c[0] for c in CASES])
def test_inspect_json_says_whether_the_template_writes_the_calls(case, options, drops, tool_file, capsys):
    assert main(["data", "inspect", str(tool_file), "--json", *options]) == 0
    report = json.loads(capsys.readouterr().out)
    checked = report["tool_calls_template"]
    template = options[options.index("--template") + 1] if "--template" in options else "tokenizer"
    assert (checked["model"], checked["template"], checked["keeps"]) == ("default", template, "hermes")
    assert checked["drops_tool_calls"] is drops
    if drops:
        assert (checked["row"], checked["where"]) == (2, "line 2")
        assert "leaves out tool calls" in checked["warning"]
    else:
        assert (checked["row"], checked["where"], checked["warning"]) == (None, None, None)


def test_a_custom_template_file_is_checked_too(tool_file, tmp_path, capsys):
    # A hand-written ChatML template with no tool-call branch: the calls vanish, as under many models' own.
    jinja = tmp_path / "plain_chatml.jinja"
    jinja.write_text(
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] or '' }}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}",
        encoding="utf-8",
    )
    assert main(["data", "inspect", str(tool_file), "--json", "--template-file", str(jinja)]) == 0
    checked = json.loads(capsys.readouterr().out)["tool_calls_template"]
    assert (checked["template"], checked["drops_tool_calls"], checked["row"]) == ("custom", True, 2)


def test_a_file_without_tool_calls_loads_no_tokenizer(tmp_path, capsys, monkeypatch):
    import ftlib.models

    def no_loading(*args, **kwargs):
        raise AssertionError("a plain inspect loaded a tokenizer")

    monkeypatch.setattr(ftlib.models, "load_tokenizer", no_loading)
    path = _write(tmp_path / "plain.jsonl", [PLAIN, PLAIN | {"id": 2}])
    assert main(["data", "inspect", str(path), "--json", "--template", "chatml"]) == 0
    assert "tool_calls_template" not in json.loads(capsys.readouterr().out)
    assert main(["data", "inspect", str(path)]) == 0
    assert "tool calls" not in capsys.readouterr().out


def test_a_default_model_that_does_not_load_is_a_warning_a_named_one_an_error(tool_file, capsys, monkeypatch):
    import ftlib.models

    def offline(spec="default"):
        raise ftlib.models.ModelError(f"The model '{spec}' is not in the local Hugging Face cache.")

    monkeypatch.setattr(ftlib.models, "load_tokenizer", offline)
    assert main(["data", "inspect", str(tool_file)]) == 0  # the file itself is fine: inspect still reports it
    out = capsys.readouterr().out
    assert "warning:   " in out and "was not checked: The model 'default' is not in the local" in out
    assert main(["data", "inspect", str(tool_file), "--model", "acme/chat-7b"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: The model 'acme/chat-7b'") and err.count("\n") == 1


def test_the_check_reads_a_preference_rows_answers(smol_tokenizer):
    # DPO rows whose answers make calls (the rejected one calls the wrong function): both answers are encoded apart,
    # and a check that read only a plain row's `dropped` missed them (the Data page said nothing for such files).
    prompt = [{"role": "user", "content": "Any flights Oslo to Lisbon on 14 March?"}]
    wrong = CALL | {"function": {"name": "book_hotel", "arguments": '{"city": "Lisbon"}'}}
    pair = {
        "prompt": prompt,
        "chosen": [{"role": "assistant", "content": "", "tool_calls": [CALL]}],
        "rejected": [{"role": "assistant", "content": "", "tool_calls": [wrong]}],
        "tools": [FLIGHT_TOOL],
    }
    plain = {
        "prompt": prompt,
        "chosen": [{"role": "assistant", "content": "Let me look."}],
        "rejected": [{"role": "assistant", "content": "No."}],
    }
    rows = [plain, pair]
    own = get_template("tokenizer", smol_tokenizer)
    assert first_dropped_tool_calls(rows, smol_tokenizer, own) == 1
    assert first_dropped_tool_calls(rows, smol_tokenizer, get_template("hermes", smol_tokenizer)) is None
    assert first_dropped_tool_calls([plain], smol_tokenizer, own) is None


def _batch_counts(tool_file, template: str, max_length: int, capsys) -> tuple[int, int]:
    """(real tokens, rows cut) that `batch --template` counts: the reference for the lengths `data inspect` gives."""
    argv = ["batch", str(tool_file), "--json", "--template", template, "--max-length", str(max_length)]
    assert main(argv) == 0
    padded = json.loads(capsys.readouterr().out)["strategies"][0]
    return padded["real_tokens"], padded["truncated_examples"]


@pytest.mark.parametrize("max_length", [384, 64])
@pytest.mark.parametrize(("case", "options", "drops"), CASES[2:4], ids=[c[0] for c in CASES[2:4]])
def test_inspect_gives_the_token_lengths_batch_counts_under_the_template_and_the_one_that_keeps_calls(
    case, options, drops, max_length, tool_file, capsys
):
    """`data inspect` warned that a template leaves the calls out and named one that writes them, but gave no token
    lengths where the Data page and `batch --template` give them: not under the template asked for, nor under the one
    that keeps the calls (much longer: the tools' schemas and the calls are written). It gives both now, and they are
    batch's (real tokens at a max length that cuts nothing, the rows cut at one that does)."""
    template = options[options.index("--template") + 1]
    assert main(["data", "inspect", str(tool_file), "--json", *options, "--max-length", str(max_length)]) == 0
    checked = json.loads(capsys.readouterr().out)["tool_calls_template"]
    measured = [(checked["lengths"], template), *([(checked["keeps_lengths"], "hermes")] if drops else [])]
    assert checked["keeps_lengths"] is None if not drops else checked["keeps_lengths"]["template"] == "hermes"
    for lengths, name in measured:
        real, cut = _batch_counts(tool_file, name, max_length, capsys)
        assert (lengths["template"], lengths["rows"], lengths["max_length"]) == (name, 2, max_length)
        assert lengths["truncated"] == cut and (max_length == 64) == (cut > 0)  # a sentinel: 64 cuts the tool row
        if not cut:
            assert lengths["total"] == real
    hermes = checked["keeps_lengths"] or checked["lengths"]
    assert hermes["max"] > 3 * (checked["lengths"]["max"] if drops else 0)  # the calls and tools are written

    assert main(["data", "inspect", str(tool_file), *options, "--max-length", str(max_length)]) == 0
    out = capsys.readouterr().out
    lengths = checked["lengths"]
    said = [line for line in out.splitlines() if line.startswith("tokens:")]
    assert said == [
        f"tokens:     {lengths['min']} to {lengths['max']} a row, median {lengths['median']}, mean {lengths['mean']} "
        f"(written with the {lengths['title']} template of `SmolLM2-135M-Instruct`, the embedded default); "
        + ("none is longer than --max-length 384" if max_length == 384 else "1 row is longer than --max-length 64 "
           "(line 2; cut in training)")
    ]  # fmt: skip
    if drops:
        assert f"--template hermes writes them (with it the longest row is {hermes['max']} tokens, and " in out
