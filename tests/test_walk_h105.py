"""Helper 105's fixes from a newcomer walk in a real browser on tool-calling chat data: the split's warning of one
row copied into much of a part named that row by the start of its JSON, which for chat rows is the system message,
the same in every row of an export ('{"messages": [{"content": "You are the desk bot of a...'): the user could not
tell which row it meant. A chat row is now named by its last user turn."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ftlib.data import load_file, split_rows
from ftlib.splits import crowded_warnings

ROOT = Path(__file__).resolve().parents[1]
SYSTEM = "You are the desk bot of a bicycle repair shop. Use the tools when you need facts."


def chat(question: str, answer: str) -> dict:
    return {
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer},
        ]
    }


COPIED = chat("Do you fix tubeless tyres?", "Yes, on weekdays.")
OTHERS = [chat(f"How much is a chain for bike {i}?", f"About {10 + i} euros.") for i in range(27)]


def test_a_crowded_split_names_a_chat_row_by_its_user_turn_not_its_shared_system_message():
    said = crowded_warnings([COPIED] * 5 + OTHERS, OTHERS[:4])
    assert len(said) == 1 and said[0].startswith(
        '5 of the 32 training rows are copies of one row (the user turn "Do you fix tubeless tyres?"): '
    ), said
    assert SYSTEM[:20] not in said[0]


def test_rows_without_a_user_turn_are_still_named_by_their_json():
    said = crowded_warnings([{"text": "same"}] * 5 + [{"text": f"t{i}"} for i in range(20)], [{"text": "x"}] * 3)
    assert said[-1].startswith('5 of the 25 training rows are copies of one row ({"text": "same"}): '), said


def test_the_data_page_names_the_copied_row_by_its_question(tmp_path):
    rows = [COPIED] * 5 + OTHERS
    path = tmp_path / "workspace" / "desk_export.jsonl"  # in the workspace (conftest's), where the page may read
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    # A seed that keeps all 5 copies on the training side of a 4-row test part.
    loaded = load_file(str(path)).rows
    seed = next(s for s in range(200) if not any("tubeless" in json.dumps(r) for r in split_rows(loaded, 4, s)[1]))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/1_Data.py").run()
    at.radio(key="data_source").set_value("Local path").run()
    at.text_input(key="data_path").input(str(path)).run()
    at.radio(key="split_mode").set_value("rows").run()
    at.number_input(key="split_count").set_value(4).run()
    at.number_input(key="split_seed").set_value(seed).run()
    assert not at.exception, at.exception
    said = [w.value for w in at.warning if "are copies of one row" in w.value]
    assert said and '(the user turn "Do you fix tubeless tyres?")' in said[0], said


def tool_row(order: str) -> dict:
    call = {"id": "c1", "type": "function", "function": {"name": "order_status", "arguments": {"order_id": order}}}
    return {
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"Where is my order {order}?"},
            {"role": "assistant", "content": "", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "c1", "content": '{"status": "shipped"}'},
            {"role": "assistant", "content": f"Order {order} has shipped."},
        ],
        "tools": [{"type": "function", "function": {"name": "order_status", "parameters": {"type": "object"}}}],
    }


def test_compare_writes_a_reference_tool_call_as_the_data_page_does(tiny_model_dir):
    """The walk: a held-out row picked at its first reply (a tool call) showed its reference's calls as a closed JSON
    box reading '[...]'; the Data page writes the same call as `order_status({"order_id": "B-7"})`."""
    from ftlib import workspace
    from tests.test_pages_compare import open_page

    workspace.save_split("desk-calls", [tool_row("B-1"), tool_row("B-2")], [tool_row("B-7")], {"format": "messages"})
    at = open_page("pages/5_Compare.py", tiny_model_dir)
    at.radio(key="compare_source").set_value("Pick from the test split").run()
    at.radio(key="compare_answer_at").set_value(at.radio(key="compare_answer_at").options[1]).run()
    assert not at.exception, at.exception
    # a reference of calls alone says so in its first line (helper 151: "Its tool calls:" followed an empty one)
    assert "Reference answer from the test split: tool calls, no text:" in [c.value for c in at.caption]
    assert 'order_status({"order_id": "B-7"})' in [t.value for t in at.text], [t.value for t in at.text]
    assert not at.json


POLICY_SAID = 'The "last assistant reply" policy trains only the last assistant reply'
POLICY_FIX = 'Use the "every assistant reply" policy to train every assistant turn'


def test_tokens_and_batches_name_the_policy_as_the_box_shows_it(tiny_model_dir):
    """The walk: with "the last assistant reply" picked in the What is trained box, the Tokens page's note said "The
    'last_assistant' policy ... Fix: Use the 'all_assistant' policy", names the box shows nowhere (the Train page
    already says them in the box's words: ui.labels.in_form_words)."""
    from ftlib import workspace
    from tests.test_pages_compare import open_page

    workspace.save_split("desk-policy", [tool_row("B-1"), tool_row("B-2")], [tool_row("B-7")], {"format": "messages"})
    at = open_page("pages/2_Tokens.py", tiny_model_dir)
    at.selectbox(key="tok_template").set_value("hermes").run()
    at.selectbox(key="tok_policy").set_value("last_assistant").run()
    assert not at.exception, at.exception
    said = [i.value for i in at.info if "policy trains only" in i.value]
    assert len(said) == 1 and POLICY_SAID in said[0] and POLICY_FIX in said[0], said
    assert "'last_assistant'" not in said[0] and "'all_assistant'" not in said[0]
    at.switch_page("pages/3_Batches.py").run()
    assert not at.exception, at.exception
    said = [w.value for w in at.warning if "policy trains only" in w.value]
    assert len(said) == 1 and POLICY_SAID in said[0] and POLICY_FIX in said[0], said
