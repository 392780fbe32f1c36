"""Top-p (nucleus) filtering that decides exactly as transformers' `TopPLogitsWarper` without sorting the vocabulary.

The warper sorts all V logits of a row (49,152 for SmolLM2: ~9 ms a row on one CPU core, a quarter of a Compare-grid
decoding step with four top-p rows, bench/bench_sampling.py) to find the smallest set of most likely tokens whose
probability reaches p. That set lies among the top few tokens whenever those carry mass p, so `top_p_remove` looks at
the `CANDIDATES` most likely ones (`topk`) and decides there: token j is removed when the mass of the tokens above it
is at least p, which is the warper's "cumulative mass from the bottom, up to and including j, is at most 1 - p".

The decision is the warper's exactly, not approximately: both sides compute that mass in float32 with errors near
1e-7 (measured against float64 over 49k-token rows; the probabilities are taken relative to the row's top score,
as softmax takes them, which keeps that true at a low temperature's scores of 1e4), so a row is decided from its
candidates only when every candidate's mass-above is more than `MARGIN` away from p, the candidates' mass reaches p
by more than `MARGIN`, and the boundary does not fall between two equal logits (whose order a sort leaves open).
Any other row, and any row of a vocabulary no larger than `CANDIDATES`, goes through the warper's own full sort.
Not known here: temperature and top-k (sampling.process_logits applies them first).
"""

from __future__ import annotations

import torch

CANDIDATES = 1024
MARGIN = 1e-5


def tail_mass(top_p: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """1 - top_p as the warper's threshold: taken in float64 (the warper's `top_p` is a Python float), then in the
    dtype and on the device of `like`. Pass top_p in float64 to match it exactly: 1 - float32(0.9999) is 1.7e-8 off,
    which keeps one token more than `generate` on a flat row."""
    return (1 - top_p.to("cpu", torch.float64)).to(device=like.device, dtype=like.dtype)


def top_p_remove_sorted(scores: torch.Tensor, top_p: torch.Tensor) -> torch.Tensor:
    """The warper's own computation: a bool [R, V] of removed tokens for scores [R, V] and top_p [R] (ascending sort,
    softmax, cumulative sum, the most likely token always kept)."""
    sorted_logits, sorted_indices = torch.sort(scores, descending=False)
    cumulative = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    remove = cumulative <= tail_mass(top_p, cumulative)[:, None]
    remove[:, -1] = False
    return remove.scatter(1, sorted_indices, remove)


def top_p_remove(scores: torch.Tensor, top_p: torch.Tensor) -> torch.Tensor:
    """Which tokens top-p removes, row by row: bool [R, V] for float scores [R, V] (after temperature and top-k;
    -inf = already removed) and top_p [R] in (0, 1]. Equal to `TopPLogitsWarper` (min_tokens_to_keep=1)."""
    rows, vocab = scores.shape
    count = min(vocab, CANDIDATES)
    if count == vocab:
        return top_p_remove_sorted(scores, top_p)
    top, index = torch.topk(scores, count, dim=-1)  # descending
    # Relative to the row's top score, as softmax computes: at a low temperature the scores run to 1e3-1e4, where
    # float32 logsumexp is off by half a unit of the number itself (6e-4 in probability near 2e4), past MARGIN.
    peak = top[:, :1]
    probs = ((top - peak) - torch.logsumexp(scores - peak, dim=-1, keepdim=True)).exp()
    above = probs.cumsum(dim=-1) - probs  # probability mass of the candidates ranked above each one
    p = top_p.to(device=above.device, dtype=above.dtype)[:, None]
    remove = above >= p
    remove[:, 0] = False
    first_removed = remove.int().argmax(dim=-1)  # 0 when none is removed (the top token never is)
    boundary = first_removed.clamp(min=1)[:, None]
    tied = top.gather(1, boundary) == top.gather(1, boundary - 1)
    decided = (
        ((above - p).abs() > MARGIN).all(dim=-1)
        & (probs.sum(dim=-1) > p[:, 0] + MARGIN)  # every token outside the candidates is then removed too
        & (first_removed > 0)
        & ~tied[:, 0]
    )
    result = torch.ones_like(scores, dtype=torch.bool)
    result.scatter_(1, index, remove)
    undecided = (~decided).nonzero().squeeze(1)
    if len(undecided):
        result[undecided] = top_p_remove_sorted(scores[undecided], top_p[undecided.to(top_p.device)])
    return result


__all__ = ["CANDIDATES", "MARGIN", "tail_mass", "top_p_remove", "top_p_remove_sorted"]
