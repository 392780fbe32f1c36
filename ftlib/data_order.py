"""The order a run trains its rows in: a function of the run's seed and the epoch alone, so a run stopped and resumed
from a checkpoint trains the batches, in the order, that the same run uninterrupted trains.

    trainer = resumable(SFTTrainer)(model=..., args=..., ...)    # training.build_trainer, alignment.make_trainer

transformers' Trainer shuffles a run's rows with one of three samplers, chosen by `train_sampling_strategy`:
- "random": a RandomSampler, which accelerate replaces with its SeedableRandomSampler (seeded by `data_seed` plus the
  epoch, `set_epoch` each epoch): already a function of (seed, epoch).
- "group_by_length" (the studio's default, `group_by_length`): a LengthGroupedSampler built without a generator, so
  each epoch's permutation came from torch's global generator when the epoch's iterator started. A fresh run reaches
  that point after its step-0 evaluation (whose loader draws a seed from that generator), a resumed one before
  transformers restores the checkpoint's generator (it does so after fetching the first batch): the resumed epoch
  visited other rows, some twice, some never (2.7812 against 2.8189 at step 4 of the reviewer's run).
  `SeededLengthGroupedSampler` draws the permutation from a generator of its own seeded with seed + epoch.
- "sequential" (KTO, whose KL estimate wants its rows in the order alignment.unpaired_dataset shuffled them): no
  randomness.
GRPO's trainer uses TRL's RepeatSampler, whose generator is seeded once when it is built and then moves on at each
epoch: a run resumed in its second epoch would have replayed the first epoch's order. `SeededRepeatSampler` seeds it
with seed + epoch (epoch 0's order is TRL's own).

The epoch reaches a sampler through its `set_epoch`, which transformers 5.24's training loop calls at the start of
every epoch (`Trainer._run_epoch`: `train_dataloader.set_epoch(epoch)`, accelerate's `DataLoaderShard.set_epoch`
handing it to the batch sampler's sampler; in a resumed epoch the loader that skips the trained batches,
`accelerate.skip_first_batches`, wraps the same batch sampler and its `set_epoch` reaches the sampler the same way),
and the loader's own `__iter__` once more with the same epoch. A sampler returns to epoch 0 on nothing else, so an
epoch's order never depends on how many times the loader was iterated before (a resumed process iterates it once).
With several processes the batch sampler is accelerate's BatchSamplerShard, and a resumed epoch's loader wraps it in
a SkipBatchSampler: neither has a `sampler` or a `set_epoch`, so neither accelerate's `set_epoch` nor the training
loop's reached the sampler, and a run of 2 processes resumed mid-way through its second epoch trained the first
epoch's order from there (0.11 apart in the loss, 0.024 in the adapter's weights). `resumable`'s trainers hand a
resumed epoch's `set_epoch` to the sampler under its batch samplers (`reaching_sampler`).

A held-out evaluation draws from the generators training draws from (each DataLoader's iterator draws a seed from
torch's), and LoRA dropout's masks (PEFT's, or the fast path's dropout_masks.MaskPool) come from torch's generator:
the masks of every step after an evaluation depended on when the run evaluated. A run's adapter changed with
`eval_every` (0.05 in its weights, tiny model, 6 steps), and a run stopped at an epoch's end, whose checkpoint is
saved before that epoch's evaluation, resumed with other masks than the uninterrupted run (0.014). `resumable`'s
trainers evaluate with every generator put back as it was (`generators_kept`), so training draws the same numbers
whenever, and whether, it evaluates.

Not known here: which sampler a method asks for (training.trainer_arguments), the trainers themselves (training.py,
alignment.py).
"""

from __future__ import annotations

import contextlib
import random

import numpy as np
import torch
from transformers.trainer_pt_utils import LengthGroupedSampler, get_length_grouped_indices


def run_seed(args) -> int:
    """The seed a run's data order comes from: `data_seed`, else `seed` (as transformers and accelerate read them)."""
    return int(args.data_seed if getattr(args, "data_seed", None) is not None else args.seed)


class SeededLengthGroupedSampler(LengthGroupedSampler):
    """transformers' LengthGroupedSampler (rows of about the same length in one batch, the longest batch first) whose
    permutation is drawn from its own generator seeded with `seed + epoch` (see the module's docstring)."""

    def __init__(self, batch_size: int, lengths: list[int], seed: int) -> None:
        super().__init__(batch_size, lengths=list(lengths))
        self.seed, self.epoch = int(seed), 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __iter__(self):
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        return iter(get_length_grouped_indices(self.lengths, self.batch_size, generator=generator))


def _repeat_sampler_class() -> type:
    from trl.trainer.utils import RepeatSampler

    class SeededRepeatSampler(RepeatSampler):
        """TRL's RepeatSampler (each prompt repeated for its group of answers) whose shuffle at each epoch is drawn
        with its generator seeded with `seed + epoch` rather than carried on from the epochs before."""

        epoch = 0

        def set_epoch(self, epoch: int) -> None:
            self.epoch = int(epoch)

        def __iter__(self):
            if self.shuffle:
                self.generator.manual_seed(self.seed + self.epoch)
            yield from super().__iter__()

    return SeededRepeatSampler


def seeded(sampler, seed: int):
    """`sampler` (what a Trainer's `_get_train_sampler` returned), or the same order drawn from (seed, epoch) alone
    where it would have come from torch's global generator or a generator carried across epochs."""
    from trl.trainer.utils import RepeatSampler

    if type(sampler) is LengthGroupedSampler:
        return SeededLengthGroupedSampler(sampler.batch_size, sampler.lengths, seed)
    if type(sampler) is RepeatSampler:
        return _repeat_sampler_class()(
            data_source=sampler.data_source,
            mini_repeat_count=sampler.mini_repeat_count,
            batch_size=sampler.batch_size,
            repeat_count=sampler.repeat_count,
            shuffle=sampler.shuffle,
            seed=seed if sampler.seed is None else sampler.seed,  # TRL's GRPO passes the run's seed
        )
    return sampler  # accelerate's seedable RandomSampler, a SequentialSampler, None (no length)


@contextlib.contextmanager
def generators_kept():
    """Python's, numpy's and torch's global generators (CPU, and this process's GPU), as a checkpoint saves them,
    put back after the block as they were before it."""
    cuda = torch.cuda.is_available() and torch.cuda.is_initialized()
    python_state, numpy_state = random.getstate(), np.random.get_state()
    with torch.random.fork_rng(devices=[torch.cuda.current_device()] if cuda else []):
        try:
            yield
        finally:
            random.setstate(python_state)
            np.random.set_state(numpy_state)


def reaching_sampler(loader):
    """`loader` (a resumed epoch's, from the Trainer's `get_resumed_dataloader`) whose `set_epoch` also reaches the
    sampler under its batch samplers (accelerate's SkipBatchSampler and BatchSamplerShard wrap a BatchSampler)."""
    batches = getattr(loader, "batch_sampler", None)
    while hasattr(batches, "batch_sampler"):
        batches = batches.batch_sampler
    sampler = getattr(batches, "sampler", None)
    if not hasattr(sampler, "set_epoch") or not hasattr(loader, "set_epoch"):
        return loader
    given = loader.set_epoch

    def set_epoch(epoch: int) -> None:
        given(epoch)
        sampler.set_epoch(epoch)

    loader.set_epoch = set_epoch
    return loader


def resumable(base: type) -> type:
    """`base` (a transformers Trainer class) training its rows in an order drawn from the run's seed and the epoch
    alone (`seeded`), also in a resumed epoch (`reaching_sampler`), so a resumed run continues the uninterrupted one
    batch for batch, and evaluating without moving the generators its training draws from (`generators_kept`)."""

    class Resumable(base):
        def _get_train_sampler(self, *args, **kwargs):
            return seeded(super()._get_train_sampler(*args, **kwargs), run_seed(self.args))

        def get_resumed_dataloader(self, *args, **kwargs):
            return reaching_sampler(super().get_resumed_dataloader(*args, **kwargs))

        def evaluate(self, *args, **kwargs):
            with generators_kept():
                return super().evaluate(*args, **kwargs)

    Resumable.__name__ = Resumable.__qualname__ = base.__name__
    return Resumable


__all__ = ["SeededLengthGroupedSampler", "generators_kept", "reaching_sampler", "resumable", "run_seed", "seeded"]
