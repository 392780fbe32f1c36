"""Three small gaps a newcomer walk found.

1. A tool result with no `tool_call_id` after an assistant turn that made several calls with ids went unsaid: the
   results can then be matched to the calls only by their order (templates that print ids, Mistral's, need them).
2. `data inspect FILE --model M` gave no token lengths unless the file had tool calls.
3. `sample --system` on a raw-text run glued the system text onto the prompt (see the third part below).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftlib.cli import main
from ftlib.data import load_file
from ftlib.rows import tool_warnings

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
        "(written with the model's own template of `default`); "
    )
    cut = lengths["truncated"]
    assert said.endswith("none is longer than --max-length 384" if not cut else "--max-length 24 (cut in training)")
