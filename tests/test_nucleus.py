"""Top-p from the top candidates (ftlib.nucleus) removes exactly the tokens transformers' TopPLogitsWarper removes,
including rows it must hand to the full sort (boundary within the margin, ties at the boundary, too little mass among
the candidates), and the sampling loop still matches `generate` (tests/test_sampling.py)."""

from __future__ import annotations

import pytest
import torch
from transformers import TopPLogitsWarper

from ftlib import nucleus


def _warper_removes(scores: torch.Tensor, top_p: float) -> torch.Tensor:
    return torch.isinf(TopPLogitsWarper(top_p)(None, scores[None].clone())[0]) & torch.isfinite(scores)


def _rows(seed: int, vocab: int = 5000) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    spread = torch.tensor([[0.5], [1.0], [2.0], [3.0], [5.0], [8.0]])
    return torch.randn(6, vocab, generator=gen) * spread + torch.randn(6, vocab, generator=gen).exp()


@pytest.mark.parametrize("top_p", [0.3, 0.8, 0.9, 0.95, 0.999])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_same_removed_set_as_transformers(seed, top_p, monkeypatch):
    monkeypatch.setattr(nucleus, "CANDIDATES", 256)  # the fast path on a 5000-token vocabulary
    scores = _rows(seed)
    scores[2, :4000] = -float("inf")  # a row top-k already cut
    ours = nucleus.top_p_remove(scores, torch.full((6,), top_p))
    for row in range(6):
        finite = torch.isfinite(scores[row])
        assert torch.equal(ours[row] & finite, _warper_removes(scores[row], top_p)), row
        assert not ours[row][scores[row].argmax()]  # the most likely token always stays


def test_rows_it_cannot_decide_go_through_the_full_sort(monkeypatch):
    monkeypatch.setattr(nucleus, "CANDIDATES", 64)
    vocab = 3000
    flat = torch.zeros(vocab)  # uniform: 64 candidates carry 2% of the mass, far from p
    boundary = torch.full((vocab,), -30.0)
    boundary[:4] = torch.tensor([0.0, 0.0, -1.0, -1.0])  # p = mass of the top two exactly; the next two tied
    scores = torch.stack([flat, boundary])
    top_p = torch.tensor([0.5, float(boundary.softmax(0)[:2].sum())])  # row 2: the mass above a token equals p
    sorted_calls = []
    original = nucleus.top_p_remove_sorted
    monkeypatch.setattr(nucleus, "top_p_remove_sorted", lambda s, p: sorted_calls.append(len(s)) or original(s, p))
    ours = nucleus.top_p_remove(scores, top_p)
    assert sorted_calls == [2]  # both rows handed to the sort
    for row in range(2):
        assert torch.equal(ours[row], _warper_removes(scores[row], float(top_p[row]))), row
    assert int((~ours[0]).sum()) > 64  # more tokens kept than there were candidates


def test_small_vocabularies_use_the_sort(monkeypatch):
    scores = _rows(3, vocab=300)
    calls = []
    original = nucleus.top_p_remove_sorted
    monkeypatch.setattr(nucleus, "top_p_remove_sorted", lambda s, p: calls.append(1) or original(s, p))
    ours = nucleus.top_p_remove(scores, torch.full((6,), 0.9))
    assert calls == [1]
    for row in range(6):
        assert torch.equal(ours[row], _warper_removes(scores[row], 0.9))


@pytest.mark.parametrize("spread, top_p", [(4.0, 0.9999), (8.0, 0.99999), (2.0, 0.999), (4.0, 0.999)])
def test_a_top_p_near_1_keeps_what_the_warper_keeps(spread, top_p):
    """A cold review: 1 - float32(p) is not the warper's threshold (1 - p in float64, then float32): on a flat row at
    p = 0.9999 the sort kept one token fewer than `generate`, in 14 of 72 rows. The decoding loop passes top_p in
    float64 now; the reference is transformers' own warper on the same rows."""
    from ftlib.decoding import process_logits

    gen = torch.Generator().manual_seed(0)
    rows = torch.randn(6, 49152, generator=gen) * spread
    kept = torch.isfinite(process_logits(rows, 1.0, 0, top_p))
    for row in range(6):
        reference = torch.isfinite(TopPLogitsWarper(top_p)(None, rows[row][None].clone())[0])
        assert torch.equal(kept[row], reference), (row, int(kept[row].sum()), int(reference.sum()))
    as_tensor = torch.isfinite(process_logits(rows, 1.0, 0, torch.full((6,), top_p, dtype=torch.float64)))
    assert torch.equal(as_tensor, kept)


@pytest.mark.parametrize("temperature", [0.01, 0.001])
def test_a_low_temperatures_large_scores_are_decided_as_the_warper_decides(temperature, monkeypatch):
    """A reference review: at temperature 0.01-0.001 the scores run to 1e3-1e4, where the candidates' probabilities
    taken against float32 logsumexp were 5e-5..6e-4 off, past MARGIN: 1-2 rows in 6,400 kept another set than
    `generate` (a fifth token at a cumulative 0.900012), and two tied top tokens at top_p 0.5 kept both."""
    monkeypatch.setattr(nucleus, "CANDIDATES", 256)
    gen = torch.Generator().manual_seed(2)
    rows, vocab, lead = 512, 2000, 6
    logits = torch.randn(rows, vocab, generator=gen) * 2 - 10  # a tail far below the leading tokens
    share = torch.distributions.Dirichlet(torch.ones(lead)).sample((rows,))
    logits[:, :lead] = 20 + share.log()  # six leading tokens of comparable mass, as at SmolLM2's top logits of ~30
    tied = torch.full((vocab,), -5.0)
    tied[:3] = torch.tensor([9.0, 9.0, 8.0])
    for scores, top_p in ((logits / temperature, 0.9), (tied[None] / temperature, 0.5)):
        ours = nucleus.top_p_remove(scores, torch.full((len(scores),), top_p, dtype=torch.float64))
        theirs = torch.stack([_warper_removes(row, top_p) for row in scores])
        assert torch.equal(ours, theirs | ~torch.isfinite(scores))
