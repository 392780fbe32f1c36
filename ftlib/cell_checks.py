"""Cells a spreadsheet leaves behind: a placeholder where the text should be (`N/A`, `-`, `TBD`, `#N/A`), a formula
exported as its text (`=HYPERLINK("http://x","click")`), a text cut at Excel's 32,767 characters, and rows whose
every cell is empty (a sheet's blank rows at the end of its export). A placeholder, a formula or a cut text is
trained as written, so the rows holding one are named once per file, as a warning (the user's call: "None" may be a
real answer); a blank row holds nothing and is skipped, said in one note. data.load_bytes adds them to the file's
notices.

    placeholder_cells(records, kept=[1, 2], source_of={"output": "Agent Reply"}, where=str, table=True)
    -> [FieldNotice("2 cells hold a spreadsheet placeholder or formula, not text: ...")]
    blank_rows(records) -> (the records with a value, the row numbers of the blank ones)

Not here: a cell that is empty (blank_values.py, or the row's error when the field is required), reading the file
(readers.py), which values are placeholders or formulas (cells.cell_kind).
"""

from __future__ import annotations

from collections.abc import Callable

from ftlib.cells import PLACEHOLDERS, cell_kind  # what a cell holds; said here
from ftlib.errors import plural
from ftlib.notices import FieldNotice
from ftlib.split_lines import flat_place
from ftlib.turn_keys import has_value

NAMED = 5  # cells a notice lists before "and N more"


def _brief(text: str, width: int = 40) -> str:
    text = text.strip()
    return f"`{text if len(text) <= width else text[: width - 1] + '…'}`"


def placeholder_cells(
    records: list[tuple[int, dict]],
    kept: list[int],
    source_of: dict[str, str],
    where: Callable[[int], str],
    table: bool,
    fields: tuple[str, ...] | frozenset[str] = (),
) -> list[FieldNotice]:
    """One warning naming the cells of the `kept` rows that hold only a placeholder or a spreadsheet formula
    (`cell_kind`), each with its row's place (`where(row number)`, "data row 11 (line 12 of the file)"), its column
    (`source_of`: field -> the column or key it was mapped from) and its value; [] when there is none. `records`:
    (row number, record with the field mapping applied); `table`: a CSV, TSV or Parquet file; `fields`: the fields the
    format reads (`formats.FORMAT_FIELDS`), the only ones looked at (a column nothing reads is not trained). Only
    top-level text is looked at (a table's cells; a JSON row's fields): a chat's turns are typed, not exported."""
    kept_rows = set(kept)
    found: list[tuple[int, str, str, str]] = []  # (row, column, kind, value)
    for number, record in records:
        if number not in kept_rows:
            continue
        for key, value in record.items():
            if key in fields and (kind := cell_kind(value)):
                found.append((number, source_of.get(key, key), kind, value))
    if not found:
        return []
    what = "cell" if table else "field"
    listed = "; ".join(
        f"{where(n)}: `{col}` is {'a formula, ' if kind == 'formula' else 'only '}{_brief(value)}"
        for n, col, kind, value in found[:NAMED]
    )
    more = f"; and {len(found) - NAMED} more" if len(found) > NAMED else ""
    rows = len({n for n, *_ in found})
    verb = "holds" if len(found) == 1 else "hold"
    those = "that row" if rows == 1 else "those rows"
    # What the model learns, in the file's own values: "'N/A'" of a `NaN` cell read as a typo (helper 191's walk).
    shown = list(dict.fromkeys(_brief(value) for _, _, kind, value in found if kind == "placeholder"))[:3]
    learns = [f"to answer {' or '.join(shown)}"] if shown else []
    learns += ["to write the formula"] if any(kind == "formula" for _, _, kind, _ in found) else []
    return [
        FieldNotice(
            f"{plural(len(found), what)} {verb} a spreadsheet placeholder or formula, not text ({listed}{more}): "
            f"{'it is' if len(found) == 1 else 'they are'} trained as written, so the model learns "
            f"{' and '.join(learns)}. Fill in the real text, or delete {those} from the file, if that is not meant.",
            field=found[0][1],
            rows=rows,
        )
    ]


# The most characters an Excel cell holds (UTF-16 code units, as Excel counts them): a sheet saved as CSV cuts a
# longer text there without a word, so a cell of exactly this length was most likely cut.
EXCEL_CELL = 32_767


def is_cut(value) -> bool:
    """Whether `value` is a text of exactly EXCEL_CELL characters as Excel counts them (UTF-16 code units).

    >>> is_cut("a" * EXCEL_CELL), is_cut("😀" * (EXCEL_CELL // 2) + "a"), is_cut("a" * 10), is_cut(4)
    (True, True, False, False)
    """
    # a length out of reach is decided without encoding: a code point is one or two UTF-16 units
    return (
        isinstance(value, str)
        and EXCEL_CELL // 2 <= len(value) <= EXCEL_CELL
        and (len(value.encode("utf-16-le")) // 2 == EXCEL_CELL)
    )


def cut_cells(
    records: list[tuple[int, dict]],
    source_of: dict[str, str],
    where: Callable[[int], str],
    fields: tuple[str, ...] | frozenset[str] = (),
) -> list[FieldNotice]:
    """One warning naming the cells of a read field (`fields`) holding exactly EXCEL_CELL characters, each by its
    row's place and column, kept and refused rows alike (a cut JSON cell of turns refuses its row, and this says
    why); [] when there is none. Arguments as `placeholder_cells`'.

    >>> cut_cells([(1, {"output": "a" * EXCEL_CELL}), (2, {"output": "b"})], {}, str, ("output",))[0].message[:58]
    '1 cell holds exactly 32,767 characters, the most an Excel '
    """
    found = [
        (number, source_of.get(key, key))
        for number, record in records
        for key, value in record.items()
        if key in fields and is_cut(value)
    ]
    if not found:
        return []
    listed = "; ".join(f"{where(n)}: `{col}`" for n, col in found[:NAMED])
    more = f"; and {len(found) - NAMED} more" if len(found) > NAMED else ""
    one = len(found) == 1
    return [
        FieldNotice(
            f"{plural(len(found), 'cell')} {'holds' if one else 'hold'} exactly {EXCEL_CELL:,} characters, the most "
            f"an Excel cell holds ({listed}{more}): {'it was' if one else 'they were'} most likely cut there when the "
            "sheet was saved, the text ending mid-way (trained so, or, in a cell of JSON, not read). Take the text "
            "from its source rather than through Excel, or shorten it below that.",
            field=found[0][1],
            rows=len({n for n, _ in found}),
        )
    ]


def blank_rows(records: list[tuple[int, dict]]) -> tuple[list[tuple[int, dict]], list[int]]:
    """(`records` without the rows whose every cell is empty, those rows' numbers): a sheet's blank rows, exported as
    `,,,,`, hold nothing to train or to fix, so they are skipped rather than refused one by one.

    >>> blank_rows([(1, {"q": "Hi", "a": None}), (2, {"q": None, "a": "  "})])
    ([(1, {'q': 'Hi', 'a': None})], [2])
    """
    kept, blank = [], []
    for number, record in records:
        if any(has_value(v) and not (isinstance(v, str) and not v.strip()) for v in record.values()):
            kept.append((number, record))
        else:
            blank.append(number)
    return kept, blank


def only_blank_rows(filename: str, blank: list[int], refused: list[str], kind: str = "csv") -> str:
    """Why a table whose rows are all blank (`blank_rows`) or refused (`refused`: "where: why" of the first) cannot be
    used, with what to do: the DataError's message. `kind`: the file's (`file_bytes.file_kind`): a CSV or TSV file
    has a header line, a Parquet file column names.

    >>> only_blank_rows("x.csv", [1, 2], [])
    'x.csv has a header but no rows: its 2 rows are blank (every cell empty). Choose a file with at least one row, \
or fill these in.'
    >>> only_blank_rows("x.parquet", [1], [], "parquet")[:62]
    'x.parquet has column names but no rows: its 1 row is blank (ev'
    """
    n = len(blank)
    said = f"{plural(n, 'row')} {'is' if n == 1 else 'are'} blank (every cell empty)"
    if refused:
        return f"No row of {filename} could be read: {said}; the others cannot be used. {'; '.join(refused)}"
    header = "column names" if kind == "parquet" else "a header"
    return f"{filename} has {header} but no rows: its {said}. Choose a file with at least one row, or fill these in."


def blank_rows_note(blank: list[int], where: Callable[[int], str]) -> list[FieldNotice]:
    """The one note saying the blank rows skipped (`blank_rows`), with where the first is; [] when none.

    >>> blank_rows_note([4, 5], lambda n: f"data row {n} (line {n + 1} of the file)")[0].message
    '2 blank rows skipped (the first: data row 4 at line 5 of the file): every cell of them is empty.'
    """
    if not blank:
        return []
    n = len(blank)
    place = flat_place(where(blank[0]))  # said inside these brackets: not "(data row 4 (line 5 of the file))"
    first = place if n == 1 else f"the first: {place}"
    return [
        FieldNotice(
            f"{plural(n, 'blank row')} skipped ({first}): every cell of {'it' if n == 1 else 'them'} is empty.",
            rows=n,
            note=True,
        )
    ]


__all__ = [
    "EXCEL_CELL",
    "PLACEHOLDERS",
    "blank_rows",
    "blank_rows_note",
    "cell_kind",
    "cut_cells",
    "is_cut",
    "only_blank_rows",
    "placeholder_cells",
]
