"""Profile a few steps of ftlib's SFT LoRA training on the default model (the numbers behind BENCHMARKS.md's
"where the time goes").

    FTLIB_HOME=/tmp/fthome .venv/bin/python -m bench.profile_train [--steps 6] [--attn eager]

Uses the Train page's defaults on the `chat_style` sample; prints the micro-batch split, the wall time of the
profiled steps and torch.profiler's top operators by self CPU time. Environment knobs measured with it:
`FTLIB_MICRO_TOKENS` (the token budget sweep), `FTLIB_CPU_BF16`, `FTLIB_FAST_PATH`.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--attn", default=None, help="attention implementation to switch to (e.g. eager)")
    parser.add_argument("--rows", type=int, default=30, help="operators to list")
    args = parser.parse_args(argv)

    from torch.profiler import ProfilerActivity, profile

    from ftlib.data import load_file
    from ftlib.training import RunConfig, build_trainer

    rows = load_file(ROOT / "samples" / "chat_style_sft.jsonl").rows
    config = RunConfig(method="lora", model="default", dataset="bench", test_size=0, epochs=1, save_every=0,
                       template="chatml", max_steps=args.steps)
    with tempfile.TemporaryDirectory() as out:
        prepared = build_trainer(config, Path(out), rows=(rows, []))
        trainer = prepared.trainer
        if args.attn:
            trainer.model.get_base_model().set_attn_implementation(args.attn)
        print(f"micro-batch {trainer.args.per_device_train_batch_size} x accumulation "
              f"{trainer.args.gradient_accumulation_steps}, weights {prepared.dtype}", flush=True)
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            start = time.perf_counter()
            trainer.train()
            print(f"{args.steps} steps: {time.perf_counter() - start:.1f} s (profiler on)", flush=True)
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=args.rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
