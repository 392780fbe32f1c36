"""The memory of reading a big chat JSONL file as the Data page reads it (`ftlib.data.load_file`, which its
`load_cached` keeps for every session), against the file's size, and the read's time.

    OMP_NUM_THREADS=1 .venv/bin/python -m bench.bench_data_memory [--rows 100000] [--repeat 3] [--trace] [--csv]

Writes `--rows` chat rows of its own words (bench_data_page's: a tenth with a tool call, a tenth with reasoning, a
system turn on some, one to three exchanges) into a temporary folder, then reads the file `--repeat` times, each in
a fresh process so each peak is the read's own, and prints per read: the seconds, the process's peak RSS and the RSS
it still holds once the read is done (the rows, and what the allocator kept of what was freed), in MiB and as
multiples of the file's size, over the RSS before the read. `--trace` adds one read under tracemalloc (several times
slower): its peak and current sizes and the lines that allocated the most of what is still held. `--csv` writes the
rows as a CSV file instead, `instruction,output`: each row's first question and last answer.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.bench_data_page import chat_row

ROOT = Path(__file__).resolve().parents[1]

READ = """
import gc, json, resource, sys, time, tracemalloc
from ftlib.data import load_file

def rss():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) << 10 for line in status if line.startswith("VmRSS"))

path, trace = sys.argv[1], sys.argv[2] == "1"
gc.collect()
base = rss()
if trace:
    tracemalloc.start()
start = time.perf_counter()
result = load_file(path)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss << 10
gc.collect()
out = {"rows": len(result.rows), "seconds": seconds, "base": base, "peak": peak, "held": rss()}
if trace:
    out["traced"] = tracemalloc.get_traced_memory()
    out["top"] = [str(s) for s in tracemalloc.take_snapshot().statistics("lineno")[:10]]
print(json.dumps(out))
"""


def read(path: Path, trace: bool) -> dict:
    """One read of `path` in a fresh interpreter: its numbers (bytes and seconds)."""
    done = subprocess.run(
        [sys.executable, "-c", READ, str(path), "1" if trace else "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--trace", action="store_true", help="one more read under tracemalloc: what holds memory")
    parser.add_argument("--csv", action="store_true", help="a CSV file of questions and answers, not chat JSONL")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-data-memory-"))
    path = folder / ("chats.csv" if args.csv else "chats.jsonl")
    rng = random.Random(7)
    with path.open("w", newline="") as out:
        table = csv.writer(out)
        if args.csv:
            table.writerow(["instruction", "output"])
        for i in range(args.rows):
            row = chat_row(i, rng)
            if args.csv:
                turns = row["messages"]
                table.writerow([next(t for t in turns if t["role"] == "user")["content"], turns[-1]["content"]])
            else:
                out.write(json.dumps(row) + "\n")
    size = path.stat().st_size
    print(f"{path.name}: {args.rows:,} rows, {size / 2**20:.1f} MiB")
    mib = 2**20
    best = None
    for _ in range(args.repeat):
        got = read(path, trace=False)
        peak, held = got["peak"] - got["base"], got["held"] - got["base"]
        best = got["seconds"] if best is None else min(best, got["seconds"])
        print(
            f"read {got['seconds']:6.2f} s   peak RSS +{peak / mib:,.0f} MiB ({peak / size:.1f}x the file)   "
            f"held after +{held / mib:,.0f} MiB ({held / size:.1f}x)"
        )
    print(f"best read {best:.2f} s")
    if args.trace:
        got = read(path, trace=True)
        current, peak = got["traced"]
        print(f"tracemalloc: peak {peak / mib:,.0f} MiB ({peak / size:.1f}x), held {current / mib:,.0f} MiB")
        print("\n".join(got["top"]))
    path.unlink()
    folder.rmdir()


if __name__ == "__main__":
    main()
