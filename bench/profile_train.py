"""Profile a few steps of ftlib's SFT (or DPO) LoRA training on the default model (the numbers behind
BENCHMARKS.md's "where the time goes").

    FTLIB_HOME=/tmp/fthome .venv/bin/python -m bench.profile_train [--steps 6] [--attn eager] [--compile]
        [--no-profiler] [--shapes] [--method dpo] [--no-fast-head]

Uses the Train page's defaults on the `chat_style` sample (`--method dpo`: `preference_pairs`); prints the
micro-batch split, each step's wall time, the wall time of all steps and torch.profiler's top operators by self
CPU time. Environment knobs measured with it: `FTLIB_MICRO_TOKENS` (the token budget sweep), `FTLIB_CPU_BF16`,
`FTLIB_FAST_PATH`, `OMP_NUM_THREADS` (two single-thread copies side by side estimate data parallelism over the 2
cores). `--compile` compiles each decoder layer (`torch.compile`, dynamic shapes): the first step then includes
the compilation.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

ROOT = Path(__file__).resolve().parents[1]


def sample_run(method: str, steps: int):
    """(RunConfig, rows) of the Train page's defaults on `chat_style` (`dpo`, `reward`, `kto`: `preference_pairs`),
    one epoch capped at `steps` optimizer steps, nothing held out or saved: what the profiling scripts train."""
    from ftlib.config import RunConfig
    from ftlib.data import load_file

    sample = "preference_pairs" if method in ("dpo", "reward", "kto") else "chat_style_sft"
    rows = load_file(ROOT / "samples" / f"{sample}.jsonl").rows
    config = RunConfig(
        method=method,
        model="default",
        dataset="bench",
        test_size=0,
        epochs=1,
        save_every=0,
        template="chatml",
        max_steps=steps,
    )
    return config, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--attn", default=None, help="attention implementation to switch to (e.g. eager)")
    parser.add_argument("--rows", type=int, default=30, help="operators to list")
    parser.add_argument("--compile", action="store_true", help="torch.compile each decoder layer")
    parser.add_argument("--no-profiler", dest="profiler", action="store_false", help="time the steps only")
    parser.add_argument("--shapes", action="store_true", help="list operators per input shape")
    parser.add_argument(
        "--method",
        default="lora",
        choices=["lora", "dpo", "full"],
        help="dpo: LoRA DPO on `preference_pairs`; full: full fine-tuning",
    )
    parser.add_argument(
        "--no-fast-head", dest="fast_head", action="store_false", help="keep TRL's fused LM head (ftlib.headloss off)"
    )
    args = parser.parse_args(argv)

    from torch.profiler import ProfilerActivity, profile
    from transformers import TrainerCallback

    class StepTimes(TrainerCallback):
        def __init__(self):
            self.ends = [(time.perf_counter(), time.process_time())]

        def on_step_end(self, *args, **kwargs):
            self.ends.append((time.perf_counter(), time.process_time()))

    from ftlib.training import build_trainer

    if not args.fast_head:
        from ftlib import headloss

        headloss.fuse_lm_head = lambda model: False
    config, rows = sample_run(args.method, args.steps)
    with tempfile.TemporaryDirectory() as out:
        prepared = build_trainer(config, Path(out), rows=(rows, []))
        trainer = prepared.trainer
        base = trainer.model.get_base_model() if hasattr(trainer.model, "get_base_model") else trainer.model
        if args.attn:
            base.set_attn_implementation(args.attn)
        if args.compile:
            for layer in base.model.layers:
                layer.compile(dynamic=True)
        print(
            f"micro-batch {trainer.args.per_device_train_batch_size} x accumulation "
            f"{trainer.args.gradient_accumulation_steps}, weights {prepared.dtype}",
            flush=True,
        )
        steps = StepTimes()
        trainer.add_callback(steps)
        profiler = profile(activities=[ProfilerActivity.CPU], record_shapes=args.shapes) if args.profiler else None
        with profiler or contextlib.nullcontext() as prof:
            trainer.train()
        times = [end[0] - start[0] for start, end in itertools.pairwise(steps.ends)]
        cpu = [end[1] - start[1] for start, end in itertools.pairwise(steps.ends)]
        print(
            f"{args.steps} steps: {sum(times):.1f} s (profiler {'on' if args.profiler else 'off'}); each: "
            + " ".join(f"{t:.2f}" for t in times),
            flush=True,
        )
        # CPU time of the whole process (all threads): with OMP_NUM_THREADS=1 it is the work itself, and far less
        # sensitive than wall time to other processes sharing the cores (the A/B measure on a busy machine).
        print(
            f"CPU time: {sum(cpu):.2f} s, steps 2-{args.steps}: {sum(cpu[1:]):.2f} s; each: "
            + " ".join(f"{t:.2f}" for t in cpu),
            flush=True,
        )
    if prof is not None:
        averages = prof.key_averages(group_by_input_shape=args.shapes)
        print(averages.table(sort_by="self_cpu_time_total", row_limit=args.rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
