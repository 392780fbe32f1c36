"""Hermes function-calling rows as other exports write them (ftlib/hermes_rows.py), checked against what transformers'
`apply_chat_template` renders with the built-in hermes template and Qwen2.5's own (tests/fixtures/templates):

- consecutive ShareGPT `function_call` turns, one call each: two assistant turns one after another, not one turn of
  parallel calls as ms-swift's consecutive `tool_call` turns are read.

The content is ours (a cyclist's day out: the forecast and a bike shop's hours); the shapes are the exports'.
"""

from __future__ import annotations

import json
from pathlib import Path

from ftlib.data import load_bytes
from ftlib.templates import get_template, render

QWEN = (Path(__file__).parent / "fixtures" / "templates" / "qwen2_5.jinja").read_text()
RAIN = {
    "type": "function",
    "function": {
        "name": "rain_chance",
        "description": "Chance of rain this afternoon in a town",
        "parameters": {"type": "object", "properties": {"town": {"type": "string"}}, "required": ["town"]},
    },
}
SHOP = {"name": "shop_hours", "description": "A bike shop's opening hours", "parameters": {"type": "object"}}
RAIN_CALL = {"name": "rain_chance", "arguments": {"town": "Ghent"}}
SHOP_CALL = {"name": "shop_hours", "arguments": {}}
WET, OPEN = '{"chance": 0.2}', '{"open": "09:00-18:00"}'
ASK = {"from": "human", "value": "Can I ride to Ghent this afternoon, and is the bike shop open?"}
ANSWER = {"from": "gpt", "value": "A 20% chance of rain; the shop is open 09:00-18:00."}


def calls(*said: dict) -> dict:
    return {"from": "gpt", "value": "\n".join(f"<tool_call>\n{json.dumps(c)}\n</tool_call>" for c in said)}


def results(*said: str, by: str = "human") -> dict:
    return {"from": by, "value": "\n".join(f"<tool_response>\n{r}\n</tool_response>" for r in said)}


def read(*turns: dict, tools: list | str | None = (RAIN, SHOP)) -> dict:
    row = {"conversations": list(turns)} | (
        {"tools": list(tools) if isinstance(tools, tuple) else tools} if tools else {}
    )
    result = load_bytes((json.dumps(row) + "\n").encode(), "export.jsonl")
    assert result.errors == [] and result.warnings == [] and result.valid_rows == 1, (result.errors, result.warnings)
    return result.rows[0] | {"notices": [n.message for n in result.notices]}


def test_consecutive_sharegpt_function_call_turns_are_one_turn_of_parallel_calls(smol_tokenizer):
    said = [{"from": "function_call", "value": json.dumps(c)} for c in (RAIN_CALL, SHOP_CALL)]
    observed = [{"from": "observation", "value": r} for r in (WET, OPEN)]
    row = read(ASK, *said, *observed, ANSWER, tools=json.dumps([RAIN, SHOP]))  # as a ShareGPT export writes them
    messages = row["messages"]  # no warning "turns 2 and 3 are both from the assistant" (read checks)
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "tool", "assistant"]
    assert [c["function"] for c in messages[1]["tool_calls"]] == [RAIN_CALL, SHOP_CALL]
    assert any("consecutive `function_call` turns were read as one assistant turn" in n for n in row["notices"])
    hermes = get_template("hermes", smol_tokenizer)
    text = render(hermes, messages, tools=row["tools"])
    assert text == smol_tokenizer.apply_chat_template(
        messages, chat_template=hermes.source, tools=row["tools"], tokenize=False
    )
    assert text.count("<|im_start|>assistant") == 2 and calls(RAIN_CALL, SHOP_CALL)["value"] + "<|im_end|>" in text
    # A turn of the JSON list LLaMA-Factory writes for parallel calls joins the next turn's calls
    listed = [{"from": "function_call", "value": json.dumps([RAIN_CALL, SHOP_CALL])}, said[0]]
    row = read(ASK, *listed, *observed, {"from": "observation", "value": WET}, ANSWER)
    assert [c["function"]["name"] for c in row["messages"][1]["tool_calls"]] == ["rain_chance", "shop_hours"] * 1 + [
        "rain_chance"
    ]
