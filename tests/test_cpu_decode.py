"""Decoding steps' few-row products through oneDNN (ftlib.cpu_decode): the same logits as the dense layers to float
rounding, the same greedy tokens, only inside the context, only where it applies, and the layers put back after."""

from __future__ import annotations

import pytest
import torch

from ftlib import cpu_decode
from ftlib import sampling as S
from ftlib.models import load_model, load_tokenizer

pytestmark = pytest.mark.skipif(not torch.backends.mkldnn.is_available(), reason="this torch build has no oneDNN")


@pytest.fixture()
def model(varied_dir):
    return load_model(str(varied_dir), device="cpu", dtype="float32").eval()


@pytest.fixture()
def every_layer(monkeypatch):
    """The tiny model's 64-wide layers are below MIN_WEIGHT: switch all of them, as the real model's large ones, as
    if oneDNN were measured faster for every shape (on a loaded machine the measure could go either way)."""
    monkeypatch.setattr(cpu_decode, "MIN_WEIGHT", 0)
    monkeypatch.setattr(cpu_decode, "_faster", {})
    monkeypatch.setattr(cpu_decode, "onednn_faster", lambda modules: True)


def _linears(model) -> list[torch.nn.Linear]:
    return [m for m in model.modules() if type(m) is torch.nn.Linear]


def test_decoding_rows_match_the_dense_layers_and_the_layers_come_back(model, every_layer, monkeypatch):
    calls = []
    original = torch._C._nn.mkldnn_linear
    monkeypatch.setattr(torch._C._nn, "mkldnn_linear", lambda *a: calls.append(a[0].size(0)) or original(*a))
    ids = torch.randint(100, 5000, (4, 1), generator=torch.Generator().manual_seed(0))
    prefill_ids = torch.randint(100, 5000, (2, cpu_decode.MAX_ROWS), generator=torch.Generator().manual_seed(1))
    with torch.inference_mode():
        dense = model(input_ids=ids).logits
        with cpu_decode.onednn_linears(model) as switched:
            assert switched == len(_linears(model))
            ours = model(input_ids=ids).logits
            prefill_inside = model(input_ids=prefill_ids).logits  # 32 rows: the dense layers
        prefill_outside = model(input_ids=prefill_ids).logits
    # oneDNN computed every layer of the 4-row step, none of the 32-row prefill's.
    assert len(calls) == len(_linears(model)) and set(calls) == {4}
    torch.testing.assert_close(ours, dense, rtol=1e-5, atol=1e-5)
    assert torch.equal(prefill_inside, prefill_outside)
    assert all("forward" not in vars(m) for m in _linears(model))


def test_greedy_generation_is_unchanged(model, varied_dir, every_layer, monkeypatch):
    tok = load_tokenizer(str(varied_dir))
    rows = [S.GenRow(tok("A short poem about the sea.")["input_ids"], S.GREEDY)] * 2
    calls = []
    original = torch._C._nn.mkldnn_linear
    monkeypatch.setattr(torch._C._nn, "mkldnn_linear", lambda *a: calls.append(1) or original(*a))
    with_onednn = S.generate(model, tok, rows, max_new_tokens=16, seed=0)
    assert len(calls) >= 15 * len(_linears(model))  # every decoding step ran through oneDNN
    monkeypatch.setenv("FTLIB_ONEDNN_DECODE", "0")
    assert not cpu_decode.enabled()
    dense = S.generate(model, tok, rows, max_new_tokens=16, seed=0)
    assert [r.ids for r in with_onednn] == [r.ids for r in dense]
    assert len(set(dense[0].ids)) > 4  # the varied model writes something, not one token over and over


def test_only_where_it_applies(model, every_layer):
    head = model.get_output_embeddings()
    replaced = _linears(model)[0]
    replaced.forward = replaced.forward  # another fast path's own forward: left alone
    model.model.layers[0].mlp.up_proj.to(torch.bfloat16)
    with cpu_decode.onednn_linears(model) as switched:
        assert switched == len(_linears(model)) - 2
        assert "forward" in vars(head)
        hidden = torch.randn(1, 2, head.in_features, requires_grad=True)
        out = head(hidden)  # gradients on: dense, and they flow
        out.sum().backward()
        assert hidden.grad is not None
        with cpu_decode.onednn_linears(model) as nested:  # a second generation meanwhile: runs dense
            assert nested == 0
        assert "forward" in vars(head)
    assert "forward" not in vars(head) and "forward" in vars(replaced)


def test_a_shape_measured_slower_through_onednn_stays_dense_and_each_shape_is_measured_once(model, monkeypatch):
    """On some CPUs MKL's dense products beat oneDNN's for a decoding step's rows (a newer Intel Xeon: every SmolLM2
    layer but the LM head): a shape measured slower is not switched; each shape is measured once a process."""
    monkeypatch.setattr(cpu_decode, "MIN_WEIGHT", 0)
    monkeypatch.setattr(cpu_decode, "_faster", {})
    head = model.get_output_embeddings()
    measured = []

    def faster(modules):
        measured.append(tuple(modules[0].weight.shape))
        return modules[0] is head  # only the LM head's shape wins here

    monkeypatch.setattr(cpu_decode, "onednn_faster", faster)
    shapes = {tuple(m.weight.shape) for m in _linears(model)}
    heads = [m for m in _linears(model) if m.weight.shape == head.weight.shape]
    for _ in range(2):
        with cpu_decode.onednn_linears(model) as switched:
            assert switched == len(heads)
            assert "forward" in vars(head)
            assert all("forward" not in vars(m) for m in _linears(model) if m.weight.shape != head.weight.shape)
    assert sorted(measured) == sorted(shapes)  # once each, not again on the second generation


def test_the_measure_answers_and_changes_no_layer(model):
    layers = _linears(model)
    weights = [m.weight.clone() for m in layers]
    same = [m for m in layers if m.weight.shape == layers[0].weight.shape]
    cpu_decode.onednn_faster(same, passes=1)  # either verdict: it depends on this CPU and its load
    assert all("forward" not in vars(m) for m in layers)
    assert all(torch.equal(m.weight, w) for m, w in zip(layers, weights, strict=True))


def test_the_measure_draws_nothing_from_torchs_generator(model):
    """A GRPO run's rollouts decode through `onednn_linears`, whose first generation measures each shape: a draw from
    torch's own generator there would move the run's dropout masks on (a resumed run measures afresh)."""
    layers = _linears(model)
    same = [m for m in layers if m.weight.shape == layers[0].weight.shape]
    state = torch.get_rng_state()
    cpu_decode.onednn_faster(same, passes=1)
    assert torch.equal(torch.get_rng_state(), state)
