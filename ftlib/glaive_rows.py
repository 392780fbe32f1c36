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
recognised, naming its fields. Not known here: how a turn or a call is read (turns.py).
"""

from __future__ import annotations

import json
import re
from typing import Any

_LABELS = {"USER": "user", "ASSISTANT": "assistant", "FUNCTION RESPONSE": "tool"}
_CUT = re.compile(r"(?:^|\n)(USER|ASSISTANT|FUNCTION RESPONSE):[ \t]?")
_END = "<|endoftext|>"
_CALL = "<functioncall>"
# {"name": "f", "arguments": '{"a": 1}'}: the arguments quoted as a Python string, not as JSON
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
        if role == "assistant" and said.endswith(_END):
            said = said[: -len(_END)].rstrip()
        if role == "assistant" and said.startswith(_CALL):
            turns.append({"role": "assistant", "content": "", "tool_calls": [_call(said[len(_CALL) :].strip())]})
        else:
            turns.append({"role": role, "content": said})
    out = {k: v for k, v in record.items() if k not in ("system", "chat")}
    system = system.strip().removeprefix("SYSTEM:").strip()
    head, dash, schemas = system.partition(" -\n")
    tools = _tools(schemas) if dash else None
    if tools:
        system, out["tools"] = head.strip(), tools
    out["messages"] = ([{"role": "system", "content": system}] if system else []) + turns
    return out


__all__ = ["glaive_record"]
