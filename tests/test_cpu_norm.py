"""The one-node RMSNorm (ftlib.cpu_norm) computes transformers' Llama-family RMSNorm: the same forward bit for bit,
gradients as close to float64 as transformers' own autograd gets; norms that compute something else keep their own
forward; a CPU training run switches the model's norms and FTLIB_FAST_PATH=0 does not."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from transformers.models.llama.modeling_llama import LlamaRMSNorm
from transformers.models.qwen3.modeling_qwen3 import Qwen3RMSNorm

from ftlib import cpu_norm


def _norm(cls=LlamaRMSNorm, hidden: int = 48, dtype=torch.bfloat16, trained_weight: bool = False):
    norm = cls(hidden, eps=1e-6)
    with torch.no_grad():
        norm.weight.copy_(torch.randn(hidden, generator=torch.Generator().manual_seed(1)) * 0.3 + 1.0)
    norm = norm.to(dtype)
    norm.weight.requires_grad_(trained_weight)
    return norm


def _grads(norm, forward, x, upstream):
    leaves = [x] + ([norm.weight] if norm.weight.requires_grad else [])
    out = forward(x)
    return (out, *torch.autograd.grad(out, leaves, upstream))


class OLMoStyleRMSNorm(nn.Module):
    """Multiplies by the weight in fp32 before rounding (as OLMo 2's norm does): a different bf16 output."""

    def __init__(self, hidden, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden))
        self.variance_epsilon = eps

    def forward(self, x):
        x32 = x.to(torch.float32)
        x32 = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.variance_epsilon)
        return (self.weight * x32).to(x.dtype)


class GemmaStyleRMSNorm(OLMoStyleRMSNorm):
    """Scales by 1 + weight (Gemma's norm)."""

    def forward(self, x):
        x32 = x.to(torch.float32)
        x32 = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.variance_epsilon)
        return (x32 * (1.0 + self.weight.float())).type_as(x)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float32])
@pytest.mark.parametrize("trained_weight", [False, True])
@pytest.mark.parametrize("shape", [(3, 7, 48), (2, 5, 4, 48)])  # a decoder norm; Qwen3's per-head q/k norm
def test_it_computes_transformers_rms_norm(dtype, trained_weight, shape):
    norm = _norm(dtype=dtype, trained_weight=trained_weight)
    gen = torch.Generator().manual_seed(0)
    exact_input = torch.randn(shape, generator=gen, dtype=torch.float64) * 2
    x = exact_input.to(dtype).requires_grad_()
    upstream = torch.randn(shape, generator=gen).to(dtype)
    theirs = _grads(norm, norm, x, upstream)
    ours = _grads(norm, lambda t: cpu_norm.rms_norm(t, norm.weight, norm.variance_epsilon), x, upstream)
    exact_norm = _norm(dtype=torch.float64, trained_weight=trained_weight)
    exact = _grads(exact_norm, exact_norm, x.detach().double().requires_grad_(), upstream.double())
    assert torch.equal(ours[0], theirs[0])  # the forward: bit for bit
    assert torch.equal(x, exact_input.to(dtype))  # the backward left its saved input alone (fp32: no copy made)
    names = ("dx", "dweight")[: len(ours) - 1]
    for name, mine, reference, truth in zip(names, ours[1:], theirs[1:], exact[1:], strict=True):
        assert mine.dtype == reference.dtype, name
        mine_error = (mine.double() - truth).abs().max().item()
        their_error = (reference.double() - truth).abs().max().item()
        # the same math in another order: within transformers' own error (+ one rounding of the result's dtype)
        assert mine_error <= 1.5 * their_error + truth.abs().max().item() * torch.finfo(dtype).eps, name


def test_without_gradients_it_is_the_plain_forward():
    norm = _norm()
    x = torch.randn(4, 48).bfloat16()
    with torch.no_grad():
        assert torch.equal(cpu_norm.rms_norm(x, norm.weight, norm.variance_epsilon), norm(x))


def test_only_norms_that_compute_the_same_switch_and_restore_puts_them_back():
    model = nn.ModuleDict(
        {
            "llama": _norm(LlamaRMSNorm),
            "qwen3": _norm(Qwen3RMSNorm),
            "olmo_style": _norm(OLMoStyleRMSNorm),
            "gemma_style": _norm(GemmaStyleRMSNorm),
            "layer_norm": nn.LayerNorm(48),
        }
    )
    hooked = model["hooked"] = _norm(LlamaRMSNorm)
    wrapper = hooked.forward = lambda x: LlamaRMSNorm.forward(hooked, x)  # a hook's wrapper (accelerate's kind)
    assert cpu_norm.use_for(model) == 2
    switched = {name for name, module in model.items() if cpu_norm.switched(module)}
    assert switched == {"llama", "qwen3"}  # not the hooked one: its wrapper stays
    x = torch.randn(2, 48).bfloat16().requires_grad_()
    calls = []
    original = cpu_norm._RMSNorm.apply
    cpu_norm._RMSNorm.apply = lambda *a: calls.append(1) or original(*a)
    try:
        model["llama"](x).sum().backward()
    finally:
        cpu_norm._RMSNorm.apply = original
    assert calls == [1]
    assert cpu_norm.use_for(model) == 0  # already switched
    cpu_norm.restore(model)
    assert not any(cpu_norm.switched(module) for module in model.values())
    assert "forward" not in vars(model["llama"]) and hooked.forward is wrapper


class ResidualRMSNorm(LlamaRMSNorm):
    """Adds a residual first when given one: the probe (x alone) sees Llama's norm."""

    def forward(self, x, residual=None):
        return super().forward(x if residual is None else x + residual)


def test_a_norm_called_with_more_than_its_input_runs_its_own_forward():
    norm = _norm(ResidualRMSNorm)
    x, residual = torch.randn(2, 48).bfloat16(), torch.randn(2, 48).bfloat16()
    expected = norm(x, residual=residual)
    assert cpu_norm.use_for(norm) == 1
    assert torch.equal(norm(x, residual=residual), expected)
    assert torch.equal(norm(x), LlamaRMSNorm.forward(norm, x))


def test_switching_between_train_and_eval_keeps_a_loaded_models_norms_switched(tiny_model_dir):
    # transformers 5.25 loads models with Hub kernels on by default when `kernels` is installed; `train()` and
    # `eval()` then re-kernelize, putting each norm's class forward back. load_model turns them off.
    from ftlib.models import load_model

    model = load_model(str(tiny_model_dir), device="cpu")
    assert cpu_norm.use_for(model) > 0
    model.train()
    model.eval()
    model.train()
    norms = [m for m in model.modules() if type(m).__name__ == "LlamaRMSNorm"]
    assert norms and all(cpu_norm.switched(m) for m in norms)


def test_a_model_trl_loads_itself_has_hub_kernels_off_too(tiny_model_dir):
    # A full GRPO run's reference model is TRL's own load (`create_model_from_path`), not load_model's: ftlib's
    # import turns Hub kernels off for the process (USE_HUB_KERNELS), so its norms keep their switch as well.
    from trl.trainer.utils import create_model_from_path

    reference = create_model_from_path(str(tiny_model_dir))
    assert not getattr(reference, "use_kernels", False)
    assert cpu_norm.use_for(reference) > 0
    reference.train()
    assert all(cpu_norm.switched(m) for m in reference.modules() if type(m).__name__ == "LlamaRMSNorm")


def test_a_cpu_training_run_switches_the_norms_and_the_plain_path_does_not(varied_model, tmp_path, monkeypatch):
    from ftlib.training import build_trainer
    from tests.test_training import SFT_ROWS, tiny_config

    config = tiny_config(varied_model(6), batch_size=4, max_steps=1, lora_dropout=0.0)
    trainer = build_trainer(config, tmp_path / "fast", rows=(SFT_ROWS, [])).trainer
    norms = [m for m in trainer.model.modules() if type(m).__name__ == "LlamaRMSNorm"]
    assert norms and all(cpu_norm.switched(m) for m in norms)  # 2 per layer and the final one
    calls = []
    original = cpu_norm._RMSNorm.apply
    monkeypatch.setattr(cpu_norm._RMSNorm, "apply", lambda *a: calls.append(1) or original(*a))
    trainer.train()
    # every norm but the first layer's, whose input (the frozen embeddings) needs no gradient: its plain forward
    assert len(calls) >= len(norms) - 1
    monkeypatch.setenv("FTLIB_FAST_PATH", "0")
    plain = build_trainer(config, tmp_path / "plain", rows=(SFT_ROWS, [])).trainer
    assert not any(cpu_norm.switched(m) for m in plain.model.modules())
