"""`python -m ftlib batch`: nothing in the file is left out unsaid (rows that fail to load, rows a run would leave
out at the max length), and prompt-only rows show no made-up cost per trained token. Which rows a run leaves out
is checked against the run's own rule (`ftlib.training.encode_for_training`)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from ftlib.batch_costs import untrained_rows
from ftlib.cli import main

IGN = -100


def chat(user: str, answer: str) -> dict:
    return {"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]}


SHORT = chat("Capital of Peru?", "Lima.")
LONG = chat("Read this first. " + "The tide came in and went out again. " * 20, "Done.")  # ~220 tokens, answer last
POEM = {"prompt": "Write a short poem about the sea."}
LONG_PROMPT = {"prompt": "Write a poem about these tides: " + "high, low, " * 40}


def _write(path: Path, lines: list) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines), encoding="utf-8")
    return path


def strict_json(text: str) -> dict:
    """json.loads that refuses Infinity and NaN, as every JSON reader but Python's does."""

    def refuse(name):
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_a_row_that_failed_to_load_is_named_on_stderr_and_in_the_json(tmp_path, capsys):
    """A broken line 2 printed "2 rows, 2 sequences" and nothing else."""
    path = _write(tmp_path / "chats.jsonl", [SHORT, "{broken", chat("2+2?", "4")])
    assert main(["batch", str(path), "--max-length", "64"]) == 0
    captured = capsys.readouterr()
    (warning,) = captured.err.splitlines()
    assert warning.startswith(f"warning: 1 of 3 rows in {path} is not used: line 2: this line is not valid JSON")
    assert warning.endswith(f"See every row with `python -m ftlib data inspect {path}`.")
    assert captured.out.startswith("2 rows, 2 sequences")
    assert main(["batch", str(path), "--max-length", "64", "--json"]) == 0
    captured = capsys.readouterr()
    report = strict_json(captured.out)
    assert captured.err == ""  # --json: in the report, not on stderr
    assert (report["rows"], report["rows_read"]) == (2, 3)
    assert [(r["row"], r["where"]) for r in report["skipped_rows"]] == [(2, "line 2")]
    assert report["untrained_rows"] == []


def test_prompt_only_rows_show_no_cost_per_trained_token(tmp_path, capsys):
    """GRPO prompts train no token of their own: the table said `inf`, the JSON `Infinity` (not JSON at all)."""
    path = _write(tmp_path / "prompts.jsonl", [POEM, {"prompt": "Name three fish."}])
    assert main(["batch", str(path), "--json"]) == 0
    report = strict_json(capsys.readouterr().out)
    # GRPO's prompts are neither packed nor grouped by length (`unavailable`): one strategy left
    assert [s["computed_per_trained"] for s in report["strategies"]] == [None]
    assert {s["trained_tokens"] for s in report["strategies"]} == {0}
    assert main(["batch", str(path)]) == 0
    out = capsys.readouterr().out
    assert "inf" not in out
    assert out.splitlines()[2].split()[-2] == "-"  # the computed/trained column of the one strategy left
    assert "note: computed/trained is '-': prompt-only rows train no token of their own. GRPO writes answers" in out
    # Trained rows keep their number.
    assert main(["batch", str(_write(tmp_path / "chats.jsonl", [SHORT])), "--json"]) == 0
    assert all(s["computed_per_trained"] > 1 for s in strict_json(capsys.readouterr().out)["strategies"])


def test_rows_that_train_nothing_at_the_max_length_are_the_rows_a_run_leaves_out(tmp_path, capsys, smol_tokenizer):
    """A row whose answer lies past the cut was only counted under "cut"; a run leaves it out entirely."""
    from ftlib.config import RunConfig
    from ftlib.data import load_file
    from ftlib.training import encode_for_training, run_template

    path = _write(tmp_path / "mixed.jsonl", [SHORT, LONG, SHORT, LONG, LONG])
    assert main(["batch", str(path), "--max-length", "64", "--json"]) == 0
    report = strict_json(capsys.readouterr().out)
    untrained = report["untrained_rows"]
    assert [(r["row"], r["where"], r["reason"]) for r in untrained] == [(n, f"line {n}", "cut") for n in (2, 4, 5)]
    assert all(r["tokens"] > 64 for r in untrained)
    # The reference: the rows the run's own encoding leaves out at that max length (1-based among valid rows).
    config = RunConfig(dataset=str(path), max_length=64)
    rows = load_file(path).rows
    _, dropped = encode_for_training(rows, smol_tokenizer, run_template(config, smol_tokenizer), config)
    assert dropped == [r["row"] for r in untrained]
    assert main(["batch", str(path), "--max-length", "64"]) == 0
    lines = capsys.readouterr().err.splitlines()
    (warning,) = [line for line in lines if line.startswith("warning:")]
    assert any(line.startswith("note: 3 rows repeat an earlier one exactly") for line in lines)  # as `train` notes it
    assert warning.startswith("warning: 3 rows would train nothing at max length 64, all their trained tokens lying")
    assert "line 2 (" in warning and "line 4 (" in warning and "line 5 (" in warning
    assert "A run leaves them out (and refuses to start when no row is left)" in warning
    assert "Use a larger --max-length or shorter rows" in warning
    assert f"`python -m ftlib tokens {path} --line 2 --model default --template tokenizer --max-length 64`" in warning
    # Long enough, nothing to warn of (the copies' note stays, as `train` says it).
    assert main(["batch", str(path), "--max-length", "512"]) == 0
    assert not [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]


def test_prompts_longer_than_the_max_length_are_the_prompts_grpo_leaves_out(tmp_path, capsys, smol_tokenizer):
    from ftlib.config import RunConfig
    from ftlib.data import load_file
    from ftlib.training import encode_for_training, run_template

    path = _write(tmp_path / "prompts.jsonl", [POEM, LONG_PROMPT])
    assert main(["batch", str(path), "--max-length", "64", "--json"]) == 0
    untrained = strict_json(capsys.readouterr().out)["untrained_rows"]
    assert [(r["row"], r["reason"]) for r in untrained] == [(2, "long_prompt")]
    config = RunConfig(dataset=str(path), method="grpo", rewards=[{"check": "chat_style"}], max_length=64)
    _, dropped = encode_for_training(
        load_file(path).rows, smol_tokenizer, run_template(config, smol_tokenizer), config
    )
    assert dropped == [2]
    assert main(["batch", str(path), "--max-length", "64"]) == 0
    (warning,) = capsys.readouterr().err.splitlines()
    assert warning.startswith("warning: 1 prompt is longer than the max length of 64 tokens: line 2 (")
    assert "A GRPO run leaves it out" in warning


def seq(labels: list[int], kind: str = "sft") -> SimpleNamespace:
    return SimpleNamespace(input_ids=list(range(500, 500 + len(labels))), labels=labels, kind=kind)


@pytest.mark.parametrize(
    "encoded, expected",
    [
        ([seq([IGN, IGN, 7, 8])], []),  # trained within the cut
        ([seq([IGN, IGN, IGN, IGN, 9])], [(0, "cut", 5)]),  # its one trained token lies past 4
        ([seq([IGN] * 3)], [(0, "masked", 3)]),  # nothing trained, cut or not
        ([seq([IGN] * 6, kind="prompt_only"), seq([IGN] * 3, kind="prompt_only")], [(0, "long_prompt", 6)]),
        # a pair is left out when either answer trains nothing
        ([SimpleNamespace(chosen=seq([IGN, 5]), rejected=seq([IGN] * 5 + [6]))], [(0, "cut", 6)]),
    ],
    ids=["trained", "cut", "masked", "long-prompt", "pair"],
)
def test_untrained_rows_by_reason(encoded, expected):
    assert untrained_rows(encoded, max_length=4) == expected


CALL = {
    "messages": [
        {"role": "user", "content": "Tide at Dover?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"type": "function", "function": {"name": "tide", "arguments": '{"port": "Dover"}'}}],
        },
        {"role": "tool", "content": "High at noon."},
        {"role": "assistant", "content": "High tide is at noon."},
    ]
}


def test_tool_calls_the_template_drops_are_said_as_train_says_them(tmp_path, capsys):
    """`batch` counted a row whose tool calls the template leaves out as any other, while `train` refuses it."""
    path = _write(tmp_path / "calls.jsonl", [SHORT, CALL])
    assert main(["batch", str(path), "--max-length", "128"]) == 0
    (warning,) = capsys.readouterr().err.splitlines()
    assert warning.startswith("warning: `train` refuses these rows: In 1 of 2 training rows (row 2): The model's own")
    assert (
        "leaves out the tool calls of message 2 (an assistant reply)" in warning
        and "'ChatML + tools (Hermes)' (--template hermes)" in warning
    )
    assert main(["batch", str(path), "--max-length", "128", "--json"]) == 0
    report = strict_json(capsys.readouterr().out)
    assert [(c["code"], c["severity"]) for c in report["template_checks"]] == [("tool_calls_dropped", "error")]
    assert main(["batch", str(path), "--max-length", "128", "--template", "hermes", "--json"]) == 0
    assert strict_json(capsys.readouterr().out)["template_checks"] == []


def test_a_custom_template_file_is_counted_as_tokens_renders_it(tmp_path, capsys, smol_tokenizer):
    """A cold review: `batch --template custom` said "write or paste one first" and had no --template-file, as
    `tokens` and `train` have it. The counts are the file's template's: its trained tokens are the replies alone."""
    from ftlib.batching import encode_examples
    from ftlib.templates import get_template

    source = (
        "{% for m in messages %}<|im_start|>{{ m.role }}\n{% if m.role == 'assistant' %}{% generation %}"
        "{{ m.content }}<|im_end|>{% endgeneration %}{% else %}{{ m.content }}<|im_end|>{% endif %}\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )
    template_file = tmp_path / "tagged.jinja"
    template_file.write_text(source, encoding="utf-8")
    path = _write(tmp_path / "chats.jsonl", [SHORT, LONG])
    assert main(["batch", str(path), "--template-file", str(template_file), "--json"]) == 0
    report = strict_json(capsys.readouterr().out)
    examples, _, _ = encode_examples(
        [SHORT, LONG], smol_tokenizer, get_template("custom", source=source), "all_assistant"
    )
    trained = sum(sum(label != -100 for label in e.labels) for e in examples)
    assert {s["trained_tokens"] for s in report["strategies"]} == {trained}
    assert main(["batch", str(path), "--template-file", str(tmp_path / "missing.jinja")]) == 2
    assert capsys.readouterr().err.startswith("error: Template file ")
