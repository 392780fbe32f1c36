"""Tool results written as Anthropic's Messages API writes them: content parts of a user turn, not turns of their own.

    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "18C"},
                                 {"type": "text", "text": "And tomorrow?"}]}
    -> {"role": "tool", "tool_call_id": "toolu_1", "content": "18C"}, {"role": "user", "content": "And tomorrow?"}

The calls they answer are `tool_use` parts of the assistant turn before (turns.CALL_PARTS reads those). Chat
templates know a tool's result as a turn with the role `tool`, so each part becomes one, in order; text parts beside
them (Anthropic's API puts them after the results) stay the user's turn. `is_error: true` is not read by any chat
template: the part's turn keeps its text and the row's report names the key, as any key not read.

Not known here: how a turn is read (turns.py).
"""

from __future__ import annotations

from typing import Any

TOOL_RESULT = "tool_result"


def split_tool_results(turn: Any) -> list[Any]:
    """`turn` as the turns it holds: its tool-result parts as tool turns, then the rest of its content as the
    user's turn (left out when nothing else is in it); `[turn]` for any turn without a tool-result part.

    >>> split_tool_results({"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "9"}]})
    [{'role': 'tool', 'content': '9', 'tool_call_id': 't1'}]
    >>> split_tool_results({"role": "user", "content": "Hi"})
    [{'role': 'user', 'content': 'Hi'}]
    """
    parts = turn.get("content") if isinstance(turn, dict) and turn.get("role") == "user" else None
    if not (isinstance(parts, list) and any(isinstance(p, dict) and p.get("type") == TOOL_RESULT for p in parts)):
        return [turn]
    results, rest = [], []
    for part in parts:
        if isinstance(part, dict) and part.get("type") == TOOL_RESULT:
            read = {"role": "tool", "content": part.get("content", "")}
            read.update({k: v for k, v in part.items() if k not in ("type", "content", "tool_use_id")})
            if part.get("is_error") is False:  # the default: says nothing
                del read["is_error"]
            if "tool_use_id" in part:
                read["tool_call_id"] = part["tool_use_id"]
            results.append(read)
        else:
            rest.append(part)
    return results + ([{**turn, "content": rest}] if rest else [])


__all__ = ["TOOL_RESULT", "split_tool_results"]
