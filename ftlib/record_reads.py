"""A raw record as a converter reads it: which keys were read (the rest named as not read), a field's text read as
the list or object it holds, the row's `system` field as its first turn, and the notes on how a field was read.

formats.py's converters build on these; `Record` is re-exported there. Not known here: which format a record is
(format_detect), the converters themselves (formats), files (readers).
"""

from __future__ import annotations

from typing import Any

from ftlib.cells import looks_written_as_list, python_value
from ftlib.format_detect import FORMAT_NEEDS
from ftlib.format_notes import PYTHON_CELL_NOTE, format_label
from ftlib.json_rows import RepeatedKeys
from ftlib.turn_text import NAN, is_nan
from ftlib.turns import RowProblem, has_value, missing, parse_json, text


class Record:
    """A raw record that remembers which keys a converter read (the rest are reported as ignored)."""

    def __init__(self, data: dict, fmt: str, table: bool = False):
        self.data, self.fmt, self.used = data, fmt, set()
        self.table = table  # a CSV/TSV/Parquet row: JSON text in a cell is how a table writes an object
        self.nested: set[str] = set()  # keys of turns, tool calls and parts that were not read
        self.notes: list[str] = []
        self.warnings: list[str] = []

    def get(self, key: str) -> Any:
        self.used.add(key)
        return self.data.get(key)

    def has(self, key: str) -> bool:
        return has_value(self.data.get(key))

    def require(self, key: str) -> Any:
        value = self.get(key)
        if missing(value):
            needs = f"rows read as {format_label(self.fmt)} need {FORMAT_NEEDS[self.fmt]}"
            if key not in self.data:
                raise RowProblem(f"the '{key}' field is missing: {needs}", field=key)
            # `"output": null` is there, but empty: what to do, and the format's needs where they name it (a pair's
            # null 'prompt' is not one of the 'chosen' and 'rejected' every pair needs)
            needs = f"{needs}; fill it in" if f"'{key}'" in FORMAT_NEEDS[self.fmt] else "fill it in"
            null = NAN if is_nan(value) else "null"  # as the file says it
            raise RowProblem(f"the '{key}' field is {null}: {needs}, or leave the row out", field=key)
        return value

    def ignored(self) -> list[str]:
        top = [k for k, v in self.data.items() if k not in self.used and has_value(v)]
        return top + sorted(self.nested)


def add_note(rec: Record, note: str) -> None:
    """Adds `note` (how a field was read) to the record's notes once; the file's report says each once."""
    if note not in rec.notes:
        rec.notes.append(note)


def as_written(rec: Record, value: Any, field: str, accept) -> Any:
    """`value`, or what its text holds when that is a list or object: its JSON, else its Python repr (a pandas
    cell, ftlib.cells) when `accept` takes it, said in a note. Other text, broken JSON included, is returned as is.
    Raises RowProblem for JSON that writes a key twice."""
    if not looks_written_as_list(value):
        return value
    try:
        return parse_json(value)
    except RepeatedKeys as exc:  # valid JSON, but the first value of a key would be lost
        raise RowProblem(f"the '{field}' field cannot be read: {exc}") from None
    except Exception:  # JSONDecodeError, JSONProblem: perhaps Python's repr
        pass
    parsed = python_value(value)
    if parsed is None or not accept(parsed):
        return value
    add_note(rec, PYTHON_CELL_NOTE.format(field=field))
    return parsed


def with_system(rec: Record, messages: list[dict]) -> list[dict]:
    """`messages` after the row's `system` field as their first turn; a conversation with a different system turn
    of its own keeps it, with a warning."""
    # A top-level "system" field (common in ShareGPT dumps) becomes the first turn unless one is there.
    system = text(rec.get("system"), "the 'system' field", optional=True)
    if system and messages[0]["role"] != "system":
        return [{"role": "system", "content": system}, *messages]
    if system and system.strip() != messages[0]["content"].strip():
        rec.warnings.append(
            "the 'system' field is not used: the conversation opens with a system turn of its own, which is used "
            "instead. Remove one of the two, or make them the same"
        )
    return messages
