"""A data file's column names (or its first rows, for their keys) from the start of the file only: what the Data
page's field-mapping editor lists, read at every open of the editor.

    with FileStart("big.csv") as start:      # its first HEAD_BYTES read from disk, more only when asked
        start.kind                           # jsonl | json | csv | tsv | parquet, as `file_kind` says
        start.columns()                      # a CSV/TSV header or a Parquet schema: ["question", "answer"]
        start.lines(1000)                    # a JSONL file's first 1,000 lines as bytes (None: that is all of it)
        start.whole()                        # every byte, as `read_path` + `opened` give them
    peek_columns("big.parquet")              # the same columns, or None for JSON

The columns are those `readers.table_columns` finds in the whole file's text (the same header, the same delimiter
sniffed from the same first `csv_dialect.SNIFF_CHARS` characters): the text is decoded only as far as that needs,
so a 1 GB CSV costs its first 2 MiB, not a decode of every byte at each open of the editor. A Parquet file's
schema is read from its footer (pyarrow seeks there), not from a copy of the file.

What the start cannot settle is read whole, as before: a byte UTF-8 cannot read in the lines looked at (refused
by `decode_text` with every place it finds in the file), a header line longer than what has been read, a file
whose lines end with a carriage return alone, a compressed file (opened whole by `opened`: its start says nothing
of the rest), a JSON file. A bad byte or a broken row further on is not looked for here: the full read
(`data.load_file`) refuses or names it, as it always did.

Not known here: formats, mapping, rows (data.py).
"""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

from ftlib.csv_dialect import SNIFF_CHARS, excel_hint, sniff_delimiter
from ftlib.data_budget import opened_bound
from ftlib.file_bytes import _compression, check_path, check_text, file_kind, opened, read_path, shown_name
from ftlib.readers import TABLE_KINDS, DataError, parquet_columns, table_columns

# The first read: a header and the sample its delimiter is sniffed from (SNIFF_CHARS characters, 1 MiB of
# mostly ASCII text) fit in it. Each further read doubles what has been read.
HEAD_BYTES = 2 << 20


class FileStart:
    """The start of a data file, as `opened` gives it, read from disk only as far as asked; a context manager that
    closes the file. DataError as `read_path`, `opened` and `file_kind` raise it. `name` as `shown_name`'s."""

    def __init__(self, path: str | Path, name: str | None = None):
        path = check_path(path)
        self.path, self.name = path, shown_name(path, name)
        try:
            self._file = open(path, "rb")  # closed by close(), or the context manager's exit
        except PermissionError:
            read_path(path)  # raises its DataError: permission denied, and what to do
            raise
        try:
            self._data = self._file.read(HEAD_BYTES)
            self.at_end = len(self._data) < HEAD_BYTES  # every byte of the file has been read
            if _compression(self._data[:8]) is not None:  # what it holds is known only once opened whole
                self._data, self.name = opened(self.whole(), self.name, opened_bound())
            try:
                self.kind = file_kind(self.name, self._data)
            except DataError:
                if self.at_end:
                    raise
                self.kind = file_kind(self.name, self.whole())  # > HEAD_BYTES of blank space before its { or [
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> FileStart:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()

    def _more(self) -> None:
        """Read as much again as has been read (at most to the file's end)."""
        asked = max(len(self._data), HEAD_BYTES)
        chunk = self._file.read(asked)
        self._data += chunk
        self.at_end = len(chunk) < asked

    def whole(self) -> bytes:
        """Every byte of the file (the file a compressed one holds), read from disk at most once more."""
        if not self.at_end:
            self._file.seek(0)  # one read into one buffer, as `read_path` does: not the start joined to the rest
            self._data, self.at_end = self._file.read(), True
        return self._data

    def lines(self, n: int) -> bytes | None:
        """The first `n` lines of the file with their line ends, as bytes; None when they are all of it (the file
        holds `n` lines or fewer, the last without a line end)."""
        while self._data.count(b"\n") < n and not self.at_end:
            self._more()
        end = 0
        for _ in range(n):
            end = self._data.find(b"\n", end) + 1 or len(self._data)
        return self._data[:end] if 0 < end < len(self._data) or not self.at_end else None

    def columns(self) -> list[str]:
        """The column names of a CSV, TSV or Parquet file, as `readers.table_columns` reads them from the whole file;
        DataError as it raises it (a Parquet footer that does not read; UTF-16, binary)."""
        if self.kind == "parquet":
            return parquet_columns(self._data if self.at_end else self._file, self.name)
        while not self.at_end:
            if (found := self._header()) is not None:
                return found
            self._more()
        return table_columns(self._data, self.name, self.kind)

    def _header(self) -> list[str] | None:
        """The header of a CSV or TSV file from the lines read so far, when they settle it as the whole text would:
        its first line, and for a .csv without Excel's `sep=` line more than SNIFF_CHARS characters to sniff its
        delimiter from (`sniff_delimiter` cuts the text there); None when more must be read first."""
        end = self._data.rfind(b"\n") + 1
        if not end:
            return None
        check_text(self._data, self.name)  # UTF-16/32, binary: refused from the first 8 KB, as the whole file is
        bom = len(codecs.BOM_UTF8) if self._data.startswith(codecs.BOM_UTF8) else 0
        try:
            text = str(memoryview(self._data)[bom:end], "utf-8").replace("\n\ufeff", "\n")  # as `decode_text`
        except UnicodeDecodeError:
            self.whole()  # refused by table_columns with every place the file holds one, as before
            return None
        hint, text = excel_hint(text)
        if "\n" not in text or not (hint or self.kind == "tsv" or len(text) > SNIFF_CHARS):
            return None
        delimiter = hint or ("\t" if self.kind == "tsv" else sniff_delimiter(text))
        return next(csv.reader([text[: text.index("\n")]], delimiter=delimiter), [])  # as table_columns reads it


def peek_columns(path: str | Path, name: str | None = None) -> list[str] | None:
    """The column names of a CSV/TSV/Parquet file (header or schema only, from the file's start: `FileStart`); None
    for JSON. `name`: as `shown_name`. DataError for a file that cannot be read."""
    with FileStart(path, name) as start:
        return start.columns() if start.kind in TABLE_KINDS else None


__all__ = ["HEAD_BYTES", "FileStart", "peek_columns"]
