"""RMSNorm as one autograd node for CPU training: part of the training fast path (fastpath.py).

transformers' Llama-family RMSNorm (Llama, Qwen2/3, Mistral, SmolLM2 and the models that copy it) is

    weight * (x.float() * rsqrt(mean(x.float() ** 2, -1) + eps)).to(x.dtype)

written as ~7 tensor ops. Autograd keeps the fp32 copy of x and the normalized tensor for the backward pass and
runs ~10 more ops there, each a pass over [tokens, hidden]: on CPU, a bf16 [1104, 576] norm took 3.1 ms forward and
backward on one thread (2.5 ms on two). `_RMSNorm` computes the same forward (bit for bit) from the same ops and
keeps only x and the [tokens, 1] inverse RMS; its backward is the closed form (1.35 ms and 1.0 ms): over the model's
61 norms a LoRA SFT step took 2.5% less wall time on 2 threads (bench/ab_steps.py; BENCHMARKS.md):

    dx = r * (g - x_hat * mean(g * x_hat, -1)),  g = (dy * weight) in x's dtype, as fp32,  x_hat = x * r

A norm module is switched only after a probe (a copy of it with random weights, inputs in bf16 and fp32) gives
the same output as its own forward, so a model whose norm differs (Gemma's 1 + weight, OLMo's fp32 product) keeps
its own. Not known here: when the fast path applies (fastpath.fast_norms).
"""

from __future__ import annotations

import copy

import torch


def _normalized(x: torch.Tensor, eps: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(x * r in x's dtype, r fp32 [..., 1]) with r = 1 / sqrt(mean(x ** 2) + eps), as transformers computes them."""
    x32 = x.to(torch.float32)
    inverse_rms = torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + eps)
    return (x32 * inverse_rms).to(x.dtype), inverse_rms


class _RMSNorm(torch.autograd.Function):
    """y = weight * normalized(x) for x [..., H] and weight [H]: gradients for x and (when it trains) weight."""

    @staticmethod
    def forward(ctx, x, weight, eps: float):
        normed, inverse_rms = _normalized(x, eps)
        ctx.save_for_backward(x, weight, inverse_rms)
        return weight * normed

    @staticmethod
    def backward(ctx, grad_out):
        x, weight, inverse_rms = ctx.saved_tensors
        # transformers' graph rounds dy * weight to the product's dtype before the fp32 upcast's backward: so do we.
        grad_normed = (grad_out * weight).to(x.dtype).to(torch.float32)
        x_hat = torch.mul(x, inverse_rms)  # fp32 (promoted) and a new tensor: x itself (saved, shared) stays as it is
        grad_weight = None
        if ctx.needs_input_grad[1]:
            # d y / d weight = normalized(x) as rounded to x's dtype in the forward; summed over every token.
            normed = x_hat.to(x.dtype).to(torch.float32)
            grad_weight = (grad_out.to(torch.float32) * normed).reshape(-1, x.shape[-1]).sum(0).to(weight.dtype)
        grad_x = None
        if ctx.needs_input_grad[0]:
            projection = (grad_normed * x_hat).mean(-1, keepdim=True)
            grad_x = grad_normed.sub_(x_hat.mul_(projection)).mul_(inverse_rms).to(x.dtype)
        return grad_x, grad_weight, None


def rms_norm(x: torch.Tensor, weight: torch.Tensor, eps: float) -> torch.Tensor:
    """transformers' Llama RMSNorm of x [..., H] with weight [H]: [..., H] in the promoted dtype of weight and x
    (the same values as `LlamaRMSNorm.forward`), with a one-node backward when gradients are on."""
    if torch.is_grad_enabled() and (x.requires_grad or weight.requires_grad):
        return _RMSNorm.apply(x, weight, float(eps))
    return weight * _normalized(x, eps)[0]


def _forward(module, x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
    if x.device.type != "cpu" or args or kwargs:  # a norm called with more than x (a residual): the probe never saw it
        return type(module).forward(module, x, *args, **kwargs)
    return rms_norm(x, module.weight, module.variance_epsilon)


def switched(module) -> bool:
    """Whether `use_for` gave this module the one-node norm."""
    return getattr(vars(module).get("forward"), "__func__", None) is _forward


def _same_as_own(module) -> bool:
    """Whether `rms_norm` gives exactly the module's own output (a copy with random weights, bf16 and fp32 inputs)."""
    weight = getattr(module, "weight", None)
    eps = getattr(module, "variance_epsilon", None)
    if not isinstance(weight, torch.Tensor) or weight.dim() != 1 or not isinstance(eps, float):
        return False
    probe = copy.deepcopy(module)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        probe.weight.copy_(torch.randn(weight.shape, generator=generator) * 0.5 + 1.0)
        for dtype in (torch.bfloat16, torch.float32):
            x = (torch.randn(3, weight.shape[0], generator=generator) * 3).to(dtype)
            try:
                own = probe(x)
            except Exception:  # a module that cannot run such an input is not ours to replace
                return False
            ours = rms_norm(x, probe.weight, eps)
            if own.dtype != ours.dtype or not torch.equal(own, ours):
                return False
    return True


def use_for(model) -> int:
    """Give each RMSNorm module of a CPU `model` about to train the one-node norm, where the probe shows it computes
    the module's own output. A module whose forward something else replaced (a hook's wrapper, or this) is left
    alone. Returns how many modules switched (0 for a model with no such norm)."""
    count = 0
    checked: dict[type, bool] = {}
    for module in model.modules():
        if not type(module).__name__.endswith("RMSNorm") or "forward" in vars(module):
            continue
        if type(module) not in checked:
            checked[type(module)] = _same_as_own(module)
        if checked[type(module)]:
            module.forward = _forward.__get__(module)
            count += 1
    return count


def restore(model) -> None:
    """Every switched norm back to its class's forward (undo `use_for`)."""
    for module in model.modules():
        if switched(module):
            del module.forward


__all__ = ["restore", "rms_norm", "switched", "use_for"]
