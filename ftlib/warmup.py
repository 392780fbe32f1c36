"""The learning-rate warmup of a run: how many of its optimizer steps ramp the rate up from 0.

    warmup_steps(0.05, "cosine", 4)      # 0: a 4-step run has no warmup (5% of 4 steps is under one step)
    warmup_steps(0.05, "cosine", 400)    # 20
    floor_warmup(trainer, 0.05)          # the trainer's scheduler counts its warmup so (training.build_trainer)

Why not transformers' own count: `TrainingArguments.get_warmup_steps` rounds the share up (`ceil(steps x share)`),
so any share above 0 makes at least one warmup step, and the warmup's first step runs at learning rate 0 (the ramp's
factor is step / warmup steps, from step 0). With our default share of 0.05 a 4-step demo run spent a whole quarter of
its steps learning nothing, and the Train page opened with a warning about a setting the user never chose.
transformers 5 (5.25 here) defaults to no warmup at all (`warmup_steps=0`; its old `warmup_ratio` field is gone,
a float below 1 in `warmup_steps` is the share), and TRL 1.16's SFT, DPO, KTO, reward and GRPO configs keep that
default. We keep a small warmup for runs long enough to have one, rounded down (`floor(steps x share)`), so the
warmup is never more than the share asked for: a run under 1 / share steps has none, and a long run's warmup is
transformers' own within one step. A share the user raises so that a short run still wastes a step is warned of
(`overfitting.zero_rate_warning`).

Not known here: the form (config.py), the warning's words (overfitting.py).
"""

from __future__ import annotations

import math

NO_WARMUP_SCHEDULES = frozenset({"constant"})  # transformers' get_scheduler passes the constant schedule no warmup


def warmup_steps(share: float, scheduler: str, steps: int) -> int:
    """The warmup steps of a run of `steps` optimizer steps whose warmup share is `share` (RunConfig.warmup_ratio,
    0 <= share < 1): `floor(steps x share)`, 0 for the constant schedule (transformers ignores a warmup there).

    >>> [warmup_steps(0.05, "cosine", n) for n in (1, 4, 19, 20, 21, 400)], warmup_steps(0.5, "constant", 9)
    ([0, 0, 0, 1, 1, 20], 0)
    """
    if scheduler in NO_WARMUP_SCHEDULES or share <= 0:
        return 0
    return math.floor(steps * share + 1e-9)  # 0.05 x 20 is 1.0000000000000002 or 0.9999999999999999 in floats


def floor_warmup(trainer, share: float) -> None:
    """Make `trainer` (a transformers Trainer) count its scheduler's warmup as `warmup_steps` does, from the steps
    the Trainer itself plans (`max_steps`, or the epochs' steps it counts from its data loader: packed rows
    included). The arguments keep the share (`args.warmup_steps`, saved with each checkpoint): only the count
    passed to the scheduler changes, once, when the Trainer creates it (`Trainer.create_scheduler`)."""
    create = trainer.create_scheduler

    def create_scheduler(num_training_steps: int, optimizer=None):
        asked = trainer.args.warmup_steps
        # A whole number of steps (>= 1) is taken as it is by get_warmup_steps, and 0 is no warmup.
        trainer.args.warmup_steps = warmup_steps(asked, str(trainer.args.lr_scheduler_type.value), num_training_steps)
        try:
            return create(num_training_steps, optimizer)
        finally:
            trainer.args.warmup_steps = asked

    if 0 < share < 1:
        trainer.create_scheduler = create_scheduler


__all__ = ["NO_WARMUP_SCHEDULES", "floor_warmup", "warmup_steps"]
