"""LangChain's message dumps -> the turn ftlib/turns.py reads (OpenAI's shape), before the turn is read.

Three dumps of one message (the keys are LangChain's, the content anyone's):

    model_dump()       {"type": "ai", "content": ..., "tool_calls": [...], "additional_kwargs": {...}, ...}
    messages_to_dict   {"type": "ai", "data": {<the model_dump>}}
    dumpd / dumps      {"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", "AIMessage"],
                        "kwargs": {<the fields set>}}

    >>> langchain_turn({"type": "ai", "content": "At 14:05.", "additional_kwargs": {"reasoning_content": "Moon."}},
    ...                "messages", set())
    {'content': 'At 14:05.', 'role': 'ai', 'reasoning_content': 'Moon.'}

`type` is the role where no `role` or `from` is written (a chunk's `AIMessageChunk` too); a `ChatMessage` (`type`
"chat", dumpd's class "ChatMessage") names any role in its own `role`, read as a turn's role is (turns.py refuses
one it does not know). `additional_kwargs` holds
what a provider returned that LangChain's own fields do not: an older AIMessage's OpenAI `tool_calls` (arguments as
JSON text) and `function_call`, ChatDeepSeek's (and other integrations') `reasoning_content` or `reasoning` text,
ChatOpenAI's `refusal` and its Responses API `reasoning` object (the summary's text; openai_turns.reasoning_keys).
Each is read as the turn's own key where the turn has none. Newer messages keep the provider's raw calls there beside
the parsed `tool_calls` and `invalid_tool_calls`: the same calls, read once and said. Any other key of it holding a
value is named in the file's report as `<field>[].additional_kwargs.<key>`, as any key not read is. A ToolMessage's
`status` "success" and `example: false` are LangChain's defaults and say nothing; `status: "error"` is named, as
other providers' error flags on a tool result are (api_shapes.py).

Not known here: how a turn is read (turns.py).
"""

from __future__ import annotations

import json
from typing import Any

from ftlib.openai_turns import reasoning_keys
from ftlib.turn_keys import has_value, repeated_call, unread_call_keys
from ftlib.turn_names import ROLES, TYPE_AS_ROLE

# dumpd's class name (the last item of its `id`), without a chunk's "Chunk", -> the message's `type`
_CLASSES = {
    "SystemMessage": "system",
    "HumanMessage": "human",
    "AIMessage": "ai",
    "ToolMessage": "tool",
    "FunctionMessage": "function",
    "ChatMessage": "chat",  # a message of any role: its own `role` names it
}
_DUMPD_KEYS = {"lc", "type", "id", "kwargs"}
# Read from `additional_kwargs` where the turn has no such key of its own (an assistant's only); `reasoning` as text;
# ChatOpenAI's `refusal` (read as the reply where the turn has no text: openai_turns.refusal_turn)
_LIFTED = ("reasoning_content", "reasoning", "function_call", "refusal")
_LISTS = ("tool_calls", "invalid_tool_calls")  # LangChain's calls, parsed and not parsable


def _type_tag(kind: Any) -> str | None:
    """The role tag of a LangChain `type` ("ai", or a chunk's "AIMessageChunk"; "chat" for a ChatMessage, whose
    `role` names it); None for any other value."""
    if not isinstance(kind, str):
        return None
    return kind if kind in (*TYPE_AS_ROLE, "chat") else _CLASSES.get(kind.removesuffix("Chunk"))


def _unwrapped(turn: dict) -> dict:
    """The message itself: `messages_to_dict`'s `data`, or dumpd's `kwargs` with the type its class names."""
    if set(turn) == {"type", "data"} and isinstance(turn["data"], dict) and _type_tag(turn["type"]):
        return {**turn["data"], "type": turn["type"]}
    ids, kwargs = turn.get("id"), turn.get("kwargs")
    if turn.get("lc") == 1 and turn.get("type") == "constructor" and set(turn) <= _DUMPD_KEYS:
        name = ids[-1] if isinstance(ids, list) and ids and isinstance(ids[-1], str) else ""
        if isinstance(kwargs, dict) and name.removesuffix("Chunk") in _CLASSES:
            return {**kwargs, "type": _CLASSES[name.removesuffix("Chunk")]}
    return turn


def _said(call: Any) -> tuple:
    """(name, arguments) of an OpenAI call or a LangChain one (valid or not), the arguments' JSON text parsed."""
    spec = call.get("function") if isinstance(call.get("function"), dict) else call
    args = spec.get("arguments", spec.get("args"))
    if isinstance(args, str):
        try:
            args = json.loads(args)
        except ValueError:  # an invalid call's text: compared as written
            pass
    return spec.get("name"), json.dumps(args, sort_keys=True, default=str)


def _among(call: Any, given: list) -> bool:
    """Whether `call` (a raw OpenAI call) is one of `given` (LangChain's), by its id or its name and arguments."""
    if not isinstance(call, dict):
        return False
    given = [g for g in given if isinstance(g, dict)]
    return any((call.get("id") and g.get("id") == call["id"]) or _said(g) == _said(call) for g in given)


def _own_keys(calls: Any, path: str, ignored: set[str]) -> Any:
    """Calls lifted from `additional_kwargs` (a list, or one legacy call) without the keys turns.py would not read,
    each named in `ignored` under `path` (where the file wrote it: `messages[].additional_kwargs.tool_calls[].index`,
    not as a key of the turn's own `tool_calls`); anything else as it is (turns.py refuses it)."""
    if not isinstance(calls, (list, dict)) or not all(isinstance(c, dict) for c in calls if isinstance(calls, list)):
        return calls
    out = []
    for call in calls if isinstance(calls, list) else [calls]:
        unread = unread_call_keys(call)
        ignored.update(f"{path}.{key}" for key in unread)
        kept = {k: v for k, v in call.items() if k not in unread}
        if isinstance(call.get("function"), dict):
            kept["function"] = {k: v for k, v in call["function"].items() if f"function.{k}" not in unread}
        out.append(kept)
    return out if isinstance(calls, list) else out[0]


def _from_extra(turn: dict, extra: dict, field: str, ignored: set[str], notes: list[str] | None) -> dict:
    """The keys an assistant turn reads from its `additional_kwargs`, and the rest as `additional_kwargs.<key>`."""
    rest, out = dict(extra), {}
    for key in _LIFTED:
        given = rest.get(key)
        if key == "reasoning" and isinstance(given, dict) and "summary" in given and not has_value(turn.get(key)):
            # OpenAI's Responses API reasoning object: its summary as the reasoning, its other keys named
            out.update(reasoning_keys(rest.pop(key), f"additional_kwargs.{key}."))
            continue
        if key == "reasoning" and not isinstance(given, str):  # any other object: named as not read
            continue
        if has_value(rest.get(key)) and not has_value(turn.get(key)):
            value = rest.pop(key)
            out[key] = (
                _own_keys(value, f"{field}[].additional_kwargs.{key}", ignored) if key == "function_call" else value
            )
        elif has_value(rest.get(key)) and rest[key] == turn.get(key):
            del rest[key]  # written twice alike: read once
    raw = rest.get("tool_calls")
    listed, invalid = (turn[k] if isinstance(turn.get(k), list) else [] for k in _LISTS)
    if has_value(raw) and not (listed or invalid):  # an older AIMessage: its calls are only here
        out["tool_calls"] = _own_keys(rest.pop("tool_calls"), f"{field}[].additional_kwargs.tool_calls[]", ignored)
    elif has_value(raw) and isinstance(raw, list):
        # LangChain parses the provider's raw calls into `tool_calls` (and the unparsable into `invalid_tool_calls`,
        # named as a key not read) and keeps the raw ones here: the same calls. One that is neither stays named.
        rest["tool_calls"] = [c for c in raw if not _among(c, listed + invalid)]
        if any(_among(c, listed) for c in raw):
            repeated_call(field, "additional_kwargs.tool_calls", ignored, notes)
    return out | {f"additional_kwargs.{k}": v for k, v in rest.items()}


def langchain_turn(turn: Any, field: str, ignored: set[str], notes: list[str] | None = None) -> Any:
    """`turn` as turns.py reads it where it is a LangChain dump (see the module docstring): its `type` as `role`,
    what its `additional_kwargs` carry lifted, LangChain's default flags left out; any other turn as it is. A call
    given again in `additional_kwargs` is said in `notes` (or named in `ignored`, turn_keys.repeated_call)."""
    if not isinstance(turn, dict):
        return turn
    turn = _unwrapped(turn)
    tag = _type_tag(turn.get("type"))
    if tag == "chat" and isinstance(turn.get("role"), str) and "from" not in turn:  # ChatMessage: its own role
        tag = turn["role"].strip().lower()
    elif tag in (None, "chat") or "role" in turn or "from" in turn:  # beside a role, `type` is not read (named)
        return turn
    out = {**{k: v for k, v in turn.items() if k not in ("type", "role")}, "role": turn.get("role", tag)}
    if out.get("example") is False:
        del out["example"]
    if ROLES.get(tag) == "tool" and out.get("status") == "success":  # "error" is named, as Anthropic's `is_error`
        del out["status"]
    # `id`, `name`, `response_metadata` and `usage_metadata` stay as written: a key holding a value that no template
    # reads is named in the file's report for every provider (an OpenAI turn's `id`, a call's `index`); only hints with
    # no text (a signature, a cache point) and flags at their default are left out unsaid.
    extra = out.get("additional_kwargs")
    if isinstance(extra, dict):
        del out["additional_kwargs"]
        if ROLES.get(tag) == "assistant":
            out.update(_from_extra(out, extra, field, ignored, notes))
        else:
            out.update({f"additional_kwargs.{k}": v for k, v in extra.items()})
    return out


__all__ = ["langchain_turn"]
