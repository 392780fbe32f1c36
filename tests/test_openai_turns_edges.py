"""Edges of OpenAI's shapes (ftlib/openai_turns.py) that a mutation review found untested: a refusal beside
reasoning parts or said twice, Responses items with no reasoning item, a reasoning item between a reply and a call,
reasoning of reasoning_text parts, an output item's own keys, and a logged call's `instructions` beside a `system`.
Read through the public reader; the content is ours, the shapes OpenAI's.
"""

from __future__ import annotations

import json

from ftlib.data import load_bytes

ASK = {"role": "user", "content": "When is high tide in Whitby?"}
NO = "I can't help with that."
USER_ITEM = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "When is high tide?"}]}
CALL = {"type": "function_call", "call_id": "call_7", "name": "lookup_tide", "arguments": '{"harbour": "Whitby"}'}
OUTPUT = {"type": "function_call_output", "call_id": "call_7", "output": "High tide 14:05"}
REPLY = {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "At 14:05."}]}


def load(*rows: dict):
    return load_bytes("\n".join(json.dumps(r) for r in rows).encode(), "logs.jsonl")


def named(result) -> set[str]:
    return {n.field for n in result.notices if n.field}


def test_a_refusal_after_reasoning_parts_keeps_them_and_one_said_twice_is_read_once():
    """A refusal key beside a content of reasoning parts is the reply after them (the reasoning kept); a `refusal`
    key saying what a refusal part says is read once, not named."""
    thinking = {"type": "reasoning", "reasoning": "The lock is not theirs."}
    result = load({"messages": [ASK, {"role": "assistant", "content": [thinking], "refusal": NO}]})
    assert [e.message for e in result.errors] == []
    turn = result.rows[0]["messages"][1]
    assert turn["reasoning"] == "The lock is not theirs." and turn["content"] == NO
    twice = {"role": "assistant", "content": [{"type": "refusal", "refusal": NO}], "refusal": NO}
    result = load({"messages": [ASK, twice]})
    assert result.rows[0]["messages"][1] == {"role": "assistant", "content": NO}
    assert named(result) == set()


def test_a_call_after_a_user_item_is_the_assistants_turn():
    """Without a reasoning item (a non-reasoning model), a call after the user's message item is an assistant turn
    of its own, not joined to the user's turn."""
    result = load({"input": [USER_ITEM], "output": [CALL, OUTPUT, REPLY]})
    assert [e.message for e in result.errors] == []
    roles = [t["role"] for t in result.rows[0]["messages"]]
    assert roles == ["user", "assistant", "tool", "assistant"]
    assert "tool_calls" not in result.rows[0]["messages"][0]
    assert result.rows[0]["messages"][1]["tool_calls"][0]["id"] == "call_7"


def test_reasoning_between_a_reply_and_a_call_opens_a_new_turn():
    """reply, reasoning, call: the call is the turn of the reasoning before it, not the earlier reply's."""
    thought = {"type": "reasoning", "summary": [{"type": "summary_text", "text": "Need the table."}]}
    said = {**REPLY, "content": [{"type": "output_text", "text": "Checking."}]}
    result = load({"input": [USER_ITEM], "output": [said, thought, CALL, OUTPUT, REPLY]})
    assert [e.message for e in result.errors] == []
    turns = result.rows[0]["messages"]
    assert [t["role"] for t in turns] == ["user", "assistant", "assistant", "tool", "assistant"]
    assert "tool_calls" not in turns[1] and "reasoning" not in turns[1]
    assert turns[2]["reasoning"] == "Need the table." and turns[2]["tool_calls"][0]["id"] == "call_7"


def test_reasoning_before_a_user_turn_is_refused_as_reasoning_with_no_answer():
    """A reasoning item followed by the user's next message (a response cut off) is not the user's reasoning."""
    thought = {"type": "reasoning", "summary": [{"type": "summary_text", "text": "Need the table."}]}
    result = load({"messages": [USER_ITEM, thought, USER_ITEM, REPLY]})
    assert any("has reasoning but no answer after it" in e.message for e in result.errors)


def test_reasoning_text_parts_and_a_summary_of_several_parts():
    """An open-weight model's reasoning item (gpt-oss through a Responses server) has an empty summary and its text in
    `content` reasoning_text parts: read as the reasoning. A summary of several parts is joined by blank lines."""
    own = {"type": "reasoning", "summary": [], "content": [{"type": "reasoning_text", "text": "Whitby: 14:05."}]}
    parts = {"type": "reasoning", "summary": [{"type": "summary_text", "text": "Find the harbour."},
                                              {"type": "summary_text", "text": "Read its table."}]}  # fmt: skip
    result = load({"input": [USER_ITEM], "output": [own, REPLY]}, {"input": [USER_ITEM], "output": [parts, REPLY]})
    assert [e.message for e in result.errors] == []
    assert [r["messages"][1]["reasoning"] for r in result.rows] == [
        "Whitby: 14:05.",
        "Find the harbour.\n\nRead its table.",
    ]
    assert named(result) == set()


def test_an_outputs_own_keys_and_an_empty_summarys_encrypted_reasoning_are_named():
    """A function_call_output item's `id` is named, not dropped; a LangChain reasoning block with no summary (none
    asked for) is left out with its `encrypted_content` named."""
    result = load({"input": [USER_ITEM], "output": [CALL, {**OUTPUT, "id": "fco_1"}, REPLY]})
    assert [e.message for e in result.errors] == []
    assert "messages[].id" in named(result)
    block = {"type": "reasoning", "id": "rs_2", "summary": [], "encrypted_content": "gAAAAB-whitby"}
    result = load({"messages": [ASK, {"role": "assistant", "content": [block, {"type": "text", "text": "14:05."}]}]})
    assert [e.message for e in result.errors] == []
    assert {"messages[].content[].encrypted_content", "messages[].content[].id"} <= named(result)


def test_instructions_beside_a_system_and_chat_shaped_tools():
    """A logged call with its own `system` keeps it and names `instructions`; a tool already in chat's shape is kept
    as written."""
    tool = {"type": "function", "function": {"name": "lookup_tide", "parameters": {"type": "object"}}}
    row = {"system": "Answer from the tide table.", "instructions": "Be brief.", "input": "When is high tide?",
           "output": [REPLY], "tools": [tool]}  # fmt: skip
    result = load(row)
    assert [e.message for e in result.errors] == []
    assert result.rows[0]["messages"][0] == {"role": "system", "content": "Answer from the tide table."}
    assert result.rows[0]["tools"] == [tool]
    assert "instructions" in named(result)


def test_a_problem_names_the_item_the_file_holds():
    """Calls joined into one turn do not shift the numbers: a problem names the item as written (the 4th), and
    reasoning with no reply after it its own item."""
    second = {**CALL, "call_id": "call_8"}
    counted = {**OUTPUT, "output": 7}  # a number, not text (a null result is taken as "", as an empty one is)
    cut = {"type": "reasoning", "summary": [{"type": "summary_text", "text": "Need the table."}]}
    result = load({"messages": [USER_ITEM, CALL, second, counted]}, {"messages": [USER_ITEM, CALL, second, cut]})
    problems = [e.message for e in result.errors]
    assert len(problems) == 2
    assert problems[0].startswith("turn 4 (tool) of 'messages'")
    assert problems[1].startswith("turn 4 (assistant) of 'messages' has reasoning but no answer after it: ")


def test_a_refusal_is_read_under_a_role_written_in_capitals():
    """Roles are read whatever their case ("Assistant", as some exports write them): so is the refusal of one."""
    turns = [{"role": "User", "content": "How do I open my neighbour's lock?"},
             {"role": "Assistant", "content": None, "refusal": NO}]  # fmt: skip
    result = load({"messages": turns})
    assert [e.message for e in result.errors] == []
    assert result.rows[0]["messages"][1] == {"role": "assistant", "content": NO}
