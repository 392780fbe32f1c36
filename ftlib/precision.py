"""Which dtype a training run loads its weights in and computes in, under the Train page's *Weights dtype* `auto`.

On a GPU: fp32 for a small model (its steps are bound by kernel launches, not products); otherwise a bf16 frozen
LoRA base and fp32 weights for what a run trains, computed in bf16 under the Trainer's autocast (mixed precision).
On a CPU: fp32, with a bf16 frozen LoRA base where the CPU multiplies bf16 natively (ftlib.fastpath says why).
Not known here: loading (models.pick_dtype turns these names into torch dtypes), the memory they take (memory.py).
"""

from __future__ import annotations

import os

from ftlib import fastpath

# Under `auto` a model this small trains in fp32 on a GPU: its steps are bound by kernel launches, and bf16 autocast
# adds a cast before each linear layer. H200, SmolLM2-135M (BENCHMARKS.md, 2026-12-04): fp32 1.81x bf16 autocast for
# LoRA, 1.27x for DPO. A step's products (6 x params x tokens FLOPs) at 200M parameters and 15k tokens take ~0.35 s
# in fp32 there (51 TFLOP/s), what a bf16 step's launches take: past that bf16's faster products win.
SMALL_GPU_MODEL = 200_000_000


def small_for_gpu(device: str, params: int | None, tuning: str | None = None) -> bool:
    """Whether `auto` trains a model of `params` parameters (None: unknown) in fp32 on `device`. Not a QLoRA run
    (`tuning` qlora): its 4-bit base computes in bf16 on a GPU with it (training_model.training_dtypes).

    >>> small_for_gpu("cuda", 134_515_008), small_for_gpu("cuda", 1_235_814_400), small_for_gpu("cpu", 10)
    (True, False, False)
    >>> small_for_gpu("cuda", 134_515_008, "qlora")
    False
    """
    return str(device).startswith("cuda") and params is not None and params < SMALL_GPU_MODEL and tuning != "qlora"


def training_dtype(
    requested: str, device: str, method: str, tuning: str | None = None, params: int | None = None
) -> str:
    """The weights' dtype a run loads with (a name, or `auto`: `models.pick_dtype`'s): `requested`, but under `auto`
    float32 on a GPU for a small model (`small_for_gpu`: fp32 throughout) and for a run that trains the model's own
    weights (`tuning` or method `full`): fp32 master weights, gradients and AdamW state, bf16 products under the
    Trainer's autocast (`compute_dtype`), as standard mixed precision has it (in bf16 weights, AdamW updates below
    ~1/256 of a weight round away). A frozen LoRA/QLoRA base stays `auto` there (PEFT keeps adapters fp32); an
    explicit `bfloat16` is pure bf16, half the weights' memory.
    On CPU, `auto` is a bf16 frozen base for LoRA SFT (method `lora`) where the CPU has native bf16 (see
    ftlib.fastpath) and FTLIB_CPU_BF16 allows it; DPO, full fine-tuning, the reward model, KTO and GRPO load fp32
    there and get bf16 products under an fp32 stream (`fastpath.bf16_products`): a bf16 stream rounds their small
    signals away."""
    if requested not in (None, "", "auto"):
        return requested
    if str(device).startswith("cuda"):
        return "float32" if small_for_gpu(device, params, tuning) or "full" in (tuning, method) else requested
    if method != "lora" or not fastpath.enabled():
        return requested
    choice = os.environ.get("FTLIB_CPU_BF16", "auto").strip().lower()
    if choice in ("1", "true", "yes", "on") or (choice == "auto" and fastpath.native_cpu_bf16()):
        return "bfloat16"
    return requested


def compute_dtype(
    requested: str, device: str, method: str, tuning: str | None = None, params: int | None = None
) -> str:
    """The dtype a run's products compute in (a name, or `auto`). On a GPU the one `requested` names, whatever the
    weights are stored in: the Trainer's bf16/fp16 autocast follows it (`auto`: float32 for a small model,
    `small_for_gpu`). On CPU the weights' own (`training_dtype`).

    >>> compute_dtype("auto", "cuda", "full", "full"), training_dtype("auto", "cuda", "full", "full")
    ('auto', 'float32')
    >>> compute_dtype("auto", "cuda", "lora", params=134_515_008), compute_dtype("bfloat16", "cuda", "lora", params=9)
    ('float32', 'bfloat16')
    """
    if str(device).startswith("cuda"):
        return "float32" if requested in (None, "", "auto") and small_for_gpu(device, params, tuning) else requested
    return training_dtype(requested, device, method, tuning)


__all__ = ["SMALL_GPU_MODEL", "compute_dtype", "small_for_gpu", "training_dtype"]
