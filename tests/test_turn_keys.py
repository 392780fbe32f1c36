"""A turn that says one thing under two keys (ftlib/turn_keys.py): read once where both agree, the row refused by
line with both values named where they differ; an empty reasoning field is no reasoning, not a second one.

The content is ours; the shapes are OpenAI's (`tool_calls` beside its legacy `function_call`, `reasoning_content`)
and ShareGPT's (`from`/`value` beside `role`/`content`), as converters write them side by side.
"""

from __future__ import annotations

import json
from functools import partial

import pytest

from ftlib.data import load_bytes
from ftlib.data_stats import render_row
from ftlib.formats import convert_record
from ftlib.templates import get_template, render
from ftlib.turns import RowProblem, parse_messages

ASK = {"role": "user", "content": "When is high tide in Whitby?"}
TIDE_ARGS = '{"harbour": "Whitby"}'


def load(*rows: dict):
    return load_bytes("\n".join(json.dumps(r) for r in rows).encode(), "turns.jsonl")


def refusals(result) -> list[tuple[int, str]]:
    return [(e.row, e.message) for e in result.errors]  # the line of a .jsonl file


# --- 1. an empty reasoning field beside a real reasoning ------------------------------------------------------


@pytest.mark.parametrize("empty", ["", "   \n", None])
def test_an_empty_reasoning_field_is_no_second_reasoning(empty):
    inline = {
        "role": "assistant",
        "content": "<think>the moon sets the tide</think>At 14:05.",
        "reasoning_content": empty,
    }
    beside = {"role": "assistant", "content": "At 14:05.", "reasoning_content": empty, "reasoning": "Look it up."}
    result = load({"messages": [ASK, inline]}, {"messages": [ASK, beside]})
    assert refusals(result) == []
    first, second = (row["messages"][1] for row in result.rows)
    assert (first["reasoning"], first["content"]) == ("the moon sets the tide", "At 14:05.")
    assert (second["reasoning"], second["content"]) == ("Look it up.", "At 14:05.")


def test_two_real_reasonings_are_still_refused_and_an_empty_think_block_reads_back():
    two = {"role": "assistant", "content": "<think>a</think>At 14:05.", "reasoning_content": "b", "thinking": ""}
    assert "two different reasonings" in refusals(load({"messages": [ASK, two]}))[0][1]
    # A canonical row with an empty inline reasoning, read again: the content as first written.
    (row, _) = convert_record(
        {"messages": [ASK, {"role": "assistant", "content": "<think></think>At 14:05."}]}, "messages"
    )
    again, _ = convert_record(row, "messages")
    assert again == row and row["messages"][1]["reasoning"] == ""


def test_qwen3s_empty_think_block_beside_a_reasoning_field_is_no_second_reasoning():
    """Qwen3 writes "<think>\n\n</think>\n\n" before an answer given without thinking: beside a `reasoning_content`
    the row was refused as holding "two different reasonings"; the field's reasoning is the one."""
    turn = {"role": "assistant", "content": "<think>\n\n</think>\n\nAt 14:05.", "reasoning_content": "Moon times."}
    result = load({"messages": [ASK, turn]})
    assert refusals(result) == []
    (read,) = [m for m in result.rows[0]["messages"] if m["role"] == "assistant"]
    assert (read["reasoning"], read["content"]) == ("Moon times.", "At 14:05.")


# --- 2. the legacy `function_call` beside `tool_calls` --------------------------------------------------------


def call_turn(legacy_args: str, name: str = "lookup_tide") -> dict:
    return {
        "role": "assistant",
        "content": "",
        "function_call": {"name": name, "arguments": legacy_args},
        "tool_calls": [
            {"id": "call_7", "type": "function", "function": {"name": "lookup_tide", "arguments": TIDE_ARGS}}
        ],
    }


def tide_row(turn: dict) -> dict:
    result = {"role": "tool", "tool_call_id": "call_7", "content": "High tide 14:05"}
    return {"messages": [ASK, turn, result, {"role": "assistant", "content": "At 14:05."}]}


def test_the_same_call_as_tool_calls_and_function_call_is_one_call():
    result = load(tide_row(call_turn('{"harbour":  "Whitby"}')))  # the same arguments, spaced otherwise
    assert refusals(result) == []
    (row,) = result.rows
    expected = {
        "type": "function",
        "id": "call_7",
        "function": {"name": "lookup_tide", "arguments": {"harbour": "Whitby"}},
    }
    assert row["messages"][1]["tool_calls"] == [expected]
    rendered = render_row(row, None, partial(render, get_template("hermes")))
    assert rendered.count("<tool_call>") == 1
    # Said, not silent: the file's report says it is the same call, read once (not an ignored field).
    assert any("the same call, read once" in n.message for n in result.notices)
    assert not any("messages[].function_call" in n.message for n in result.notices)
    notes: list[str] = []
    parse_messages([ASK, call_turn(TIDE_ARGS)], "messages", set(), notes)
    assert len(notes) == 1 and "same call, read once" in notes[0]


@pytest.mark.parametrize("legacy", ['{"harbour": "Scarborough"}', "other_tool"])
def test_different_calls_as_tool_calls_and_function_call_refuse_the_row(legacy):
    turn = call_turn(TIDE_ARGS, "other_tool") if legacy == "other_tool" else call_turn(legacy)
    ((line, message),) = refusals(load(tide_row(turn)))
    assert line == 1
    assert "turn 2 (assistant) of 'messages' has both `tool_calls` (lookup_tide(" in message
    assert "the legacy `function_call`" in message and "which differ" in message
    assert "Put every call in `tool_calls` and remove `function_call`" in message


# --- 3. one thing under two keys of a turn ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("turn", "said"),
    [
        (
            {"role": "user", "content": "Is it high tide now?", "from": "human", "value": "Where is the harbour?"},
            "turn 1 (user) of 'messages' has both 'content' (\"Is it high tide now?\") and 'value' "
            '("Where is the harbour?"), which differ',
        ),
        (
            {"role": "user", "from": "gpt", "content": "Is it high tide now?"},
            "turn 1 of 'messages' has both 'role' (\"user\") and 'from' (\"gpt\"), which differ",
        ),
    ],
)
def test_different_text_under_two_names_refuses_the_row(turn, said):
    ((line, message),) = refusals(load({"messages": [turn, {"role": "assistant", "content": "At 14:05."}]}))
    assert line == 1 and message.startswith(said) and "keep the right one and remove the other" in message


def test_the_same_text_under_two_names_is_read_once():
    turn = {"role": "user", "from": "human", "content": "Is it high tide now?", "value": "Is it high tide now?"}
    blank = {"role": "assistant", "content": "", "value": "At 14:05."}  # an empty `content` drops no `value`
    result = load({"messages": [turn, blank]})
    assert refusals(result) == []
    assert result.rows[0]["messages"] == [
        {"role": "user", "content": "Is it high tide now?"},
        {"role": "assistant", "content": "At 14:05."},
    ]


@pytest.mark.parametrize(("weight", "loss_weight", "kept"), [(1, 0, None), ("1", 1, 1), (0, "0", 0)])
def test_two_weights_that_differ_refuse_the_row(weight, loss_weight, kept):
    trained = {"role": "assistant", "content": "At 14:05."}
    answer = {"role": "assistant", "content": "Ask the harbour master.", "weight": weight, "loss_weight": loss_weight}
    row = {"messages": [ASK, answer, {"role": "user", "content": "And tomorrow?"}, trained]}
    result = load(row)
    if kept is None:
        ((line, message),) = refusals(result)
        assert line == 1
        assert "turn 2 (assistant) of 'messages' has both 'weight' (1) and 'loss_weight' (0), which differ" in message
    else:
        assert refusals(result) == [] and result.rows[0]["messages"][1]["weight"] == kept


def test_a_bad_second_weight_is_refused_not_dropped():
    answer = {"role": "assistant", "content": "At 14:05.", "weight": 1, "loss_weight": "half"}
    with pytest.raises(RowProblem, match="the loss_weight of turn 2 .* must be 0 .* or 1 .*, not 'half'"):
        parse_messages([ASK, answer], "messages")


# --- 4. LangChain's message dumps --------------------------------------------------------------------------------


def langchain_turns(content_parts: bool) -> list[dict]:
    """A conversation as LangChain's `message.model_dump()` writes it: the role in `type`, a call's arguments in
    `args`; a message of Anthropic's model also carries the call as a `tool_use` content part."""
    call = {"name": "lookup_tide", "args": {"harbour": "Whitby"}, "id": "toolu_3", "type": "tool_call"}
    said: object = "Let me look."
    if content_parts:
        use = {"type": "tool_use", "id": "toolu_3", "name": "lookup_tide", "input": {"harbour": "Whitby"}}
        said = [{"type": "text", "text": "Let me look."}, use]
    return [
        {"type": "system", "content": "You answer about tides.", "additional_kwargs": {}, "id": None},
        {"type": "human", "content": "When is high tide in Whitby?", "additional_kwargs": {}},
        {"type": "ai", "content": said, "tool_calls": [call], "invalid_tool_calls": []},
        {"type": "tool", "content": "High tide 14:05", "tool_call_id": "toolu_3", "name": "lookup_tide"},
        {"type": "ai", "content": "At 14:05."},
    ]


@pytest.mark.parametrize("content_parts", [False, True])
def test_langchains_dump_is_read_with_its_call_once(content_parts):
    """The roles were refused ("has no role ... it has `type`"); with them read, the call's `args` were trained as
    empty arguments, and the `tool_use` part beside `tool_calls` was a second call."""
    notes: list[str] = []
    ignored: set[str] = set()
    turns = parse_messages(langchain_turns(content_parts), "messages", ignored, notes)
    assert [t["role"] for t in turns] == ["system", "user", "assistant", "tool", "assistant"]
    assert turns[2]["content"] == "Let me look."
    assert turns[2]["tool_calls"] == [
        {"type": "function", "function": {"name": "lookup_tide", "arguments": {"harbour": "Whitby"}}, "id": "toolu_3"}
    ]
    assert ignored == set()
    assert len(notes) == int(content_parts) and all("as a content part" in n for n in notes)


def test_a_content_part_call_other_than_the_listed_ones_is_kept():
    turn = {
        "role": "assistant",
        "content": [{"type": "tool_use", "name": "lookup_moon", "input": {"day": "today"}}],
        "tool_calls": [{"type": "function", "function": {"name": "lookup_tide", "arguments": TIDE_ARGS}}],
    }
    notes: list[str] = []
    (_, read) = parse_messages([ASK, turn], "messages", set(), notes)
    assert [c["function"]["name"] for c in read["tool_calls"]] == ["lookup_moon", "lookup_tide"] and notes == []


def test_type_is_the_role_only_where_no_role_is_written_and_only_langchains_names():
    (turn,) = parse_messages([{"role": "user", "type": "human", "content": "Hi"}], "messages", ignored := set())
    assert turn["role"] == "user" and ignored == {"messages[].type"}  # beside a role, `type` is not read
    with pytest.raises(RowProblem, match="has no role .* it has `type`"):
        parse_messages([{"type": "message", "content": "Hi"}], "messages")


def test_langchains_messages_to_dict_is_read_from_its_data():
    dumped = [{"type": t["type"], "data": t} for t in langchain_turns(content_parts=False)]
    assert parse_messages(dumped, "messages") == parse_messages(langchain_turns(content_parts=False), "messages")
    assert parse_messages(dumped, "messages")[4] == {"role": "assistant", "content": "At 14:05."}


def test_an_empty_reasoning_part_beside_a_reasoning_field_is_no_second_reasoning():
    """An exporter writes an empty reasoning part when the model gave none in the content, and the reasoning in
    `reasoning_content`: the row was refused as holding "two different reasonings"."""
    turn = {"role": "assistant", "content": [{"type": "reasoning", "text": ""}, {"type": "text", "text": "At 14:05."}],
            "reasoning_content": "Moon times."}  # fmt: skip
    (_, read) = parse_messages([ASK, turn], "messages")
    assert (read["reasoning"], read["content"]) == ("Moon times.", "At 14:05.")
