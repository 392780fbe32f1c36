"""OpenAI's shapes beside its chat messages (ftlib/openai_turns.py), read through the public reader: an assistant's
`refusal` as Chat Completions logs it, and the Responses API's items. The content is ours; the shapes are OpenAI's
(and LangChain's ChatOpenAI dump of a refusal).
"""

from __future__ import annotations

import json

import pytest

from ftlib.data import load_bytes

ASK = {"role": "user", "content": "How do I open my neighbour's lock?"}
NO = "I can't help with that."


def load(*rows: dict, name: str = "logs.jsonl"):
    return load_bytes("\n".join(json.dumps(r) for r in rows).encode(), name)


def named(result) -> set[str]:
    return {n.field for n in result.notices if n.field}


def notes(result) -> list[str]:
    return [n.message for n in result.notices if n.note]


# (id, the assistant's turn as logged, the reply read, the key named as not read or None)
REFUSALS = [
    ("Chat Completions: content null", {"role": "assistant", "content": None, "refusal": NO}, NO, None),
    ("a typed refusal part", {"role": "assistant", "content": [{"type": "refusal", "refusal": NO}]}, NO, None),
    ("ChatOpenAI's dump", {"type": "ai", "content": "", "additional_kwargs": {"refusal": NO}}, NO, None),
    (
        "content beside it",
        {"role": "assistant", "content": "Call a locksmith.", "refusal": NO},
        "Call a locksmith.",
        "messages[].refusal",
    ),  # fmt: skip
    (
        "a text part beside a refusal part",
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "Call a locksmith."}, {"type": "refusal", "refusal": NO}],
        },
        "Call a locksmith.",
        "messages[].content[].refusal",
    ),  # fmt: skip
]


@pytest.mark.parametrize(("answer", "reply", "unread"), [c[1:] for c in REFUSALS], ids=[c[0] for c in REFUSALS])
def test_a_refusal_is_the_reply_where_the_turn_has_no_text_and_named_beside_text(answer, reply, unread):
    """A refusal alone was refused ("has a null 'content'", "the type 'refusal' ... does not read")."""
    result = load({"messages": [ASK, answer]}, {"messages": [ASK, answer]})
    assert [e.message for e in result.errors] == []
    assert [row["messages"][1] for row in result.rows] == [{"role": "assistant", "content": reply}] * 2
    said = [n for n in notes(result) if "`refusal`" in n]
    if unread:
        assert named(result) == {unread} and said == []
    else:  # once per file, with how many rows
        assert named(result) == set() and len(said) == 1 and said[0].startswith("In 2 rows, an assistant turn")


ITEMS_IN = [
    {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "When is high tide in Whitby?"}]},
]
ITEMS_OUT = [
    {
        "id": "rs_1",
        "type": "reasoning",
        "summary": [{"type": "summary_text", "text": "Look up Whitby's table."}],
        "encrypted_content": "gAAAAB-whitby",
    },  # fmt: skip
    {
        "id": "fc_1",
        "type": "function_call",
        "call_id": "call_7",
        "name": "lookup_tide",
        "arguments": '{"harbour": "Whitby"}',
        "status": "completed",
    },  # fmt: skip
    {"type": "function_call_output", "call_id": "call_7", "output": "High tide 14:05"},
    {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": "At 14:05.", "annotations": []}],
    },  # fmt: skip
]
TIDE_TOOL = {"type": "function", "name": "lookup_tide", "parameters": {"type": "object", "properties": {}}}
READ = [
    {"role": "system", "content": "Answer from the tide table."},
    {"role": "user", "content": "When is high tide in Whitby?"},
    {
        "role": "assistant",
        "content": "",
        "reasoning": "Look up Whitby's table.",
        "tool_calls": [
            {
                "type": "function",
                "function": {"name": "lookup_tide", "arguments": {"harbour": "Whitby"}},
                "id": "call_7",
            }
        ],
    },
    {"role": "tool", "content": "High tide 14:05", "tool_call_id": "call_7"},
    {"role": "assistant", "content": "At 14:05."},
]


def test_a_logged_responses_call_and_a_list_of_its_items_are_read_as_turns():
    """A logged Responses API call ({instructions, input, output}) was read as an Alpaca row and refused ("the
    instruction must be text"); its items as `messages` were refused ("has no role")."""
    logged = {"instructions": "Answer from the tide table.", "input": ITEMS_IN, "output": ITEMS_OUT,
              "tools": [TIDE_TOOL]}  # fmt: skip
    listed = {"messages": [{"role": "developer", "content": "Answer from the tide table."}, *ITEMS_IN, *ITEMS_OUT],
              "tools": [TIDE_TOOL]}  # fmt: skip
    for row in (logged, listed):
        result = load(row)
        assert [e.message for e in result.errors] == []
        assert result.rows[0]["messages"] == READ
        assert result.rows[0]["tools"] == [{"type": "function", "function": {k: TIDE_TOOL[k] for k in
                                                                              ("name", "parameters")}}]  # fmt: skip
        # the encrypted reasoning (OpenAI's alone to read) and the items' ids are named; `status` says nothing
        assert named(result) == {
            "messages[].reasoning.encrypted_content",
            "messages[].reasoning.id",
            "messages[].tool_calls[].item_id",
            "messages[].id",
        }
    assert any("OpenAI's Responses API shape" in n for n in notes(load(logged)))


def test_responses_items_join_a_reply_and_its_calls_and_refuse_reasoning_with_no_reply():
    """Text and calls of one response are one assistant turn; a reasoning item with nothing after it is refused, as
    any reasoning without an answer."""
    said = {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Checking."}]}
    row = {"input": "When is high tide in Whitby?", "output": [said, ITEMS_OUT[1], {**ITEMS_OUT[1], "call_id": "c8"}]}
    result = load({**row, "output": [*row["output"], ITEMS_OUT[2], {**ITEMS_OUT[2], "call_id": "c8"}, ITEMS_OUT[3]]})
    assert [e.message for e in result.errors] == []
    turn = result.rows[0]["messages"][1]
    assert turn["content"] == "Checking." and [c["id"] for c in turn["tool_calls"]] == ["call_7", "c8"]
    refusal = {"type": "message", "role": "assistant", "content": [{"type": "refusal", "refusal": NO}]}
    assert load({"input": [ASK], "output": [refusal]}).rows[0]["messages"][1] == {"role": "assistant", "content": NO}
    problem = load({"input": "Hi", "output": [ITEMS_OUT[0]]}).errors[0].message
    assert "has reasoning but no answer after it" in problem


# (the Responses API's item as OpenAI writes it, who ran the tool, in the refusal's words)
OTHER_ITEMS = [
    ({"type": "web_search_call", "id": "ws_1", "status": "completed",
      "action": {"type": "search", "query": "Whitby tide table"}}, "a tool OpenAI ran on its side"),
    ({"type": "file_search_call", "id": "fs_1", "status": "completed", "queries": ["Whitby tides"], "results": None},
     "a tool OpenAI ran on its side"),
    ({"type": "code_interpreter_call", "id": "ci_1", "status": "completed", "container_id": "cntr_1",
      "code": "print(14 * 60 + 5)", "outputs": [{"type": "logs", "logs": "845"}]}, "a tool OpenAI ran on its side"),
    ({"type": "image_generation_call", "id": "ig_1", "status": "completed", "result": "iVBORw0KGgo="},
     "a tool OpenAI ran on its side"),
    ({"type": "mcp_call", "id": "mcp_1", "server_label": "tides", "name": "lookup_tide",
      "arguments": '{"harbour": "Whitby"}', "output": "High tide 14:05", "error": None},
     "a tool OpenAI ran on its side"),
    ({"type": "computer_call", "id": "cu_1", "call_id": "call_9", "status": "completed",
      "action": {"type": "click", "button": "left", "x": 10, "y": 20}, "pending_safety_checks": []},
     "your own code carried out"),
    ({"type": "computer_call_output", "call_id": "call_9",
      "output": {"type": "computer_screenshot", "image_url": "data:image/png;base64,iVBORw0KGgo="}},
     "your own code carried out"),
    ({"type": "local_shell_call", "id": "ls_1", "call_id": "call_3", "status": "completed",
      "action": {"type": "exec", "command": ["date"], "env": {}}}, "your own code carried out"),
    ({"type": "local_shell_call_output", "id": "call_3", "output": "Sat Dec  5"}, "your own code carried out"),
    ({"type": "custom_tool_call", "call_id": "call_4", "name": "tide_sql", "input": "SELECT * FROM tides"},
     "your own code carried out"),
]  # fmt: skip


@pytest.mark.parametrize(("item", "ran"), OTHER_ITEMS, ids=[item["type"] for item, _ in OTHER_ITEMS])
def test_the_apis_other_items_refuse_their_row_by_name_and_say_what_to_do(item, ran):
    """A hosted tool's call (a web search), or one of the computer, shell or custom tools, was refused as "turn 2 of
    'messages' has no role (expected 'role' or 'from'; it has `type`, `id`, ...)", which named nothing the user wrote.
    Its row is refused naming the item, who ran the tool and the fix; the other rows are kept, and none is read with
    the item silently left out (an answer trained without the search it stands on)."""
    ask, said = ITEMS_IN[0], ITEMS_OUT[3]
    plain = {"role": "user", "content": "When is high tide in Whitby?"}  # an "easy" input message: no `type`
    rows = [
        {"messages": [ask, item, said]},  # the items as a row's messages
        {"input": "When is high tide in Whitby?", "output": [item, said]},  # a logged Responses API call
        {"messages": [plain, item, {"role": "assistant", "content": "At 14:05."}]},  # no item read beside it
        {"input": [plain], "output": [item]},  # its only output item
        {"messages": [ask, said]},  # a good row: kept
    ]
    result = load(*rows)
    assert len(result.rows) == 1 and [e.row for e in result.errors] == [1, 2, 3, 4]
    for error in result.errors:
        assert error.message.startswith(f"turn 2 of 'messages' is a Responses API `{item['type']}` item: "), error
        assert ran in error.message and "has no role" not in error.message
        assert f"Take the `{item['type']}` items out of the rows" in error.message
        assert "`function_call` item" in error.message and "`function_call_output` item" in error.message


def test_a_reference_to_a_stored_item_says_the_item_is_not_in_the_file():
    result = load({"input": [ITEMS_IN[0], {"type": "item_reference", "id": "msg_0"}], "output": [ITEMS_OUT[3]]})
    assert [e.message.split(":")[0] for e in result.errors] == [
        "turn 2 of 'messages' is a Responses API `item_reference` item"
    ]
    assert "the item itself is not in the file" in result.errors[0].message
