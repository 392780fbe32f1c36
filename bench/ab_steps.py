"""A/B of two versions of the training fast path in one process: forward + backward on the same micro-batches,
the two variants alternating (A B, B A, A B, ...), so the machine's drift (+-7% between whole-epoch runs on the
team's shared 2-core machine) hits both alike. The numbers behind BENCHMARKS.md's "in-process A/B" rows.

    FTLIB_HOME=/tmp/fthome .venv/bin/python -m bench.ab_steps --toggle norms [--rounds 8] [--batches 4]
        [--method lora|dpo|full|reward|kto]
    FTLIB_HOME=/tmp/fthome .venv/bin/python -m bench.ab_steps --toggle path/to/toggle.py

`--toggle norms` compares transformers' RMSNorm (A) with ftlib.cpu_norm's (B); `--toggle padding_free` the
micro-batches' rows padded (A) with the same rows end to end (B); `--toggle mask_pool` dropout masks drawn layer by
layer (A) with one MaskPool's shared draws (B); `--toggle pack_rows --method dpo|kto|reward` right-padded
rows padded (A) or laid end to end (B). A toggle file defines `set(variant: str, trainer) -> None`, called with "A"
or "B" before each variant's turn: swap a function for an older copy of it, flip a module flag. Prints each turn's
wall time and the median ratio B / A (first round left out: caches and allocator warm up). Uses the Train page's
defaults on `chat_style` (`dpo`, `kto`, `reward`: `preference_pairs`).
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def _norms(variant: str, trainer) -> None:
    from ftlib import cpu_norm

    if variant == "A":
        cpu_norm.restore(trainer.model)
    else:
        cpu_norm.use_for(trainer.model)


def _padding_free(variant: str, trainer) -> None:
    """A: the same rows padded to the longest of each micro-batch (see `padded`); B: laid end to end."""


def padded(batch: dict) -> dict:
    """A padding-free batch (input_ids [1, T], cu_seq_lens_q) as the right-padded batch of the same rows."""
    import torch
    from torch.nn.utils.rnn import pad_sequence

    bounds = batch["cu_seq_lens_q"].tolist()
    rows = [slice(a, b) for a, b in itertools.pairwise(bounds)]
    ids = pad_sequence([batch["input_ids"][0, r] for r in rows], batch_first=True, padding_value=0)
    labels = pad_sequence([batch["labels"][0, r] for r in rows], batch_first=True, padding_value=-100)
    mask = pad_sequence([torch.ones(r.stop - r.start, dtype=torch.long) for r in rows], batch_first=True)
    return {"input_ids": ids, "labels": labels, "attention_mask": mask}


_padding_free.batch_for = lambda variant, batch: padded(batch) if variant == "A" else batch


def _mask_pool(variant: str, trainer) -> None:
    """A: each fused LoRA layer draws its own dropout mask; B: the layers share one MaskPool (what runs get)."""
    from ftlib import dropout_masks

    layers = [m for m in trainer.model.modules() if hasattr(m, "_ftlib_peft_forward")]
    pool = getattr(_mask_pool, "pool", None) or dropout_masks.MaskPool()
    _mask_pool.pool = pool
    for layer in layers:
        if variant == "A":
            vars(layer).pop("_ftlib_mask_pool", None)
        else:
            layer._ftlib_mask_pool = pool


def _pack_rows(variant: str, trainer) -> None:
    """`--method dpo`, `kto` or `reward` -- A: right-padded rows padded; B: laid end to end (DPO and KTO:
    headloss.pack_padded_rows; the reward model: packed_rows.pack_score_rows)."""
    from ftlib import headloss, packed_rows

    model = trainer.model.get_base_model() if hasattr(trainer.model, "get_base_model") else trainer.model
    if packed_rows.pools_like_transformers(model):
        packed_rows.unpack_score_rows(model)
        if variant == "B":
            packed_rows.pack_score_rows(model)
    else:
        setattr(model, headloss.PACK_ROWS, variant == "B")


BUILT_IN = {"norms": _norms, "padding_free": _padding_free, "mask_pool": _mask_pool, "pack_rows": _pack_rows}


def _toggle(spec: str):
    if spec in BUILT_IN:
        return BUILT_IN[spec]
    module_spec = importlib.util.spec_from_file_location("ab_toggle", spec)
    if module_spec is None or not Path(spec).is_file():
        raise SystemExit(f"error: --toggle is one of {', '.join(BUILT_IN)} or a .py file; got {spec!r}")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module.set


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--toggle", required=True, help=f"{', '.join(BUILT_IN)} or a .py file defining set()")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--batches", type=int, default=4, help="micro-batches per turn")
    parser.add_argument("--method", default="lora", choices=["lora", "dpo", "full", "reward", "kto"])
    args = parser.parse_args(argv)
    toggle = _toggle(args.toggle)
    # A toggle may also give each variant its own form of the batches (`batch_for(variant, batch)`).
    batch_for = getattr(toggle, "batch_for", lambda variant, batch: batch)

    from bench.profile_train import sample_run
    from ftlib.training import build_trainer

    config, rows = sample_run(args.method, steps=0)  # forward + backward only: the step count does not matter
    with tempfile.TemporaryDirectory() as out:
        trainer = build_trainer(config, Path(out), rows=(rows, [])).trainer
        trainer.model.train()
        trainer.current_gradient_accumulation_steps = 1  # set by the Trainer's loop, which this bypasses
        batches = []
        for batch in trainer.get_train_dataloader():
            batches.append(batch)
            if len(batches) == args.batches:
                break
        times: dict[str, list[float]] = {"A": [], "B": []}
        for round_ in range(args.rounds):
            for variant in ("A", "B") if round_ % 2 == 0 else ("B", "A"):
                toggle(variant, trainer)
                turn = [batch_for(variant, batch) for batch in batches]
                start = time.perf_counter()
                for batch in turn:
                    trainer.training_step(trainer.model, batch, None)
                times[variant].append(time.perf_counter() - start)
            trainer.model.zero_grad(set_to_none=True)
    medians = {variant: statistics.median(spans[1:] or spans) for variant, spans in times.items()}
    for variant, spans in times.items():
        print(f"{variant}: " + " ".join(f"{t:.2f}" for t in spans) + f" s; median {medians[variant]:.3f} s")
    print(f"B / A: {medians['B'] / medians['A']:.3f} (median wall time per turn of {args.batches} micro-batches)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
