"""`python -m ftlib data inspect|split FILE`: check a dataset file and write a canonical train/test split.

python -m ftlib data inspect chats.jsonl --json
python -m ftlib data inspect qa.csv --map question=instruction --map answer=output   # tables and JSON alike
python -m ftlib data inspect tools.jsonl --model default --template hermes   # does the template write tool calls?
python -m ftlib data split chats.jsonl --test-size 0.1 --seed 0 --out splits/chats [--dedupe]
python -m ftlib data split train.jsonl --test-file test.jsonl --out splits/chats   # the data's own test split
python -m ftlib data split splits.json --out splits/chats   # {"train": [...], "test": [...]}: its 'test' held out
python -m ftlib data split chats.jsonl --out splits/chats --json   # one JSON object: files, row counts, warnings
python -m ftlib train --dataset splits/chats ...   # the folder holds meta.json, as a split saved on the Data page

`data split` is commands/data_split.py's; `data files` and `data remove` are commands/data_files.py's.
"""

from __future__ import annotations

import argparse
import json

from ftlib.commands import (
    add_data_options,
    add_template_options,
    chosen_template,
    data_files,
    data_split,
    load_data,
    no_rows,
    run_setting_int,
    wrong_format,
)
from ftlib.commands.data_split import keys_said
from ftlib.commands.data_tokens import asked_lengths, lengths_said, tool_calls_template
from ftlib.config import field_specs
from ftlib.format_notes import format_label


def register(sub) -> None:
    p = sub.add_parser("data", help="inspect data files, split them, pair good/bad answers; list and remove them")
    dsub = p.add_subparsers(dest="data_command", metavar="ACTION")
    dsub.required = True

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "file",
            help="a .jsonl, .json, .csv, .tsv or .parquet file (compressed too: .gz, .bz2, .xz, .zst, a .zip of one)",
        )
        add_data_options(parser)  # --format and --map, as tokens and batch have them

    inspect = dsub.add_parser(
        "inspect",
        help="detected format, valid rows, each bad row with its reason, and the fields that are not read",
        description="--json prints {format, kind, rows, valid_rows, errors: [{row, where, message}], warnings: "
        "[{row, message, ...}] (file-level entries first, with row null: ignored fields and rows that look like "
        "another format; a row's entry has `where`, e.g. 'data row 4 (line 8 of the file)'), columns, column_map, "
        "fields, counts: {tool_calls, tools, reasoning, weight_0[, good, bad]}, source[, lengths, "
        "tool_calls_template]}. Where rows have tool calls, the chat template a run would use (--template, "
        "--template-file; the model's own by default, of --model) is checked for writing them, as `train` checks "
        "it, and a warning names one that does: that loads the model's tokenizer (a few seconds). The rows' token "
        "lengths under that template are given then too (`lengths`), and under the one that writes the calls where "
        "it leaves them out, as `batch --template` counts them; a "
        "file without tool calls gets them where --model is given, else loads nothing. tool_calls_template: "
        "{model, template, drops_tool_calls (null where it could not be checked), row (counted from 1 in the file), "
        "where, keeps (a template that writes them), warning, lengths, keeps_lengths}; lengths and keeps_lengths "
        "(null where not measured): {template (null for raw text), title, rows, min, median, mean, max, total, "
        'max_length, truncated (rows longer than --max-length), cut (where the first 3 of them are: "line 4")}; keys '
        '(a .json file that holds its own split, {"train": [...], "test": [...]}: {test, train, left_out, rows: '
        "usable rows per key}, as `data split --json` says them, else null).",
    )
    common(inspect)
    inspect.add_argument("--model", default=None, help="model whose tokenizer to use (default: the embedded one)")
    add_template_options(inspect)  # as `tokens` and `batch` have them
    inspect.add_argument(
        "--max-length",
        type=run_setting_int("max_length"),
        default=field_specs()["max_length"].default,
        help="rows longer than this many tokens are counted as cut, where token lengths are measured (default: "
        f"{field_specs()['max_length'].default}, a run's)",
    )
    inspect.add_argument("--json", action="store_true", help="print one JSON object")
    inspect.set_defaults(handler=_inspect)

    data_split.register(dsub, common)  # data split: train.jsonl, test.jsonl and meta.json into --out
    data_files.register(dsub)  # data files, data remove: what is stored in the workspace


# The --json key said in words where the key alone is opaque: a file that writes `"loss": false` has no weight 0;
# reasoning, how it reaches the text trained (template_input.template_messages: the default model's template has no
# place for it)
COUNT_GLOSS = {
    "weight_0": " (rows with a turn marked not trained: weight 0, loss or train false)",
    "reasoning": " (rows with reasoning before an answer: a chat template that reads `reasoning_content` writes it "
    "itself, some in the last answer only; one that does not, the default model's included, gets it inline as "
    "<think>...</think> before the answer, trained with it)",
}


def _inspect(args) -> int:
    result = load_data(args)
    if not result.rows and not args.json and wrong_format(result, args):
        raise no_rows(result, args)  # one refusal naming the file's own format, not a line per row saying so
    _layout_under_template(result, args)  # the reasoning-layout note under the template asked for
    checked = tool_calls_template(result, args)
    lengths = checked["lengths"] if checked else asked_lengths(result, args)
    if args.json:
        summary = result.summary() | ({"lengths": lengths} if lengths else {}) | {"keys": keys_said(result)}
        if checked is not None:  # only for rows with tool calls: the others load no tokenizer
            summary["tool_calls_template"] = checked
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(f"file:       {result.source}")
        print(f"format:     {format_label(result.format)}")  # the page's words, the standard name after them
        if result.column_map:
            print("columns:    " + ", ".join(f"{col} -> {fld}" for fld, col in result.column_map.items()))
        print(f"rows read:  {result.total}")
        print(f"valid rows: {result.valid_rows}")
        counts = {k: v for k, v in result.summary()["counts"].items() if v or k in ("good", "bad")}
        if counts:
            print("holding:    " + ", ".join(f"{k} {v}{COUNT_GLOSS.get(k, '')}" for k, v in counts.items()))
        from ftlib.notices import shown_notices

        # A table's unread columns (ids, dates, notes) in one note; a JSON file's unread keys one warning each
        table = result.columns is not None
        notices, rest = shown_notices(result.notices, table=table, how="--map COLUMN=FIELD to use one")
        for notice in notices:
            print(f"{'note:' if notice.note else 'warning:':<12}{notice.message}")
        if rest:
            print(f"{'warning:':<12}... {rest} (--json lists each)")
        if lengths:
            print(f"{'tokens:':<12}{lengths_said(lengths, args.model or 'default', result.format == 'text')}")
        if checked and checked["warning"]:
            print(f"{'warning:':<12}{checked['warning']}")
        for label, items in (("rows left out", result.errors), ("warnings", result.warnings)):  # as `data split`
            if items:
                print(f"{label} ({len(items)}):")
                for item in items[:50]:
                    # Named as the Data page names it: a CSV row with its line ("data row 4 (line 8 of the file)").
                    print(f"  {result.where(item.row)}: {item.message}")
                if len(items) > 50:
                    print(f"  ... and {len(items) - 50} more (use --json for all)")
    if not result.rows:
        raise no_rows(result, args, listed=not args.json)  # the rows' reasons are printed above: not three again
    return 0


def _layout_under_template(result, args) -> None:
    """Where --model, --template or --template-file names the chat template a run would use, the file's note on
    reasoning written in two layouts (said by the loader of a template with no place for reasoning, the default
    model's: data_stats.reasoning_layout_note) is said under that template instead, as `train` will say it, or
    dropped where that template writes every layout alike (it reads the field or splits `</think>` itself, Qwen3).
    Loads the tokenizer only then; UserError as `tokens` for a --model or --template-file that cannot be read."""
    from dataclasses import replace

    from ftlib.blank_values import row_noun
    from ftlib.data_stats import reasoning_layout_note

    named = args.model or args.template_file or args.template != field_specs()["template"].default
    said = reasoning_layout_note(result.rows, None, row_noun(result.file_type), result.row_numbers) if named else ""
    at = next((i for i, n in enumerate(result.notices) if n.note and n.message == said), None) if said else None
    if at is None:
        return
    from ftlib.models import load_tokenizer

    template = chosen_template(args, load_tokenizer(args.model or "default"))
    now = reasoning_layout_note(result.rows, template, row_noun(result.file_type), result.row_numbers)
    result.notices[at : at + 1] = [replace(result.notices[at], message=now)] if now else []
