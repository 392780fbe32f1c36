"""A second sweep of the data path with files in the shapes projects publish (helper 241).

- Capybara's conversations, each exchange one {"input", "output"} pair (LDJnr's Capybara and the sets built like
  it), are read as a user's turn and the assistant's reply, said in a note; every row was refused ("turn 1 has no
  role"), with no way on.
- OpenAssistant's `prompter` (its name of the person asking, kept by some conversions of oasst1/oasst2 into turns)
  is the user: a turn of it was refused as a role not supported.
"""

from __future__ import annotations

import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ftlib.data import load_bytes

EXCHANGES = [
    {"input": "Name a moon of Saturn.", "output": "Titan."},
    {"input": "And one of Mars?", "output": "Phobos."},
]


def _jsonl(*rows: dict) -> bytes:
    return "\n".join(json.dumps(r) for r in rows).encode()


def _parquet(**columns: list) -> bytes:
    out = io.BytesIO()
    pq.write_table(pa.table(columns), out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (_jsonl({"source": "Know-Logic", "conversation": EXCHANGES}, {"conversation": EXCHANGES[:1]}), "capy.jsonl"),
        (_parquet(conversation=[EXCHANGES, EXCHANGES[:1]]), "capy.parquet"),
        (_jsonl({"messages": EXCHANGES}, {"messages": EXCHANGES[:1]}), "capy.jsonl"),
    ],
)
def test_capybara_exchanges_are_read_as_turns(data, name):
    result = load_bytes(data, name)
    assert not result.errors, [e.message for e in result.errors]
    assert result.rows[0]["messages"] == [
        {"role": "user", "content": "Name a moon of Saturn."},
        {"role": "assistant", "content": "Titan."},
        {"role": "user", "content": "And one of Mars?"},
        {"role": "assistant", "content": "Phobos."},
    ]
    assert len(result.rows[1]["messages"]) == 2
    said = [n.message for n in result.notices if "exchanges" in n.message]
    assert said == [
        'In 2 rows, a conversation\'s turns are written as exchanges, {"input": ..., "output": ...} (as Capybara\'s '
        "rows are): each is read as a user's turn and the assistant's reply to it."
    ], said


def test_a_capybara_exchange_without_its_reply_is_named_by_its_key():
    rows = [
        {"conversation": EXCHANGES},
        {"conversation": [EXCHANGES[0], {"input": "And one of Mars?", "output": None}]},
        {"conversation": [{"input": " ", "output": "Titan."}]},
        {"conversation": [{"input": "Name a moon.", "output": "Io.", "id": 4}]},
    ]
    result = load_bytes(_jsonl(*rows), "capy.jsonl")
    assert [(e.row, e.message) for e in result.errors] == [
        (2, "exchange 2 of 'conversations' has a null 'output' (the assistant's reply): write its text there"),
        (3, "exchange 1 of 'conversations' has an empty 'input' (the user's turn): write its text there"),
    ]
    said = " ".join(n.message for n in result.notices)
    assert "ignored field: `conversations[].id` (a key inside the turns) in 1 row (line 4)" in said, said


def test_a_turn_naming_its_speaker_is_not_read_as_an_exchange():
    turns = [{"from": "human", "value": "Hi", "input": "x", "output": "y"}, {"from": "gpt", "value": "Hello."}]
    result = load_bytes(_jsonl({"conversations": turns}), "chats.jsonl")
    assert result.rows[0]["messages"][0] == {"role": "user", "content": "Hi"}
    assert not [n for n in result.notices if "exchanges" in n.message]


def test_an_openassistant_prompter_turn_is_the_user():
    turns = [{"role": "prompter", "content": "What is a prime number?"}, {"role": "assistant", "content": "One > 1."}]
    result = load_bytes(
        _jsonl({"messages": turns}, {"messages": turns[:1] + [{"role": "assistant", "content": "7"}]}), "o.jsonl"
    )
    assert not result.errors, [e.message for e in result.errors]
    assert [t["role"] for t in result.rows[0]["messages"]] == ["user", "assistant"]
