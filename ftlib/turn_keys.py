"""Which keys of a turn carry data, and a turn that says one thing under two keys: read once, or refused.

Projects name one thing two ways (`role`/`from`, `content`/`value`, `weight`/`loss_weight`, OpenAI's `tool_calls`
and its legacy `function_call`). Where both are written and agree, the thing is read once; where they differ,
reading either would drop the other without a word, so `clash` and `calls_problem` say what differs for
ftlib/turns.py to refuse the row with.

    >>> clash({"content": "Hi", "value": "Hi"}, "content", "value") is None
    True
    >>> print(clash({"content": "Hi", "value": "Bye"}, "content", "value"))
    has both 'content' ("Hi") and 'value' ("Bye"), which differ: keep the right one and remove the other

Not known here: what a turn's keys mean (turns.py).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

# How the row's report says a call given twice in one assistant turn was read, by where the second one stands.
REPEATED_CALL_NOTE = {
    "function_call": (
        "an assistant turn of '{field}' gives a call both in `tool_calls` and as the legacy `function_call` "
        "(OpenAI's older form of one call): it is the same call, read once"
    ),
    "content[]": (
        "an assistant turn of '{field}' gives a call both in `tool_calls` and as a content part (LangChain's dump of "
        "an Anthropic message writes both): it is the same call, read once"
    ),
    "additional_kwargs.tool_calls": (
        "an assistant turn of '{field}' gives its calls both in `tool_calls` and in `additional_kwargs.tool_calls` "
        "(LangChain keeps the provider's raw calls there beside the ones it parsed): the same calls, read once"
    ),
}


def missing(value: Any) -> bool:
    """True for None and a float NaN (an empty cell as pandas reads it); "" and [] are values (see `has_value`).

    >>> missing(None), missing(float("nan")), missing("")
    (True, True, False)
    """
    return value is None or (isinstance(value, float) and math.isnan(value))


def has_value(value: Any) -> bool:
    """False for null, NaN, "", [] and {}: a key holding one of those carries no data, so ignoring it drops nothing."""
    return not (missing(value) or (isinstance(value, (str, list, dict)) and not value))


def either(turn: dict, first: str, second: str) -> Any:
    """The value of `first`, or of `second` where `first` holds no data (null, "", []) and `second` does.

    >>> either({"content": "", "value": "Hi"}, "content", "value"), either({"content": ""}, "content", "value")
    ('Hi', '')
    """
    a, b = turn.get(first), turn.get(second)
    return a if has_value(a) or (not has_value(b) and a is not None) else b


# The keys a call's arguments are written under (OpenAI, Hermes-style `parameters`, Anthropic, LangChain), first found
ARGUMENT_KEYS = ("arguments", "parameters", "input", "args")


def unread_call_keys(call: dict) -> list[str]:
    """The keys of a tool call that hold a value and are not read, as paths inside the call: OpenAI's
    {id, type, function: {name, arguments}} reads those (`text`, a streamed call's, too), a flat call {id, type, name,
    <its ARGUMENT_KEYS key>}.

    >>> unread_call_keys({"id": "c1", "index": 0, "function": {"name": "f", "arguments": "{}", "strict": True}})
    ['index', 'function.strict']
    """
    nested = isinstance(call.get("function"), dict)
    spec = call["function"] if nested else call
    args_key = next((a for a in ARGUMENT_KEYS if a in spec), "arguments")
    used = {"type", "id", "function", "text"} if nested else {"type", "id", "name", args_key}
    unread = [k for k, v in call.items() if k not in used and has_value(v)]
    if nested:  # OpenAI's `function` holds the name and the arguments; anything else beside them is unread
        unread += [f"function.{k}" for k, v in spec.items() if k not in ("name", args_key) and has_value(v)]
    return unread


def brief(value: Any, width: int = 40) -> str:
    """A value as JSON writes it, cut to about `width` characters, for naming it in a refusal."""
    said = json.dumps(value, ensure_ascii=False, default=str)
    return said if len(said) <= width else said[: width - 1] + "…"


def clash(turn: dict, first: str, second: str, same_as: Callable[[Any], Any] = lambda v: v) -> str | None:
    """What is wrong when `turn` holds data under both keys and they differ (compared as `same_as` reads each);
    None when one is empty or both agree. The words follow the turn's name (`turn 2 (user) of 'messages' ...`)."""
    a, b = turn.get(first), turn.get(second)
    if not (has_value(a) and has_value(b)) or same_as(a) == same_as(b):
        return None
    return (
        f"has both '{first}' ({brief(a)}) and '{second}' ({brief(b)}), which differ: keep the right one and "
        "remove the other"
    )


def calls_problem(listed: list[dict], legacy: list[dict]) -> str | None:
    """What is wrong when a turn's legacy `function_call` (canonical calls, `legacy`) is not among its canonical
    `tool_calls` (`listed`): OpenAI's format gives a turn one or the other. None when each repeats a listed call,
    or the turn gives its calls one way only."""
    listed_calls = [c["function"] for c in listed]
    other = next((c["function"] for c in legacy if listed and c["function"] not in listed_calls), None)
    if other is None:
        return None
    said = ", ".join(f"{c['name']}({brief(c['arguments'], 30)})" for c in listed_calls)
    odd = f"{other['name']}({brief(other['arguments'], 30)})"
    return (
        f"has both `tool_calls` ({said}) and the legacy `function_call` ({odd}), which differ: OpenAI's format "
        "gives a turn one or the other. Put every call in `tool_calls` and remove `function_call`"
    )


def repeated_call(field: str, where: str, ignored: set[str], notes: list[str] | None) -> None:
    """Say that a turn of `field` gives a call both in `tool_calls` and at `where` (a key of REPEATED_CALL_NOTE),
    read once: in `notes`, once; where no notes are kept, by naming `<field>[].<where>` in `ignored`."""
    if notes is None:
        ignored.add(f"{field}[].{where}")
    elif (note := REPEATED_CALL_NOTE[where].format(field=field)) not in notes:
        notes.append(note)


__all__ = [
    "ARGUMENT_KEYS",
    "REPEATED_CALL_NOTE",
    "brief",
    "calls_problem",
    "clash",
    "either",
    "has_value",
    "missing",
    "repeated_call",
    "unread_call_keys",
]
