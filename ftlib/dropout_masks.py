"""Dropout masks for the fused LoRA layer (fastpath.py): which elements of a [tokens, features] input a dropout drops,
drawn and applied for less than PEFT's `nn.Dropout` (one fp32 random number per element via `bernoulli_`, and a
float copy of the dropped input and mask kept for the backward pass)."""

from __future__ import annotations

import math

import numpy as np
import torch

# Dropout probabilities up to which a CPU mask is the list of dropped elements (one random number each) rather than a
# mask of every element (16 random bits each): below ~1/8 the list is cheaper to draw and to apply.
SPARSE_DROPOUT = 0.125
# Gaps drawn per round: the expected count of dropped elements plus this many standard deviations, so a second round
# (continuing where the first ended) is almost never needed.
ROUND_SIGMAS = 6.0


def drop_mask(shape: torch.Size, p: float, device: torch.device) -> tuple[torch.Tensor, float]:
    """(which elements a dropout of probability `p` drops from a `shape` input, 1/keep-probability).

    On CPU, for p <= SPARSE_DROPOUT: the int64 flat indices of the dropped elements, ascending. Every element drops
    independently with probability exactly p: the gaps between dropped elements are geometric, ceil(E / -ln(1 - p))
    for E ~ Exp(1) (numpy's ziggurat), so a draw costs one random number per *dropped* element: at p = 0.05 half the
    time of 16 bits per element, and zeroing them (`index_fill_`) half the time of multiplying by a byte mask
    (BENCHMARKS.md). Otherwise a bool mask of `shape`, True where kept: on CPU from uniform 16-bit numbers, four per
    64-bit word (~8x cheaper than `bernoulli_`), p rounded to a multiple of 1/65536 and the scale from the rounded
    value, so the layer's expected output is exactly its input. The random numbers come from numpy's PCG64 seeded
    by one draw of torch's generator, so `torch.manual_seed` (the Trainer's seed, a resumed run's restored RNG state)
    governs the masks as it governs everything else.
    """
    numel = int(torch.Size(shape).numel())
    if device.type != "cpu":
        return torch.rand(shape, device=device) >= p, 1.0 / (1.0 - p)
    seed = int(torch.randint(0, 2**63 - 1, (), dtype=torch.int64))
    generator = np.random.Generator(np.random.PCG64(seed))
    if p <= SPARSE_DROPOUT:
        rate = -np.log1p(-p)  # gaps > k with probability (1 - p)^k = exp(-k rate)
        ends, chunks = 0, []
        while ends < numel:  # one round almost always (see ROUND_SIGMAS)
            count = max(16, int(numel * p + ROUND_SIGMAS * math.sqrt(numel * p) + 16))
            gaps = np.ceil(generator.standard_exponential(count) / rate).astype(np.int64)
            np.maximum(gaps, 1, out=gaps)  # an exponential of exactly 0 (probability ~2^-53) is still a gap
            positions = np.cumsum(gaps) + (ends - 1)
            chunks.append(positions[: np.searchsorted(positions, numel)])
            ends = int(positions[-1]) + 1
        dropped = chunks[0] if len(chunks) == 1 else np.concatenate(chunks or [np.empty(0, np.int64)])  # 0 elements
        return torch.from_numpy(dropped), 1.0 / (1.0 - p)
    threshold = round(p * 65536)
    # torch's CPU generator fills int64s serially (mt19937) and its int16 compare is slow: 0.48 + 0.09 ms per 590k
    # elements on 2 threads; PCG64's words and numpy's SIMD compare take 0.23 + 0.03 ms (BENCHMARKS.md).
    words = generator.bit_generator.random_raw((numel + 3) // 4)
    uniform16 = words.view(np.int16)[:numel]  # each in [-32768, 32767], uniformly
    keep = torch.from_numpy(uniform16 >= threshold - 32768).view(shape)
    return keep, 65536 / (65536 - threshold)


def masked(x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """A new tensor: x [tokens, features] with the elements `mask` (see `drop_mask`) drops zeroed. A bool mask is
    applied as 0/1 bytes: on CPU, multiplying by them runs ~3x faster than `torch.where(keep, x, 0)` and ~4x faster
    than converting the mask to x's dtype first (single-thread timings of a [1200, 576] bf16 input, BENCHMARKS.md)."""
    if mask is None:
        return x
    if mask.dtype == torch.bool:
        return x * mask.view(torch.uint8)
    out = x.clone(memory_format=torch.contiguous_format)
    return out.view(-1).index_fill_(0, mask, 0).view(x.shape)


def add_masked_(total: torch.Tensor, term: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """total += term with the elements `mask` drops zeroed, in one pass for a bool mask (~35% less than `mul_` then
    `+=`); `term` (a temporary) is overwritten for a list of dropped elements."""
    if mask is None:
        return total.add_(term)
    if mask.dtype == torch.bool:
        return total.addcmul_(term, mask.view(torch.uint8))
    term.view(-1).index_fill_(0, mask, 0)
    return total.add_(term)


__all__ = ["SPARSE_DROPOUT", "add_masked_", "drop_mask", "masked"]
