"""What decoding a generated token's text costs a step: the whole answer again (before) vs a few ids (_Detokenizer).

OMP_NUM_THREADS=1 .venv/bin/python -m bench.bench_detok
"""

from __future__ import annotations

import argparse
import time


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)  # `--help`; no flags
    from ftlib.models import load_tokenizer
    from ftlib.sampling import _Detokenizer

    tok = load_tokenizer("default")
    ids = tok("The keeper wrote about the sea and the light. " * 200, add_special_tokens=False)["input_ids"][:1024]
    t = time.perf_counter()
    for _ in range(32):
        tok.decode(ids, clean_up_tokenization_spaces=False)  # what a step cost per row at token 1,024 before
    whole = (time.perf_counter() - t) * 1000
    d = [_Detokenizer(tok) for _ in range(32)]
    for r in d:
        for i in ids[:-1]:
            r.push(i)
    t = time.perf_counter()
    for r in d:
        r.push(ids[-1])
    inc = (time.perf_counter() - t) * 1000
    print(f"32 rows at token 1,024: whole-answer decode {whole:.1f} ms a step, incremental {inc:.2f} ms a step")


if __name__ == "__main__":
    main()
