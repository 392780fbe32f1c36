"""Training throughput: ftlib against TRL in each of TRL's sensible settings, ratio against the fastest of them.

    .venv/bin/python -m bench.bench_train [--method lora|full|dpo] [--sides ...] [--max-steps N] [--device auto]

One command per table. `--method lora` (default): LoRA SFT on the `chat_style` sample (171 conversations);
`full`: full fine-tuning on the same rows; `dpo`: LoRA DPO on `preference_pairs` (100 pairs). Every side runs the
Train page's defaults for the method (batch 8, one epoch, its learning rate, LoRA r16 on all linear layers, dropout
0.05) on the same rows, each side in its own fresh process (so peak memory is its own), one after the other:

- `trl-fp32`, `trl-fp32-gc`, `trl-bf16`, `trl-bf16-gc`: TRL's `SFTTrainer` (or `DPOTrainer`) on the raw rows, with
  its own tokenization and masking (assistant-only loss through the template's `{% generation %}` tags), in fp32
  or with bf16 autocast (TRL's default), gradient checkpointing on (`-gc`, TRL's default) or off. The bf16 sides are
  skipped on a CPU without native bf16 matmuls (emulated there, ~100x slower: never TRL's fastest).
- `ftlib`: `ftlib.training.build_trainer` with the Train page's defaults (its fast path on).
- `ftlib-plain`: the same with the fast path off (`FTLIB_FAST_PATH=0`): what the fast path itself is worth.

For each side: trained tokens per second (non-padding tokens the trainer saw, counted by the Trainer's
`num_input_tokens_seen`, over the wall time of `trainer.train()`), peak memory (RSS of the process on CPU,
`torch.cuda.max_memory_allocated` on a GPU), a held-out measure from one function shared by all sides (SFT: mean
cross-entropy over the assistant tokens of `samples/chat_style_heldout.jsonl`; DPO: reward accuracy and mean
margin on `samples/preference_heldout.jsonl`, the policy against the starting model) and model FLOPs utilization
(`ftlib.throughput.flops_per_token`, with DPO's reference forward, over the matmul peak measured in this script in
the run's matmul dtype). The last lines give ftlib's ratio against the fastest TRL side: tokens/s, held-out
measure and peak memory.

With `OMP_NUM_THREADS=1` each side uses one core and its CPU time (process time of `trainer.train()`) measures its
work even while other processes share the machine: the "tokens per CPU second" ratio is the figure to read on a
busy machine, the wall-clock one on a quiet machine.

`--max-steps N` stops every side after N optimizer steps (quick A/B runs; the recorded tables use whole epochs).
The child protocol (`--child SIDE`, one JSON line on stdout) is what `bench/gpu.py` runs its rows with.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
TRAIN = {"sft": SAMPLES / "chat_style_sft.jsonl", "preference": SAMPLES / "preference_pairs.jsonl"}
HELDOUT = {"sft": SAMPLES / "chat_style_heldout.jsonl", "preference": SAMPLES / "preference_heldout.jsonl"}
METHODS = ("lora", "full", "dpo", "qlora", "dpo-full")
# TRL's settings: (bf16 autocast, gradient checkpointing).
TRL_SETTINGS = {
    "trl-fp32": (False, False),
    "trl-fp32-gc": (False, True),
    "trl-bf16": (True, False),
    "trl-bf16-gc": (True, True),
}
SIDES = ("ftlib", "ftlib-plain", *TRL_SETTINGS)
DEFAULT_SIDES = ("ftlib", *TRL_SETTINGS)


def _kind(method: str) -> str:
    return "preference" if method.startswith("dpo") else "sft"


# ---------------------------------------------------------------------------------------------------------------
# Measures shared by every side
# ---------------------------------------------------------------------------------------------------------------


def _heldout_encodings(kind: str, tokenizer, template):
    from ftlib.data import load_file
    from ftlib.tokens import encode_row

    rows = load_file(HELDOUT[kind]).rows
    return [encode_row(row, tokenizer, template, "all_assistant", None) for row in rows]


def _sequence_log_probs(model, encoded) -> tuple[float, int]:
    """(sum of log p over the trained tokens, their count) for one encoded sequence."""
    import torch

    device = next(model.parameters()).device
    ids = torch.tensor([encoded.input_ids], device=device)
    target = torch.tensor([encoded.labels], device=device)[0, 1:]
    logits = model(input_ids=ids).logits[0, :-1].float()
    log_probs = torch.log_softmax(logits, dim=-1)
    trained = target != -100
    return float(log_probs[trained].gather(1, target[trained][:, None]).sum()), int(trained.sum())


def heldout_loss(model, tokenizer, template) -> float:
    """Mean cross-entropy over the trained tokens of the held-out SFT sample (same labels for every side)."""
    import torch

    total, count = 0.0, 0
    model.eval()
    with torch.no_grad():
        for enc in _heldout_encodings("sft", tokenizer, template):
            log_p, n = _sequence_log_probs(model, enc)
            total, count = total - log_p, count + n
    return total / count


def heldout_rewards(model, tokenizer, template, beta: float, reference=None) -> tuple[float, float]:
    """(reward accuracy, mean reward margin) of a DPO-trained `model` on the held-out pairs.

    The implicit reward of an answer is beta * (log p_policy - log p_reference) summed over its trained tokens; a
    pair counts as correct when the chosen answer's reward is above the rejected one's (DPO's `rewards/accuracies`).
    The reference is the starting model: the PEFT model with its adapter disabled, or `reference`.
    """
    import contextlib

    import torch

    model.eval()
    scores = []
    with torch.no_grad():
        for enc in _heldout_encodings("preference", tokenizer, template):
            policy = [_sequence_log_probs(model, seq)[0] for seq in (enc.chosen, enc.rejected)]
            with model.disable_adapter() if reference is None else contextlib.nullcontext():
                ref_model = model if reference is None else reference
                ref = [_sequence_log_probs(ref_model, seq)[0] for seq in (enc.chosen, enc.rejected)]
            scores.append(beta * ((policy[0] - ref[0]) - (policy[1] - ref[1])))
    return sum(s > 0 for s in scores) / len(scores), sum(scores) / len(scores)


def peak_memory(device: str) -> int:
    import torch

    if device.startswith("cuda"):
        return int(torch.cuda.max_memory_allocated())
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux


def bf16_usable(device: str) -> bool:
    """Whether bf16 matmuls run natively here (a CPU without AVX512_BF16/AMX emulates them ~100x slower)."""
    import torch

    from ftlib.fastpath import native_cpu_bf16

    return torch.cuda.is_bf16_supported() if device.startswith("cuda") else native_cpu_bf16()


# ---------------------------------------------------------------------------------------------------------------
# One side, in its own process
# ---------------------------------------------------------------------------------------------------------------


def _config(method: str, model: str, epochs: float, max_steps: int, device: str, batch_size: int = 8):
    from ftlib.config import RunConfig

    tuning = {"dpo": "lora", "dpo-full": "full"}
    # The Train page's defaults; no checkpoints or evaluation inside the timed loop for either side.
    return RunConfig(
        method="dpo" if method in tuning else method,
        tuning=tuning.get(method, "lora"),
        model=model,
        dataset=str(TRAIN[_kind(method)]),
        test_size=0,
        epochs=epochs,
        max_steps=max_steps,
        save_every=0,
        template="chatml",
        device=device,
        batch_size=batch_size,
    )


def _train_rows(kind: str) -> list[dict]:
    from ftlib.data import load_file

    return load_file(TRAIN[kind]).rows


def _trl_trainer(config, side: str, out: str, device: str):
    """TRL's SFTTrainer / DPOTrainer on the raw rows, with TRL's own tokenization and masking."""
    import copy

    from datasets import Dataset

    from ftlib.models import load_model, load_tokenizer
    from ftlib.templates import get_template
    from ftlib.training import lora_config

    autocast, checkpointing = TRL_SETTINGS[side]
    tokenizer = load_tokenizer(config.model)
    template = get_template(config.template, tokenizer)
    tokenizer.chat_template = template.source  # TRL needs {% generation %} tags for assistant_only_loss
    on_gpu = device.startswith("cuda")
    # fp32 weights as TRL's examples load them (autocast computes in bf16); QLoRA: the same 4-bit base as ftlib.
    from ftlib.models import pick_dtype
    from ftlib.training import quantization_config

    quantization = quantization_config(config, pick_dtype(device, None))  # QLoRA: the same 4-bit base as ftlib
    model = load_model(
        config.model, device=device, dtype=None if quantization else "float32", quantization=quantization
    )
    common = dict(
        output_dir=out,
        per_device_train_batch_size=config.batch_size,
        learning_rate=float(config.learning_rate),
        num_train_epochs=float(config.epochs),
        max_steps=config.max_steps or -1,
        warmup_steps=float(config.warmup_ratio),
        lr_scheduler_type=config.scheduler,
        seed=config.seed,
        report_to=[],
        save_strategy="no",
        eval_strategy="no",
        disable_tqdm=True,
        bf16=autocast,
        use_cpu=not on_gpu,
        dataloader_num_workers=0,
        gradient_checkpointing=checkpointing,
        include_num_input_tokens_seen="non_padding",
    )
    peft_config = lora_config(config) if config.uses_adapter else None
    rows = _train_rows(config.kind)
    if config.kind == "preference":
        from trl import DPOConfig, DPOTrainer

        args = DPOConfig(**common, beta=float(config.beta), max_length=config.max_length)
        # Canonical preference rows are conversational: TRL renders prompt and answers with the same template.
        data = [{key: row[key] for key in ("prompt", "chosen", "rejected")} for row in rows]
        trainer = DPOTrainer(
            model=model,
            ref_model=copy.deepcopy(model).eval() if peft_config is None else None,
            args=args,
            train_dataset=Dataset.from_list(data),
            processing_class=tokenizer,
            peft_config=peft_config,
        )
    else:
        from trl import SFTConfig, SFTTrainer

        args = SFTConfig(**common, assistant_only_loss=True, max_length=config.max_length)
        trainer = SFTTrainer(
            model=model,
            args=args,
            train_dataset=Dataset.from_list([{"messages": row["messages"]} for row in rows]),
            processing_class=tokenizer,
            peft_config=peft_config,
        )
    return trainer, tokenizer, template


def _ftlib_trainer(config, out: str):
    from ftlib.templates import get_template
    from ftlib.training import build_trainer

    prepared = build_trainer(config, Path(out), rows=(_train_rows(config.kind), []))
    prepared.trainer.args.include_num_input_tokens_seen = "non_padding"
    template = get_template(config.template, prepared.tokenizer)
    return prepared.trainer, prepared.tokenizer, template


def _step_clock(device: str):
    """A TrainerCallback noting (time, tokens seen) at the end of every optimizer step, in `.marks`."""
    from transformers import TrainerCallback

    class StepClock(TrainerCallback):
        def __init__(self):
            self.marks = []

        def on_step_end(self, args, state, control, **kwargs):
            if device.startswith("cuda"):
                import torch

                torch.cuda.synchronize()
            self.marks.append((time.perf_counter(), state.num_input_tokens_seen))

    return StepClock()


def _precision(trainer, model) -> str:
    if getattr(trainer.args, "bf16", False):
        return "bf16 autocast"
    dtypes = {p.dtype for p in model.parameters() if not p.requires_grad} or {next(model.parameters()).dtype}
    if any("int" in str(d) or "uint8" in str(d) for d in dtypes):
        return "4-bit base"
    import torch

    if dtypes == {torch.bfloat16}:
        return "bf16 base"
    mixed = any(hasattr(m, "_ftlib_shadow") or getattr(m, "_ftlib_bf16_products", False) for m in model.modules())
    return "bf16 products" if mixed or torch.bfloat16 in dtypes else "fp32"


def run_side(
    side: str,
    method: str,
    model: str,
    epochs: float,
    max_steps: int = 0,
    device: str = "auto",
    batch_size: int = 8,
    warmup_steps: int = 0,
) -> dict:
    """Train one side in this process; return its measures (see the module docstring).

    `warmup_steps` > 0: tokens/s over the steps after the first `warmup_steps` only (a GPU's first steps pay for
    kernel selection and allocations; a whole CPU epoch is timed from its start).
    """
    import tempfile

    import torch

    from ftlib import throughput
    from ftlib.models import pick_device

    if side == "ftlib-plain":
        os.environ["FTLIB_FAST_PATH"] = "0"
    device = pick_device(device)
    config = _config(method, model, epochs, max_steps, "cpu" if device == "cpu" else device, batch_size)
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    with tempfile.TemporaryDirectory() as out:
        if side.startswith("trl"):
            trainer, tokenizer, template = _trl_trainer(config, side, out, device)
        else:
            trainer, tokenizer, template = _ftlib_trainer(config, out)
        clock = _step_clock(device)
        trainer.add_callback(clock)
        start = time.perf_counter()
        cpu_start = time.process_time()
        trainer.train()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        wall = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        peak = peak_memory(device)  # before the held-out measure loads anything else
        trained = trainer.model
        tokens = float(trainer.state.num_input_tokens_seen)
        steps = trainer.state.global_step
        timed_tokens, timed_wall = tokens, wall
        if 0 < warmup_steps < len(clock.marks) - 1:
            (t0, n0), (t1, n1) = clock.marks[warmup_steps], clock.marks[-1]
            timed_tokens, timed_wall = float(n1 - n0), t1 - t0
        rows_seen = steps * config.batch_size * config.grad_accum
        per_token = throughput.flops_per_token(
            trained,
            mean_seq=tokens / max(1, rows_seen * (2 if config.kind == "preference" else 1)),
            reference=config.kind == "preference",
        )
        result = {
            "side": side,
            "method": method,
            "precision": _precision(trainer, trained),
            "checkpointing": bool(trainer.args.gradient_checkpointing),
            "steps": steps,
            "tokens": tokens,
            "wall_s": wall,
            "cpu_s": cpu,
            "tokens_per_s": timed_tokens / timed_wall,
            "timed_s": timed_wall,
            "flops": per_token * timed_tokens,
            "peak_bytes": peak,
            "device": device,
            "threads": torch.get_num_threads(),
        }
        if config.kind == "preference":
            reference = None
            if not config.uses_adapter:
                from ftlib.models import load_model

                reference = load_model(config.model, device=device, dtype="float32").eval()
            accuracy, margin = heldout_rewards(trained, tokenizer, template, float(config.beta), reference)
            result |= {"heldout_accuracy": accuracy, "heldout_margin": margin}
        else:
            result["heldout_loss"] = heldout_loss(trained, tokenizer, template)
    return result


# ---------------------------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------------------------


def child_command(
    side: str,
    method: str,
    model: str,
    epochs: float,
    max_steps: int,
    device: str,
    batch_size: int = 8,
    warmup_steps: int = 0,
) -> list[str]:
    """The command line that runs one side in a fresh process (`run_child` reads its JSON line)."""
    return [
        sys.executable,
        "-m",
        "bench.bench_train",
        "--child",
        side,
        "--method",
        method,
        "--model",
        model,
        "--epochs",
        str(epochs),
        "--max-steps",
        str(max_steps),
        "--device",
        device,
        "--batch-size",
        str(batch_size),
        "--warmup-steps",
        str(warmup_steps),
    ]


def run_child(command: list[str], timeout: float | None = None, env: dict | None = None) -> dict:
    """Run one side's process; its JSON result, or {"error": why} when it failed, timed out or printed none."""
    try:
        proc = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env or os.environ.copy()
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = [line for line in (proc.stderr or proc.stdout).strip().splitlines() if line.strip()]
        return {
            "error": f"exit {proc.returncode}: {tail[-1][:200] if tail else 'no output'}",
            "log": proc.stderr[-4000:],
        }
    return json.loads(lines[-1])


def mfu_of(result: dict, peaks: dict) -> float:
    """Model FLOPs per second over the measured matmul peak in the run's matmul dtype."""
    dtype = "bfloat16" if "bf16" in result["precision"] or result["precision"] == "4-bit base" else "float32"
    if result["precision"] == "4-bit base" and not result["device"].startswith("cuda"):
        dtype = "float32"
    return result["flops"] / result.get("timed_s", result["wall_s"]) / peaks[dtype] if peaks.get(dtype) else 0.0


def heldout_text(result: dict) -> str:
    if "heldout_loss" in result:
        return f"loss {result['heldout_loss']:.4f}"
    if "heldout_accuracy" in result:
        return f"acc {result['heldout_accuracy']:.2f} margin {result['heldout_margin']:+.2f}"
    return "-"


def fastest_reference(results: dict, by: str = "wall") -> str | None:
    """The TRL side with the most tokens per second (`by="cpu"`: per CPU second, the measure for single-thread runs on
    a busy machine)."""
    trl = [side for side, r in results.items() if side.startswith("trl") and "error" not in r and "skipped" not in r]

    def speed(side: str) -> float:
        r = results[side]
        return r["tokens"] / r["cpu_s"] if by == "cpu" else r["tokens_per_s"]

    return max(trl, key=speed) if trl else None


def comparison(ours: dict, ref: dict) -> str:
    """ftlib against a reference side: tokens/s ratio, held-out measure and peak memory ratio."""
    parts = [
        f"{ours['tokens_per_s'] / ref['tokens_per_s']:.2f}x tokens/s (wall)",
        f"{(ours['tokens'] / ours['cpu_s']) / (ref['tokens'] / ref['cpu_s']):.2f}x tokens per CPU second",
    ]
    if "heldout_loss" in ours:
        parts.append(f"held-out loss {ours['heldout_loss'] / ref['heldout_loss'] - 1:+.1%}")
    else:
        parts.append(
            f"held-out reward accuracy {ours['heldout_accuracy']:.2f} vs {ref['heldout_accuracy']:.2f} "
            f"(margin {ours['heldout_margin']:+.2f} vs {ref['heldout_margin']:+.2f})"
        )
    parts.append(f"peak memory {ours['peak_bytes'] / ref['peak_bytes']:.2f}x")
    parts.append(f"tokens {ours['tokens']:,.0f} vs {ref['tokens']:,.0f}")
    return ", ".join(parts)


def print_table(results: dict, peaks: dict) -> None:
    print(
        f"\n{'side':<12} {'precision':<14} {'ckpt':<5} {'steps':>5} {'tokens/s':>9} {'wall s':>7} {'CPU s':>7} "
        f"{'tok/CPU s':>9} {'peak MiB':>9} {'held-out':<26} {'MFU':>6}"
    )
    for side, r in results.items():
        if "error" in r or "skipped" in r:
            print(f"{side:<12} {r.get('error') or r.get('skipped')}")
            continue
        print(
            f"{side:<12} {r['precision']:<14} {'on' if r['checkpointing'] else 'off':<5} {r['steps']:>5} "
            f"{r['tokens_per_s']:>9,.0f} {r['wall_s']:>7.1f} {r['cpu_s']:>7.1f} {r['tokens'] / r['cpu_s']:>9,.1f} "
            f"{r['peak_bytes'] / 2**20:>9,.0f} "
            f"{heldout_text(r):<26} {mfu_of(r, peaks):>6.1%}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", default="lora", choices=METHODS)
    parser.add_argument("--model", default="default")
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--max-steps", type=int, default=0, help="stop each side after N steps (0 = whole epochs)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--warmup-steps", type=int, default=0, help="time only the steps after the first N")
    parser.add_argument("--sides", default=",".join(DEFAULT_SIDES), help=f"comma-separated, from {', '.join(SIDES)}")
    parser.add_argument("--child", choices=SIDES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        result = run_side(
            args.child,
            args.method,
            args.model,
            args.epochs,
            args.max_steps,
            args.device,
            args.batch_size,
            args.warmup_steps,
        )
        print(json.dumps(result), flush=True)
        return 0

    import torch

    from ftlib.models import pick_device
    from ftlib.throughput import matmul_peak

    device = pick_device(args.device)
    peaks = {"float32": matmul_peak(device, "float32", seconds=2.0)}
    if bf16_usable(device):
        peaks["bfloat16"] = matmul_peak(device, "bfloat16", seconds=1.0)
    print(
        f"{args.method} on {device}, {torch.get_num_threads()} threads; matmul peak "
        + ", ".join(f"{name} {value / 1e9:,.1f} GFLOP/s" for name, value in peaks.items())
        + f"; load average {os.getloadavg()[0]:.2f} at start"
    )
    results = {}
    for side in [s.strip() for s in args.sides.split(",") if s.strip()]:
        if side not in SIDES:
            raise SystemExit(f"unknown side {side!r}; choose from {', '.join(SIDES)}")
        if side.startswith("trl") and TRL_SETTINGS[side][0] and "bfloat16" not in peaks:
            results[side] = {"skipped": "skipped: bf16 is emulated on this device (never TRL's fastest)"}
            continue
        command = child_command(
            side, args.method, args.model, args.epochs, args.max_steps, device, args.batch_size, args.warmup_steps
        )
        results[side] = run_child(command)
        r = results[side]
        if "error" in r:
            sys.stderr.write(r.get("log", ""))
            print(f"  {side}: FAILED ({r['error']})", flush=True)
        else:
            print(f"  {side}: {r['steps']} steps, {r['wall_s']:.1f} s, {r['precision']}", flush=True)
    print_table(results, peaks)
    ours = results.get("ftlib")
    for by in ("wall", "cpu"):
        fastest = fastest_reference(results, by)
        if fastest and ours and "error" not in ours:
            print(f"\nTRL's fastest setting here by {by} time: {fastest}")
            print(f"ftlib / {fastest}: {comparison(ours, results[fastest])}")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    return 0 if all("error" not in r for r in results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
