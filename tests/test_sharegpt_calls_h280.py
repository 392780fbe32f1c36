"""Function-calling chats in the ShareGPT shapes projects publish, read as chats with tool calls
(ftlib/glaive_rows.glaive_sharegpt_record, called by call_rows.call_records; LLaMA-Factory's shape by turns.py).

Before, Glaive's chats converted to ShareGPT (`gpt` turns writing `<functioncall> {...}`, then a
`function-response` turn) were refused: "role 'function-response' ... is not supported", and with the result turn
renamed `observation` or `tool`, "turn 4 is a tool result, but the turn before it is not an assistant turn that calls
a tool". The content is ours; the shapes (labels, `<functioncall>` with its arguments in single quotes) are theirs.
"""

from __future__ import annotations

import json

import pytest

from ftlib.data import load_bytes
from ftlib.glaive_rows import glaive_record
from ftlib.tokens import encode_row

TIDE = {
    "name": "get_tide",
    "description": "High tide time for a harbour",
    "parameters": {"type": "object", "properties": {"harbour": {"type": "string"}}, "required": ["harbour"]},
}
LEAD = "SYSTEM: You are a helpful assistant with access to the following functions. Use them if required - "
CALL = '<functioncall> {"name": "get_tide", "arguments": \'{"harbour": "Brest"}\'}'


def jsonl(rows) -> bytes:
    return "\n".join(json.dumps(r) for r in rows).encode()


def glaive_sharegpt(result_role: str, call: str = CALL) -> dict:
    return {
        "conversations": [
            {"from": "system", "value": LEAD + json.dumps(TIDE)},
            {"from": "human", "value": "When is high tide at Brest?"},
            {"from": "gpt", "value": call},
            {"from": result_role, "value": '{"high": "14:02"}'},
            {"from": "gpt", "value": "High tide is at 14:02."},
        ]
    }


@pytest.mark.parametrize("role", ["function-response", "function_response", "tool", "observation"])
def test_glaive_converted_to_sharegpt_is_read_as_calls_and_tools(role, smol_tokenizer):
    rows = [glaive_sharegpt(role), glaive_sharegpt(role, CALL.replace("'", "").replace('"{', "{") + " <|endoftext|>")]
    result = load_bytes(jsonl(rows), "glaive_sharegpt.jsonl")
    assert result.errors == [] and result.valid_rows == 2
    assert result.format == "sharegpt"
    turns = result.rows[0]["messages"]
    assert [t["role"] for t in turns] == ["system", "user", "assistant", "tool", "assistant"]
    assert turns[0]["content"] == (
        "You are a helpful assistant with access to the following functions. Use them if required"
    )
    assert turns[2]["tool_calls"][0]["function"] == {"name": "get_tide", "arguments": {"harbour": "Brest"}}
    assert result.rows[1]["messages"][2]["tool_calls"][0]["function"]["arguments"] == {"harbour": "Brest"}
    assert [t["name"] for t in result.rows[0]["tools"]] == ["get_tide"]
    assert any("converted to ShareGPT" in n.message and n.note for n in result.notices)
    trained = "".join(t.text for t in encode_row(result.rows[0], smol_tokenizer, "hermes").tokens if t.trained)
    assert '"name": "get_tide", "arguments": {"harbour": "Brest"}' in trained and "functioncall" not in trained


def test_a_call_that_is_not_json_is_refused_with_its_reason():
    result = load_bytes(jsonl([glaive_sharegpt("function-response", "<functioncall> get_tide(Brest)")]), "g.jsonl")
    assert result.valid_rows == 0 and len(result.errors) == 1
    assert "turn 3" in result.errors[0].message and "'conversations'" in result.errors[0].message


def test_llama_factory_sharegpt_tool_rows_are_read():
    row = {
        "conversations": [
            {"from": "human", "value": "When is high tide at Brest?"},
            {"from": "function_call", "value": json.dumps({"name": "get_tide", "arguments": {"harbour": "Brest"}})},
            {"from": "observation", "value": '{"high": "14:02"}'},
            {"from": "gpt", "value": "High tide is at 14:02."},
        ],
        "tools": json.dumps([TIDE]),
    }
    result = load_bytes(jsonl([row]), "lf.jsonl")
    assert result.errors == [] and result.valid_rows == 1
    assert "tool_calls" in json.dumps(result.rows[0])


def test_glaive_v2_flat_rows_still_read_with_a_spaced_dash():
    row = {"system": LEAD + json.dumps(TIDE), "chat": f"USER: Tide?\n\n\nASSISTANT: {CALL} <|endoftext|>"}
    out = glaive_record(row)
    assert out["tools"] == [TIDE] and out["messages"][0]["content"].endswith("Use them if required")
    assert out["messages"][2]["tool_calls"] == [{"name": "get_tide", "arguments": '{"harbour": "Brest"}'}]
