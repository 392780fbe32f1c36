"""How the Train page words a refusal for a tool-calling row (a cold walk): the turn named so that it is not read as
the nth reply, the problem said once for both splits, and the Chat template box named as where to fix it."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from ftlib import workspace

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}}}
CALL = {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}
ROW = {
    "messages": [
        {"role": "system", "content": "You can call tools."},
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [CALL]},
        {"role": "tool", "content": "sunny"},
        {"role": "assistant", "content": "It is sunny."},
    ],
    "tools": [TOOL],
}


def test_a_tool_call_turn_is_named_by_its_message_once_for_both_splits_and_the_template_box_is_named(tiny_model_dir):
    """The refusal said "assistant turn 3" (message 3 counting the system prompt, read as the third reply), said the
    whole sentence again for the held-out rows, and sent the user to "the Data or Tokens page, or the settings" while
    the Chat template box that fixes it was on the page."""
    workspace.save_split("tools", [ROW, ROW], [ROW])
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at = at.run().switch_page("pages/4_Train.py").run()
    at.selectbox(key="train_template").set_value("chatml").run()
    assert not at.exception, at.exception
    (refusal,) = [e.value for e in at.error if "leaves out the tool calls" in e.value]
    assert "leaves out the tool calls of message 3 (an assistant reply)" in refusal
    assert "assistant turn 3" not in refusal
    assert "In 2 of 2 training rows and in held-out row 1 (scored as the template writes it): " in refusal
    assert refusal.count("leaves out the tool calls") == 1  # said once for both splits
    said = " ".join(c.value for c in at.caption)
    assert "the **Chat template** box above" in said
    assert "on the Data or Tokens page, or in the settings" not in said
