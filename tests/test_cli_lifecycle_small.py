"""Small CLI defects a lifecycle walk found: a run's name in `sample`/`evaluate`/`score`, `runs log -n` below 1,
`sample`'s models in the order given, and a run so short that its warmup step at learning rate 0 is much of it."""

from __future__ import annotations

import json
import shutil

import pytest

from ftlib import overfitting, workspace
from ftlib.cli import main
from ftlib.config import RunConfig
from ftlib.testing import make_random_adapter, make_run
from tests.test_cli_train_settings import write_rows

ROWS = [
    {"messages": [{"role": "user", "content": "Name a fruit."}, {"role": "assistant", "content": "Apple."}]},
    {"messages": [{"role": "user", "content": "Name a tree."}, {"role": "assistant", "content": "An oak tree."}]},
]
FIRST, SECOND = "20261201-100000-lora-trees", "20261201-110000-lora-trees"  # both named "trees"


@pytest.fixture(scope="module")
def adapters(varied_dir, tmp_path_factory):
    """Two adapters of the varied model that answer differently (seeds 5 and 6)."""
    folder = tmp_path_factory.mktemp("adapters")
    return [make_random_adapter(str(varied_dir), folder / f"a{s}", seed=s, b_std=0.5) for s in (5, 6)]


def lora_run(run_id: str, name: str, varied_dir, adapter):
    workspace.save_split("trees", ROWS[:1], ROWS)
    return make_run(run_id, {"model": str(varied_dir), "dataset": "trees", "name": name}, adapter=adapter).path


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_sample_evaluate_and_score_take_a_run_name_as_runs_show_does(capsys, varied_dir, adapters):
    """`sample --adapter js` said "'js' is neither a folder nor a run id", `score rm` "There is no run 'rm' here",
    while `runs show js` took the name: all resolve it with `commands.runs.run_id`, ambiguity error included."""
    lora_run(FIRST, "trees", varied_dir, adapters[0])
    argv = ["sample", "--adapter", "trees", "--prompt", "Hi", "--max-new-tokens", "2", "--json"]
    code, out, err = run_cli(capsys, *argv)
    assert code == 0, err
    assert [r["model"] for r in json.loads(out)["results"]] == ["base", FIRST]
    code, out, err = run_cli(capsys, "evaluate", "trees", "--max-new-tokens", "2", "--json")
    assert code == 0 and json.loads(out)["adapter"] == FIRST, err
    # The name reaches the reward-model check as the run's id: it is found, and refused for what it is.
    code, _, err = run_cli(capsys, "score", "trees", "--prompt", "Hi", "--response", "a")
    assert code == 2 and f"Run '{FIRST}' is a lora run, not a reward model" in err

    lora_run(SECOND, "trees", varied_dir, adapters[1])
    several = f"error: Several runs are named 'trees': {SECOND}, {FIRST}. Give one of these ids.\n"
    for argv in (
        ["sample", "--adapter", "trees", "--prompt", "Hi"],
        ["evaluate", "trees"],
        ["evaluate", "--model", str(varied_dir), "--adapter", "trees", "--data", "trees"],
        ["score", "trees", "--prompt", "Hi", "--response", "a"],
    ):
        assert run_cli(capsys, *argv)[::2] == (2, several), argv
    code, _, err = run_cli(capsys, "sample", "--adapter", "nobody", "--prompt", "Hi")
    assert code == 2 and err.startswith("error: 'nobody' is not a folder, and there is no run by that id or name in ")
    code, _, err = run_cli(capsys, "score", "nobody", "--prompt", "Hi", "--response", "a")
    assert code == 2 and err.startswith("error: There is no run 'nobody', by id or by name, in ")
    assert "Train a reward model first" in err


@pytest.mark.parametrize("n", ["0", "-2"])
def test_runs_log_refuses_fewer_than_one_line(capsys, n):
    """`-n 0` printed the whole log (a slice [-0:]) and `-n -2` all but its first two lines."""
    run = make_run("20261201-100000-lora-logged", {"name": "logged"})
    run.log_file.write_text("".join(f"line {i}\n" for i in range(1, 6)))
    code, out, err = run_cli(capsys, "runs", "log", "logged", "-n", n)
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert err.startswith("error: runs log: argument -n: ") and "must be at least 1" in err
    assert run_cli(capsys, "runs", "log", "logged", "-n", "2") == (0, "line 4\nline 5\n", "")


def test_sample_prints_the_models_in_the_order_given(capsys, varied_dir, varied_model, adapters):
    """A full fine-tune given between two adapters was printed last (the model set lists adapters first)."""
    lora_run("run-a", "a", varied_dir, adapters[0])
    lora_run("run-c", "c", varied_dir, adapters[1])
    full = workspace.runs_dir() / "run-full"
    shutil.copytree(varied_model(7), full / "model")
    (full / "config.json").write_text(json.dumps({"model": str(varied_dir), "dataset": "trees", "method": "full"}))
    (full / "status.json").write_text(json.dumps({"state": "finished"}))
    given = ["run-c", "run-full", "run-a"]  # neither adapters first nor sorted
    argv = ["sample", *[w for r in given for w in ("--adapter", r)], "--prompt", "Hi", "--max-new-tokens", "2"]
    argv += ["--setting", "greedy", "--setting", "temperature=0.8"]
    code, out, err = run_cli(capsys, *argv, "--json")
    assert code == 0, err
    expected = [m for m in ["base", *given] for _ in range(2)]  # model-major: each model's settings together
    assert [r["model"] for r in json.loads(out)["results"]] == expected
    code, out, err = run_cli(capsys, *argv)
    assert code == 0, err
    assert [line.split(" | ")[0].removeprefix("=== ") for line in out.splitlines() if line.startswith("=== ")] == (
        expected
    )


# (id, scheduler, warmup_ratio, optimizer steps): against the schedule the run's Trainer creates.
SCHEDULES = [
    ("one-step-cosine", "cosine", 0.05, 1),
    ("two-steps-linear", "linear", 0.05, 2),
    ("three-steps-half-warmup", "cosine", 0.5, 3),  # 1.5 rounds down to 1 warmup step: its first at rate 0
    ("four-steps", "constant_with_warmup", 0.05, 4),  # the defaults' demo run: no warmup, no step at rate 0
    ("four-steps-cosine", "cosine", 0.05, 4),
    ("twenty-one-steps", "cosine", 0.05, 21),  # 1.05 rounds down to 1 warmup step
    ("ten-steps-linear-0.3", "linear", 0.3, 10),
    ("constant-ignores-warmup", "constant", 0.5, 2),
    ("no-warmup", "cosine", 0.0, 1),
]


def trainer_rates(config, run_dir, steps):
    """The learning rate of each of `steps` optimizer steps under the scheduler a Trainer with the run's arguments
    creates (`training.trainer_arguments`, `warmup.floor_warmup` as `training.build_trainer` applies it)."""
    import torch
    from transformers import Trainer

    from ftlib import training, warmup

    args = training.trainer_arguments(config, run_dir, "cpu", torch.float32, has_eval=False)
    trainer = Trainer(model=torch.nn.Linear(1, 1), args=args)
    warmup.floor_warmup(trainer, config.warmup_ratio)
    trainer.create_optimizer_and_scheduler(steps)
    assert args.warmup_steps == config.warmup_ratio  # the arguments (saved with checkpoints) keep the share
    rates = []
    for _ in range(steps):  # as the Trainer: the optimizer steps at the current rate, then the schedule moves
        rates.append(trainer.optimizer.param_groups[0]["lr"])
        trainer.optimizer.step()
        trainer.lr_scheduler.step()
    return rates


@pytest.mark.parametrize("scheduler, ratio, steps", [c[1:] for c in SCHEDULES], ids=[c[0] for c in SCHEDULES])
def test_warmup_and_zero_rate_steps_agree_with_the_trainers_schedule(tmp_path, scheduler, ratio, steps):
    config = RunConfig(model="m", dataset="x", max_steps=steps, warmup_ratio=ratio, scheduler=scheduler)
    rates = trainer_rates(config, tmp_path, steps)
    assert overfitting.zero_rate_steps(config, steps) == sum(rate == 0 for rate in rates), rates
    ramp = overfitting.warmup_steps(config, steps)
    peak = config.learning_rate
    # The ramp's steps are below the peak rate, the first at 0; the step after it is at the peak.
    assert all(rate < peak for rate in rates[:ramp]) and (ramp == 0 or rates[0] == 0), rates
    assert ramp >= steps or rates[ramp] == pytest.approx(peak), rates


def test_a_default_short_run_has_no_step_at_rate_0_and_no_warning(tmp_path):
    """A newcomer's demo at the defaults (4 optimizer steps, warmup share 0.05) opened the Train page with "1 of the
    run's 4 optimizer steps runs at learning rate 0": transformers rounds the share up to one warmup step."""
    config = RunConfig(model="m", dataset="x", max_steps=4)
    assert 0 not in trainer_rates(config, tmp_path, 4)
    assert not [w for w in overfitting.schedule_warnings(config, 20) if "rate 0" in w]


def test_the_runs_trainer_counts_its_warmup_rounded_down(tiny_model_dir, tmp_path):
    """The trainer `build_trainer` hands the worker: a 4-step run at the defaults has no step at learning rate 0."""
    from ftlib.training import build_trainer
    from tests.test_training import SFT_ROWS, tiny_config

    trainer = build_trainer(tiny_config(tiny_model_dir, max_steps=4), tmp_path / "run", rows=(SFT_ROWS, [])).trainer
    trainer.create_optimizer_and_scheduler(4)
    assert trainer.lr_scheduler.lr_lambdas[0](0) > 0  # the first step's factor of the peak rate


@pytest.mark.parametrize("steps", [40, 100, 399, 1000])
def test_a_long_runs_warmup_is_transformers_own_within_one_step(tmp_path, steps):
    import math

    config = RunConfig(model="m", dataset="x", max_steps=steps)
    rates = trainer_rates(config, tmp_path, steps)
    ramp = next(i for i, rate in enumerate(rates) if rate == pytest.approx(config.learning_rate))
    assert 0 <= math.ceil(steps * config.warmup_ratio) - ramp <= 1
    assert ramp == overfitting.warmup_steps(config, steps)


# (id, settings, training rows, the run's optimizer steps, the warning's start or None)
ZERO_RATE = [
    ("max-steps-1", {"max_steps": 1}, 20, 1, None),  # no share below 1 makes a warmup of a 1-step run
    ("max-steps-2-default", {"max_steps": 2}, 20, 2, None),
    ("max-steps-2", {"max_steps": 2, "warmup_ratio": 0.5}, 20, 2, "1 of the run's 2 optimizer steps runs at learning"),
    ("max-steps-4-default", {"max_steps": 4}, 20, 4, None),
    ("max-steps-4-a-quarter", {"max_steps": 4, "warmup_ratio": 0.25}, 20, 4, "1 of the run's 4 optimizer steps"),
    ("max-steps-5", {"max_steps": 5, "warmup_ratio": 0.25}, 20, 5, None),
    ("no-warmup", {"max_steps": 2, "warmup_ratio": 0.0}, 20, 2, None),
    ("constant-has-no-warmup", {"max_steps": 2, "warmup_ratio": 0.5, "scheduler": "constant"}, 20, 2, None),
    (
        "constant-with-warmup",
        {"max_steps": 2, "warmup_ratio": 0.5, "scheduler": "constant_with_warmup"},
        20,
        2,
        "1 of the run's 2",
    ),
    ("one-epoch-of-three-steps", {"batch_size": 8, "epochs": 1.0}, 20, 3, None),
    ("a third of three steps", {"batch_size": 8, "epochs": 1.0, "warmup_ratio": 0.34}, 20, 3, "1 of the run's 3"),
    ("half-warmup", {"max_steps": 2, "warmup_ratio": 0.5}, 20, 2, "1 of the run's 2 optimizer steps"),
]


@pytest.mark.parametrize("settings, rows, steps, start", [c[1:] for c in ZERO_RATE], ids=[c[0] for c in ZERO_RATE])
def test_a_run_whose_warmup_step_at_rate_0_is_much_of_it_is_warned(settings, rows, steps, start):
    config = RunConfig(model="m", dataset="x", **settings)
    said = [w for w in overfitting.schedule_warnings(config, rows) if "rate 0" in w]
    if start is None:
        assert said == []
        return
    (warning,) = said
    assert warning.startswith(start)
    ratio = settings.get("warmup_ratio", 0.05)
    ramp = overfitting.warmup_steps(config, steps)
    assert f"warmup share (warmup_ratio) {ratio:g} of {steps} step" in warning
    assert f"a warmup of {ramp} step{'s' if ramp > 1 else ''}, " in warning
    assert "the warmup's first step has learning rate 0" in warning and "set the warmup share to 0" in warning
    assert ("a higher max steps" if "max_steps" in settings else "more epochs or a smaller batch size") in warning


def test_train_max_steps_2_at_half_warmup_is_warned_before_it_is_queued(tmp_path, capsys, tiny_model_dir, no_training):
    """`train --max-steps 1` trained nothing (held-out loss after = before) and said "Finished.", unwarned. Its
    warmup is now none at the defaults; a share the user raised that still wastes a step is warned of."""
    path = write_rows(tmp_path / "sft.jsonl", ROWS * 5)
    argv = ["train", "--model", str(tiny_model_dir), "--dataset", path, "--max-steps", "2", "--batch-size", "2"]
    argv += ["--max-length", "64", "--save-every", "0", "--device", "cpu", "--detach"]
    assert main([*argv, "--warmup-ratio", "0.5"]) == 0
    err = capsys.readouterr().err
    assert "warning: 1 of the run's 2 optimizer steps runs at learning rate 0 and learns nothing: " in err
    assert main(argv) == 0
    assert "learning rate 0" not in capsys.readouterr().err
