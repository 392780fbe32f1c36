"""Data preparation for assistant-only loss: ftlib vs TRL, on the shipped SFT sample.

    .venv/bin/python -m bench.bench_tokenize [--repeat 12] [--rounds 5]

Both sides turn the same conversations into `input_ids` + `labels` (-100 outside the assistant replies and
their end-of-turn tokens) with the same tokenizer (SmolLM2) and the same template (ftlib's ChatML with
`{% generation %}` tags, which TRL needs for `assistant_only_loss=True`):

- ftlib: `ftlib.tokens.encode_row` per row (render once, tokenize once, label by character spans), once as
  training runs it (`checks=False`) and once with the pre-flight checks the Tokens page shows; and
  `encode_rows`, the same with one batched tokenizer call (Rust spreads it over the cores).
- TRL: `SFTTrainer._prepare_dataset` itself (TRL 1.16, `SFTConfig(assistant_only_loss=True)`), which runs
  `datasets.map` over `apply_chat_template(..., return_assistant_tokens_mask=True)` and builds labels; and, to
  separate the `datasets` overhead, a plain loop over that same transformers call.

Prints examples/s for each, the ratios, and whether every row's labels are identical. The sample has ~170 rows;
it is repeated `--repeat` times so each timing covers a few thousand conversations; the best of `--rounds`
(interleaved) is reported. Falls back to generated conversations if the sample file is missing.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "chat_style_sft.jsonl"


def load_rows() -> tuple[list[dict], str]:
    """The shipped SFT sample's canonical rows, or generated conversations when it is absent."""
    if SAMPLE.is_file():
        from ftlib.data import load_file

        return load_file(SAMPLE).rows, str(SAMPLE.relative_to(ROOT))
    rng = random.Random(0)
    words = "the a pasta salt water poem river light quick brown fox jumps over lazy dog".split()
    rows = []
    for _ in range(170):
        messages = [{"role": "system", "content": "You are a helpful assistant."}] if rng.random() < 0.3 else []
        for _ in range(rng.choice((1, 1, 2, 3))):
            messages.append({"role": "user", "content": " ".join(rng.choices(words, k=rng.randint(4, 14))) + "?"})
            messages.append({"role": "assistant", "content": " ".join(rng.choices(words, k=rng.randint(10, 60)))})
        rows.append({"messages": messages})
    return rows, "generated (samples/chat_style_sft.jsonl not found)"


def best_times(runs: dict, rounds: int) -> dict[str, tuple[float, float, object]]:
    """Best wall time, best CPU time (all threads of this process) and the result of each run.

    Rounds interleave the runs, so a busy spell on a shared machine slows all of them rather than one; CPU time
    is the steadier measure there for the single-threaded runs."""
    best = {name: [float("inf"), float("inf"), None] for name in runs}
    for _ in range(rounds):
        for name, fn in runs.items():
            wall, cpu = time.perf_counter(), time.process_time()
            result = fn()
            entry = best[name]
            entry[0] = min(entry[0], time.perf_counter() - wall)
            entry[1] = min(entry[1], time.process_time() - cpu)
            entry[2] = result
    return {name: tuple(v) for name, v in best.items()}


def ftlib_prepare(rows, tokenizer, template, checks: bool):
    from ftlib.checks import preflight
    from ftlib.tokens import encode_row

    out = []
    for row in rows:
        enc = encode_row(row, tokenizer, template, "all_assistant", None)
        if checks:  # what the Tokens page adds: the pre-flight checks read the encoding and render it again
            preflight(enc, tokenizer, template)
        out.append(enc.labels)
    return out


def ftlib_prepare_batched(rows, tokenizer, template):
    from ftlib.tokens import encode_rows

    return [enc.labels for enc in encode_rows(rows, tokenizer, template, "all_assistant", None)]


def trl_prepare(rows, tokenizer, output_dir: str):
    """TRL's own dataset preparation, called on a stand-in for the trainer (it only reads these attributes)."""
    from types import SimpleNamespace

    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    args = SFTConfig(
        output_dir=output_dir, assistant_only_loss=True, max_length=None, report_to=[], bf16=False, use_cpu=True
    )
    trainer = SimpleNamespace(_tokenizer=tokenizer, completion_only_loss=False, chat_template=None)
    dataset = Dataset.from_list([{"messages": row["messages"]} for row in rows])
    prepared = SFTTrainer._prepare_dataset(
        trainer, dataset, tokenizer, args, packing=False, formatting_func=None, dataset_name="train"
    )
    return prepared["labels"]


def transformers_loop(rows, tokenizer):
    """The call TRL maps over the dataset, in a plain loop: labels from `assistant_masks`."""
    out = []
    for row in rows:
        enc = tokenizer.apply_chat_template(
            row["messages"], tokenize=True, return_dict=True, return_assistant_tokens_mask=True
        )
        out.append([i if m else -100 for i, m in zip(enc["input_ids"], enc["assistant_masks"], strict=True)])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=12, help="repeat the sample this many times (default 12)")
    parser.add_argument("--rounds", type=int, default=5, help="timing rounds; the best is reported (default 5)")
    args = parser.parse_args(argv)

    import datasets
    import transformers
    import trl

    from ftlib.models import load_tokenizer
    from ftlib.templates import get_template

    datasets.disable_progress_bars()
    datasets.disable_caching()
    base, source = load_rows()
    rows = base * args.repeat
    tokenizer = load_tokenizer("default")
    template = get_template("chatml", tokenizer)
    # TRL reads the template from the tokenizer: a copy, so the shared tokenizer keeps its own.
    trl_tokenizer = load_tokenizer("default")
    trl_tokenizer.chat_template = template.source

    print(
        f"data: {source}: {len(base)} conversations x {args.repeat} = {len(rows)}; tokenizer SmolLM2-135M; "
        f"template ftlib chatml (generation tags); transformers {transformers.__version__}, trl {trl.__version__}, "
        f"datasets {datasets.__version__}; {os.cpu_count()} CPUs, TOKENIZERS_PARALLELISM="
        f"{os.environ.get('TOKENIZERS_PARALLELISM', '(unset: on)')} (only the batched call can use several cores)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        runs = {
            "ftlib encode_row (training path, checks=False)": lambda: ftlib_prepare(rows, tokenizer, template, False),
            "ftlib encode_row (+ pre-flight checks)": lambda: ftlib_prepare(rows, tokenizer, template, True),
            "ftlib encode_rows (one batched tokenizer call)": lambda: ftlib_prepare_batched(rows, tokenizer, template),
            "TRL SFTTrainer._prepare_dataset": lambda: trl_prepare(rows, trl_tokenizer, tmp),
            "transformers apply_chat_template loop": lambda: transformers_loop(rows, trl_tokenizer),
        }
        results = best_times(runs, args.rounds)
    print(f"{'':<50} {'examples/s (wall)':>18} {'examples/s (CPU)':>17}")
    for name, (wall, cpu, _) in results.items():
        print(f"{name:<50} {len(rows) / wall:>18,.0f} {len(rows) / cpu:>17,.0f}")
    print()
    ours, batched = "ftlib encode_row (training path, checks=False)", "ftlib encode_rows (one batched tokenizer call)"
    for mine in (ours, batched):
        for name in ("TRL SFTTrainer._prepare_dataset", "transformers apply_chat_template loop"):
            wall = results[name][0] / results[mine][0]
            cpu = results[name][1] / results[mine][1]
            print(f"ratio {mine.split(' (')[0]} / {name}: {wall:.2f}x wall, {cpu:.2f}x CPU")
    trl_labels = [list(x) for x in results["TRL SFTTrainer._prepare_dataset"][2]]
    same = sum(a == b == c for a, b, c in zip(results[ours][2], trl_labels, results[batched][2], strict=True))
    trained = sum(label != -100 for labels in results[ours][2] for label in labels)
    print(
        f"identical labels (ftlib per row, ftlib batched, TRL): {same}/{len(rows)} rows; "
        f"{trained:,} trained tokens in all"
    )
    return 0 if same == len(rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
