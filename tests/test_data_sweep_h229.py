"""A sweep of the data path with files in the shapes projects publish (helper 229).

- A ShareGPT turn's missing text is named by the key the file uses (`value`), not OpenAI's `content`.
"""

from __future__ import annotations

import json

import pytest

from ftlib.data import load_bytes


def _jsonl(*rows: dict) -> bytes:
    return "\n".join(json.dumps(r) for r in rows).encode()


@pytest.mark.parametrize(
    ("turn", "said"),
    [
        ({"from": "gpt", "value": None}, "turn 2 (assistant) of 'conversations' has a null 'value' (give it"),
        ({"from": "gpt"}, "turn 2 (assistant) of 'conversations' has no 'value' (give it the turn's text)"),
        ({"from": "gpt", "text": "Hi"}, "has no 'value' (it has 'text': name that key 'value')"),
    ],
)
def test_a_sharegpt_turn_without_its_text_names_the_value_key(turn, said):
    asked = {"from": "human", "value": "Name a lake in Chile."}
    good = {"conversations": [asked, {"from": "gpt", "value": "Lago General Carrera."}]}
    result = load_bytes(_jsonl(good, {"conversations": [asked, turn]}), "chats.jsonl")
    assert result.format == "sharegpt" and len(result.rows) == 1
    assert [e.row for e in result.errors] == [2]
    assert said in result.errors[0].message, result.errors[0].message
