"""Would fusing SmolLM2's projections pay? q/k/v as one [576 -> 960] product and gate/up as one [576 -> 3072],
against the five separate products, forward and the input-gradient product of the backward.

    .venv/bin/python -m bench.bench_fused_matmul [--tokens 300 512] [--dtype bfloat16]

The shapes are SmolLM2-135M's at the micro-batch sizes ftlib trains with (~300-512 tokens). Prints milliseconds
per layer's worth of products; the ratio says what a fused layer could save on those products alone.
"""

from __future__ import annotations

import argparse
import time

HIDDEN, KV, MLP = 576, 192, 1536


def per_call(fn, repeats: int = 50) -> float:
    for _ in range(5):
        fn()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, nargs="+", default=[300, 512])
    parser.add_argument("--dtype", default="bfloat16")
    args = parser.parse_args(argv)
    import torch

    dtype = getattr(torch, args.dtype)
    torch.manual_seed(0)
    weights = {
        name: torch.randn(out, HIDDEN, dtype=dtype)
        for name, out in (("q", HIDDEN), ("k", KV), ("v", KV), ("gate", MLP), ("up", MLP))
    }
    qkv = torch.cat([weights["q"], weights["k"], weights["v"]])
    gate_up = torch.cat([weights["gate"], weights["up"]])
    print(f"{args.dtype}, {torch.get_num_threads()} threads; ms per layer's q/k/v + gate/up products")
    for tokens in args.tokens:
        x = torch.randn(tokens, HIDDEN, dtype=dtype)
        grads = {name: torch.randn(tokens, w.shape[0], dtype=dtype) for name, w in weights.items()}
        grad_qkv = torch.cat([grads["q"], grads["k"], grads["v"]], 1)
        grad_gate_up = torch.cat([grads["gate"], grads["up"]], 1)
        forward_apart = per_call(lambda x=x: [x @ w.T for w in weights.values()])
        forward_fused = per_call(lambda x=x: (x @ qkv.T, x @ gate_up.T))
        backward_apart = per_call(
            lambda g=grads: (
                g["q"] @ weights["q"] + g["k"] @ weights["k"] + g["v"] @ weights["v"],
                g["gate"] @ weights["gate"] + g["up"] @ weights["up"],
            )
        )
        backward_fused = per_call(lambda a=grad_qkv, b=grad_gate_up: (a @ qkv, b @ gate_up))
        print(
            f"{tokens:>5} tokens: forward {forward_apart * 1e3:.2f} -> {forward_fused * 1e3:.2f} ms "
            f"({forward_apart / forward_fused:.2f}x), input gradient {backward_apart * 1e3:.2f} -> "
            f"{backward_fused * 1e3:.2f} ms ({backward_apart / backward_fused:.2f}x)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
