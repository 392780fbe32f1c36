"""Rows that repeat an earlier row: dropping the exact copies (`dedupe_rows`) and the file report's note naming
them (`duplicates_note`, in the Data page's and the CLI's words, `DEDUPE_SAID`). Its own module: a file's report
(data.py) names the copies whether or not it is ever split, where splits.py splits rows (and re-exports these, so
`from ftlib.splits import dedupe_rows` works as before). A row's key is prompt_groups'.

    rows, dropped = dedupe_rows(rows)            # the first of each set of copies kept, in order
    duplicates_note(rows, ["line 1", ...])       # ["1 row repeats an earlier one exactly: line 3 (of line 1). ..."]
"""

from __future__ import annotations

from collections import Counter

from ftlib.errors import plural
from ftlib.prompt_groups import first_copies


def dedupe_rows(rows: list[dict]) -> tuple[list[dict], int]:
    """(rows without exact duplicates, first kept, how many were dropped)."""
    out = [row for row, first in zip(rows, first_copies(rows), strict=True) if first is None]
    return out, len(rows) - len(out)


# How to keep one copy of each row, in the words of both the Data page and the CLI, which show the same notes.
DEDUPE_SAID = (
    "dropping exact duplicates when saving the split keeps one (the Data page's Drop exact duplicates box, "
    "`data split --dedupe`)."
)


def duplicates_note(rows: list[dict], places: list[str], shown: int = 3) -> list[str]:
    """The note on rows that repeat an earlier row (`dedupe_rows`' copies: exactly, or but for Unicode normalisation,
    which the note then says), naming the first few by `places` (where each row is in the file: "line 4"); [] when
    there are none. A copy weighs its example twice in training, and one in both parts of a split makes the held-out
    loss look better than it is.

    >>> duplicates_note([{"a": 1}, {"a": 2}, {"a": 1}], ["line 1", "line 2", "line 3"])[0][:55]
    '1 row repeats an earlier one exactly: line 3 (of line 1'
    >>> duplicates_note([{"a": 1}] * 2, ["data row 1 (line 2 of the file)", "data row 2 (line 3 of the file)"])[0][:99]
    '1 row repeats an earlier one exactly: data row 2 (line 3 of the file), a copy of data row 1 (line 2'
    >>> note = duplicates_note([{"a": 1}] * 4, ["line 1", "line 2", "line 3", "line 4"])[0]
    >>> "The row at line 1 is there 4 times." in note
    True
    """
    copies, times = [], Counter()  # times: how often each first row is there
    unnormal = []  # the copies whose characters differ from their first row's (NFC vs NFD): same key, other bytes
    for i, first in enumerate(first_copies(rows)):
        if first is not None:
            # "line 3 (of line 1)"; a place with its own brackets, a table's "data row 2 (line 3 of the file)",
            # is not bracketed again: "data row 2 (line 3 of the file), a copy of data row 1 (line 2 of the file)"
            nested = places[first].endswith(")")
            copies.append(f"{places[i]}, a copy of {places[first]}" if nested else f"{places[i]} (of {places[first]})")
            times[first] += 1
            if rows[i] != rows[first]:
                unnormal.append(places[i])
    if not copies:
        return []
    more = f" and {len(copies) - shown} more" if len(copies) > shown else ""
    # One row copied hundreds of times reads like a few scattered copies in the list above: say how many.
    most, extra = times.most_common(1)[0]
    most_said = f" The row at {places[most]} is there {extra + 1:,} times." if extra >= 2 else ""
    return [
        f"{plural(len(copies), 'row')} {'repeats' if len(copies) == 1 else 'repeat'} an earlier one"
        f"{'' if unnormal else ' exactly'}: {('; ' if ', a copy of ' in copies[0] else ', ').join(copies[:shown])}"
        f"{more}.{most_said}"
        f"{_normalisation_said(unnormal, len(copies), shown)} A copy counts its example twice in training, and a copy "
        f"on each side of a split flatters the held-out loss: {DEDUPE_SAID}"
    ]


def _normalisation_said(unnormal: list[str], n_copies: int, shown: int) -> str:
    """The sentence on the copies (`unnormal` of `n_copies`) whose text differs from their first row's only in Unicode
    normalisation; "" for none."""
    if not unnormal:
        return ""
    if len(unnormal) == n_copies:
        which = "Their text differs" if n_copies > 1 else "Its text differs"  # from the row it repeats
    else:
        more = f" and {len(unnormal) - shown} more" if len(unnormal) > shown else ""
        which = f"At {', '.join(unnormal[:shown])}{more} the text differs"
    return (
        f" {which} only in how accented letters are encoded (Unicode NFC vs NFD: the same words typed on a Mac and on "
        "Windows): they look the same, but a tokenizer reads different tokens."
    )


__all__ = ["DEDUPE_SAID", "dedupe_rows", "duplicates_note"]
