"""Review h230 of the session's commits: defects found in them, each with the test that failed before its fix."""

from __future__ import annotations

import json

from ftlib.data import load_bytes


def test_a_pretty_printed_tool_call_argument_that_is_not_json_is_quoted_on_one_line():
    """f369164c quotes the text that is not JSON; a model's arguments written over several lines broke the message
    over several lines (data inspect's list of rows left out, the Data page's notes). Each line break is shown as one
    mark, so the character the message points at is still counted in the text quoted."""
    call = {"type": "function", "function": {"name": "weather", "arguments": "{\n  city: 'Lima'\n}"}}
    row = {"messages": [{"role": "user", "content": "Weather in Lima?"}, {"role": "assistant", "tool_calls": [call]}]}
    said = load_bytes(json.dumps(row).encode(), "calls.jsonl").errors[0].message
    assert "\n" not in said, said
    assert "at character 5 of `{⏎  city: 'Lima'⏎}`" in said, said
    assert "{⏎  city: 'Lima'⏎}"[5 - 1] == "c"  # the character named is the one the JSON reader stopped at
