"""LangChain's message dumps with what their `additional_kwargs` carry (ftlib/langchain_turns.py), read through the
public reader. The content is ours; the shapes are LangChain's: `message.model_dump()`, `messages_to_dict` and
`dumpd`, with an older AIMessage's OpenAI calls, ChatDeepSeek's `reasoning_content` and ChatOpenAI's raw calls beside
the parsed ones in `additional_kwargs`.
"""

from __future__ import annotations

import json

import pytest

from ftlib.data import load_bytes

ASK = {"type": "human", "content": "When is high tide in Whitby?", "additional_kwargs": {}, "response_metadata": {},
       "id": None, "name": None, "example": False}  # fmt: skip
RAW_CALL = {
    "id": "call_7",
    "type": "function",
    "function": {"name": "lookup_tide", "arguments": '{"harbour": "Whitby"}'},
}
PARSED_CALL = {"name": "lookup_tide", "args": {"harbour": "Whitby"}, "id": "call_7", "type": "tool_call"}
RESULT = {"type": "tool", "content": "High tide 14:05", "tool_call_id": "call_7", "name": "lookup_tide",
          "status": "success", "artifact": None, "additional_kwargs": {}, "id": None}  # fmt: skip
ANSWER = {"type": "ai", "content": "At 14:05.", "additional_kwargs": {"refusal": None}, "example": False}
READ_CALL = {
    "type": "function",
    "id": "call_7",
    "function": {"name": "lookup_tide", "arguments": {"harbour": "Whitby"}},
}


def ai(extra: dict, **more) -> dict:
    return {"type": "ai", "content": "", "additional_kwargs": extra, "tool_calls": [], "invalid_tool_calls": [],
            "example": False, **more}  # fmt: skip


def load(*conversations: list):
    return load_bytes("\n".join(json.dumps({"messages": c}) for c in conversations).encode(), "langchain.jsonl")


def said(result) -> list[str]:
    return [n.message for n in result.notices]


# (id, the assistant's calling turn, the calls read from it, a note the file's report must hold)
CALL_CASES = [
    ("older AIMessage: OpenAI calls only in additional_kwargs", ai({"tool_calls": [RAW_CALL]}), [READ_CALL], None),
    (
        "older AIMessage: a legacy function_call in additional_kwargs",
        ai({"function_call": RAW_CALL["function"]}),
        [{k: v for k, v in READ_CALL.items() if k != "id"}],
        None,
    ),
    (
        "ChatOpenAI: raw calls beside the parsed ones, read once",
        ai({"tool_calls": [RAW_CALL], "refusal": None}, tool_calls=[PARSED_CALL]),
        [READ_CALL],
        "`additional_kwargs.tool_calls` (LangChain keeps the provider's raw calls there",
    ),
]


@pytest.mark.parametrize(("calling", "read", "note"), [c[1:] for c in CALL_CASES], ids=[c[0] for c in CALL_CASES])
def test_calls_in_additional_kwargs_are_read_once(calling, read, note):
    """The older shapes were refused ("turn 2 (assistant) of 'messages' is empty"); the newer one named its raw copy
    of the calls as an ignored field."""
    result = load([ASK, calling, RESULT, ANSWER])
    assert [e.message for e in result.errors] == []
    assert result.rows[0]["messages"][1]["tool_calls"] == read
    assert not any("additional_kwargs" in m and "ignored field" in m for m in said(result))
    assert not any("`messages[].status`" in m or "`messages[].example`" in m for m in said(result))  # defaults
    if note:
        assert any(note in m and "the same calls, read once" in m for m in said(result))


def test_reasoning_content_in_additional_kwargs_is_the_turns_reasoning():
    """ChatDeepSeek (and other integrations) put the reasoning in `additional_kwargs`: it was not trained, named
    only as the ignored field `messages[].additional_kwargs`."""
    turn = ai({"reasoning_content": "Tides follow the moon; Whitby's table says 14:05."}, content="At 14:05.")
    result = load([ASK, turn], [{"type": "human", "data": ASK}, {"type": "ai", "data": turn}])
    assert [e.message for e in result.errors] == []
    for row in result.rows:  # model_dump() and messages_to_dict alike
        assert row["messages"][1] == {
            "role": "assistant",
            "content": "At 14:05.",
            "reasoning": "Tides follow the moon; Whitby's table says 14:05.",
        }
    assert not any("additional_kwargs" in m for m in said(result))
    as_text = ai({"reasoning": "Whitby's table says 14:05."}, content="At 14:05.")
    summary = {"id": "rs_1", "type": "reasoning", "summary": [{"type": "summary_text", "text": "Looked it up."}]}
    as_object = ai({"reasoning": summary}, content="At 14:05.")  # OpenAI's Responses API: its summary is read
    # ChatOpenAI's Responses replies in LangChain's v1 content: a reasoning block of a summary (empty unless asked for)
    block = {"type": "reasoning", "id": "rs_2", "summary": [{"index": 0, "type": "summary_text", "text": "Table."}]}
    as_block = ai({}, content=[block, {"type": "text", "text": "At 14:05.", "annotations": []}])
    unasked = ai({}, content=[{**block, "summary": []}, {"type": "text", "text": "At 14:05."}])
    result = load([ASK, as_text], [ASK, as_object], [ASK, as_block], [ASK, unasked])
    assert [e.message for e in result.errors] == []
    assert [r["messages"][1].get("reasoning") for r in result.rows] == [
        "Whitby's table says 14:05.",
        "Looked it up.",
        "Table.",
        None,
    ]
    assert {n.field for n in result.notices if n.field} == {
        "messages[].additional_kwargs.reasoning.id",
        "messages[].content[].id",
    }


def test_invalid_calls_and_unread_keys_are_named_and_a_bad_raw_copy_refuses_nothing():
    """A call LangChain could not parse is in `invalid_tool_calls` and, raw, in `additional_kwargs`: not trained,
    named; its raw copy's bad JSON does not refuse the row. A key of `additional_kwargs` nothing reads is named by
    its own path, a tool error flag as other providers' are."""
    bad = {"id": "call_8", "type": "function", "function": {"name": "lookup_moon", "arguments": "{day: today"}}
    invalid = {"name": "lookup_moon", "args": "{day: today", "id": "call_8", "error": "bad JSON",
               "type": "invalid_tool_call"}  # fmt: skip
    calling = ai({"tool_calls": [RAW_CALL, bad], "audio": {"id": "audio_1"}}, tool_calls=[PARSED_CALL],
                 invalid_tool_calls=[invalid])  # fmt: skip
    failed = {**RESULT, "status": "error", "content": "no such harbour"}
    result = load([ASK, calling, failed, ANSWER])
    assert [e.message for e in result.errors] == []
    assert result.rows[0]["messages"][1]["tool_calls"] == [READ_CALL]
    named = {n.field for n in result.notices if n.field}
    assert {"messages[].invalid_tool_calls", "messages[].additional_kwargs.audio", "messages[].status"} <= named
    assert "messages[].additional_kwargs.tool_calls" not in named  # the raw copies of listed and invalid calls
    other = ai({"tool_calls": [RAW_CALL, {**bad, "id": "call_9"}]}, tool_calls=[PARSED_CALL])
    assert "messages[].additional_kwargs.tool_calls" in {n.field for n in load([ASK, other, RESULT, ANSWER]).notices}


def dumpd(cls: str, **kwargs) -> dict:
    return {"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", cls], "kwargs": kwargs}


def test_dumpd_and_a_chunks_type_read_as_model_dump():
    """`dumpd`'s constructor form and a streamed chunk's `AIMessageChunk` were refused: "has no role"."""
    turns = [
        dumpd("HumanMessage", content="When is high tide in Whitby?", type="human", id="m1"),
        dumpd(
            "AIMessage", content="", additional_kwargs={"tool_calls": [RAW_CALL]}, type="ai", tool_calls=[PARSED_CALL]
        ),
        dumpd("ToolMessage", content="High tide 14:05", tool_call_id="call_7", status="success", type="tool"),
        {"type": "AIMessageChunk", "content": "At 14:05.", "tool_call_chunks": []},
    ]
    result = load(turns)
    assert [e.message for e in result.errors] == []
    assert [t["role"] for t in result.rows[0]["messages"]] == ["user", "assistant", "tool", "assistant"]
    assert result.rows[0]["messages"][1]["tool_calls"] == [READ_CALL]
    assert {n.field for n in result.notices if n.field} == {"messages[].id"}  # the message ids: named, not read


def test_an_unread_key_of_a_call_from_additional_kwargs_is_named_where_it_was_written():
    """An older AIMessage's OpenAI calls (streamed: each with its `index`) were named as the turn's own
    `messages[].tool_calls[].index`, a key the file never had there."""
    streamed = {**RAW_CALL, "index": 0, "function": {**RAW_CALL["function"], "strict": True}}
    legacy = {"name": "lookup_tide", "arguments": '{"harbour": "Whitby"}', "index": 0}
    result = load([ASK, ai({"tool_calls": [streamed]}), RESULT, ANSWER], [ASK, ai({"function_call": legacy})])
    assert [e.message for e in result.errors] == []
    assert result.rows[0]["messages"][1]["tool_calls"] == [READ_CALL]
    assert {n.field for n in result.notices if n.field} == {
        "messages[].additional_kwargs.tool_calls[].index",
        "messages[].additional_kwargs.tool_calls[].function.strict",
        "messages[].additional_kwargs.function_call.index",
    }


def test_a_chat_message_is_read_with_its_own_role():
    """LangChain's ChatMessage (any role, in `role`) named its `type` "chat" as an ignored field, and its dumpd form
    was refused ("has no role")."""
    critic = {"type": "chat", "role": "assistant", "content": "At 14:05.", "additional_kwargs": {}, "example": False}
    turns = [
        dumpd("ChatMessage", content="Answer from the tide table.", role="system", type="chat"),
        {"type": "chat", "data": {**ASK, "type": "chat", "role": "User"}},  # messages_to_dict
        critic,
    ]
    result = load(turns, [ASK, {"type": "ChatMessageChunk", "role": "assistant", "content": "At 14:05."}])
    assert [e.message for e in result.errors] == []
    assert [t["role"] for t in result.rows[0]["messages"]] == ["system", "user", "assistant"]
    assert [t["role"] for t in result.rows[1]["messages"]] == ["user", "assistant"]
    assert [n.field for n in result.notices if n.field] == []  # `type` read, LangChain's defaults say nothing
    odd = load([ASK, {**critic, "role": "critic"}]).errors[0].message
    assert "has the role 'critic', which is not supported" in odd
