"""Tool results as Anthropic's Messages API writes them (ftlib/tool_results.py): `tool_result` parts of a user turn,
answering the `tool_use` parts of the assistant turn before. They were refused ("the type 'tool_result', which the
studio does not read"); each is now the tool turn chat templates know. The content is ours; the shape is Anthropic's.
"""

from __future__ import annotations

import json
from functools import partial

from ftlib.data import load_bytes
from ftlib.data_stats import render_row
from ftlib.templates import get_template, render
from ftlib.turns import parse_messages

CALL = {"type": "tool_use", "id": "toolu_9", "name": "lookup_tide", "input": {"harbour": "Whitby"}}
MOON = {"type": "tool_use", "id": "toolu_10", "name": "lookup_moon", "input": {}}


def conversation(results: list, then: str | None = None) -> list[dict]:
    user = [*results, *([{"type": "text", "text": then}] if then else [])]
    return [
        {"role": "user", "content": "When is high tide in Whitby, and how full is the moon?"},
        {"role": "assistant", "content": [{"type": "text", "text": "Let me look both up."}, CALL, MOON]},
        {"role": "user", "content": user},
        {"role": "assistant", "content": [{"type": "text", "text": "High tide is at 14:05 under a full moon."}]},
    ]


def result(call_id: str, content, **more) -> dict:
    return {"type": "tool_result", "tool_use_id": call_id, "content": content, **more}


def test_each_tool_result_part_is_a_tool_turn_in_order_and_the_users_text_stays_theirs():
    turns = conversation(
        [result("toolu_9", "14:05"), result("toolu_10", [{"type": "text", "text": "full"}], is_error=False)],
        then="Thanks, and is that early?",
    )
    ignored: set[str] = set()
    read = parse_messages(turns, "messages", ignored)
    assert [t["role"] for t in read] == ["user", "assistant", "tool", "tool", "user", "assistant"]
    assert read[2] == {"role": "tool", "content": "14:05", "tool_call_id": "toolu_9"}
    assert read[3] == {"role": "tool", "content": "full", "tool_call_id": "toolu_10"}
    assert read[4] == {"role": "user", "content": "Thanks, and is that early?"}
    assert [c["id"] for c in read[1]["tool_calls"]] == ["toolu_9", "toolu_10"] and ignored == set()


def test_a_file_of_them_loads_renders_each_result_and_names_an_error_flag():
    rows = [
        {"messages": conversation([result("toolu_9", "14:05"), result("toolu_10", "full")])},
        {"messages": conversation([result("toolu_9", "no such harbour", is_error=True), result("toolu_10", "full")])},
    ]
    loaded = load_bytes("\n".join(json.dumps(r) for r in rows).encode(), "claude.jsonl")
    assert [e.message for e in loaded.errors] == [] and len(loaded.rows) == 2
    # is_error is read by no chat template: the text is kept, and the key is named rather than dropped unsaid.
    assert any("messages[].is_error" in n.message for n in loaded.notices)
    shown = render_row(loaded.rows[0], None, partial(render, get_template("hermes")))
    assert shown.count("<tool_response>") == 2 and "14:05" in shown and "full" in shown


def test_an_image_in_a_tool_result_is_refused_as_an_image():
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBO"}}
    loaded = load_bytes(
        json.dumps({"messages": conversation([result("toolu_9", [image]), result("toolu_10", "full")])}).encode(),
        "claude.jsonl",
    )
    ((_, message),) = [(e.row, e.message) for e in loaded.errors]
    assert "an image" in message
