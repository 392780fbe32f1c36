"""What is wrong with one line of a JSONL file, in words where JSON's decoder's own are cryptic: a line cut short or
one object written over several lines ("Expecting ',' delimiter, column 36"), text holding a raw line break, a row
printed by Python (single quotes, True/False/None), a comma after the object as a JSON array's items are written.
Its own module: the words for one line's error are apart from reading the file (readers.jsonl_records, which gives
each such line a `RowError` with them); what json's decoder found wrong in a whole document is json_rows'.

    line_error(exc, '{"a": 1},')   # "this line ends with a comma after its object: JSON Lines has one object ..."
"""

from __future__ import annotations

import json

from ftlib.json_rows import json_problem


def line_problem(exc: json.JSONDecodeError, line: str) -> str:
    """What is wrong with one JSONL line, in words where JSON's own are cryptic: a line that stops before its JSON
    does (cut short, or one object written over several lines) was "Expecting ',' delimiter, column 36".

    >>> line_problem(json.JSONDecodeError("Expecting ',' delimiter", '{"a": "b"', 9), '{"a": "b"')
    'it ends before its JSON does, a closing } or ] missing; the line was cut short, or one object is written over \
several lines: write each on one line'
    >>> line_problem(json.JSONDecodeError("Expecting property name", "{'a': 1}", 1), "{'a': 1}")[:55]
    'it is written with single quotes at column 2, as Python'"""
    if exc.msg.startswith("Unterminated string"):
        return (
            f'the text that starts at column {exc.colno} has no closing " on it; the line was cut short, or the text '
            "holds a line break: write it as \\n"
        )
    if exc.pos >= len(line):
        return (
            "it ends before its JSON does, a closing } or ] missing; the line was cut short, or one object is written "
            "over several lines: write each on one line"
        )
    python = "as Python prints a dict (`str(row)`), not as JSON: write each line with `json.dumps(row)`"
    if line[exc.pos] == "'" and exc.msg.startswith(("Expecting property name", "Expecting value")):
        return f"it is written with single quotes at column {exc.colno}, {python}"
    if exc.msg.startswith("Expecting value") and line.startswith(("True", "False", "None"), exc.pos):
        return f"it holds True, False or None (JSON's true, false, null) at column {exc.colno}, {python}"
    return f"{json_problem(exc)} (column {exc.colno})"


def line_error(exc: json.JSONDecodeError, line: str) -> str:
    """A JSONL line's error: a comma after its object (`{...},`, as a JSON array's items are written) in words.

    >>> line_error(json.JSONDecodeError("Extra data", '{"a": 1},', 8), '{"a": 1},')
    'this line ends with a comma after its object: JSON Lines has one object per line with nothing after it; remove \
the comma'"""
    if exc.msg == "Extra data" and line[exc.pos :].strip() == ",":
        return (
            "this line ends with a comma after its object: JSON Lines has one object per line with nothing after it; "
            "remove the comma"
        )
    return f"this line is not valid JSON: {line_problem(exc, line)}"


__all__ = ["line_error", "line_problem"]
