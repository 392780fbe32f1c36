"""The training fast path's forward on a bf16 model (padding-free rows, ftlib.cpu_attention, ftlib.cpu_norm and the
LM head of ftlib.headloss) is as exact as transformers' own forward of the same bf16 model: each per-token
log-probability is compared with the fp32 model's, and the fast path's errors may not exceed transformers'."""

from __future__ import annotations

import random

import torch

from ftlib import fastpath, headloss
from ftlib.testing import make_tiny_model


def _spread_model(model_dir, seed: int):
    """The fp32 tiny model with wide weights, queries and keys wider still: attention scores up to ~50, as sharp as
    a trained model's (SmolLM2-135M's reach 12 in its first layer); small ones hide rounding errors in the scores."""
    from ftlib.models import load_model

    model = load_model(str(model_dir), device="cpu", dtype="float32")
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if param.dim() == 2:
                param.normal_(0, 1.0 if name.endswith(("q_proj.weight", "k_proj.weight")) else 0.3, generator=gen)
    return model.eval()


def _own_log_probs(model, rows) -> torch.Tensor:
    """transformers' forward, one row at a time: the log-probability of each next token [sum of lengths - rows]."""
    out = []
    with torch.no_grad():
        for row in rows:
            logits = model(row[None]).logits[0, :-1].float()
            out.append(torch.log_softmax(logits, -1).gather(1, row[1:, None])[:, 0])
    return torch.cat(out)


def _fast_log_probs(model, rows) -> torch.Tensor:
    """The fast path's: the rows laid end to end (TRL's padding-free batch), gradients on as in training."""
    lengths = [len(row) for row in rows]
    ids = torch.cat(rows)[None]
    positions = torch.cat([torch.arange(n) for n in lengths])[None]
    bounds = torch.tensor([0, *torch.tensor(lengths).cumsum(0).tolist()], dtype=torch.int32)
    with torch.enable_grad():
        hidden = model.model(
            input_ids=ids,
            position_ids=positions,
            cu_seq_lens_q=bounds,
            cu_seq_lens_k=bounds,
            max_length_q=max(lengths),
            max_length_k=max(lengths),
            use_cache=False,
        ).last_hidden_state[0]
    scored = torch.ones(len(ids[0]), dtype=torch.bool)
    scored[bounds[1:] - 1] = False  # a row's last token predicts nothing
    targets = ids[0].roll(-1)[scored]
    return headloss.trained_log_probs(hidden[scored], model.lm_head.weight, None, targets)[0].detach()


def test_the_fast_paths_bf16_forward_is_as_exact_as_transformers_bf16(tmp_path):
    """Pooled over four one-layer models, 8 rows each (~400 tokens). With the attention's scores rounded to bf16
    before the softmax (ftlib.cpu_attention before walk 9) the fast path's error was 1.17x transformers' (0.134 vs
    0.115 nats rms); with fp32 scores it is 1.00x."""
    model_dir = make_tiny_model(tmp_path / "tiny", layers=1)
    fast_errors, own_errors = [], []
    for seed in range(4):
        draw = random.Random(seed)
        lengths = [draw.randint(30, 70) for _ in range(8)]
        gen = torch.Generator().manual_seed(seed)
        rows = [torch.randint(100, 5000, (n,), generator=gen) for n in lengths]
        model = _spread_model(model_dir, seed)
        exact = _own_log_probs(model, rows)
        model.to(torch.bfloat16)
        own_errors.append(_own_log_probs(model, rows) - exact)
        assert fastpath.fast_attention(model) and fastpath.fast_norms(model)
        fast_errors.append(_fast_log_probs(model, rows) - exact)
        assert fast_errors[-1].abs().max() > 0  # bf16 rounds: the comparison measures something
    fast, own = (torch.cat(errors).pow(2).mean().sqrt() for errors in (fast_errors, own_errors))
    assert fast <= 1.04 * own, f"fast path {fast:.4f} vs transformers {own:.4f} nats (rms, against fp32)"
