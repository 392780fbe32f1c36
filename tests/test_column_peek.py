"""The field-mapping editor's column peek reads the start of a file, not the whole of it (ftlib/column_peek.py): a
large CSV, JSONL or Parquet file cost a read and a decode of every byte at each open of the editor. The columns are
the ones the whole file gave, and what is wrong further on (a byte UTF-8 cannot read, a broken line) is still
refused or named by the full read (`data.load_file`), only not by the peek."""

from __future__ import annotations

import io
import json
import pathlib

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ftlib import column_peek, readers
from ftlib.column_peek import HEAD_BYTES
from ftlib.data import DataError, FileFields, load_file, peek_columns, peek_fields
from ftlib.file_bytes import file_kind


class CountingFile(io.BufferedReader):
    """A file opened for reading that counts the bytes read from it (pyarrow reads through read or readinto)."""

    total = 0

    def read(self, size=-1):
        out = super().read(size)
        CountingFile.total += len(out)
        return out

    def readinto(self, buffer):
        n = super().readinto(buffer)
        CountingFile.total += n or 0
        return n


def start_only(monkeypatch) -> None:
    """From here on only the start of a file may be read: reading it whole (`Path.read_bytes`, as `read_path` does)
    or decoding its whole text (`decode_text`) fails the test; CountingFile.total counts what the peek reads.
    `monkeypatch.undo()` ends it."""
    CountingFile.total = 0
    monkeypatch.setattr(column_peek, "open", lambda path, mode: CountingFile(io.FileIO(path, mode)), raising=False)

    def whole(*args, **kwargs):
        raise AssertionError("the whole file was read or decoded")

    monkeypatch.setattr(pathlib.Path, "read_bytes", whole)
    monkeypatch.setattr(readers, "decode_text", whole)


def big(path: pathlib.Path, head: str, row: str, tail: bytes = b"", size: int = 3 * HEAD_BYTES) -> pathlib.Path:
    """A file of `head`, then `row` repeated to about `size` bytes, then `tail` (bytes) as its last line."""
    path.write_bytes((head + row * (size // len(row.encode()) + 1)).encode() + tail)
    return path


def test_a_big_csv_is_peeked_from_its_start_and_a_late_bad_byte_is_refused_by_the_full_read(tmp_path, monkeypatch):
    # An Excel export: a BOM, semicolons, a comma inside quotes; a byte of Windows-1252 on its last line.
    path = big(
        tmp_path / "export.csv",
        "\ufeffquestion;answer\r\n",
        'What is 2+2?;"Four, as 2+2=4."\r\n',
        tail="Stra\xdfe?;Road.\r\n".encode("cp1252"),
    )
    last_line = path.read_bytes().count(b"\n")
    start_only(monkeypatch)
    assert peek_fields(path) == FileFields(["question", "answer"], True)
    assert 0 < CountingFile.total < path.stat().st_size / 2, CountingFile.total
    CountingFile.total = 0
    assert peek_columns(path) == ["question", "answer"]
    assert 0 < CountingFile.total < path.stat().st_size / 2, CountingFile.total
    monkeypatch.undo()
    with pytest.raises(DataError, match=f"byte 0xdf on line {last_line}, column 5"):
        load_file(path)


def test_a_bad_byte_among_the_lines_peeked_is_refused_there_as_the_full_read_refuses_it(tmp_path):
    path = big(tmp_path / "export.csv", "question,answer\nCaf\xe9?,Coffee.\n", "What is 2+2?,Four.\n")
    path.write_bytes(path.read_bytes().replace(b"Caf\xc3\xa9", b"Caf\xe9"))  # Windows-1252's é on line 2
    with pytest.raises(DataError) as peeked:
        peek_fields(path)
    with pytest.raises(DataError) as read:
        load_file(path)
    assert str(peeked.value) == str(read.value) and "byte 0xe9 on line 2" in str(read.value)


def test_a_big_jsonl_file_is_peeked_from_its_first_rows_and_a_late_broken_line_is_named(tmp_path, monkeypatch):
    row = json.dumps({"prompt": "Say hi. " * 100, "completion": "Hello. " * 100}) + "\n"
    path = big(tmp_path / "chats.jsonl", "", row, tail=b'{"prompt": "cut short\n')
    last_line = path.read_bytes().count(b"\n")
    start_only(monkeypatch)
    assert peek_fields(path) == FileFields(["prompt", "completion"], False)
    assert 0 < CountingFile.total < path.stat().st_size / 2, CountingFile.total
    monkeypatch.undo()
    assert [e.row for e in load_file(path).errors] == [last_line]


def test_a_big_parquet_file_is_peeked_from_its_footer(tmp_path, monkeypatch):
    n = 40_000
    table = pa.table(
        {
            "prompt": [f"Question number {i}, asked at length. " * 5 for i in range(n)],
            "messages": [[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]] * n,
            "meta": [{"source": "web", "id": i} for i in range(n)],
        }
    )
    path = tmp_path / "big.parquet"
    pq.write_table(table, path, compression="none", use_dictionary=False)
    start_only(monkeypatch)
    assert peek_fields(path) == FileFields(["prompt", "messages", "meta"], True)
    assert 0 < CountingFile.total < path.stat().st_size / 2, CountingFile.total  # the first read and the footer


# (id, file name, its text): the shapes the data tests read, each with the columns or keys the whole file gives.
CSV_BOM = "\ufeffprompt,completion\r\nHi,Hello\r\n"
SHAPES = [
    ("csv_with_bom", "faq.csv", CSV_BOM, ["prompt", "completion"]),
    ("csv_semicolons", "export.csv", 'question;answer\nWhat is 2+2?;"Four, as 2+2=4."\n', ["question", "answer"]),
    ("csv_excel_sep_line", "excel.csv", "sep=;\r\nquestion;answer\r\nA?;B.\r\n", ["question", "answer"]),
    ("csv_quoted_header", "q.csv", '"the question","the, answer"\n"x","y"\n', ["the question", "the, answer"]),
    ("csv_wide_characters", "emoji.csv", "问题;答案\n" + "你好吗 😀😀😀😀;很好 😀😀😀\n", ["问题", "答案"]),
    ("tsv", "pairs.tsv", "prompt\tcompletion\nSay hi, politely.\tHello.\n", ["prompt", "completion"]),
    (
        "json_array",
        "rows.json",
        json.dumps([{"instruction": "Sum", "output": "2"}, {"instruction": "Add", "input": "1+1", "output": "2"}]),
        ["instruction", "output", "input"],
    ),
    ("jsonl", "rows.jsonl", '{"prompt": "Hi?", "completion": "Hello."}\n{"text": "Plain."}\n', None),
    (
        "jsonl_nested",
        "chats.jsonl",
        json.dumps({"messages": [{"role": "user", "content": "hi"}], "meta": {"source": "web"}}) + "\n",
        ["messages", "meta"],
    ),
]


@pytest.mark.parametrize("name, text, keys", [s[1:] for s in SHAPES], ids=[s[0] for s in SHAPES])
@pytest.mark.parametrize("size", ["small", "big"])
def test_the_peek_gives_the_columns_the_whole_file_gives(tmp_path, name, text, keys, size):
    if size == "big" and not name.endswith(".json"):  # a JSON array is read whole, big or small
        path = big(tmp_path / name, text, text.split("\n", 1)[1] or text)  # its rows again, past 2 first reads
    else:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
    whole = path.read_bytes()
    kind = file_kind(name, whole)
    fields = peek_fields(path)
    if kind in ("csv", "tsv"):  # the columns the whole file's text gives (what the peek decoded before)
        assert fields == FileFields(readers.table_columns(whole, name, kind), True) == FileFields(keys, True)
    else:
        assert fields == FileFields(keys or ["prompt", "completion", "text"], False)


def test_nested_parquet_columns_are_its_schemas_top_level_names(tmp_path):
    path = tmp_path / "chats.parquet"
    pq.write_table(
        pa.table({"messages": [[{"role": "user", "content": "hi"}]], "meta": [{"source": "web"}], "n": [1]}), path
    )
    assert peek_fields(path) == FileFields(readers.table_columns(path.read_bytes(), "chats.parquet", "parquet"), True)
    assert peek_fields(path) == FileFields(["messages", "meta", "n"], True)
