"""A turn's text checked as the studio trains it: a non-empty string of valid unicode, or a RowProblem saying what
the field holds instead and how to write it.

    text("Blue.", "the output")                  -> "Blue."
    text(42, "the output")                       -> RowProblem: the output must be text, but it is a number: ...
    turn_text({"role": "user", "text": "Hi"}, None, "turn 1 (user) of 'messages'")
                                                 -> RowProblem: ... has no 'content' (it has 'text': name that key ...)

It lives below turns.py (which re-exports all three) so that the reading of an assistant turn's reasoning
(turn_reasoning.py) can check text without an import cycle. Not known here: which fields hold turns (formats.py),
what a turn's keys mean (turns.py).
"""

from __future__ import annotations

import json
import math
from typing import Any

from ftlib.row_problem import RowProblem
from ftlib.turn_keys import missing

# What NaN is, where a row holds one (Python's json reads the bare NaN JSON itself has no word for; pandas writes it
# for an empty cell): said as the file says it, not as null
NAN = "NaN (not a number, as pandas writes an empty cell)"


def is_nan(value: Any) -> bool:
    """Whether `value` is a float NaN: a JSONL row's bare `NaN`, an empty cell of a pandas export."""
    return isinstance(value, float) and math.isnan(value)


def kind_name(value: Any) -> str:
    """A plain-words name for a JSON value's type, for error messages."""
    if isinstance(value, bool):
        return "true/false"
    if is_nan(value):
        return NAN
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "text" if isinstance(value, str) else "null" if value is None else type(value).__name__


def turn_text(turn: dict, content: Any, where: str) -> str:
    """A turn's text (`text`); without one, a RowProblem saying what it holds instead (null, or text under a key
    such as 'text')."""
    if missing(content):  # named by the file's own key: ShareGPT's `value` beside `from`, else `content`
        key = "value" if "value" in turn or ("from" in turn and "content" not in turn) else "content"
        held = next((k for k in ("text", "message", "body", "utterance") if isinstance(turn.get(k), str)), None)
        said = f"it has '{held}': name that key '{key}'" if held else "give it the turn's text"
        if is_nan(content):
            raise RowProblem(f"{where} has NaN as its '{key}' (not a number, as pandas writes an empty cell: {said})")
        raise RowProblem(f"{where} has {'a null' if key in turn else 'no'} '{key}' ({said})")
    return text(content, where)


def text(value: Any, what: str, optional: bool = False) -> str | None:
    """A non-empty string, or None for an optional field left empty; RowProblem otherwise."""
    if missing(value) or (optional and value == ""):
        if optional:
            return None
        raise RowProblem(f"{what} is {NAN}: write its text there" if is_nan(value) else f"{what} is missing")
    if not isinstance(value, str):
        quoted = f' (in quotes: "{json.dumps(value)}")' if isinstance(value, (int, float)) else ""
        raise RowProblem(f"{what} must be text, but it is {kind_name(value)}: write it as text{quoted}")
    if not value.strip():
        if optional:
            return None
        raise RowProblem(f"{what} is empty: write its text there")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # A JSON escape like \ud800 (half of a surrogate pair) is no character at all; tokenizers, pages and
        # file writers all fail on it later.
        raise RowProblem(
            f"{what} holds an invalid character (a lone surrogate such as \\ud800): not valid unicode text"
        ) from None
    return value


__all__ = ["NAN", "is_nan", "kind_name", "text", "turn_text"]
