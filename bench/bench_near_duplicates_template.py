"""The near-duplicate search's worst case for memory: a file of one template's long prompts, where nearly every
prompt is a candidate for the exact check.

    OMP_NUM_THREADS=1 .venv/bin/python -m bench.bench_near_duplicates_template [--prompts 20000] [--module PATH]

`--prompts` texts of ~1,000 characters: one 950-character instruction and an 8-word slot of a 12-word vocabulary.
Prints `near_pairs`' pairs, its process CPU time and the process's peak RSS. `--module` loads another version of
ftlib/near_duplicates.py (e.g. `git show REV:ftlib/near_duplicates.py > /tmp/old.py`) to compare, each in its own
process.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import resource
import time


def template_prompts(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    words = "late lost broken refund invoice login slow crash order parcel screen battery".split()
    instruction = ("You triage support messages for a small shop. " * 19)[:950]
    return [f"{instruction} Message: {' '.join(rng.choice(words) for _ in range(8))}" for _ in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prompts", type=int, default=20_000)
    parser.add_argument("--module", default=None, help="a near_duplicates.py to load instead of ftlib's")
    args = parser.parse_args()
    if args.module:
        spec = importlib.util.spec_from_file_location("near_duplicates_other", args.module)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    else:
        import ftlib.near_duplicates as module
    texts = template_prompts(args.prompts)
    start = time.process_time()
    pairs = module.near_pairs(texts)
    took = time.process_time() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(pairs)} pairs, near_pairs {took:.1f} s CPU, peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
