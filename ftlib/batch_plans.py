"""Which examples share a packed row, and which share a batch: plans made from the examples' lengths alone.

    plan_bfd([5, 3, 4], max_length=8)            # [[0, 1], [2]]: best-fit decreasing, as TRL packs
    length_groups([5, 3, 4, 9], batch_size=2)    # batches of indices with similar lengths, as transformers groups
    batches_grouped(27, batch_size=8)            # 1: how many batches it sorts together (1: none regrouped)
    step_plan([[5, 2], [3, 3]], batch_size=2)    # [[0, 2, 1, 3]]: a preference pair's two sequences in one step
    shuffled_positions([10, 2, 10, 2], [1] * 4, 2)  # 34.67: what a random order's batches compute, on average

Pure functions of integers; `ftlib.batching` builds the padded or packed batches from these plans.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from collections import defaultdict, deque
from itertools import accumulate


def plan_bfd(lengths: list[int], max_length: int) -> list[list[int]]:
    """Best-fit decreasing, as TRL's `pack_dataset(strategy="bfd")`: longest first, each into the fullest row that
    still has room (the oldest such row on a tie), else a new row."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])  # stable: equal lengths keep input order
    bins: list[list[int]] = []
    spaces: list[int] = []  # sorted free spaces that some row has (0 < space < max_length)
    by_space: dict[int, deque[int]] = defaultdict(deque)  # free space -> rows with it, oldest first
    for i in order:
        length = lengths[i]
        k = bisect_left(spaces, length)
        if k < len(spaces):
            space = spaces[k]
            b = by_space[space].popleft()
            if not by_space[space]:
                spaces.pop(k)
        else:
            space, b = max_length, len(bins)
            bins.append([])
        bins[b].append(i)
        space -= length
        if space > 0 and not by_space[space]:
            insort(spaces, space)
        by_space[space].append(b)
    return bins


# Rows TRL packs together: its `pack_dataset` is a batched `Dataset.map`, 1,000 rows a batch (the datasets default),
# and each batch is packed on its own, so no packed row mixes rows of two batches.
PACK_BATCH = 1000


def packed_lengths(lengths: list[int], max_length: int, split: bool = False) -> list[int]:
    """The tokens of each row TRL's SFT packing makes of rows of `lengths` tokens (`pack_dataset`, strategy "bfd", or
    "bfd_split" with `split`): a row longer than `max_length` is cut to it (bfd) or split into pieces of it, the last
    the rest (bfd_split, as `batching.packed_pieces`); empty rows are dropped; then packed by `plan_packing`. Its
    length is the number of rows the trainer steps over in one pass.

    >>> packed_lengths([5, 3, 4], 8), packed_lengths([10, 3], 4), packed_lengths([10, 3], 4, split=True)
    ([8, 4], [4, 3], [4, 4, 3, 2])
    """
    pieces: list[int] = []
    origin: list[int] = []
    for i, n in enumerate(lengths):
        whole, rest = divmod(n, max_length) if split else (0, min(n, max_length))
        cut = [max_length] * whole + ([rest] if rest else [])
        pieces += cut
        origin += [i] * len(cut)
    return [sum(pieces[i] for i in row) for row in plan_packing(pieces, origin, max_length)]


def plan_packing(lengths: list[int], origin: list[int], max_length: int) -> list[list[int]]:
    """The packed rows TRL's `pack_dataset` makes of pieces of `lengths` tokens (each at most `max_length`), as lists
    of piece indices: `origin[i]` is the dataset row piece i came from (non-decreasing; a row split under bfd_split
    gives several pieces), and each batch of `PACK_BATCH` dataset rows, in order, is packed on its own by `plan_bfd`.

    >>> plan_packing([5, 3, 4], [0, 1, 2], 8)
    [[0, 1], [2]]
    """
    bins: list[list[int]] = []
    start = 0
    while start < len(lengths):
        end = start  # the pieces of the rows of one of TRL's map batches
        while end < len(lengths) and origin[end] // PACK_BATCH == origin[start] // PACK_BATCH:
            end += 1
        bins += [[start + i for i in row] for row in plan_bfd(lengths[start:end], max_length)]
        start = end
    return bins


def plan_in_order(lengths: list[int], max_length: int) -> list[list[int]]:
    """Fill rows in dataset order; start a new row when the next example does not fit (order is kept)."""
    bins: list[list[int]] = []
    used = max_length
    for i, length in enumerate(lengths):
        if used + length > max_length:
            bins.append([])
            used = 0
        bins[-1].append(i)
        used += length
    return bins


def batches_grouped(units: int, batch_size: int, grad_accum: int = 1) -> int:
    """How many batches `length_groups` sorts by length together (transformers' mega-batch, `mega_batch_mult`
    optimizer steps' rows): 50 steps, or fewer so that `units` rows make about 4 of them, at least one step. Where it
    is 1, each batch is sorted only within itself, so grouping changes no batch: its batches are those of the shuffle.

    >>> batches_grouped(27, 8), batches_grouped(153, 8), batches_grouped(10_000, 8), batches_grouped(27, 4, 2)
    (1, 4, 50, 2)
    """
    group = batch_size * grad_accum
    return max(min(units // (group * 4), 50), 1) * grad_accum


def length_groups(
    lengths: list[int], batch_size: int, seed: int = 0, mega_batch_mult: int | None = None, grad_accum: int = 1
) -> list[list[int]]:
    """Batches of example indices with similar lengths, like transformers' `LengthGroupedSampler`.

    Shuffle, cut into mega-batches of `mega_batch_mult * batch_size * grad_accum` (the Trainer groups a whole
    optimizer step's rows: `LengthGroupedSampler(train_batch_size * gradient_accumulation_steps)`), sort each by
    length (longest first), put the batch holding the longest example first (a memory error shows up at step 1, not
    hours in), then cut into batches of `batch_size`. Every index appears exactly once; the shuffle is torch's
    permutation seeded with `seed`, so these are the batches of a run's first epoch (its sampler draws from
    `seed + epoch`: `data_order.SeededLengthGroupedSampler`).
    """
    import torch  # here: the other plans are pure Python, and the Batches page's import of them stays light

    if not lengths:
        return []
    group = batch_size * grad_accum
    if mega_batch_mult is None:  # transformers' default: 50, or fewer so that there are about 4 mega-batches
        mega_batch_mult = batches_grouped(len(lengths), batch_size, grad_accum) // grad_accum
    indices = torch.randperm(len(lengths), generator=torch.Generator().manual_seed(seed)).tolist()
    size = mega_batch_mult * group
    megas = [sorted(indices[i : i + size], key=lambda j: -lengths[j]) for i in range(0, len(indices), size)]
    longest = max(range(len(megas)), key=lambda m: lengths[megas[m][0]])
    megas[0][0], megas[longest][0] = megas[longest][0], megas[0][0]
    flat = [i for mega in megas for i in mega]
    return [flat[i : i + batch_size] for i in range(0, len(flat), batch_size)]


def step_plan(
    units: list[list[int]], batch_size: int, grouped: bool = False, seed: int = 0, grad_accum: int = 1
) -> list[list[int]]:
    """Which sequences each optimizer step runs, `batch_size` units a step, as indices into the units' sequences
    laid end to end. A unit is one example (`[length]`) or a preference pair (`[chosen, rejected]`): TRL's DPOTrainer
    and RewardTrainer take `batch_size` *pairs* a step and run both answers of each, so 8 pairs are 16 sequences in one
    step. Units go in order, or (`grouped`) by `length_groups` of each unit's longest sequence, the `length` DPO's
    dataset gives the sampler (grouped over `grad_accum` batches, as the Trainer groups them). A step lists its chosen
    answers first, then the rejected, as the collator stacks them.

    >>> step_plan([[5], [3], [4]], batch_size=2)
    [[0, 1], [2]]
    >>> step_plan([[5, 2], [3, 3], [4, 1]], batch_size=2)  # pair k is sequences 2k (chosen) and 2k + 1 (rejected)
    [[0, 2, 1, 3], [4, 5]]
    """
    starts = list(accumulate((len(u) for u in units), initial=0))
    if grouped:
        groups = length_groups([max(u) for u in units], batch_size, seed, grad_accum=grad_accum)
    else:
        groups = [list(range(i, min(i + batch_size, len(units)))) for i in range(0, len(units), batch_size)]
    return [[starts[u] + k for k in (0, 1) for u in group if k < len(units[u])] for group in groups]


def shuffled_positions(widths: list[int], rows: list[int], batch_size: int) -> float:
    """The positions right-padded batches compute when the units come in a random order, expected over every order:
    what a run without length grouping computes (its sampler shuffles the rows each epoch), independent of its seed.
    Unit u is `rows[u]` sequences (1, or a preference pair's 2) padded to `widths[u]`; a batch takes `batch_size`
    units (the last one the rest) and pads every sequence to its widest unit.

    Exact, not sampled: each batch of a random order is a uniformly random set of its size, so its widest unit is the
    i-th narrowest with probability C(i-1, k-1) / C(n, k), the other k-1 units being a random set of the narrower.

    >>> round(shuffled_positions([10, 2, 10, 2], [1, 1, 1, 1], 2), 2)  # in order (10, 2), (10, 2): 40; grouped: 24
    34.67
    >>> shuffled_positions([3, 5], [2, 2], 8)  # one batch: both pairs padded to 5
    20.0
    """
    order = sorted(range(len(widths)), key=widths.__getitem__)
    full, rest = divmod(len(order), batch_size)
    total = 0.0
    for k, count in ((batch_size, full), (rest, 1)):
        if not k or not count:
            continue
        whole, below = math.comb(len(order), k), 0  # below: the rows of the units narrower than unit u
        for i, u in enumerate(order):
            if i >= k - 1:  # u is the widest of a batch of k when its k - 1 others are among the i narrower
                others = (k - 1) * below / i if i else 0.0
                total += count * math.comb(i, k - 1) / whole * widths[u] * (rows[u] + others)
            below += rows[u]
    return total


def optimizer_steps(batches: int, grad_accum: int = 1) -> int:
    """The optimizer steps one pass over `batches` batches takes when gradients add up over `grad_accum` of them: a
    last, shorter group is a step too (transformers' Trainer: `len_dataloader // accumulation`, plus one for the
    rest), and a pass takes at least one step.

    >>> optimizer_steps(10, 4), optimizer_steps(8, 4), optimizer_steps(3, 1)
    (3, 2, 3)
    """
    return max(1, -(-batches // grad_accum))


__all__ = [
    "PACK_BATCH",
    "batches_grouped",
    "length_groups",
    "optimizer_steps",
    "packed_lengths",
    "plan_packing",
    "plan_bfd",
    "plan_in_order",
    "shuffled_positions",
    "step_plan",
]
