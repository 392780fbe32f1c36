"""The few-row products of a decoding step on CPU, through oneDNN: part of batched generation (sampling.py).

A decoding step multiplies a handful of rows (one per generated sequence: 8 for a Compare grid) by every weight of
the model, so it streams the weights from memory once per step. torch's dense `linear` (MKL) does that poorly for
few rows: on the team's machine (2 threads, weights out of cache) a [1536, 576] fp32 weight took 338 us for 8 rows
(10.5 GB/s), oneDNN's inner product 185 us; SmolLM2's 49k-token LM head 12.1 ms against 4.3 ms (BENCHMARKS.md).
For one row, and for weights below ~330k elements, dense is as fast or faster. Which wins depends on the CPU: on a
newer Intel Xeon (2026-12-05) MKL's dense products beat oneDNN's for every SmolLM2 layer but the LM head ([1536, 576]
124 us dense vs 198 us, the head 14.3 vs 7.9 ms), so each weight shape is measured both ways once a process
(`onednn_faster`) and switched only where oneDNN is faster.

`onednn_linears(model)` is a context manager: inside it, every fp32 `nn.Linear` of the model on CPU with at least
`MIN_WEIGHT` elements runs inputs of at most `MAX_ROWS` rows without gradients through `torch._C._nn.mkldnn_linear`
with a copy of its weight in oneDNN's format (made on entry, ~0.1 s for SmolLM2; dropped on exit, so a model that
trains between two generations is never stale). Everything else (the prompt's prefill, training, bf16 or 4-bit
layers, layers another fast path already replaced) runs as before. The results differ from dense ones by float
rounding only (~1e-6 relative), like any change of batch size. `FTLIB_ONEDNN_DECODE=0` turns it off.

Not known here: decoding itself (sampling.py), adapters (PEFT's LoRA layers wrap an `nn.Linear`, which is what is
switched here).
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import time
import types

import torch
import torch.nn.functional as F

# Weights below this many elements stay dense: oneDNN's per-call overhead outweighs its gain ([192, 576]: 30 us
# dense vs 50 us oneDNN for 8 rows; [576, 576]: 126 vs 87 us).
MIN_WEIGHT = 300_000
# Rows (batch x positions) up to which a product counts as a decoding step's.
MAX_ROWS = 16
# Rows a weight shape is measured with (`onednn_faster`): a Compare grid's 8 decoding rows.
PROBE_ROWS = 8
# Whether oneDNN is faster, by weight shape (out, in): measured once a process, on the first generation that has one.
_faster: dict[tuple[int, int], bool] = {}
# Seconds those measures took in this process (`probe_seconds`): a one-time cost inside the first generation's first
# step (1.7 s on a loaded one-thread CPU, helper 268), which a pace of decoding leaves out.
_probed_s = [0.0]
# One generation at a time switches layers; a second one meanwhile runs the layers as they are (switched when it
# decodes the same model, dense otherwise) and never restores what it did not switch.
_lock = threading.Lock()


def enabled() -> bool:
    """Whether decoding may use oneDNN (`FTLIB_ONEDNN_DECODE`, on unless 0) and this torch build has it."""
    flag = os.environ.get("FTLIB_ONEDNN_DECODE", "").strip().lower()
    return flag not in ("0", "false", "no", "off") and torch.backends.mkldnn.is_available()


def _forward(self, x: torch.Tensor, weight, bias) -> torch.Tensor:
    rows = x.numel() // x.shape[-1] if x.dim() else 0
    if 0 < rows <= MAX_ROWS and x.dtype == torch.float32 and not torch.is_grad_enabled():
        flat = x.reshape(rows, x.shape[-1]).to_mkldnn()
        out = torch._C._nn.mkldnn_linear(flat, weight, bias).to_dense()
        return out.view(*x.shape[:-1], out.shape[-1])
    return F.linear(x, self.weight, self.bias)


def _switchable(module: torch.nn.Module) -> bool:
    weight = getattr(module, "weight", None)
    return (
        type(module) is torch.nn.Linear
        and "forward" not in vars(module)  # another fast path (or another generation) replaced it already
        and weight.dtype == torch.float32
        and weight.device.type == "cpu"
        and weight.numel() >= MIN_WEIGHT
    )


@contextlib.contextmanager
def onednn_linears(model):
    """Within: the model's large fp32 linear layers of the shapes oneDNN multiplies faster on this CPU
    (`onednn_faster`, measured on the first generation) run decoding steps' few rows through it (module docstring).
    Yields how many layers it switched (0 when off, unavailable, or another generation holds the switch)."""
    acquired = enabled() and _lock.acquire(blocking=False)
    switched: list[torch.nn.Module] = []
    try:
        if acquired:
            with torch.no_grad():
                by_shape: dict[tuple[int, int], list[torch.nn.Linear]] = {}
                for module in model.modules():
                    if _switchable(module):
                        by_shape.setdefault(tuple(module.weight.shape), []).append(module)
                for shape, modules in by_shape.items():
                    if shape not in _faster:
                        began = time.perf_counter()
                        _faster[shape] = onednn_faster(modules)
                        _probed_s[0] += time.perf_counter() - began
                    if _faster[shape]:
                        for module in modules:
                            _switch(module)
                            switched.append(module)
        yield len(switched)
    finally:
        _restore(switched)
        if acquired:
            _lock.release()


def probe_seconds() -> float:
    """The seconds this process has spent measuring whether oneDNN is faster (`onednn_faster`, once a weight shape):
    the difference across a generation is what its first step spent on it, not on decoding."""
    return _probed_s[0]


def onednn_faster(modules: list[torch.nn.Linear], passes: int = 3) -> bool:
    """Whether oneDNN multiplies `PROBE_ROWS` rows by these layers' weights (all of one shape) at least 10% faster
    than torch's dense `linear` on this CPU: the best of `passes` passes each way over up to 8 of the layers, so the
    weights stream from memory as a decoding step streams them, oneDNN timed as `_forward` runs it (input converted,
    output made dense). About 10 ms for a SmolLM2 layer shape, 0.1 s for its LM head; once a process per shape."""
    layers = modules[:8]
    # Its own generator: a draw from torch's would move a GRPO run's dropout masks on (its rollouts decode here), so a
    # resumed run, measuring afresh, would not continue as the uninterrupted one.
    probe = torch.Generator().manual_seed(0)
    x = torch.randn(PROBE_ROWS, layers[0].in_features, dtype=layers[0].weight.dtype, generator=probe)
    copies = [
        (m.weight.detach().to_mkldnn(), m.bias.detach().to_mkldnn() if m.bias is not None else None) for m in layers
    ]

    def dense() -> None:
        for m in layers:
            F.linear(x, m.weight, m.bias)

    def onednn() -> None:
        for weight, bias in copies:
            torch._C._nn.mkldnn_linear(x.to_mkldnn(), weight, bias).to_dense()

    def best(run) -> float:
        run()  # warm: first-call set-up, not the product
        times = []
        for _ in range(passes):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        return min(times)

    return best(onednn) < 0.9 * best(dense)


def _switch(module: torch.nn.Linear) -> None:
    weight = module.weight.detach().to_mkldnn()  # oneDNN's copy: dropped with the forward on exit
    bias = module.bias.detach().to_mkldnn() if module.bias is not None else None
    module.forward = types.MethodType(functools.partial(_forward, weight=weight, bias=bias), module)


def _restore(modules) -> None:
    for module in modules:
        vars(module).pop("forward", None)


__all__ = ["MAX_ROWS", "MIN_WEIGHT", "PROBE_ROWS", "enabled", "onednn_faster", "onednn_linears", "probe_seconds"]
