"""One LoRA training step of the default model in fp32, under bf16 autocast, and on a bf16 base with autocast.

    FTLIB_HOME=/tmp/fthome .venv/bin/python -m bench.bench_precision [--batch 4] [--length 128]

PEFT's plain LoRA (r=16, all linear layers, dropout 0.05) on random token ids, full-vocabulary loss; each mode
in the same process after one warm-up step, mean of 4 steps. Tells whether this CPU gains from bf16 at all.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

MODES = ("fp32", "autocast", "bf16-base")


def step_seconds(mode: str, batch: int, length: int, steps: int = 4) -> float:
    import torch
    from peft import LoraConfig, get_peft_model

    from ftlib.models import load_model

    torch.manual_seed(0)
    model = load_model("default", device="cpu", dtype="bfloat16" if mode == "bf16-base" else "float32")
    model = get_peft_model(
        model, LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", lora_dropout=0.05, task_type="CAUSAL_LM")
    ).train()
    for param in model.parameters():
        if param.requires_grad:
            param.data = param.data.float()  # adapters stay fp32, as in training
    ids = torch.randint(0, 49000, (batch, length))

    def step() -> None:
        amp = torch.autocast("cpu", dtype=torch.bfloat16) if mode != "fp32" else contextlib.nullcontext()
        with amp:
            loss = model(input_ids=ids, labels=ids).loss
        loss.backward()

    step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--length", type=int, default=128)
    args = parser.parse_args(argv)
    from ftlib.fastpath import native_cpu_bf16

    print(f"native bf16 on this CPU: {native_cpu_bf16()}")
    base = None
    for mode in MODES:
        seconds = step_seconds(mode, args.batch, args.length)
        base = base or seconds
        print(f"{mode:<10} {seconds:.2f} s/step  ({base / seconds:.2f}x fp32)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
