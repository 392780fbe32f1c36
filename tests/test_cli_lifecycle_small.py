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


# (id, scheduler, warmup_ratio, optimizer steps): against transformers' own schedule for the run's arguments.
SCHEDULES = [
    ("one-step-cosine", "cosine", 0.05, 1),
    ("two-steps-linear", "linear", 0.05, 2),
    ("three-steps-half-warmup", "cosine", 0.5, 3),
    ("four-steps", "constant_with_warmup", 0.05, 4),
    ("twenty-one-steps", "cosine", 0.05, 21),  # 1.05 rounds up to 2 warmup steps
    ("ten-steps-linear-0.3", "linear", 0.3, 10),
    ("constant-ignores-warmup", "constant", 0.5, 2),
    ("no-warmup", "cosine", 0.0, 1),
]


@pytest.mark.parametrize("scheduler, ratio, steps", [c[1:] for c in SCHEDULES], ids=[c[0] for c in SCHEDULES])
def test_warmup_and_zero_rate_steps_agree_with_transformers(tmp_path, scheduler, ratio, steps):
    import torch
    from transformers import get_scheduler

    from ftlib import training

    config = RunConfig(model="m", dataset="x", max_steps=steps, warmup_ratio=ratio, scheduler=scheduler)
    args = training.trainer_arguments(config, tmp_path, "cpu", torch.float32, has_eval=False)
    # `get_scheduler` passes the constant schedule no warmup: the rates below show it has none.
    ramp = 0 if scheduler == "constant" else args.get_warmup_steps(steps)
    assert overfitting.warmup_steps(config, steps) == ramp
    weight = torch.nn.Parameter(torch.ones(1))
    optimizer = torch.optim.SGD([weight], lr=0.02)  # a sentinel rate: a step at 0 is 0, not "small"
    schedule = get_scheduler(
        args.lr_scheduler_type,
        optimizer,
        num_warmup_steps=args.get_warmup_steps(steps),
        num_training_steps=steps,
        scheduler_specific_kwargs=args.lr_scheduler_kwargs,
    )
    rates = []
    for _ in range(steps):  # as the Trainer: the optimizer steps at the current rate, then the schedule moves
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        schedule.step()
    assert overfitting.zero_rate_steps(config, steps) == sum(rate == 0 for rate in rates), rates


# (id, settings, training rows, the run's optimizer steps, the warning's start or None)
ZERO_RATE = [
    ("max-steps-1", {"max_steps": 1}, 20, 1, "The run's only optimizer step runs at learning rate 0, so it learns"),
    ("max-steps-2", {"max_steps": 2}, 20, 2, "1 of the run's 2 optimizer steps runs at learning rate 0"),
    ("max-steps-4-a-quarter", {"max_steps": 4}, 20, 4, "1 of the run's 4 optimizer steps"),
    ("max-steps-5", {"max_steps": 5}, 20, 5, None),
    ("no-warmup", {"max_steps": 1, "warmup_ratio": 0.0}, 20, 1, None),
    ("constant-has-no-warmup", {"max_steps": 1, "scheduler": "constant"}, 20, 1, None),
    ("constant-with-warmup", {"max_steps": 2, "scheduler": "constant_with_warmup"}, 20, 2, "1 of the run's 2"),
    ("one-epoch-of-one-step", {"batch_size": 8, "epochs": 1.0}, 5, 1, "The run's only optimizer step"),
    ("one-epoch-of-three-steps", {"batch_size": 8, "epochs": 1.0}, 20, 3, "1 of the run's 3 optimizer steps"),
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


def test_train_max_steps_1_is_warned_before_it_is_queued(tmp_path, capsys, tiny_model_dir, no_training):
    """`train --max-steps 1` trained nothing (held-out loss after = before) and said "Finished.", unwarned."""
    path = write_rows(tmp_path / "sft.jsonl", ROWS * 5)
    argv = ["train", "--model", str(tiny_model_dir), "--dataset", path, "--max-steps", "1", "--batch-size", "2"]
    argv += ["--max-length", "64", "--save-every", "0", "--device", "cpu", "--detach"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "warning: The run's only optimizer step runs at learning rate 0, so it learns nothing: " in err
    assert main([*argv, "--warmup-ratio", "0"]) == 0
    assert "learning rate 0" not in capsys.readouterr().err
