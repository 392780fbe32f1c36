"""Training throughput: ftlib's SFT LoRA run vs TRL's `SFTTrainer`, same model, data, epochs, batch and lr.

    .venv/bin/python -m bench.bench_train [--model default] [--epochs 1] [--sides trl,ftlib,...]

Each side trains in its own fresh process (so peak memory is its own), one after the other:

- `trl`: `trl.SFTTrainer` with its defaults (assistant-only loss through the template's `{% generation %}` tags,
  gradient checkpointing on, its fused LM head, bf16 autocast), except on a CPU without native bf16 matmuls, where
  bf16 is emulated ~100x slower than fp32: there the reference runs in fp32, the fastest precision that device
  has. Same LoRA adapter settings as ftlib (ftlib's defaults).
- `trl-tuned`: the same with gradient checkpointing off and length-grouped batches: how far TRL gets with the two
  settings ftlib changes by default; shown so the ratio is not read as "TRL is slow".
- `ftlib`: `ftlib.training.build_trainer` with the Train page's defaults (its fast path on).
- `ftlib-plain`: the same with the fast path off (`FTLIB_FAST_PATH=0`): what the fast path itself is worth.

For each side: trained (non-padding) tokens/s, wall time of `trainer.train()`, peak RSS (or CUDA peak), the
held-out loss after training (one shared function: mean cross-entropy over the assistant tokens of
`samples/chat_style_heldout.jsonl`) and model FLOPs utilization: model FLOPs the run needed (2 x frozen + 4 x
frozen activation grads + 6 x trainable per token, plus attention) over the matmul peak measured in this script
on the same device and dtype.
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
TRAIN = ROOT / "samples" / "chat_style_sft.jsonl"
HELDOUT = ROOT / "samples" / "chat_style_heldout.jsonl"
SIDES = ("trl", "trl-tuned", "ftlib", "ftlib-plain")


# ---------------------------------------------------------------------------------------------------------------
# Measures shared by every side
# ---------------------------------------------------------------------------------------------------------------


def heldout_loss(model, tokenizer, template) -> float:
    """Mean cross-entropy over the trained tokens of the held-out sample (same labels for every side)."""
    import torch

    from ftlib.data import load_file
    from ftlib.tokens import encode_row

    encs = [encode_row(row, tokenizer, template, "all_assistant", None) for row in load_file(HELDOUT).rows]
    device = next(model.parameters()).device
    total, count = 0.0, 0
    model.eval()
    with torch.no_grad():
        for enc in encs:
            ids = torch.tensor([enc.input_ids], device=device)
            labels = torch.tensor([enc.labels], device=device)
            logits = model(input_ids=ids).logits[0, :-1].float()
            target = labels[0, 1:]
            total += torch.nn.functional.cross_entropy(logits, target, ignore_index=-100, reduction="sum").item()
            count += int((target != -100).sum())
    return total / count


def peak_memory(device: str) -> int:
    import torch

    if device.startswith("cuda"):
        return int(torch.cuda.max_memory_allocated())
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux


# ---------------------------------------------------------------------------------------------------------------
# One side, in its own process
# ---------------------------------------------------------------------------------------------------------------


def _config(model: str, epochs: float):
    from ftlib.config import RunConfig

    # The Train page's defaults; no checkpoints or evaluation inside the timed loop for either side.
    return RunConfig(
        method="lora", model=model, dataset=str(TRAIN), test_size=0, epochs=epochs, save_every=0, template="chatml"
    )


def _train_rows() -> list[dict]:
    from ftlib.data import load_file

    return load_file(TRAIN).rows


def _trl_trainer(config, tuned: bool, out: str):
    """TRL's SFTTrainer on the raw conversations, with TRL's own tokenization and masking."""
    import torch
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    from ftlib.fastpath import native_cpu_bf16
    from ftlib.models import load_model, load_tokenizer, pick_device
    from ftlib.templates import get_template
    from ftlib.training import lora_config

    device = pick_device(None)
    tokenizer = load_tokenizer(config.model)
    template = get_template(config.template, tokenizer)
    tokenizer.chat_template = template.source  # TRL needs {% generation %} tags for assistant_only_loss
    model = load_model(config.model, device=device)
    on_gpu = device.startswith("cuda")
    args = SFTConfig(
        output_dir=out,
        assistant_only_loss=True,
        per_device_train_batch_size=config.batch_size,
        learning_rate=float(config.learning_rate),
        num_train_epochs=float(config.epochs),
        warmup_steps=float(config.warmup_ratio),
        lr_scheduler_type=config.scheduler,
        seed=config.seed,
        max_length=config.max_length,
        report_to=[],
        save_strategy="no",
        eval_strategy="no",
        disable_tqdm=True,
        bf16=torch.cuda.is_bf16_supported() if on_gpu else native_cpu_bf16(),
        use_cpu=not on_gpu,
        dataloader_num_workers=0,
        **({"gradient_checkpointing": False, "train_sampling_strategy": "group_by_length"} if tuned else {}),
    )
    rows = [{"messages": row["messages"]} for row in _train_rows()]
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=Dataset.from_list(rows),
        processing_class=tokenizer,
        peft_config=lora_config(config),
    )
    tokens = sum(len(ids) for ids in trainer.train_dataset["input_ids"])
    return trainer, tokenizer, template, tokens, device


def _ftlib_trainer(config, out: str):
    from ftlib.models import pick_device
    from ftlib.templates import get_template
    from ftlib.training import build_trainer

    prepared = build_trainer(config, Path(out), rows=(_train_rows(), []))
    tokens = sum(len(ids) for ids in prepared.trainer.train_dataset["input_ids"])
    template = get_template(config.template, prepared.tokenizer)
    return prepared.trainer, prepared.tokenizer, template, tokens, pick_device(None)


def run_side(side: str, model: str, epochs: float) -> dict:
    import tempfile

    import torch

    from ftlib import throughput

    if side == "ftlib-plain":
        os.environ["FTLIB_FAST_PATH"] = "0"
    config = _config(model, epochs)
    with tempfile.TemporaryDirectory() as out:
        if side.startswith("trl"):
            trainer, tokenizer, template, tokens, device = _trl_trainer(config, side == "trl-tuned", out)
        else:
            trainer, tokenizer, template, tokens, device = _ftlib_trainer(config, out)
        rows = len(trainer.train_dataset)
        start = time.perf_counter()
        trainer.train()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        wall = time.perf_counter() - start
        model = trainer.model
        flops_per_token = throughput.flops_per_token(model, mean_seq=tokens / rows)
        loss = heldout_loss(model, tokenizer, template)
    processed = tokens * float(epochs)
    precision = (
        "bf16 autocast"
        if getattr(trainer.args, "bf16", False)
        else str(next(model.parameters()).dtype).replace("torch.bfloat16", "bf16 base")
    )
    return {
        "side": side,
        "precision": precision,
        "rows": rows,
        "tokens": processed,
        "wall_s": wall,
        "tokens_per_s": processed / wall,
        "steps": trainer.state.global_step,
        "flops": flops_per_token * processed,
        "heldout_loss": loss,
        "peak_bytes": peak_memory(device),
        "device": device,
        "threads": torch.get_num_threads(),
    }


# ---------------------------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------------------------


def _child(side: str, args) -> dict:
    cmd = [
        sys.executable,
        "-m",
        "bench.bench_train",
        "--child",
        side,
        "--model",
        args.model,
        "--epochs",
        str(args.epochs),
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"side {side} failed (exit {proc.returncode})")
    return json.loads(lines[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--sides", default=",".join(SIDES), help=f"comma-separated, from {', '.join(SIDES)}")
    parser.add_argument("--child", choices=SIDES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_side(args.child, args.model, args.epochs)), flush=True)
        return 0

    import torch

    from ftlib.models import pick_device
    from ftlib.throughput import matmul_peak

    device = pick_device(None)
    peak = matmul_peak(device, "float32", seconds=2.0)
    bf16_peak = matmul_peak(device, "bfloat16", seconds=1.0)
    print(
        f"device {device}, {torch.get_num_threads()} threads; matmul peak float32 {peak / 1e9:,.1f} GFLOP/s, "
        f"bfloat16 {bf16_peak / 1e9:,.1f} GFLOP/s"
    )
    results = {}
    for side in args.sides.split(","):
        results[side] = _child(side.strip(), args)
        r = results[side]
        print(f"  {side}: {r['steps']} steps, {r['wall_s']:.1f} s, weights/compute {r['precision']}", flush=True)
    print(f"\n{'side':<12} {'tokens/s':>9} {'wall s':>8} {'peak MiB':>9} {'held-out loss':>14} {'MFU':>6}")
    for side, r in results.items():
        mfu = r["flops"] / r["wall_s"] / (bf16_peak if "bf16" in r["precision"] else peak)  # the run's matmul dtype
        print(
            f"{side:<12} {r['tokens_per_s']:>9,.0f} {r['wall_s']:>8.1f} {r['peak_bytes'] / 2**20:>9,.0f} "
            f"{r['heldout_loss']:>14.4f} {mfu:>6.1%}"
        )
    if "trl" in results and "ftlib" in results:
        ours, ref = results["ftlib"], results["trl"]
        print(
            f"\nftlib / trl: {ours['tokens_per_s'] / ref['tokens_per_s']:.2f}x tokens/s (target 2.5x on CPU), "
            f"held-out loss {ours['heldout_loss'] / ref['heldout_loss'] - 1:+.1%} (target <= +2%), "
            f"peak memory {ours['peak_bytes'] / ref['peak_bytes']:.2f}x (target <= 1.0x); "
            f"same tokens: {ours['tokens'] == ref['tokens']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
