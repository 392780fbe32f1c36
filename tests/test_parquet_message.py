"""A Parquet file pyarrow cannot read is refused in one message by every reader of it (the whole table, its
batches, its footer's columns, the field-mapping editor's peek): written once, in ftlib.readers."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftlib import column_peek, readers
from ftlib.readers import DataError

BROKEN = b"PAR1 not a footer PAR1"


def _said(call) -> str:
    with pytest.raises(DataError) as raised:
        call()
    return str(raised.value)


def test_every_parquet_reader_refuses_a_broken_file_in_the_same_words(tmp_path):
    path = tmp_path / "bad.parquet"
    path.write_bytes(BROKEN)
    said = {
        "read_parquet": _said(lambda: readers.read_parquet(BROKEN, "bad.parquet")),
        "parquet_batches": _said(lambda: list(readers.parquet_batches(BROKEN, "bad.parquet", 10))),
        "parquet_columns": _said(lambda: readers.parquet_columns(BROKEN, "bad.parquet")),
        "peek_columns": _said(lambda: column_peek.peek_columns(path, "bad.parquet")),
    }
    for where, text in said.items():
        assert text.startswith("bad.parquet is not a readable Parquet file (") and text.endswith(")."), (where, text)


def test_the_message_is_written_once_in_the_engine():
    engine = Path(readers.__file__).parent
    written = {p.name: n for p in sorted(engine.rglob("*.py")) if (n := p.read_text().count("readable Parquet file"))}
    assert written == {"readers.py": 1}, written
