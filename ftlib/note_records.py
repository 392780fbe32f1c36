"""What a file's notes read of its records, kept while the records themselves are let go as their rows are made.

    notes = NoteRecords(fmt)
    for number, record in drained(records):       # each record's place in the list emptied as it is given
        notes.add(number, record, shape)           # before it is converted
    file_notices(ignored, notes.looking(), ...)    # and blank_values(notes.records, ...), placeholder_cells(...)

`data._load` held every parsed record until the file's notes were made, beside the canonical rows converted from them
(BENCHMARKS, "Reading a big file, as the Data page does": the records' dicts and lists 1.2x the file under
tracemalloc). Those notes read little of a record: `notices.file_notices` the records that look like another format,
`blank_values` which of its top-level fields are blank, `cell_checks.placeholder_cells` which hold a placeholder or a
formula, and that text (`cut_cells` a text cut at Excel's limit). So a record that looks like no other format is
kept as that much: its keys, None for a blank value, a placeholder's, formula's or cut text's own text under a field
the format reads, True for any other value (neither blank nor a placeholder to those notes); records alike so share
one dict. The notes are those the records themselves gave.
Not known here: the notes' wording (notices.py, blank_values.py, cell_checks.py), the load (data.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from ftlib.blank_values import is_blank
from ftlib.cell_checks import cell_kind, is_cut
from ftlib.formats import FORMAT_FIELDS
from ftlib.notices import looks_like
from ftlib.turn_text import is_nan

SHARED = 1024  # kinds of reduced record shared (a sheet's formulas may make one per row: those are not kept twice)
_NOTHING = (0, {})  # a record no format is detected in (`formats.detect_row_format({})` is None)
_NAN = math.nan  # one NaN for each blank NaN kept: records alike share a reduced record (tuples compare by identity)


def drained(items: list) -> Iterator[Any]:
    """Each item of `items` in order, its place in the list set to None as it is given: once the caller lets go of
    it, the list no longer holds it (kept whole, it held every record until the last was converted).

    >>> items = [1, 2]
    >>> [(item, list(items)) for item in drained(items)]
    [(1, [None, 2]), (2, [None, None])]
    """
    for index in range(len(items)):
        item, items[index] = items[index], None
        yield item


def _blank(value: Any) -> Any:
    """A blank value as the notes keep it: None, or NaN where the row holds one (blank_values says it as written)."""
    return _NAN if is_nan(value) else None


class NoteRecords:
    """The records of a file read as `fmt`, as its notes read them (see the module docstring): `records` for
    `blank_values` and `placeholder_cells`, `looking()` for `file_notices`; in the order they were added."""

    def __init__(self, fmt: str) -> None:
        self.fields = FORMAT_FIELDS[fmt]  # what placeholder_cells looks at
        self.records: list[tuple[int, dict]] = []  # (row number, the record or what the notes read of it)
        self._looking: list[tuple[int, dict]] = []  # the records that look like another format, whole
        self._shared: dict[tuple, dict] = {}

    def add(self, number: int, record: dict, shape: str) -> None:
        """Keep what the notes read of `record`, row `number`, read as `shape` (`notices.own_chat_shape(record,
        fmt)`): the whole record where it looks like another format (`file_notices` names what it holds)."""
        own = looks_like(record)
        if own and own != shape:
            self._looking.append((number, record))
            self.records.append((number, record))
            return
        fields = self.fields
        kept = tuple(
            (k, _blank(v) if is_blank(v) else v if k in fields and (cell_kind(v) or is_cut(v)) else True)
            for k, v in record.items()
        )
        reduced = self._shared.get(kept)
        if reduced is None:
            reduced = dict(kept)
            if len(self._shared) < SHARED:
                self._shared[kept] = reduced
        self.records.append((number, reduced))

    def looking(self) -> list[tuple[int, dict]]:
        """The records as `notices.file_notices` reads them: those that look like another format, whole, and an empty
        record for each of the others (none looks like any format), so that their number is the file's."""
        return self._looking + [_NOTHING] * (len(self.records) - len(self._looking))


__all__ = ["SHARED", "NoteRecords", "drained"]
