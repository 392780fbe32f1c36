"""The CPU memory estimate (ftlib.memory.estimate) against the measured peak, over step sizes: batch x row length.

    FTLIB_HOME=/tmp/fthome OMP_NUM_THREADS=1 .venv/bin/python -m bench.memory_estimate

Each point is a LoRA run of 2 steps on the default model in its own process (tests/test_memory.py's MEASURE: the
peak resident memory while training, over the resident memory before the model loads), printed as a table row for
BENCHMARKS.md ("Memory estimate vs measured peak"). Resident memory is not timing: it may run beside other work.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.test_memory import MEASURE

ROOT = Path(__file__).resolve().parents[1]
# (batch size, words of each answer): short and long rows, few and many a step
POINTS = [(2, 20), (8, 20), (4, 120), (8, 200)]


def measure(batch: int, words: int) -> dict:
    spec = {"method": "lora", "batch_size": batch, "max_length": 384, "max_steps": 2, "save_every": 0, "device": "cpu"}
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run(
            [sys.executable, "-c", MEASURE, json.dumps(spec), out, str(words)],
            capture_output=True, text=True, cwd=ROOT, env=dict(os.environ, OMP_NUM_THREADS="1"), check=True,
        )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    print("| tokens a step (batch x length) | estimate | measured peak over the pre-load RSS | estimate / measured |")
    print("|---|---|---|---|")
    for batch, words in POINTS:
        got = measure(batch, words)
        mb = 1_000_000
        print(
            f"| {batch * got['seq']:,} ({batch} x {got['seq']}) | {got['estimate'] / mb:,.0f} MB | "
            f"{got['measured'] / mb:,.0f} MB | {got['estimate'] / got['measured']:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
