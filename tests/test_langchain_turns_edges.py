"""Edges of LangChain's dumps (ftlib/langchain_turns.py) that a mutation review found untested: a dumped chunk, raw
calls matched to the parsed ones without an id or with arguments LangChain rewrote, `additional_kwargs` beside the
turn's own keys, a reply of only unparsable calls, and a non-assistant turn's `additional_kwargs`. Read through the
public reader; the content is ours, the shapes LangChain's.
"""

from __future__ import annotations

import json

from ftlib.data import load_bytes

ASK = {"type": "human", "content": "When is high tide in Whitby?", "additional_kwargs": {}, "example": False}
RESULT = {"type": "tool", "content": "High tide 14:05", "tool_call_id": "call_7", "status": "success"}
ANSWER = {"type": "ai", "content": "At 14:05.", "additional_kwargs": {}}
PARSED_CALL = {"name": "lookup_tide", "args": {"harbour": "Whitby"}, "id": "call_7", "type": "tool_call"}
RAW_CALL = {
    "id": "call_7",
    "type": "function",
    "function": {"name": "lookup_tide", "arguments": '{"harbour": "Whitby"}'},
}


def ai(extra: dict, **more) -> dict:
    return {
        "type": "ai",
        "content": "",
        "additional_kwargs": extra,
        "tool_calls": [],
        "invalid_tool_calls": [],
        **more,
    }


def load(*conversations: list):
    return load_bytes("\n".join(json.dumps({"messages": c}) for c in conversations).encode(), "langchain.jsonl")


def named(result) -> set[str]:
    return {n.field for n in result.notices if n.field}


def test_a_dumped_chunk_is_read_as_its_message():
    """`dumpd` of a streamed AIMessageChunk names the chunk's class: read as the AIMessage it is."""
    chunk = {"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", "AIMessageChunk"],
             "kwargs": {"content": "At 14:05.", "type": "AIMessageChunk", "tool_call_chunks": []}}  # fmt: skip
    result = load([ASK, chunk])
    assert [e.message for e in result.errors] == []
    assert result.rows[0]["messages"][1] == {"role": "assistant", "content": "At 14:05."}


def test_raw_calls_are_matched_to_the_parsed_ones_by_id_or_by_name_and_arguments():
    """A provider's raw call with no id (LangChain gives the parsed one its own) is the same call, by name and
    arguments; one with the parsed call's id is the same call though LangChain rewrote its empty arguments as {}."""
    no_id = {"type": "function", "function": RAW_CALL["function"]}
    generated = {**PARSED_CALL, "id": "lc_3f2a"}
    empty = {"id": "call_9", "type": "function", "function": {"name": "tide_now", "arguments": ""}}
    parsed_empty = {"name": "tide_now", "args": {}, "id": "call_9", "type": "tool_call"}
    first = ai({"tool_calls": [no_id]}, tool_calls=[generated])
    second = ai({"tool_calls": [empty]}, tool_calls=[parsed_empty])
    result = load([ASK, first, {**RESULT, "tool_call_id": "lc_3f2a"}, ANSWER],
                  [ASK, second, {**RESULT, "tool_call_id": "call_9"}, ANSWER])  # fmt: skip
    assert [e.message for e in result.errors] == []
    assert "messages[].additional_kwargs.tool_calls" not in named(result)
    assert [r["messages"][1]["tool_calls"][0]["id"] for r in result.rows] == ["lc_3f2a", "call_9"]


def test_a_reasoning_object_with_no_summary_is_named_not_read():
    """Only the Responses API's reasoning object (with a `summary`) is read from `additional_kwargs.reasoning`; any
    other object there is named as not read, and the row is kept."""
    result = load([ASK, ai({"reasoning": {"effort": "high", "tokens": 512}}, content="At 14:05.")])
    assert [e.message for e in result.errors] == []
    assert result.rows[0]["messages"][1] == {"role": "assistant", "content": "At 14:05."}
    assert "messages[].additional_kwargs.reasoning" in named(result)


def test_the_turns_own_key_wins_over_additional_kwargs_and_a_same_copy_is_read_once():
    """A turn with its own `reasoning_content` keeps it; a different one in `additional_kwargs` is named (not
    silently dropped), the same one is read once and says nothing."""
    own = {"content": "At 14:05.", "reasoning_content": "From the table."}
    other = ai({"reasoning_content": "From memory."}, **own)
    same = ai({"reasoning_content": "From the table."}, **own)
    result = load([ASK, other])
    assert result.rows[0]["messages"][1]["reasoning"] == "From the table."
    assert "messages[].additional_kwargs.reasoning_content" in named(result)
    result = load([ASK, same])
    assert result.rows[0]["messages"][1]["reasoning"] == "From the table."
    assert not any("additional_kwargs" in f for f in named(result))


def test_a_reply_of_only_unparsable_calls_trains_none_of_them():
    """A reply whose only call LangChain could not parse has it in `invalid_tool_calls` (named) and raw in
    `additional_kwargs`: the raw copy is not read as the turn's calls."""
    bad = {"id": "call_8", "type": "function", "function": {"name": "lookup_tide", "arguments": "{harbour: Whitby"}}
    invalid = {"name": "lookup_tide", "args": "{harbour: Whitby", "id": "call_8", "error": "bad JSON",
               "type": "invalid_tool_call"}  # fmt: skip
    result = load([ASK, ai({"tool_calls": [bad]}, content="Let me check.", invalid_tool_calls=[invalid])])
    assert [e.message for e in result.errors] == []
    assert "tool_calls" not in result.rows[0]["messages"][1]
    assert "messages[].invalid_tool_calls" in named(result)
    assert "messages[].additional_kwargs.tool_calls" not in named(result)


def test_a_system_turns_additional_kwargs_are_named():
    """ChatOpenAI marks a developer message as a SystemMessage with `additional_kwargs.__openai_role__`: a key of a
    non-assistant turn's `additional_kwargs` is named, not dropped unsaid."""
    system = {"type": "system", "content": "Answer from the tide table.",
              "additional_kwargs": {"__openai_role__": "developer"}}  # fmt: skip
    result = load([system, ASK, ANSWER])
    assert [e.message for e in result.errors] == []
    assert result.rows[0]["messages"][0] == {"role": "system", "content": "Answer from the tide table."}
    assert "messages[].additional_kwargs.__openai_role__" in named(result)


def test_a_chat_messages_role_in_capitals_reads_its_additional_kwargs():
    """A ChatMessage's role is free text ("Assistant"): read as the assistant's, its `additional_kwargs` are read as
    an assistant's are (its reasoning kept, not named as not read)."""
    critic = {"type": "chat", "role": "Assistant", "content": "At 14:05.",
              "additional_kwargs": {"reasoning_content": "From the table."}}  # fmt: skip
    result = load([ASK, critic])
    assert [e.message for e in result.errors] == []
    assert result.rows[0]["messages"][1] == {
        "role": "assistant",
        "content": "At 14:05.",
        "reasoning": "From the table.",
    }
    assert named(result) == set()
