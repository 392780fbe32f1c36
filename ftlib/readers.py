"""Read a dataset file into raw records: (source row number, dict) pairs, before any format is known.

    kind = file_kind("chats.jsonl", data)        # jsonl | json | csv | tsv | parquet (extension, else sniffed)
    records, errors, notes, by_line = text_records(data, kind, name)   # JSONL / JSON
    table = read_table(data, kind, name)         # CSV / TSV / Parquet: columns, rows, lines, delimiter, notes

Row numbers are 1-based and point into the source: the line of a JSONL file, the element of a JSON array, the
data row of a table (the first row under the header is 1). A record that is not an object is a `RowError`; a
file that cannot be read at all raises `DataError` with what to do. A .json object that wraps its rows gets a note
naming the key that holds them and the keys beside it (`json_layout`, json_layout.py); so does one laid out as pandas'
`DataFrame.to_json` writes by default, by column, or with orient "index" or "split" (`pandas_layout`), and so is a
.jsonl file whose one line is such a table (`to_json` without `lines=True`: `_pandas_line`).
Nothing is lost without a word: a key written twice refuses its row (json_rows.py), a column named twice its file
(`repeated_columns`); a .jsonl file of one JSON array or of pretty-printed objects is read whole (`jsonl_document`),
and so is a .json file of several values one after another: JSONL, pretty-printed objects, objects separated by
commas without their array's brackets (`json_values`); JSON arrays one after another are refused, with the fix.

A .csv is read with the delimiter its first lines use (`sniff_delimiter`: comma, semicolon, tab or vertical bar;
Excel writes semicolons where the comma is the decimal mark); one that is not a comma is said in `Table.notes`.
A first line `sep=;` (Excel's delimiter hint, `excel_hint`) names the delimiter and is not a row; row lines stay
the file's own. In a Parquet file a key holding null inside a column's lists and objects is left out, with a note
(`parquet_rows`: Parquet writes every key any row has, so absent keys read back as null).

Every Parquet read of the studio goes through `read_parquet` / `parquet_columns`: pyarrow's threaded reader
can abort the interpreter at exit ("terminate called without an active exception", datasets #7566; 3-5 runs
in 10 of `data inspect` on a small file here), so files are read on the calling thread (`use_threads=False`).

Not known here: formats and converters (formats.py), loading and voting (data.py)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, NamedTuple

from ftlib.cells import drop_nulls
from ftlib.csv_dialect import DELIMITERS, delimiter_note, excel_hint, sniff_delimiter, table_start
from ftlib.file_bytes import (
    SUFFIXES,
    SUPPORTED,
    TABLE_KINDS,
    DataError,
    check_path,
    decode_text,
    file_kind,
    read_path,
    shown_name,
)
from ftlib.file_lines import jsonl_lines, rest_read, table_lines
from ftlib.json_layout import json_layout, json_rows, pandas_layout
from ftlib.json_rows import (
    JSONProblem,
    KeyedDecoder,
    RepeatedKeys,
    array_items,
    arrays_message,
    closing_comma,
    documents,
    ends_on_comma,
    json_problem,
    lost_keys,
    lost_message,
    mixed_message,
    outer_keys_message,
    parse_json,
    pretty_error,
    second_line_is_a_row,
    shape_note,
    text_rows_message,
    values_error,
    values_note,
)
from ftlib.jsonl_errors import line_error


@dataclass
class RowError:
    """One row that was skipped (or, in `warnings`, kept) and why; `row` is 1-based in the source."""

    row: int
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "message": self.message}


def describe(value: Any) -> str:
    """What kind of JSON value `value` is, as an error message says it ("a list", "text"); a type not listed (int,
    float or any other) is "a number".

    >>> describe(None), describe([1]), describe(2.5)
    ('null (an empty value)', 'a list', 'a number')"""
    if value is None:
        return "null (an empty value)"
    return {list: "a list", dict: "an object", str: "text", bool: "true/false"}.get(type(value), "a number")


def jsonl_records(text: str | Iterable[str]) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """One record per non-blank line of `text` (or of the lines given: `file_lines.jsonl_lines`); a line that is not
    a JSON object, or that writes a key twice (`lost_message`), is a RowError with its line number."""
    records, errors = [], []
    decoder = KeyedDecoder()
    parse, repeated = decoder.parse, decoder.repeated
    for number, line in enumerate(_lines(text) if isinstance(text, str) else text, start=1):
        line = line.strip()
        if not line:
            continue
        try:
            value = parse(line)
        except json.JSONDecodeError as exc:
            errors.append(RowError(number, line_error(exc, line)))
            continue
        except JSONProblem as exc:
            errors.append(RowError(number, f"this line cannot be read: {exc}"))
            continue
        if repeated:
            lost = lost_keys([value], repeated)[0]
            repeated.clear()
            if lost:
                errors.append(RowError(number, lost_message(*lost[0], "this line")))
                continue
        if isinstance(value, dict):
            records.append((number, value))
        else:
            errors.append(RowError(number, f"this line holds {describe(value)}, not an object {{...}}"))
    return records, errors


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` one at a time, as `text.split("\n")` lists them (a last "" after a final newline), so only
    one line's copy is held beside the text: the list of every line was as large again as the file (BENCHMARKS,
    "Hostile input at scale", 2026-12-05). Split on "\n" only: str.splitlines() would also split on U+2028, which
    JSON allows inside strings."""
    start, find = 0, text.find
    while (end := find("\n", start)) >= 0:
        yield text[start:end]
        start = end + 1
    yield text[start:]


def _records(
    rows: list, numbers: list[int], decoder: KeyedDecoder, name: str, text: str
) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """The rows that are objects, numbered; RowError for the others and for rows that wrote a key twice."""
    lost, outside = lost_keys(rows, decoder.repeated) if decoder.repeated else ({}, [])
    if outside:
        raise DataError(outer_keys_message(name, outside, text))
    records, errors = [], []
    for index, (number, row) in enumerate(zip(numbers, rows, strict=True)):
        if index in lost:
            errors.append(RowError(number, lost_message(*lost[index], "this entry")))
        elif isinstance(row, dict):
            records.append((number, row))
        else:
            errors.append(RowError(number, f"this entry is {describe(row)}, not an object {{...}}"))
    return records, errors


def json_records(text: str, name: str) -> tuple[list[tuple[int, dict]], list[RowError], list[str], bool]:
    """Records of a .json file, notes on where they were found (see `json_layout`), and whether its rows are numbered
    by line; a file of several JSON values one after another (JSONL named .json, pretty-printed objects, objects
    separated by commas) is read as `json_values` reads it, with a note. An entry that writes a key twice is a
    RowError (`lost_message`); DataError for invalid JSON, or a key written twice in the object around the rows."""
    decoder = KeyedDecoder()
    try:
        value = decoder.parse(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # a whole first value, then more: exc.pos is where the next one (or a comma) is
            return json_values(text, name, commas=text[exc.pos : exc.pos + 1] == ",")
        where = f"at line {exc.lineno}, column {exc.colno}"
        if closing_comma(exc):
            raise DataError(f"{name} is not valid JSON {where}: {json_problem(exc)}.") from None
        # Read as .jsonl, objects one per line lose only their broken lines; an array or one object, nothing more.
        objects = text.lstrip("\ufeff \t\r\n")[:1] == "{" and sum(1 for ln in text.split("\n") if ln.strip()) > 1
        hint = " If it has one JSON object per line, name it .jsonl." if objects else ""
        raise DataError(f"{name} is not valid JSON: {json_problem(exc)} {where}.{hint}") from None
    except JSONProblem as exc:
        raise DataError(f"{name} cannot be read: {exc}.") from None
    rows, note = json_layout(value)
    if rows and all(isinstance(r, str) for r in rows):  # texts alone: refused once, with the fix
        key = next((k for k, v in value.items() if v is rows), None) if isinstance(value, dict) else None
        path = (f".{key}" if key.isidentifier() else f".[{json.dumps(key)}]") if key else "."
        raise DataError(text_rows_message(name, rows, f"{path}[] | "))
    return (*_records(rows, list(range(1, len(rows) + 1)), decoder, name, text), [note] if note else [], False)


def json_values(text: str, name: str, commas: bool) -> tuple[list[tuple[int, dict]], list[RowError], list[str], bool]:
    """Records, bad rows, a note and whether rows are numbered by line (they are, but for one value) of a .json file
    holding several JSON values one after another rather than one: objects one per line (JSONL named .json),
    pretty-printed objects, or, with `commas`, objects separated by commas without the [ ] around them. Each value is
    a row numbered by the line it starts on, as a .jsonl file of them is read (`jsonl_document`); a value that is not
    an object is a bad row there.

    One object per line with a line that is not valid JSON is read line by line (that line a bad row, as in a .jsonl
    file). DataError for pretty-printed or comma-separated text that is not valid JSON, with where, and for arrays one
    after another (`arrays_message`)."""
    by_line = None
    if not commas and _spread(text) is False:  # JSONL named .json: read line by line (faster), unless a line fails
        by_line = jsonl_records(text)
        if not by_line[1]:
            return (*by_line, [values_note("jsonl", name)], True)
    decoder = KeyedDecoder()
    try:
        found = documents(text, decoder, commas=commas)
    except (json.JSONDecodeError, JSONProblem) as exc:
        if by_line is not None:  # JSONL with a broken line: that line only is a bad row
            return (*by_line, [values_note("jsonl", name)], True)
        if isinstance(exc, JSONProblem):
            raise DataError(f"{name} cannot be read: {exc}.") from None
        problem = json_problem(exc)
        raise DataError(values_error(name, commas, exc.lineno, exc.colno, problem, ends_on_comma(text))) from None
    if len(found) == 1:  # one value and a comma after it: the comma is all there is to leave out
        rows, layout = json_layout(found[0][1])
        notes = [values_note("comma_after", name)] + ([layout] if layout else [])
        return (*_records(rows, list(range(1, len(rows) + 1)), decoder, name, text), notes, False)
    if lists := [n for n, v in found if isinstance(v, list)]:  # each a list of rows, or one conversation's turns?
        raise DataError((arrays_message if len(lists) == len(found) else mixed_message)(name, lists))
    one_per_line = sum(1 for line in text.split("\n") if line.strip()) == len(found)
    shape = ("commas_after_last" if ends_on_comma(text) else "commas") if commas else None
    note = values_note(shape or ("jsonl" if one_per_line else "spread"), name)
    return (*_records([v for _, v in found], [n for n, _ in found], decoder, name, text), [note], True)


def _spread(text: str) -> bool | None:
    """Whether the first line of `text` starts a JSON value it does not end (pretty-printed); None when that line
    cannot be read for another reason (nested too deep, a number too long)."""
    start = json.decoder.WHITESPACE.match(text).end()
    end = text.find("\n", start)
    first = text[start : end if end >= 0 else len(text)].strip()
    try:
        parse_json(first)
        return False
    except json.JSONDecodeError as exc:
        return exc.pos >= len(first)  # the line ends inside the value: it goes on below
    except RepeatedKeys:
        return False  # a whole value; the key written twice is refused where the line is read as a row
    except JSONProblem:
        return None


def jsonl_document(text: str, name: str) -> tuple[list[tuple[int, dict]], list[RowError], list[str], bool] | None:
    """Records, bad rows, a note and whether rows are numbered by line, of a .jsonl file whose text is not one object
    per line but one JSON array, or objects spread over several lines each (pretty-printed); None for a file to read
    line by line. Only a file whose first line starts an array, or starts an object it does not end, is looked at, so
    a JSONL file costs one parse of its first line. Rows are numbered by the line they start on, but a lone object's
    that wraps them (read as `json_layout` reads it) and an array's items side by side on a line: by item (False)."""
    if not one_document(text):
        return None  # JSONL (perhaps with a broken first line: that line's error)
    start = json.decoder.WHITESPACE.match(text).end()
    head, continues = text[start : start + 1], _spread(text)
    decoder = KeyedDecoder()
    try:
        found = array_items(text, decoder) if head == "[" else documents(text, decoder)
    except json.JSONDecodeError as exc:
        if not continues or (head == "{" and second_line_is_a_row(text)):
            return None  # JSONL whose first line is broken (cut short): read line by line, that line a bad row
        raise DataError(pretty_error(name, exc.lineno, exc.colno, json_problem(exc))) from None
    except JSONProblem as exc:
        raise DataError(f"{name} cannot be read: {exc}.") from None
    if found is None:  # other values follow the array: arrays alone are refused, else each line is read
        return _other_values(text, name)
    shape = "array" if head == "[" else "object" if len(found) == 1 else "objects"
    if shape == "object" and isinstance(found[0][1], dict):
        rows, layout = json_layout(found[0][1])
        if layout is not None or len(rows) != 1:  # it wraps its rows, or lays them out by column
            records = _records(rows, list(range(1, len(rows) + 1)), decoder, name, text)
            return (*records, [shape_note("wrapper", name, continues)] + ([layout] if layout else []), False)
    numbers = [n for n, _ in found]
    if shape == "array" and len(set(numbers)) < len(numbers):  # items side by side on a line: number by place
        shape, numbers = "array_places", list(range(1, len(found) + 1))
    records = _records([v for _, v in found], numbers, decoder, name, text)
    return (*records, [shape_note(shape, name, continues)], shape != "array_places")


def one_document(text: str) -> bool:
    """Whether a .jsonl file's text (or its start, to the end of its first line that is not blank) is one JSON
    document to read whole (`jsonl_document`): its first line starts an array, or starts an object it does not end."""
    start = json.decoder.WHITESPACE.match(text).end()
    head, continues = text[start : start + 1], _spread(text)
    return continues is not None and (head == "[" or (head == "{" and continues))


def _other_values(text: str, name: str) -> None:
    """None (read `text` line by line, a line holding an array a bad row), or DataError when `text` is JSON arrays
    alone, one after another (`arrays_message`): items read line by line would be rows with their brackets' lines
    refused."""
    try:
        found = documents(text, KeyedDecoder())
    except (json.JSONDecodeError, JSONProblem):
        return None
    if all(isinstance(value, list) for _, value in found):
        raise DataError(arrays_message(name, [n for n, _ in found], jsonl=True))
    return None


def _pandas_line(
    records: list[tuple[int, dict]], errors: list[RowError], name: str
) -> tuple[list[tuple[int, dict]], list[RowError], list[str], bool] | None:
    """A .jsonl file whose one line is a table as pandas' `DataFrame.to_json(path)` writes it without `lines=True`
    (by column, the default: {column: {row number: value}}; or orient "index" or "split"): its rows, numbered by
    item, with a note saying so (`pandas_layout`); None for any other file. Read as one row, each of its fields was
    an object the row's format refused ("the instruction must be text, but it is an object")."""
    if errors or len(records) != 1 or (laid := pandas_layout(records[0][1])) is None:
        return None
    rows, how = laid
    fix = " Name it .json, or write one object per line: `DataFrame.to_json(path, orient='records', lines=True)`."
    read = _records(rows, list(range(1, len(rows) + 1)), KeyedDecoder(), name, "")
    return (*read, [f"{name} holds one line, a whole table: {how[0].lower()}{how[1:]}{fix}"], False)


def text_records(data: bytes, kind: str, name: str) -> tuple[list[tuple[int, dict]], list[RowError], list[str], bool]:
    """Records of a JSONL or JSON file, bad rows, notes on how the file was read (`json_layout`, `jsonl_document`),
    and whether the rows are numbered by the line each starts on (a JSONL file's, and a .json file's of several
    values: `json_values`) rather than by item. DataError as `json_records` and `jsonl_document` raise it. A JSONL
    file's lines are decoded one at a time (`jsonl_lines`): its whole text is not held beside its bytes."""
    if kind == "jsonl" and (lines := jsonl_lines(data, name, one_document)) is not None:
        records, errors = jsonl_records(lines)
        if _lines_amiss(records, errors, lambda: decode_text(data, name), name):  # commas after each line: said
            return _comma_lines(decode_text(data, name), name, records, errors, [])
        return _pandas_line(records, errors, name) or (records, errors, [], True)
    text = decode_text(data, name)
    if kind != "jsonl":
        return json_records(text, name)
    notes = []
    if "\r" in text.rstrip("\r") and "\n" not in text:  # classic Mac OS line ends; JSON strings hold no raw CR
        text = text.replace("\r", "\n")
        notes.append(f"The lines of {name} end with a carriage return alone (old Mac OS line ends): read as lines.")
    document = jsonl_document(text, name)
    if document is not None:  # its rows named "item N" where they are numbered by item (data._raw_records)
        return (*document[:2], notes + document[2], document[3])
    records, errors = jsonl_records(text)
    if _lines_amiss(records, errors, lambda: text, name):
        return _comma_lines(text, name, records, errors, notes)
    return records, errors, notes, True


_COMMA_END, _TEXT_LINE = "this line ends with a comma after its object", "this line holds text, not an object"


def _lines_amiss(records: list, errors: list[RowError], text_of: Callable[[], str], name: str) -> bool:
    """Whether a .jsonl file's every line (but perhaps its last) is an object with a comma after it (True: read them
    as `json_values` does, `_comma_lines`); DataError when every line is a text alone (`text_rows_message`; `text_of`
    gives the file's text). Either was a refusal of each line, three listed, with no count and no fix (helper 256)."""
    if not records and errors and all(e.message.startswith(_TEXT_LINE) for e in errors):
        texts = [parse_json(line) for line in _lines(text_of()) if line.strip()]
        raise DataError(text_rows_message(name, texts, ""))
    last = records[-1][0] if len(records) == 1 else None
    commas = errors and all(e.message.startswith(_COMMA_END) for e in errors)
    return bool(commas) and len(records) <= 1 and (last is None or last > errors[-1].row)


def _comma_lines(text: str, name: str, records: list, errors: list[RowError], notes: list[str]) -> tuple:
    """A .jsonl file of objects each with a comma after it (`_lines_amiss`) read as one JSON array's items, each row
    named by its line, with a note saying so and the fix; its lines' own refusals where that fails too."""
    try:
        read = json_values(text, name, commas=True)
    except DataError:
        return records, errors, notes, True
    return read[0], read[1], [*notes, values_note("jsonl_commas", name)], True


# --- tables -----------------------------------------------------------------------------------------------


def _unreadable_parquet(name: str, exc: Exception) -> DataError:
    """The one message of a Parquet file pyarrow cannot read (every reader here), with pyarrow's reason."""
    return DataError(f"{name} is not a readable Parquet file ({exc}).")


def read_parquet(data: bytes, name: str):
    """A pyarrow Table from Parquet bytes, read on this thread (see the module docstring for why)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(io.BytesIO(data)).read(use_threads=False)
    except (pa.ArrowException, OSError) as exc:
        raise _unreadable_parquet(name, exc) from None


def parquet_batches(source: bytes | BinaryIO, name: str, size: int):
    """A Parquet file's (its bytes, or the file opened) column names, then its batches of `size` rows as Tables, read
    on this thread (see the module docstring) as far as the caller iterates; DataError as `read_parquet`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        file = pq.ParquetFile(pa.BufferReader(source) if isinstance(source, bytes) else source)
        yield [str(c) for c in file.schema_arrow.names]
        for batch in file.iter_batches(batch_size=size, use_threads=False):
            yield pa.Table.from_batches([batch])
    except (pa.ArrowException, OSError) as exc:
        raise _unreadable_parquet(name, exc) from None


def parquet_columns(data: bytes | BinaryIO, name: str) -> list[str]:
    """The column names of a Parquet file (its bytes, or the file opened: pyarrow seeks), from its footer only."""
    import pyarrow.parquet as pq

    try:
        return [str(n) for n in pq.read_schema(io.BytesIO(data) if isinstance(data, bytes) else data).names]
    except Exception as exc:  # pyarrow raises several unrelated types for a broken file
        raise _unreadable_parquet(name, exc) from None


def _newlines(row: dict) -> int:
    """Line breaks inside a CSV record's quoted cells (cells beyond the header are a list under key None)."""
    cells = [c for v in row.values() for c in (v if isinstance(v, list) else [v])]
    return sum(c.count("\n") for c in cells if isinstance(c, str))


class Table(NamedTuple):
    """A table file as read: `lines` are where each row starts, `delimiter` is between cells (both None for
    Parquet); `notes` are what the reader chose that its user should know (a .csv delimiter other than a comma)."""

    columns: list[str]
    rows: list[dict]
    lines: list[int] | None
    delimiter: str | None
    notes: list[str]


def binary_as_text(table, name: str):
    """(`table` with its columns of bytes that are UTF-8 text read as text, a note naming them): Spark, Hive and older
    writers store strings as plain Parquet binary (Spark's `binaryAsString`), whose every row was refused as "bytes".
    A column of other bytes (an image's) stays bytes: unread, or refused in the rows that need it as text."""
    import pyarrow as pa
    import pyarrow.types as pt

    read = []
    for i, field in enumerate(table.schema):
        if pt.is_binary(field.type) or pt.is_large_binary(field.type):
            with contextlib.suppress(pa.ArrowInvalid):  # not UTF-8 throughout
                table = table.set_column(i, field.name, table.column(i).cast(pa.large_string()))
                read.append(f"`{field.name}`")
    if not read:
        return table, []
    said = f"Column{'s' if len(read) > 1 else ''} {', '.join(read)} of {name} {'are' if len(read) > 1 else 'is'}"
    return table, [f"{said} stored as bytes (Parquet binary, as Spark writes text): read as UTF-8 text."]


def parquet_rows(table) -> tuple[list[dict], list[str]]:
    """The rows of a pyarrow Table, and a note when keys were left out of objects inside them.

    A Parquet column of objects has one set of keys for every row: pandas' `to_parquet` and pyarrow's
    `Table.from_pylist` write the union of all rows' keys, so a key one object lacks reads back as null (a tool
    call's `arguments` {"city": "Oslo"} gains "tz": null from another call). Parquet cannot tell such a key from a
    null written on purpose, so inside lists and objects a null key is left out, as if never written; the row's own
    columns keep their nulls (an empty cell)."""
    import pyarrow.types as pt

    rows = table.to_pylist()
    nested = [str(f.name) for f in table.schema if pt.is_nested(f.type)]
    dropped: set[str] = set()
    for row in rows:
        for column in nested:
            row[column] = drop_nulls(row[column], dropped)
    if not dropped:
        return rows, []
    names = ", ".join(f"`{k}`" for k in sorted(dropped)[:6]) + (", ..." if len(dropped) > 6 else "")
    return rows, [
        f"Keys holding null inside the lists and objects of the file's columns are left out ({names}): Parquet gives "
        "every object of a column the keys any of them has, so a key an object never had reads back as null (as "
        "pandas' to_parquet writes it), and a null written on purpose cannot be told from it."
    ]


def repeated_columns(columns: list[str], name: str, line: int | None) -> None:
    """DataError naming each column name the header (on `line`; None for Parquet) holds more than once and where:
    rows read as dicts keep only the last such column, so the others would be lost without a word.

    >>> repeated_columns(["instruction", "output", "output"], "a.csv", 1)
    Traceback (most recent call last):
    ftlib.file_bytes.DataError: a.csv names the column 'output' more than once in its header (line 1): columns 2 and \
3. Only one of them could be read: rename the others (e.g. 'output_2'), or delete the columns you do not want."""
    at: dict[str, list[str]] = {}
    for number, column in enumerate(columns, start=1):
        at.setdefault(column, []).append(str(number))
    twice = {c: p for c, p in at.items() if len(p) > 1}
    if not twice:
        return
    names = [f"'{c}'" if c.strip() else "(empty)" for c in twice]
    said = "; ".join(
        f"{n + ' in ' if len(twice) > 1 else ''}columns {', '.join(p[:-1])} and {p[-1]}"
        for n, p in zip(names, twice.values(), strict=True)
    )
    where = f"in its header (line {line})" if line else "among its columns"
    raise DataError(
        f"{name} names the column{'s' if len(twice) > 1 else ''} {' and '.join(names)} more than once {where}: "
        f"{said}. Only one of them could be read: rename the others (e.g. "
        f"'{next(iter(twice)).strip() or 'answer'}_2'), or delete the columns you do not want."
    )


def read_table(data: bytes, kind: str, name: str) -> Table:
    """The columns, rows as dicts and the line of the file each row starts on of a CSV, TSV or Parquet file.

    CSV cells beyond the header sit under key None. The lines are 1-based physical lines (the header is line 1; a
    quoted cell may span several lines), what a spreadsheet user looks for; None for Parquet, which has no lines.
    A .tsv is read with tabs, a .csv with the delimiter `sniff_delimiter` finds."""
    if kind == "parquet":
        from ftlib.data_budget import check_budget  # (imports this module)

        table = read_parquet(data, name)
        repeated_columns([str(c) for c in table.column_names], name, None)
        check_budget(table.num_rows, table.nbytes, name)  # before the rows become Python objects
        table, text_notes = binary_as_text(table, name)
        rows, notes = parquet_rows(table)
        return Table([str(c) for c in table.column_names], rows, None, None, text_notes + notes)
    # Its lines decoded one at a time (table_lines): not its whole text beside its bytes, nor in StringIO (4x)
    delimiter, hint, source = table_start(table_lines(data, name), kind)
    skip = 1 if hint else 0  # the hint's line is not in `source`, but a row's line is the file's
    # Long answers are normal in training data; the csv module's default cell limit is 128 KiB.
    csv.field_size_limit(2**31 - 1)
    # strict: an unclosed quote is an error, not a cell that silently swallows the rest of the file.
    reader = csv.DictReader(source, delimiter=delimiter, strict=True)
    rows: list[dict] = []
    lines: list[int] = []
    last_line = 1 + skip  # the physical line where the last good record ended (the header at first)
    try:
        for row in reader:
            rows.append(row)
            # Blank lines are skipped by the reader, so a record starts at its first non-blank line.
            lines.append(reader.line_num + skip - _newlines(row))
            last_line = reader.line_num + skip
        columns = list(reader.fieldnames or [])
    except csv.Error as exc:
        rest_read(source)  # a byte UTF-8 cannot read further on is refused first, as when the text was decoded whole
        if "unexpected end of data" in str(exc):
            raise DataError(
                f'{name} has an unclosed quote (") in the cell that starts on line {last_line + 1}: '
                "everything after it would become one cell. Close the quote, or write a quote "
                'inside a cell as two quotes ("").'
            ) from None
        raise DataError(f"{name} is not a readable CSV file near line {last_line + 1} ({exc}).") from None
    if not columns:
        raise DataError(f"{name} has no header row. The first line must name the columns.")
    repeated_columns(columns, name, 1 + skip)
    if hint:
        notes = [
            f"The first line, `sep={hint}`, is Excel's note of the delimiter, not a row: the columns are read as "
            f"separated by {DELIMITERS.get(hint, repr(hint))}, as it says."
        ]
    else:
        notes = [delimiter_note(delimiter)] if kind == "csv" and delimiter != "," else []
    return Table(columns, rows, lines, delimiter, notes)


def table_columns(data: bytes, name: str, kind: str) -> list[str]:
    """The column names of a CSV/TSV/Parquet file's bytes (as `opened` gives them), from its header or schema."""
    if kind == "parquet":
        return parquet_columns(data, name)
    hint, text = excel_hint(decode_text(data, name))
    delimiter = hint or ("\t" if kind == "tsv" else sniff_delimiter(text))
    return next(csv.reader([next(_lines(text))], delimiter=delimiter), [])  # not split("\n", 1): a copy of the rest


__all__ = [
    "SUFFIXES",
    "SUPPORTED",
    "TABLE_KINDS",
    "DELIMITERS",
    "DataError",
    "RowError",
    "Table",
    "check_path",
    "shown_name",
    "table_columns",
    "decode_text",
    "delimiter_note",
    "describe",
    "file_kind",
    "json_layout",
    "json_records",
    "json_rows",
    "json_values",
    "jsonl_document",
    "jsonl_records",
    "one_document",
    "parquet_batches",
    "parquet_columns",
    "read_parquet",
    "read_path",
    "read_table",
    "repeated_columns",
    "sniff_delimiter",
    "text_records",
]
