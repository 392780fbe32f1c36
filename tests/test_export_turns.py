"""Two shapes of real chat exports the reader got subtly wrong: a `bot` role (some ShareGPT-style and chat-log
exports name the assistant so) was refused ("the role 'bot' ... is not supported"), and a turn of several OpenAI
text parts ran its parts together ("k2, p2." + "What does p2 mean?" -> "k2, p2.What does p2 mean?").

A text model is served OpenAI's parts as one text joined by line breaks (vLLM's chat_utils: "\\n".join of a turn's
text parts, when its template takes text content), so the studio trains on that text. Parts that already meet at a
space or a line break (a reply written in pieces) or that cite a source (Anthropic's cited reply, one text split at
its citations) are joined as written. The content is ours.
"""

from __future__ import annotations

import json

import pytest

from ftlib.data import load_bytes
from ftlib.tokens import encode_row

ASK = {"role": "user", "content": "Which way does a clock's hand turn?"}


def load(*rows: dict):
    return load_bytes("\n".join(json.dumps(r) for r in rows).encode(), "export.jsonl")


@pytest.mark.parametrize(
    "row",
    [
        {"conversations": [{"from": "human", "value": ASK["content"]}, {"from": "bot", "value": "Clockwise."}]},
        {"messages": [ASK, {"role": "Bot", "content": "Clockwise."}]},
    ],
    ids=["sharegpt-from", "messages-role"],
)
def test_a_bot_turn_is_the_assistants_said_once_per_file(row, smol_tokenizer):
    result = load(row, row)
    assert [e.message for e in result.errors] == []
    assert [t["role"] for t in result.rows[0]["messages"]] == ["user", "assistant"]
    said = [n.message for n in result.notices if "`bot`" in n.message]
    assert len(said) == 1 and "read as the assistant's turns" in said[0], said
    trained = "".join(t.text for t in encode_row(result.rows[0], smol_tokenizer, "chatml").tokens if t.trained)
    assert "Clockwise" in trained
