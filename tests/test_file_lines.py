"""A JSONL file is decoded a line at a time and a CSV file read without a second copy of its text (file_lines.py), and
`load_file` lets go of the file's bytes once its rows are parsed; the rows, warnings, line numbers and refusals are
those of reading the whole text (BENCHMARKS, "Reading a big file, as the Data page does", 2026-12-05)."""

from __future__ import annotations

import codecs
import gzip
import json
import sys
import tracemalloc

import pytest

from ftlib import data as data_module
from ftlib import readers
from ftlib.data import load_file
from ftlib.file_bytes import DataError, decode_text
from ftlib.file_lines import decoded_lines, physical_lines, table_lines
from ftlib.readers import jsonl_records, read_table, text_records

BOM = codecs.BOM_UTF8


def _whole_text(data: bytes):
    """The records and errors of `data` read as its whole text was before: decoded, then split on line ends."""
    records, errors = jsonl_records(decode_text(data, "f.jsonl"))
    return records, [e.as_dict() for e in errors]


JSONL_CASES = {
    "multi-byte characters before a broken line": '{"a": "é漢😀"}\n{"a": "ü"\n{"a": 3}\n'.encode(),
    "a BOM, and one at each joined file's start": BOM + b'{"a": 1}\n' + BOM + b'{"a": 2}\n' + BOM + b"[1]\n",
    "CRLF line ends, a blank line, a last line without one": b'{"a": 1}\r\n\r\n{"a": 2,}\r\n{"a": 3}',
    "blank lines before the first row": b'\n  \r\n{"a": 1}\n"x"\n',
    "two BOMs at the start": BOM + BOM + b'{"a": 1}\n{"a": 2}\n',
}


@pytest.mark.parametrize("data", JSONL_CASES.values(), ids=JSONL_CASES.keys())
def test_jsonl_read_line_by_line_reads_as_its_whole_text(data, monkeypatch):
    expected = _whole_text(data)
    monkeypatch.setattr(readers, "decode_text", None)  # the whole text is never decoded
    records, errors, notes, by_line = text_records(data, "jsonl", "f.jsonl")
    assert (records, [e.as_dict() for e in errors]) == expected and notes == [] and by_line
    assert list(decoded_lines(data, "f.jsonl")) == decode_text(data, "f.jsonl").split("\n")


def test_a_warning_after_multi_byte_characters_names_its_line():
    records, errors, *_ = text_records(JSONL_CASES["multi-byte characters before a broken line"], "jsonl", "f.jsonl")
    assert [n for n, _ in records] == [1, 3] and [e.row for e in errors] == [2]
    assert errors[0].message.startswith("this line is not valid JSON: it ends before its JSON does")


@pytest.mark.parametrize(
    "data",
    [
        '{"a": "é"}\n{"a": 1}\n{"a": "Caf'.encode() + b"\xe9" + b'"}\n',  # a byte UTF-8 cannot read, on line 3
        '{"a": "漢"}\n'.encode() * 3 + "{'a': '漢'}\n".encode("gbk"),  # a legacy encoding's line
        '{"a": 1}\n'.encode("utf-16"),
        b'{"a": 1}\n\x00\x00\x00\xff\xfe\x00\x01' * 20,
    ],
    ids=["windows-1252 byte on line 3", "gbk line", "utf-16", "binary"],
)
def test_jsonl_refused_as_its_whole_text_is(data):
    with pytest.raises(DataError) as whole:
        decode_text(data, "f.jsonl")
    with pytest.raises(DataError) as by_line:
        text_records(data, "jsonl", "f.jsonl")
    assert str(by_line.value) == str(whole.value)
    if b"\xe9" in data:
        assert "line 3, column 11" in str(by_line.value)


def test_a_jsonl_document_and_old_mac_line_ends_are_still_read_whole():
    pretty = b'\xef\xbb\xbf{\n  "a": 1\n}\n{\n  "a": 2\n}\n'
    records, _, notes, _ = text_records(pretty, "jsonl", "p.jsonl")
    assert [(n, r) for n, r in records] == [(1, {"a": 1}), (4, {"a": 2})] and notes
    records, _, notes, _ = text_records(b'{"a": 1}\r{"a": 2}\r', "jsonl", "mac.jsonl")
    assert [n for n, _ in records] == [1, 2] and "carriage return alone" in notes[0]


def test_csv_lines_are_those_a_file_opened_with_newline_empty_gives():
    import io

    text = 'q,a\r\n"one\r\ntwo",x\rlast,"y\n"\n\nend,z'
    assert list(physical_lines(text)) == list(io.StringIO(text, newline=""))
    table = read_table(text.encode(), "csv", "t.csv")
    assert table.rows[0] == {"q": "one\r\ntwo", "a": "x"} and table.lines == [2, 4, 7]


def test_a_table_is_read_without_a_wide_copy_of_its_text():
    # StringIO held the text again as 4 bytes a character: 6.2x the file at the peak, 2.2x now (a .tsv: no sniffing)
    data = ("question\tanswer\n" + "".join(f"Q{i}\t{'word ' * 300}\n" for i in range(300))).encode()
    tracemalloc.start()
    try:
        table = read_table(data, "tsv", "big.tsv")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(table.rows) == 300 and peak < 3 * len(data), f"{peak / len(data):.1f}x the file's bytes"


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_load_file_lets_go_of_the_bytes_before_converting_rows(tmp_path, monkeypatch, compressed):
    """Once rows are parsed, only the test holds the file's bytes (as read, and as opened): as many references as
    after the read; load_file and load_bytes each held them to the end."""
    data = b"".join(json.dumps({"instruction": f"q{i}", "output": "a"}).encode() + b"\n" for i in range(5))
    path = tmp_path / ("rows.jsonl.gz" if compressed else "rows.jsonl")
    path.write_bytes(gzip.compress(data) if compressed else data)
    read, held, seen = data_module.read_path, [], []
    monkeypatch.setattr(data_module, "read_path", lambda p: (held.append(read(p)[0]) or held[-1], p))
    opened = data_module.opened
    monkeypatch.setattr(data_module, "opened", lambda d, n, b: (found := opened(d, n, b), held.append(found[0]))[0])
    api_records = data_module.api_records
    counts = lambda: [sys.getrefcount(b) for b in held]  # noqa: E731
    monkeypatch.setattr(data_module, "api_records", lambda raw: (seen.extend(counts()), api_records(raw))[1])
    result = load_file(path)
    assert len(result.rows) == 5 and len(held) == 2 and seen == counts(), "the bytes are held while rows convert"


def test_text_after_a_bom_is_decoded_without_a_copy_of_the_bytes():
    data = BOM + b"question;answer\r\n" + b"What is it?;It is.\r\n" * 20000  # Excel's "CSV UTF-8"
    tracemalloc.start()
    try:
        text = decode_text(data, "excel.csv")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert text.startswith("question;") and peak < 1.5 * len(data), f"{peak / len(data):.1f}x the file's bytes"


# (the file's bytes, its kind): each read by lines decoded one at a time, as its whole text was read
TABLE_CASES = {
    "a BOM, CRLF, a quoted cell over lines": (BOM + b'q,a\r\n"one\r\ntwo",x\r\nend,"y\r\n"', "csv"),
    "lone CRs, a joined file's BOM, no last line end": (b'q;a\rHi;"x\ry"\n' + BOM + b"Yo;z\n\nend;w", "csv"),
    "Excel's sep= line, multi-byte characters": (BOM + 'sep=|\r\nq|a\r\n"é|漢"|😀\r\nHi|"a\rb"'.encode(), "csv"),
    "one column, blank lines": (b"text\n\nOne; two.\n\r\nThree, four.\n", "csv"),
    "tabs, a quoted line break": ('q\ta\n"º"\t"x\ny"\n'.encode(), "tsv"),
}


def _whole_table(data: bytes, kind: str) -> tuple[list[dict], str]:
    """The rows and delimiter of `data` read as its whole text was before: decoded, then read through StringIO."""
    import csv
    import io

    from ftlib.csv_dialect import excel_hint, sniff_delimiter

    hint, text = excel_hint(decode_text(data, "t.csv"))
    delimiter = hint or ("\t" if kind == "tsv" else sniff_delimiter(text))
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)), delimiter


@pytest.mark.parametrize(("data", "kind"), TABLE_CASES.values(), ids=TABLE_CASES.keys())
def test_a_table_read_line_by_line_reads_as_its_whole_text(data, kind, monkeypatch):
    expected = _whole_table(data, kind)
    monkeypatch.setattr(readers, "decode_text", None)  # the whole text is never decoded
    table = read_table(data, kind, f"t.{kind}")
    assert (table.rows, table.delimiter) == expected
    assert list(table_lines(data, "t.csv")) == list(physical_lines(decode_text(data, "t.csv")))


@pytest.mark.parametrize(
    "data",
    [
        b'q,a\n"x"y,z\n' + b"ok,fine\n" * 3 + b"caf\xe9,x\n",  # a quote then a letter on line 2; cp1252 on line 6
        b"q,q\nok,fine\n" + b"caf\xe9,x\n",  # a column named twice (said once every row is read)
        b"q,a\n" + b"ok,fine\n" * 150_000 + b"\xff\n",  # past the first MiB the delimiter is sniffed from
    ],
    ids=["a broken quote before", "a repeated column", "after the sniffed start"],
)
def test_a_table_is_refused_for_its_encoding_before_any_other_problem(data):
    with pytest.raises(DataError) as whole:
        decode_text(data, "t.csv")
    with pytest.raises(DataError) as by_line:
        read_table(data, "csv", "t.csv")
    assert str(by_line.value) == str(whole.value)


def test_a_csv_is_read_without_its_text_beside_its_bytes():
    # One emoji made the whole text 4 bytes a character, held beside the bytes: 8.7x the file at the peak, 2.2x now
    rows = "".join(f"Q{i},{'word ' * 100}\n" for i in range(4000))
    data = ("question,answer\n" + rows + "Last,😀\n").encode()
    tracemalloc.start()
    try:
        table = read_table(data, "csv", "big.csv")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(table.rows) == 4001 and peak < 3 * len(data), f"{peak / len(data):.1f}x the file's bytes"


def test_the_delimiter_is_sniffed_without_a_copy_of_the_sample_for_each_delimiter():
    from ftlib.csv_dialect import SNIFF_CHARS, sniff_delimiter

    # io.StringIO held the sample again, at 4 bytes a character, for each delimiter: 9.0x its characters, 1.0x now
    text = "question;answer\n" + "What is it?;It is.\n" * 120_000  # 2.2 MB: the sample is its first MiB
    tracemalloc.start()
    try:
        delimiter = sniff_delimiter(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert delimiter == ";" and peak < 1.5 * SNIFF_CHARS, f"{peak / SNIFF_CHARS:.1f}x the sample's characters"
