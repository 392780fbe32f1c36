"""Load a dataset file, detect its format, convert it to canonical rows, split it and measure it.

    result = load_file("chats.jsonl")            # .jsonl .json .csv .tsv .parquet, or load_bytes(data, name)
    result.format, result.rows, result.errors   # canonical rows; RowError(row, message) for each bad row
    result.notices                               # file-level: ignored fields, rows that look like another format
    train, test = split_rows(result.rows, test_size=0.1, seed=0)
    data_stats.dataset_stats(result.rows, tokenizer, max_length=1024)   # token lengths: ftlib/data_stats.py

    python -m ftlib data inspect FILE --json

Row numbers in errors are 1-based and point into the source: the line of a JSONL file, the element of a
JSON array, the data row of a table (the first row under the header is 1). A bad row is reported and
skipped; the good rows are kept. Problems with the whole file raise `DataError` with what to do. Nothing is
dropped silently: a field no converter reads is reported once per file ("ignored field: `foo` in 300 rows"); in a
file of prompts it goes with each prompt to GRPO's reward functions instead (rows.with_columns), said in a note.

A field mapping (`column_map`, field -> the file's column or key) works the same for every file type: the
mapped keys are read under the field's name, a field mapped to None is not read, other keys keep their names.
Tables without a mapping get one guessed from their column names, for the format those names are the fields of
when they are (`prompt` and `answer`: prompts, `answer` passed to GRPO's rewards, as from a JSON file); JSON files
whose rows match no format get one guessed too. A prompt beside a field named as the model's reply (`response`,
`output`) is read as prompt and answer, with a note (mapping.reply_map), from every file type.

The rows of a file are read as the format most of them have; rows of the other shape of a conversation (ShareGPT
among `messages` rows, or the other way round) are read as they are written, with a note.

Files are read by `ftlib/readers.py`, records converted by `ftlib/formats.py` (turns by `ftlib/turns.py`), the
field mapping guessed by `ftlib/mapping.py`, the file's notices worded by `ftlib/notices.py` (text in a chat
template's markup: `ftlib/text_markup.py`); a row typed by hand is read by `ftlib/typed_row.py` (`read_row`,
importable from here). Not known here: chat templates beyond the tokenizer's own (templates.py) and label masking
(tokens.py).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ftlib.api_shapes import api_records
from ftlib.blank_values import blank_values, row_noun
from ftlib.call_rows import call_records, maps_a_column, written_map
from ftlib.cell_checks import blank_rows, blank_rows_note, cut_cells, only_blank_rows, placeholder_cells
from ftlib.column_peek import peek_columns
from ftlib.copied_fields import CopiedFields
from ftlib.data_budget import check_budget, opened_bound
from ftlib.data_stats import row_counts
from ftlib.errors import plural
from ftlib.file_bytes import check_path, opened
from ftlib.file_fields import FileFields, peek_fields, record_keys  # re-exported: `from ftlib.data import peek_fields`
from ftlib.format_detect import empty_objects, unread_shape
from ftlib.formats import FIELDS, FORMAT_FIELDS, FORMAT_KIND, FORMATS, RowProblem, convert, detect_row_format
from ftlib.hermes_rows import hermes_notes, hermes_records
from ftlib.invisible_text import invisible_characters
from ftlib.json_layout import keyed_counts
from ftlib.judged_pairs import judged_records
from ftlib.label_values import (
    contradicting_labels,
    judging_names,
    rating_problem,
    scores_against,
    scores_note,
    unread_judgement,
)
from ftlib.label_words import as_bool
from ftlib.map_hint import map_example, text_example
from ftlib.mapping import (
    apply_map,
    check_map,
    completed_map,
    gaps_said,
    guess_column_map,
    missing_fields,
    prompt_column,
    reply_map,
)
from ftlib.note_records import NoteRecords, drained
from ftlib.notices import (
    CHAT_NOTES,
    FieldNotice,
    file_notices,
    looks_like_text,
    own_chat_shape,
    said_in_a_note,
    with_hint,
)
from ftlib.pairs import spacing_only
from ftlib.readers import (
    TABLE_KINDS,
    DataError,
    RowError,
    file_kind,
    read_path,
    read_table,
    shown_name,
    text_records,
)
from ftlib.refused_answers import refused_row
from ftlib.reward_columns import answers_unread, better_first, passed_columns
from ftlib.rows import is_preference, lone_surrogate
from ftlib.split_lines import flat_place, place, split_lines
from ftlib.splits import count_test_rows, dedupe_rows, duplicates_note, split_rows, split_warnings
from ftlib.table_records import (
    escaped_line_breaks,
    numbers_as_text,
    numbers_note,
    plain_line_breaks,
    table_records,
)
from ftlib.text_markup import chat_markup
from ftlib.turns import has_value
from ftlib.typed_row import read_row, surrogate_message

__all__ = [
    "FORMATS",
    "read_row",
    "DataError",
    "FieldNotice",
    "FileFields",
    "LoadResult",
    "MappingNeeded",
    "RowError",
    "count_test_rows",
    "dedupe_rows",
    "guess_column_map",
    "is_preference",
    "load_bytes",
    "load_file",
    "peek_columns",
    "peek_fields",
    "split_rows",
    "split_warnings",
]


class MappingNeeded(DataError):
    """The file is readable but which of its fields holds what is not known: a normal step, not a broken file.

    The message is the full one (the CLI prints it); a page draws its own from the attributes: `name` (the file),
    `fields` (its columns or keys), `table`, `fmt` (the format it would be read as, None when none fits yet) and
    `gaps` (that format's fields with nothing mapped to them), `broken` (where and why each unreadable row failed),
    `shape` (rows in a shape another tool publishes: why they are not read and what to write instead, "its rows look
    like OpenAssistant's message trees ...", `format_detect.unread_shape`; None for any other file).
    """

    shape: str | None = None

    def __init__(
        self, message: str, name: str, fields: list[str], table: bool, fmt: str | None, gaps: list[str], broken=()
    ):
        super().__init__(message)
        self.name, self.fields, self.table, self.fmt, self.gaps = name, fields, table, fmt, gaps
        self.broken = list(broken)  # "line 3: <why>" for each row that could not be read at all


@dataclass
class LoadResult:
    """What `load_file` and `load_bytes` read: canonical `rows` of `format` (`row_numbers`: their 1-based source rows),
    the bad rows skipped (`errors`), the `total` records read, file-level `notices` and the field mapping used."""

    format: str
    rows: list[dict]
    errors: list[RowError]
    total: int  # records read from the file, good and bad
    row_numbers: list[int]  # source row number of each kept row
    warnings: list[RowError] = field(default_factory=list)
    columns: list[str] | None = None  # table columns (CSV/Parquet), else None
    column_map: dict[str, str] | None = None  # field -> column (or key) used, for tables and mapped JSON
    source: str = ""
    notices: list[FieldNotice] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)  # the file's own top-level fields (columns or keys)
    file_type: str = ""  # jsonl | json | csv | tsv | parquet: how rows are named (jsonl: a .json file read by line)
    lines: list[int] | None = None  # CSV/TSV: the line of the file data row n starts on is lines[n - 1]
    # Read as prompt_only: the unread columns or keys that hold sentences in at least half the rows (the answers?)
    unread_answers: list[str] = field(default_factory=list)
    from_keys: tuple = ()  # a .json file's keys read one after another, ((key, items), ...): `split_keys`' rows

    def where(self, row: int) -> str:
        """Where source row `row` (1-based, as in `errors` and `row_numbers`) is, in the words of the file's type.

        >>> LoadResult("alpaca", [], [], 0, [], file_type="csv", lines=[2, 3, 5]).where(3)
        'data row 3 (line 5 of the file)'
        >>> LoadResult("messages", [], [], 0, [], file_type="jsonl").where(3)
        'line 3'
        >>> LoadResult("messages", [], [], 0, [], file_type="json", from_keys=(("train", 6), ("test", 4))).where(7)
        "item 7 (the 'test' key's item 1)"
        """
        line = self.lines[row - 1] if self.lines and 0 < row <= len(self.lines) else None
        return place(self.file_type, row, line, keys=self.from_keys)  # a .json file's key too (split_lines.place)

    @property
    def valid_rows(self) -> int:
        return len(self.rows)

    @property
    def kind(self) -> str:
        """The canonical row kind of this format (see ftlib.rows.ROW_KINDS)."""
        return FORMAT_KIND[self.format]

    def split_meta(
        self,
        label: str,
        seed: int,
        test_size: float | int,
        dedupe: bool,
        train: list | None = None,
        test: list | None = None,
        file: str | None = None,
    ) -> dict:
        """What a saved split records about where its rows came from (workspace.save_split's `meta`): with the
        split's `train` and `test` rows (this file's own row objects), where each is in the file (`train_lines`,
        `test_lines`: ftlib.split_lines, naming the file as `file`, `label` by default), so a warning naming a
        split's row can name the file's line."""
        meta = {
            "source": label,
            "path": self.source,
            "format": self.format,
            "seed": seed,
            "test_size": test_size,
            "dedupe": dedupe,
            "errors": len(self.errors),
            # What `data split` says as warnings: file-level ones (ignored fields), not notes (nor a table's columns or
            # a row's id, said in a note: `notices.shown_notices`), and kept rows' own.
            "warnings": sum(not said_in_a_note(n, self.columns is not None) for n in self.notices)
            + len(self.warnings),
            "valid_rows": self.valid_rows,
            "total_rows": self.total,
            "column_map": self.column_map,
        }
        return meta | split_lines(self, file or label, train=train, test=test)

    def summary(self) -> dict:
        """The JSON object `data inspect --json` prints; file-level notices come first in `warnings`. A row's entry
        says `where` it is as the page does ("data row 4 (line 8 of the file)", "line 4", "item 4")."""
        located = [e.as_dict() | {"where": self.where(e.row) if e.row else None} for e in self.errors + self.warnings]
        return {
            "format": self.format,
            "rows": self.total,
            "valid_rows": self.valid_rows,
            "errors": located[: len(self.errors)],
            "warnings": [n.as_dict() for n in self.notices] + located[len(self.errors) :],
            "columns": self.columns,
            "column_map": self.column_map,
            "source": self.source,
            "kind": self.kind,
            "counts": row_counts(self.rows, self.kind),
            "fields": self.fields,
        }


# --- reading files ----------------------------------------------------------------------------------------


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")
_BLANK = re.compile(rb"[ \t\r\n\xef\xbb\xbf]*")


def _raw_records(data: bytes, filename: str, kind: str):
    """(records, bad rows, a table's columns or None, the line each table row starts on or None, the reader's
    notes on the file, how its rows are numbered: a table's `kind`, "jsonl" by line (a .json file's too), "json" by
    item (a .jsonl file's one pretty-printed object too), and what CSV rows with fewer cells than the header lack:
    `table_records`)."""
    if kind != "parquet":  # its rows are counted before they are parsed (readers.read_table)
        check_budget(data.count(b"\n") + 1, len(data), filename)
    if kind in TABLE_KINDS:
        table = read_table(data, kind, filename)
        records, errors, short = table_records(table.columns, drained(table.rows), table.delimiter)  # not both
        notes = table.notes + (plain_line_breaks(records) if table.delimiter else [])  # CSV/TSV: Excel's \r\n
        notes += escaped_line_breaks(records) if table.delimiter else []  # `Nile\nAmazon` as its 2 characters
        return records, errors, table.columns, table.lines, notes, kind, short
    records, errors, notes, by_line = text_records(data, kind, filename)
    return records, errors, None, None, notes, "jsonl" if by_line else "json", {}


# --- loading ----------------------------------------------------------------------------------------------


def load_file(
    path: str | Path,
    fmt: str | None = None,
    column_map: dict[str, str | None] | None = None,
    name: str | None = None,
) -> LoadResult:
    """Read a file from disk; see `load_bytes`. `name` is the file's name in messages when it is not the name on
    disk (an upload stored as `<date>-<time>-<tag>-faq.csv` is `faq.csv` to its user); it must keep the suffix.
    The file's bytes are held only until its rows are parsed, not while they are converted (`_load`)."""
    path = check_path(path)
    result = _load(lambda: read_path(path)[0], shown_name(path, name), fmt, column_map)
    result.source = str(path)
    return result


def load_bytes(
    data: bytes, filename: str, fmt: str | None = None, column_map: dict[str, str | None] | None = None
) -> LoadResult:
    """Parse `data` (named `filename`, whose extension picks the reader) into canonical rows.

    `fmt` forces a format (one of FORMATS) instead of the majority vote over the rows' keys. `column_map` maps
    fields to the file's columns or keys ({"instruction": "question", "output": "answer"}); without it a table's
    mapping is guessed from its column names, and so is a JSON file's when no row matches a format.
    Raises DataError for a file that cannot be used at all (with what to do).
    """
    return _load(lambda: data, filename, fmt, column_map)


def _load(read: Callable[[], bytes], filename: str, fmt: str | None, column_map: dict | None) -> LoadResult:
    """`load_bytes` of the bytes `read()` gives, which only this function holds, and not past the parsing of rows."""
    data = read()
    if fmt is not None and fmt not in FORMATS:
        from ftlib.fields import did_you_mean  # `--format mesages`

        raise DataError(f"Unknown format '{fmt}'.{did_you_mean([fmt], FORMATS)} Choose one of: {', '.join(FORMATS)}.")
    data, filename = opened(data, filename, opened_bound())
    if _BLANK.fullmatch(data):  # not data.strip(): a copy of the file
        raise DataError(f"{filename} is empty. Choose a file with at least one row.")
    kind = file_kind(filename, data)
    # A lone surrogate comes only from a JSON escape (\ud800), in the file or in JSON text in a compressed cell
    escaped = kind == "parquet" or _SURROGATE_ESCAPE.search(data) is not None
    raw, errors, columns, lines, read_notes, numbered, short = _raw_records(data, filename, kind)
    del data  # parsed: the rows' own copies are what is converted
    raw, provider_notes = api_records(drained(raw))  # Gemini's and Bedrock's rows, as OpenAI's messages (api_shapes)
    raw, tools_read, tools_unread = hermes_records(drained(raw))  # a system text's <tools> as the row's tools
    judged_notes: list[str] = []  # rows given a format's shape here: a table's columns then map to nothing
    judged_warnings: list[str] = []  # ... and what of them was not read (a second choice column; ties)
    if not maps_a_column(column_map) and fmt in (None, "messages"):  # a query and the calls answering it (call_rows)
        raw, judged_notes = call_records(drained(raw))
    if not maps_a_column(column_map) and fmt in (None, "preference"):  # two answers and a verdict (judged_pairs)
        raw, no_pair, judged, judged_warnings = judged_records(drained(raw))
        judged_notes += judged
        errors = sorted([*errors, *(RowError(n, why) for n, why in no_pair)], key=lambda e: e.row)
    column_map = column_map or (written_map(columns) if judged_notes else None)  # a table's columns as written
    read_notes = [*read_notes, *provider_notes, *judged_notes]
    total = len(raw) + len(errors)
    if not raw and not errors:
        empty_list = "no rows (an empty list)"  # a lone `[]`, whichever the file's extension
        held = {"parquet": "columns but no rows", "json": empty_list, "jsonl": empty_list}.get(
            kind, "a header but no rows"
        )
        raise DataError(f"{filename} has {held}. Choose a file with at least one row, or add rows to this one.")
    # "line 1" of a JSONL file; a .json file's key said too, flat, as the notes say rows in brackets of their own
    placed = LoadResult("text", [], [], 0, [], file_type=numbered, lines=lines, from_keys=keyed_counts(read_notes))
    where = (lambda n: flat_place(placed.where(n))) if placed.from_keys else placed.where
    if not raw:
        shown = "; ".join(f"{where(e.row)}: {e.message}" for e in errors[:3])
        raise DataError(f"No row of {filename} could be read. {shown}")
    fields = columns if columns is not None else record_keys(raw)
    if column_map:
        check_map(column_map, fields, filename, columns is not None, FIELDS)
        column_map = completed_map(column_map, fields, raw, fmt, read_notes)
    elif columns is not None and not judged_notes:  # judged rows are pairs already (xLAM's chats), whatever columns
        # Columns named as a format's fields are read as that format, as a JSON file's keys are: `prompt` and
        # `answer` are prompts with a column for GRPO's rewards from a .csv or .parquet too, not guessed as alpaca.
        # `prompt` beside `response` (a reply's name, not GRPO's `answer`): prompt and answer (reply_map)
        named = fmt or Counter(detect_row_format(r) for _, r in raw).most_common(1)[0][0]
        column_map = reply_map(raw, columns, fmt, read_notes) or guess_column_map(columns, named)
        column_map = column_map or guess_column_map(columns)
        if not column_map:
            question = prompt_column(columns)
            raise MappingNeeded(
                f"{filename} has the prompt in '{question}' but no column named as an answer (output, answer, "
                f"response, completion...; columns: {', '.join(columns)}). Map the column that holds the answers to "
                "output under Field mapping on the Data page (`--map COLUMN=output` in the CLI), or add the answers "
                "in a column of their own."
                if question
                else f"Could not tell which columns of {filename} hold the prompt and the answer "
                f"(columns: {', '.join(columns)}). Map them under Field mapping on the Data page, or in the CLI "
                f"with `--map COLUMN=instruction --map COLUMN=output`, {map_example(columns, raw)}; a column of "
                f"documents to learn as plain text (every token trained): {text_example(columns, raw)}.",
                filename,
                columns,
                True,
                None,
                [],
            )
    elif not any(detect_row_format(r) == fmt if fmt else detect_row_format(r) for _, r in raw):
        # e.g. a JSON file of {"question", "answer"} objects: their names say which field each is (of the format
        # given, when one is); a guess that renames nothing is no mapping
        guess = guess_column_map(fields, fmt)
        column_map = guess if any(f != c for f, c in guess.items()) else None
    else:  # rows of prompts beside a field named as the reply ({prompt, response}): prompt and answer
        column_map = reply_map(raw, fields, fmt, read_notes)
    records, errors = _mapped(raw, column_map, errors) if column_map else (raw, errors)
    del raw  # each record is let go as its row is made (note_records), the notes keeping what they read of it
    records, blank = blank_rows(records) if columns is not None else (records, [])  # a sheet's `,,,,` rows
    total -= len(blank)
    if blank and not records:
        raise DataError(only_blank_rows(filename, blank, [f"{where(e.row)}: {e.message}" for e in errors[:3]], kind))
    forced = fmt is not None  # the caller said which format: prompts only is then what they meant
    # The rows that could not be read may be the file's real rows: named, where and why, if no format fits
    fmt = fmt or _vote(
        records, filename, fields, columns is not None, lambda: [f"{where(e.row)}: {e.message}" for e in errors]
    )
    if fmt == "prompt_only" and not forced and (column_map or {}).get("label") is not None:
        fmt = "unpaired_preference"  # a label mapped means KTO's marked answers: the completion is asked for below
    if FORMAT_KIND[fmt] == "unpaired":  # a column of ratings: its 1s are its worst answers, not good ones
        shown = {f: c for f, c in (column_map or {}).items() if c is not None}
        what = "column" if columns is not None else "field"
        problem = rating_problem(records, shown, what, row_noun(numbered), placed.from_keys)
        if problem:
            raise DataError(problem)
    if column_map or (forced and FORMAT_KIND[fmt] == "unpaired" and not {"label", "kto_tag"} & set(fields)):
        # KTO's format given, a label in no row (a `good` field): said of the file, as a table's is, not of each row
        mapped = {k for _, r in records[:1] for k in r} | {f for f, c in (column_map or {}).items() if c is not None}
        gaps = missing_fields(fmt, mapped) if column_map else ["label"]
        if gaps:
            what = "column" if columns is not None else "field"
            raise MappingNeeded(
                f"Read as {fmt}, {filename} needs a {what} for: {gaps_said(fmt, gaps)}. Map one under Field "
                f"mapping on the Data page (`--map COLUMN=FIELD` in the CLI); its {what}s: {', '.join(fields)}.",
                filename,
                fields,
                columns is not None,
                fmt,
                gaps,
            )
    source_of = {fld: col for fld, col in (column_map or {}).items() if col is not None}
    rows, numbers, warnings, ignored, unread_text, read_as = [], [], [], Counter(), Counter(), Counter()
    passed = Counter()  # fields a prompt-only row carries to GRPO's reward functions (rows.with_columns)
    found_at: dict[str, list[int]] = {}  # the first rows each ignored field is in
    as_text: Counter = Counter()  # fields holding a number, read as its text (table_records.numbers_as_text)
    as_text_at: dict[str, list[int]] = {}  # the first rows each is in
    against: list[tuple[int, str]] = []  # pairs kept whose own scores rate the rejected answer as good or better
    notes = NoteRecords(fmt)
    copies = CopiedFields(source_of)  # unread fields holding what a read one holds (Dahoas' `response`)
    not_labels: set[str] = set()  # unread fields with a value that is no good/bad label (`unread_judgement`)
    for number, record in drained(records):
        shape = own_chat_shape(record, fmt)  # ShareGPT rows among messages rows, or the other way round
        notes.add(number, record, shape)
        record, turned = numbers_as_text(record, shape)
        if escaped and (bad := lone_surrogate(record)):  # named as the file names it: `conversations[0].value`, a key
            errors.append(RowError(number, surrogate_message(bad)))
            continue
        as_text.update(turned)
        for name in turned:
            if len(as_text_at.setdefault(name, [])) < 3:
                as_text_at[name].append(number)
        try:
            done = convert(record, shape, table=columns is not None)
        except RowProblem as exc:
            # Name the column (or key) the user sees rather than our field name it was mapped to.
            source = source_of.get(exc.field)
            if source and columns is not None:
                fix = "" if number in short else ": fill it in"  # a short row: the missing cell is said below
                held = f"{exc.field} answer" if exc.field in ("chosen", "rejected") else exc.field
                held = "" if held == source else f" (that column holds the {held})"  # not "'label' ... the label"
                message = f"the '{source}' cell is empty{held}{fix}"
            elif source:
                message = f"the '{source}' field is missing or empty (it is read as the {exc.field})"
                unread = [k for k in record if k not in column_map and has_value(record[k])]
                if unread:  # {"question", "response"} among {"question", "answer"} rows: perhaps that is it
                    which = "which is" if len(unread) == 1 else "which are"
                    message += f"; the row also has {', '.join(repr(k) for k in unread)}, {which} not read"
            else:
                message = str(exc)
            if number in short:  # the empty cell is one the row never had
                message += f"; {short[number]}"
            errors.append(refused_row(number, with_hint(message, record, shape), record, shape))  # its answer
            continue
        if escaped and (bad := lone_surrogate(done.row)):  # in JSON text a cell held (a tool call's arguments)
            errors.append(RowError(number, surrogate_message(bad)))
            continue
        if shape != fmt:
            read_as[CHAT_NOTES[shape]] += 1
        rows.append(done.row)
        numbers.append(number)
        if FORMAT_KIND[fmt] == "preference" and (said := scores_against(record)):
            against.append((number, said))
        warnings.extend(RowError(number, note) for note in done.warnings)
        for name in dict.fromkeys(source_of.get(k, k) for k in done.ignored):  # once a row, in order
            ignored[name] += 1
            if len(found_at.setdefault(name, [])) < 3:
                found_at[name].append(number)
        copies.add(record, done.ignored)
        not_labels.update(source_of.get(k, k) for k in done.ignored if as_bool(record.get(k)) is None)
        passed.update(source_of.get(k, k) for k in done.row.get("columns", {}))
        read_as.update(done.notes)
        unread = [*done.ignored, *done.row.get("columns", {})]  # not part of the prompt: perhaps its answer
        unread_text.update(source_of.get(k, k) for k in unread if looks_like_text(record.get(k)))
    errors.sort(key=lambda e: e.row)
    records = notes.records  # as the notes below read them
    notices = [FieldNotice(note, note=True) for note in read_notes]  # then the <tools> read, of the rows kept:
    notices += [FieldNotice(said, note=note) for said, note in hermes_notes(tools_read, tools_unread, numbers)]
    notices += [FieldNotice(f"In {plural(n, 'row')}, {note}", rows=n, note=True) for note, n in read_as.items()]
    notices += [FieldNotice(said) for said in judged_warnings]
    places = {name: [where(n) for n in numbers] for name, numbers in found_at.items()}
    # Prompts without answers while a field of sentences goes unread: that field probably holds the answers. The
    # warning says what GRPO does with it and how to train it instead, so its own note is not given too.
    # A field named as the worse answer (`bad`) last: the warning and the Data page offer the first as the answer
    answers = [c for c, n in unread_text.items() if 2 * n >= len(records)] if FORMAT_KIND[fmt] == "prompt_only" else []
    answers = better_first(answers)
    warned = set(answers) if answers and not forced else set()
    notices += file_notices(
        ignored, notes.looking(), fmt, {e.row for e in errors}, places, len(rows), copies.said(ignored)
    ) + passed_columns(Counter({k: n for k, n in passed.items() if k not in warned}), columns is not None, rows)
    notices += numbers_note(as_text, {k: [where(n) for n in at] for k, at in as_text_at.items()}, source_of)
    notices += [FieldNotice(note, note=True) for note in duplicates_note(rows, [where(n) for n in numbers])]
    if row_counts(rows)["reasoning"]:  # reasoning in two layouts or more, as a run's preflight notes it (no template)
        from ftlib.data_stats import reasoning_layout_note

        said = reasoning_layout_note(rows, None, row_noun(numbered), numbers)
        notices += [FieldNotice(said, note=True)] if said else []
    if FORMAT_KIND[fmt] == "sft" and (
        judged := unread_judgement(
            list(ignored), fmt, "column" if columns is not None else "field", ignored.keys() - not_labels
        )
    ):
        # a feedback export's rating: its 1-star answers would be imitated (named here, not again in "Not used")
        notices.append(FieldNotice(judged, about=tuple(judging_names(list(ignored), ignored.keys() - not_labels))))
    if scored := scores_note([(where(n), said) for n, said in against]):
        notices.append(FieldNotice(scored))  # a pair its own raters scored a tie or the other way round
    if FORMAT_KIND[fmt] == "unpaired" and (both := contradicting_labels(rows, [where(n) for n in numbers])):
        notices.append(FieldNotice(both))  # a KTO answer labelled good and bad
    if FORMAT_KIND[fmt] == "preference" and (spaced := spacing_only(rows, [where(n) for n in numbers])):
        notices.append(FieldNotice(spaced))  # a pair of one answer written with other spacing: nothing to prefer
    if warned:
        values = [r["columns"][answers[0]] for r in rows if answers[0] in (r.get("columns") or {})]
        notices.insert(0, answers_unread(answers, columns is not None, values if answers[0] in passed else None))
    mapped = {f: c for f, c in column_map.items() if c is not None} if column_map else None
    # Text holding a chat transcript in a template's markup: its user turns are trained too (text_markup)
    keys = placed.from_keys  # each row's key said too in the notes below (split_lines.rows_said)
    markup = chat_markup(rows, numbers, forced, source_of.get("text", "text"), numbered, keys) if fmt == "text" else []
    unseen = invisible_characters(rows, numbers, numbered, keys)  # U+2028, zero-width spaces: seen by no one, trained
    return LoadResult(
        fmt,
        rows,
        errors,
        total,
        numbers,
        warnings,
        columns,
        mapped,
        notices=notices
        + blank_values(records, numbers, fmt, source_of, numbered, columns is not None, keys)
        + markup
        + unseen
        + placeholder_cells(records, numbers, source_of, where, columns is not None, FORMAT_FIELDS[fmt])
        + (cut_cells(records, source_of, where, FORMAT_FIELDS[fmt]) if columns is not None else [])
        + blank_rows_note(blank, where),
        fields=fields,
        file_type=numbered,  # where a row is, in the file's words: "line 4" of a .json read by line
        lines=lines,
        unread_answers=answers,
        from_keys=keys,  # {"train": [...], "test": [...]}: each key's items, numbered on across them
    )


def _mapped(raw: list, column_map: dict, errors: list[RowError]) -> tuple[list, list[RowError]]:
    """(records with the mapping applied, errors with the rows it refused: `mapping.apply_map`); `raw` is emptied as
    it is read (`note_records.drained`), so the records are not held twice."""
    records, refused = [], []
    for number, record in drained(raw):
        try:
            records.append((number, apply_map(record, column_map)))
        except RowProblem as exc:
            refused.append(RowError(number, str(exc)))
    if not records:
        raise DataError(f"No row can be read with this field mapping: {refused[0].message} (row {refused[0].row}).")
    return records, errors + refused


def _vote(records: list[tuple[int, dict]], name: str, fields: list[str], table: bool, unread: Callable) -> str:
    """The format most of `records` have. MappingNeeded when none has one; it names the rows that could not be read
    (`unread()`: where and why each, worded only then), which may be the file's real rows: one row of other keys
    among broken lines."""
    votes = Counter(f for f in (detect_row_format(r) for _, r in records) if f)
    if not votes:
        broken = unread()
        keyed = next((r for _, r in records if r), None)  # the first row with a key: `{}` rows name none
        if keyed is None and not broken:
            raise DataError(empty_objects(name, len(records)))
        keys = ", ".join(list(keyed or {})[:8]) or "(none)"
        known = "; ".join(f"{f}: {', '.join(names)}" for f, names in FORMAT_FIELDS.items())
        rows, unread = "its rows have", ""
        if broken:  # perhaps the file's real rows: one row of other keys among broken lines
            shown = "; ".join(broken[:3]) + ("; ..." if len(broken) > 3 else "")
            rows = f"the {plural(len(records), 'row')} it could read {'has' if len(records) == 1 else 'have'}"
            unread = f" {plural(len(broken), 'other row')} could not be read at all ({shown}): fix them first."
        shape = unread_shape(keyed)
        rows = f"{rows} the fields {keys}" if shape is None else shape
        need = MappingNeeded(
            f"Could not recognise the format of {name}: {rows}.{unread} Supported formats and "
            f"their fields -- {known}. Map the file's fields under Field mapping on the Data page (`--map "
            "KEY=FIELD` in the CLI), or rename them.",
            name,
            fields,
            table,
            None,
            [],
            broken,
        )
        need.shape = shape  # the page says it to everyone, not only in the full message
        raise need
    # Most rows win; a tie goes to the earlier format in FORMATS.
    return max(votes, key=lambda f: (votes[f], -FORMATS.index(f)))
