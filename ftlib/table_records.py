"""A file's records as the converters read them: table cells (`table_records`) and numbers in text fields.

    table_records(["instruction", "output"], [{"instruction": "2+2?", "output": ""}], ",")
        -> ([(1, {"instruction": "2+2?", "output": None})], [], {})
    numbers_as_text({"instruction": "2+2?", "output": 4}, "alpaca")   -> ({"instruction": "2+2?", "output": "4"},
                                                                          ["output"])

A number or true/false where a format reads text (a math set's `"answer": 42`, a yes/no set's `"answer": true`, a
Parquet column of ints) is read as the text JSON writes for it, and said in a note (`numbers_note`): a JSONL file
and a Parquet file holding the same values give the same rows, as a CSV file writing them so does. A number as a
turn's content inside a conversation stays refused, with the quotes to write (turns.text): chat exports write text.

Not known here: reading files (readers.py), converting records (formats.py), the load (data.py).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from ftlib.cells import escaped_breaks
from ftlib.errors import plural
from ftlib.formats import FORMAT_FIELDS
from ftlib.notices import FieldNotice, places_said
from ftlib.readers import RowError

# The fields read as one piece of text (not turns, tools or a label).
TEXT_FIELDS = frozenset(
    ("instruction", "input", "output", "system", "prompt", "completion", "chosen", "rejected", "text")
)


def cell(value: Any) -> Any:
    """A table cell as the converters expect it: missing or blank -> None; numbers, true/false and lists kept (a
    Parquet column's types: `numbers_as_text` reads them in text fields, with a note, as it reads a JSON file's)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    return value


def table_records(
    columns: list[str], rows: list[dict], delimiter: str | None
) -> tuple[list[tuple[int, dict]], list[RowError], dict[int, str]]:
    """(data-row number from 1, {column: cell}) for each row of a table; a row with more cells than its header
    names is a RowError (a cell holding the delimiter outside quotes), unless every cell of it is empty (a sheet's
    blank row: every column None). The third part says, for each CSV row with fewer cells than the header names, how
    many: its missing cells read as empty, and an error a row then gets ("the 'output' cell is empty") is only half
    the story without it."""
    records, errors, short = [], [], {}
    mark = "a tab" if delimiter == "\t" else f"a '{delimiter}'"
    for i, row in enumerate(rows, 1):
        extra = row.get(None)  # csv.DictReader's restkey: cells beyond the header
        if extra and all(cell(v) is None for v in [*extra, *(row.get(c) for c in columns)]):
            # a sheet's blank row exported with more commas than the header has columns (`,,,,,,`): every cell is
            # empty, so nothing is lost; cell_checks.blank_rows skips it in its note instead of a delimiter error
            records.append((i, dict.fromkeys(columns)))
            continue
        if extra:
            errors.append(
                RowError(
                    i,
                    f"this row has {len(columns) + len(extra)} cells but the header names "
                    f"{plural(len(columns), 'column')}; a cell probably holds {mark} outside quotes. "
                    "Put that cell in double quotes.",
                )
            )
            continue
        # csv.DictReader's restval (None) fills the cells a row lacks; an empty cell it reads as "".
        missing = [c for c in columns if row.get(c) is None] if delimiter is not None else []
        if missing:
            short[i] = (
                f"this row has {plural(len(columns) - len(missing), 'cell')} but the header names "
                f"{plural(len(columns), 'column')}, so {', '.join(repr(c) for c in missing)} read as empty: a cell "
                f"or {mark} is missing"
            )
        records.append((i, {col: cell(row.get(col)) for col in columns}))
    return records, errors, short


def plain_line_breaks(records: list[tuple[int, dict]]) -> list[str]:
    """A CSV/TSV file's Windows line breaks inside cells (`\\r\\n`, as Excel writes a quoted cell's lines) as plain
    `\\n`, in place; the note that says so, or [] when no cell had one. Trained as written, a model learns to write
    `\\r` before every line break of its answers.

    >>> rows = [(1, {"answer": "one\\r\\ntwo", "id": None})]
    >>> plain_line_breaks(rows)[0].startswith("1 cell holds Windows line breaks"), rows[0][1]["answer"]
    (True, 'one\\ntwo')
    """
    cells = 0
    for _, record in records:
        for key, value in record.items():
            if isinstance(value, str) and "\r" in value:
                record[key] = value.replace("\r\n", "\n").replace("\r", "\n")
                cells += 1
    if not cells:
        return []
    holds = "holds" if cells == 1 else "hold"
    return [
        f"{plural(cells, 'cell')} {holds} Windows line breaks (\\r\\n): read as plain ones (\\n), as JSONL and the "
        "chat templates write them; trained as written, a model would learn to write \\r before each line break."
    ]


def escaped_line_breaks(records: list[tuple[int, dict]]) -> list[str]:
    """The note for a CSV/TSV file's cells that write their line breaks as the two characters `\\n` and hold no real
    one (an export that escaped them: `Nile\\nAmazon`), naming the first 3 rows; [] when none does. Read as written:
    code that writes `\\n` on purpose is right, an escaped answer would teach the model to write a backslash. A
    cell's `\\n` count where `cells.escaped_breaks` counts them (not in a path, quoted code or LaTeX), and the note
    needs two in the file: one alone is as likely a folder's name (`notes\\new`), while an export escapes them all.

    >>> escaped_line_breaks([(2, {"output": "Nile\\\\nAmazon"}), (3, {"output": "Rhine\\\\nDanube"})])[0][:34]
    '2 cells (data rows 2, 3) hold the '
    >>> escaped_line_breaks([(2, {"output": "Nile\\\\nAmazon"}), (3, {"output": "print('a\\\\nb')"})])
    []
    """
    counted = [(n, escaped_breaks(v)) for n, record in records for v in record.values()]
    rows = [n for n, breaks in counted if breaks]
    if sum(breaks for _, breaks in counted) < 2:
        return []
    at = sorted(set(rows))
    said = ", ".join(map(str, at[:3])) + (", ..." if len(at) > 3 else "")
    holds = "holds" if len(rows) == 1 else "hold"
    return [
        f"{plural(len(rows), 'cell')} (data row{'' if len(at) == 1 else 's'} {said}) {holds} the two characters \\n "
        "(a backslash and an n) and no line break, as an export that escaped its line breaks writes them: read as "
        "written, a model would learn to write a backslash and an n where a new line belongs. If they mean line "
        "breaks, replace them in the file; code that writes \\n on purpose is right as it is."
    ]


def _as_json_text(value: bool | int | float) -> str:
    """The text JSON writes for a value: `4`, `6.5`, `4.0`, `true` (Python's str would write `True`)."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _has_text(value) -> bool:
    """A number or true/false with a JSON text: not NaN or an infinity. An int is tested as it is (math.isfinite
    would convert it to a float, which overflows past 308 digits).

    >>> [_has_text(v) for v in (4, 6.5, True, 10**400, float("nan"), float("inf"), "4", None)]
    [True, True, True, True, False, False, False, False]
    """
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def numbers_as_text(record: dict, fmt: str) -> tuple[dict, list[str]]:
    """`record` with each finite number or true/false under a field `fmt` reads as text turned into its JSON text,
    and the fields turned (in the record's order). Other fields (a label, an id, what GRPO passes to its reward
    functions) keep their values.

    >>> numbers_as_text({"prompt": "Half of 13?", "completion": 6.5, "id": 7}, "prompt_completion")
    ({'prompt': 'Half of 13?', 'completion': '6.5', 'id': 7}, ['completion'])
    >>> numbers_as_text({"instruction": "Is 3 odd?", "output": True, "label": True}, "alpaca")[0]["output"]
    'true'
    """
    read = TEXT_FIELDS.intersection(FORMAT_FIELDS[fmt])
    turned = [k for k, v in record.items() if k in read and _has_text(v)]
    if not turned:
        return record, []
    return {k: _as_json_text(v) if k in turned else v for k, v in record.items()}, turned


def numbers_note(counts: Counter, places: dict[str, list[str]], source_of: dict[str, str]) -> list[FieldNotice]:
    """A note per field whose numbers were read as text (`counts`: field -> rows), with where the first are
    (`places`) and under the file's own name for it (`source_of`: field -> the column or key it was mapped from)."""
    notices = []
    for name, n in counts.most_common():
        shown = source_of.get(name, name)
        where = places_said(n, places.get(name, []))
        also = f", read as the {name}" if shown != name else ""
        notices.append(
            FieldNotice(
                f"`{shown}`{also} holds a number or true/false, not text, in {plural(n, 'row')}{where}: read as the "
                'text JSON writes for it (4 as "4", 6.5 as "6.5", true as "true"), which the template writes and the '
                'model reads or learns. To train other words ("yes"), write them into the file.',
                field=shown,
                rows=n,
                note=True,
            )
        )
    return notices


__all__ = [
    "TEXT_FIELDS",
    "cell",
    "escaped_line_breaks",
    "numbers_as_text",
    "numbers_note",
    "plain_line_breaks",
    "table_records",
]
