"""A file's top-level field names for the field-mapping editor (`peek_fields`: a table's columns, or the keys of a
JSON file's first rows), read from the file's start where that settles them, without detecting a format. Its own
module: the Data page asks it before any load, where data.py loads, converts and votes on the rows (and re-exports
these: `from ftlib.data import peek_fields` works as before); what a file's start holds is column_peek's.

    peek_fields("chats.csv")           # FileFields(names=["question", "answer"], table=True)
    record_keys(records)               # the keys of (number, record) pairs, first seen first
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from ftlib.column_peek import FileStart
from ftlib.readers import TABLE_KINDS, DataError, text_records
from ftlib.rows import lone_surrogate

PEEK_ROWS = 1000  # rows `peek_fields` looks at for the keys of a JSON file


def record_keys(records: list[tuple[int, dict]]) -> list[str]:
    """The keys of `records` ((number, record) pairs), each once, first seen first."""
    # Not a key holding a lone surrogate: it cannot be printed or shown, and its row is refused naming it (escaped)
    return list(dict.fromkeys(k for _, r in records for k in r if lone_surrogate(k) is None))


class FileFields(NamedTuple):
    """`peek_fields`'s answer: a file's top-level field names, and whether it is a table (every row, every column)."""

    names: list[str]  # a table's columns, or the keys of a JSON file's first rows
    table: bool  # CSV/TSV/Parquet: every row has every column


def peek_fields(path: str | Path, name: str | None = None) -> FileFields:
    """The top-level fields of a file, for the field-mapping editor, from the file's start where that settles them
    (`column_peek.FileStart`: a table's header or schema, a JSONL file's first PEEK_ROWS lines); a bad byte or row
    further on is the full read's to refuse or name (`load_file`).

    It does not detect a format, so a file no format recognises still has fields. Raises DataError like load_file
    (`name` as there).
    """
    with FileStart(path, name) as start:
        if start.kind in TABLE_KINDS:
            return FileFields(start.columns(), True)
        # JSONL: its first PEEK_ROWS lines read and parsed alone (100,000 rows parsed for 1,000 took 2-5 s), if they
        # parse
        head = start.lines(PEEK_ROWS) if start.kind == "jsonl" else None
        try:
            records, errors, *_ = text_records(head, start.kind, start.name) if head else ([], [1])
        except DataError:  # those lines cut a pretty-printed value in two
            records, errors = [], [1]
        if errors or len(records) < PEEK_ROWS:  # the whole file: short, blank lines, pretty-printed JSON in a .jsonl
            data = start.whole()
            if not data.strip(b" \t\r\n\xef\xbb\xbf"):
                return FileFields([], False)
            records, *_ = text_records(data, start.kind, start.name)
    return FileFields(record_keys(records[:PEEK_ROWS]), False)


__all__ = ["PEEK_ROWS", "FileFields", "peek_fields", "record_keys"]
