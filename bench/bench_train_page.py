"""The Train page beside long runs: what a rerun costs (every click, and every 2 s poll while a run trains).

    OMP_NUM_THREADS=1 .venv/bin/python -m bench.bench_train_page [--runs 5] [--steps 20000] [--small 40]

Makes, in a temporary workspace, `--runs` finished runs of `--steps` logged steps each (metrics rows as the worker
writes them: loss, speed, learning rate, gradient size, tokens) and `--small` two-step runs beside them, opens the
Train page through Streamlit's AppTest (the page's own script, in this process), and times four reruns: the first
shows the newest long run, selected, with its charts. Prints the seconds of each rerun and the size of the page's
charts (Plotly JSON). A cold review (2026-12-04) measured 2.0-6.3 s a rerun with five 20,000-step runs.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--small", type=int, default=40)
    args = parser.parse_args()
    os.environ["FTLIB_WORKSPACE"] = tempfile.mkdtemp(prefix="bench-train-page-")
    from streamlit.testing.v1 import AppTest

    from ftlib.testing import make_run

    config = {"dataset": "chat_style"}
    for i in range(args.small):
        make_run(f"r-small-{i:02d}", {**config, "max_steps": 2}, metrics=_rows(2), step=2, max_steps=2)
    for i in range(args.runs):
        steps = args.steps
        make_run(f"r-long-{i}", {**config, "max_steps": steps}, metrics=_rows(steps), step=steps, max_steps=steps)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run().switch_page("pages/4_Train.py").run()
    times = []
    for _ in range(4):
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    charts = sum(len(c.proto.spec) for c in at.get("plotly_chart"))
    print(f"{args.runs} runs of {args.steps:,} steps + {args.small} of 2: reruns", [round(t, 2) for t in times], "s;")
    print(f"charts {charts / 1024:,.0f} KiB of Plotly JSON; exception: {bool(at.exception)}")


def _rows(steps: int) -> list[dict]:
    return [
        {
            "kind": "train",
            "step": s,
            "loss": 2.0 / s**0.3,
            "elapsed": 0.5 * s,
            "tokens_per_s": 300.0 + s % 7,
            "learning_rate": 1e-4,
            "grad_norm": 1.0,
            "tokens": 100 * s,
            "epoch": s / 1000,
        }
        for s in range(1, steps + 1)
    ]


if __name__ == "__main__":
    main()
