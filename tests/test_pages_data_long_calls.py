"""AppTest: the Data page's preview cuts a tool call's long arguments, a long tool result and, in the raw JSON, each
long text as it cuts a long reply (1,000 characters or 25 lines, the whole text in an expander below), losing nothing
(helper 203's brief: a 5,000-character `arguments` string of an OpenAI tool-call row filled the screen, in the chat
view and in the raw JSON)."""

from __future__ import annotations

import json

from tests.test_pages_data import _allowed_data_dirs, data_page, with_path  # noqa: F401 (the fixture: FILE readable)
from ui.data_view import PREVIEW_CHARS

# An OpenAI fine-tuning row with tools: the assistant writes a whole file through a tool, the tool answers at length.
SOURCE = "\n".join(f"def step_{i}(x):\n    return x * {i} + {i % 7}  # scale and shift, stage {i}" for i in range(90))
LOG = "\n".join(f"[{i:03d}] test_step_{i} PASSED" for i in range(200))
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "write_file",
            "description": "Write text to a file in the project.",
            "parameters": {
                "type": "object",
                "properties": {"path": {"type": "string"}, "content": {"type": "string"}},
                "required": ["path", "content"],
            },
        },
    },
    {"type": "function", "function": {"name": "run_tests", "parameters": {"type": "object", "properties": {}}}},
]
ARGUMENTS = json.dumps({"path": "pipeline/steps.py", "content": SOURCE})
ROW = {
    "messages": [
        {"role": "system", "content": "You are a coding assistant with access to the project's files."},
        {"role": "user", "content": "Write the 90 pipeline steps into pipeline/steps.py, then run the tests."},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_W1", "type": "function", "function": {"name": "write_file", "arguments": ARGUMENTS}}
            ],
        },
        {"role": "tool", "tool_call_id": "call_W1", "content": "Wrote 90 functions to pipeline/steps.py."},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_T1", "type": "function", "function": {"name": "run_tests", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "call_T1", "content": LOG},
        {"role": "assistant", "content": "All 200 tests pass; the steps are in pipeline/steps.py."},
    ],
    "tools": TOOLS,
}
SHORT = {
    "messages": [
        {"role": "user", "content": "What's the weather in Oslo?"},
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Oslo", "unit": "celsius"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": '{"temp": -3, "sky": "snow"}'},
        {"role": "assistant", "content": "It is -3 °C and snowing in Oslo."},
    ],
    "tools": [
        {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}}}
    ],
}


def _page(tmp_path):
    path = tmp_path / "agent_traces.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in (ROW, SHORT)), encoding="utf-8")
    return with_path(data_page(), path)


def test_a_long_tool_call_is_cut_with_the_whole_call_below(tmp_path):
    at = _page(tmp_path)
    texts = [t.value for t in at.text] + [c.value for c in at.code]
    whole = [t for t in texts if t.startswith("write_file(") and t.endswith('"})')]
    shown = [t for t in texts if t.startswith("write_file(") and not t.endswith('"})')]
    assert len(shown) == 1 and len(shown[0]) == PREVIEW_CHARS, [len(t) for t in shown]
    assert len(whole) == 1 and json.loads(whole[0][len("write_file(") : -1])["content"] == SOURCE  # in the expander
    said = [c.value for c in at.caption if "more characters not shown" in c.value]
    assert any(f"({len(whole[0]):,} in all)" in s for s in said), said
    assert any(e.label == f"Show all {len(whole[0]):,} characters" for e in at.expander)
    # The short call stays whole, with no expander of its own; the long tool result is cut as a reply is.
    assert 'get_weather({"city": "Oslo", "unit": "celsius"})' in texts
    assert any(e.label == f"Show all {len(LOG):,} characters" for e in at.expander)


def test_the_raw_json_cuts_each_long_text_and_keeps_the_whole_row_below(tmp_path):
    at = _page(tmp_path)
    at.toggle(key="data_raw").set_value(True).run()
    assert not at.exception, at.exception
    bodies = [json.loads(j.value) for j in at.json]
    long_rows = [b for b in bodies if "messages" in b and len(b["messages"]) == 7]
    assert len(long_rows) == 2, len(long_rows)  # cut, and whole in the expander
    cut, whole = long_rows
    assert whole["messages"][5]["content"] == LOG  # the tool's log whole below, its start and how much is left above
    head, _, rest = cut["messages"][5]["content"].partition("… [")
    assert LOG.startswith(head) and len(head) < PREVIEW_CHARS and rest == f"{len(LOG) - len(head):,} more characters]"
    arguments = [t["tool_calls"][0]["function"]["arguments"] for t in (cut["messages"][2], whole["messages"][2])]
    assert arguments[1]["content"] == SOURCE and arguments[0]["content"].endswith(" more characters]")
    assert len(json.dumps(cut)) < len(json.dumps(whole)) // 2
    assert any(e.label == "Show the whole row" for e in at.expander)
    assert any("is cut above" in c.value or "are cut above" in c.value for c in at.caption)
    # The short row is shown once, whole, without an expander of its own.
    short = [b for b in bodies if "messages" in b and len(b["messages"]) == 4]
    assert len(short) == 1 and short[0]["messages"][2]["content"] == '{"temp": -3, "sky": "snow"}'
