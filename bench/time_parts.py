"""Where a fast-path training step's wall time goes, timed directly (perf_counter around each part) rather than by
torch.profiler, whose figures for small operations on 2 threads came out 30-60x too large (BENCHMARKS.md).

    FTLIB_HOME=/tmp/fthome .venv/bin/python -m bench.time_parts [--steps 8] [--method lora|dpo|full]

Runs the Train page's defaults on `chat_style` (`dpo`: `preference_pairs`) for `--steps` optimizer steps and prints,
for steps 2 onwards, the seconds spent in each of the fast path's pieces and their share of the steps' wall time:
the LoRA layers (`fastpath._LoraLinear`, forward and backward: base and adapter products, dropout masks), within
them the mask draws and the masked copies, the attention (`cpu_attention`), the LM head (`headloss`), RMSNorm
(`cpu_norm`), rotary embeddings (transformers' `apply_rotary_pos_emb`, forward only) and the optimizer step. "rest"
is what none of them covers (autograd's own work, SwiGLU, residual adds, casts, the Trainer's loop). Pieces nest:
the masks are inside the LoRA layers' time, and the bracketed Trainer rows (its `training_step`: forward, loss and
backward; the batch fetch; gradient clipping) contain or sit beside the rest. DPO's bracketed reference forward (the
adapter disabled, no gradient) contains its share of the attention, head and norm rows, and its base products, which
are in no other row: they count in the rest.
"""

from __future__ import annotations

import argparse
import collections
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

SPENT: collections.Counter = collections.Counter()


def _timed(name: str, function):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            SPENT[name] += time.perf_counter() - start

    return wrapper


def _time_function(cls, name: str) -> None:
    """Times an autograd Function's forward and backward (the class attributes `apply` looks up)."""
    cls.forward = staticmethod(_timed(f"{name} forward", cls.forward))
    cls.backward = staticmethod(_timed(f"{name} backward", cls.backward))


def instrument() -> None:
    import torch
    from transformers import Trainer
    from transformers.models.llama import modeling_llama

    from ftlib import cpu_attention, cpu_norm, dropout_masks, fastpath, headloss

    _time_function(fastpath._LoraLinear, "LoRA layers")
    _time_function(fastpath._MixedLoraLinear, "LoRA layers (fp32 stream)")
    _time_function(fastpath._MixedLinear, "full layers (bf16 products)")
    _time_function(cpu_attention._CausalAttention, "attention")
    _time_function(headloss._TrainedLogProbs, "LM head")
    _time_function(cpu_norm._RMSNorm, "RMSNorm")
    fastpath.drop_mask = _timed("  dropout mask draws", fastpath.drop_mask)  # a layer's own draw
    dropout_masks.MaskPool.mask = _timed("  dropout mask draws", dropout_masks.MaskPool.mask)  # shared draws
    fastpath.masked = _timed("  masked copies", fastpath.masked)
    fastpath.add_masked_ = _timed("  masked adds", fastpath.add_masked_)
    modeling_llama.apply_rotary_pos_emb = _timed("rotary embeddings forward", modeling_llama.apply_rotary_pos_emb)
    # The Trainer's side, in brackets (they contain the pieces above, or sit beside them in the step).
    Trainer.training_step = _timed("[Trainer.training_step]", Trainer.training_step)
    Trainer.get_batch_samples = _timed("[Trainer.get_batch_samples]", Trainer.get_batch_samples)
    torch.nn.utils.clip_grad_norm_ = _timed("[clip_grad_norm_]", torch.nn.utils.clip_grad_norm_)
    _time_reference_forward()


def _time_reference_forward() -> None:
    """DPOTrainer's reference forward of a LoRA run: the block under TRL's `use_adapter` (adapters disabled)."""
    import contextlib

    from trl.trainer import dpo_trainer

    use_adapter = dpo_trainer.use_adapter

    @contextlib.contextmanager
    def timed(*args, **kwargs):
        start = time.perf_counter()
        with use_adapter(*args, **kwargs):
            yield
        SPENT["[DPO reference forward]"] += time.perf_counter() - start

    dpo_trainer.use_adapter = timed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--method", default="lora", choices=["lora", "dpo", "full"])
    args = parser.parse_args(argv)

    from transformers import TrainerCallback

    from bench.profile_train import sample_run
    from ftlib.training import build_trainer

    instrument()
    ends: list[float] = []

    class StepEnds(TrainerCallback):
        def on_step_end(self, *args, **kwargs):
            ends.append(time.perf_counter())
            if len(ends) == 1:
                SPENT.clear()  # the first step warms caches and the allocator up: left out

    config, rows = sample_run(args.method, args.steps)
    with tempfile.TemporaryDirectory() as out:
        trainer = build_trainer(config, Path(out), rows=(rows, [])).trainer
        trainer.add_callback(StepEnds())
        trainer.create_optimizer()
        trainer.optimizer.step = _timed("optimizer step", trainer.optimizer.step)
        trainer.train()
    wall = ends[-1] - ends[0]
    print(f"steps 2-{len(ends)}: {wall:.2f} s wall")
    covered = 0.0
    for name, seconds in SPENT.most_common():
        print(f"{name:32s} {seconds:7.2f} s {seconds / wall:6.1%}")
        covered += 0.0 if name.startswith(("  ", "[")) else seconds
    print(f"{'rest':32s} {wall - covered:7.2f} s {(wall - covered) / wall:6.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
