"""The Train page's one-click way from a template that refuses tool-calling rows to the Hermes tool template (h254):
the refusal named the fix in a sentence ("the built-in 'ChatML + tools (Hermes)' (--template hermes)") and left the
user to find the Chat template box and the name in it, where the Tokens page has a button under the same check."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from ftlib import workspace
from ftlib.check_result import Check
from ftlib.checks import report_blocks

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TOOL = {"type": "function", "function": {"name": "find_train", "parameters": {"type": "object", "properties": {}}}}
CALL = {"type": "function", "function": {"name": "find_train", "arguments": {"to": "Ghent"}}}
ROW = {
    "messages": [
        {"role": "user", "content": "When is the next train to Ghent?"},
        {"role": "assistant", "content": "", "tool_calls": [CALL]},
        {"role": "tool", "content": "14:02 from platform 3"},
        {"role": "assistant", "content": "The next one leaves at 14:02 from platform 3."},
    ],
    "tools": [TOOL],
}
BUTTON = "train_use_hermes"


def test_the_refusal_of_tool_rows_offers_the_hermes_template_and_one_click_takes_it(tiny_model_dir, monkeypatch):
    """Under the model's own template (no tool calls written) the refusal has a button; clicking it sets the Chat
    template box to hermes before the box is drawn, the refusal goes and the Start button is back, without
    Streamlit's warning of a box drawn on a default beside a value set through session state (the first version
    drew it so: seen in the server's log of a real browser's click)."""
    from streamlit.elements.lib import policies

    logged = []
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    monkeypatch.setattr(policies._LOGGER, "warning", lambda msg, *args, **kw: logged.append(msg % args))
    workspace.save_split("tools", [ROW, ROW], [ROW])
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at = at.run().switch_page("pages/4_Train.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="train_template").value == "tokenizer"  # the default, which writes no calls
    assert [e for e in at.error if "leaves out the tool calls" in e.value]
    button = at.button(key=BUTTON)
    assert button.label == "Use the ChatML + tools (Hermes) template"
    at = button.click().run()
    assert not at.exception, at.exception
    assert at.selectbox(key="train_template").value == "hermes"
    assert not [e for e in at.error if "leaves out the tool calls" in e.value]
    assert not [b for b in at.button if b.key == BUTTON]  # nothing left to offer
    assert not at.button(key="train_start").disabled
    # The choice is the one Tokens and Batches start from too, as a pick in the box is.
    assert at.session_state["shared_choices"]["template"][0] == "hermes"
    assert not [m for m in logged if "train_template" in m], logged


def test_each_block_of_the_report_carries_its_check_code():
    """The Train page finds the block to put the button under by its check's code (`Preflight.codes`)."""
    found = [
        Check("tool_calls_dropped", "error", "In training row 1: calls left out.", "Pick hermes."),
        Check(
            "tool_calls_dropped",
            "error",
            "In held-out row 1, scored as the template writes it: calls left out.",
            "Pick hermes.",
        ),
        Check("tools_not_shown", "warning", "Tools not shown.", "Pick hermes."),
    ]
    assert [(severity, code) for severity, code, _ in report_blocks(found)] == [
        ("error", "tool_calls_dropped"),
        ("warning", "tools_not_shown"),
    ]
