"""ms-swift's agent rows name the assistant's call and the tool's result as roles of their own (`tool_call`, its
content the call's JSON; `tool_response`): read as an assistant turn calling the tool and a tool turn, as
LLaMA-Factory's `function_call` and `observation` are. Before, every such row was refused: "the role 'tool_call' is
not supported". The content is ours; the shape is ms-swift's.
"""

from __future__ import annotations

import json

from ftlib.data import load_bytes
from ftlib.tokens import encode_row

TOOLS = [{"type": "function", "function": {"name": "get_tide", "parameters": {"type": "object", "properties": {}}}}]


def test_tool_call_and_tool_response_roles_are_a_call_and_its_result(smol_tokenizer):
    call = {"name": "get_tide", "arguments": {"harbour": "Brest"}}
    row = {
        "tools": json.dumps(TOOLS),
        "messages": [
            {"role": "user", "content": "When is high tide at Brest?"},
            {"role": "tool_call", "content": json.dumps(call)},
            {"role": "tool_response", "content": '{"high": "14:02"}'},
            {"role": "assistant", "content": "High tide is at 14:02."},
        ],
    }
    result = load_bytes(json.dumps(row).encode(), "agent.jsonl")
    assert result.errors == [] and result.format == "messages"
    turns = result.rows[0]["messages"]
    assert [t["role"] for t in turns] == ["user", "assistant", "tool", "assistant"]
    assert turns[1]["tool_calls"][0]["function"] == call and turns[2]["content"] == '{"high": "14:02"}'
    trained = "".join(t.text for t in encode_row(result.rows[0], smol_tokenizer, "hermes").tokens if t.trained)
    assert '"name": "get_tide", "arguments": {"harbour": "Brest"}' in trained and "14:02" in trained
