"""Don't overtrain: where the held-out loss turns while the training loss still falls, and early stopping on it.

    turn = memorising_from(run.read_metrics())     # Turn(step=40, ...) or None: for the loss chart's marker
    turn.sentence()                                # one plain sentence for the page
    diverged(run.read_metrics(), method)           # Divergence(first_loss=3.2, last_loss=14.3) or None
    schedule_warnings(config, train_rows)          # before launch: a batch above the rows, many passes, a huge rate,
                                                   # a warmup step at learning rate 0 that is much of a short run
    trainer_kwargs(config, eval_kwargs)            # what training.trainer_arguments adds when patience is on
    callbacks(config, has_eval)                    # [transformers.EarlyStoppingCallback] or []

The training loss is measured on rows the model is learning; the held-out (eval) loss on rows it never trains on.
While both fall the model is learning what carries over. When the held-out loss starts rising while the training
loss keeps falling, the model is memorising its training rows: more steps make it worse on anything new.

Early stopping is HF Trainer's own: `EarlyStoppingCallback(patience)` ends training once the held-out loss has not
improved for `patience` evaluations in a row, and `load_best_model_at_end` reloads the best checkpoint before the
result is saved, so the exported adapter or model is the best one, not the last. That needs a checkpoint at every
evaluation (the save schedule follows the evaluation schedule while it is on).

Not known here: the trainer (training.py), the run folder (rundir.py), drawing (ui/charts.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from ftlib.config import RunConfig, default_learning_rate
from ftlib.errors import plural
from ftlib.methods import METHOD_NAMES, METHOD_ROWS, PACKING_METHODS
from ftlib.warmup import warmup_steps as counted_warmup

# The held-out loss must end this much above its best (relative) before the chart calls it a rise: a wobble of
# a few thousandths on a small held-out split is noise, not memorising.
RISE = 0.01


@dataclass(frozen=True)
class Turn:
    """The point where the held-out loss started rising while the training loss still fell."""

    step: int  # the evaluation with the lowest held-out loss: the best checkpoint to keep
    best_eval_loss: float
    last_step: int
    last_eval_loss: float

    def sentence(self) -> str:
        return (
            f"From step {self.step} the held-out loss rises ({self.best_eval_loss:.3f} → {self.last_eval_loss:.3f}) "
            "while the training loss still falls: the model has started memorising the training rows instead of "
            "learning what carries over to new ones."
        )


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def memorising_from(rows: list[dict], rise: float = RISE) -> Turn | None:
    """Where a run started memorising, from its metric rows (`kind` "train" with `loss`, "eval" with `eval_loss`).

    The best evaluation must be followed by at least two more, every one above it and the last by more than `rise`
    (relative); and the training loss over those later steps must be lower on average than over as many steps up
    to the best one (it still falls). None otherwise: too few evaluations, still improving, or both rising (the
    run diverges, which is not memorising).

    >>> rows = [{"kind": "train", "step": s, "loss": 3.0 - 0.1 * s} for s in range(1, 13)]
    >>> rows += [{"kind": "eval", "step": s, "eval_loss": v} for s, v in ((3, 2.5), (6, 2.2), (9, 2.3), (12, 2.5))]
    >>> memorising_from(rows).step
    6
    """
    # Step 0 is the base model's evaluation before training (worker: evaluate_first): no checkpoint to keep, and HF's
    # early stopping never counts it either, so the mark and the kept checkpoint agree.
    evals = sorted(
        (r["step"], float(r["eval_loss"]))
        for r in rows
        if r.get("kind") == "eval" and r.get("step", 0) > 0 and _ok(r.get("eval_loss"))
    )
    if len(evals) < 3:
        return None
    best_i = min(range(len(evals)), key=lambda i: (evals[i][1], i))
    best_step, best = evals[best_i]
    later = evals[best_i + 1 :]
    last_step, last = evals[-1]
    # Relative to the best's size: robust DPO's loss goes below 0, where best * (1 + rise) lies below the best.
    if len(later) < 2 or any(v <= best for _, v in later) or last - best <= rise * abs(best):
        return None
    train = [(r["step"], float(r["loss"])) for r in rows if r.get("kind") == "train" and _ok(r.get("loss"))]
    after = [v for s, v in train if best_step < s <= last_step]
    span = last_step - best_step
    before = [v for s, v in train if best_step - span < s <= best_step]
    mean_after, mean_before = _mean(after), _mean(before)
    if mean_after is None or mean_before is None or mean_after >= mean_before:
        return None
    return Turn(step=best_step, best_eval_loss=best, last_step=last_step, last_eval_loss=last)


def _ok(value) -> bool:
    return isinstance(value, (int, float)) and value == value and abs(value) != float("inf")


# ---------------------------------------------------------------------------------------------------------------
# Divergence: a learning rate too big makes the loss rise instead of fall
# ---------------------------------------------------------------------------------------------------------------

# A training loss that ends this many times above where it started has diverged (a bad learning rate, not noise:
# the loss of a healthy run ends below its first value). The end is the mean of the last few logged losses, so one
# hard batch at the end does not flag a run.
DIVERGED = 1.5
LAST_LOSSES = 3
# GRPO's loss is a policy loss around 0 (its sign follows the advantages), not a measure of how wrong the model is.
NO_LOSS_TREND = ("grpo",)


@dataclass(frozen=True)
class Divergence:
    """A run whose training loss ended well above where it started."""

    first_loss: float
    last_loss: float

    def sentence(self) -> str:
        """'loss rose from 3.2 to 14.3: training diverged; try a lower learning rate'."""
        return (
            f"loss rose from {self.first_loss:.3g} to {self.last_loss:.3g}: training diverged; try a lower learning "
            "rate"
        )


SMOOTHING_STEPS = 10  # the training-loss headline (Train page, `runs show`) is the mean of this many last steps


def smoothed_loss(metrics: list[dict], steps: int = SMOOTHING_STEPS) -> tuple[float, int] | None:
    """(mean loss, how many steps it averages) over the last `steps` logged training steps of metrics.jsonl rows, and
    at most the later half of them: one step's loss is one batch's and jumps from batch to batch, so a headline of it
    alone misleads (walk 9 F6); but in a run of a few steps the first ones, before it learnt anything, would make the
    headline several times the last step's (a 4-step run's 1.10 beside its last step's 0.30: a newcomer's walk).

    >>> rows = [{"kind": "train", "loss": 2.0}, {"kind": "eval", "eval_loss": 9.0}, {"kind": "train", "loss": 1.0}]
    >>> smoothed_loss(rows), smoothed_loss(rows * 2)
    ((1.0, 1), (1.5, 2))
    """
    losses = [r["loss"] for r in metrics if r.get("kind") == "train" and r.get("loss") is not None]
    losses = losses[-min(steps, max(1, len(losses) // 2)) :]
    return (math.fsum(losses) / len(losses), len(losses)) if losses else None


def diverged(rows: list[dict], method: str | None = None, ratio: float = DIVERGED) -> Divergence | None:
    """Whether a run's training loss ended more than `ratio` times its first logged value, from its metric rows
    (`kind` "train" with `loss`): the mean of the last `LAST_LOSSES` logged losses against the first. None when it
    did not, with fewer than two logged losses, for GRPO (its loss is not a measure of error), or where the run's last
    held-out loss (`kind` "eval", `eval_loss`) is below the starting model's (its step-0 evaluation): the rows it never
    trained on say the model got better, so the rise is one batch's loss against another's, not a diverged run.

    >>> rows = [{"kind": "train", "step": s, "loss": v} for s, v in enumerate((3.2, 2.9, 9.0, 13.8, 14.3, 14.8))]
    >>> diverged(rows).sentence()
    'loss rose from 3.2 to 14.3: training diverged; try a lower learning rate'
    >>> diverged(rows[:2]) is None
    True
    """
    if method in NO_LOSS_TREND:
        return None
    losses = [float(r["loss"]) for r in sorted(rows, key=lambda r: r.get("step", 0)) if _train_loss(r)]
    if len(losses) < 2:
        return None
    first, tail = losses[0], losses[1:][-LAST_LOSSES:]
    last = sum(tail) / len(tail)
    if first <= 0 or last <= first * ratio or _held_out_fell(rows):
        return None
    return Divergence(first_loss=first, last_loss=last)


def _held_out_fell(rows: list[dict]) -> bool:
    """Whether the last held-out loss after step 0 is below step 0's (the starting model's, worker's evaluate_first).
    A helper walk's 2-step run at batch size 1 logged losses 2.80 then 5.83 (two different rows) and was called
    diverged, "likely worse than the model it started from", while its held-out loss fell from 5.30 to 4.26."""
    evals = sorted(
        (r.get("step", 0), float(r["eval_loss"])) for r in rows if r.get("kind") == "eval" and _ok(r.get("eval_loss"))
    )
    start = next((v for s, v in evals if s == 0), None)
    later = [v for s, v in evals if s > 0]
    return start is not None and bool(later) and later[-1] < start


def _train_loss(row: dict) -> bool:
    return row.get("kind") == "train" and _ok(row.get("loss"))


def plain_number(value: float) -> str:
    """A small number as the Train form's box shows it: 0.002, 0.00005 (no exponent down to a millionth).

    >>> plain_number(2e-3), plain_number(5e-5), plain_number(0.5), plain_number(1e-7)
    ('0.002', '0.00005', '0.5', '1e-07')
    """
    if value >= 1e-6:
        return f"{value:.12f}".rstrip("0").rstrip(".")
    return f"{value:g}"


# A learning rate this many times the method's proven default is a typo or an experiment that usually ends in a
# diverged run (the walk's 0.5 for LoRA, 250x its 0.002, took the loss from 3.2 to 14.3 in 10 steps).
LR_FACTOR = 10


def learning_rate_warnings(config: RunConfig) -> list[str]:
    """Before launch: a learning rate more than `LR_FACTOR` times the method's proven default (ftlib.methods
    .DEFAULT_LR), in plain words, with the default to go back to.

    >>> learning_rate_warnings(RunConfig(method="lora", learning_rate=0.5))[0][:60]
    'Learning rate 0.5 is 250 times the usual 0.002 for LoRA: ste'
    >>> learning_rate_warnings(RunConfig(method="lora", learning_rate=0.01))
    []
    """
    default = default_learning_rate(config.method, config.tuning)
    rate = config.learning_rate
    if rate is None or rate <= default * LR_FACTOR:
        return []
    return [
        f"Learning rate {plain_number(rate)} is {rate / default:.0f} times the usual {plain_number(default)} for "
        f"{METHOD_NAMES.get(config.method, config.method)}: steps that big usually make the loss blow up instead of "
        f"fall (the run diverges and the model gets worse). Go back to {plain_number(default)} unless you are "
        "testing exactly this."
    ]


# ---------------------------------------------------------------------------------------------------------------
# Early stopping (HF Trainer's EarlyStoppingCallback + load_best_model_at_end)
# ---------------------------------------------------------------------------------------------------------------


# GRPO's held-out loss is its policy loss on fresh answers, not a measure of what carries over: nothing to stop on.
NO_EARLY_STOPPING = ("grpo",)


def active(config: RunConfig, has_eval: bool) -> bool:
    """Whether early stopping runs: a patience above 0, held-out rows to measure and a method with a held-out loss
    worth stopping on."""
    return bool(config.early_stopping_patience) and has_eval and config.method not in NO_EARLY_STOPPING


def trainer_kwargs(config: RunConfig, has_eval: bool, eval_kwargs: dict) -> dict:
    """The TrainingArguments that keep the best checkpoint: a save at every evaluation (`eval_kwargs` holds the
    evaluation schedule), the best by held-out loss reloaded at the end. {} when early stopping is off.

    A resume restores EarlyStoppingCallback's count of evaluations without improvement from its checkpoint, which the
    Trainer does only when asked (`restore_callback_states_from_checkpoint`): counted afresh, a run stopped one
    evaluation past its best and resumed trained on past the step where the uninterrupted run stopped early."""
    if not active(config, has_eval):
        return {}
    out = {"load_best_model_at_end": True, "metric_for_best_model": "eval_loss", "greater_is_better": False}
    out["restore_callback_states_from_checkpoint"] = True
    if eval_kwargs.get("eval_strategy") == "steps":
        return out | {"save_strategy": "steps", "save_steps": eval_kwargs["eval_steps"]}
    return out | {"save_strategy": "epoch"}


def callbacks(config: RunConfig, has_eval: bool) -> list:
    """[EarlyStoppingCallback(patience)] when early stopping is on, else []. (Its reload of a tied model's best
    checkpoint says nothing of the LM head left out of it: `training_model.spare_tied_keys`.)"""
    if not active(config, has_eval):
        return []
    from transformers import EarlyStoppingCallback

    return [EarlyStoppingCallback(early_stopping_patience=config.early_stopping_patience)]


def preflight_warnings(config: RunConfig, eval_rows: int) -> list[str]:
    """What keeps early stopping from working with these settings, in plain words."""
    if not config.early_stopping_patience:
        return []
    if config.method in NO_EARLY_STOPPING:
        return [
            f"Early stopping is on, but {config.method.upper()} has no held-out loss that says when to stop: it will "
            "train its planned steps. Watch the rewards and the latest answers instead."
        ]
    if not eval_rows:
        return [
            "Early stopping is on, but this dataset has no held-out rows to measure: it will not stop early. "
            "Save a split with a test part on the Data page, or train on a data file with a `test_size` above 0 "
            "(`--test-size 0.1` in the CLI)."
        ]
    if not config.eval_every and (config.max_steps or config.epochs <= config.early_stopping_patience):
        return [
            f"Early stopping waits for {config.early_stopping_patience} evaluation(s) without improvement, but the "
            "held-out loss is measured only once per epoch: set 'Evaluate every N steps' (`--eval-every` in the CLI) "
            "so it is measured often enough to stop early."
        ]
    return []


# More passes over the same rows than this and a small split is learnt by heart: instruction tuning usually makes 1 to
# 3 passes (epochs); the studio warns above 5.
MANY_PASSES = 5


def passes(config: RunConfig, train_rows: int) -> float:
    """How many times the run goes over its training rows: its epochs, or max steps over the steps one pass takes.

    One optimizer step uses batch_size x grad_accum rows per process (HF Trainer: a pass takes at least one step,
    however few rows there are).

    >>> passes(RunConfig(max_steps=20, batch_size=1024), 153)
    20.0
    >>> passes(RunConfig(max_steps=20, batch_size=8), 153)
    1.0
    """
    return config.max_steps / steps_per_pass(config, train_rows) if config.max_steps else float(config.epochs)


def step_rows(config: RunConfig, lengths: list[int]) -> int:
    """The rows the trainer steps over for training rows of `lengths` tokens: the rows TRL packs them into when an
    SFT run packs (`batch_plans.packed_lengths`: several rows in one, and with bfd_split a long row in several),
    else one a training row. What `planned_steps` and `steps_per_pass` count a packing run's steps in.

    >>> step_rows(RunConfig(packing=True, max_length=80), [50, 30, 40]), step_rows(RunConfig(), [50, 30, 40])
    (2, 3)
    """
    from ftlib.batch_plans import packed_lengths

    if not (config.packing and config.method in PACKING_METHODS):
        return len(lengths)
    return len(packed_lengths(lengths, config.max_length, split=config.packing_strategy == "bfd_split"))


def steps_per_pass(config: RunConfig, train_rows: int) -> int:
    """The optimizer steps one pass over `train_rows` takes: batch_size x grad_accum rows a step per process, at
    least one step (HF Trainer)."""
    per_step = config.batch_size * config.grad_accum * config.nproc * config.nnodes
    return max(1, -(-train_rows // per_step))


def planned_steps(config: RunConfig, train_rows: int) -> int:
    """The optimizer steps a run over `train_rows` training rows takes, known before its first step: its max steps,
    else its epochs times the steps one pass takes (`steps_per_pass`; GRPO's `grpo_steps_per_pass`), rounded up, as
    HF Trainer counts them. What the Train page says before Start ("This run takes 5 optimizer steps") and what a
    queued run's progress counts to until the trainer reports its own (status.json's `planned_steps`).

    >>> planned_steps(RunConfig(max_steps=20), 153), planned_steps(RunConfig(batch_size=4, epochs=1.5), 10)
    (20, 5)
    >>> planned_steps(RunConfig(method="grpo", rewards=[{"regex": "x"}], batch_size=4, grad_accum=1, epochs=2), 30)
    14
    """
    per_pass = (
        grpo_steps_per_pass(config, train_rows) if config.method == "grpo" else steps_per_pass(config, train_rows)
    )
    return config.max_steps or math.ceil(per_pass * config.epochs)


def grpo_steps_per_pass(config: RunConfig, train_rows: int) -> int:
    """The optimizer steps one pass over `train_rows` GRPO prompts takes: whole steps of `grpo_prompts_per_step`
    prompts only (TRL's sampler leaves a batch that is not full out; `schedule_warnings` says so), at least one (HF
    Trainer; `grpo_batch_error` refuses a split too small for one).

    >>> grpo_steps_per_pass(RunConfig(method="grpo", rewards=[{"regex": "x"}], batch_size=4, grad_accum=2), 30)
    3
    """
    return max(1, train_rows // grpo_prompts_per_step(config))


def grpo_prompts_per_step(config: RunConfig) -> int:
    """The prompts one GRPO optimizer step takes: batch size (prompts, each answered group-size times) x gradient
    accumulation x processes (TRL's generation batch over `num_generations`).

    >>> grpo_prompts_per_step(RunConfig(method="grpo", rewards=[{"regex": "x"}], batch_size=4, grad_accum=2))
    8
    """
    return config.batch_size * config.grad_accum * config.nproc * config.nnodes


def grpo_batch_error(config: RunConfig, train_rows: int) -> str | None:
    """Why a GRPO run could not make a single step, or None: TRL's sampler yields only full batches of prompts, so
    with fewer training prompts than a step takes it yields none (TRL then fails on an epoch with no batch, or a
    max-steps run ends at step 0, "finished")."""
    per_step = grpo_prompts_per_step(config)
    if config.method != "grpo" or not 0 < train_rows < per_step:
        return None
    world = config.nproc * config.nnodes
    others = per_step // config.batch_size  # gradient accumulation x processes
    if train_rows >= others:
        fix = f"set the batch size to {train_rows // others} or less"
    elif train_rows >= world:  # even a batch of 1 is too many: fewer accumulation steps
        fix = f"set the batch size to 1 and the gradient accumulation to {train_rows // world}"
    else:
        fix = f"use {train_rows} process{'es' if train_rows > 1 else ''} at most, with batch size 1"
    return (
        f"GRPO takes {per_step} prompts a step (batch size {config.batch_size}"
        + (f" x gradient accumulation {config.grad_accum}" if config.grad_accum > 1 else "")
        + (f" x {world} processes" if world > 1 else "")
        + f"), but there are {train_rows} training prompts, so no step can run: {fix}, or add prompts."
    )


def schedule_warnings(config: RunConfig, train_rows: int, stepped: int | None = None) -> list[str]:
    """What the learning rate, the batch size and the number of steps do, in plain words: a learning rate far above
    the method's proven one (`learning_rate_warnings`), a batch bigger than the split (a step cannot hold more rows
    than there are), a run so short that its warmup's step at learning rate 0 is a quarter of it or more
    (`zero_rate_warning`), and many passes over the same rows (the model memorises them). GRPO is spared the
    last: it learns from answers it writes anew at every step. `stepped`: the rows the trainer steps over, where
    they are not the training rows (a packing run's packed rows, `step_rows`): the steps and passes count them."""
    stepped = train_rows if stepped is None else stepped
    if train_rows <= 0:
        return []
    unit = "pairs" if METHOD_ROWS.get(config.method) == ("preference",) else "rows"  # DPO's split says "6 pairs"
    out = learning_rate_warnings(config)
    if config.method == "grpo":
        # TRL's sampler leaves out a batch of prompts that is not full (`grpo_batch_error` refuses a split with none).
        per_step = grpo_prompts_per_step(config)
        left = train_rows % per_step
        if train_rows >= per_step and left:
            out.append(
                f"Each GRPO step takes {per_step} prompts, so each pass over the {train_rows} training prompts uses "
                f"{train_rows - left} of them; TRL leaves the other {left} out (which ones changes from pass to "
                f"pass). A batch size that divides {train_rows} uses them all."
            )
    elif config.batch_size > stepped:  # a packing run's batch holds packed rows: more or fewer than the training rows
        smaller = max(2 if config.method == "kto" else 1, min(8, stepped // 3))
        # A step takes batch x accumulation x processes rows: "a batch size of 6 gives 4 steps" held at accumulation 1
        steps = steps_per_pass(replace(config, batch_size=smaller), stepped)
        alone = steps_per_pass(replace(config, batch_size=smaller, grad_accum=1), stepped)
        fix = f"A batch size of {smaller} gives {steps} steps per pass." if steps > 1 else f"Add training {unit}."
        if steps == 1 < alone:
            fix = f"A batch size of {smaller} and gradient accumulation 1 give {alone} steps per pass."
        everything = "it" if train_rows == 1 else "both" if train_rows == 2 else f"all {train_rows}"  # not "all 1"
        rows = plural(train_rows, f"training {unit[:-1]}")  # "1 training pair"
        if stepped != train_rows:
            rows, everything = f"{plural(stepped, 'row')} packing makes of the {train_rows} training rows", "them all"
        out.append(
            f"Batch size {config.batch_size} is more than the {rows}: a step cannot hold more {unit} than there are, "
            f"so every step is one pass over {everything}. {fix}"
        )
    if said := zero_rate_warning(config, stepped):
        out.append(said)
    times = passes(config, stepped)
    if times > MANY_PASSES and config.method != "grpo":
        fewer = f"about {round(3 * config.max_steps / times) or 1} max steps (3 passes)" if config.max_steps else ""
        fix = f"Use {fewer or '1 to 3 epochs'} or more {unit}"
        out.append(
            f"{times:.1f}".removesuffix(".0") + f" passes over {train_rows} training {unit}: the model will memorise "
            f"them (repeat them word for word) rather than learn what carries over to new prompts. {fix}, and "
            "watch the held-out loss on the chart."
        )
    return out


def warmup_steps(config: RunConfig, steps: int) -> int:
    """The warmup steps of a run of `steps` optimizer steps, as training counts them for its scheduler
    (`ftlib.warmup.warmup_steps`: the share rounded down, `floor(steps x warmup_ratio)`; transformers' own count
    rounds up), and none for the `constant` schedule (`get_scheduler` ignores it).

    >>> [warmup_steps(RunConfig(max_steps=m), m) for m in (1, 2, 20, 41)], warmup_steps(RunConfig(warmup_ratio=0), 9)
    ([0, 0, 1, 2], 0)
    """
    return counted_warmup(config.warmup_ratio, config.scheduler, steps)


def zero_rate_steps(config: RunConfig, steps: int) -> int:
    """How many of a run's `steps` optimizer steps run at learning rate 0: the first warmup step (the ramp's factor
    is step / warmup steps, and the first step is step 0), when there is a warmup; after it, cosine and linear decay
    reach 0 only at step `steps`, one past the last.

    >>> zero_rate_steps(RunConfig(max_steps=2, warmup_ratio=0.5), 2), zero_rate_steps(RunConfig(max_steps=2), 2)
    (1, 0)
    """
    return min(1, warmup_steps(config, steps))


def zero_rate_warning(config: RunConfig, train_rows: int) -> str | None:
    """A warning when the steps at learning rate 0 (`zero_rate_steps`) are a quarter of the run or more: a 4-step run
    with a warmup share of 0.25 or more spends its first step learning nothing. None otherwise. The steps are max
    steps, else those the epochs come to."""
    steps = planned_steps(config, train_rows)
    zero, warmup = zero_rate_steps(config, steps), warmup_steps(config, steps)
    if not zero or 4 * zero < steps:
        return None
    ramp = (
        f"the warmup share (warmup_ratio) {config.warmup_ratio:g} of {plural(steps, 'step')} makes a warmup of "
        f"{plural(warmup, 'step')}, and the warmup's first step has learning rate 0"
    )
    more = "a higher max steps" if config.max_steps else "more epochs or a smaller batch size"
    fix = (
        f"Give it more steps ({more}; from 5 steps on, that one is under a quarter of the run), or set the warmup "
        f"share to 0 (or below {1 / steps:.2g}, which gives {plural(steps, 'step')} no warmup)."
    )
    # zero < steps: the warmup is rounded down (ftlib.warmup), so a 1-step run has none.
    return f"{zero} of the run's {steps} optimizer steps runs at learning rate 0 and learns nothing: {ramp}. {fix}"


def kept_step(state, config: RunConfig) -> int | None:
    """The step whose checkpoint early stopping reloaded as the run's result (`load_best_model_at_end`), else None."""
    return state.best_global_step if config.early_stopping_patience else None


def no_signal_note(log_history: list[dict]) -> str:
    """The sentence that ends a GRPO run's message when every logged step gave each group of answers equal rewards
    (TRL's `frac_reward_zero_std` 1, or `reward_std` 0 where it logs no such fraction): every advantage (a reward minus
    its group's mean, DeepSeekMath's GRPO) was 0, so nothing was learned; "" otherwise.

    >>> no_signal_note([{"step": 1, "reward": 0.5, "reward_std": 0.0}, {"step": 2, "reward_std": 0.0}])[:56]
    ' Every group of answers got equal rewards at every step:'
    >>> no_signal_note([{"step": 1, "reward_std": 0.0}, {"step": 2, "reward_std": 0.25}])
    ''
    >>> no_signal_note([{"step": 1, "reward_std": 0.5, "frac_reward_zero_std": 1.0}])[:41]  # groups alike within
    ' Every group of answers got equal rewards'
    >>> cut = no_signal_note([{"step": 1, "reward_std": 0.0, "completions/clipped_ratio": 1.0}])
    >>> cut[cut.index("Every answer was cut"):][:94]
    'Every answer was cut at the answer length limit, before its end, at every step: raise grpo_max'
    >>> "was cut" in no_signal_note([{"step": 1, "reward_std": 0.0, "completions/clipped_ratio": 0.5}])
    False
    """
    steps = [e for e in log_history if "reward_std" in e or "frac_reward_zero_std" in e]
    # The fraction where TRL logs it: its reward_std is the whole batch's spread, above 0 where each group scored
    # alike but the groups differ (one group all 1, another all 0), and every advantage is still 0.
    flat = [
        e["frac_reward_zero_std"] >= 1.0 if "frac_reward_zero_std" in e else not e.get("reward_std") for e in steps
    ]
    if not steps or not all(flat):
        return ""
    # Every answer stopped at the length limit (TRL's clipped ratio 1 at each step): a reward that reads an answer's
    # end (its final answer, a closing tag) then scores none, whatever the rewards, temperature or group size.
    cut = all(e.get("completions/clipped_ratio", 0) >= 1.0 for e in steps)
    first = (
        "Every answer was cut at the answer length limit, before its end, at every step: raise grpo_max_new_tokens "
        "first, as a reward that reads an answer's end (final_answer, a closing tag) scores none of them. Then "
        if cut
        else ""
    )
    return (
        " Every group of answers got equal rewards at every step: GRPO had nothing to learn from: "
        "an answer's advantage is its reward minus its group's mean, 0 for every answer, and the model is unchanged. "
        f"{first}{'u' if cut else 'U'}se rewards that tell the answers apart (a graded reward rather than all or "
        "nothing, one the answers can meet), a higher temperature (grpo_temperature) or more answers per prompt "
        "(grpo_group_size); the Train page's reward preview shows what they score."
    )


def finish_message(state, config: RunConfig) -> str | None:
    """What the run's status says when early stopping ended it (a transformers TrainerState), else None."""
    if not config.early_stopping_patience or state.best_global_step is None:
        return None
    planned = state.max_steps
    if planned and state.global_step >= planned:
        said = f"Finished. The saved result is the best checkpoint: step {state.best_global_step}, held-out loss " + (
            f"{state.best_metric:.4f}."
        )
    else:
        said = (
            f"Stopped early at step {state.global_step} of {planned}: the held-out loss had not improved for "
            f"{config.early_stopping_patience} evaluation(s). The saved result is the best checkpoint: step "
            f"{state.best_global_step}, held-out loss {state.best_metric:.4f}."
        )
    # The evaluation before the first step (the untrained model's) is no checkpoint, so HF's best is chosen among the
    # trained ones only: one that never beat it is worse than no training at all, which must be said.
    before = next((e["eval_loss"] for e in state.log_history if e.get("step") == 0 and "eval_loss" in e), None)
    if before is not None and state.best_metric is not None and state.best_metric >= before:
        said += (
            f" No evaluation beat the held-out loss before training ({before:.4f}): the saved result is worse on new "
            f"rows than the untrained model. Lower the learning rate (it is {plain_number(config.learning_rate)}) "
            "or train on more rows."
        )
    return said


__all__ = [
    "DIVERGED",
    "LR_FACTOR",
    "MANY_PASSES",
    "RISE",
    "Divergence",
    "Turn",
    "active",
    "callbacks",
    "diverged",
    "finish_message",
    "grpo_batch_error",
    "kept_step",
    "grpo_prompts_per_step",
    "grpo_steps_per_pass",
    "learning_rate_warnings",
    "memorising_from",
    "passes",
    "plain_number",
    "preflight_warnings",
    "schedule_warnings",
    "smoothed_loss",
    "step_rows",
    "trainer_kwargs",
    "warmup_steps",
    "zero_rate_steps",
    "zero_rate_warning",
]
