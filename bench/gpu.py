"""The GPU benchmark: one table of LoRA, QLoRA (4-bit), full and DPO training against TRL's fastest setting on the same
GPU, and the Compare grid against sequential `generate`.

    .venv/bin/python -m bench.gpu [--model default] [--model2 /path/to/a/larger/model] [--steps 30] [--budget 450]
    make bench-gpu [MODEL2=/path/to/a/larger/model]

For each model (the default one, and `--model2`, a local model folder, if given) and each method, every row trains in
its own process (`bench.bench_train`'s child protocol: the same trainers, data and measures as the CPU tables):
ftlib with the Train page's defaults, and TRL in each of its settings (bf16 autocast or fp32; gradient checkpointing
on or off; the 4-bit base for QLoRA). A row times the optimizer steps after the first `--warmup` (kernel selection,
allocations) up to `--steps`: tokens/s over trained (non-padding) tokens, MFU against this GPU's measured matmul
peak in the row's dtype (`ftlib.throughput.matmul_peak`, an 8192^3 product), and peak GPU memory from
`torch.cuda.max_memory_allocated`. Then the Compare grid (4 settings x 2 models, 64 new tokens) against 8
sequential `generate` calls (`bench.bench_sampling`), greedy rows checked token for token.

Robust by design: a row that fails (an out-of-memory, bitsandbytes missing, a crash) or runs past its share of the
time is reported in its table cell with the reason, and the other rows go on; rows still queued when `--budget`
seconds are spent are listed as skipped, so the whole run stays under 8 minutes. On the lent H200 (gVisor) a row took
~45 s, ~20 of them starting Python and importing torch and TRL: 480 s measure ~9 rows, so `plan` runs TRL's
checkpointed settings last and the grid before them. Prints ONE table, with ftlib's ratio against TRL's fastest
measured setting per method.

`--device cpu` runs the same path on a CPU (CI runs it on a tiny model, tests/test_gpu_bench.py); `--methods` and
`--sides` pick rows, every value checked before the first row runs (`--check`: the arguments alone, measuring
nothing; bench/gpu_device.sh runs it first). The alignment trainers of issue 16 are rows too, not run by default
(they would push a second model's rows past the budget): `--methods reward,kto,grpo` (GRPO rows: 2 prompts x 8
answers a step, ranked and compared by optimizer steps/s, their tokens/s column counting prompt and answer tokens;
e.g. `--steps 10 --warmup 2` for them). Not known here: how each side trains (bench/bench_train.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
METHODS = ("lora", "qlora", "full", "dpo")
# In the order they run (`plan`). Since the H200's second table a model under 200M parameters trains in fp32 under
# `auto` (ftlib.precision), so `ftlib` is `ftlib-fp32` there; `ftlib-plain` (fast path off) says what the fast path's
# parts that still run on a GPU are worth (`fuse_head`'s wrapper; since the third lease `fuse_lora` is CPU-only, so
# the two should match); `ftlib-fp32` differs for a larger `--model2`.
SIDES = ("ftlib", "trl-fp32", "ftlib-plain", "trl-bf16", "ftlib-fp32", "trl-bf16-gc", "trl-fp32-gc")
# QLoRA's base is 4-bit either way: TRL's settings there are autocast on/off over the same 4-bit weights.
ROW_TIMEOUT_S = 180
SAMPLING_RESERVE_S = 150.0


@dataclass
class Row:
    """One table row: a model, a method and a side, with its measures or why it has none."""

    model: str
    method: str
    side: str
    result: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.result) and "error" not in self.result and "skipped" not in self.result


def plan(models: list[str], methods: list[str], sides: list[str]) -> list[Row]:
    """Rows in the order they run: per model, per method, ftlib first, then TRL's settings without gradient
    checkpointing; TRL's checkpointed settings come after all of those, since a budget runs out at the list's end.

    Why: on the lent H200 each row cost ~45 s (~20 s of it starting Python and importing torch and TRL), so the
    default budget measured 8 of 20 rows in the plain order (LoRA and QLoRA, no full or DPO). Checkpointing recomputes
    the forward and was never TRL's fastest there (0.5-0.6x TRL without it, BENCHMARKS.md)."""
    rows = [Row(model, method, side) for model in models for method in methods for side in sides]
    return sorted(rows, key=lambda row: row.side.endswith("-gc"))  # stable: the rest keep their order


def run_row(row: Row, args, timeout: float) -> dict:
    from bench.bench_train import child_command, run_child

    command = child_command(
        row.side,
        row.method,
        row.model,
        epochs=1.0,
        max_steps=args.steps,
        device=args.device,
        batch_size=args.batch_size,
        warmup_steps=args.warmup,
    )
    return run_child(command, timeout=timeout)


def run_sampling(model: str, args, timeout: float) -> dict:
    from bench.bench_train import run_child

    command = [
        sys.executable,
        "-m",
        "bench.bench_sampling",
        "--model",
        model,
        "--device",
        args.device,
        "--rounds",
        str(args.sampling_rounds),
        "--max-new-tokens",
        str(args.max_new_tokens),
        "--json",
    ]
    return run_child(command, timeout=timeout)


def run_grids(models: list[str], args, deadline: float) -> dict[str, dict]:
    """The Compare grid against sequential `generate` for each model, in what is left of the budget."""
    grids: dict[str, dict] = {}
    for model in models:
        left = deadline - time.monotonic()
        if left < 10:
            grids[model] = {"skipped": "skipped: time budget spent"}
            continue
        grids[model] = run_sampling(model, args, timeout=min(args.row_timeout, left))
    return grids


def _cell(row: Row, peaks: dict) -> str:
    from bench.bench_train import mfu_of

    r = row.result
    if not r:
        return "skipped: time budget spent"
    if "skipped" in r:
        return r["skipped"]
    if "error" in r:
        return f"FAILED: {r['error']}"
    mfu = f"{'-':>6}" if "steps_per_s" in r else f"{mfu_of(r, peaks):>6.1%}"  # GRPO: generation, no step FLOPs
    steps = f" {r['steps_per_s']:.2f} steps/s" if "steps_per_s" in r else ""
    return (
        f"{r['tokens_per_s']:>10,.0f} {mfu} {r['peak_bytes'] / 2**30:>8.2f} "
        f"{r['precision']:<14} {'on' if r['checkpointing'] else 'off':<4}{steps}"
    )


def render(rows: list[Row], sampling: dict[str, dict], peaks: dict, device_name: str) -> str:
    """The one table: a line per row, the ratio of ftlib against TRL's fastest per (model, method), the grid."""
    from bench.bench_train import fastest_reference, speed

    lines = [
        f"device: {device_name}; matmul peak "
        + ", ".join(f"{name} {value / 1e12:,.1f} TFLOP/s" for name, value in peaks.items()),
        f"{'model':<24} {'method':<6} {'side':<12} {'tokens/s':>10} {'MFU':>6} {'peak GiB':>8} "
        f"{'precision':<14} {'ckpt':<4} {'vs TRL fastest':>15}",
    ]
    groups: dict[tuple[str, str], list[Row]] = {}
    for row in rows:
        groups.setdefault((row.model, row.method), []).append(row)
    for (model, method), group in groups.items():
        results = {row.side: row.result for row in group if row.ok}
        fastest = fastest_reference(results)
        for row in group:
            ratio = ""
            if row.ok and fastest:
                ratio = f"{speed(row.result) / speed(results[fastest]):.2f}x"  # GRPO: steps/s
                if row.side == fastest:
                    ratio += " (fastest)"
            lines.append(f"{Path(model).name[:24]:<24} {method:<6} {row.side:<12} {_cell(row, peaks)} {ratio:>15}")
    for model, r in sampling.items():
        name = Path(model).name[:24]
        if "error" in r or "skipped" in r:
            lines.append(f"{name:<24} {'grid':<6} {'Compare':<12} {r.get('error') or r.get('skipped')}")
            continue
        differs = r.get("greedy_first_difference")
        lines.append(
            f"{name:<24} {'grid':<6} {'Compare':<12} {r['rows']} rows: batched {r['batched_s']:.2f} s, sequential "
            f"generate {r['sequential_s']:.2f} s: {r['speedup']:.2f}x; greedy identical {r['greedy_identical']}"
            + (f" (first differs at token {differs})" if differs is not None else "")
            + f", sampled {r['sampled_identical']}/{r['sampled_rows']}; peak {r['peak_bytes'] / 2**30:.2f} GiB"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from bench.bench_train import METHODS as TRAINED  # its module imports no torch: checking costs no import

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--model2", default="", help="a second, larger local model folder")
    parser.add_argument("--device", default="cuda", help="cuda (default) or cpu (the CI path, on a tiny model)")
    parser.add_argument("--methods", default=",".join(METHODS), help=f"comma-separated, from {', '.join(TRAINED)}")
    parser.add_argument("--sides", default=",".join(SIDES), help=f"comma-separated, from {', '.join(SIDES)}")
    parser.add_argument("--steps", type=int, default=30, help="optimizer steps per row")
    parser.add_argument("--warmup", type=int, default=5, help="first steps left out of the timing")
    parser.add_argument("--batch-size", type=int, default=0, help="0 = the method's (8 rows; GRPO 2 prompts)")
    parser.add_argument("--budget", type=float, default=450.0, help="seconds for all rows; the rest are skipped")
    parser.add_argument("--row-timeout", type=float, default=ROW_TIMEOUT_S)
    parser.add_argument("--no-sampling", dest="sampling", action="store_false")
    parser.add_argument("--sampling-rounds", type=int, default=3)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument(
        "--check",
        action="store_true",
        help="check the arguments and exit, measuring nothing (gpu_device.sh's first step)",
    )
    args = parser.parse_args(argv)
    # Every method and side checked before the first row: on the lent GPU an unknown one cost a child process per row
    # (a Python start and torch's import each, ~20 s under gVisor) before it failed, minutes into a 15-minute lease.
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    sides = [s.strip() for s in args.sides.split(",") if s.strip()]
    for what, values, known in (("method", methods, TRAINED), ("side", sides, SIDES)):
        if unknown := [value for value in values if value not in known]:
            parser.error(f"unknown {what} {unknown[0]!r}; choose from {', '.join(known)}")
    if args.check:
        return 0

    import torch

    from ftlib.throughput import matmul_peak

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("error: no CUDA device here; run with --device cpu for the CPU path", file=sys.stderr)
        return 2
    started = time.monotonic()
    deadline = started + args.budget
    on_gpu = args.device.startswith("cuda")
    device_name = torch.cuda.get_device_name() if on_gpu else "cpu"
    peaks = {"float32": matmul_peak(args.device, "float32", seconds=1.0)}
    from bench.bench_train import bf16_usable

    if bf16_usable(args.device):
        peaks["bfloat16"] = matmul_peak(args.device, "bfloat16", seconds=1.0)
    models = [args.model] + ([args.model2] if args.model2 else [])
    rows = plan(models, methods, sides)
    sampling: dict[str, dict] = {}
    # The grid runs once the rows without checkpointing are done (TRL's checkpointed settings are the least likely to
    # be its fastest); it took over 60 s on the H200 (a process start, two model loads, three rounds).
    reserve = SAMPLING_RESERVE_S if args.sampling else 0.0
    for i, row in enumerate(rows):
        if row.side.endswith("-gc") and args.sampling and not sampling:
            sampling, reserve = run_grids(models, args, deadline), 0.0
        left = deadline - reserve - time.monotonic()
        if row.side.startswith("trl") and "bf16" in row.side and "bfloat16" not in peaks:
            row.result = {"skipped": "skipped: bf16 is emulated on this device"}
        elif left < 5:
            break  # the rest stay empty: "skipped: time budget spent"
        else:
            row.result = run_row(row, args, timeout=min(args.row_timeout, left))
        status = "ok" if row.ok else (row.result.get("error") or row.result.get("skipped"))
        print(
            f"[{time.monotonic() - started:5.0f} s] {i + 1}/{len(rows)} {row.model} {row.method} {row.side}: {status}"
        )
        sys.stdout.flush()
    if args.sampling and not sampling:
        sampling = run_grids(models, args, deadline)
    print()
    print(render(rows, sampling, peaks, device_name))
    print(f"\n{len(rows)} rows in {time.monotonic() - started:.0f} s ({sum(r.ok for r in rows)} measured)")
    print(json.dumps({"device": device_name, "rows": [vars(r) for r in rows], "sampling": sampling}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
