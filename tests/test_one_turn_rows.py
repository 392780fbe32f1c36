"""A file whose rows are each one message ({"role", "content"}: one conversation's turns written as an array or one
per line) is refused saying so, with the one-line fix, not "its rows have the fields role, content" beside the list
of every format's fields (format_detect.ONE_TURN_ROWS). The content is ours.
"""

from __future__ import annotations

import json

import pytest

from ftlib.cli import main
from ftlib.data import MappingNeeded, load_bytes

TURNS = [
    {"role": "system", "content": "Answer like a harbour master."},
    {"role": "user", "content": "When is high tide?"},
    {"role": "assistant", "content": "At 14:05, give or take the wind."},
]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("chat.json", json.dumps(TURNS)),
        ("chat.jsonl", "\n".join(json.dumps(t) for t in TURNS)),
        ("chat.jsonl", "\n".join(json.dumps({"from": t["role"], "value": t["content"]}) for t in TURNS)),
    ],
)
def test_rows_of_single_messages_are_named_with_the_fix(name, data):
    with pytest.raises(MappingNeeded) as refused:
        load_bytes(data.encode(), name)
    said = str(refused.value)
    assert "each of its rows is one message (a `role` and its `content`), not a conversation" in said
    assert "jq -c '{messages: .}' FILE > chat.jsonl" in said and "jq -s -c '{messages: .}'" in said


def test_the_cli_says_it_in_one_error_line(tmp_path, capsys):
    path = tmp_path / "chat.json"
    path.write_text(json.dumps(TURNS))
    assert main(["data", "inspect", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Could not recognise the format of chat.json: each of its rows is one message")
    fixed = tmp_path / "fixed.jsonl"
    fixed.write_text(json.dumps({"messages": TURNS}) + "\n")  # what the jq line writes
    assert load_bytes(fixed.read_bytes(), "fixed.jsonl").valid_rows == 1
