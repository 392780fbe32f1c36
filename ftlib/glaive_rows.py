"""Glaive's function-calling rows (glaive-function-calling-v2 and the sets built like it: a `system` text and a whole
`chat` in one text) -> OpenAI's messages, for call_rows.call_records.

    {"system": "SYSTEM: You are a helpful assistant with access to the following functions. Use them if required -\n"
               "{\"name\": \"get_tide\", \"description\": ..., \"parameters\": {...}}",
     "chat": "USER: Tide at Brest? \n\n\nASSISTANT: <functioncall> {\"name\": \"get_tide\", "
             "\"arguments\": '{\"harbour\": \"Brest\"}'} <|endoftext|>\n\n\nFUNCTION RESPONSE: {\"high\": \"14:02\"}"
             "\n\n\nASSISTANT: High tide is at 14:02. <|endoftext|>"}
    -> {"messages": [system "You are a helpful assistant with access to the following functions. Use them if
                     required", user, assistant calling get_tide({"harbour": "Brest"}), tool, assistant],
        "tools": [{"name": "get_tide", ...}]}

The chat is cut at each `USER:`, `ASSISTANT:` and `FUNCTION RESPONSE:` that opens a line; the `<|endoftext|>`
that closes an assistant's turn is the end of that turn (the chat template writes its own), not text to learn. An
assistant turn `<functioncall> {...}` is a tool call: its `arguments` are JSON text inside single quotes, which is
not JSON, so they are read from between those quotes. The function schemas after the system text's " -" are the
row's tools; a system text without them stays the system turn as written, less its `SYSTEM:` label.

A row whose chat cannot be cut so (no `USER:` opening it) is left as it is, and is then refused as a format not
recognised, naming its fields.

The same chats converted to ShareGPT (`conversations` of `from`/`value` turns: a `system` turn listing the functions
after " - ", `gpt` turns writing `<functioncall> {...}`, results from `function-response`, `function_response`,
`tool` or `observation`) are read by `glaive_sharegpt_record` with the same parsing: the calls as the assistant's
`tool_calls`, the functions as the row's tools, the turns kept as ShareGPT's.

Not known here: how a turn or a call is read (turns.py).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ftlib.turn_names import ROLES

_LABELS = {"USER": "user", "ASSISTANT": "assistant", "FUNCTION RESPONSE": "tool"}
_CUT = re.compile(r"(?:^|\n)(USER|ASSISTANT|FUNCTION RESPONSE):[ \t]?")
_END = "<|endoftext|>"
_CALL = "<functioncall>"
# {"name": "f", "arguments": '{"a": 1}'}: the arguments quoted as a Python string, not as JSON
# "... Use them if required -\n{...}" (Glaive v2) or " - {...}" (its ShareGPT conversions): where the schemas start
_SCHEMAS = re.compile(r"\s-\s*(?=\{)")
_QUOTED_CALL = re.compile(r"""\{\s*"name"\s*:\s*"([^"]+)"\s*,\s*"arguments"\s*:\s*'(.*)'\s*\}\s*$""", re.DOTALL)


def _call(text: str) -> dict | str:
    """The tool call an assistant's `<functioncall> ...` text holds, or the text as written when it holds none."""
    try:
        call = json.loads(text)
    except ValueError:
        quoted = _QUOTED_CALL.match(text)
        if quoted is None:
            return text  # turns.py reads it as the call's JSON text and says what is wrong with it
        call = {"name": quoted.group(1), "arguments": quoted.group(2)}
    return call


def _tools(text: str) -> list[dict] | None:
    """The JSON objects written one after another in `text` (the system text's function schemas); None when any
    part of it is not one."""
    decoder, tools, at = json.JSONDecoder(), [], 0
    while at < len(text):
        at += len(text[at:]) - len(text[at:].lstrip())
        if at >= len(text):
            break
        try:
            value, at = decoder.raw_decode(text, at)
        except ValueError:
            return None
        if not isinstance(value, dict):
            return None
        tools.append(value)
    return tools


def _turn(role: str, said: str) -> dict:
    """A turn of `role` that says `said`: an assistant's `[text] <functioncall> {...}` as the text and its call."""
    if role == "assistant" and said.endswith(_END):
        said = said[: -len(_END)].rstrip()
    before, call, after = said.partition(_CALL)
    if role != "assistant" or not call:
        return {"role": role, "content": said}
    return {"role": "assistant", "content": before.strip(), "tool_calls": [_call(after.strip())]}


def _split_system(system: str) -> tuple[str, list[dict] | None]:
    """A Glaive system text, less its `SYSTEM:` label, as (the text before the functions, the functions); the text
    as written and None when it lists none."""
    system = system.strip().removeprefix("SYSTEM:").strip()
    dash = _SCHEMAS.search(system)
    tools = _tools(system[dash.end() :]) if dash else None
    return (system[: dash.start()].strip(), tools) if dash and tools else (system, None)


def glaive_record(record: Any) -> dict | None:
    """`record` as a messages row (with `tools` where its system text lists functions) when it is written as
    Glaive's `system` and `chat` texts; None for any other row. Other keys are kept as they are.

    >>> glaive_record({"system": "SYSTEM: Be brief.", "chat": "USER: Hi\\n\\n\\nASSISTANT: Hello <|endoftext|>"})
    {'messages': [{'role': 'system', 'content': 'Be brief.'}, {'role': 'user', 'content': 'Hi'}, \
{'role': 'assistant', 'content': 'Hello'}]}
    """
    if not isinstance(record, dict) or "messages" in record or "conversations" in record:
        return None
    chat, system = record.get("chat"), record.get("system", "")
    if not (isinstance(chat, str) and isinstance(system, str) and chat.lstrip().startswith("USER:")):
        return None
    pieces = _CUT.split(chat.lstrip())  # ["", label, text, label, text, ...]
    turns = []
    for label, said in zip(pieces[1::2], pieces[2::2], strict=True):
        said = said.strip()
        role = _LABELS[label]
        turns.append(_turn(role, said))
    out = {k: v for k, v in record.items() if k not in ("system", "chat")}
    system, tools = _split_system(system)
    if tools:
        out["tools"] = tools
    out["messages"] = ([{"role": "system", "content": system}] if system else []) + turns
    return out


def _glaive_turns(turns: Any) -> bool:
    """Whether ShareGPT `turns` are Glaive's: a `gpt` turn writes `<functioncall>`, or a result turn is from
    `function-response` (no other project names it so)."""
    if not isinstance(turns, list) or not all(isinstance(t, dict) and "from" in t for t in turns):
        return False
    return any(
        str(t["from"]).lower() in ("function-response", "function_response")
        or (ROLES.get(str(t["from"]).lower()) == "assistant" and _CALL in str(t.get("value", "")))
        for t in turns
    )


def glaive_sharegpt_record(record: Any) -> dict | None:
    """`record` with its ShareGPT `conversations` read (with `tools` where its system turn lists functions) when
    they are Glaive's (`_glaive_turns`); None for any other row. Each turn keeps its `from` and other keys; an
    assistant's `<functioncall>` becomes its `tool_calls` (its text before the tag its `value`), the system turn
    loses its `SYSTEM:` label and the functions. A `tools` the row writes itself is kept over the system's.

    >>> row = glaive_sharegpt_record({"conversations": [{"from": "human", "value": "Tide?"},
    ...     {"from": "gpt", "value": '<functioncall> {"name": "tide", "arguments": {}}'},
    ...     {"from": "function-response", "value": "{}"}, {"from": "gpt", "value": "14:02"}]})
    >>> row["conversations"][1:3]
    [{'from': 'gpt', 'value': '', 'tool_calls': [{'name': 'tide', 'arguments': {}}]}, \
{'from': 'function-response', 'value': '{}'}]
    """
    if not isinstance(record, dict) or "messages" in record or not _glaive_turns(record.get("conversations")):
        return None
    out, turns = {k: v for k, v in record.items() if k != "conversations"}, []
    for written in record["conversations"]:
        said = written.get("value")
        role = ROLES.get(str(written["from"]).lower(), written["from"])
        if role == "system" and isinstance(said, str) and not turns:
            said, tools = _split_system(said)
            if tools and "tools" not in out:
                out["tools"] = tools
        turn = _turn(role, said.strip()) if isinstance(said, str) else {"role": role, "content": said}
        # kept as ShareGPT turns (`from` as written), so a row's problems name the turns the file holds
        turn = {
            "from": written["from"],
            "value": turn.pop("content"),
            **{k: v for k, v in turn.items() if k != "role"},
        }
        turns.append({**{k: v for k, v in written.items() if k not in ("from", "value")}, **turn})
    out["conversations"] = turns
    return out


__all__ = ["glaive_record", "glaive_sharegpt_record"]
