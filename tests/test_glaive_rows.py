"""Glaive's function-calling rows (a `system` text listing the functions, the whole `chat` in one text, as
glaive-function-calling-v2 publishes them) read as chats with tool calls (ftlib/glaive_rows.py).

Before, such a file was refused: "Could not recognise the format ...: its rows have the fields system, chat". The
content is ours; the shape (labels, `<functioncall>` with its arguments in single quotes, `<|endoftext|>`) is Glaive's.
"""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from ftlib.data import MappingNeeded, load_bytes
from ftlib.tokens import encode_row

TIDE = {
    "name": "get_tide",
    "description": "High tide time for a harbour",
    "parameters": {"type": "object", "properties": {"harbour": {"type": "string"}}, "required": ["harbour"]},
}
WIND = {"name": "get_wind", "description": "Wind in knots", "parameters": {"type": "object", "properties": {}}}
SYSTEM = "SYSTEM: You are a helpful assistant with access to the following functions. Use them if required -\n"


def called(i: int) -> dict:
    return {
        "system": SYSTEM + json.dumps(TIDE, indent=4) + "\n\n" + json.dumps(WIND, indent=4) + "\n",
        "chat": f'USER: When is high tide at Brest {i}? \n\n\nASSISTANT: <functioncall> {{"name": "get_tide", '
        f'"arguments": \'{{"harbour": "Brest {i}"}}\'}} <|endoftext|>\n\n\nFUNCTION RESPONSE: '
        '{"high": "14:02"}\n\n\nASSISTANT: High tide is at 14:02. <|endoftext|>\n\n\n',
    }


PLAIN = {
    "system": "SYSTEM: You are a helpful assistant, with no access to external functions.",
    "chat": "USER: Hello\n\n\nASSISTANT: Hello! How can I help? <|endoftext|>\n\n\nUSER: A joke?\n\n\n"
    "ASSISTANT: The tide went out and never wrote. <|endoftext|>",
}


def jsonl(rows) -> bytes:
    return "\n".join(json.dumps(r) for r in rows).encode()


def test_a_chat_with_a_function_call_is_read_as_turns_and_tools(smol_tokenizer):
    result = load_bytes(jsonl([called(0), called(1), PLAIN]), "glaive.jsonl")
    assert result.format == "messages" and result.errors == [] and result.valid_rows == 3
    turns = result.rows[0]["messages"]
    assert [t["role"] for t in turns] == ["system", "user", "assistant", "tool", "assistant"]
    assert (
        turns[0]["content"]
        == "You are a helpful assistant with access to the following functions. Use them if required"
    )
    assert turns[1]["content"] == "When is high tide at Brest 0?"
    assert turns[2]["tool_calls"][0]["function"] == {"name": "get_tide", "arguments": {"harbour": "Brest 0"}}
    assert turns[3]["content"] == '{"high": "14:02"}' and turns[4]["content"] == "High tide is at 14:02."
    assert [t["name"] for t in result.rows[0]["tools"]] == ["get_tide", "get_wind"]
    assert any("Glaive's function-calling shape" in n.message and n.note for n in result.notices)
    trained = "".join(t.text for t in encode_row(result.rows[0], smol_tokenizer, "hermes").tokens if t.trained)
    assert '"name": "get_tide", "arguments": {"harbour": "Brest 0"}' in trained
    assert "High tide is at 14:02." in trained and "endoftext" not in trained and "ASSISTANT:" not in trained


def test_a_row_without_functions_keeps_its_system_text_and_no_tools():
    (row,) = load_bytes(jsonl([PLAIN]), "glaive.jsonl").rows
    assert "tools" not in row
    assert [(t["role"], t["content"]) for t in row["messages"]] == [
        ("system", "You are a helpful assistant, with no access to external functions."),
        ("user", "Hello"),
        ("assistant", "Hello! How can I help?"),
        ("user", "A joke?"),
        ("assistant", "The tide went out and never wrote."),
    ]


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_the_same_rows_as_a_table(kind):
    frame = pd.DataFrame([called(0), PLAIN])
    buffer = io.BytesIO()
    frame.to_csv(buffer, index=False) if kind == "csv" else frame.to_parquet(buffer)
    result = load_bytes(buffer.getvalue(), f"glaive.{kind}")
    assert result.format == "messages" and result.valid_rows == 2 and result.column_map == {"system": "system"}
    again = load_bytes(buffer.getvalue(), f"glaive.{kind}", column_map={"system": None})  # the page's other boxes
    assert again.valid_rows == 2 and again.rows[0]["messages"][2]["tool_calls"]


def test_a_chat_not_cut_by_labels_is_not_taken_for_glaive():
    with pytest.raises(MappingNeeded, match="its rows have the fields system, chat"):
        load_bytes(jsonl([{"system": "Be brief.", "chat": "Hello there"}]), "other.jsonl")
