"""Helper 102's CLI walk of a tool-calling team's data (reasoning, OpenAI tool calls, a `tools` column): `sample`
had no way to show a run the tools it trained with, so a tool-calling run was asked without them and never called
one. `sample --tools` gives them, and says when the prompt and the run's rows disagree."""

from __future__ import annotations

import json
import re

import pytest

from ftlib.cli import main
from ftlib.testing import make_run
from tests.test_cli_walk_h110 import prompts_read  # noqa: F401 (a fixture: each sample call's prompts)

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "lookup_tide",
            "description": "High and low tide times for a harbour",
            "parameters": {"type": "object", "properties": {"harbour": {"type": "string"}}, "required": ["harbour"]},
        },
    }
]
ROW = {  # a training row as the run keeps it (split/train.jsonl): a call, its result, the answer
    "messages": [
        {"role": "user", "content": "When is high tide in Brest?"},
        {
            "role": "assistant",
            "content": "",
            "reasoning": "A tide question: call lookup_tide.",
            "tool_calls": [
                {"type": "function", "function": {"name": "lookup_tide", "arguments": {"harbour": "Brest"}}}
            ],
        },
        {"role": "tool", "content": '{"high": "14:02"}'},
        {"role": "assistant", "content": "High tide in Brest is at 14:02."},
    ],
    "tools": TOOLS,
}
FIX = "give a .json file of tool schemas or the JSON text itself"


@pytest.fixture
def tide_run(varied_dir, adapter_template):
    """A finished LoRA run trained in the Hermes template on rows that show tools."""
    config = {"model": str(varied_dir), "dataset": "tides", "template": "hermes"}
    run = make_run("run-tides", config, adapter=adapter_template)
    (run.path / "split").mkdir()
    (run.path / "split" / "train.jsonl").write_text(json.dumps(ROW) + "\n", encoding="utf-8")
    (run.path / "split" / "meta.json").write_text(json.dumps({"format": "messages", "name": "tides"}), "utf-8")
    return run.path


@pytest.mark.parametrize("given", ["file", "row", "text"])
def test_sample_tools_shows_a_tool_calling_run_its_tools(tmp_path, capsys, tide_run, prompts_read, given):  # noqa: F811
    """`--tools` (a .json list of schemas, a row of the data file, or the JSON text) reaches the prompt each model
    reads, written by the run's Hermes template as training wrote them; no warning then."""
    value = json.dumps(TOOLS)
    if given != "text":
        value = str(tmp_path / "tools.json")
        (tmp_path / "tools.json").write_text(json.dumps(TOOLS if given == "file" else ROW), encoding="utf-8")
    argv = ["sample", "--adapter", "run-tides", "--prompt", "High tide in Oslo?", "--max-new-tokens", "2"]
    assert main([*argv, "--tools", value]) == 0
    err = capsys.readouterr().err
    assert "warning" not in err, err
    read = prompts_read[0]
    assert set(read) == {"base", "run-tides"}
    for _, text in read.values():
        assert "<tools>\n" + json.dumps(TOOLS[0]) + "\n</tools>" in text, text


def test_sample_without_tools_says_the_run_trained_with_them(capsys, tide_run, prompts_read):  # noqa: F811
    """Asked without `--tools`, a run whose rows showed tools is asked without them: said, with the flag to use."""
    assert main(["sample", "--adapter", "run-tides", "--prompt", "High tide in Oslo?", "--max-new-tokens", "2"]) == 0
    err = capsys.readouterr().err
    assert "warning: the run run-tides trained on rows that show tools" in err and "--tools" in err, err
    assert all("<tools>" not in text for _, text in prompts_read[0].values())


def test_sample_tools_to_a_template_that_writes_none_is_warned(capsys, varied_dir):
    """The model's own template (SmolLM2's, ChatML without tools) leaves the schemas out: said, with the fix."""
    argv = ["sample", "--model", str(varied_dir), "--prompt", "Hi", "--max-new-tokens", "2", "--tools"]
    assert main([*argv, json.dumps(TOOLS)]) == 0
    err = capsys.readouterr().err
    assert "warning: --tools: the model's own chat template writes no tool schemas" in err, err
    assert main([*argv, json.dumps(TOOLS), "--template", "hermes"]) == 0
    assert "warning" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("/nonexistent/tools.json", "cannot read /nonexistent/tools.json: no such file or folder"),
        ('[{"name": ', "the text of --tools is not valid JSON"),
        ('[{"type": "function"}]', "tool 1 in '--tools' has no name"),
        ("[]", "--tools holds no tool schema"),
    ],
)
def test_sample_tools_that_are_not_schemas_is_one_error_line(capsys, value, said):
    """Refused before any model loads, in one `error:` line naming the flag and how to give tools."""
    assert main(["sample", "--prompt", "Hi", "--tools", value]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and len(err.splitlines()) == 1, err
    assert said in err and FIX in err, err


def _call_row(i: int, system: bool) -> dict:
    """A tide question answered by a call, with a system turn or without (the call is then message 2, not 3)."""
    call = {"type": "function", "function": {"name": "lookup_tide", "arguments": json.dumps({"harbour": f"H{i}"})}}
    turns = [
        {"role": "user", "content": f"When is high tide in harbour H{i}?"},
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {"role": "tool", "content": json.dumps({"high": f"09:1{i}"})},
        {"role": "assistant", "content": f"High tide in H{i} is at 09:1{i}."},
    ]
    return {"messages": ([{"role": "system", "content": "You have tools."}] if system else []) + turns, "tools": TOOLS}


def test_a_refusal_in_several_ways_gives_the_training_rows_their_lines(tmp_path, capsys, tiny_model_dir):
    """`train` refused a file of tool calls under a template that leaves them out "In 8 of 8 training rows, in 2 ways.
    Rows 1, 2, 4 ...: ..." and said where only the held-out rows are in the file ("held-out row 1 is line 4"): the
    training rows each way names were not found in the message (`split_lines.named_rows`)."""
    path = tmp_path / "tides.jsonl"
    path.write_text("".join(json.dumps(_call_row(i, i % 3 == 0)) + "\n" for i in range(10)), encoding="utf-8")
    argv = ["train", "--model", str(tiny_model_dir), "--dataset", str(path), "--test-size", "2", "--max-steps", "1"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "training rows, the same problem in different messages. Rows " in err, err
    message, note = err.split("The row numbers above count", 1)
    lines = {int(n): int(line) for n, line in re.findall(r"training row (\d+) is line (\d+)", note)}
    assert {1, 2} <= set(lines), note
    # Each way's rows are the right lines: the calls of message 3 in the rows with a system turn (every third line).
    training, checked = message.split("In held-out", 1)[0], set()
    for rows, turn in re.findall(
        r"Rows? ([\d, ]+)(?: and \d+ more)?: The model's own template [^.]* of message (\d)", training
    ):
        for n in (int(x) for x in rows.split(", ") if int(x) in lines):
            assert ((lines[n] - 1) % 3 == 0) == (turn == "3"), (n, lines[n], turn)
            checked.add(turn)
    assert checked == {"2", "3"}, training
