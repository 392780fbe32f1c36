"""The first rows of a table as its file holds them, before any mapping: what the Data page shows above its column
boxes when the columns were not guessed (a sheet's `Customer Message`, `Agent Reply`), so the user maps seeing the
cells rather than the names alone.

    first_table_rows("support_tickets.csv", n=5) -> [{"Ticket ID": "T-1000", "Customer Message": "I can't ...", ...}]

Not here: reading the whole file into rows (data.load_file), the column names alone (data.peek_fields).
"""

from __future__ import annotations

from pathlib import Path

from ftlib.cell_checks import blank_rows
from ftlib.file_bytes import file_kind, opened, read_path, shown_name
from ftlib.readers import TABLE_KINDS, read_table
from ftlib.table_records import table_records

PEEK_TABLE_ROWS = 5  # rows shown: enough to tell an id from a question, few enough to stay above the boxes


def first_table_rows(path: str | Path, name: str | None = None, n: int = PEEK_TABLE_ROWS) -> list[dict]:
    """The first `n` rows of a CSV, TSV or Parquet file with a cell filled ({column: cell}, in the header's order, a
    blank cell as None; a sheet's blank rows left out); [] for a file that is not a table. `name` as `load_file`'s.
    Raises DataError for a file that cannot be read, as `load_file` does."""
    data, path = read_path(path)
    data, shown = opened(data, shown_name(Path(path), name))
    kind = file_kind(shown, data)
    if kind not in TABLE_KINDS:
        return []
    table = read_table(data, kind, shown)
    records, _, _ = table_records(table.columns, table.rows, table.delimiter)
    kept, _ = blank_rows(records)
    return [{c: record.get(c) for c in table.columns} for _, record in kept[:n]]


__all__ = ["PEEK_TABLE_ROWS", "first_table_rows"]
