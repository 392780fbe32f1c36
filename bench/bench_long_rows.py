"""The pre-flight checks of one long conversation (what the Tokens page and a run's launch compute for a row).

    OMP_NUM_THREADS=1 .venv/bin/python -m bench.bench_long_rows [--turns 150 300 600]

A system message, then a question and a reply per exchange (`--turns`: messages in all), encoded with the embedded
default model's tokenizer and its own chat template, every reply trained, cut at 384 tokens as the default max
length cuts it; prints the seconds of `encode_row` (once) and of `checks.preflight` on it (best of 3) and the length
of its warnings.
"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, nargs="+", default=[150, 300, 600])
    args = parser.parse_args()
    from ftlib.checks import preflight
    from ftlib.models import load_tokenizer
    from ftlib.templates import get_template
    from ftlib.tokens import encode_row

    tokenizer = load_tokenizer("default")
    template = get_template("tokenizer", tokenizer)
    for turns in args.turns:
        messages = [{"role": "system", "content": "Answer briefly."}]
        for k in range(turns // 2):
            messages += [
                {"role": "user", "content": f"Question {k}?"},
                {"role": "assistant", "content": f"It is {k}."},
            ]
        start = time.perf_counter()
        enc = encode_row({"messages": messages}, tokenizer, template, "all_assistant", 384)
        encoded = time.perf_counter() - start
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            checks = preflight(enc, tokenizer, template)
            best = min(best, time.perf_counter() - start)
        said = sum(len(c.message) for c in checks)
        print(
            f"{turns} turns: encode_row {encoded:.2f} s, pre-flight {best:.2f} s, {len(checks)} checks, "
            f"{said:,} characters of warnings"
        )


if __name__ == "__main__":
    main()
