"""Skipped rows grouped by reason: one entry per reason with its rows, not the same sentence once per row (a 30-row
file with 10 rows skipped for one reason said it 10 times). Reasons equal but for a number or a quoted value are one,
each row's own detail said after it. The Data page's table (ui.data_view) and the CLI's `warning:` lines
(commands.skipped_said) group alike."""

from __future__ import annotations

import re

from ftlib.split_lines import flat_place

# The part of a skipped row's reason that differs by row: a number with the word before it ("turn 3", "column 46"),
# or a quoted value ('wizard', "5", `content`); reasons equal but for these are one reason (as ftlib.checks groups a
# problem met in different messages). Quotes only at a word's edge: the apostrophe of "key's" opens none.
_DETAIL = re.compile(r"(?<![\w'\"`])(?:'[^'\n]*'|\"[^\"\n]*\"|`[^`\n]*`)(?!\w)|(?:\b[A-Za-z]+ )?\b\d+\b")
DETAILS_SHOWN = 8  # a reason's distinct row details named before "and N more"
PLACES_NAMED = 3  # rows a reason names before "and N more" ("lines 4, 9, 12 and 7 more")


def _masked(part: str) -> str:
    """A differing detail as the shared reason shows it: "turn 3" -> "turn N", 'wizard' -> '…'."""
    return re.sub(r"\d+", "N", part) if part[-1].isdigit() else part[0] + "…" + part[-1]


def _shared(why: str, differs: set[int]) -> str:
    """`why` with its details at the positions `differs` (0-based, among `_DETAIL`'s matches) masked (`_masked`)."""
    parts = iter(range(len(_DETAIL.findall(why))))
    return _DETAIL.sub(lambda m: _masked(m[0]) if next(parts) in differs else m[0], why)


def skipped_groups(errors: list[tuple[int | str, str]]) -> list[tuple[list, str]]:
    """The skipped rows `errors` ((where or row, reason), in file order) as one entry per reason: (its rows, the
    reason), the most common first. Reasons equal but for their numbers and quoted values (`_DETAIL`) are one:
    the parts every row shares are said as they are, the others masked ("turn N", '…'), and each row's own
    detail listed after it ("Differs by row: turn 3 (line 3); turn 4 (line 5, line 9)"), the first `DETAILS_SHOWN`.

    >>> skipped_groups([(1, "no answer"), (2, "turn 3 has 'x'"), (3, "no answer"), (4, "turn 4 has 'x'")])
    [([1, 3], 'no answer'), ([2, 4], "turn N has 'x'\\nDiffers by row: turn 3 (2); turn 4 (4).")]
    """
    by_shape: dict[str, list[tuple[int | str, str, list[str]]]] = {}
    for where, why in errors:
        by_shape.setdefault(_DETAIL.sub("#", why), []).append((where, why, _DETAIL.findall(why)))
    out = []
    for members in sorted(by_shape.values(), key=lambda m: -len(m)):  # stable: equal counts keep the file's order
        first = members[0][2]
        differs = {i for i, part in enumerate(first) if any(m[2][i] != part for m in members)}
        why = _shared(members[0][1], differs)
        if differs:
            seen: dict[str, list] = {}
            for where, _, found in members:
                seen.setdefault(", ".join(found[i] for i in sorted(differs)), []).append(where)
            listed = [f"{detail} ({', '.join(map(str, rows))})" for detail, rows in list(seen.items())[:DETAILS_SHOWN]]
            more = f"; and {len(seen) - DETAILS_SHOWN} more (every row below)" if len(seen) > DETAILS_SHOWN else ""
            why += "\nDiffers by row: " + "; ".join(listed) + more + "."
        out.append(([m[0] for m in members], why))
    return out


def group_places(places: list[str]) -> str:
    """The rows of one reason (`places`: `result.where` of each, in file order) in one cell: "line 7" for one,
    "10 rows: lines 4, 9, 12 and 7 more" for more (the first `PLACES_NAMED`); a table's data rows with their lines
    of the file, a .json file's items with their keys, each said in full."""
    if len(places) == 1:
        return places[0]
    more = f" and {len(places) - PLACES_NAMED} more" if len(places) > PLACES_NAMED else ""
    numbers = [re.fullmatch(r"(line|item|data row) (\d+)", p) for p in places[:PLACES_NAMED]]
    if all(numbers):
        listed = f"{numbers[0][1]}s {', '.join(n[2] for n in numbers)}"
    else:  # "data row 3 at line 5 of the file", "item 7 at the 'test' key's item 1"
        listed = ", ".join(flat_place(p) for p in places[:PLACES_NAMED])
    return f"{len(places)} rows: {listed}{more}"
