"""Load a dataset file, detect its format, convert it to canonical rows, split it and measure it.

    result = load_file("chats.jsonl")            # .jsonl .json .csv .tsv .parquet, or load_bytes(data, name)
    result.format, result.rows, result.errors   # canonical rows; RowError(row, message) for each bad row
    train, test = split_rows(result.rows, test_size=0.1, seed=0)
    dataset_stats(result.rows, tokenizer, max_length=1024)

    python -m ftlib data inspect FILE --json

Row numbers in errors are 1-based and point into the source: the line of a JSONL file, the element of a
JSON array, the data row of a table (the first row under the header is 1). A bad row is reported and
skipped; the good rows are kept. Problems with the whole file raise `DataError` with what to do.

The per-format converters and the column-mapping guess live in `ftlib/formats.py`. Not known here: chat
templates beyond the tokenizer's own (templates.py) and label masking (tokens.py).
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftlib.errors import UserError
from ftlib.formats import (
    FIELDS,
    FORMAT_FIELDS,
    FORMATS,
    REQUIRED_FIELDS,
    JSONProblem,
    RowProblem,
    convert_record,
    detect_row_format,
    guess_column_map,
    parse_json,
)
from ftlib.rows import conversation, is_preference

__all__ = [
    "FORMATS",
    "DataError",
    "LoadResult",
    "RowError",
    "count_test_rows",
    "count_truncated",
    "dataset_stats",
    "dedupe_rows",
    "guess_column_map",
    "is_preference",
    "load_bytes",
    "load_file",
    "peek_columns",
    "render_row",
    "split_rows",
]

SUFFIXES = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
TABLE_KINDS = {"csv", "tsv", "parquet"}
_SUPPORTED = ".jsonl, .json, .csv, .tsv or .parquet"


class DataError(UserError):
    """The file as a whole cannot be used; the message names the file and what to do."""


@dataclass
class RowError:
    """One row that was skipped (or, in `warnings`, kept) and why; `row` is 1-based in the source."""

    row: int
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "message": self.message}


@dataclass
class LoadResult:
    format: str
    rows: list[dict]
    errors: list[RowError]
    total: int  # records read from the file, good and bad
    row_numbers: list[int]  # source row number of each kept row
    warnings: list[RowError] = field(default_factory=list)
    columns: list[str] | None = None  # table columns (CSV/Parquet), else None
    column_map: dict[str, str] | None = None  # field -> column actually used for a table
    source: str = ""

    @property
    def valid_rows(self) -> int:
        return len(self.rows)

    def summary(self) -> dict:
        """The JSON object `data inspect --json` prints."""
        return {
            "format": self.format,
            "rows": self.total,
            "valid_rows": self.valid_rows,
            "errors": [e.as_dict() for e in self.errors],
            "warnings": [w.as_dict() for w in self.warnings],
            "columns": self.columns,
            "column_map": self.column_map,
            "source": self.source,
        }


# --- reading files ----------------------------------------------------------------------------------------


def _read(path: str | Path) -> tuple[bytes, Path]:
    path = Path(path).expanduser()
    if not path.exists():
        raise DataError(f"{path} does not exist. Check the path (it is read on the machine running the app).")
    if path.is_dir():
        raise DataError(f"{path} is a folder; choose a {_SUPPORTED} file inside it.")
    try:
        return path.read_bytes(), path
    except PermissionError:
        raise DataError(f"{path} cannot be read (permission denied). Make it readable or copy it.") from None


def _kind(name: str, data: bytes) -> str:
    kind = SUFFIXES.get(Path(name).suffix.lower())
    if kind:
        return kind
    # No known extension: sniff the content.
    if data[:4] == b"PAR1":
        return "parquet"
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head in (b"[", b"{"):
        return "json" if head == b"[" else "jsonl"
    raise DataError(f"{name}: unsupported file type '{Path(name).suffix or '(none)'}'. Use a {_SUPPORTED} file.")


def _decode(data: bytes, name: str) -> str:
    """UTF-8 text (a BOM is dropped); binary and other encodings are refused with the fix."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise DataError(
            f'{name} is saved as UTF-16. Save it again as UTF-8 ("UTF-8" in the editor\'s '
            "save dialog, or `iconv -f UTF-16 -t UTF-8`)."
        )
    if b"\x00" in data[:8192]:
        raise DataError(f"{name} looks like a binary file, not text. Choose a {_SUPPORTED} file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{name} is not UTF-8 text (byte 0x{data[exc.start]:02x} at position {exc.start}). "
            "Save it again as UTF-8, e.g. `iconv -f latin1 -t UTF-8`."
        ) from None


def _describe(value: Any) -> str:
    if value is None:
        return "null (an empty value)"
    return {list: "a list", dict: "an object", str: "text", bool: "true/false"}.get(type(value), "a number")


def _json_message(exc: json.JSONDecodeError) -> str:
    # exc.msg sometimes ends in "at" already ("Unterminated string starting at"); exc.pos completes it.
    return f"{exc.msg} character {exc.pos}" if exc.msg.endswith(" at") else exc.msg


def _jsonl_records(text: str) -> tuple[list[tuple[int, Any]], list[RowError]]:
    records, errors = [], []
    # Split on "\n" only: str.splitlines() would also split on U+2028, which JSON allows inside strings.
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            value = parse_json(line)
        except json.JSONDecodeError as exc:
            errors.append(RowError(number, f"this line is not valid JSON ({_json_message(exc)}, column {exc.colno})"))
            continue
        except JSONProblem as exc:
            errors.append(RowError(number, f"this line cannot be read: {exc}"))
            continue
        if isinstance(value, dict):
            records.append((number, value))
        else:
            errors.append(RowError(number, f"this line holds {_describe(value)}, not an object {{...}}"))
    return records, errors


def _json_rows(value: Any) -> list:
    """Rows from a parsed .json file: an array, an object of columns, an object wrapping one array, or one row."""
    if isinstance(value, list):
        return value
    if not isinstance(value, dict):
        return [value]
    lists = {k: v for k, v in value.items() if isinstance(v, list)}
    wrapped = [v for v in lists.values() if v and all(isinstance(r, dict) for r in v)]
    if any(any({"role", "from"} & set(r) for r in v) for v in wrapped):
        return [value]  # a single conversation: its lists are turns, not rows
    if len(wrapped) == 1:
        return wrapped[0]  # {"data": [rows]}
    if lists and len(lists) == len(value) and len({len(v) for v in lists.values()}) == 1:
        keys = list(lists)  # columns: {"instruction": [...], "output": [...]}
        return [dict(zip(keys, cells, strict=True)) for cells in zip(*lists.values(), strict=True)]
    return [value]


def _json_records(text: str, name: str) -> tuple[list[tuple[int, Any]], list[RowError]]:
    try:
        value = parse_json(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # several objects, one per line: a JSONL file named .json
            return _jsonl_records(text)
        raise DataError(
            f"{name} is not valid JSON: {_json_message(exc)} at line {exc.lineno}, column "
            f"{exc.colno}. If it has one JSON object per line, name it .jsonl."
        ) from None
    except JSONProblem as exc:
        raise DataError(f"{name} cannot be read: {exc}.") from None
    records, errors = [], []
    for number, row in enumerate(_json_rows(value), start=1):
        if isinstance(row, dict):
            records.append((number, row))
        else:
            errors.append(RowError(number, f"this entry is {_describe(row)}, not an object {{...}}"))
    return records, errors


def _table(data: bytes, kind: str, name: str) -> tuple[list[str], list[dict]]:
    if kind == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(io.BytesIO(data))
        except (pa.ArrowException, OSError) as exc:
            raise DataError(f"{name} is not a readable Parquet file ({exc}).") from None
        return [str(c) for c in table.column_names], table.to_pylist()
    text = _decode(data, name)
    # Long answers are normal in training data; the csv module's default cell limit is 128 KiB.
    csv.field_size_limit(2**31 - 1)
    # strict: an unclosed quote is an error, not a cell that silently swallows the rest of the file.
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter="\t" if kind == "tsv" else ",", strict=True)
    rows: list[dict] = []
    last_line = 1  # the physical line where the last good record ended (the header at first)
    try:
        for row in reader:
            rows.append(row)
            last_line = reader.line_num
        columns = list(reader.fieldnames or [])
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise DataError(
                f'{name} has an unclosed quote (") in the cell that starts on line {last_line + 1}: '
                "everything after it would become one cell. Close the quote, or write a quote "
                'inside a cell as two quotes ("").'
            ) from None
        raise DataError(f"{name} is not a readable CSV file near line {last_line + 1} ({exc}).") from None
    if not columns:
        raise DataError(f"{name} has no header row. The first line must name the columns.")
    return columns, rows


def _cell(value: Any) -> Any:
    """A table cell as the converters expect it: missing -> None, numbers -> text, lists kept."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, (int, float, bool)):
        return str(value)
    return value


def _map_table(columns: list[str], rows: list[dict], column_map: dict[str, str], name: str) -> list:
    for fld, col in column_map.items():
        if fld not in FIELDS:
            raise DataError(f"Unknown field '{fld}' in the column mapping. Fields: {', '.join(FIELDS)}.")
        if col not in columns:
            raise DataError(f"{name} has no column '{col}' (mapped to '{fld}'). Columns: {', '.join(columns)}.")
    records, errors = [], []
    for i, row in enumerate(rows, 1):
        extra = row.get(None)  # csv.DictReader's restkey: cells beyond the header
        if extra:
            errors.append(
                RowError(
                    i,
                    f"this row has {len(columns) + len(extra)} cells but the header names "
                    f"{len(columns)} columns; a cell probably holds an unquoted comma. "
                    "Put that cell in double quotes.",
                )
            )
            continue
        records.append((i, {fld: _cell(row.get(col)) for fld, col in column_map.items()}))
    return records, errors


def peek_columns(path: str | Path) -> list[str] | None:
    """The column names of a CSV/TSV/Parquet file (header or schema only), or None for JSON files."""
    data, path = _read(path)
    kind = _kind(path.name, data)
    if kind not in TABLE_KINDS:
        return None
    if kind == "parquet":
        import pyarrow.parquet as pq

        try:
            return [str(n) for n in pq.read_schema(io.BytesIO(data)).names]
        except Exception as exc:  # pyarrow raises several unrelated types for a broken file
            raise DataError(f"{path.name} is not a readable Parquet file ({exc}).") from None
    first = _decode(data, path.name).split("\n", 1)[0]
    return next(csv.reader([first], delimiter="\t" if kind == "tsv" else ","), [])


# --- loading ----------------------------------------------------------------------------------------------


def load_file(path: str | Path, fmt: str | None = None, column_map: dict[str, str] | None = None) -> LoadResult:
    """Read a file from disk; see `load_bytes`."""
    data, path = _read(path)
    result = load_bytes(data, path.name, fmt=fmt, column_map=column_map)
    result.source = str(path)
    return result


def load_bytes(
    data: bytes, filename: str, fmt: str | None = None, column_map: dict[str, str] | None = None
) -> LoadResult:
    """Parse `data` (named `filename`, whose extension picks the reader) into canonical rows.

    `fmt` forces a format (one of FORMATS) instead of the majority vote over the rows' keys. For tables,
    `column_map` maps fields to columns ({"instruction": "question", "output": "answer"}); without it the
    mapping is guessed from the column names.
    """
    if fmt is not None and fmt not in FORMATS:
        raise DataError(f"Unknown format '{fmt}'. Choose one of: {', '.join(FORMATS)}.")
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise DataError(f"{filename} is empty. Choose a file with at least one row.")
    kind = _kind(filename, data)
    columns = None
    if kind in TABLE_KINDS:
        columns, table_rows = _table(data, kind, filename)
        column_map = dict(column_map) if column_map else guess_column_map(columns)
        if not column_map:
            raise DataError(
                f"Could not tell which columns of {filename} hold the prompt and the answer "
                f"(columns: {', '.join(columns)}). Map them to fields by hand "
                "(e.g. question -> instruction, answer -> output)."
            )
        records, errors = _map_table(columns, table_rows, column_map, filename)
    else:
        text = _decode(data, filename)
        records, errors = _jsonl_records(text) if kind == "jsonl" else _json_records(text, filename)
    total = len(records) + len(errors)
    if not records:
        shown = "; ".join(f"row {e.row}: {e.message}" for e in errors[:3])
        raise DataError(f"No row of {filename} could be read. {shown}")
    fmt = fmt or _vote(records, filename)
    unmapped = [f for f in REQUIRED_FIELDS[fmt] if columns and f not in column_map]
    if unmapped:
        raise DataError(
            f"Read as {fmt}, {filename} needs a column for: {', '.join(unmapped)}. Map one in the "
            f"column mapping (columns: {', '.join(columns)})."
        )
    rows, numbers, warnings = [], [], []
    for number, record in records:
        try:
            row, notes = convert_record(record, fmt)
        except RowProblem as exc:
            column = (column_map or {}).get(exc.field) if columns else None
            # In a table, name the column the user sees rather than our field name.
            message = f"the '{column}' cell is empty (that column holds the {exc.field})" if column else str(exc)
            errors.append(RowError(number, message))
            continue
        rows.append(row)
        numbers.append(number)
        warnings.extend(RowError(number, note) for note in notes)
    errors.sort(key=lambda e: e.row)
    return LoadResult(fmt, rows, errors, total, numbers, warnings, columns, column_map if columns else None)


def _vote(records: list[tuple[int, dict]], name: str) -> str:
    votes = Counter(f for f in (detect_row_format(r) for _, r in records) if f)
    if not votes:
        keys = ", ".join(list(records[0][1])[:8]) or "(none)"
        known = "; ".join(f"{f}: {', '.join(fields)}" for f, fields in FORMAT_FIELDS.items())
        raise DataError(
            f"Could not recognise the format of {name}: its rows have the fields {keys}. "
            f"Supported formats and their fields -- {known}. Rename the fields, or pick the format."
        )
    # Most rows win; a tie goes to the earlier format in FORMATS.
    return max(votes, key=lambda f: (votes[f], -FORMATS.index(f)))


# --- splitting --------------------------------------------------------------------------------------------


def _key(row: dict) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False)


def dedupe_rows(rows: list[dict]) -> tuple[list[dict], int]:
    """(rows without exact duplicates, first kept, how many were dropped)."""
    seen: set[str] = set()
    out = []
    for row in rows:
        key = _key(row)
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out, len(rows) - len(out)


def count_test_rows(n: int, test_size: float | int) -> int:
    """How many of `n` rows go to the test split; raises DataError for impossible sizes."""
    if isinstance(test_size, bool) or not isinstance(test_size, (int, float)):
        raise DataError(f"The test size must be a ratio like 0.1 or a row count like 20, not {test_size!r}.")
    if n < 2:
        raise DataError(f"A train/test split needs at least 2 rows; there {'is' if n == 1 else 'are'} {n}.")
    if isinstance(test_size, float):
        if not 0 < test_size < 1:
            raise DataError(
                f"A test ratio must be between 0 and 1 (e.g. 0.1), not {test_size}. "
                "For a number of rows, give a whole number like 20."
            )
        # Round up like scikit-learn, so a small ratio still gives a non-empty test split.
        count = math.ceil(n * test_size)
    else:
        count = test_size
    if not 1 <= count <= n - 1:
        raise DataError(
            f"A test split of {count} rows is impossible with {n} rows: choose between 1 and {n - 1} "
            "rows (or a ratio like 0.1) so both splits keep at least one row."
        )
    return count


def split_rows(
    rows: list[dict], test_size: float | int = 0.1, seed: int = 0, dedupe: bool = False
) -> tuple[list[dict], list[dict]]:
    """(train, test): a seeded, reproducible, disjoint split; each keeps the rows' original order.

    `test_size` is a ratio in (0, 1) or a row count. With `dedupe`, exact duplicate rows are dropped first,
    so the same example cannot land in both splits.

    >>> train, test = split_rows([{"i": i} for i in range(10)], test_size=2, seed=0)
    >>> len(train), len(test)
    (8, 2)
    """
    if dedupe:
        rows, _ = dedupe_rows(rows)
    count = count_test_rows(len(rows), test_size)
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    test_ids = set(order[:count])
    return ([r for i, r in enumerate(rows) if i not in test_ids], [r for i, r in enumerate(rows) if i in test_ids])


# --- statistics -------------------------------------------------------------------------------------------


def render_row(row: dict, tokenizer) -> str:
    """The row's text through the tokenizer's own chat template (plain `role: content` lines without one)."""
    messages = conversation(row)
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(messages, tokenize=False)
    return "".join(f"{m['role']}: {m['content']}\n" for m in messages)


def _spread(values: list[float]) -> dict:
    if not values:
        return {"min": 0, "mean": 0.0, "max": 0}
    return {"min": min(values), "mean": sum(values) / len(values), "max": max(values)}


def dataset_stats(rows: list[dict], tokenizer=None, max_length: int | None = None) -> dict:
    """Counts, turns and characters per row; token lengths (and truncation at `max_length`) with a tokenizer."""
    conversations = [conversation(r) for r in rows]
    chars = [sum(len(m["content"]) for m in msgs) for msgs in conversations]
    stats: dict[str, Any] = {
        "rows": len(rows),
        "preference_rows": sum(is_preference(r) for r in rows),
        "turns": _spread([len(msgs) for msgs in conversations]),
        "chars": dict(_spread(chars), total=sum(chars)),
    }
    if tokenizer is not None and rows:
        texts = [render_row(r, tokenizer) for r in rows]
        # The template already holds its special tokens; letting the tokenizer add more would double a BOS.
        lengths = [len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]]
        stats["token_lengths"] = lengths
        stats["tokens"] = dict(_spread(lengths), total=sum(lengths))
        if max_length is not None:
            over, fraction = count_truncated(lengths, max_length)
            stats.update(max_length=max_length, truncated=over, truncated_fraction=fraction)
    return stats


def count_truncated(lengths: list[int], max_length: int) -> tuple[int, float]:
    """(rows longer than `max_length` tokens, their fraction of all rows)."""
    over = sum(n > max_length for n in lengths)
    return over, over / len(lengths) if lengths else 0.0
