"""A run folder's files read field by field (leftovers 4-6): a status.json, config.json or metrics.jsonl value of the
wrong kind is read as missing and named, never raised; a damaged run whose checkpoint is where its training ended is
told that a resume only writes its result again; the queue and the Train form's last run list the same run folders.
"""

from __future__ import annotations

import json
import math
import types
import typing

import pytest

from ftlib import last_run, rundir, runs, workspace
from ftlib.cli import main
from ftlib.overfitting import Divergence
from ftlib.run_resume import ended_at
from ftlib.rundir import RunDir, RunSummary
from ftlib.testing import make_run

STEPS = [{"kind": "train", "step": s, "loss": 2.0 / s, "elapsed": float(s)} for s in range(1, 4)]
EVAL = {"kind": "eval", "step": 3, "eval_loss": 1.5, "elapsed": 3.5}

# ---------------------------------------------------------------------------------------------------------------
# 5: every field summary() reads, with values of every kind
# ---------------------------------------------------------------------------------------------------------------

# Values of every kind a JSON file can hold (json.loads reads NaN and Infinity too), by name.
POOL = {
    "text": "x",
    "a number as text": "3",
    "empty text": "",
    "a whole number": 3,
    "zero": 0,
    "a negative number": -5,
    "a fraction": 2.5,
    "NaN": math.nan,
    "Infinity": math.inf,
    "a huge number": 1e308,
    "true": True,
    "a list of numbers": [1.5, 2],
    "a list of texts": ["a", "b"],
    "a nested list": [[1.0], [2.0]],
    "a list of objects": [{"a": 1}],
    "an empty list": [],
    "an object": {"a": 1},
    "null": None,
}
TEXT = {"text", "a number as text", "empty text"}
COUNT = {"a whole number", "zero"}
WHEN = {"a whole number", "zero", "a fraction"}
ORDER = {*WHEN, "a huge number"}  # a place in line: nanoseconds since 1970
# status.json's fields summary() and the queue read: (field, the names of the POOL values that are of its kind). Every
# other value but null is named as the wrong kind.
STATUS_FIELDS = [
    ("phase", TEXT),
    ("message", TEXT),
    ("device", TEXT),
    ("output", TEXT),
    ("method", TEXT),
    ("stopped_by", TEXT),
    ("damaged_checkpoint", TEXT),
    ("error", TEXT),
    ("rendezvous", TEXT),
    ("created", WHEN),
    ("started", WHEN),
    ("ended", WHEN),
    ("queued_at", ORDER),
    ("parts_s", {"a list of numbers", "an empty list"}),
    ("step", COUNT),
    ("max_steps", COUNT),
    ("kept_step", COUNT),
    ("log_start", COUNT),
    ("estimated_memory", COUNT),
    ("pid", COUNT),
    ("log_tail", {"a list of texts", "an empty list"}),
    ("unusable_reward_models", {"a list of texts", "an empty list"}),
]
# config.json's fields summary() reads as text (the others a RunConfig reads leniently: "40" for 40).
CONFIG_FIELDS = ["name", "method", "tuning", "model", "dataset", "template"]
# metrics.jsonl's values summary() reads: numbers, NaN and Infinity included (a loss that blew up is logged as it was).
METRIC_FIELDS = ["loss", "elapsed", "eval_loss", "accuracy", "reward_accuracy", "peak_memory"]
NUMBER = {"a whole number", "zero", "a negative number", "a fraction", "NaN", "Infinity", "a huge number"}
STATES = ("running", "failed", "finished", "interrupted", "queued")


def run_with(run_id: str, state: str, file: str, field: str, value) -> RunDir:
    """A 3-step run in `state` (a failed one scores with a reward model, so its failure reads that field) whose
    `file` has `field` set to `value`."""
    extra = {"unusable_reward_models": ["r-rm"], "user_error": True} if state == "failed" else {}
    run = make_run(
        run_id,
        {"dataset": "chat_style", "max_steps": 3, "name": "n"},
        state=state,
        metrics=[*STEPS, EVAL],
        step=3,
        max_steps=3,
        started=1_000.0,
        ended=None if state in ("running", "queued") else 1_010.0,
        parts_s=[4.0],
        estimated_memory=10_000,
        kept_step=3,
        log_tail=["a line"],
        **extra,
    )
    rows = [{**STEPS[0], "peak_memory": 5_000}, *STEPS[1:], EVAL]
    if file == "metrics.jsonl":
        kind = "eval" if field == "eval_loss" else "train"
        rows = [{**row, field: value} if row["kind"] == kind else row for row in rows]
    run.metrics_file.write_text("".join(json.dumps(r) + "\n" for r in rows))
    if file != "metrics.jsonl":
        path = run.path / file
        stored = json.loads(path.read_text())
        stored[field] = value
        path.write_text(json.dumps(stored))  # NaN and Infinity written as json.loads reads them
    return run


def well_typed(info: RunSummary) -> None:
    """Every field of the summary holds the kind it declares, and what pages and commands make of it computes."""
    hints = typing.get_type_hints(RunSummary)

    def fits(value, hint) -> bool:
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if origin in (typing.Union, types.UnionType):
            return any(fits(value, a) for a in args)
        if origin is list:
            return isinstance(value, list) and all(fits(v, args[0]) for v in value)
        if hint is type(None):
            return value is None
        if hint is float:  # a logged loss may be NaN or Infinity: it is shown as it was
            return isinstance(value, int | float) and not isinstance(value, bool)
        if hint is int:
            return type(value) is int
        return isinstance(value, hint)

    for name, hint in hints.items():
        if name == "divergence":
            assert info.divergence is None or isinstance(info.divergence, Divergence)
            continue
        assert fits(getattr(info, name), hint), (name, getattr(info, name), hint)
    for text in (info.label, info.facts, info.train_text, info.eval_text, info.state_text, info.memory_text):
        assert isinstance(text, str)
    json.dumps(info.as_dict())


def named(info: RunSummary, file: str, field: str) -> bool:
    return any(file in said and f"`{field}`" in said for said in info.unreadable)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("field, fitting", STATUS_FIELDS, ids=[f[0] for f in STATUS_FIELDS])
def test_every_status_field_of_the_wrong_kind_is_read_as_missing_and_named(field, fitting, state):
    """Leftover 5: a status.json that is an object with a value of the wrong kind (`"parts_s": "x"`, a nested list
    for a number, NaN for a time) raised from summary(), which every `runs` command and three pages call."""
    for i, (name, value) in enumerate(POOL.items()):
        run = run_with(f"r-{state}-{field}-{i}", state, "status.json", field, value)
        info = run.summary()
        well_typed(info)
        wrong = value is not None and name not in fitting
        assert named(info, "status.json", field) is wrong, (name, info.unreadable)
        if not wrong:
            assert not info.unreadable, (name, info.unreadable)
        assert info.state == state  # the run reads as it is, not as damaged


@pytest.mark.parametrize("field", CONFIG_FIELDS)
def test_every_config_field_summary_reads_as_text_is_read_as_missing_and_named_when_it_is_not(field):
    for i, (name, value) in enumerate(POOL.items()):
        run = run_with(f"r-config-{field}-{i}", "finished", "config.json", field, value)
        info = run.summary()
        well_typed(info)
        wrong = value is not None and name not in TEXT
        assert named(info, "config.json", field) is wrong, (name, info.unreadable)


@pytest.mark.parametrize("field", METRIC_FIELDS)
def test_every_metric_summary_reads_that_is_not_a_number_is_left_out_and_named(field):
    for i, (name, value) in enumerate(POOL.items()):
        run = run_with(f"r-metric-{field}-{i}", "finished", "metrics.jsonl", field, value)
        info = run.summary()
        well_typed(info)
        wrong = value is not None and name not in NUMBER
        assert named(info, "metrics.jsonl", field) is wrong, (name, info.unreadable)
        assert info.step == 3  # the rows themselves still count


def test_runs_list_show_and_the_queue_go_on_beside_runs_with_values_of_the_wrong_kind(no_training, capsys):
    """The commands read the same runs (`runs list` reconciles and moves the queue first: a running run with a pid
    or start time that is text, queued runs whose places in line are of different kinds)."""
    wrong = {"parts_s": "x", "step": "a", "started": [[1]], "pid": "a", "queued_at": "soon", "created": math.nan}
    made = []
    for i, (field, value) in enumerate(wrong.items()):
        for state in ("running", "queued", "failed"):
            made.append(run_with(f"r-{i}-{state}", state, "status.json", field, value).id)
    listed = {r.id: r for r in runs.list_runs()}
    assert set(made) <= set(listed)
    for argv in (["runs", "list"], ["runs", "list", "--json"], *(["runs", "show", run_id] for run_id in made)):
        assert main(argv) == 0, argv
    err = capsys.readouterr().err
    assert "status.json" in err and "`parts_s`" in err and "`created`" in err


# ---------------------------------------------------------------------------------------------------------------
# 4: what a resume of a run whose status.json is lost would do
# ---------------------------------------------------------------------------------------------------------------


def lost_status_run(run_id: str, checkpoint_step: int, max_steps: int = 3, result: bool = True) -> RunDir:
    run = make_run(run_id, {"dataset": "chat_style", "max_steps": max_steps}, metrics=STEPS, step=3)
    checkpoint = run.checkpoints / f"checkpoint-{checkpoint_step}"
    checkpoint.mkdir(parents=True)
    (checkpoint / "trainer_state.json").write_text(
        json.dumps({"global_step": checkpoint_step, "max_steps": max_steps})
    )
    if result:
        run.adapter_dir.mkdir()
        (run.adapter_dir / "adapter_config.json").write_text("{}")
    run.status_file.write_text("[]")
    return run


def test_a_lost_status_beside_a_checkpoint_where_training_ended_says_a_resume_only_writes_the_result(capsys):
    """Leftover 4: such a run was told "Resume it to train again from checkpoint-3", where a resume trains no step
    (`run_resume.ended_at`): it writes the result again from that checkpoint."""
    run = lost_status_run("r-ended", 3)
    assert ended_at(run.last_checkpoint())
    message = run.summary().message
    assert "train again" not in message, message
    assert "write its result again from checkpoint-3" in message and "no step is trained" in message, message
    assert "Its result is in adapter/" in message
    assert main(["runs", "list"]) == 0
    assert "write its result again from checkpoint-3" in capsys.readouterr().err


def test_a_run_whose_process_died_after_its_last_checkpoint_is_told_a_resume_only_writes_the_result():
    """The same words where the queue notices a dead process: one killed writing its result had "Resume continues
    from checkpoint-3."."""
    import subprocess
    import sys

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a pid no process has now
    run = make_run("r-died", {"dataset": "chat_style", "max_steps": 3}, state="running", pid=gone.pid, started=1.0)
    checkpoint = run.checkpoints / "checkpoint-3"
    checkpoint.mkdir(parents=True)
    (checkpoint / "trainer_state.json").write_text(json.dumps({"global_step": 3, "max_steps": 3}))
    runs.reconcile()
    message = run.summary().message
    assert message.startswith("The training process ended unexpectedly"), message
    ended = "Training had ended at checkpoint-3, so a resume only writes the result from it (no step is trained)."
    assert message.endswith(ended), message


@pytest.mark.parametrize("result", [True, False], ids=["with its result", "without a result"])
def test_a_lost_status_beside_a_checkpoint_mid_run_still_says_a_resume_trains_again(result):
    run = lost_status_run(f"r-mid-{result}", 2, max_steps=5, result=result)
    assert not ended_at(run.last_checkpoint())
    message = run.summary().message
    assert "Resume it to train again from checkpoint-2" in message, message
    assert ("replacing that result" in message) is result, message


# ---------------------------------------------------------------------------------------------------------------
# 6: one listing of run folders
# ---------------------------------------------------------------------------------------------------------------


def test_the_queue_and_the_last_run_list_the_same_run_folders():
    """Leftover 6: `runs._all` and `last_run.newest_runs` each listed the run folders (not hidden, with a
    config.json) in code of their own; both use `rundir.run_folders` now."""
    make_run("r-a", {"max_steps": 3}, created=100.0)
    make_run("r-b", {"max_steps": 3}, created=200.0)
    root = workspace.runs_dir()
    (root / ".r-c.partial").mkdir()  # a run being created
    (root / ".r-c.partial" / "config.json").write_text("{}")
    (root / "r-no-config").mkdir()
    (root / "r-config-folder" / "config.json").mkdir(parents=True)
    (root / "notes.txt").write_text("not a run")
    (root / ".queue.lock").write_text("")
    assert [r.id for r in rundir.run_folders()] == ["r-a", "r-b"]
    assert [r.id for r in rundir.run_folders(root)] == ["r-a", "r-b"]
    assert [r.id for r in runs._all()] == ["r-a", "r-b"]
    assert [r.id for r in last_run.newest_runs()] == ["r-b", "r-a"]  # the most recently queued first
