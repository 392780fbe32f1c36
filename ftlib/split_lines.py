"""Where a saved split's rows came from: each row's place in the file it was read from (a JSONL line, a JSON item, a
table's data row and the line it starts on), kept in the split's meta.json, so a warning naming "held-out row 2" of
the split can say it is line 9 of chats.jsonl, the file the user has, even after that file is gone.

    meta |= split_lines(loaded, "chats.jsonl", train=train, test=test)   # LoadResult.split_meta does this
    meta["test_lines"]        # {"file": "chats.jsonl", "file_type": "jsonl", "rows": "0+2,1+4,2"}
    lines_note(meta, ["Held-out row 2 scores no token ..."], sizes=(len(train), len(test)))
    # -> "The row numbers above count the split's training and held-out rows, not the rows of chats.jsonl: held-out
    #     row 2 is line 9."

The places are kept in meta.json (`train_lines`, `test_lines`), never in the rows: a field added to a row would be
reported as a field nothing reads and could change what trains. A row is found by identity among the file's rows
(`LoadResult.rows`, numbered by `row_numbers`): the splits keep the file's row objects (`splits.split_rows`,
`splits.dedupe_rows`: a duplicate's kept row is the first, with its own line; `own_split`). Each side records its own
file: a split with the data's own test file (ftlib/own_split.py) has two. The numbers are packed (`pack`): 100,000
rows split 90/10 take about 60 KB, against 890 KB as JSON lists. A split saved before this module, or edited by
hand since (its row counts no longer those recorded), has no places: its rows are named as before, never an error.

Not known here: how a file is read (data.py), where a split is saved (workspace.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ftlib.errors import numbered

SIDES = {"train": "training", "test": "held-out"}  # meta.json's side -> how warnings name its rows


def key_item(keys, row: int) -> tuple[str, int] | None:
    """(the key, the item number in it) of source row `row` (1-based) of a .json file whose rows were read from several
    keys one after the other (`keys`: each key and its item count, in the file's order: `LoadResult.from_keys`, a
    split's meta.json `keys`), numbered on across them; None for a file read from one place, or a row past them.

    >>> key_item([("train", 6), ("test", 4)], 7), key_item([("train", 6), ("test", 4)], 6), key_item((), 7)
    (('test', 1), ('train', 6), None)
    """
    start = 0
    for key, items in keys or ():
        if start < row <= start + items:
            return str(key), row - start
        start += items
    return None


def place(file_type: str, row: int, line: int | None = None, file: str = "", keys=()) -> str:
    """Where source row `row` (1-based) is, in the words of the file's type (`LoadResult.where`'s), naming `file`
    when given; `line`: the line a table's data row starts on; `keys`: a .json file's keys its rows were read from
    (`key_item`), where the row is then said in its key too, as the Data page's preview heads it: the file's 'test'
    key's first item is what a user finds there, not "item 7". The one naming of a row for every message and page.

    >>> place("jsonl", 3), place("json", 3, file="rows.json"), place("csv", 3, 5), place("parquet", 3)
    ('line 3', 'item 3 of rows.json', 'data row 3 (line 5 of the file)', 'data row 3')
    >>> place("csv", 3, 5, "chats.csv")
    'data row 3 of chats.csv (line 5 of the file)'
    >>> place("json", 7, keys=[("train", 6), ("test", 4)]), place("json", 2, file="d.json", keys=[("train", 6)])
    ("item 7 (the 'test' key's item 1)", "item 2 of d.json (the 'train' key's item 2)")
    """
    of = f" of {file}" if file else ""
    if file_type == "jsonl":
        return f"line {row}{of}"
    if file_type == "json":
        found = key_item(keys, row)
        return f"item {row}{of}" + (f" (the '{found[0]}' key's item {found[1]})" if found else "")
    if line is not None:
        return f"data row {row}{of} (line {line} of the file)"
    return f"data row {row}{of}"


def flat_place(where: str) -> str:
    """A row's place (`place`, `LoadResult.where`) said inside brackets of its own sentence, flat: a table's "data
    row 4 (line 5 of the file)" as "data row 4 at line 5 of the file", a .json file's "item 7 (the 'test' key's item
    1)" as "item 7 at the 'test' key's item 1", not brackets in brackets (`data inspect` read "(data row 1 (line 2 of
    the file); cut in training)", the Evaluate page "(data row 1 of faq.csv (line 2 of the file))"); "at", not a
    comma, so a list of places still reads one place per comma. Any other place as it is. The one flattening of a
    place for `data inspect`, `tokens --line`, a table's blank-rows note and the pages.

    >>> flat_place("data row 4 (line 5 of the file)"), flat_place("data row 1 of faq.csv (line 2 of the file)")
    ('data row 4 at line 5 of the file', 'data row 1 of faq.csv at line 2 of the file')
    >>> flat_place("line 3"), flat_place("item 3 of rows.json"), flat_place("data row 2")
    ('line 3', 'item 3 of rows.json', 'data row 2')
    >>> flat_place("item 7 of d.json (the 'test (v2)' key's item 1)")
    "item 7 of d.json at the 'test (v2)' key's item 1"
    """
    return _BRACKETED.sub(r" at \1", where)


# `place`'s line of a table's data row, or key of a .json file's item (a key's name may hold brackets of its own)
_BRACKETED = re.compile(r" \((line \d+ of the file|the '.*' key's item \d+)\)$")


def rows_said(noun: str, numbers: list[int], keys=(), limit: int = 8) -> str:
    """`noun` with the first `limit` of source rows `numbers` ("items 7, 9"; `errors.numbered`), each key's items said
    after them for a .json file read from several keys (`keys`, as `place` takes them), flat, for a note's brackets:
    "items 7, 9 at the 'test' key's items 1, 3".

    >>> rows_said("item", [2, 7, 9], [("train", 6), ("test", 4)])
    "items 2, 7, 9 at the 'train' key's item 2 and the 'test' key's items 1, 3"
    >>> rows_said("line", [3, 4]), rows_said("item", [7], [("train", 6), ("test", 4)])
    ('lines 3, 4', "item 7 at the 'test' key's item 1")
    """
    said = numbered(noun, numbers, limit)
    found: dict[str, list[int]] = {}
    for n in numbers[:limit]:
        if (at := key_item(keys, n)) is not None:
            found.setdefault(at[0], []).append(at[1])
    if not found:
        return said
    return f"{said} at " + " and ".join(f"the '{key}' key's {numbered('item', items)}" for key, items in found.items())


def pack(numbers: Sequence[int]) -> str:
    """`numbers` as compact text: runs of consecutive numbers, comma-separated, each written as how many numbers it
    skips after the previous run's last (the first run: after 0; negative when it goes back) and `+K` when K more
    follow. A split keeps the file's order, so its rows are a few long runs: 90,000 of 100,000 rows fit in 37 KB.

    >>> pack([1, 2, 3, 5, 9, 10]), pack([4]), pack([]), pack([5, 2])
    ('0+2,1,3+1', '3', '', '4,-4')
    >>> unpack(pack([1, 2, 3, 5, 9, 10, 7, 8]))
    [1, 2, 3, 5, 9, 10, 7, 8]
    """
    parts, previous, i = [], 0, 0
    while i < len(numbers):
        end = i
        while end + 1 < len(numbers) and numbers[end + 1] == numbers[end] + 1:
            end += 1
        gap = numbers[i] - previous - 1
        parts.append(f"{gap}+{end - i}" if end > i else str(gap))
        previous, i = numbers[end], end + 1
    return ",".join(parts)


_RUN = re.compile(r"(-?\d+)(?:\+(\d+))?")


def unpack(text: str) -> list[int]:
    """The numbers `pack` wrote; ValueError for text it did not write.

    >>> unpack("0+2,1,3+1"), unpack("")
    ([1, 2, 3, 5, 9, 10], [])
    """
    numbers: list[int] = []
    previous = 0
    for part in text.split(",") if text else []:
        run = _RUN.fullmatch(part)
        if run is None:
            raise ValueError(f"not a packed run of row numbers: {part!r}")
        start = previous + 1 + int(run.group(1))
        numbers.extend(range(start, start + 1 + int(run.group(2) or 0)))
        previous = numbers[-1]
    return numbers


def side_lines(loaded, rows: list[dict], file: str) -> dict | None:
    """Where each of `rows` is in the file `loaded` (a `data.LoadResult`) read, for meta.json: {"file": `file` (the
    name the user knows), "file_type", "rows": the source rows packed, "lines": a table's line of each, packed}; None
    when a row is not one of the file's own row objects (then no place is kept rather than a wrong one). A .json
    file read from several keys keeps them too, "keys": [[key, items], ...] (`LoadResult.from_keys`)."""
    source: dict[int, int] = {}
    for row, number in zip(loaded.rows, loaded.row_numbers, strict=True):
        source.setdefault(id(row), number)  # an object listed twice keeps its first place, as dedupe keeps a row
    numbers = [source.get(id(row)) for row in rows]
    if None in numbers:
        return None
    out = {"file": file, "file_type": loaded.file_type, "rows": pack(numbers)}
    if loaded.from_keys:  # a .json file's keys, so its rows are said in their key too (`place`)
        out["keys"] = [[key, items] for key, items in loaded.from_keys]
    lines = loaded.lines
    if lines and all(0 < n <= len(lines) for n in numbers):
        out["lines"] = pack([lines[n - 1] for n in numbers])
    return out


def split_lines(loaded, file: str, train: list[dict] | None = None, test: list[dict] | None = None) -> dict:
    """meta.json's `train_lines` and `test_lines` for the sides given (`side_lines`); {} for neither."""
    out = {}
    for side, rows in (("train", train), ("test", test)):
        if rows is not None and (found := side_lines(loaded, rows, file)) is not None:
            out[f"{side}_lines"] = found
    return out


def side_places(meta: dict, side: str, size: int) -> tuple[dict, list[int], list[int] | None] | None:
    """(the side's record, its source rows, a table's lines or None) from a split's meta.json; None when the split
    keeps none for `side` ("train" or "test"), or not for `size` rows (edited since), or they cannot be read."""
    kept = meta.get(f"{side}_lines") if isinstance(meta, dict) else None
    if not isinstance(kept, dict) or not isinstance(kept.get("rows"), str) or not isinstance(kept.get("file"), str):
        return None
    try:
        numbers = unpack(kept["rows"])
        lines = unpack(kept["lines"]) if isinstance(kept.get("lines"), str) else None
    except ValueError:
        return None
    if len(numbers) != size or (lines is not None and len(lines) != size):
        return None
    return kept, numbers, lines


def row_place(meta: dict, side: str, n: int, size: int) -> str | None:
    """Where row `n` (1-based) of a saved split's `side` ("train" or "test", `size` rows) is in the file it was read
    from, its file named: "line 9 of chats.jsonl"; None when the split keeps no places (saved before they were kept).

    >>> meta = {"test_lines": {"file": "chats.jsonl", "file_type": "jsonl", "rows": "2,3"}}
    >>> row_place(meta, "test", 2, 2), row_place({}, "test", 2, 2)
    ('line 7 of chats.jsonl', None)
    """
    return row_places(meta, side, size, [n]).get(n)


def row_places(meta: dict, side: str, size: int, rows) -> dict[int, str]:
    """`row_place` of each of `rows` (1-based) of the same split side, the places unpacked once for all of them (a
    10,000-row table: one unpack, not 10,000): {n: "line 9 of chats.jsonl"}; rows out of 1..`size` left out; {} when
    the split keeps no places."""
    found = side_places(meta, side, size)
    if found is None:
        return {}
    kept, numbers, lines = found
    kind, file, keys = str(kept.get("file_type") or ""), kept["file"], kept_keys(kept)
    return {n: place(kind, numbers[n - 1], lines[n - 1] if lines else None, file, keys) for n in rows if 0 < n <= size}


def kept_keys(kept: dict) -> list[tuple[str, int]]:
    """The keys a side's record in meta.json (`side_lines`) keeps, as `place` takes them; [] where it keeps none (a
    split saved before they were kept, a file read from one place) or they are not as written (edited by hand).

    >>> kept_keys({"keys": [["train", 6], ["test", 4]]}), kept_keys({"keys": [["train", "6"]]}), kept_keys({})
    ([('train', 6), ('test', 4)], [], [])
    """
    keys = kept.get("keys")
    if not isinstance(keys, list):
        return []
    if not all(isinstance(k, list) and len(k) == 2 and isinstance(k[0], str) and type(k[1]) is int for k in keys):
        return []
    return [(key, items) for key, items in keys]


# "Training row 3", "Held-out rows 2, 5 and 3 more", "training prompts 1, 4", "In 1 of 2 training rows (rows 1, 4)":
# a row named by its place in a split.
SPLIT_ROWS = re.compile(r"\b(training|held-out) (?:row|prompt)s? (?:\((?:row|prompt)s? )?(\d+(?:, \d+)*)", re.I)
# A check raised in several ways names each way's rows after its opening ("In 25 of 25 training rows, in 2 ways.
# Rows 1, 2: A. Row 3: B.", or of one problem "..., the same problem in different messages. Rows 1, 2: A.",
# `checks._in_rows`): those rows are of the side the opening names.
WAYS = re.compile(
    r"\b(training|held-out) rows?\b[^:]*?, (?:in \d+ ways(?: \([^)]*\))?|the same problem in different messages)\. ",
    re.I,
)
WAY_ROWS = re.compile(r"(?:^|(?<=\. ))Rows? (\d+(?:, \d+)*)(?: and \d+ more)?: ")
SHOWN = 8  # rows given their line before "and N more"


def named_rows(said: list[str]) -> list[tuple[str, int]]:
    """Each row `said` names by its place in a split, once, in order: ("train" or "test", its 1-based number).

    >>> named_rows(["Training row 3 will be left out.", "In 1 of 2 training rows (rows 1, 3): x. Held-out row 2"])
    [('train', 3), ('train', 1), ('test', 2)]
    >>> named_rows(["In 4 of 4 training rows, in 2 ways. Rows 1, 4: A. Row 2: B.", "In held-out rows 2, 3: A."])
    [('train', 1), ('train', 4), ('train', 2), ('test', 2), ('test', 3)]
    >>> named_rows(["In 3 of 3 training rows, the same problem in different messages. Rows 1, 3: A. Row 2: B."])
    [('train', 1), ('train', 3), ('train', 2)]
    """
    found: list[tuple[str, int]] = []
    for text in said:
        ways = [(m.end(), m.group(1)) for m in WAYS.finditer(text)]
        named = [(m.start(), m.group(1), m.group(2)) for m in SPLIT_ROWS.finditer(text)]
        for m in WAY_ROWS.finditer(text):  # each way's rows: of the side of the last opening before them
            opened = [side for end, side in ways if end <= m.start()]
            if opened:
                named.append((m.start(), opened[-1], m.group(1)))
        for _, side, numbers in sorted(named):
            side = "train" if side.lower() == "training" else "test"
            found += [(side, int(n)) for n in numbers.split(", ") if (side, int(n)) not in found]
    return found


def lines_note(meta: dict, said: list[str], sizes: tuple[int, int], whose: str = "the split's") -> str:
    """Where in the file the rows `said` (a run's pre-launch refusals and warnings) names by their place in a saved
    split are, from its meta.json (`sizes`: its training and held-out row counts): "The row numbers above count the
    split's training and held-out rows, not the rows of chats.jsonl: training row 3 is line 5; held-out row 2 is line
    9." Each file is named with its rows when the two sides come from two. "" when nothing names a row or the split
    keeps no places (saved before they were kept, or edited since).

    >>> meta = {"test_lines": {"file": "chats.jsonl", "file_type": "jsonl", "rows": "3,1+1"}}
    >>> lines_note(meta, ["Held-out rows 2, 3 score no token."], (5, 3))
    "The row numbers above count the split's training and held-out rows, not the rows of chats.jsonl: held-out row 2 \
is line 6; held-out row 3 is line 7."
    >>> lines_note(meta, ["Held-out rows 3, 2 score no token."], (5, 3)).endswith("6; held-out row 3 is line 7.")
    True
    """
    # By row, training rows first: the messages name rows in their own order (a check's most common way first), and a
    # walk read "training row 6 ...; training row 3 ...; training row 7 ..." as a list out of order.
    named = sorted(named_rows(said), key=lambda side_row: (list(SIDES).index(side_row[0]), side_row[1]))
    return places_note(meta, named, dict(zip(SIDES, sizes, strict=True)), "training and held-out", whose)


def places_note(
    meta: dict, named: list[tuple[str, int]], sizes: dict[str, int], counted: str, whose: str, where: str = "above"
) -> str:
    """The sentence `lines_note` and `eval_runs.heldout_lines` say: where in the file each of the rows `named`
    (("train" or "test", its 1-based number), in order) is, from a split's `meta` (`sizes`: each side's row count):
    "The row numbers {where} count {whose} {counted} rows, not the rows of chats.jsonl: training row 3 is line 5."
    The first `SHOWN`, then how many more; each file named with its rows when the sides come from two. Rows past
    their side, or of a side the split keeps no places for, are left out; "" when none is left; one short sentence
    when each is at the line of its own number (a file's first rows, in order)."""
    places = {side: side_places(meta, side, size) for side, size in sizes.items()}
    named = [(side, n, places[side]) for side, n in named if places.get(side) and 0 < n <= len(places[side][1])]
    files = list(dict.fromkeys(found[0]["file"] for _, _, found in named))
    parts, same = [], True
    for side, n, (kept, numbers, lines) in named:  # the file named with each row only when there are two
        file = kept["file"] if len(files) > 1 else ""
        line = lines[n - 1] if lines else None
        at = place(str(kept.get("file_type") or ""), numbers[n - 1], line, file, kept_keys(kept))
        parts.append(f"{SIDES[side]} row {n} is {at}")
        same = same and at == f"line {n}"
    if not parts:
        return ""
    if same:  # every row at the line of its number: "training row 1 is line 1; training row 2 is line 2; ..." once
        said = f"here each is the line of {files[0]} with its number"
        return f"The row numbers {where} count {whose} {counted} rows; {said}."
    more = f"; and {len(parts) - SHOWN} more" if len(parts) > SHOWN else ""
    return (
        f"The row numbers {where} count {whose} {counted} rows, not the rows of {' and '.join(files)}: "
        + "; ".join(parts[:SHOWN])
        + more
        + "."
    )


def counted_meta(meta: dict, said: Sequence[str]) -> dict:
    """`meta` (a split's meta.json) with the split's own warnings `said` (a tiny split, a part of one label, a test
    split over the size asked, training rows also held out) counted in its `warnings` and kept as text in
    `split_warnings`: `data split` and the Data page's Save both write them so (the page wrote none, while the CLI
    counted them). A new dict; `meta` is left as it was.

    >>> counted_meta({"warnings": 2}, ["Only 3 held-out rows."])
    {'warnings': 3, 'split_warnings': ['Only 3 held-out rows.']}
    """
    return meta | {"warnings": int(meta.get("warnings") or 0) + len(said), "split_warnings": list(said)}


__all__ = [
    "counted_meta",
    "flat_place",
    "key_item",
    "kept_keys",
    "lines_note",
    "named_rows",
    "pack",
    "place",
    "places_note",
    "row_place",
    "row_places",
    "rows_said",
    "side_lines",
    "split_lines",
    "unpack",
]
