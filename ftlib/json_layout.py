"""Where the rows of a parsed .json file are: an array, an object that wraps them, columns, pandas' layouts.

    rows, note = json_layout(json.loads(text))   # the rows, and a note naming the key that holds them (or None)
    json_rows(value)                             # the rows alone

A .json file is one JSON value; its rows are the value itself when it is an array, the array under one key of an
object that wraps them (`{"version": 2, "data": [...]}`, the keys beside it named in the note), the arrays of several
such keys one after the other (`{"train": [...], "test": [...]}`: the note is a `KeyedNote` carrying each key's item
count, and `key_roles` says which key is the file's own test split), lists of cells by column, or one of the layouts
pandas' `DataFrame.to_json` writes (`pandas_layout`), or the Hugging Face dataset viewer's API answer (`{"rows":
[{"row_idx", "row", "truncated_cells"}]}`: each 'row', the cells the viewer cut named); any of these one key further
in (`{"version": 2, "data": {"train": [...], "test": [...]}}`). An object that is itself a row (a conversation, a
row with `tools`) stays one row.

Not known here: reading the text, numbering rows and their errors (readers.py), formats (formats.py).
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from ftlib.turns import has_value


def json_rows(value: Any) -> list:
    """Rows from a parsed .json file: an array, an object of columns, an object wrapping one array, or one row."""
    return json_layout(value)[0]


# Fields only a row has (ftlib.formats reads them): an object holding one is a row, whatever lists it holds.
_ROW_KEYS = {"messages", "conversations", "prompt", "completion", "chosen", "rejected", "instruction", "text"}


def _is_turns(item: Any) -> bool:
    """Whether `item` is a conversation written as a bare list of turns (objects with a role, or ShareGPT's from)."""
    turns = isinstance(item, list) and bool(item)
    return turns and all(isinstance(t, dict) and bool({"role", "from"} & set(t)) for t in item)


# Keys a split dataset's dump names its held-out rows by ({"train": [...], "test": [...]}), the test split's first.
_HELD_OUT_KEYS = ("test", "validation", "valid", "val", "eval", "dev")
_WORDS = re.compile(r"[^0-9a-z]+")  # a key's words: `test_sft` is test's, `train-gen` train's


class KeyRoles(NamedTuple):
    """What each key of a .json file that holds its own split is for (`key_roles`), each in the file's order."""

    test: str  # the key whose rows are the held-out split: 'test', else 'validation', 'valid', ... (_HELD_OUT_KEYS)
    train: tuple[str, ...]  # the keys whose rows train: each key not named as held out
    left_out: tuple[str, ...]  # the other keys named as held out ('validation' beside 'test'): neither
    unnamed: tuple[str, ...]  # of `train`, the keys named neither train nor held out ('extra'): trained too


def _held_rank(key: str) -> tuple[int, int] | None:
    """How strongly `key` names held-out rows, lower first: its whole name ('test', 'validation'), then one of its
    words ('test_sft'), each in _HELD_OUT_KEYS' order; None for a key that does not."""
    name = key.lower()
    if name in _HELD_OUT_KEYS:
        return 0, _HELD_OUT_KEYS.index(name)
    found = [_HELD_OUT_KEYS.index(w) for w in _WORDS.split(name) if w in _HELD_OUT_KEYS]
    return (1, min(found)) if found else None


def key_roles(counts: list[tuple[str, int]] | tuple) -> KeyRoles | None:
    """Which of the keys a .json file's rows were read from (`counts`: each key and its items, in order) is its test
    split, which train and which are left out; None when no key is named as held out, or every key is.

    >>> key_roles([("train", 8), ("validation", 1), ("test", 2), ("extra", 1)])
    KeyRoles(test='test', train=('train', 'extra'), left_out=('validation',), unnamed=('extra',))
    >>> key_roles([("train", 8), ("validation", 2)]).test, key_roles([("sft", 3), ("gen", 2)])
    ('validation', None)
    """
    ranks = {key: rank for key, _ in counts if (rank := _held_rank(key)) is not None}
    train = tuple(key for key, _ in counts if key not in ranks)
    if not ranks or not train:
        return None
    test = min(ranks, key=ranks.__getitem__)  # the first of equals in the file's order
    unnamed = tuple(k for k in train if not {"train", "training"} & set(_WORDS.split(k.lower())))
    return KeyRoles(test, train, tuple(k for k in ranks if k != test), unnamed)


class KeyedNote(str):
    """A layout's note on rows read from several keys, one after the other, that also carries which: `counts`, each
    key and how many items it holds, in the order read (the rows are numbered on across them). The readers pass
    their notes on as they are, so `data.LoadResult.from_keys` gets them (`keyed_counts`)."""

    counts: tuple[tuple[str, int], ...]
    own_split: bool  # the note of a file that holds its own split, which says where a split is made (`split_note`)

    def __new__(cls, text: str, counts, own_split: bool = False) -> KeyedNote:
        note = super().__new__(cls, text)
        note.counts = tuple((str(k), int(n)) for k, n in counts)
        note.own_split = bool(own_split)
        return note

    def __reduce__(self):  # pickled (a cached page value) as the note, its counts and its kind
        return KeyedNote, (str(self), self.counts, self.own_split)


def split_note(message: str) -> bool:
    """Whether a file's note (a `FieldNotice.message`) is this module's note of a .json file that holds its own
    split ("The file holds its own split: ... Where a split is made of it, ..."; one key further in too), which
    speaks of a split: a command that makes none (`evaluate --data`, `batch`) leaves it out, by this mark, not its
    words.

    >>> split_note(json_layout({"train": [{"text": "a"}], "test": [{"text": "b"}]})[1]), split_note("The rows ...")
    (True, False)
    """
    return isinstance(message, KeyedNote) and message.own_split


def keyed_counts(notes: list[str]) -> tuple[tuple[str, int], ...]:
    """The keys and item counts a `KeyedNote` among `notes` carries; () when the rows were not read from several."""
    return next((n.counts for n in notes if isinstance(n, KeyedNote)), ())


# The items of the Hugging Face dataset viewer's API (/rows, /first-rows, /search, /filter): each holds one row.
_VIEWER_KEYS = {"row_idx", "row", "truncated_cells"}


def _viewer_rows(value: Any) -> tuple[list, str] | None:
    """(rows, a note) of the dataset viewer's API answer saved as a file (`{"features", "rows": [{"row_idx", "row",
    "truncated_cells"}], ...}`, or its list of rows alone), else None: each item's 'row' is the row."""
    items = value.get("rows") if isinstance(value, dict) else value
    if items == [] and isinstance(value, dict) and {"features", "num_rows_total"} <= set(value):
        return [], None  # a page with no rows (a search nothing matched): not its 'features' read as the rows
    if not isinstance(items, list) or not items:
        return None
    if not all(isinstance(r, dict) and isinstance(r.get("row"), dict) and "row_idx" in r for r in items):
        return None
    if not all(set(r) <= _VIEWER_KEYS for r in items):
        return None
    note = (
        "Each item holds its row under 'row', as the Hugging Face dataset viewer's API (/rows, /first-rows) writes "
        "it: that row is read ('row_idx' and 'truncated_cells' are not its fields)."
    )
    others = [f"'{k}'" for k, v in value.items() if k != "rows" and has_value(v)] if isinstance(value, dict) else []
    if others:
        which = (
            f"key {others[0]} beside 'rows' is" if len(others) == 1 else f"keys {', '.join(others)} beside 'rows' are"
        )
        note += f" The {which} not rows and ignored."
    cut = [r for r in items if r.get("truncated_cells")]
    if cut:  # the viewer shortened these cells to fit its page: what is read is not the dataset's whole text
        names = ", ".join(sorted({f"'{c}'" for r in cut for c in r["truncated_cells"]}))
        note += (
            f" In {len(cut)} of the {len(items)} rows the viewer cut cells short ({names}), so those hold only the "
            "start of their text: download the dataset's own files for whole rows."
        )
    return [r["row"] for r in items], note


def _object_rows(items: list) -> bool:
    """Whether a list under a key holds rows: objects, at least half of its items. The others (a null, a stray text an
    exporter wrote) are kept, each refused by its item number as in a bare array: a cold walk's `{"data": [...]}` with
    one null in it was read as one row of a field `data`, its format not recognised (helper 191)."""
    objects = sum(isinstance(r, dict) for r in items)
    return objects > 0 and 2 * objects >= len(items)


def _columns_with_strays(value: dict, lists: dict[str, list]) -> bool:
    """Whether `value` is written as columns (every key a list, all as long) one of which holds no object: then a list
    of objects with a null among them is a column whose row has none (a dataset's `to_dict()` of an optional struct
    column), not rows with a stray, and is not read as the rows (`_object_rows`); the columns are (helper 193)."""
    same = len(lists) > 1 and len(lists) == len(value) and len({len(v) for v in lists.values()}) == 1
    return same and any(not any(isinstance(r, dict) for r in v) for v in lists.values())


def _named_columns(value: dict, lists: dict[str, list]) -> bool:
    """Whether `value` is written as columns (every key a list, all as long) one of which holds no object and is named
    as a field of a row (`prompt`, `question`, `messages`: a table's texts or conversations): then its columns of
    objects, null or not, are its rows' cells (a dataset's `to_dict()` of a struct column `meta`, a `completion` of one
    message a row), not the rows, and the file is not one row of lists either (helper 203: `{"question": [...],
    "answer": [...], "meta": [{...}, {...}]}` read as the rows of `meta`, its questions ignored)."""
    same = len(lists) > 1 and len(lists) == len(value) and len({len(v) for v in lists.values()}) == 1
    named = _ROW_KEYS | _QA_KEYS
    return same and any(k in named and not any(isinstance(r, dict) for r in v) for k, v in lists.items())


# How to write each key's rows as a file of its own, FILE.json's `train` as train.json, for keys none of which is named
# as held out (a key that is is the file's own test split: `key_roles`). `d.items()` is `d['data'].items()` one key
# further in (_nested_rows).
_SAVE_KEYS = (
    "for example `python -c \"import json; d = json.load(open('FILE.json')); "
    "[json.dump(v, open(k + '.json', 'w')) for k, v in d.items() if isinstance(v, list)]\"`"
)


def json_layout(value: Any, nested: bool = True) -> tuple[list, str | None]:
    """(rows, a note on where they were found) of a parsed .json file (see `json_rows`); the note names the key
    that holds the rows (or the keys, read one after the other) and the keys beside them, which are not rows and
    not read.

    >>> json_layout({"version": "2", "data": [{"text": "a"}], "meta": {"n": 1}})[1]
    "The rows are read from the key 'data'; the keys 'version', 'meta' are not rows and are ignored."
    >>> json_layout({"train": [{"text": "a"}, {"text": "b"}], "sources": [{"url": "x"}]})[1]
    "The rows are read from the key 'train'; the key 'sources' is not rows and is ignored."

    An object whose rows are one key further in (`{"version": 2, "data": {"train": [...], "test": [...]}}`, or
    `{"data": {column: [cells]}}`) is read as that key's object would be, with `nested` (one level only).
    """
    viewer = _viewer_rows(value)
    if viewer:
        return viewer
    if isinstance(value, list):
        if value and all(_is_turns(item) for item in value):  # [[turns], [turns]]: conversations, bare
            rows = [{"messages": item} for item in value]
            return rows, "Each item of the array is a list of turns: each is read as one conversation (`messages`)."
        return value, None
    if not isinstance(value, dict):
        return [value], None
    lists = {k: v for k, v in value.items() if isinstance(v, list)}
    wrapped = {k: v for k, v in lists.items() if _object_rows(v)}
    if _named_columns(value, lists):  # {"question": [texts], "meta": [objects]}: columns, read below
        wrapped = {}
    elif _columns_with_strays(value, lists):  # a column of objects with a null is a column, not the rows
        wrapped = {k: v for k, v in wrapped.items() if all(isinstance(r, dict) for r in v)}
    if any(any(isinstance(r, dict) and {"role", "from"} & set(r) for r in v) for v in wrapped.values()):
        return [value], None  # a single conversation: its lists are turns, not rows
    if wrapped and _ROW_KEYS & set(value):
        return [value], None  # one row whose list of objects is a field of it (its `tools`), not the rows
    if len(wrapped) > 1:  # a list of objects sharing no field with the longest one's is not rows ({"meta": [...]})
        fields = {k for r in max(wrapped.values(), key=len) if isinstance(r, dict) for k in r}
        wrapped = {k: v for k, v in wrapped.items() if any(isinstance(r, dict) and fields & set(r) for r in v)}
    if not wrapped and (texts := _text_wrapper(value, lists)):
        wrapped = texts  # {"data": ["text", ...]}: its items are the rows, each refused as text (readers.py)
    if len(wrapped) == 1:
        ((key, rows),) = wrapped.items()  # {"data": [rows], ...}
        others = [k for k, v in value.items() if k != key and has_value(v)]
        beside = ", ".join(f"'{k}'" for k in others)
        what = (
            f"the key {beside} is not rows and is" if len(others) == 1 else f"the keys {beside} are not rows and are"
        )
        note = f"The rows are read from the key '{key}'" + (f"; {what} ignored." if others else ".")
        # {"train": [...], "test": []}: a split of its own with one side empty is none; said, or a published (empty)
        # test split would go unused without a word
        empty = [k for k, v in value.items() if isinstance(v, list) and not v]
        if empty and key_roles([(key, len(rows)), *((k, 0) for k in empty)]):
            named = f"key '{empty[0]}' holds" if len(empty) == 1 else f"keys {', '.join(map(repr, empty))} hold"
            note += (
                f" The {named} no rows, so the file has no split of its own: a train/test split is drawn from the "
                f"rows of '{key}'."
            )
        return rows, note
    if len(wrapped) > 1:  # {"train": [rows], "test": [rows]}: every row is read, one key after the other
        parts = [f"'{k}' ({len(v)} {'row' if len(v) == 1 else 'rows'})" for k, v in wrapped.items()]
        others = [f"'{k}'" for k, v in value.items() if k not in wrapped and has_value(v)]
        counts = [(k, len(v)) for k, v in wrapped.items()]
        roles = key_roles(counts)
        if roles:  # the file's own split: its held-out key is the test split where a split is made (split_keys.py)
            note = (
                f"The file holds its own split: the keys {', '.join(parts[:-1])} and {parts[-1]}, read in that "
                f"order. Where a split is made of it, its '{roles.test}' rows are the held-out ones as published, "
                "unless a split drawn from all its rows is asked for."
            )
        else:
            note = (
                f"The rows of the keys {', '.join(parts[:-1])} and {parts[-1]} are read together, in that order, "
                f"and a train/test split is drawn from them all (save one key's rows as a file of their own to keep "
                f"them apart, {_SAVE_KEYS})."
            )
        if others:
            which = f"key {others[0]} is" if len(others) == 1 else f"keys {', '.join(others)} are"
            note += f" The {which} not rows and ignored."
        return [r for v in wrapped.values() for r in v], KeyedNote(note, counts, roles is not None)
    pandas = pandas_layout(value)
    if pandas:
        return pandas
    if lists and len(lists) == len(value) and len({len(v) for v in lists.values()}) == 1:
        keys = list(lists)  # columns: {"instruction": [...], "output": [...]}
        return [dict(zip(keys, cells, strict=True)) for cells in zip(*lists.values(), strict=True)], None
    inner = _nested_rows(value) if nested else None
    return inner or ([value], None)


# Keys that wrap a file's rows, not a row's fields: a lone list of texts under one is the rows (`_text_wrapper`)
_WRAPPER_KEYS = {"data", "rows", "items", "examples", "records", "samples", "instances", "entries", "dataset", "train"}


def _text_wrapper(value: dict, lists: dict[str, list]) -> dict[str, list]:
    """{key: items} when `value`'s one list holds only texts under a key that wraps rows (`_WRAPPER_KEYS`: `data`,
    `rows`), else {}: `{"data": ["a", "b"]}` is a wrapper of texts, each refused as not an object with the fix, not a
    column `data` ("its rows have the fields data", helper 256); `{"text": [...]}` stays a column, and so does a key
    of its own (`{"prompts": [...]}`), which the field mapping reads (refused too, no mapping could read it)."""
    if len(lists) != 1:
        return {}
    ((key, items),) = lists.items()
    named = key in _ROW_KEYS or key in _QA_KEYS or key in {"system", "label", "tools", "history", "output"}
    if named or not items or not all(isinstance(r, str) for r in items):
        return {}
    return {key: items} if key.lower() in _WRAPPER_KEYS else {}


# A question's or an answer's name, as a row's own fields (a GSM8K-like row, Alpaca's input/output): an object with
# one holding text beside an object of lists (`{"question", "answer", "meta": {"tags": [...]}}`) is one row, not a
# wrapper whose rows are that object's cells (its question and answer then ignored).
_QA_KEYS = {"question", "answer", "answers", "input", "output", "response", "query", "problem", "solution"}


def _nested_rows(value: dict) -> tuple[list, str] | None:
    """(rows, a note) of an object holding its rows one key further in ({"data": {"train": [...]}}, {"data":
    {column: [cells]}}), else None: exactly one key's object must read as rows, and the object is not a row."""
    if _ROW_KEYS & set(value) or any(isinstance(v, list) and v for v in value.values()):
        return None  # a row with an object field, or lists beside that are not rows: not a wrapper
    if any(isinstance(value.get(k), (str, int, float)) for k in _QA_KEYS):
        return None  # a question or an answer of its own: a row (an API's {"response": {...}} may still wrap rows)
    found = []
    for key, inner in value.items():
        if isinstance(inner, dict):
            rows, note = json_layout(inner, nested=False)
            # The inner object read as itself (one row) is not rows found: only a layout of several counts.
            if not (len(rows) == 1 and rows[0] is inner) and rows and all(isinstance(r, dict) for r in rows):
                found.append((key, rows, note))
    if len(found) != 1:
        return None
    ((key, rows, note),) = found
    columns = "it holds them as lists of cells by column ({column: [cells]}): the n-th cell of each column is row n."
    how = note or columns
    others = [f"'{k}'" for k, v in value.items() if k != key and has_value(v)]
    how = how.replace("d.items()", f"d['{key}'].items()")  # the command saving each key's rows, one key in
    text = f"The rows are read from under the key '{key}'; {how[0].lower()}{how[1:]}"
    if others:
        which = f"key {others[0]} is" if len(others) == 1 else f"keys {', '.join(others)} are"
        text += f" The {which} not rows and ignored."
    return rows, KeyedNote(text, note.counts, note.own_split) if isinstance(note, KeyedNote) else text


def _numbered(value: dict) -> bool:
    return bool(value) and all(isinstance(k, str) and k.lstrip("-").isdigit() for k in value)


def pandas_layout(value: dict) -> tuple[list, str] | None:
    """(rows, a note) of an object laid out as pandas' `DataFrame.to_json` writes one other than as records: by
    column ({column: {row number: value}}, its default), by row number ({row number: {column: value}}, orient
    "index") or split ({"columns", "index"?, "data": [[...]]}); None for any other object.

    >>> pandas_layout({"instruction": {"0": "Say hi.", "1": "Count."}, "output": {"0": "Hi.", "1": "1 2 3"}})[0]
    [{'instruction': 'Say hi.', 'output': 'Hi.'}, {'instruction': 'Count.', 'output': '1 2 3'}]
    """
    how = "The file is laid out {}, as pandas' `DataFrame.to_json({})` writes it: each {} is read as a row."
    inner = [v for v in value.values() if isinstance(v, dict)]
    if inner and len(inner) == len(value) and all(_numbered(v) and v.keys() == inner[0].keys() for v in inner):
        rows = [{column: cells[n] for column, cells in value.items()} for n in inner[0]]
        return rows, how.format("by column ({column: {row number: value}})", "path", "row number")
    if inner and len(inner) == len(value) and _numbered(value):
        return inner, how.format("by row number ({row number: {column: value}})", 'path, orient="index"', "entry")
    columns, data = value.get("columns"), value.get("data")
    if {"columns", "data"} <= set(value) <= {"columns", "index", "data"} and isinstance(columns, list):
        if isinstance(data, list) and all(isinstance(r, list) and len(r) == len(columns) for r in data):
            rows = [dict(zip(map(str, columns), cells, strict=True)) for cells in data]
            return rows, how.format('as "columns" and "data"', 'path, orient="split"', "list in 'data'")
    return None


__all__ = [
    "KeyRoles",
    "KeyedNote",
    "json_layout",
    "json_rows",
    "key_roles",
    "keyed_counts",
    "pandas_layout",
    "split_note",
]
