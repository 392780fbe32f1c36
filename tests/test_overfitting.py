"""Don't overtrain: the chart's "memorising from here" point on loss curves, and early stopping on held-out loss
through HF Trainer's own EarlyStoppingCallback + load_best_model_at_end (a real tiny run stops early and exports
its best checkpoint, not its last)."""

from __future__ import annotations

import pytest

from ftlib import overfitting, workspace
from ftlib.config import RunConfig, default_learning_rate
from ftlib.overfitting import diverged, plain_number, schedule_warnings
from ftlib.run_preflight import preflight
from ftlib.testing import make_run
from ftlib.worker import execute


def curves(train: list[float], evals: dict[int, float]) -> list[dict]:
    rows = [{"kind": "train", "step": s, "loss": v} for s, v in enumerate(train, start=1)]
    return rows + [{"kind": "eval", "step": s, "eval_loss": v} for s, v in evals.items()]


FALLING = [3.0 - 0.1 * s for s in range(12)]
RISING = [1.0 + 0.1 * s for s in range(12)]
# (id, metric rows, the step the chart marks or None)
CASES = [
    ("held-out rises, training falls", curves(FALLING, {3: 2.5, 6: 2.2, 9: 2.3, 12: 2.5}), 6),
    ("still improving", curves(FALLING, {3: 2.5, 6: 2.2, 9: 2.1, 12: 2.0}), None),
    ("only one evaluation after the best", curves(FALLING, {3: 2.5, 6: 2.4, 9: 2.2, 12: 2.6}), None),
    ("a dip back to the best is not a rise", curves(FALLING, {3: 2.5, 6: 2.2, 9: 2.3, 12: 2.2}), None),
    ("a rise within noise", curves(FALLING, {3: 2.5, 6: 2.2, 9: 2.201, 12: 2.205}), None),
    # Robust DPO's loss goes below 0 as pairs' gaps widen: a rise within noise there is no turn either (the relative
    # rise was measured against a negative best, so any rise at all passed it).
    ("a rise within noise below 0", curves(FALLING, {3: -1.0, 6: -2.2, 9: -2.199, 12: -2.195}), None),
    ("both rise: diverging, not memorising", curves(RISING, {3: 1.5, 6: 1.4, 9: 1.6, 12: 1.9}), None),
    ("too few evaluations", curves(FALLING, {6: 2.2, 12: 2.5}), None),
    ("no evaluations", curves(FALLING, {}), None),
    ("a NaN evaluation is ignored", curves(FALLING, {3: 2.5, 5: float("nan"), 6: 2.2, 9: 2.3, 12: 2.5}), 6),
    # The base model's evaluation before the first step is no checkpoint to keep (HF's early stopping skips it too).
    ("step 0 (the base model) is not a turn", curves(FALLING, {0: 2.0, 3: 2.5, 6: 2.2, 9: 2.3, 12: 2.5}), 6),
]


@pytest.mark.parametrize("rows, step", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_memorising_is_marked_where_held_out_loss_turns_while_training_loss_falls(rows, step):
    turn = overfitting.memorising_from(rows)
    assert (turn.step if turn else None) == step
    if turn:
        assert turn.best_eval_loss == 2.2 and turn.last_eval_loss == 2.5 and turn.last_step == 12
        assert "memorising the training rows" in turn.sentence() and "step 6" in turn.sentence()


@pytest.mark.parametrize("best", [2.0, -2.0])
def test_the_rise_must_pass_its_share_of_the_bests_size_above_and_below_0(best):
    """The last evaluation must rise by more than `rise` x |best|: exactly that much is no turn, a hair more is, on
    either side of 0 (robust DPO's loss goes below 0, and a real turn there is marked too)."""
    evals = {3: best + 1.0, 6: best, 9: best + 0.25}
    assert overfitting.memorising_from(curves(FALLING, {**evals, 12: best + 0.5}), rise=0.25) is None
    turn = overfitting.memorising_from(curves(FALLING, {**evals, 12: best + 0.625}), rise=0.25)
    assert turn is not None and turn.step == 6 and turn.best_eval_loss == best


CHAT = [
    {
        "messages": [
            {"role": "user", "content": f"Say the word {i % 3}."},
            {"role": "assistant", "content": "banana banana banana banana"},
        ]
    }
    for i in range(16)
]
HELD_OUT = [
    {
        "messages": [
            {"role": "user", "content": f"Say the word {i}."},
            {"role": "assistant", "content": "the quick brown fox jumps"},
        ]
    }
    for i in range(4)
]


def test_early_stopping_ends_the_run_and_exports_the_best_checkpoint(tiny_model_dir):
    """Held-out answers unlike the training ones: the held-out loss turns within a few steps at this learning rate,
    HF's EarlyStoppingCallback ends the run, and the exported adapter is the best checkpoint's, not the last."""
    from safetensors.torch import load_file

    workspace.save_split("bananas", CHAT, HELD_OUT, {})
    settings = {"model": str(tiny_model_dir), "dataset": "bananas", "max_steps": 30, "batch_size": 4}
    settings |= {"eval_every": 2, "early_stopping_patience": 2, "learning_rate": 1e-2, "max_length": 48}
    run = make_run("early", settings | {"device": "cpu"}, state="running")
    assert execute(run.path) == "finished"

    steps = [(m["step"], m["eval_loss"]) for m in run.read_metrics() if m["kind"] == "eval"]
    assert steps[0][0] == 0  # the base model's held-out loss, before the first step: not a checkpoint to keep
    evals = steps[1:]
    best_step, best = min(evals, key=lambda e: e[1])
    last_step = evals[-1][0]
    assert last_step < 30, "the run should have stopped early"
    assert [s for s, _ in evals if s > best_step] == [best_step + 2, best_step + 4]  # patience 2, then it stops
    message = run.read_status()["message"]
    assert f"Stopped early at step {last_step} of 30" in message and f"step {best_step}" in message
    # Tables judge the run by the checkpoint it kept, not by the last evaluation (whose loss is worse).
    assert (run.summary().kept_step, run.summary().eval_loss) == (best_step, best)
    best_weights = load_file(str(run.checkpoints / f"checkpoint-{best_step}" / "adapter_model.safetensors"))
    saved = load_file(str(run.adapter_dir / "adapter_model.safetensors"))
    assert saved.keys() == best_weights.keys()
    assert all((saved[k] == best_weights[k]).all() for k in saved)


@pytest.mark.parametrize(
    "settings, test_rows, warning",
    [
        ({"early_stopping_patience": 2, "eval_every": 5}, [], "no held-out rows"),
        ({"early_stopping_patience": 2}, HELD_OUT, "measured only once per epoch"),
        ({"early_stopping_patience": 2, "eval_every": 5}, HELD_OUT, None),
        ({"early_stopping_patience": 0}, [], None),
    ],
)
def test_preflight_says_when_early_stopping_cannot_work(tiny_model_dir, smol_tokenizer, settings, test_rows, warning):
    config = RunConfig(model=str(tiny_model_dir), dataset="x", **settings)
    report = preflight(config, tokenizer=smol_tokenizer, rows=(CHAT, test_rows))
    early = [w for w in report.warnings if "Early stopping" in w]
    assert (early[0] if early else None) is None if warning is None else warning in early[0]


def test_grpo_never_stops_early_and_says_so():
    grpo = {"method": "grpo", "rewards": [{"contains": "Ahoy"}]}
    config = RunConfig(model="m", dataset="x", early_stopping_patience=2, eval_every=5, **grpo)
    assert not overfitting.active(config, has_eval=True)
    assert overfitting.trainer_kwargs(config, True, {"eval_strategy": "steps", "eval_steps": 5}) == {}
    assert overfitting.callbacks(config, has_eval=True) == []
    (warning,) = overfitting.preflight_warnings(config, eval_rows=10)
    assert "GRPO has no held-out loss" in warning
    sft = RunConfig(model="m", dataset="x", early_stopping_patience=2, eval_every=5)
    assert overfitting.active(sft, has_eval=True) and overfitting.preflight_warnings(sft, eval_rows=10) == []


# (id, settings, training rows, the start of each warning said, in order)
SCHEDULES = [
    ("a pass or so: nothing to say", {"max_steps": 20, "batch_size": 8}, 153, []),
    (
        "a batch above the rows, 20 steps",
        {"max_steps": 20, "batch_size": 1024},
        153,
        ["Batch size 1024 is more than the 153 training rows", "20 passes over 153 training rows: the model will"],
    ),
    ("ten epochs", {"epochs": 10.0}, 153, ["10 passes over 153 training rows"]),
    ("five passes is still fine", {"max_steps": 100, "batch_size": 8}, 153, []),
    # a cold review: 3 rows over 2 processes of batch 2 made one step, at the warmup's rate 0, and "finished";
    # the warmup is rounded down now (ftlib.warmup), so a 1-step run has none
    ("one step has no warmup", {"batch_size": 2, "nproc": 2}, 3, []),
    ("one step without a warmup", {"warmup_ratio": 0.0, "batch_size": 2, "nproc": 2}, 3, []),
    (  # `train --max-steps 1` learned nothing (held-out loss unchanged) and said "Finished."; a raised share
        "two steps half warmed up",
        {"max_steps": 2, "batch_size": 2, "warmup_ratio": 0.5},
        10,
        ["1 of the run's 2 optimizer steps runs at learning rate 0 and learns nothing: the warmup share"],
    ),
    ("accumulation makes a step bigger", {"max_steps": 60, "batch_size": 8, "grad_accum": 4}, 153, ["12 passes"]),
    (
        "a few steps on a tiny split",
        {"max_steps": 3, "batch_size": 16},
        10,
        ["Batch size 16 is more than the 10"],
    ),
    (  # no "every step is one pass": TRL yields no batch at all (grpo_batch_error refuses it), and no passes
        "GRPO writes new answers every step",
        {"method": "grpo", "rewards": [{"contains": "Ahoy"}], "max_steps": 50, "batch_size": 16},
        10,
        [],
    ),
    (
        "GRPO leaves out the prompts of a batch that is not full",
        {"method": "grpo", "rewards": [{"contains": "Ahoy"}], "max_steps": 50, "batch_size": 4},
        10,
        ["Each GRPO step takes 4 prompts, so each pass over the 10 training prompts uses 8 of them; TRL leaves the "],
    ),
]


@pytest.mark.parametrize(
    "rows, batch, accum, nproc", [(5, 8, 1, 1), (10, 4, 1, 1), (10, 3, 2, 1), (12, 2, 1, 2), (3, 2, 4, 1)]
)
def test_grpo_prompts_per_step_are_what_trls_sampler_takes(tmp_path, rows, batch, accum, nproc):
    """The prompts a GRPO step takes, against TRL's own sampler built as GRPOTrainer builds it from the run's
    GRPOConfig: it yields only full batches, so fewer prompts than a step takes yield no step at all (a cold
    review: a traceback, or a max-steps run "finished" at step 0)."""
    import torch
    from trl.trainer.utils import RepeatSampler

    from ftlib import training

    config = RunConfig(
        model="m",
        dataset="x",
        method="grpo",
        rewards=[{"contains": "a"}],
        batch_size=batch,
        grad_accum=accum,
        nproc=nproc,
        grpo_group_size=4,
    )
    args = training.trainer_arguments(config, tmp_path, "cpu", torch.float32, has_eval=False)
    per_rank_prompts = args.generation_batch_size // args.num_generations  # as GRPOTrainer._get_train_sampler
    sampler = RepeatSampler(range(rows), mini_repeat_count=4, batch_size=per_rank_prompts * nproc, shuffle=False)
    used = len(set(sampler))
    per_step = overfitting.grpo_prompts_per_step(config)
    assert per_step == per_rank_prompts * nproc and used == rows - rows % per_step
    error = overfitting.grpo_batch_error(config, rows)
    assert (error is not None) == (used == 0)
    if error:
        assert (
            error.startswith(f"GRPO takes {per_step} prompts a step (batch size {batch}")
            and "no step can run" in error
        )
        # The fix it gives works (a cold review: with accumulation 4 it said "batch size 1 or less", which failed too).
        said = {"batch_size": int(error.split("set the batch size to ")[1].split()[0])}
        if "gradient accumulation to " in error:
            said["grad_accum"] = int(error.split("gradient accumulation to ")[1].split(",")[0])
        fixed = RunConfig(**{**config.to_dict(), **said})
        assert overfitting.grpo_batch_error(fixed, rows) is None


@pytest.mark.parametrize("settings, rows, said", [c[1:] for c in SCHEDULES], ids=[c[0] for c in SCHEDULES])
def test_schedule_warnings_name_a_batch_above_the_rows_and_many_passes(settings, rows, said):
    warnings = overfitting.schedule_warnings(RunConfig(model="m", dataset="x", **settings), rows)
    assert len(warnings) == len(said) and all(w.startswith(s) for w, s in zip(warnings, said, strict=True)), warnings


@pytest.mark.parametrize("rows, batch, accum", [(153, 8, 1), (153, 1024, 1), (153, 8, 4), (10, 3, 2), (7, 7, 1)])
def test_passes_agree_with_the_steps_hf_trainer_counts_per_epoch(tiny_model_dir, tmp_path, rows, batch, accum):
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

    args = TrainingArguments(
        output_dir=str(tmp_path),
        per_device_train_batch_size=batch,
        gradient_accumulation_steps=accum,
        max_steps=40,
        use_cpu=True,
        report_to=[],
        remove_unused_columns=False,
    )
    data = Dataset.from_dict({"input_ids": [[1, 2, 3]] * rows})
    trainer = Trainer(model=AutoModelForCausalLM.from_pretrained(tiny_model_dir), args=args, train_dataset=data)
    per_epoch = trainer.set_initial_training_values(args, trainer.get_train_dataloader())[1]
    config = RunConfig(model="m", dataset="x", max_steps=40, batch_size=batch, grad_accum=accum)
    assert overfitting.passes(config, rows) == pytest.approx(40 / per_epoch)


# (id, training losses in step order, method, diverged?): the first logged loss against the mean of the last three.
DIVERGENCE_CASES = [
    ("walk2-lr-0.5", (3.2, 2.9, 9.0, 13.8, 14.3, 14.8), "lora", True),
    ("falls", (3.2, 2.5, 2.0, 1.8, 1.7), "lora", False),
    ("one-bad-last-batch", (3.2, 2.0, 1.9, 1.8, 5.1), "lora", False),  # mean of the last three: 2.93
    ("dpo-rises", (0.693, 0.9, 1.4, 1.6, 1.7), "dpo", True),
    ("grpo-policy-loss", (0.01, 0.2, 0.5, 0.6), "grpo", False),  # GRPO's loss measures no error
    ("one-loss", (3.2,), "lora", False),
]


@pytest.mark.parametrize("case, losses, method, expected", DIVERGENCE_CASES, ids=[c[0] for c in DIVERGENCE_CASES])
def test_a_loss_that_ends_well_above_its_start_is_diverged(case, losses, method, expected):
    rows = [{"kind": "train", "step": s, "loss": v} for s, v in enumerate(losses, start=1)]
    rows += [{"kind": "eval", "step": 0, "eval_loss": 99.0}]  # held-out rows are not the training loss
    found = diverged(list(reversed(rows)), method)  # read in step order, whatever the file order
    assert (found is not None) == expected
    if expected:
        assert found.first_loss == losses[0] and found.last_loss == pytest.approx(sum(losses[-3:]) / 3)
        assert found.sentence().endswith("training diverged; try a lower learning rate")


@pytest.mark.parametrize(
    "method, tuning, rate, warned",
    [("lora", "lora", 0.5, True), ("lora", "lora", 0.02, False), ("full", "full", 1e-3, True)]
    + [("dpo", "full", 1e-5, False), ("grpo", "lora", 0.0051, True)],
)
def test_a_learning_rate_ten_times_the_methods_default_is_warned_with_the_default(method, tuning, rate, warned):
    extra = {"rewards": [{"contains": "a"}]} if method == "grpo" else {}
    config = RunConfig(method=method, tuning=tuning, learning_rate=rate, **extra)
    said = schedule_warnings(config, train_rows=100)
    assert bool(said) == warned, said
    if warned:
        default = plain_number(default_learning_rate(method, tuning))
        assert said[0].startswith(f"Learning rate {plain_number(rate)} is ") and f"usual {default} for" in said[0]
        assert "loss blow up" in said[0]


@pytest.mark.parametrize(
    "method, rows, said",
    [
        ("lora", 6, "A batch size of 2 gives 3 steps per pass."),  # a cold walk: "a batch size of about 1"
        ("lora", 153, None),  # batch 8 fits
        ("lora", 2, "A batch size of 1 gives 2 steps per pass."),
        ("kto", 2, "Add training rows."),  # KTO needs 2 rows a batch: no smaller batch gives a second step
    ],
)
def test_a_batch_bigger_than_the_split_says_which_batch_size_gives_several_steps(method, rows, said):
    config = RunConfig(model="m", dataset="x", method=method, batch_size=8, max_steps=3)
    warnings = [w for w in overfitting.schedule_warnings(config, rows) if w.startswith("Batch size")]
    assert (warnings[0].rsplit(". ", 1)[1] if warnings else None) == said


def test_a_training_loss_that_rose_while_the_held_out_loss_fell_is_not_diverged():
    """Helper 83's walk: a 2-step LoRA run at batch size 1 logged 2.80 then 5.83 (one row's loss, then another's) and
    `train` warned 'Loss rose from 2.8 to 5.83: training diverged ... likely worse than the model it started from',
    while its held-out loss fell from the starting model's 5.30 to 4.26. The held-out rows say it improved."""
    rows = [{"kind": "train", "step": 1, "loss": 2.80}, {"kind": "train", "step": 2, "loss": 5.83}]
    evals = [{"kind": "eval", "step": 0, "eval_loss": 5.30}, {"kind": "eval", "step": 2, "eval_loss": 4.26}]
    assert diverged(rows + evals) is None
    # The same losses with a held-out loss that rose past the starting model's (or none measured) are still said
    rose = [{"kind": "eval", "step": 0, "eval_loss": 5.30}, {"kind": "eval", "step": 2, "eval_loss": 9.1}]
    assert diverged(rows + rose).last_loss == pytest.approx(5.83)
    assert diverged(rows + evals[:1]) is not None  # the starting model's alone: nothing to compare
