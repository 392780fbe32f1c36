"""The first rows of a table as its file holds them, before any mapping: what the Data page shows above its column
boxes when the columns were not guessed (a sheet's `Customer Message`, `Agent Reply`), so the user maps seeing the
cells rather than the names alone.

    first_table_rows("support_tickets.csv", n=5) -> [{"Ticket ID": "T-1000", "Customer Message": "I can't ...", ...}]

They are read from the file's start (`column_peek.FileStart`), as the column boxes' names are: a CSV or TSV file's
first lines, as many as hold the rows shown and the sample its delimiter is sniffed from (so the delimiter is the
whole text's); a Parquet file's first batches. A 1 GB CSV costs its first few MiB, not a decode of every row at each
open of the Data page. What the start cannot settle is read whole, as before: `column_peek`'s cases (a compressed
file, lines ended by a carriage return alone) and a start that is refused (a byte UTF-8 cannot read, a column named
twice: the whole file's read names every place). A start whose last row is cut inside a quoted cell is read further.
A bad byte or a broken row past the rows shown is the full read's to refuse or name.

Not here: reading the whole file into rows (data.load_file), the column names alone (data.peek_fields).
"""

from __future__ import annotations

import csv
from pathlib import Path

from ftlib.cell_checks import blank_rows
from ftlib.column_peek import FileStart
from ftlib.csv_dialect import SNIFF_CHARS, table_start
from ftlib.file_bytes import DataError
from ftlib.file_lines import table_lines
from ftlib.readers import TABLE_KINDS, binary_as_text, read_table, repeated_columns
from ftlib.table_records import table_records

PEEK_TABLE_ROWS = 5  # rows shown: enough to tell an id from a question, few enough to stay above the boxes
FIRST_LINES = 1024  # lines of a CSV/TSV file read first; four times as many each time they do not settle the rows


def first_table_rows(path: str | Path, name: str | None = None, n: int = PEEK_TABLE_ROWS) -> list[dict]:
    """The first `n` rows of a CSV, TSV or Parquet file with a cell filled ({column: cell}, in the header's order, a
    blank cell as None; a sheet's blank rows left out); [] for a file that is not a table. `name` as `load_file`'s.
    Read from the file's start (see the module docstring). Raises DataError for a file that cannot be read, as
    `load_file` does (what lies past the rows shown is not looked at)."""
    with FileStart(path, name) as start:
        if start.kind not in TABLE_KINDS:
            return []
        if start.kind == "parquet":
            return _parquet_rows(start, n)
        lines = FIRST_LINES
        while (head := start.lines(lines)) is not None:
            try:
                rows = _start_rows(head, start.kind, start.name, n)
            except DataError:  # refused as the whole file is, with every place it holds a bad byte
                break
            if rows is not None:
                return rows
            lines *= 4
        return _rows(read_table(start.whole(), start.kind, start.name), n)


def _rows(table, n: int) -> list[dict]:
    """The first `n` rows of a `readers.Table` with a cell filled."""
    records, _, _ = table_records(table.columns, table.rows, table.delimiter)
    kept, _ = blank_rows(records)
    return [{c: record.get(c) for c in table.columns} for _, record in kept[:n]]


def _start_rows(head: bytes, kind: str, name: str, n: int) -> list[dict] | None:
    """The first `n` rows with a cell filled of a CSV/TSV file whose first lines are `head` (the file goes on past
    them), as `read_table` reads them from the whole file; None when `head` does not settle them: fewer such rows,
    a .csv's text too short for its delimiter to be sniffed as from the whole text (SNIFF_CHARS), or lines that do
    not parse (the last row's quoted cell cut by the end of `head`). DataError for a byte UTF-8 cannot read in them
    or a header naming a column twice (the whole file's read says it, with every place)."""
    if kind == "csv" and len(head.decode("utf-8", "replace")) <= SNIFF_CHARS + 1:  # + 1: a BOM
        return None
    try:
        delimiter, hint, source = table_start(table_lines(head, name), kind)
        csv.field_size_limit(2**31 - 1)  # as read_table: long answers are normal
        reader = csv.DictReader(source, delimiter=delimiter, strict=True)
        columns = list(reader.fieldnames or [])
        if not columns:
            return None
        repeated_columns(columns, name, 2 if hint else 1)
        shown: list[dict] = []
        for row in reader:
            records, _, _ = table_records(columns, [row], delimiter)
            kept, _ = blank_rows(records)
            shown += [{c: record.get(c) for c in columns} for _, record in kept]
            if len(shown) == n:
                return shown
    except csv.Error:
        return None
    return None


def _parquet_rows(start: FileStart, n: int) -> list[dict]:
    """The first `n` rows with a cell filled of a Parquet file, from its first batches (`read_table`'s reading of
    them: text stored as bytes read as text, Parquet's union-of-keys nulls left out; `readers.parquet_batches`, on
    this thread as every Parquet read)."""
    from ftlib.readers import parquet_batches, parquet_rows

    source = start.whole() if start.at_end else open(start.path, "rb")  # noqa: SIM115 (closed below)
    try:
        batches = parquet_batches(source, start.name, max(64, n))
        columns = next(batches)
        repeated_columns(columns, start.name, None)
        shown: list[dict] = []
        for batch in batches:
            table, _ = binary_as_text(batch, start.name)
            rows, _ = parquet_rows(table)
            records, _, _ = table_records(columns, rows, None)
            kept, _ = blank_rows(records)
            shown += [{c: record.get(c) for c in columns} for _, record in kept]
            if len(shown) >= n:
                break
        return shown[:n]
    finally:
        if not isinstance(source, bytes):
            source.close()


__all__ = ["FIRST_LINES", "PEEK_TABLE_ROWS", "first_table_rows"]
