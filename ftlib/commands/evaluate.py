"""`python -m ftlib evaluate`: base vs tuned on a run's held-out split (loss, perplexity, outputs).

    python -m ftlib evaluate RUN_DIR_OR_ID --json
    python -m ftlib evaluate --model default --adapter ADAPTER_OR_RUN --data test.jsonl --csv out.csv

With a run, its config.json names the model, the dataset (split as training did) and the chat template;
the flags override them. `--json` prints the aggregates; `--csv` writes every row side by side.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from types import SimpleNamespace

from ftlib.commands import add_data_options, column_map, skipped_warning


def register(sub) -> None:
    p = sub.add_parser("evaluate", help="compare base and tuned on the held-out split")
    p.add_argument("run", nargs="?", default=None, help="a finished run (folder or id)")
    p.add_argument("--model", default=None, help="base model (default: the run's)")
    p.add_argument(
        "--adapter",
        default=None,
        metavar="RUN_OR_DIR",
        help="adapter or full fine-tuned model folder (default: the run's)",
    )
    p.add_argument("--data", default=None, help="a data file or saved split name (default: the run's test split)")
    add_data_options(p)  # --format and --map for a --data file, as `data inspect` reads it
    p.add_argument("--template", default=None, help="chat template (default: the run's, else the model's own)")
    p.add_argument("--limit", type=int, default=None, help="evaluate only the first N test rows")
    p.add_argument("--max-new-tokens", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=8, help="test rows per batched generation")
    p.add_argument("--device", default=None)
    p.add_argument("--csv", default=None, metavar="FILE", help="write the per-row table as CSV")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_evaluate)


def _clean(value):
    """JSON has no NaN/Infinity: report them as null."""
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _evaluate(args) -> int:
    from ftlib import evaluate as E
    from ftlib import lease
    from ftlib import modelset as M
    from ftlib import sampling as S
    from ftlib.errors import UserError
    from ftlib.sharing import print_waits

    S.check_max_new_tokens(args.max_new_tokens)
    if args.csv and Path(args.csv).is_dir():  # refused before the evaluation, not after it
        example = Path(args.csv) / "eval.csv"
        raise UserError(f"--csv points at the folder {args.csv}: give a file name, e.g. {example}.")
    info = None
    if args.run:
        run = M.resolve_run(args.run)
        info = E.run_info(run) if (run / "config.json").is_file() else None
    elif not (args.model and args.adapter and args.data):
        raise UserError("Give a finished run (RUN_DIR or id), or all of --model, --adapter and --data.")
    adapter = args.adapter or args.run
    model = args.model or (info.model if info else None)
    if not model:
        raise UserError(f"'{args.run}' has no config.json naming its model; pass --model.")
    if args.model:  # a run's adapter fits only the base it was trained on: --model naming another is refused
        from ftlib.commands.sample import base_model

        base_model(args.model, [M.resolve_run(adapter)])
    template = args.template or (info.template if info else "tokenizer")
    if args.data:
        rows, result = E.load_test_rows(args.data, fmt=args.fmt, column_map=column_map(args.map))
        # A data file's rows it could not read are named on stderr, not skipped unsaid.
        warning = result and skipped_warning(result, SimpleNamespace(file=args.data, fmt=args.fmt, map=args.map))
        if warning:
            print(warning, file=sys.stderr)
    elif args.fmt or args.map:
        raise UserError("--format and --map read a --data file: give one, or leave them out for the run's split.")
    elif info:
        rows = info.test_rows
    else:
        raise UserError(f"'{args.run}' has no config.json naming its dataset; pass --data.")

    def progress(message: str, fraction: float) -> None:
        print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)

    models = M.load_model_set(model, [M.resolve_run(adapter)], device=args.device)
    name = models.tuned[0]
    # Takes turns on the device with a training run or the app (ftlib.lease); a wait is told on stderr.
    with lease.hold(models.device, "evaluation", "python -m ftlib evaluate", on_wait=print_waits()):
        result = E.evaluate(
            models,
            rows,
            name,
            max_new_tokens=args.max_new_tokens,
            batch_size=args.batch_size,
            limit=args.limit,
            progress=progress,
            # The run's own template, a custom one's Jinja text included (a name alone cannot carry it).
            template=info.chat_template(models.tokenizer) if info and not args.template else template,
        )
    agg = {k: _clean(v) for k, v in result.aggregates().items()}
    agg.update(model=model, template=template)
    # The figures are printed before the CSV is written, so a full disk there loses none of the evaluation.
    if args.json:
        print(json.dumps(agg))
    else:
        for key, value in agg.items():
            print(f"{key}: {value:.4f}" if isinstance(value, float) else f"{key}: {value}")
        for index, reason in result.skipped[:5]:
            print(f"skipped test row {index + 1}: {reason}")
    if args.csv:
        from ftlib.commands import os_error_message
        from ftlib.workspace import write_files

        try:
            write_files({Path(args.csv): result.to_csv()}, hint="Free space on that disk or pass another --csv path. ")
        except UserError:
            raise  # a full disk, already in words
        except OSError as exc:
            raise UserError(os_error_message(exc, "write the CSV file", args.csv, "pass another --csv path")) from exc
    return 0
