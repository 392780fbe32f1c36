"""The lines of the file each row of one pretty-printed JSON value spans, for a .jsonl file read whole as JSON, its
rows named by item ("item 7": `readers.jsonl_document`, `{"version": 2, "data": [...]}` or `{"train": [...], "test":
[...]}` spread over many lines): `tokens --line N` names a line of the file, as it does in any other .jsonl file, so
it finds the row whose text holds line N rather than item N.

    spans = item_lines(text)     # [(first line, last line)] of each row, in json_layout's order; None: not by item
    spans = jsonl_item_lines(path)   # the same of a .jsonl file on disk (compressed too); None: not a .jsonl
    item_at(spans, 52)           # the item number (1-based) whose text holds line 52, or None (a bracket's line)
    shown_at(loaded, 7)          # the --line that shows source row 7 of a LoadResult's file: item 7's first line

The value is walked with its positions down to the items of the arrays under a key, or one key further in (the
rows `json_layout` finds there, the same objects); below that json's own scanner reads each value whole. Rows that
are not one value in the text (a table written by column, pandas' layouts) have no lines: None.

Not known here: reading the file (data.py, readers.py), which rows failed to load, the command around it.
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring
from pathlib import Path

from ftlib.json_layout import json_layout

_SPACE = re.compile(r"[ \t\n\r]*")
_WALKED = 3  # containers walked with their positions: the value, a key's array or object, an array's item


def item_lines(text: str) -> list[tuple[int, int]] | None:
    """(first line, last line), 1-based, of each row of the JSON value `text` (one document, as `json_layout` reads
    its rows), in their order; None when the text is not one JSON value, or a row is not one value in it.

    >>> text = '{\\n "train": [\\n  {"text": "a"},\\n  {"text":\\n   "b"}\\n ],\\n "test": [{"text": "c"}]\\n}'
    >>> item_lines(text), item_lines("[1, 2")
    ([(3, 3), (4, 5), (7, 7)], None)
    """
    spans: dict[int, tuple[int, int]] = {}
    scan = json.scanner.make_scanner(json.JSONDecoder())
    try:
        value, end = _walk(text, _SPACE.match(text, text.startswith("\ufeff")).end(), 0, spans, scan)
    except (ValueError, StopIteration, IndexError):
        return None
    if text[_SPACE.match(text, end).end() :]:
        return None  # more after the value: not one document
    rows = json_layout(value)[0]
    if not rows or not all(id(row) in spans for row in rows):
        return None
    offsets = sorted({o for row in rows for o in (spans[id(row)][0], spans[id(row)][1] - 1)})
    line_of, line, previous = {}, 1, 0
    for offset in offsets:  # line breaks counted once through the text, in C
        line += text.count("\n", previous, offset)
        line_of[offset], previous = line, offset
    return [(line_of[spans[id(row)][0]], line_of[spans[id(row)][1] - 1]) for row in rows]


def jsonl_item_lines(path) -> list[tuple[int, int]] | None:
    """`item_lines` of the file at `path` where it is a .jsonl file (by its name; compressed too), [] for one whose
    rows are not each one value in its text, or that is not read whole as one JSON value (`readers.one_document`: a
    one-line file of one object is one JSON value too, but read as JSONL); None for any other file. DataError as
    `read_path` and `opened` raise it."""
    from ftlib.data_budget import opened_bound
    from ftlib.file_bytes import decode_text, file_kind, opened, read_path
    from ftlib.readers import one_document

    data, found = read_path(path)
    data, name = opened(data, found.name, opened_bound())
    if file_kind(name, data) != "jsonl":
        return None
    text = decode_text(data, name)
    return (one_document(text) and item_lines(text)) or []


def shown_at(loaded, row: int) -> int:
    """The `tokens --line` that shows source row `row` (1-based) of the file `loaded` (a `data.LoadResult`) read: the
    row's own number as `LoadResult.where` says it (a JSONL line, a JSON item, a table's data row), but for a .jsonl
    file read whole as one JSON value (its rows named "item N") the first line of the item's text, since `tokens
    --line` takes a line of any .jsonl file (`--line 2` there is the file's second line, no row's). The commands that
    print a `tokens` command for a row (`batch`, `data inspect`, `train`) ask here; the file is read again only then.

    >>> from types import SimpleNamespace as R
    >>> shown_at(R(file_type="jsonl", source="chats.jsonl", total=3), 2), shown_at(R(file_type="csv"), 2)
    (2, 2)
    """
    source = str(getattr(loaded, "source", "") or "")
    if getattr(loaded, "file_type", "") != "json" or ".jsonl" not in Path(source).name.lower():
        return row
    spans = jsonl_item_lines(source)
    return spans[row - 1][0] if spans and len(spans) == loaded.total and 0 < row <= len(spans) else row


def item_at(spans: list[tuple[int, int]], line: int) -> int | None:
    """The item number (1-based) of the row whose text holds `line` (`item_lines`' spans); None for a line of none.

    >>> item_at([(3, 3), (4, 5), (7, 7)], 5), item_at([(3, 3), (4, 5), (7, 7)], 6)
    (2, None)
    """
    return next((n for n, (first, last) in enumerate(spans, 1) if first <= line <= last), None)


def _walk(text: str, at: int, depth: int, spans: dict, scan) -> tuple[object, int]:
    """(the value starting at `at`, where it ends); an object's or array's span kept in `spans` by its id, an object
    walked key by key down to `_WALKED` levels, an array's items read whole by `scan` (json's own scanner), but for an
    item holding its row under 'row' (the dataset viewer's answer), walked. 100,000 rows (23 MB) take 4.7 s where
    json.loads takes 1.9 s (a busy 2-core CPU): only `tokens --line` on such a file asks. ValueError on text that is
    not JSON."""
    head = text[at : at + 1]
    if depth >= _WALKED or head not in ("{", "["):
        value, end = scan(text, at)
    elif head == "[":  # its items read whole (a row each, most often); the dataset viewer's walked for their 'row'
        value, end = [], _SPACE.match(text, at + 1).end()
        while text[end] != "]":
            start = end
            item, end = scan(text, start)
            if depth + 1 < _WALKED and isinstance(item, dict) and isinstance(item.get("row"), dict):
                item, end = _walk(text, start, depth + 1, spans, scan)
            elif isinstance(item, (dict, list)):
                spans[id(item)] = (start, end)
            value.append(item)
            end = _after(text, end, "]")
        end += 1
    else:
        value, end = {}, _SPACE.match(text, at + 1).end()
        while text[end] != "}":
            if text[end] != '"':
                raise ValueError("a key expected")
            key, end = scanstring(text, end + 1)
            end = _SPACE.match(text, end).end()
            if text[end] != ":":
                raise ValueError("':' expected")
            value[key], end = _walk(text, _SPACE.match(text, end + 1).end(), depth + 1, spans, scan)
            end = _after(text, end, "}")
        end += 1
    if isinstance(value, (dict, list)):
        spans[id(value)] = (at, end)
    return value, end


def _after(text: str, end: int, close: str) -> int:
    """Past the comma after a member (at the next member), or at `close`; ValueError for anything else."""
    end = _SPACE.match(text, end).end()
    if text[end] == ",":
        return _SPACE.match(text, end + 1).end()
    if text[end] != close:
        raise ValueError(f"',' or '{close}' expected")
    return end


__all__ = ["item_at", "item_lines", "jsonl_item_lines", "shown_at"]
