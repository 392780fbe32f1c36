"""The CPU memory estimate (ftlib.memory.estimate) against the measured peak, over step sizes and model sizes.

    FTLIB_HOME=/tmp/fthome OMP_NUM_THREADS=1 .venv/bin/python -m bench.memory_estimate

Each point is a run of 2 steps in its own process (tests/test_memory.py's MEASURE: the peak resident memory while
training, over the resident memory before torch loads), printed as a table row for BENCHMARKS.md ("Memory estimate
vs measured peak"): LoRA on the default model (SmolLM2-135M), on a mid-sized Llama (hidden 256, 8 layers, the same
49k vocabulary) and on a tiny one (hidden 64, 2 layers: the libraries' own memory, `cpu_memory.RUNTIME`), batch x
row length varied; full fine-tuning and DPO at two sizes each. Resident memory is not timing: it may run beside other
work, one point at a time.

    ... -m bench.memory_estimate --paths

The paths the first table does not cover, on the default model: gradient checkpointing, `FTLIB_FAST_PATH=0`, QLoRA,
and LoRA rows of 150-250 positions with every position computed (`FTLIB_SHARE_PREFIXES=0`, the estimate's worst
case). Each is measured twice: as a run is (glibc's malloc, whose heap keeps memory freed during the step resident),
and with `MALLOC_MMAP_THRESHOLD_=131072` (every block of 128 KiB or more mapped on its own and given back when freed,
so the peak is the live tensors'), which tells a term the estimate misses from memory the allocator keeps.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# (batch size, words of each answer): short and long rows, few and many a step
POINTS = [(2, 20), (8, 20), (4, 120), (8, 200)]
# (method, batch size, words): full fine-tuning and DPO (chosen + rejected: twice the rows of a step)
OTHERS = [("full", 2, 40), ("full", 4, 160), ("dpo", 2, 40), ("dpo", 4, 100)]


def measure(model: str, method: str, batch: int, words: int, settings: dict | None = None, env: dict | None = None):
    """MEASURE's {"measured", "estimate", "seq"} for a run of `settings` (over the table's) under `env`."""
    spec = {
        "model": model, "method": method, "batch_size": batch, "max_length": 384, "max_steps": 2, "save_every": 0,
        "device": "cpu", "learning_rate": 1e-5, **(settings or {}),
    }  # fmt: skip
    from tests.test_memory import MEASURE  # here, not at the top: `--help` imports no test module (nor pytest)

    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run(
            [sys.executable, "-c", MEASURE, json.dumps(spec), out, str(words)],
            capture_output=True, text=True, cwd=ROOT, env=dict(os.environ, OMP_NUM_THREADS="1", **(env or {})),
            check=True,
        )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


# (what the row shows, method, batch size, words, settings, environment): the paths --paths measures
PATHS = [
    ("lora, checkpointing", "lora", 2, 40, {"gradient_checkpointing": True}, {}),
    ("lora, checkpointing", "lora", 4, 160, {"gradient_checkpointing": True}, {}),
    ("lora, checkpointing", "lora", 8, 200, {"gradient_checkpointing": True}, {}),
    ("lora, FTLIB_FAST_PATH=0", "lora", 2, 40, {}, {"FTLIB_FAST_PATH": "0"}),
    ("lora, FTLIB_FAST_PATH=0", "lora", 4, 160, {}, {"FTLIB_FAST_PATH": "0"}),
    ("qlora", "qlora", 2, 40, {}, {}),
    ("qlora", "qlora", 4, 160, {}, {}),
    ("lora, no shared prefixes", "lora", 2, 120, {}, {"FTLIB_SHARE_PREFIXES": "0"}),
    ("lora, no shared prefixes", "lora", 2, 200, {}, {"FTLIB_SHARE_PREFIXES": "0"}),
    ("lora, no shared prefixes", "lora", 8, 200, {}, {"FTLIB_SHARE_PREFIXES": "0"}),
]
# glibc's malloc with a fixed threshold: blocks of 128 KiB and more are mapped alone and unmapped when freed
RETURNED = {"MALLOC_MMAP_THRESHOLD_": "131072"}


def paths() -> None:
    """The --paths table: each case as a run is, and with freed memory given back (RETURNED)."""
    mb = 1_000_000
    print("| case | tokens a step (batch x length) | estimate | measured peak | estimate / measured "
          "| peak, freed memory given back | estimate / that |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, method, batch, words, settings, env in PATHS:
        got = measure("default", method, batch, words, settings, env)
        back = measure("default", method, batch, words, settings, {**env, **RETURNED})
        print(
            f"| {name} | {batch * got['seq']:,} ({batch} x {got['seq']}) | {got['estimate'] / mb:,.0f} MB | "
            f"{got['measured'] / mb:,.0f} MB | {got['estimate'] / got['measured']:.2f} | "
            f"{back['measured'] / mb:,.0f} MB | {back['estimate'] / back['measured']:.2f} |",
            flush=True,
        )


def models(folder: Path) -> list[tuple[str, str]]:
    """(name for the table, model spec): the default model and two Llamas built here with its tokenizer."""
    from ftlib.testing import make_tiny_model

    mid = make_tiny_model(folder / "mid", hidden_size=256, layers=8)
    tiny = make_tiny_model(folder / "tiny", hidden_size=64, layers=2)
    return [("SmolLM2-135M", "default"), ("Llama h256 x 8 layers (17M)", str(mid)), ("Llama h64 x 2 (3M)", str(tiny))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--paths",
        action="store_true",
        help="the paths the first table does not cover (checkpointing, FTLIB_FAST_PATH=0, QLoRA, no shared prefixes)",
    )
    if parser.parse_args(argv).paths:
        return paths()
    print("| model | method | tokens a step (batch x length) | estimate | measured peak | estimate / measured |")
    print("|---|---|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for name, model in models(Path(folder)):
            points = [("lora", b, w) for b, w in POINTS] + (OTHERS if "h64" not in name else [])
            for method, batch, words in points:
                got = measure(model, method, batch, words)
                rows = batch * (2 if method == "dpo" else 1)
                mb = 1_000_000
                print(
                    f"| {name} | {method} | {rows * got['seq']:,} ({rows} x {got['seq']}) | "
                    f"{got['estimate'] / mb:,.0f} MB | {got['measured'] / mb:,.0f} MB | "
                    f"{got['estimate'] / got['measured']:.2f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
