"""`python -m ftlib batch FILE`: what padding, length grouping and packing each cost on a dataset.

    python -m ftlib batch chats.jsonl --model default --template tokenizer --batch-size 8 --max-length 384 --json

Rows are encoded as training would encode them (`ftlib.tokens.encode_row`), then batched with every strategy in
`ftlib.batch_costs.STRATEGIES` they can use: padding in a run's shuffled order (the padding expected over its random
orders), length grouping, packing. A preference pair is one of a batch's `--batch-size` rows and brings both its
sequences, as DPO trains it; what the rows' methods cannot use (packing for pairs, KTO's rows and GRPO's prompts;
length grouping for KTO and GRPO) is said with `train`'s reason. Steps are optimizer steps, `--grad-accum` batches
each. The batch size, gradient accumulation and max length default to a run's (RunConfig, as on the Train form and
the Batches page). `--format` and `--map` read the file as
`data inspect` does. FILE may be a saved split too, as `train --dataset` takes it (its folder, or its name in the
workspace: `run_data.split_folder`): its training rows are measured, as a run steps over them, named by their lines of
its train.jsonl. Nothing is left out unsaid: rows that fail to load, and rows a run would leave out at this max
length (nothing trained), are named in warnings on stderr (`skipped_rows` and `untrained_rows` in the JSON), and so
are the rows it cuts and keeps (`cut_warnings`) and what the template leaves out of them (tool calls, tools,
reasoning), as `train` says them (`template_checks`).
"""

from __future__ import annotations

import argparse
import json

from ftlib.commands import (
    add_data_options,
    add_policy_option,
    add_template_options,
    chosen_template,
    file_notes,
    file_warnings,
    inspect_command,
    load_data,
    run_setting_int,
    skipped_reasons,
    skipped_rows,
    skipped_said,
    skipped_warning,
)
from ftlib.config import field_specs
from ftlib.errors import UserError, plural

DESCRIPTION = """\
What padding, length grouping and packing each cost on FILE's rows, encoded as a run encodes them.
--json prints {"file", "rows" (valid rows), "rows_read", "sequences", "pairs", "batch_size",
"max_length", "packing_strategy", "grad_accum", "strategies": [{"strategy", "batches", "steps"
(optimizer steps: batches / grad_accum, rounded up), "real_tokens", "padded_positions",
"pad_fraction", "trained_tokens", "computed_per_trained", "dropped_tokens", ...}], "unavailable":
{strategy: why}, "grouping" (why grouping by length pads more than shuffling, where it does; else
""), "skipped_rows", "untrained_rows", "cut_warnings", "template_checks", "file_warnings", "notes"}.
Strategy "right_padding" ("Padding, shuffled", a run without group_by_length) counts the padding
expected over a run's random orders, rounded to whole positions; a default run groups by length
("length_grouped"), or packs with packing on; "computed_per_trained" is rounded to 2 decimals, as
printed. "packing" cuts a sequence longer than the max length there (--packing-strategy bfd, a run's
default) or splits it into pieces of it (bfd_split), as a run's packing does. "computed_per_trained"
is null where no token is trained: prompt-only rows (GRPO) train no token of their own, GRPO writes
the answers and trains those. "skipped_rows": the rows of FILE that failed to load, [{"row",
"where", "message"}] as `data inspect --json` lists them. "untrained_rows": the rows a run would
leave out at this max length, [{"row", "where", "tokens", "reason"}], reason "cut" (every trained
token lies past the max length), "masked" (--policy trains no token of the row) or "long_prompt" (a
prompt-only row longer than the max length, which GRPO leaves out); the strategies still count them.
"cut_warnings": what `train` warns of the rows the max length cuts and keeps (their trained tokens
past the cut never learned), as text. "file_warnings": what of FILE is not read (fields nothing
reads), and "notes": how it was read, as `tokens --json` says them. Under --packing-strategy
bfd_split (an SFT run that packs) a run cuts no row and leaves none out for its length: neither
names one. Without --json each of these is a warning on stderr."""


def register(sub) -> None:
    p = sub.add_parser(
        "batch",
        help="padding, length grouping and packing statistics for a dataset file",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "file",
        help="a dataset file (.jsonl, .json, .csv, .tsv, .parquet; compressed too: .gz, .bz2, .xz, .zst, "
        "a .zip of one), or a saved split as `train --dataset` takes it (its folder or its name): its training rows",
    )
    add_data_options(p)  # --format and --map, as `data inspect` has them
    p.add_argument("--model", default="default", help="whose tokenizer to use (default: the embedded SmolLM2)")
    add_template_options(p)
    add_policy_option(p)
    run = field_specs()  # a run's defaults, which the Batches page previews too
    p.add_argument(
        "--batch-size",
        type=run_setting_int("batch_size"),  # within a run's limits, as `train` and the Train page take it
        default=run["batch_size"].default,
        help=f"examples per step, a preference pair counting as one (default: {run['batch_size'].default}, a run's)",
    )
    p.add_argument(
        "--grad-accum",
        type=run_setting_int("grad_accum"),  # within a run's limits, as `train` and the Train page take it
        default=run["grad_accum"].default,
        help=f"batches per optimizer step, for counting steps (default: {run['grad_accum'].default}, a run's)",
    )
    p.add_argument(
        "--max-length",
        type=run_setting_int("max_length"),
        default=run["max_length"].default,
        help="longer sequences are cut to this (split into pieces of it by packing under --packing-strategy "
        f"bfd_split); also the packed row length (default: {run['max_length'].default}, a run's)",
    )
    p.add_argument(
        "--packing-strategy",
        choices=run["packing_strategy"].choices,
        default=run["packing_strategy"].default,
        help="what packing does with a sequence longer than the max length, as a run's packing_strategy: bfd cuts "
        f"it, bfd_split splits it into pieces, every token packed (default: {run['packing_strategy'].default})",
    )
    p.add_argument(
        "--seed",
        type=run_setting_int("seed"),
        default=run["seed"].default,
        help=f"shuffle seed for length grouping, as a run's seed (default: {run['seed'].default}, a run's)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=_batch)


def _batch(args) -> int:
    import sys

    from ftlib import batch_costs, batching, checks
    from ftlib.data import DataError
    from ftlib.models import context_length, load_tokenizer
    from ftlib.row_cuts import row_shows
    from ftlib.run_data import split_named

    given = args.file
    result = _split_rows(args) or load_data(args)
    if not result.rows:
        # " (and N other reasons)" as skipped_warning says it: the reasons are grouped, so rows past the third are
        # no sign of a reason left unsaid (a " ..." after every reason said read as more to come)
        more = skipped_reasons(result) - 3
        said = skipped_said(result) + (f" (and {plural(more, 'other reason')})" if more > 0 else "")
        raise DataError(
            f"no valid rows in {args.file} ({plural(result.total, 'row')} read as {result.format}): "
            f"{said}{'' if said.endswith(('…', '.')) else '.'} See every row with `{inspect_command(args)}`."
        )
    tokenizer = load_tokenizer(args.model)
    template = chosen_template(args, tokenizer)
    encoded = _encode_all(result, tokenizer, template, args)
    stats = batch_costs.compare_strategies(
        encoded,
        args.batch_size,
        args.max_length,
        seed=args.seed,
        grad_accum=args.grad_accum,
        packing_strategy=args.packing_strategy,
    )
    # Under bfd_split a packing run keeps a longer row whole (TRL's packing splits it): none is cut or left out for it.
    cut_at = batch_costs.cut_length(encoded, args.max_length, args.packing_strategy)
    untrained = batch_costs.untrained_rows(encoded, cut_at)
    # Rows the max length cuts, in `train`'s words: the table's "cut" column alone said it (helper 104's walk).
    numbers, context = list(result.row_numbers), context_length(args.model)

    def shows(row: int) -> str:  # the `tokens` command that shows the first row cut: that very row (--line)
        return row_shows(_tokens_command(args, result, row, True), row)

    cut = batch_costs.cut_warnings(
        encoded, result.rows, numbers, tokenizer, template, args.policy, cut_at, context, shows=shows
    )
    # What the template leaves out of the rows (tool calls, tools, reasoning): `train` refuses or warns before a run.
    losses = checks.template_report(encoded, template, numbers, total=len(encoded))
    report = {
        "file": str(args.file),
        "rows": len(result.rows),
        "rows_read": result.total,
        "sequences": len(batching.expand_pairs(encoded)),
        "pairs": batching.pairs_in(encoded),
        "batch_size": args.batch_size,
        "grad_accum": args.grad_accum,
        "max_length": args.max_length,
        "packing_strategy": args.packing_strategy,
        "strategies": batch_costs.strategy_rows(stats, args.grad_accum),  # as the Batches page shows them
        # strategy -> why these rows' methods cannot use it, said as a fact of the rows (as the Batches page says it):
        # nobody turned packing on here, so train's "Turn packing off" would be advice to undo nothing
        "unavailable": batch_costs.unavailable(encoded, neutral=True),
        "grouping": "",
        "skipped_rows": skipped_rows(result),
        "untrained_rows": [
            {"row": result.row_numbers[i], "where": result.where(result.row_numbers[i]), "tokens": n, "reason": why}
            for i, why, n in untrained
        ],
        "cut_warnings": cut,
        "template_checks": [
            {"code": c.code, "severity": c.severity, "message": c.message, "fix": c.fix} for c in losses
        ],
    }
    units, unit = report["sequences"] - report["pairs"], "pair" if report["pairs"] else "row"  # rows, or pairs
    # On a small file grouping sorts nothing and can pad more than shuffling: the Batches page says why under its
    # table, which the CLI printed without it (helper 256)
    strategies = report["strategies"]
    report["grouping"] = batch_costs.grouping_said(
        strategies, units, args.batch_size, args.grad_accum, args.seed, unit
    )
    if args.json:
        # What plain mode prints on stderr of the file, in `tokens --json`'s keys: the fields nothing reads, rows that
        # look like another format ("file_warnings"; the rows left out are "skipped_rows"), how it was read ("notes")
        left_out = skipped_warning(result, args)
        warned = [line for line in file_warnings(result, args) if line != left_out]
        report["file_warnings"] = [line.removeprefix("warning: ") for line in warned]
        report["notes"] = [line.removeprefix("note: ") for line in _notes(result, args)]
        print(json.dumps(report))
        return 0
    step = f"a batch takes {plural(args.batch_size, 'pair')}"
    pairs = f" ({plural(report['pairs'], 'preference pair')}: {step})" if report["pairs"] else ""
    accum = f" x gradient accumulation {args.grad_accum} a step" if args.grad_accum > 1 else ""
    split = f" (the training rows of {split_named(given)})" if args.file != given else ""
    print(
        f"{plural(report['rows'], 'row')}{split}, {plural(report['sequences'], 'sequence')}{pairs}, "
        f"batch size {args.batch_size}{accum}, max length {args.max_length}"
    )
    # "steps", as the Batches page calls them: optimizer steps (the JSON's "steps"; "batches" is the forward batches)
    print(f"{'strategy':<30}{'steps':>8}{'real':>10}{'padded':>10}{'pad %':>8}{'computed/trained':>18}{'cut':>8}")
    for s, said in zip(stats, report["strategies"], strict=True):
        per_trained = "-" if said["computed_per_trained"] is None else f"{said['computed_per_trained']:.2f}"
        print(
            f"{batch_costs.STRATEGY_LABELS[s.strategy]:<30}{said['steps']:>8}{s.real_tokens:>10}"
            f"{s.padded_positions:>10}{s.pad_fraction:>8.1%}{per_trained:>18}{s.dropped_tokens:>8}"
        )
    print(COLUMNS_SAID)
    if report["grouping"]:
        print(report["grouping"])
    for strategy, why in report["unavailable"].items():
        print(f"{batch_costs.STRATEGY_LABELS[strategy]}: not available. {why}")
    if result.kind == "prompt_only":
        print(
            "note: computed/trained is '-': prompt-only rows train no token of their own. GRPO writes answers to them "
            "and trains those, so what a step computes per trained token is only known in a run."
        )
    # The rows left out and the fields nothing reads (a misspelt key's text is lost), as `train` and `tokens` say them
    for warning in [*file_warnings(result, args), *_untrained_warnings(untrained, result, args)]:
        if warning:
            print(warning, file=sys.stderr)
    for warning in cut:  # the rows kept, cut: as `train` warns of them
        print(f"warning: {warning}", file=sys.stderr)
    for check in losses:
        refused = "`train` refuses these rows: " if check.severity == "error" else ""
        print(f"warning: {refused}{check.message} {check.fix}", file=sys.stderr)
    for line in _notes(result, args):  # how the file was read and its spare columns, as `train` notes them
        print(line, file=sys.stderr)
    return 0


# The table's columns in words, with their units: 'real', 'padded' and 'cut' stood bare (helper 245's walk).
COLUMNS_SAID = (
    "columns: steps = optimizer steps; real = the rows' tokens read (after the cut); padded = pad tokens added to "
    "fill the batches; pad % = padded / all positions computed; computed/trained = positions computed per trained "
    "token (1.00: every one trained; above it: prompt, template or padding read but not trained); cut = tokens past "
    "the max length, never seen"
)


def _notes(result, args) -> list[str]:
    """`file_notes` of the file, but json_layout's note of a .json file that holds its own split ("Where a split is
    made of it, ...": `split_note`), a split `batch` does not make; in its place, which rows it counts of such a
    file: every key's, one after the other, where a run trains on the training keys' alone."""
    from ftlib.json_layout import key_roles, split_note

    own = {f"note: {n.message}" for n in result.notices if split_note(n.message)}
    notes = [line for line in file_notes(result) if line not in own]
    roles = key_roles(result.from_keys) if own else None
    if roles:
        keys = ", ".join(f"'{key}' ({plural(n, 'item')})" for key, n in result.from_keys)
        trains = " and ".join(f"'{key}'" for key in roles.train)
        held = ", ".join(f"'{key}'" for key in (roles.test, *roles.left_out))
        notes.append(
            f"note: {args.file} holds its own split: these counts are of the rows of all its keys, {keys}, read in "
            f"that order; a run on it trains on the rows of {trains} alone ({held} held out). `batch` on the split "
            "`data split` saves of it counts its training rows alone."
        )
    return notes


def _split_rows(args):
    """The training rows of the saved split `args.file` names (a split folder, or a split saved in the workspace under
    that name), found and read as `train --dataset` finds and reads them (`run_data.split_folder`,
    `workspace.load_split`), as a LoadResult of its train.jsonl, which `args.file` then names: a row is its line
    there, and `tokens` shows it. None for anything else (a data file, even one a saved split is named after).
    UserError for --format or --map beside a split, as `train` refuses them: its rows were read when it was saved."""
    from ftlib.data import LoadResult
    from ftlib.formats import FORMAT_KIND
    from ftlib.run_data import split_folder, split_named
    from ftlib.user_paths import user_path
    from ftlib.workspace import load_split

    folder = None if user_path(args.file).is_file() else split_folder(args.file)
    if folder is None:
        return None
    if args.fmt or args.map:
        raise UserError(
            f"--format and --map read a data file; {split_named(args.file)} was read with its own format and mapping "
            "when it was saved. Drop them, or give the data file."
        )
    train, _, meta = load_split(str(folder))
    rows_file = folder / "train.jsonl"
    args.file = str(rows_file)
    if meta.get("format") not in FORMAT_KIND:  # a meta.json that does not say: its rows read as a file's are
        return load_data(args)
    lines = list(range(1, len(train) + 1))  # one canonical row a line
    return LoadResult(meta["format"], train, [], len(train), lines, source=str(rows_file), file_type="jsonl")


def _tokens_command(args, result, line: int, max_length: bool = False) -> str:
    """The `tokens` command that shows the row at `line` of the file `result` read (its row number, as `where` names
    it; its --line from `item_lines.shown_at`: the item's first line in a .jsonl file read whole) as this command read
    and encoded it."""
    from ftlib.item_lines import shown_at
    from ftlib.row_cuts import tokens_command

    flags = ["--format", args.fmt] if args.fmt else []
    flags += [word for pair in args.map for word in ("--map", pair)]
    # The template this command encoded with: a custom one's file, not the --template it overrides.
    given = ["--template-file", args.template_file] if args.template_file else ["--template", args.template]
    flags += ["--model", args.model, *given]
    flags += ["--policy", args.policy] if args.policy != field_specs()["mask_policy"].default else []
    return tokens_command(args.file, shown_at(result, line), flags, args.max_length if max_length else None)


def _untrained_warnings(untrained: list, result, args) -> list[str]:
    """`batch_costs.untrained_warnings` for `untrained` (`batch_costs.untrained_rows`), each a `warning:` line whose
    fix names this command's options and the `tokens` command that shows the first such row."""
    from ftlib import batch_costs
    from ftlib.split_lines import flat_place

    first = {}
    for i, why, _ in untrained:
        first.setdefault(why, i)
    see = {
        why: f"; see one with `{_tokens_command(args, result, result.row_numbers[i], why == 'cut')}`."
        for why, i in first.items()
    }
    fixes = {
        "cut": "Use a larger --max-length or shorter rows" + see.get("cut", "."),
        "masked": "Use another --policy, or fix the rows" + see.get("masked", "."),
        "long_prompt": "Use a larger --max-length or shorter prompts.",
    }
    # Flat, in the warning's own brackets: "data row 2 at line 3 of the file (46 tokens)" (`split_lines.flat_place`)
    named = [(flat_place(result.where(result.row_numbers[i])), why, n) for i, why, n in untrained]
    said = batch_costs.untrained_warnings(named, args.max_length, f"--policy {args.policy}", fixes)
    return [f"warning: {s}" for s in said]


def _encode_all(result, tokenizer, template, args) -> list:
    """Every row encoded as training encodes it; a row that cannot be is named (where it is in the file, the rows
    that fail with it counted, and the `tokens` command that shows it), with the fix where one is known."""
    from ftlib.batching import refusal
    from ftlib.tokens import encode_row

    encoded, failed = [], []
    for i, row in enumerate(result.rows):
        try:
            encoded.append(encode_row(row, tokenizer, template, args.policy, None))
        except UserError as exc:
            failed.append((i, refusal(exc, row, template, tokenizer)))
    if not failed:
        return encoded
    i, said = failed[0]
    others = f" (and {plural(len(failed) - 1, 'other row')})" if len(failed) > 1 else ""
    show = _tokens_command(args, result, result.row_numbers[i])
    raise UserError(
        f"{args.file}, {result.where(result.row_numbers[i])}{others} cannot be encoded: {said} See the row with "
        f"`{show}`."
    )
