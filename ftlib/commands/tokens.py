"""`python -m ftlib tokens FILE [--row N | --line N] --template NAME --model M [--policy P] [--max-length L]
[--map C=F] [--json]`.

Shows what one row becomes: the rendered text (tool calls and reasoning as the template writes them), input_ids,
labels (-100 = not trained) and each token's role and reason, plus the pre-flight checks and a note when the
template adds a system prompt the row does not have. For a preference row the JSON is `{"chosen": {...},
"rejected": {...}}` (same inner keys) with `"prompt_text"` beside them. Rows of the file that failed to load are
named (a warning on stderr; `"skipped_rows"` in the JSON). Without --max-length the row is shown whole, and a warning
(`cut_in_training`) says what a run at its default max length would cut of it. Exit codes: 0 ok, 1 a check of
severity "error" fired, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys

from ftlib.commands import (
    add_data_options,
    add_policy_option,
    add_template_options,
    chosen_template,
    file_notes,
    file_warnings,
    inspect_command,
    load_data,
    positive_int,
    run_setting_int,
    skipped_rows,
    skipped_said,
    skipped_warning,
)
from ftlib.errors import UserError, plural
from ftlib.split_lines import flat_place, place
from ftlib.term_width import fit, pad

HELP = """\
Render one row of FILE with a chat template, tokenize it and show which tokens are trained.
--row N counts from 0 among FILE's valid rows, the rows left once those that fail to load are set
aside (--row 0 is the first valid row). That is not how `data inspect` and `train` number a file's
rows ("line 3", "item 3", "data row 3": the row's place in the file, counted from 1): the output
says which of those the row shown is, in its first line ("--row 1 (counted from 0 among 2 valid
rows) is line 3 of FILE"), and in the JSON as "file_row" (3) and "where" ("line 3"). --line N names
the row as those do instead: the row that starts on line N of a JSONL file, item N of a JSON array,
data row N of a CSV, TSV or Parquet file (the N of "data row N", not a line of the file), counted
from 1; a row of those that failed to load is refused with why it was set aside. In a .jsonl file a
line is always a line of the file: one that holds a single pretty-printed JSON value, its rows named
"item 7", shows the row whose text holds line N, with the lines it spans. --json prints {"kind",
"template", "policy", "text", "input_ids", "labels", "attention_mask", "tokens": [{"id", "text",
"role", "segment", "trained", "special", "label", "reason"}], "checks": [{"code", "severity",
"message", "fix"}], "file_row", "where", "skipped_rows", "row_warnings", "notes", "file_warnings",
...} ("label": true/false beside them for an unpaired row); for a preference row it prints
{"prompt_text", "chosen": {...}, "rejected": {...}, "file_row", "where", "skipped_rows",
"row_warnings", "notes", "file_warnings"}, each side with the keys above. "row_warnings": what
`data inspect` warns of this row (a tool call that matches no tool, invisible control characters),
as text; without --json each is a warning on stderr.
"notes": how the file was read (a `bot` role read as the assistant, content parts joined, a Hermes
system text trimmed), and "file_warnings": what of it is not read (fields nothing reads), as
`data inspect` says them; without --json, `note:` and `warning:` lines on stderr.
"skipped_rows" lists the rows of FILE that failed to load, [{"row", "where", "message"}] as
`data inspect --json` lists its errors ("row" counted from 1 in the file, as "file_row"); without
--json they are named in a warning on stderr. --format and --map read FILE as `data inspect` reads
it.
Exit status: 0, or 1 when a check of severity "error" fires (e.g. no trained tokens), 2 on bad
input."""


def register(sub) -> None:
    p = sub.add_parser(
        "tokens",
        help="show the tokens, labels and masks of one row",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "file",
        help="dataset file (.jsonl, .json, .csv, .tsv, .parquet; compressed too: .gz, .bz2, .xz, .zst, a .zip of one)",
    )
    add_data_options(p)  # --format and --map, as `data inspect` has them
    p.add_argument(
        "--row",
        type=int,
        default=None,
        metavar="N",
        help="which row: counted from 0 among the file's valid rows (default 0, the first); not the line or row "
        "number `data inspect` and `train` name, which count from 1 in the file (the output says which that is)",
    )
    p.add_argument(
        "--line",
        type=positive_int,
        default=None,
        metavar="N",
        help="which row, as `data inspect`, `train` and `batch` name it (not with --row): the row that starts on "
        "line N of a JSONL file, item N of a JSON array, data row N of a CSV, TSV or Parquet file, counted from 1; "
        "in a .jsonl file of one pretty-printed JSON value (its rows named 'item N'), the row on line N of the file",
    )
    add_template_options(p)
    p.add_argument("--model", default="default", help="model whose tokenizer to use (default: the embedded one)")
    add_policy_option(p)
    p.add_argument(
        "--max-length",
        type=run_setting_int("max_length"),  # a run's limits, in train's and batch's words
        default=None,
        help="cut sequences to this many tokens, as a run does (default: none, the row shown whole, with a warning "
        "when a run at its default max length would cut it)",
    )
    p.add_argument(
        "--add-missing-tokens",
        action="store_true",
        help="show the rows with the control tokens the template needs but the tokenizer lacks added to a copy of "
        "it (a preview: training does not add tokens)",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(handler=_run, check=check_arguments)


def row_json(
    row: dict,
    tokenizer,
    template,
    policy: str = "all_assistant",
    max_length: int | None = None,
    context: int | None = None,
) -> dict:
    """What `tokens --json` prints for one canonical row: the encoding with each sequence's pre-flight checks
    (`context`: the model's context length, which no fix asks a max length beyond; without `max_length`, what a
    run at its default max length would cut is among them: `cut_in_training`).

    An SFT, text, unpaired or prompt-only row gives one object (`kind` says which; an unpaired row has its
    `label`); a preference row gives {"prompt_text", "chosen": {...}, "rejected": {...}}.
    """
    from ftlib.tokens import encode_row, parts

    enc = encode_row(row, tokenizer, template, policy, max_length)
    out = {
        name: {
            **part.as_dict(),
            "checks": [c.as_dict() for c in _checks(part, tokenizer, template, max_length, context)],
        }
        for name, part in parts(enc).items()
    }
    return {"prompt_text": enc.prompt_text, **out} if "" not in out else out[""]


def _checks(enc, tokenizer, template, max_length: int | None, context: int | None) -> list:
    """The pre-flight checks, and without a max length what a run at its default one would cut (a warning)."""
    from ftlib.checks import SEVERITIES, preflight
    from ftlib.config import field_specs
    from ftlib.run_preflight import run_cut_check

    found = preflight(enc, tokenizer, template, context=context)
    if max_length is None and (cut := run_cut_check(enc, field_specs()["max_length"].default, context)):
        found.append(cut)
    return sorted(found, key=lambda c: SEVERITIES.index(c.severity))  # errors first, as preflight orders them


def check_arguments(args) -> None:
    """What `tokens` refuses from its command line and FILE alone, before `ftlib.cli` imports torch and any tokenizer
    loads: FILE (`load_data`: missing, unreadable, no valid row) and the row --row or --line names (`_row_index`).
    Leaves on `args.checked` the file's LoadResult and the index of that row among its rows."""
    result = load_data(args)
    args.checked = (result, _row_index(result, args))


def _run(args) -> int:
    from ftlib.models import context_length, load_tokenizer
    from ftlib.prompt_checks import added_system_note, explain_refusal
    from ftlib.rows import conversation, row_kind
    from ftlib.templates import TemplateError, add_missing_special_tokens, get_template, missing_special_tokens
    from ftlib.tokenizer_checks import PREVIEW_ONLY
    from ftlib.tokens import encode_row, parts

    result, index = args.checked  # `check_arguments`': the file read and the row named, before any tokenizer
    tokenizer = load_tokenizer(args.model)
    context = context_length(args.model)  # the longest row the model reads: no fix asks for a max length past it
    template = chosen_template(args, tokenizer)
    if args.add_missing_tokens:
        if missing := missing_special_tokens(tokenizer, template):  # the checks below no longer see them: said here
            print(f"warning: {', '.join(missing)} added for this preview only{PREVIEW_ONLY}", file=sys.stderr)
        tokenizer = add_missing_special_tokens(tokenizer, template)
        template = get_template(template.name, tokenizer, source=template.source)
    row = result.rows[index]
    turns = [] if row_kind(row) == "text" else conversation(row)
    try:
        if args.json:
            out = row_json(row, tokenizer, template, args.policy, args.max_length, context)
        else:
            enc = encode_row(row, tokenizer, template, args.policy, args.max_length)
    except TemplateError as exc:  # with the fix where one is known (a template that takes no system turn)
        raise explain_refusal(exc, template, turns, row.get("tools"), tokenizer) from None
    source = result.row_numbers[index]  # where the row is in the file, as data inspect and train name rows
    if args.json:
        out.update(file_row=source, where=result.where(source))
        out["skipped_rows"] = skipped_rows(result)  # the rows --row does not count, with where and why
        out["row_warnings"] = [w.message for w in result.warnings if w.row == source]  # as data inspect says them
        out["file_warnings"] = [line.removeprefix("warning: ") for line in _file_warnings(result, args)]
        # what of the file is not read (a table's columns), and how the file was read
        out["notes"] = [line.removeprefix("note: ") for line in file_notes(result)]
        print(json.dumps(out, ensure_ascii=False))
        checks = [c for part in (out.get("chosen"), out.get("rejected"), out) if part for c in part.get("checks", [])]
        return 1 if any(c["severity"] == "error" for c in checks) else 0
    checks = _checks(enc, tokenizer, template, args.max_length, context)
    warning = skipped_warning(result, args)
    if warning:  # --row counts valid rows only: say which row of the file this is (--line names it so already)
        print(warning + ("" if args.row is None else f" --row {args.row} is {result.where(source)}."), file=sys.stderr)
    among = plural(len(result.rows), "valid row")
    asked = f"--line {args.line}" if args.row is None else f"--row {args.row} (counted from 0 among {among})"
    span = getattr(args, "line_span", None)  # a .jsonl file of one JSON value: the lines of the row --line is in
    lines = f" (lines {span[0]} to {span[1]} of the file)" if span and span[1] > span[0] else ""
    at = _place(result, source, args.file)  # "item 8 of FILE (the 'test' key's item 2)": no bracket before the lines'
    if args.row is None and at == f"line {args.line} of {args.file}":
        # A .jsonl file names its rows by line: "--line 7 is line 7" told nothing; the --row it is does (helper 267)
        print(f"--line {args.line} of {args.file} is --row {index}, counted from 0 among {among}{lines}")
    else:
        print(f"{asked} is {flat_place(at) if lines else at}{lines}")
    for said in (w.message for w in result.warnings if w.row == source):  # as `data inspect` and the page say them
        print(f"warning: {result.where(source)}: {said}", file=sys.stderr)
    # How the file was read (a `bot` role read as the assistant, content parts joined, a Hermes system text trimmed):
    # the text below is the file's as read, which differed from the file without a word (helper 83's CLI walk).
    for line in [*_file_warnings(result, args), *file_notes(result)]:
        print(line, file=sys.stderr)
    for name, part in parts(enc).items():
        _print_table(name, part)
    for c in checks:
        print(f"{c.severity.upper()}: [{c.code}] {c.message}\n  fix: {c.fix}")
    note = added_system_note(template, turns, row.get("tools"), _one_line) if turns else None
    if note:  # a system prompt the row does not have, which generation gives the model too
        print(f"NOTE: {note}")
    return 1 if any(c.severity == "error" for c in checks) else 0


def _row_index(result, args) -> int:
    """The index among `result.rows` of the row --row or --line names (--row 0 without either). UserError for both
    given, a file with no valid row, a --row out of range (how many rows there are, and how many failed) and a --line
    that names no valid row (`_line_index`)."""
    n = len(result.rows)
    failed = len(result.errors)
    see = f"See every row with `{inspect_command(args)}`."
    if args.row is not None and args.line is not None:
        raise UserError(
            f"give --row or --line, not both: --row {args.row} counts {args.file}'s valid rows from 0, --line "
            f"{args.line} names a row by its place in the file, as `data inspect` does."
        )
    if not n:
        first = skipped_said(result, few=2)
        raise UserError(f"{args.file} has no valid row ({plural(failed, 'row')} failed to load: {first}). {see}")
    if args.line is not None:
        return _line_index(result, args, see)
    args.row = args.row or 0
    if not 0 <= args.row < n:
        also = f"; {plural(failed, 'other row')} failed to load. {see}" if failed else "."
        raise UserError(
            f"--row {args.row} is out of range: {args.file} has {plural(n, 'valid row')}, which --row counts from 0 "
            f"(0 to {n - 1}){also}"
        )
    return args.row


def _line_index(result, args, see: str) -> int:
    """The index among `result.rows` of the row at --line (a source row number, as `result.where` names it). A row
    set aside is refused with the reason `data inspect` gives; a number no row has (a blank line or row, past the
    end), with the valid rows nearest it."""
    line, file = args.line, args.file
    if result.file_type == "json" and (spans := _spans(result)) is not None:
        return _spanned_index(result, args, spans, see)
    if line in (at := {number: i for i, number in enumerate(result.row_numbers)}):
        return at[line]
    if (why := next((e.message for e in result.errors if e.row == line), None)) is not None:
        why += "" if why.rstrip().endswith((".", "!", "?")) else "."
        at = _place(result, line, file)  # "--line 7: line 7 of FILE was set aside" named the row twice (helper 267)
        said = f"--line {line} of {file}" if at == f"line {line} of {file}" else f"--line {line}: {at}"
        raise UserError(f"{said} was set aside, not read as a row: {why} {see}")
    # A .jsonl file of one JSON array, its items rows named by the line each starts on: a line inside an item's text
    # is that row's, and a bracket's line is none, not "past the end" of a file that goes on (helper 243's walk).
    if result.file_type == "jsonl" and (spans := _spans(result)):
        return _spanned_index(result, args, spans, see)
    before = max((n for n in at if n < line), default=None)
    after = min((n for n in at if n > line), default=None)
    last = max([*at, *(e.row for e in result.errors if e.row)])
    if line > last:  # the valid row nearest it too, where the last row is one set aside
        also = f"; the last valid row is {_named(result, before)}" if before != last else ""
        raise UserError(f"--line {line} is past the end of {file}: its last row is {_named(result, last)}{also}.")
    one = before is None or after is None
    nearest = " and ".join(_named(result, n) for n in (before, after) if n is not None)
    raise UserError(
        f"--line {line} is no row of {file} (blank lines and rows are skipped): the nearest valid "
        f"{'row is' if one else 'rows are'} {nearest}."
    )


def _place(result, number: int, file: str) -> str:
    """Source row `number` of `file` named as every message names a row of a file (`split_lines.place`): "data row 3 of
    qa.csv (line 5 of the file)", "item 8 of qa.json (the 'test' key's item 2)"; `result.where` with the file beside
    the row's number, as the pages and train's notes name it, not after its brackets ("data row 3 (line 5 of the file)
    of qa.csv", h237)."""
    line = result.lines[number - 1] if result.lines and 0 < number <= len(result.lines) else None
    return place(result.file_type, number, line, file, result.from_keys)


def _spans(result) -> list[tuple[int, int]] | None:
    """The lines each row of FILE spans where it is a .jsonl file read whole as one JSON value, its rows named by item
    (`item_lines.jsonl_item_lines`; [] where they are not one value each: a table written by column); None for any
    other file, whose --line is the number its rows are named by."""
    from ftlib.item_lines import jsonl_item_lines

    spans = jsonl_item_lines(result.source)
    return spans if spans is None or len(spans) == result.total else []


def _spanned_index(result, args, spans, see: str) -> int:
    """The index among `result.rows` of the row whose text holds line --line of a .jsonl file read whole as one JSON
    value (`spans`: each item's first and last line; [] where its rows have none): a line is the file's, as in any
    .jsonl file, not item N (which --line named before, silently another row). Leaves the row's lines on
    `args.line_span` for the first line of the output. UserError for a line between rows or past them (the rows
    nearest it), a row set aside (why), and rows without lines of their own (--row instead)."""
    line, file = args.line, args.file
    if not spans:
        raise UserError(
            f"--line {line}: {file} holds one JSON value whose rows are not written one after another (its cells by "
            f"column), so no row is on a line of its own. Name the row with --row N instead (counted from 0). {see}"
        )
    item = next((n for n, (first, last) in enumerate(spans, 1) if first <= line <= last), None)
    by_line = result.file_type == "jsonl"  # a .jsonl file's rows named by the line each starts on, not by item
    if item is None:
        before = max((n for n, (_, last) in enumerate(spans, 1) if last < line), default=None)
        after = min((n for n, (first, _) in enumerate(spans, 1) if first > line), default=None)
        nearest = " and ".join(_on_lines(result, n, spans) for n in (before, after) if n is not None)
        one, side = before is None or after is None, "before" if before is None else "past" if after is None else ""
        raise UserError(
            f"--line {line} of {file} is no row's: the file is one JSON value, its rows the items in it, and that "
            f"line is {f'{side} them' if side else 'between two'}; the nearest {'row is' if one else 'rows are'} "
            f"{nearest}."
        )
    args.line_span = spans[item - 1]
    number = spans[item - 1][0] if by_line else item
    if number in (at := {n: i for i, n in enumerate(result.row_numbers)}):
        return at[number]
    why = next((e.message for e in result.errors if e.row == number), "")
    why += "" if why.rstrip().endswith((".", "!", "?")) else "."
    raise UserError(
        f"--line {line}: {_on_lines(result, item, spans)} of {file} was set aside, not read as a row: {why} {see}"
    )


def _on_lines(result, item: int, spans) -> str:
    """Item `item` as `result.where` names it, with the lines of the file its text spans; in a .jsonl file (its rows
    named by the line each starts on) "the row on lines 4 to 9", or "line 4" on one line."""
    first, last = spans[item - 1]
    if result.file_type == "jsonl":
        return f"the row on lines {first} to {last}" if last > first else result.where(first)
    return f"{result.where(item)} on {f'lines {first} to {last}' if last > first else f'line {first}'}"


def _named(result, number: int) -> str:
    """Source row `number` as `result.where` names it, with the --line that shows it where the words differ.

    >>> from ftlib.data import LoadResult
    >>> _named(LoadResult("messages", [], [], 0, [], file_type="jsonl"), 3)
    'line 3'
    >>> _named(LoadResult("alpaca", [], [], 0, [], file_type="csv", lines=[2, 3, 5]), 3)
    '--line 3 (data row 3 at line 5 of the file)'
    """
    where = result.where(number)
    return where if where == f"line {number}" else f"--line {number} ({flat_place(where)})"


def _file_warnings(result, args) -> list[str]:
    """The file-level `warning:` lines `train` prints of the file (fields nothing reads, rows that look like another
    format), but the rows left out, which the --row line above names (`skipped_warning`); the unread fields `data
    inspect` says in a note are `file_notes`' (`quiet_unread`), as `train` says them."""
    return [line for line in file_warnings(result, args) if line != skipped_warning(result, args)]


def _one_line(text: str) -> str:
    """Quoted text on one line, its line breaks shown as ↵ (as the Tokens page shows them)."""
    return text.strip().replace("\n", "↵ ")


def _shown(text: str) -> str:
    """A token's text quoted as JSON, with invisible format characters escaped too (U+202E would reorder the rest of
    the terminal line; zero-width ones would not be seen): JSON escapes only the control characters.

    >>> print(_shown("a\\u202eb"), _shown("é\\n"))
    "a\\u202eb" "é\\n"
    """
    import unicodedata

    quoted = json.dumps(text, ensure_ascii=False)
    return "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) == "Cf" else c for c in quoted)


def _print_table(name: str, enc) -> None:
    counts = enc.counts()
    title = f"[{name}] " if name else ""
    label = "" if enc.label is None else f" label={'good' if enc.label else 'bad'}"
    print(
        f"{title}kind={enc.kind}{label} template={enc.template or '-'} policy={enc.policy} tokens={counts['total']} "
        f"{'pushed_down' if enc.rejected or enc.label is False else 'trained'}={counts['trained']} "
        f"({counts['pct_trained']}%)" + (f" cut={counts['cut']}" if counts["cut"] else "")
    )
    print(f"{'#':>4} {'id':>6} {'label':>6}  {'role':<10} {'text':<24} reason")
    first = 0  # the token showing the character a later byte piece belongs to
    for t in enc.tokens:
        first = first if t.byte_piece else t.index
        # A later byte of a character split over tokens adds no text of its own: `…` unquoted (was `""`, unexplained)
        text, more = ("…", f" (a later byte of the character on token {first})") if t.byte_piece else (t.text, "")
        shown = text if t.byte_piece else _shown(text)
        print(f"{t.index:>4} {t.id:>6} {t.label:>6}  {t.role:<10} {_cell(shown, 24)} {t.reason}{more}")


def _cell(text: str, width: int) -> str:
    """`text` cut with "…" and padded to `width` columns of a terminal, by the CLI's one rule (`ftlib.term_width`: a
    CJK character or an emoji takes two, a variation selector none; a skin-tone modifier alone its swatch's two).

    >>> _cell('"价格"', 6) + "|", _cell('"ab"', 6) + "|", _cell('"abcdefgh"', 6) + "|"
    ('"价格"|', '"ab"  |', '"abcd…|')
    """
    return pad(fit(text, width), width)
