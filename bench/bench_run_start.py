"""A LoRA run's start, from its worker process's launch to the trainer's first step, with and without the imports
left out of the garbage collector's passes (ftlib.worker._import_libraries_unscanned).

    FTLIB_HOME=/tmp/fthome OMP_NUM_THREADS=1 .venv/bin/python -m bench.bench_run_start [--pairs 4]

Each pair queues two runs of the default model on samples/chat_style_sft.jsonl (one step, no held-out rows) in a
throwaway workspace and starts each one's worker directly, `before` first: that one with the helper replaced by a no-op
(the worker as it was). Measured: wall seconds from the launch to status.json's `train_started`, and the worker's CPU
seconds (user + system, /proc) at that moment. Run it on a quiet machine: other processes change both.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKER = "import sys; from ftlib import worker as w; {off}raise SystemExit(w.main(sys.argv[1:], fresh_process=True))"
OFF = "w._import_libraries_unscanned = lambda: None; "


def one(kind: str, workspace: Path) -> dict:
    """Queue one run and time its worker to the first step: {"wall": s, "cpu": s}."""
    from ftlib.run_create import create_run

    run_id = create_run(
        {"method": "lora", "dataset": str(ROOT / "samples" / "chat_style_sft.jsonl"), "max_steps": 1, "batch_size": 2}
        | {"max_length": 128, "test_size": 0, "name": kind}
    )
    run_dir = workspace / "runs" / run_id
    code = WORKER.format(off=OFF if kind == "before" else "")
    started = time.time()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(run_dir)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    first, cpu = None, None
    while proc.poll() is None and first is None:
        try:
            first = json.loads((run_dir / "status.json").read_text()).get("train_started")
        except (OSError, ValueError):  # being written
            pass
        if first:
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        else:
            time.sleep(0.05)
    proc.wait()
    if first is None:
        raise SystemExit(f"run {run_id} ended before its first step: see {run_dir / 'train.log'}")
    return {"wall": first - started, "cpu": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FTLIB_WORKSPACE"] = tmp  # the runs' folders, not the user's; read by create_run and the worker
        seen: dict[str, list[dict]] = {"before": [], "after": []}
        for _ in range(args.pairs):
            for kind in ("before", "after"):
                seen[kind].append(one(kind, Path(tmp)))
                print(kind, {key: round(value, 2) for key, value in seen[kind][-1].items()}, flush=True)
    for kind, results in seen.items():
        walls, cpus = [r["wall"] for r in results], [r["cpu"] for r in results]
        print(
            f"{kind:<7} wall {', '.join(f'{w:.2f}' for w in walls)} (median {statistics.median(walls):.2f}) s; "
            f"CPU {', '.join(f'{c:.2f}' for c in cpus)} (median {statistics.median(cpus):.2f}) s; "
            f"load {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
