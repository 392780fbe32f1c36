"""The CPU attention's batched products (`ftlib.cpu_attention`) against torch's flash kernel, forward + backward,
by row length: the numbers behind `cpu_attention.MAX_LENGTH` (BENCHMARKS.md).

    OMP_NUM_THREADS=1 .venv/bin/python -m bench.bench_attention [48 96 150 192 256 320 384]

8 rows x 9 query heads over 3 key/value heads of 64 dimensions (SmolLM2-135M's shape), bf16, a causal mask; prints
the median of 10 timed calls (after 2 warm-up calls) of each side, in milliseconds.
"""

from __future__ import annotations

import argparse
import time

import torch

from ftlib import cpu_attention

ROWS, HEADS, KV_HEADS, DIM = 8, 9, 3, 64


def _median_ms(step, calls: int = 12, warmup: int = 2) -> float:
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    timed = sorted(times[warmup:])
    return timed[len(timed) // 2] * 1e3


def compare(length: int) -> tuple[float, float]:
    """(flash kernel ms, ours ms) for one forward + backward at `length` positions."""
    q = torch.randn(ROWS, HEADS, length, DIM, dtype=torch.bfloat16, requires_grad=True)
    k = torch.randn(ROWS, KV_HEADS, length, DIM, dtype=torch.bfloat16, requires_grad=True)
    v = torch.randn(ROWS, KV_HEADS, length, DIM, dtype=torch.bfloat16, requires_grad=True)
    bias = torch.full((length, length), float("-inf")).triu(1).view(1, 1, 1, length, length)
    grad = torch.randn(ROWS, HEADS, length, DIM, dtype=torch.bfloat16)
    scale = DIM**-0.5

    def flash():
        out = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True, scale=scale, enable_gqa=True)
        out.backward(grad)

    def ours():
        cpu_attention._CausalAttention.apply(q, k, v, bias, scale).backward(grad)

    return _median_ms(flash), _median_ms(ours)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lengths", nargs="*", type=int, default=[48, 96, 150, 192, 256, 320, 384])
    args = parser.parse_args(argv)
    print(f"{torch.get_num_threads()} thread(s), {ROWS} rows x {HEADS} heads ({KV_HEADS} KV), d={DIM}, bf16")
    for length in args.lengths:
        flash_ms, ours_ms = compare(length)
        ratio = flash_ms / ours_ms
        print(f"{length:5d} positions: flash kernel {flash_ms:7.1f} ms, ours {ours_ms:7.1f} ms ({ratio:.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
