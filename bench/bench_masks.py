"""Dropout masks for one LoRA SFT step of SmolLM2-135M, drawn layer by layer (`drop_mask`, as without a MaskPool) and
all at once (`drop_masks` on one thread and on two), outside a training step:

    .venv/bin/python -m bench.bench_masks [--tokens 532] [--p 0.05] [--rounds 10]

The inputs are the 210 adapted layers' [tokens, features]: per decoder block q, k, v, o, gate and up read 576
features, down 1536 (30 blocks). Prints milliseconds per step's masks (median of the rounds)."""

from __future__ import annotations

import argparse
import statistics
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=532, help="tokens in the micro-batch")
    parser.add_argument("--p", type=float, default=0.05, help="LoRA dropout")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args(argv)

    import torch

    from ftlib import dropout_masks

    features = ([576] * 6 + [1536]) * 30
    cpu = torch.device("cpu")

    def layer_by_layer():
        return [dropout_masks.drop_mask(torch.Size([args.tokens, width]), args.p, cpu)[0] for width in features]

    def at_once():
        return dropout_masks.drop_masks([args.tokens * width for width in features], args.p)

    def timed(function) -> float:
        spans = []
        for _ in range(args.rounds + 1):
            start = time.perf_counter()
            kept = function()  # a step's masks stay alive together, as a forward keeps them for its backward
            spans.append(time.perf_counter() - start)
            del kept
        return 1e3 * statistics.median(spans[1:])

    threads = torch.get_num_threads()
    print(f"{len(features)} inputs of {args.tokens} tokens, p {args.p}, torch threads {threads}")
    print(f"layer by layer (drop_mask):      {timed(layer_by_layer):6.1f} ms")
    print(f"at once, {threads} threads (drop_masks): {timed(at_once):6.1f} ms")
    torch.set_num_threads(1)
    print(f"at once, 1 thread (drop_masks):  {timed(at_once):6.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
