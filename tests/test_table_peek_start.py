"""`table_peek.first_table_rows` reads a table's first rows from the file's start (`column_peek.FileStart`): the rows
the whole file's read gave, without reading or decoding the whole file."""

from __future__ import annotations

import random

import pytest

from ftlib.cell_checks import blank_rows
from ftlib.column_peek import FileStart
from ftlib.readers import read_table
from ftlib.table_peek import first_table_rows
from ftlib.table_records import table_records


def whole_read(path, n=5):
    """The rows as `first_table_rows` gave them before: the whole file read and decoded."""
    data = path.read_bytes()
    kind = {".csv": "csv", ".tsv": "tsv", ".parquet": "parquet"}[path.suffix]
    table = read_table(data, kind, path.name)
    records, _, _ = table_records(table.columns, table.rows, table.delimiter)
    kept, _ = blank_rows(records)
    return [{c: record.get(c) for c in table.columns} for _, record in kept[:n]]


def no_whole_reads(monkeypatch):
    """Any read of the whole file fails the test: FileStart's, and `read_path`'s (Path.read_bytes)."""

    def refused(*_):
        raise AssertionError("the whole file was read")

    monkeypatch.setattr(FileStart, "whole", refused)
    monkeypatch.setattr("pathlib.Path.read_bytes", refused)


SMALL = {
    "semi.csv": '\ufeffq;a;n\n,,\nHi;Ahoy;1\n"two\nlines";B;\nx;y;z\n;;\nlast;one;2\nmore;rows;3\n',
    "hint.csv": 'sep=|\nq|a\n|\nA|B\n"C|""D"""|E\nF|G\nH|I\nJ|K\n',
    "tabs.tsv": 'q\ta\r\n\t\r\nx\ty\r\n"p\r\nq"\tr\r\ns\tt\r\nu\tv\r\nw\tx\r\n',
    "short.csv": "q,a\nonly,one\n",
    "extra.csv": "q,a\nx,y,z\nfine,row\n,,,\nok,then\n",
}


@pytest.mark.parametrize("name", sorted(SMALL))
def test_a_small_table_shows_the_rows_it_showed_before(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(SMALL[name].encode())
    for n in (1, 2, 5):
        assert first_table_rows(path, n=n) == whole_read(path, n)


def test_a_small_parquet_file_shows_the_rows_it_showed_before(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "t.parquet"
    calls = [[{"name": "f", "arguments": {"city": "Oslo"}}], None, [{"name": "g", "arguments": {"tz": "UTC"}}]]
    table = pa.table({"q": ["a", None, "c"], "calls": calls, "raw": [b"x", None, b"z"]})
    pq.write_table(table, path)
    assert first_table_rows(path) == whole_read(path) and len(whole_read(path)) == 2
    assert first_table_rows(path)[0]["calls"] == [{"name": "f", "arguments": {"city": "Oslo"}}]  # no "tz": None
    assert first_table_rows(path)[0]["raw"] == "x"  # bytes that are UTF-8 text read as text, as the whole read


def big_csv(path, rows=12_000):
    """A CSV of about 4 MB: its first row's answer spans five lines, a blank row among the first."""
    rng = random.Random(3)
    lines = ['id,question,answer\n1,"Hello?","one\ntwo\nthree\nfour\nfive"\n,,\n']
    for i in range(2, rows):
        words = " ".join(rng.choice(("alpha", "beta", "gamma", "delta")) for _ in range(50))
        lines.append(f'{i},"Question {i}, {words}?",Answer {i} {words}.\n')
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_a_big_table_is_read_from_its_start_only(tmp_path, monkeypatch):
    path = big_csv(tmp_path / "big.csv")
    expected = whole_read(path)
    assert [r["id"] for r in expected] == ["1", "2", "3", "4", "5"] and "three" in expected[0]["answer"]
    no_whole_reads(monkeypatch)
    assert first_table_rows(path) == expected


def test_a_start_cut_inside_a_quoted_cell_is_read_further(tmp_path, monkeypatch):
    """The first lines end inside a quoted cell of a row shown: more lines are read, the whole file never."""
    path = big_csv(tmp_path / "big.csv")
    monkeypatch.setattr("ftlib.table_peek.FIRST_LINES", 3)  # ends inside row 1's answer
    expected = whole_read(path)
    no_whole_reads(monkeypatch)
    assert first_table_rows(path) == expected


def test_a_byte_utf8_cannot_read_in_the_start_is_refused_as_the_whole_file_is(tmp_path):
    from ftlib.file_bytes import DataError

    path = big_csv(tmp_path / "big.csv")
    data = path.read_bytes()
    path.write_bytes(data[:40] + b"\xff" + data[40:])
    with pytest.raises(DataError) as whole:
        whole_read(path)
    with pytest.raises(DataError) as peeked:
        first_table_rows(path)
    assert str(peeked.value) == str(whole.value)


def test_a_big_parquet_file_is_read_from_its_first_batches(tmp_path, monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(5)
    texts = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(400)) for _ in range(20_000)]
    path = tmp_path / "big.parquet"
    pq.write_table(pa.table({"q": [None, *texts[1:]], "a": texts}), path, row_group_size=1000)
    assert path.stat().st_size > 4 << 20  # past what FileStart reads first
    expected = whole_read(path)
    monkeypatch.setattr("ftlib.table_peek.read_table", lambda *_: pytest.fail("the whole table was read"))
    no_whole_reads(monkeypatch)
    assert first_table_rows(path) == expected and expected[0]["q"] is None
