"""Training FLOPs and the device's matmul peak: what model FLOPs utilization (MFU) is computed from.

MFU = (model FLOPs per token x tokens per second) / the matmul FLOP/s this device reaches in the training dtype.
The peak is measured, not taken from a datasheet: a shared 2-core VM and an H100 differ by 1000x, and a CPU
without native bf16 matmuls runs them ~100x slower than fp32. Counted FLOPs are the model's (a recomputed
forward under gradient checkpointing does not count), so MFU compares setups doing the same work. For the same
reason a prefix rows share, computed once on CPU (DPO's prompt, `headloss.packed_batch(shared=True)`), counts for
every row that reads it: such a run's MFU is of the work the rows ask for, above what the device multiplied.
"""

from __future__ import annotations

import time

_PEAKS: dict[tuple[str, str], float] = {}


def flops_per_token(model, mean_seq: float, reference: bool = False) -> float:
    """Training FLOPs per token: 2 forward + 2 for activation gradients per frozen weight, +2 more for each
    trainable one (its weight gradient), plus attention scores and mixing (QK^T, AV; forward and backward).

    `reference`: DPO also runs the starting model forward on every token (2 per weight, plus attention's forward).
    """
    import torch

    frozen = trainable = 0
    for module in model.modules():
        if isinstance(module, torch.nn.Linear):
            size = module.in_features * module.out_features  # not weight.numel(): 4-bit weights are packed
            if module.weight.requires_grad:
                trainable += size
            else:
                frozen += size
    config = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
    attention = 12 * config.num_hidden_layers * config.hidden_size * float(mean_seq)
    if reference:
        return 6.0 * frozen + 8.0 * trainable + attention * 4 / 3
    return 4.0 * frozen + 6.0 * trainable + attention


def matmul_peak(
    device: str, dtype, seconds: float = 0.5, size: tuple[int, int, int] = (2048, 576, 1536), cache: bool = True
) -> float:
    """Best FLOP/s of an [m, k] x [k, n] matmul on `device` in `dtype` over about `seconds` (cached per process;
    `cache=False` measures again, as a benchmark does next to each of its runs: a shared machine's speed drifts).

    The default shape is a 135M model's MLP on 2048 tokens: the kind of product training spends its time in. Both
    layouts training runs are timed, `a @ b` and `F.linear(a, w)` (a transposed weight, what every linear layer
    multiplies), and the faster counts: where a dtype has no fast kernel for one of them (float16 on a CPU: 1.4
    GFLOP/s as `a @ b`, 12 as `F.linear`), a peak of the slow one put a training run's MFU over 100%.
    """
    import torch

    dtype = getattr(torch, dtype) if isinstance(dtype, str) else dtype
    key = (str(device), str(dtype), size)
    if cache and key in _PEAKS:
        return _PEAKS[key]
    m, k, n = size
    if str(device).startswith("cuda"):
        m, k, n = 8192, 8192, 8192  # a GPU needs a big product to reach its peak
    # Its own generator: a run measures this after seeding, and drawing from the global one shifted its dropout
    # masks by whether this process had measured before (two equal runs in one process differed).
    draws = torch.Generator(device=device).manual_seed(0)
    a = torch.randn(m, k, device=device, dtype=dtype, generator=draws)
    b = torch.randn(k, n, device=device, dtype=dtype, generator=draws)
    w = b.t().contiguous()  # [n, k]: a linear layer's weight
    # The timed device's queue, not the current device's: a product on cuda:1 is not waited for by cuda:0's sync.
    sync = (lambda: torch.cuda.synchronize(device)) if str(device).startswith("cuda") else (lambda: None)
    best = float("inf")
    for product in (lambda: a @ b, lambda: torch.nn.functional.linear(a, w)):
        product()  # warm-up: kernels chosen, memory touched
        sync()
        deadline, reps = time.perf_counter() + seconds / 2, 0
        while reps < 1 or time.perf_counter() < deadline:  # at least one timing, even where a product takes seconds
            start = time.perf_counter()
            product()
            sync()
            best = min(best, time.perf_counter() - start)
            reps += 1
    _PEAKS[key] = 2.0 * m * k * n / best
    return _PEAKS[key]


def mfu(tokens_per_s: float, per_token: float, peak: float) -> float:
    """Model FLOPs utilization as a fraction (0.4 = 40%): `tokens_per_s` x `per_token` (`flops_per_token`) over `peak`
    FLOP/s (`matmul_peak`); 0.0 when the peak is not positive.

    >>> mfu(1000.0, 6e8, 1e12)
    0.6
    """
    return tokens_per_s * per_token / peak if peak > 0 else 0.0


__all__ = ["flops_per_token", "matmul_peak", "mfu"]
