"""The training fast path computes what the plain path computes: fused LoRA layer vs PEFT (outputs and gradients,
with and without dropout), its dropout masks, micro-batch sizes, and whole training steps with it on vs off."""

from __future__ import annotations

import json

import pytest
import torch

from ftlib import cpu_attention, dropout_masks, fastpath, precision
from tests.test_training import SFT_ROWS, tiny_config


def _lora_model(model_dir, dropout: float, seed: int = 0):
    """A PEFT LoRA model on `model_dir` whose B matrices are random, so every gradient path is non-zero."""
    from peft import LoraConfig, get_peft_model

    from ftlib.models import load_model

    model = load_model(str(model_dir), device="cpu")
    torch.manual_seed(seed)  # PEFT draws A from torch's generator: the same model whatever tests ran before this one
    model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, lora_dropout=dropout, target_modules="all-linear"))
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.normal_(0, 0.2, generator=gen)
    return model.train()


def _loss_and_grads(model, ids):
    model.zero_grad()
    embeds = model.get_input_embeddings()(ids).detach().requires_grad_(True)
    logits = model(inputs_embeds=embeds).logits
    loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))
    loss.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}
    return loss.detach(), grads, embeds.grad.clone()


def _ids(seed: int = 1) -> torch.Tensor:
    return torch.randint(100, 5000, (3, 17), generator=torch.Generator().manual_seed(seed))


def _assert_same(plain, fused):
    loss_p, grads_p, dx_p = plain
    loss_f, grads_f, dx_f = fused
    torch.testing.assert_close(loss_f, loss_p, rtol=1e-5, atol=1e-6)
    assert grads_f.keys() == grads_p.keys() and len(grads_p) > 0
    for name in grads_p:
        assert grads_p[name].abs().sum() > 0, name
        torch.testing.assert_close(grads_f[name], grads_p[name], rtol=1e-4, atol=2e-5)  # float sums in another order
    torch.testing.assert_close(dx_f, dx_p, rtol=1e-4, atol=2e-5)


def test_fused_lora_matches_peft_without_dropout(varied_model):
    model = _lora_model(varied_model(5), dropout=0.0)
    ids = _ids()
    plain = _loss_and_grads(model, ids)
    assert fastpath.fuse_lora(model, "cpu") == 2 * 7  # every linear of both blocks; not the LM head
    fused = _loss_and_grads(model, ids)
    _assert_same(plain, fused)
    fastpath.unfuse_lora(model)
    _assert_same(plain, _loss_and_grads(model, ids))


class _FixedDropout(torch.nn.Module):
    """Stands in for PEFT's dropout with a known mask, so both paths drop the same elements."""

    def __init__(self, masks: list):
        super().__init__()
        self.masks = masks

    def forward(self, x):
        keep, scale = self.masks.pop(0)
        return x * keep.view(x.shape) * scale


@pytest.mark.parametrize("form", ["keep mask", "dropped indices"])  # drop_mask's two forms
def test_fused_lora_matches_peft_with_the_same_dropout_mask(varied_model, monkeypatch, form):
    model = _lora_model(varied_model(5), dropout=0.3)
    ids = _ids()
    layers = [m for m in model.modules() if hasattr(m, "lora_dropout") and "default" in m.lora_dropout]
    gen = torch.Generator().manual_seed(7)
    masks = {}
    for layer in layers:  # one mask per layer, for a [tokens, in_features] input
        keep = torch.rand((ids.numel(), layer.in_features), generator=gen) >= 0.3
        masks[id(layer)] = (keep, 1 / 0.7)
    originals = {id(layer): layer.lora_dropout["default"] for layer in layers}
    for layer in layers:
        layer.lora_dropout["default"] = _FixedDropout([masks[id(layer)]])
    plain = _loss_and_grads(model, ids)
    for layer in layers:
        layer.lora_dropout["default"] = originals[id(layer)]

    def given(keep, scale):
        return (keep, scale) if form == "keep mask" else ((~keep).flatten().nonzero().squeeze(1), scale)

    order = iter(layers)  # the fused path draws one mask per layer, in forward order
    monkeypatch.setattr(fastpath, "drop_mask", lambda shape, p, device: given(*masks[id(next(order))]))
    fastpath.fuse_lora(model, "cpu")
    fused = _loss_and_grads(model, ids)
    _assert_same(plain, fused)


def _kept(mask: torch.Tensor, shape) -> torch.Tensor:
    """drop_mask's result as a bool keep mask of `shape`."""
    if mask.dtype == torch.bool:
        return mask
    keep = torch.ones(shape, dtype=torch.bool)
    keep.view(-1)[mask] = False
    return keep


@pytest.mark.parametrize(("p", "form"), [(0.05, torch.int64), (0.125, torch.int64), (0.3, torch.bool)])
def test_dropout_masks_drop_independently_at_the_requested_rate_and_keep_the_mean(p, form):
    shape = torch.Size([1000, 1000])
    torch.manual_seed(0)
    mask, scale = dropout_masks.drop_mask(shape, p, torch.device("cpu"))
    assert mask.dtype == form
    keep = _kept(mask, shape)
    rate = 1 - keep.float().mean().item()
    assert abs(rate - p) < 0.003  # 1e6 draws: the standard error is at most 0.0005
    assert abs((1 - rate) * scale - 1) < 0.004  # the scale undoes the drop on average
    # Independent elements: per-row drop counts spread as a binomial's (variance n p (1 - p)), and an element
    # right after a dropped one drops at the same rate as any other.
    counts = (~keep).sum(dim=1).float()
    assert 0.85 < counts.var().item() / (1000 * p * (1 - p)) < 1.15
    flat = (~keep).flatten()
    after_drop = flat[1:][flat[:-1]].float().mean().item()
    assert abs(after_drop - p) < 5 * (p * (1 - p) / flat[:-1].sum().item()) ** 0.5
    assert bool(flat[-1000:].any())  # the draw reaches the end of the input
    again, _ = dropout_masks.drop_mask(shape, p, torch.device("cpu"))
    assert not torch.equal(_kept(again, shape), keep)
    torch.manual_seed(0)
    replay, _ = dropout_masks.drop_mask(shape, p, torch.device("cpu"))
    assert torch.equal(replay, mask)  # seeded runs repeat


@pytest.mark.parametrize("p", [0.05, 0.3])
def test_an_empty_input_gets_an_empty_mask_and_passes_through_the_fused_layer(p):
    """A micro-batch of no tokens: the list of dropped elements is empty (the sparse draw once failed on it)."""
    empty = torch.zeros(0, 8, dtype=torch.bfloat16, requires_grad=True)
    mask, _ = dropout_masks.drop_mask(empty.shape, p, torch.device("cpu"))
    assert mask.numel() == 0
    assert dropout_masks.masked(empty, mask).shape == (0, 8)
    weight, lora_a, lora_b = torch.randn(4, 8).bfloat16(), torch.randn(2, 8), torch.randn(4, 2)
    out = fastpath._LoraLinear.apply(empty, weight, None, lora_a.requires_grad_(), lora_b.requires_grad_(), 2.0, p)
    out.sum().backward()
    assert out.shape == (0, 4) and lora_a.grad.abs().sum() == 0 and empty.grad.shape == (0, 8)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("form", ["none", "dropped indices", "keep mask"])
@pytest.mark.parametrize("bias", [False, True])
def test_fused_layer_adds_its_adapter_terms_inside_the_base_products_exactly(dtype, form, bias):
    """The layer alone against its function spelled out op by op in fp64 (x W^T + b + s (dropout(x) A^T) B^T):
    output and the gradients of x, A and B, with the adapter's terms accumulated into the base product and into
    the input gradient's `grad @ W` (bench/bench_lora_layer.py), for both mask forms, with a bias and without."""
    gen = torch.Generator().manual_seed(3)
    tokens, fin, fout, rank, scaling, p = 37, 24, 40, 4, 2.0, 0.3

    def rand(*shape, scale=1.0):
        return torch.randn(*shape, generator=gen) * scale

    x = rand(tokens, fin).to(dtype)
    weight, lora_a, lora_b = rand(fout, fin, scale=0.2).to(dtype), rand(rank, fin, scale=0.2), rand(fout, rank)
    base_bias = rand(fout).to(dtype) if bias else None
    grad_out = rand(tokens, fout).to(dtype)
    keep = torch.rand((tokens, fin), generator=gen) >= p
    mask = {"none": None, "keep mask": (keep, 1 / (1 - p))}.get(
        form, ((~keep).flatten().nonzero().squeeze(1), 1 / (1 - p))
    )

    def run(function):
        leaves = [t.detach().clone().requires_grad_() for t in (x, lora_a, lora_b)]
        out = function(*leaves)
        out.backward(grad_out.to(out.dtype))
        return [out.detach().double()] + [t.grad.double() for t in leaves]

    def reference(x, lora_a, lora_b):
        x64 = x.double()
        dropped = x64 if mask is None else x64 * keep / (1 - p)
        out = x64 @ weight.double().t() + scaling * (dropped @ lora_a.double().t()) @ lora_b.double().t()
        return out + base_bias.double() if bias else out

    def fused(x, lora_a, lora_b):
        return fastpath._LoraLinear.apply(
            x, weight, base_bias, lora_a, lora_b, scaling, 0.0 if mask is None else p, (lambda *_: mask)
        )

    ours, exact = run(fused), run(reference)
    assert ours[0].shape == (tokens, fout) and ours[1].shape == (tokens, fin)
    tolerance = 1e-5 if dtype == torch.float32 else 2e-2  # bf16: a few roundings of 2^-8 relative each
    for name, got, want in zip(["output", "x grad", "A grad", "B grad"], ours, exact, strict=True):
        assert want.abs().sum() > 0, name
        assert _relative_error(got, want) < tolerance, (name, _relative_error(got, want))


def test_dropped_indices_cover_inputs_whose_drops_outrun_one_round_of_draws(monkeypatch):
    """The gaps are drawn in rounds sized to cover the input ROUND_SIGMAS standard deviations above the expected
    count; a round that falls short (forced here: 20 below) continues from where it ended."""
    monkeypatch.setattr(dropout_masks, "ROUND_SIGMAS", -20.0)  # ~70 gaps a round for ~500 drops
    torch.manual_seed(1)
    dropped, _ = dropout_masks.drop_mask(torch.Size([100, 100]), 0.05, torch.device("cpu"))
    assert torch.all(dropped[1:] > dropped[:-1]) and int(dropped[-1]) < 10_000
    assert int(dropped[-1]) > 9_000  # the last rounds reached the end of the input
    assert 400 < len(dropped) < 600  # 10,000 elements at 0.05: ~500 dropped (sd 22), not one round's ~70


def test_masks_drawn_together_drop_each_input_independently_and_replay(monkeypatch):
    """drop_masks: two groups of inputs, each drawn input after input from its own stream. Each input drops at rate
    p, an input's first elements as often as any (nothing carries over from the input before), the worker thread
    changes nothing, and a seeded draw repeats."""
    sizes = [37] * 3000 + [1000] * 400  # 511,000 elements: ~25,550 drops at 0.05 (> THREADED_DROPS)
    threads = []
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)  # the suite may run on one thread
    real_worker = dropout_masks._worker
    monkeypatch.setattr(dropout_masks, "_worker", lambda: threads.append(1) or real_worker())
    torch.manual_seed(3)
    masks = dropout_masks.drop_masks(sizes, 0.05)
    assert threads == [1]  # the second group was drawn on the worker thread
    assert [m.dtype for m in masks] == [torch.int64] * len(sizes)
    for mask, size in zip(masks, sizes, strict=True):
        assert mask.numel() == 0 or (int(mask.min()) >= 0 and int(mask.max()) < size)
        assert torch.all(mask[1:] > mask[:-1])
    dropped = sum(m.numel() for m in masks)
    assert abs(dropped / sum(sizes) - 0.05) < 0.003  # sd 0.0003
    first = sum(int(m.numel() > 0 and int(m[0]) == 0) for m in masks) / len(masks)
    assert abs(first - 0.05) < 5 * (0.05 * 0.95 / len(masks)) ** 0.5  # an input's element 0: the same rate
    # The big inputs fall in the second (threaded) group; their counts spread as binomials.
    counts = torch.tensor([float(m.numel()) for m in masks[3000:]])
    assert abs(counts.mean().item() - 50) < 2.5 and 0.6 < counts.var().item() / (1000 * 0.05 * 0.95) < 1.5
    monkeypatch.setattr(dropout_masks, "THREADED_DROPS", 10**12)  # both groups on this thread
    torch.manual_seed(3)
    again = dropout_masks.drop_masks(sizes, 0.05)
    assert threads == [1]
    assert all(torch.equal(a, b) for a, b in zip(masks, again, strict=True))
    assert not torch.equal(torch.cat(dropout_masks.drop_masks(sizes, 0.05)), torch.cat(masks))
    with pytest.raises(ValueError, match="p must be in"):
        dropout_masks.drop_masks(sizes, 0.3)  # bool masks are drawn one input at a time


def test_mask_pool_draws_once_per_forward_at_its_first_layer(monkeypatch):
    pool, cpu = dropout_masks.MaskPool(), torch.device("cpu")
    draws = []
    real = dropout_masks.drop_masks
    monkeypatch.setattr(dropout_masks, "drop_masks", lambda sizes, p: draws.append((list(sizes), p)) or real(sizes, p))
    first = {key: pool.mask(key, torch.Size([6, features]), 0.1, cpu)[0] for key, features in ((1, 8), (2, 20))}
    assert draws == [([48], 0.1)]  # the first forward meets the layers: the first drew for itself, the second alone
    assert first[1].numel() <= 48 and first[2].numel() <= 120
    mask_1, scale = pool.mask(1, torch.Size([6, 8]), 0.1, cpu)
    assert draws[-1] == ([48, 120], 0.1) and scale == pytest.approx(1 / 0.9)  # a forward begins: both drawn
    mask_2, _ = pool.mask(2, torch.Size([6, 20]), 0.1, cpu)
    assert len(draws) == 2  # layer 2 took its mask
    pool.mask(2, torch.Size([6, 20]), 0.1, cpu)
    pool.mask(2, torch.Size([5, 20]), 0.1, cpu)
    assert len(draws) == 2  # a second call, another token count: their own draws, never the whole pool's
    pool.mask(1, torch.Size([4, 8]), 0.1, cpu)
    assert draws[-1] == ([32, 80], 0.1)  # the next forward's token count
    pool.mask(3, torch.Size([4, 8]), 0.05, cpu)  # a layer with its own p, met
    pool.mask(1, torch.Size([500, 8]), 0.1, cpu)
    assert draws[-2:] == [([4000, 10000], 0.1), ([4000], 0.05)]  # one draw per p
    big = pool.mask(2, torch.Size([500, 20]), 0.1, cpu)[0]
    assert abs(big.numel() / 10_000 - 0.1) < 0.015 and int(big.max()) < 10_000  # sd of the rate 0.003
    # Bool masks (p above SPARSE_DROPOUT) are drawn per layer, as drop_mask draws them.
    keep, _ = pool.mask(1, torch.Size([6, 8]), 0.3, cpu)
    assert keep.dtype == torch.bool and keep.shape == (6, 8) and len(draws) == 5


def test_layers_sharing_mask_draws_compute_what_peft_computes_with_the_masks_they_drew(varied_model, monkeypatch):
    model = _lora_model(varied_model(5), dropout=0.1)
    ids = _ids()
    layers = [m for m in model.modules() if hasattr(m, "lora_dropout") and "default" in m.lora_dropout]
    fastpath.fuse_lora(model, "cpu")
    assert fastpath.share_mask_draws(model) == len(layers) == 14
    pool = layers[0]._ftlib_mask_pool
    handed = {}
    real_mask = pool.mask

    def recording(key, shape, p, device):
        mask, scale = real_mask(key, shape, p, device)
        handed[key] = (mask, scale, shape)
        return mask, scale

    pool.mask = recording
    _loss_and_grads(model, ids)  # the first forward meets the layers
    draws = []
    real = dropout_masks.drop_masks
    monkeypatch.setattr(dropout_masks, "drop_masks", lambda sizes, p: draws.append(sizes) or real(sizes, p))
    fused = _loss_and_grads(model, ids)
    assert len(draws) == 1 and len(draws[0]) == 14  # one draw for every layer of the forward
    fastpath.unfuse_lora(model)
    for layer in layers:
        mask, scale, shape = handed[id(layer)]
        layer.lora_dropout["default"] = _FixedDropout([(_kept(mask, shape), scale)])
    _assert_same(_loss_and_grads(model, ids), fused)


def test_layers_sharing_mask_draws_refuse_a_checkpoints_recomputed_forward(varied_model):
    """A recomputed forward gets no other layer's or a fresh mask silently: the pool raises."""
    model = _lora_model(varied_model(5), dropout=0.1)
    fastpath.fuse_lora(model, "cpu")
    fastpath.share_mask_draws(model)
    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model.enable_input_require_grads()
    with pytest.raises(RuntimeError, match="gradient checkpointing is recomputing a forward"):
        _loss_and_grads(model, _ids())


@pytest.mark.parametrize("checkpointing", [False, True])
def test_runs_share_mask_draws_unless_they_recompute_forwards(varied_model, tmp_path, checkpointing):
    """Gradient checkpointing recomputes each forward in the backward pass, where the masks must be the first
    forward's: drop_mask redraws them from torch's restored generator; a pool's are gone."""
    from ftlib.training import build_trainer

    config = tiny_config(varied_model(6), max_steps=1, gradient_checkpointing=checkpointing)
    trainer = build_trainer(config, tmp_path, rows=(SFT_ROWS, [])).trainer
    fused = [m for m in trainer.model.modules() if hasattr(m, "_ftlib_peft_forward")]
    pools = [getattr(m, "_ftlib_mask_pool", None) for m in fused]
    assert len(pools) == 14
    if checkpointing:
        assert pools == [None] * 14
    else:
        assert isinstance(pools[0], dropout_masks.MaskPool) and all(pool is pools[0] for pool in pools)


def test_fused_layer_steps_aside_where_it_would_differ(varied_model):
    model = _lora_model(varied_model(5), dropout=0.0)
    ids = _ids()
    fastpath.fuse_lora(model, "cpu")
    model.eval()
    with torch.no_grad():
        tuned = model(input_ids=ids).logits
        with model.disable_adapter():
            base = model(input_ids=ids).logits
        fastpath.unfuse_lora(model)
        with model.disable_adapter():
            base_plain = model(input_ids=ids).logits
        tuned_plain = model(input_ids=ids).logits
    torch.testing.assert_close(base, base_plain)
    torch.testing.assert_close(tuned, tuned_plain, rtol=1e-5, atol=1e-5)
    assert not torch.allclose(tuned, base)
    # Under autocast the PEFT path runs (the fused function does not choose per-op dtypes).
    fastpath.fuse_lora(model, "cpu")
    calls = []
    layer = next(m for m in model.modules() if hasattr(m, "_ftlib_peft_forward"))
    original = layer._ftlib_peft_forward
    layer._ftlib_peft_forward = lambda *a, **k: calls.append(1) or original(*a, **k)
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        model(input_ids=ids[:, :4])
    assert calls


def test_fast_path_off_leaves_peft_alone(varied_model, monkeypatch):
    monkeypatch.setenv("FTLIB_FAST_PATH", "0")
    model = _lora_model(varied_model(5), dropout=0.0)
    assert fastpath.fuse_lora(model, "cpu") == 0
    assert fastpath.micro_batch_size(8, 400, "cpu") == 8


@pytest.mark.parametrize(
    "batch, longest, device, budget, expected",
    [
        (8, 100, "cpu", 512, 4),  # 4 x 100 fits, 8 x 100 does not
        (8, 145, "cpu", 512, 2),  # 3 would fit but does not divide 8
        (8, 60, "cpu", 512, 8),  # the whole batch fits
        (6, 200, "cpu", 512, 2),
        (8, 900, "cpu", 512, 1),  # one row over the budget still trains, alone
        (8, 145, "cuda", 512, 8),  # GPUs take the whole batch
        (1, 145, "cpu", 512, 1),
    ],
)
def test_micro_batch_size(batch, longest, device, budget, expected):
    assert fastpath.micro_batch_size(batch, longest, device, budget=budget) == expected


def _train(config, tmp_path, name):
    from ftlib.training import build_trainer

    prepared = build_trainer(config, tmp_path / name, rows=(SFT_ROWS, []))
    trainer = prepared.trainer
    trainer.train()
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    weights = {n: p.detach().clone() for n, p in trainer.model.named_parameters() if p.requires_grad}
    return trainer, losses, weights


@pytest.mark.parametrize("method", ["lora", "full"])
def test_training_steps_match_with_the_fast_path_on_and_off(varied_model, tmp_path, monkeypatch, method):
    """Micro-batches, fused layers and the trained-token LM head give the same losses and the same trained weights
    as one plain batch (full fine-tuning: the head, tied to the embeddings, trains through ftlib.headloss). Four rows
    a step make four micro-batches of unequal token counts to accumulate, all this needs: the plain path's head scores
    every position against the whole vocabulary (TRL's chunked log-probabilities, most of this test's time), so a
    batch of 8 only doubled that."""
    config = tiny_config(
        varied_model(6),
        method=method,
        batch_size=4,
        max_steps=3,
        lora_dropout=0.0,
        group_by_length=False,
        learning_rate=5e-3 if method == "lora" else 1e-4,
    )
    monkeypatch.setenv("FTLIB_MICRO_TOKENS", "128")  # the tiny rows are ~60-70 tokens: micro-batches of 1
    monkeypatch.setenv("FTLIB_CPU_BF16", "0")  # fp32 on every machine: this compares the two paths exactly
    fast, fast_losses, fast_weights = _train(config, tmp_path, "fast")
    assert hasattr(fast.model.get_base_model() if method == "lora" else fast.model, "_ftlib_trl_forward")
    assert fast.args.per_device_train_batch_size < 4
    assert fast.args.gradient_accumulation_steps * fast.args.per_device_train_batch_size == 4
    monkeypatch.setenv("FTLIB_FAST_PATH", "0")
    plain, plain_losses, plain_weights = _train(config, tmp_path, "plain")
    assert plain.args.per_device_train_batch_size == 4 and plain.args.gradient_accumulation_steps == 1
    assert len(fast_losses) == len(plain_losses) == 3
    assert fast_losses == pytest.approx(plain_losses, rel=1e-4)
    assert plain_losses[0] != plain_losses[-1]  # it trained
    for name, value in plain_weights.items():
        torch.testing.assert_close(fast_weights[name], value, rtol=1e-3, atol=1e-5, msg=name)


# ---------------------------------------------------------------------------------------------------------------
# A bf16 base with fp32 adapters (CPUs with native bf16)
# ---------------------------------------------------------------------------------------------------------------


def _relative_error(value: torch.Tensor, reference: torch.Tensor) -> float:
    return float((value.float() - reference).norm() / reference.norm())


def test_fused_lora_on_a_bf16_base_is_as_exact_as_peft(varied_model):
    """Frozen weights in bf16, adapters in fp32: the fused layer runs (no fallback), keeps fp32 adapter gradients,
    and lands as close to the all-fp32 result as PEFT's own bf16 path does (bf16 rounds at different points in
    the two, so they are compared through the fp32 reference rather than to each other)."""
    model = _lora_model(varied_model(5), dropout=0.0)
    ids = _ids()
    reference = _loss_and_grads(model, ids)
    for param in model.parameters():
        if not param.requires_grad:
            param.data = param.data.to(torch.bfloat16)
    peft_bf16 = _loss_and_grads(model, ids)
    fastpath.fuse_lora(model, "cpu")
    calls = []
    original = fastpath._LoraLinear.apply
    fastpath._LoraLinear.apply = lambda *a: calls.append(1) or original(*a)
    try:
        fused_bf16 = _loss_and_grads(model, ids)
    finally:
        fastpath._LoraLinear.apply = original
    assert len(calls) == 2 * 7  # the fused layer ran, not PEFT's fallback
    assert fused_bf16[2].dtype == torch.bfloat16 and {g.dtype for g in fused_bf16[1].values()} == {torch.float32}

    def errors(result) -> dict[str, float]:
        found = {
            "loss": abs(float(result[0]) / float(reference[0]) - 1),
            "input grad": _relative_error(result[2], reference[2]),
        }
        return found | {name: _relative_error(grad, reference[1][name]) for name, grad in result[1].items()}

    ours, peft = errors(fused_bf16), errors(peft_bf16)
    for name in peft:
        assert ours[name] <= 2 * peft[name] + 2e-3, (name, ours[name], peft[name])
    assert max(ours.values()) < 0.2, ours  # this model's weights are spread wide: bf16 errors grow through it


@pytest.mark.parametrize(
    ("requested", "device", "method", "env", "expected"),
    [
        ("auto", "cpu", "lora", {"FTLIB_CPU_BF16": "1"}, "bfloat16"),
        ("auto", "cpu", "lora", {"FTLIB_CPU_BF16": "0"}, "auto"),
        ("auto", "cpu", "lora", {"FTLIB_CPU_BF16": "1", "FTLIB_FAST_PATH": "0"}, "auto"),
        ("float32", "cpu", "lora", {"FTLIB_CPU_BF16": "1"}, "float32"),  # what the user asked for wins
        ("auto", "cpu", "full", {"FTLIB_CPU_BF16": "1"}, "auto"),  # trained weights need fp32 updates
        ("auto", "cpu", "dpo", {"FTLIB_CPU_BF16": "1"}, "auto"),
        ("auto", "cuda", "lora", {"FTLIB_CPU_BF16": "1"}, "auto"),  # GPUs already pick bf16 themselves
    ],
)
def test_training_dtype(requested, device, method, env, expected, monkeypatch):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert precision.training_dtype(requested, device, method) == expected


def test_native_cpu_bf16_reads_the_cpu_flags(tmp_path):
    for i, (flags, expected) in enumerate(
        [("fpu avx512f avx512_bf16 sse", True), ("fpu amx_bf16", True), ("fpu avx512f avx512bw", False)]
    ):
        info = tmp_path / f"cpuinfo{i}"
        info.write_text(f"processor\t: 0\nflags\t\t: {flags}\n", encoding="ascii")
        assert fastpath.native_cpu_bf16(str(info)) is expected
    assert fastpath.native_cpu_bf16(str(tmp_path / "missing")) is False


def test_lora_training_on_a_bf16_base_tracks_fp32(varied_model, tmp_path, monkeypatch):
    """With the bf16 base on, a run loads bf16 frozen weights, keeps fp32 adapters and loses what fp32 loses."""
    config = tiny_config(varied_model(6), batch_size=4, max_steps=4, lora_dropout=0.0, learning_rate=5e-3)
    fp32, fp32_losses, _ = _train(config, tmp_path, "fp32")
    monkeypatch.setenv("FTLIB_CPU_BF16", "1")
    bf16, bf16_losses, bf16_weights = _train(config, tmp_path, "bf16")
    dtypes = {p.dtype for p in bf16.model.parameters() if not p.requires_grad}
    assert dtypes == {torch.bfloat16}
    assert {w.dtype for w in bf16_weights.values()} == {torch.float32}
    assert bf16_losses == pytest.approx(fp32_losses, rel=2e-2)
    assert bf16_losses[-1] < bf16_losses[0]


# ---------------------------------------------------------------------------------------------------------------
# LoRA DPO: bf16 products under an fp32 stream
# ---------------------------------------------------------------------------------------------------------------


def _dpo_run(config, tmp_path, name):
    from ftlib.training import build_trainer
    from tests.test_training import PREF_ROWS

    trainer = build_trainer(config, tmp_path / name, rows=(PREF_ROWS, [])).trainer
    trainer.train()
    logs = [h for h in trainer.state.log_history if "loss" in h]
    return trainer, logs


def test_lora_dpo_with_bf16_products_tracks_fp32(varied_model, tmp_path, monkeypatch):
    """The adapted layers' frozen weights and products in bf16, everything else fp32: DPO's losses and reward margins
    stay within 2% / 5% of the all-fp32 run's (a whole bf16 model lagged by up to 12%, and so did bf16 layer outputs
    that rounded the adapter's small delta away, as autocast's do). bf16 rounding alone moves the fourth step's loss
    0.3-1.8% from fp32's on this test's model and seeds 7-9, with each pair's prompt computed once or twice (the
    products' shapes change the rounding); fp32 gives the same losses either way."""
    config = tiny_config(
        varied_model(6), method="dpo", batch_size=4, max_steps=4, lora_dropout=0.0, learning_rate=5e-4
    )
    monkeypatch.setenv("FTLIB_CPU_BF16", "0")
    fp32, fp32_logs = _dpo_run(config, tmp_path, "fp32")
    monkeypatch.setenv("FTLIB_CPU_BF16", "1")
    grad_modes = []  # the fp32 stream's attention runs ftlib.cpu_attention, for the policy and the reference
    original = cpu_attention._CausalAttention.apply
    monkeypatch.setattr(
        cpu_attention._CausalAttention, "apply", lambda *a: grad_modes.append(torch.is_grad_enabled()) or original(*a)
    )
    mixed, mixed_logs = _dpo_run(config, tmp_path, "mixed")
    assert True in grad_modes and False in grad_modes
    base = mixed.model.get_base_model()
    adapted = [m for m in mixed.model.modules() if getattr(m, "_ftlib_bf16_products", False)]
    assert len(adapted) == 2 * 7
    assert {m.base_layer.weight.dtype for m in adapted} == {torch.bfloat16}
    assert base.get_input_embeddings().weight.dtype == torch.float32  # the stream starts fp32 (and the tied head)
    assert {p.dtype for p in mixed.model.parameters() if p.requires_grad} == {torch.float32}
    assert {p.dtype for p in fp32.model.parameters()} == {torch.float32}
    # Policy and reference compute alike at the start (no margin before the first update), then track fp32.
    assert mixed_logs[0]["rewards/margins"] == 0.0
    assert [h["loss"] for h in mixed_logs] == pytest.approx([h["loss"] for h in fp32_logs], rel=2e-2)
    assert [h["rewards/margins"] for h in mixed_logs] == pytest.approx(
        [h["rewards/margins"] for h in fp32_logs], rel=5e-2, abs=1e-3
    )
    assert mixed_logs[-1]["rewards/margins"] > 0.1


def test_full_fine_tuning_with_bf16_products_tracks_fp32(varied_model, tmp_path, monkeypatch):
    """Full fine-tuning with bf16 products (fp32 weights, optimizer and stream; each linear layer's product in bf16
    from a copy of its weight made again after every update): losses within 2% of the fp32 run's, and every linear
    weight moves as it does in fp32."""
    config = tiny_config(
        varied_model(6),
        method="full",
        batch_size=4,
        max_steps=4,
        learning_rate=1e-4,
        warmup_ratio=0.25,  # one warmup step (at lr 0), floor(4 x 0.25), as the defaults gave before 9fd509a
    )
    monkeypatch.setenv("FTLIB_CPU_BF16", "0")
    fp32, fp32_losses, fp32_weights = _train(config, tmp_path, "fp32")
    monkeypatch.setenv("FTLIB_CPU_BF16", "1")
    calls = []
    original = fastpath._MixedLinear.apply
    monkeypatch.setattr(fastpath._MixedLinear, "apply", lambda *a: calls.append(1) or original(*a))
    mixed, mixed_losses, mixed_weights = _train(config, tmp_path, "mixed")
    assert len(calls) >= 4 * 2 * 7  # every linear layer of both blocks, every step
    assert {p.dtype for p in mixed.model.parameters()} == {torch.float32}
    assert mixed_losses == pytest.approx(fp32_losses, rel=2e-2)
    assert mixed_losses[-1] < mixed_losses[0]
    # After training, the bf16 products use the trained weights (the Trainer's fused AdamW leaves version counters
    # alone: a copy kept by version only stayed at the starting weights), and the model scores like the fp32 one.
    ids = torch.randint(100, 5000, (2, 24), generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        mixed_logits = mixed.model.eval()(input_ids=ids).logits
        fp32_logits = fp32.model.eval()(input_ids=ids).logits
    linears = [m for m in mixed.model.modules() if hasattr(m, "_ftlib_shadow")]
    assert linears
    for module in linears:
        torch.testing.assert_close(module._ftlib_shadow[1], module.weight.detach().to(torch.bfloat16))
    assert _relative_error(mixed_logits, fp32_logits) < 0.02
    start = {n: p.detach() for n, p in fastpath_start_weights(config).items()}
    for name, trained in mixed_weights.items():
        if name in start and trained.dim() == 2:
            ours, reference = trained - start[name], fp32_weights[name] - start[name]
            assert reference.norm() > 0, name
            assert _relative_error(ours, reference) < 0.1, name  # the same update, to bf16 product precision


def fastpath_start_weights(config) -> dict:
    from ftlib.models import load_model

    return dict(load_model(config.model, device="cpu", dtype="float32").named_parameters())


# ---------------------------------------------------------------------------------------------------------------
# The reward model, KTO and GRPO: bf16 products under an fp32 stream, against the fp32 path on one fixed batch
# ---------------------------------------------------------------------------------------------------------------


def _alignment_pair(config, rows, tmp_path, monkeypatch):
    """The same run built twice, with FTLIB_CPU_BF16 0 (fp32) and 1 (bf16 products); each adapter's B and the score
    head drawn alike in both (B starts at zero, which would leave A's gradients zero)."""
    from ftlib.training import build_trainer

    built = {}
    for name, flag in (("fp32", "0"), ("bf16", "1")):
        monkeypatch.setenv("FTLIB_CPU_BF16", flag)
        trainer = build_trainer(config, tmp_path / name, rows=(rows, [])).trainer
        gen = torch.Generator().manual_seed(11)
        with torch.no_grad():
            for param_name, param in trainer.model.named_parameters():
                if "lora_B" in param_name or ("score" in param_name and param.requires_grad):
                    param.copy_(torch.randn(param.shape, generator=gen) * 0.05)
        built[name] = trainer
    return built["fp32"], built["bf16"]


def _grads(model) -> dict[str, torch.Tensor]:
    return {n: p.grad.detach().clone() for n, p in model.named_parameters() if p.requires_grad and p.grad is not None}


def _loss_and_grads_of(trainer, inputs):
    trainer.model.train()
    trainer.model.zero_grad()
    trainer.current_gradient_accumulation_steps = 1  # what Trainer.training_step sets (GRPO's loss reads it)
    loss = trainer.compute_loss(trainer.model, inputs)
    loss.backward()
    return float(loss.detach()), _grads(trainer.model)


def _assert_tracks(fp32, mixed, loss_rtol: float, grad_rtol: float):
    """Loss within `loss_rtol` and every gradient within `grad_rtol` (relative L2 error) of the fp32 path's."""
    (loss32, grads32), (loss16, grads16) = fp32, mixed
    assert loss16 == pytest.approx(loss32, rel=loss_rtol)
    assert grads16.keys() == grads32.keys() and grads32
    worst = {name: _relative_error(grads16[name], grads32[name]) for name in grads32 if grads32[name].norm() > 0}
    assert len(worst) >= len(grads32) // 2, worst  # most gradients are non-zero: the comparison means something
    assert {g.dtype for g in grads16.values()} == {torch.float32}
    assert max(worst.values()) < grad_rtol, worst


def _mixed_layers(trainer) -> tuple[int, int]:
    modules = list(trainer.model.modules())
    return (
        sum(getattr(m, "_ftlib_bf16_products", False) for m in modules),
        sum(hasattr(m, "_ftlib_linear_forward") for m in modules),
    )


@pytest.mark.parametrize("tuning", ["lora", "full"])
def test_reward_model_with_bf16_products_tracks_fp32(tiny_model_dir, tmp_path, monkeypatch, tuning):
    """The reward model's loss (-log sigmoid of the score margin), scores and gradients with bf16 products stay within
    bf16 rounding of the fp32 path's: loss 1%, scores 2% (relative L2), gradients 5%; the score head stays fp32."""
    from tests.test_training import PREF_ROWS

    config = tiny_config(tiny_model_dir, method="reward", tuning=tuning, lora_dropout=0.0)
    fp32, mixed = _alignment_pair(config, PREF_ROWS, tmp_path, monkeypatch)
    assert _mixed_layers(fp32) == (0, 0)
    assert _mixed_layers(mixed) == ((2 * 7, 0) if tuning == "lora" else (0, 2 * 7))  # every linear but the head
    assert {p.dtype for n, p in mixed.model.named_parameters() if "score" in n} == {torch.float32}
    batch = fp32.data_collator([fp32.train_dataset[i] for i in range(6)])
    with torch.no_grad():
        scores = [
            t.model.eval()(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
            for t in (fp32, mixed)
        ]
    assert scores[0].std() > 1e-3 and _relative_error(scores[1], scores[0]) < 0.02
    _assert_tracks(_loss_and_grads_of(fp32, dict(batch)), _loss_and_grads_of(mixed, dict(batch)), 1e-2, 5e-2)


@pytest.mark.parametrize("tuning", ["lora", "full"])
def test_kto_with_bf16_products_tracks_fp32(tiny_model_dir, tmp_path, monkeypatch, tuning):
    """KTO's loss, implicit rewards, KL estimate and gradients with bf16 products (policy, KL and reference forwards
    alike: the disabled adapter's base product, or the full run's reference copy multiplying in bf16 too) within
    bf16 rounding of the fp32 path's."""
    from tests.test_alignment import UNPAIRED

    config = tiny_config(tiny_model_dir, method="kto", tuning=tuning, lora_dropout=0.0, batch_size=4)
    fp32, mixed = _alignment_pair(config, UNPAIRED, tmp_path, monkeypatch)
    if tuning == "full":
        assert sum(hasattr(m, "_ftlib_linear_forward") for m in mixed.ref_model.modules()) == 2 * 7 + 1
    else:
        assert _mixed_layers(mixed) == (2 * 7, 1)  # the adapted layers, and the LM head's own forward
    batch = fp32.data_collator([fp32.train_dataset[i] for i in range(4)])
    results = [_loss_and_grads_of(t, dict(batch)) for t in (fp32, mixed)]
    _assert_tracks(*results, loss_rtol=1e-2, grad_rtol=5e-2)
    logged = [{k: v[-1] for k, v in t._metrics["train"].items()} for t in (fp32, mixed)]
    for key in ("kl", "rewards/chosen_sum", "rewards/rejected_sum"):
        if key in logged[0]:
            assert logged[1][key] == pytest.approx(logged[0][key], rel=5e-2, abs=1e-3), key


def small_grpo_config(model_dir, **extra):
    """A LoRA GRPO run small enough to score by hand: 2 answers of at most 6 tokens per prompt, no dropout, a KL."""
    from tests.test_alignment import GRPO_REWARDS

    settings = dict(rewards=GRPO_REWARDS, lora_dropout=0.0, grpo_group_size=2, beta=0.1, grpo_max_new_tokens=6)
    return tiny_config(model_dir, method="grpo", **(settings | extra))


def test_grpo_with_bf16_products_tracks_fp32(tiny_model_dir, tmp_path, monkeypatch):
    """GRPO with bf16 products: the answer-writing forward (ftlib.sampling on the model under training: the adapted
    layers and the LM head multiply in bf16) gives next-token log-probabilities within bf16 rounding of fp32's; on the
    same answers, the per-token log-probabilities, the reference's (adapter disabled), the loss and the gradients
    track the fp32 path's."""
    from tests.test_alignment import PROMPTS

    config = small_grpo_config(tiny_model_dir)
    fp32, mixed = _alignment_pair(config, PROMPTS, tmp_path, monkeypatch)
    assert _mixed_layers(mixed) == (2 * 7, 1)
    prompts = [json.dumps(PROMPTS[0]["prompt"])] * 2 + [json.dumps(PROMPTS[1]["prompt"])] * 2
    answers = fp32.rollout_func(prompts, fp32)
    ids = torch.tensor([answers["prompt_ids"][0]])
    calls = []
    original = fastpath._MixedLinear.apply
    monkeypatch.setattr(fastpath._MixedLinear, "apply", lambda *a: calls.append(1) or original(*a))
    again = mixed.rollout_func(prompts, mixed)  # the mixed path writes answers too
    assert len(calls) >= 1 and len(again["completion_ids"]) == 4
    with torch.inference_mode():
        logits = [t.model.get_base_model().eval()(input_ids=ids).logits.log_softmax(-1) for t in (fp32, mixed)]
    assert _relative_error(logits[1], logits[0]) < 0.01
    # Both score the fp32 side's answers: the same rewards and advantages, each side's own log-probabilities.
    mixed.rollout_func = lambda prompts, trainer: answers
    inputs = [{"prompt": p} for p in prompts]
    scored = []
    for trainer in (fp32, mixed):
        trainer.model.train()
        scored.append(trainer._generate_and_score_completions(inputs))
    torch.testing.assert_close(scored[1]["advantages"], scored[0]["advantages"])
    ref32, ref16 = scored[0]["ref_per_token_logps"], scored[1]["ref_per_token_logps"]
    mask = scored[0]["completion_mask"].bool()
    assert (ref16[mask] - ref32[mask]).abs().max() < 0.05  # log-probabilities of ~-10: bf16 rounding of the logits
    results = [_loss_and_grads_of(t, s) for t, s in zip((fp32, mixed), scored, strict=True)]
    _assert_tracks(*results, loss_rtol=5e-2, grad_rtol=5e-2)


def test_a_run_on_a_gpu_gets_no_cpu_fast_path_while_its_weights_still_sit_on_the_cpu(tiny_model_dir):
    """A review: an FSDP run loads its model on the CPU and the trainer moves each shard to its GPU later, so the
    CPU-only parts judged by where the weights were turned on for a GPU run: padding-free rows (then one [1, T] row
    whose GPU attention computes every position against every other), the CPU attention and norms. They now go by
    the run's device."""
    from ftlib.models import load_model

    model = load_model(str(tiny_model_dir), device="cpu")
    assert fastpath.padding_free(model, "cuda:0") is False and fastpath.padding_free(model, "cuda") is False
    assert fastpath.fast_attention(model, "cuda:1") is False and fastpath.fast_norms(model, "cuda:0") == 0
    assert model.config._attn_implementation == "sdpa"  # untouched
    assert fastpath.padding_free(model, "cpu") is True and fastpath.padding_free(model) is True  # as before on CPU
    classifier = load_model(str(tiny_model_dir), device="cpu", score=True)  # a reward model's
    assert fastpath.pack_score_rows(classifier, "cuda:0") is False
    assert fastpath.pack_score_rows(classifier, "cpu") is True  # the sentinel: it does wrap on a CPU run


def test_a_lora_run_on_a_gpu_keeps_peft_layers(varied_model):
    """Measured on an H200 (BENCHMARKS.md, 2026-12-04): LoRA SFT and DPO in fp32 ran 0.85-0.90x as fast with the
    fused layer as with PEFT's; a GPU run keeps PEFT's, a CPU run still fuses."""
    model = _lora_model(varied_model(5), dropout=0.1)
    assert fastpath.fuse_lora(model, "cuda:0") == 0 and fastpath.fuse_lora(model, "cuda") == 0
    assert not any(hasattr(m, "_ftlib_peft_forward") for m in model.modules())
    assert fastpath.fuse_lora(model, "cpu") == 2 * 7
