"""A training run's imports with and without bitsandbytes (ftlib.training_model.leave_out_bitsandbytes).

    .venv/bin/python -m bench.bench_run_imports [--rounds 6]

Each round starts two fresh Python processes, one after the other and in alternating order, that import what a LoRA
run's worker imports (`ftlib.metrics`, `ftlib.training`, transformers' Llama, TRL's SFTTrainer, PEFT); one of them
first hides bitsandbytes as the worker does for a run that quantizes nothing. Prints each process's wall and CPU
seconds and the medians. Run it on a quiet machine: other processes on the 2 cores change both.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

IMPORTS = """
import json, resource, sys, time
t0 = time.perf_counter()
if sys.argv[1] == "lean":
    from ftlib.config import RunConfig
    from ftlib.training_model import leave_out_bitsandbytes
    assert leave_out_bitsandbytes(RunConfig(method="lora"))
import ftlib.metrics, ftlib.training
from transformers import LlamaForCausalLM
from trl import SFTTrainer
from peft import get_peft_model
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"wall": time.perf_counter() - t0, "cpu": usage.ru_utime + usage.ru_stime}))
"""


def one(kind: str) -> dict:
    done = subprocess.run([sys.executable, "-c", IMPORTS, kind], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    one("full")  # a cold start (files not yet in the page cache) is not counted
    seen: dict[str, list[dict]] = {"full": [], "lean": []}
    for i in range(args.rounds):
        for kind in ("full", "lean") if i % 2 == 0 else ("lean", "full"):
            seen[kind].append(one(kind))
    for kind, label in (("full", "as before"), ("lean", "without bitsandbytes")):
        walls, cpus = [r["wall"] for r in seen[kind]], [r["cpu"] for r in seen[kind]]
        print(
            f"{label:<22} wall {', '.join(f'{w:.2f}' for w in walls)} (median {statistics.median(walls):.2f}) s; "
            f"CPU {', '.join(f'{c:.2f}' for c in cpus)} (median {statistics.median(cpus):.2f}) s"
        )


if __name__ == "__main__":
    main()
