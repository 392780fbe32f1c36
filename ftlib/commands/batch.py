"""`python -m ftlib batch FILE`: what padding, length grouping and packing each cost on a dataset.

    python -m ftlib batch chats.jsonl --model default --template tokenizer --batch-size 8 --max-length 384 --json

Rows are encoded as training would encode them (`ftlib.tokens.encode_row`), then batched with every strategy in
`ftlib.batching.STRATEGIES` they can use. A preference pair is one of a step's `--batch-size` rows and brings both
its sequences, as DPO trains it; pairs are never packed (the report says why). The batch size and max length
default to a run's (RunConfig, as on the Train form and the Batches page).
"""

from __future__ import annotations

import argparse
import json

from ftlib.config import field_specs
from ftlib.errors import UserError, plural


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def register(sub) -> None:
    p = sub.add_parser("batch", help="padding, length grouping and packing statistics for a dataset file")
    p.add_argument("file", help="a dataset file (.jsonl, .json, .csv, .tsv, .parquet)")
    p.add_argument("--model", default="default", help="whose tokenizer to use (default: the embedded SmolLM2)")
    p.add_argument("--template", default="tokenizer", help="chat template: tokenizer (the model's own) or a built-in")
    p.add_argument("--policy", default="all_assistant", help="which tokens are trained (see `ftlib.tokens`)")
    p.add_argument("--format", dest="fmt", default=None, help="force the file's format (see `data inspect`)")
    run = field_specs()  # a run's defaults, which the Batches page previews too
    p.add_argument(
        "--batch-size",
        type=_positive,
        default=run["batch_size"].default,
        help=f"examples per step, a preference pair counting as one (default: {run['batch_size'].default}, a run's)",
    )
    p.add_argument(
        "--max-length",
        type=_positive,
        default=run["max_length"].default,
        help="longer sequences are cut to this for every strategy; also the packed row length "
        f"(default: {run['max_length'].default}, a run's)",
    )
    p.add_argument("--seed", type=int, default=0, help="shuffle seed for length grouping")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=_batch)


def _batch(args) -> int:
    from ftlib import batching
    from ftlib.data import DataError, load_file
    from ftlib.models import load_tokenizer
    from ftlib.templates import get_template

    result = load_file(args.file, fmt=args.fmt)
    if not result.rows:
        raise DataError(f"no valid rows in {args.file}: check it with `python -m ftlib data inspect {args.file}`")
    tokenizer = load_tokenizer(args.model)
    template = get_template(args.template, tokenizer)
    encoded = _encode_all(result, tokenizer, template, args)
    stats = batching.compare_strategies(encoded, args.batch_size, args.max_length, seed=args.seed)
    report = {
        "file": str(args.file),
        "rows": len(result.rows),
        "sequences": len(batching.expand_pairs(encoded)),
        "pairs": batching.pairs_in(encoded),
        "batch_size": args.batch_size,
        "max_length": args.max_length,
        "strategies": [s.as_dict() for s in stats],
        "unavailable": batching.unavailable(encoded),  # strategy -> why these rows cannot use it
    }
    if args.json:
        print(json.dumps(report))
        return 0
    step = f"a step takes {plural(args.batch_size, 'pair')}"
    pairs = f" ({plural(report['pairs'], 'preference pair')}: {step})" if report["pairs"] else ""
    print(
        f"{plural(report['rows'], 'row')}, {plural(report['sequences'], 'sequence')}{pairs}, "
        f"batch size {args.batch_size}, "
        f"max length {args.max_length}"
    )
    # "steps", as the Batches page calls them (one batch a step; the JSON keeps its key "batches")
    print(f"{'strategy':<28}{'steps':>8}{'real':>10}{'padded':>10}{'pad %':>8}{'computed/trained':>18}{'cut':>8}")
    for s in stats:
        print(
            f"{batching.STRATEGY_LABELS[s.strategy]:<28}{s.batches:>8}{s.real_tokens:>10}{s.padded_positions:>10}"
            f"{s.pad_fraction:>8.1%}{s.computed_per_trained:>18.2f}{s.dropped_tokens:>8}"
        )
    for strategy, why in report["unavailable"].items():
        print(f"{batching.STRATEGY_LABELS[strategy]}: not available. {why}")
    return 0


def _encode_all(result, tokenizer, template, args) -> list:
    """Every row encoded as training encodes it; a row that cannot be is named (where it is in the file, the rows
    that fail with it counted, and the `tokens` command that shows it), with the fix where one is known."""
    from ftlib.prompt_checks import explain_refusal
    from ftlib.rows import conversation, row_kind
    from ftlib.templates import TemplateError
    from ftlib.tokens import encode_row

    encoded, failed = [], []
    for i, row in enumerate(result.rows):
        try:
            encoded.append(encode_row(row, tokenizer, template, args.policy, None))
        except UserError as exc:
            if isinstance(exc, TemplateError) and row_kind(row) != "text":
                exc = explain_refusal(exc, template, conversation(row), row.get("tools"), tokenizer)
            failed.append((i, exc))
    if not failed:
        return encoded
    i, exc = failed[0]
    others = f" (and {plural(len(failed) - 1, 'other row')})" if len(failed) > 1 else ""
    said = str(exc).rstrip()
    show = f"python -m ftlib tokens {args.file} --row {i} --model {args.model} --template {args.template}"
    raise UserError(
        f"{args.file}, {result.where(result.row_numbers[i])}{others} cannot be encoded: {said}"
        f"{'' if said.endswith(('.', '!', '?')) else '.'} See the row with `{show}`."
    )
