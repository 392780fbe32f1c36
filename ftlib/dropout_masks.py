"""Dropout masks for the fused LoRA layer (fastpath.py): which elements of a [tokens, features] input a dropout drops,
drawn and applied for less than PEFT's `nn.Dropout` (one fp32 random number per element via `bernoulli_`, and a
float copy of the dropped input and mask kept for the backward pass). `MaskPool` draws the masks of every fused layer
of a model at once (`drop_masks`, on two threads), rather than one small draw per layer in the middle of a forward."""

from __future__ import annotations

import concurrent.futures
import math
import os

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
        return torch.from_numpy(_dropped_positions(generator, numel, p)), 1.0 / (1.0 - p)
    threshold = round(p * 65536)
    # torch's CPU generator fills int64s serially (mt19937) and its int16 compare is slow: 0.48 + 0.09 ms per 590k
    # elements on 2 threads; PCG64's words and numpy's SIMD compare take 0.23 + 0.03 ms (BENCHMARKS.md).
    words = generator.bit_generator.random_raw((numel + 3) // 4)
    uniform16 = words.view(np.int16)[:numel]  # each in [-32768, 32767], uniformly
    keep = torch.from_numpy(uniform16 >= threshold - 32768).view(shape)
    return keep, 65536 / (65536 - threshold)


def _dropped_positions(generator: np.random.Generator, numel: int, p: float) -> np.ndarray:
    """The ascending int64 positions in [0, numel) that drop, each independently with probability p: the gaps between
    them are geometric, ceil(E / -ln(1 - p)) for E ~ Exp(1)."""
    rate = -np.log1p(-p)  # gaps > k with probability (1 - p)^k = exp(-k rate)
    ends, chunks = 0, []
    while ends < numel:  # one round almost always (see ROUND_SIGMAS)
        count = max(16, int(numel * p + ROUND_SIGMAS * math.sqrt(numel * p) + 16))
        draws = generator.standard_exponential(count)
        draws /= rate  # in place: one temporary less per round
        np.ceil(draws, out=draws)
        positions = draws.astype(np.int64)
        np.maximum(positions, 1, out=positions)  # an exponential of exactly 0 (probability ~2^-53) is still a gap
        np.cumsum(positions, out=positions)
        positions += ends - 1
        chunks.append(positions[: np.searchsorted(positions, numel)])
        ends = int(positions[-1]) + 1
    return chunks[0] if len(chunks) == 1 else np.concatenate(chunks or [np.empty(0, np.int64)])  # 0 elements


# Expected drops in one `drop_masks` call above which its second half is drawn on a second thread: handing work to it
# costs ~0.05 ms, a thousand drops ~6 us.
THREADED_DROPS = 20_000
_WORKER: list = []  # (pid, executor): one thread, made on first use and again in a forked child


def _worker() -> concurrent.futures.ThreadPoolExecutor:
    if not _WORKER or _WORKER[0][0] != os.getpid():
        _WORKER[:] = [(os.getpid(), concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="ftlib-masks"))]
    return _WORKER[0][1]


def drop_masks(sizes: list[int], p: float) -> list[torch.Tensor]:
    """`drop_mask`'s list of dropped elements (CPU, p <= SPARSE_DROPOUT) for several inputs at once, of `sizes`
    elements each: one list of ascending int64 indices per input.

    The inputs are split into two groups of about equal size, each drawn from its own PCG64 stream (numpy's
    SeedSequence children of one draw of torch's generator), one input after another as `drop_mask` draws one, so
    every element of every input drops independently with probability exactly p; the second group runs on a worker
    thread when torch has two threads or more and the draw is big enough (numpy releases the GIL while it fills
    arrays). A step's 210 masks of SmolLM2 (bench/bench_masks.py): 15.8-16.9 ms on 2 threads, 30.0-31.1 ms on one,
    32.6-34.2 ms drawn layer by layer (BENCHMARKS.md).
    """
    if p <= 0 or p > SPARSE_DROPOUT:
        raise ValueError(f"drop_masks draws lists of dropped elements: p must be in (0, {SPARSE_DROPOUT}], got {p}")
    seed = int(torch.randint(0, 2**63 - 1, (), dtype=torch.int64))
    first, second = np.random.SeedSequence(seed).spawn(2)
    # The first group: the inputs up to the one taking it past half of all elements, leaving the second at least one.
    cut = min(int(np.searchsorted(np.cumsum(sizes), sum(sizes) / 2)) + 1, max(len(sizes) - 1, 1))
    if sum(sizes) * p >= THREADED_DROPS and torch.get_num_threads() > 1:
        rest = _worker().submit(_draw_group, sizes[cut:], second, p)
        return _draw_group(sizes[:cut], first, p) + rest.result()
    return _draw_group(sizes[:cut], first, p) + _draw_group(sizes[cut:], second, p)


def _draw_group(sizes: list[int], stream: np.random.SeedSequence, p: float) -> list[torch.Tensor]:
    # One input at a time from the group's stream: arrays of one input's drops are reused from the heap and stay in
    # cache, where one array for the whole group pays a page fault per 4 KiB (and the two threads' faults queue).
    generator = np.random.Generator(np.random.PCG64(stream))
    return [torch.from_numpy(_dropped_positions(generator, size, p)) for size in sizes]


class MaskPool:
    """Dropout masks for a model's fused LoRA layers, drawn together (`drop_masks`) instead of one small draw per
    layer while the other core waits. The layer that asks first in a forward (a decoder's first adapted layer; the
    first to ask in this pool's life) starts each forward: its request draws a mask for every layer the pool knows,
    each for an input of that layer's token count and the layer's own features and p, to take when its turn comes.
    A mask is taken once; a layer that finds none of its input's shape (another token count, a second call in one
    forward) draws its own, as `drop_mask` does, so nothing can make the pool draw more than once per forward of
    that first layer. Each mask is still its own input's drops, independent of every other.

    The layers are `register`ed before the first forward (`fastpath.share_mask_draws`), so the first forward a
    process runs draws exactly what every later one draws: one seed from torch's generator, the same sizes in the
    same order. A pool that met its layers during its first forward drew that forward's masks layer by layer, and a
    run resumed from a checkpoint (a new process, torch's generator restored) then dropped other elements at its
    first step than the uninterrupted run did there, and drew a different count of seeds: every later mask differed
    too. A layer asking unregistered is met then and joins the draws from the next forward on.

    Not for gradient checkpointing: its recomputed forward must drop what the first forward dropped, which
    `drop_mask` does (its seed comes from torch's generator, which the checkpoint restores) and a pool cannot.
    """

    def __init__(self) -> None:
        self._layers: dict[int, tuple[int, float]] = {}  # a layer's key -> (input features, p), in the order met
        self._ready: dict[int, tuple[tuple, torch.Tensor]] = {}  # a layer's key -> ((shape, p), its next mask)
        self._first: int | None = None  # the layer whose request starts a forward: the first ever to ask

    def register(self, key: int, features: int, p: float) -> None:
        """Draw masks for layer `key` (inputs of `features` columns, dropout `p`) from the first forward on. A p the
        pool does not draw lists for (0, or above SPARSE_DROPOUT: dense masks, drawn per layer) is left out."""
        if 0 < p <= SPARSE_DROPOUT:
            self._layers[key] = (int(features), float(p))

    def mask(self, key: int, shape: torch.Size, p: float, device: torch.device) -> tuple[torch.Tensor, float]:
        """`drop_mask(shape, p, device)` for the layer `key` (its `id`), from the pool where it can be. Raises
        RuntimeError when asked during a backward pass (a checkpoint recomputing a forward; see the class)."""
        if torch._C._current_graph_task_id() != -1:  # inside autograd's backward: only a recomputed forward asks here
            raise RuntimeError(
                "dropout masks asked for during a backward pass: gradient checkpointing is recomputing a forward, "
                "whose masks must be the first forward's; layers sharing a MaskPool cannot give them. "
                "Train these layers without fastpath.share_mask_draws."
            )
        if device.type != "cpu" or not 0 < p <= SPARSE_DROPOUT or len(shape) != 2:
            return drop_mask(shape, p, device)
        shape = torch.Size(shape)
        if self._layers.get(key) != (shape[1], p):
            self._layers[key] = (shape[1], p)  # a new key goes last; a known one keeps its place
        if self._first is None:
            self._first = key
        if key == self._first:  # a forward begins
            self._draw(shape[0])
        entry = self._ready.pop(key, None)
        if entry is not None and entry[0] == (shape, p):
            return entry[1], 1.0 / (1.0 - p)
        return drop_mask(shape, p, device)

    def _draw(self, tokens: int) -> None:
        """A mask for an input of `tokens` rows for every layer met: one `drop_masks` per dropout probability."""
        self._ready = {}
        for p in dict.fromkeys(p for _, p in self._layers.values()):  # in the order met: the same draws every run
            keys = [key for key, (_, layer_p) in self._layers.items() if layer_p == p]
            sizes = [tokens * self._layers[key][0] for key in keys]
            for key, mask in zip(keys, drop_masks(sizes, p), strict=True):
                self._ready[key] = ((torch.Size((tokens, self._layers[key][0])), p), mask)


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


__all__ = ["SPARSE_DROPOUT", "MaskPool", "add_masked_", "drop_mask", "drop_masks", "masked"]
