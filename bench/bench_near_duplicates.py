"""What looking for near-duplicate prompts costs a split: `split_rows` and `split_warnings` on a synthetic chat file.

    OMP_NUM_THREADS=1 .venv/bin/python -m bench.bench_near_duplicates [--rows 100000] [--answers 4] [--variants 0]

The file is BENCHMARKS' "A split's warnings read each prompt once" one: `--rows` chat rows, `--answers` answers to
each prompt one after another (system + user + assistant turns, bench_data_page's words); `--variants` of the prompts
asked again with a suffix ("(asked 2x, variant 12)"). Prints the process CPU time (best of `--repeat`) of
`near_pairs` over the prompts, `split_rows` at 0.1, seed 0, and `split_warnings` of that split.
"""

from __future__ import annotations

import argparse
import random
import time

from bench.bench_data_page import sentence


def chat_rows(n: int, answers: int, variants: int, seed: int = 7) -> list[dict]:
    """`n` chat rows, `answers` per prompt one after another, `variants` prompts a suffixed copy of an earlier one."""
    rng = random.Random(seed)
    rows, asked = [], []
    for i in range(0, n, answers):
        question = f"Q{i}: {sentence(rng, rng.randint(10, 30))}"
        if len(asked) > 10 and variants > 0 and i % max(1, n // answers // variants) == 0:
            question = f"{rng.choice(asked)} (asked 2x, variant {i})"
        asked.append(question)
        for _ in range(answers):
            rows.append(
                {
                    "messages": [
                        {"role": "system", "content": "You answer briefly."},
                        {"role": "user", "content": question},
                        {"role": "assistant", "content": sentence(rng, rng.randint(10, 60))},
                    ]
                }
            )
    return rows[:n]


def cpu(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    from ftlib.prompt_groups import prompt_groups
    from ftlib.splits import split_rows, split_warnings

    try:
        from ftlib.near_duplicates import near_pairs, prompt_text
    except ImportError:  # a tree from before ftlib/near_duplicates.py (`git archive` of an older commit)
        near_pairs = prompt_text = None

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--answers", type=int, default=4)
    parser.add_argument("--variants", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = chat_rows(args.rows, args.answers, args.variants)
    print(f"{len(rows):,} rows, {len(prompt_groups(rows)):,} prompts")
    if near_pairs is not None:
        texts = [prompt_text(rows[g[0]]) for g in prompt_groups(rows)]
        took = cpu(lambda: near_pairs(texts), args.repeat)
        print(f"near_pairs      {took:6.2f} s CPU, {len(near_pairs(texts)):,} pairs")
    print(f"split_rows      {cpu(lambda: split_rows(rows, 0.1, 0), args.repeat):6.2f} s CPU")
    train, test = split_rows(rows, 0.1, 0)
    said = split_warnings(len(train), len(test), "sft", train=train, test=test)
    warn = cpu(lambda: split_warnings(len(train), len(test), "sft", train=train, test=test), args.repeat)
    print(f"split_warnings  {warn:6.2f} s CPU")
    for warning in said:
        print(f"  warning: {warning[:160]}")


if __name__ == "__main__":
    main()
