"""Fields a file leaves empty in some rows and fills in others, named once per file: a row whose `system` cell is
blank beside rows that have one is read without a system turn, and a prompt whose `answer` is null gives GRPO's
rewards nothing to check its answers against. Each notice says the field, how many rows and the first of them, what
becomes of those rows and how to fix the file (data.load_bytes adds them to the file's notices).

    blank_values(records, kept=[1, 2], fmt="alpaca", source_of={}, file_type="jsonl", table=False)
    -> [FieldNotice("The field `system` is empty or null in 1 row (line 2), while 1 other row gives it a value: ...")]

Empty is null, NaN, "" or only whitespace (a table's blank cell reads as null: table_records.cell). Not here: a field
a row cannot do without (the row is refused, and named among the errors: formats.Record.require); Alpaca's `input`
(its own data leaves most inputs empty: an instruction alone, as the format means it); a field nothing reads
(notices.file_notices names the rows that hold it); a list left empty (`tools: []` holds no tools, as meant); and a
key a JSON row does not have at all (rows of one file may differ in what they hold; GRPO's check of the rewards'
columns names a prompt without one before a run starts: rewards.check_columns). Not known here: reading and
converting records (readers.py, formats.py), the load (data.py).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ftlib.errors import plural
from ftlib.formats import FORMAT_FIELDS
from ftlib.notices import FieldNotice
from ftlib.split_lines import rows_said
from ftlib.table_records import TEXT_FIELDS
from ftlib.turn_text import NAN, is_nan
from ftlib.turns import missing

ROW_NOUNS = {"jsonl": "line", "json": "item"}  # how a file of each type numbers its rows; tables: "data row"
ROWS_NAMED = 5  # row numbers a notice lists before "and N more"
UNNAMED = frozenset(("input",))  # read fields a row leaves empty as the format means it: Alpaca's instruction alone


def row_noun(file_type: str) -> str:
    """What a file of `file_type` (`LoadResult.file_type`: a .json file read by line is "jsonl") calls a row.

    >>> row_noun("jsonl"), row_noun("json"), row_noun("csv")
    ('line', 'item', 'data row')
    """
    return ROW_NOUNS.get(file_type, "data row")


def is_blank(value: Any) -> bool:
    """Null, NaN, or text of nothing but whitespace; a number, true/false, a list or an object is a value.

    >>> [is_blank(v) for v in (None, float("nan"), "", " \\n", "0", 0, False, [])]
    [True, True, True, True, False, False, False, False]
    """
    return missing(value) or (isinstance(value, str) and not value.strip())


def _checked(key: str, fmt: str) -> bool:
    """Whether a blank `key` loses something: a text field the format reads, or in a file of prompts any field it
    does not read (carried to GRPO's rewards: rows.with_columns)."""
    if fmt == "prompt_only" and key not in FORMAT_FIELDS[fmt]:
        return True
    return key in TEXT_FIELDS and key in FORMAT_FIELDS[fmt] and key not in UNNAMED


def _fate(key: str, name: str, fmt: str, table: bool) -> tuple[str, str]:
    """(what becomes of the rows, how to fix the file) for a blank `key` (`name` in the file). Both built-in column
    rewards are named: the records here are reduced to blank or not (note_records), not the values that tell which
    fits (`final_answer.column_kind`, in the field's own note: reward_columns.column_reward)."""
    place = "those cells" if table else "those rows"
    if key == "system":
        return (
            "those rows are read without a system turn",
            f"Fill in `{name}` in {place} if they should have one; leave it empty only where no system prompt is "
            "meant.",
        )
    if fmt == "prompt_only":
        return (
            f"those prompts give GRPO's reward functions no `{name}` to check their answers against, so a reward that "
            f'reads it (`{name}=` of a registered function, {{"final_answer": "{name}"}} or '
            f'{{"contains_column": "{name}"}}) cannot score them',
            f"Fill in `{name}` for those prompts, or leave them out of the file.",
        )
    return "those rows are read without it", f"Fill in `{name}` in {place} where a row should have one."


def blank_values(
    records: list[tuple[int, dict]],
    kept: list[int],
    fmt: str,
    source_of: dict[str, str],
    file_type: str,
    table: bool,
    keys=(),
) -> list[FieldNotice]:
    """A notice per field that is empty or null in some of the `kept` rows (their row numbers) while other rows of the
    file give it a value, in the order of their first empty row. `records`: (row number, record with the field
    mapping applied); `source_of`: field -> the column or key it was mapped from (the name the notice says);
    `file_type` as `LoadResult.file_type`; `table`: a CSV, TSV or Parquet file (its fields are columns, its blanks
    cells); `keys`: a .json file's keys its rows were read from (`LoadResult.from_keys`), each row's said too.

    >>> records = [(1, {"prompt": "2+2?", "answer": "4"}), (2, {"prompt": "3+3?", "answer": None})]
    >>> [n.message.split(":")[0] for n in blank_values(records, [1, 2], "prompt_only", {}, "jsonl", table=False)]
    ['The field `answer` is empty or null in 1 row (line 2), while 1 other row gives it a value']
    """
    kept_rows = set(kept)
    valued: Counter = Counter()  # rows of the file giving each field a value, refused ones too
    blank: dict[str, list[int]] = {}  # the kept rows leaving each one empty
    nan: Counter = Counter()  # of those, the rows whose value is NaN (a JSONL row's bare NaN): said as written
    for number, record in records:
        for key, value in record.items():
            if not _checked(key, fmt):
                continue
            if not is_blank(value):
                valued[key] += 1
            elif number in kept_rows:
                blank.setdefault(key, []).append(number)
                nan[key] += is_nan(value)
    notices = []
    for key, numbers in blank.items():
        if not valued[key]:  # empty in every row: the file holds nothing there to lose
            continue
        name, others = source_of.get(key, key), valued[key]
        fate, fix = _fate(key, name, fmt, table)
        also = f" (read as the {key})" if name != key else ""
        empty = "empty" if table else "empty or null"
        if nan[key]:  # as the file writes it: all NaN, or NaN among the others
            empty = NAN if nan[key] == len(numbers) else f"{empty.replace(' or ', ', ')} or NaN (not a number)"
        notices.append(
            FieldNotice(
                f"The {'column' if table else 'field'} `{name}`{also} is {empty} in {plural(len(numbers), 'row')} "
                f"({rows_said(row_noun(file_type), numbers, keys, ROWS_NAMED)}), while {plural(others, 'other row')} "
                f"{'gives' if others == 1 else 'give'} it a value: {fate}. {fix}",
                field=name,
                rows=len(numbers),
            )
        )
    return notices


__all__ = ["ROW_NOUNS", "blank_values", "is_blank", "row_noun"]
