"""A tool call's arguments written as JSON text of JSON text (a converter that ran json.dumps twice) are refused in
those words, and a KTO completion holding another speaker's turn names it.

Before, the first was refused as "must be a JSON object, but they are text", which is what OpenAI's format asks
for (arguments as JSON text), so the message read as wrong; the second said "must contain only assistant turns"
though a labelled completion may hold tool results. The content is ours.
"""

from __future__ import annotations

import json

from ftlib.data import load_bytes

ASK = {"role": "user", "content": "When is high tide in Brest?"}


def load(*rows: dict):
    return load_bytes("\n".join(json.dumps(r) for r in rows).encode(), "rows.jsonl")


def call(arguments) -> dict:
    return {
        "role": "assistant",
        "tool_calls": [{"type": "function", "function": {"name": "tide", "arguments": arguments}}],
    }


def test_arguments_encoded_twice_are_named_so():
    twice = json.dumps(json.dumps({"harbour": "Brest"}))
    rows = [
        {"messages": [ASK, call(a), {"role": "tool", "content": "14:02"}, {"role": "assistant", "content": "14:02."}]}
        for a in (twice, json.dumps({"harbour": "Brest"}))
    ]
    result = load(*rows)
    assert result.valid_rows == 1  # once-encoded JSON text is OpenAI's own shape: read
    ((error,),) = [result.errors]
    assert "of turn 2 (assistant) of 'messages' are JSON text encoded twice" in error.message
    assert "write them once, as an object or as the JSON text of one" in error.message


def test_a_labelled_completion_with_a_user_turn_names_it():
    row = {"prompt": [ASK], "completion": [{"role": "assistant", "content": "14:02."}, ASK], "label": True}
    ((error,),) = [load(row, {**row, "completion": "At 14:02."}).errors]
    assert "turn 2 of the completion is a user turn" in error.message
