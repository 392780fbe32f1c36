"""The run folder: one owner for its files. Timings add up across resumes, half-written files are tolerated,
the summary is typed and its JSON keys are stable, and a run's result is found where the worker saves it."""

from __future__ import annotations

import json
import shutil
import time

import pytest

from ftlib.rundir import RunDir, RunSummary
from ftlib.testing import make_run

STABLE_KEYS = {
    "id",
    "name",
    "state",
    "phase",
    "method",
    "tuning",
    "model",
    "dataset",
    "device",
    "created",
    "started",
    "ended",
    "duration_s",
    "parts_s",
    "step",
    "max_steps",
    "progress",
    "eta_s",
    "train_loss",
    "eval_loss",
    "reward_accuracy",
    "message",
    "output",
    "log_tail",
    "resumable",
    "stopped_by_user",
    "divergence",
    # added with the measured peak memory (walk 9 F4): the peak and the estimate the run was started with
    "peak_memory",
    "peak_memory_reserved",
    "estimated_memory",
    # added with early stopping's kept checkpoint: eval_loss is that checkpoint's evaluation, not the last one
    "kept_step",
    # added with damaged run folders: each file of the run that did not read, in a sentence (status.json, config.json,
    # metrics.jsonl lines left out)
    "unreadable",
    # added with who started a run (ftlib.run_people): "" where nobody is known
    "started_by",
    "last_action",
}


def test_training_time_adds_up_across_stops_and_resumes(tmp_path):
    run = make_run("r", {"dataset": "d"}, state="running", root=tmp_path, started=time.time() - 150, ended=None)
    run.end_attempt(state="interrupted")  # stopped after 2.5 min
    assert run.summary().parts_s == [150.0] and run.summary().duration_s == 150.0
    run.update_status(state="queued", started=None, ended=None)  # what runs.resume writes
    assert run.summary().duration_s == 150.0  # waiting in the queue adds nothing
    run.update_status(state="running", started=time.time() - 48, ended=None)
    live = run.summary()
    assert live.parts_s[0] == 150.0 and 47 <= live.parts_s[1] <= 50 and 197 <= live.duration_s <= 200
    run.end_attempt(state="finished")
    done = run.summary()
    assert len(done.parts_s) == 2 and done.duration_s == round(sum(done.parts_s), 1) and done.ended


def test_a_half_written_metrics_line_is_skipped_and_the_summary_reads_the_last_step(tmp_path):
    rows = [{"kind": "train", "step": s, "loss": 2.0 / s, "elapsed": s} for s in (1, 2, 3)]
    run = make_run("r", {"dataset": "chats"}, root=tmp_path, max_steps=6, metrics=rows)
    with open(run.metrics_file, "a") as handle:
        handle.write('{"kind": "train", "st')  # the writer is mid-line
    summary = run.summary()
    assert isinstance(summary, RunSummary) and summary.step == 3 and summary.train_loss == 2.0 / 3
    assert summary.progress == 0.5 and set(summary.as_dict()) == STABLE_KEYS
    json.dumps(summary.as_dict())  # the CLI prints it as is


def test_keeping_metrics_until_a_checkpoint_drops_the_steps_a_resume_trains_again(tmp_path):
    rows = [{"kind": "train", "step": s} for s in range(1, 7)]
    run = make_run("r", {"dataset": "d"}, root=tmp_path, metrics=rows)
    assert [r["step"] for r in run.keep_metrics_until(4)] == [1, 2, 3, 4]
    assert [r["step"] for r in run.read_metrics()] == [1, 2, 3, 4]


def test_the_label_is_short_and_names_method_dataset_and_time(tmp_path):
    run = make_run(
        "20260101-000000-dpo-pairs", {"method": "dpo", "tuning": "full", "dataset": "/data/pairs.jsonl"}, root=tmp_path
    )
    label = run.summary().label
    assert label.startswith("dpo (full) · pairs · ") and len(label) < 40


def test_outputs_and_checkpoints_are_found_where_the_worker_saves_them(tmp_path, tiny_model_dir):
    run = make_run("r", {"dataset": "d", "method": "full"}, root=tmp_path, model=tiny_model_dir)
    assert run.output() == (run.model_dir, True)
    assert run.last_checkpoint() is None
    for step in (2, 10):
        (run.checkpoints / f"checkpoint-{step}").mkdir(parents=True)
        (run.checkpoints / f"checkpoint-{step}" / "trainer_state.json").write_text("{}")
    (run.checkpoints / "checkpoint-12").mkdir()  # being written: no trainer_state.json yet
    assert run.last_checkpoint() == run.checkpoints / "checkpoint-10"
    assert RunDir(tmp_path / "nothing").output() is None


def test_the_stop_file_is_the_only_stop_signal(tmp_path):
    run = make_run("r", {"dataset": "d"}, root=tmp_path)
    assert not run.stop_requested()
    run.request_stop()
    assert run.stop_requested() and run.stop_file.is_file()
    run.clear_stop()
    assert not run.stop_requested()


def test_a_run_that_failed_on_a_nan_or_inf_is_resumable_only_from_a_checkpoint(tmp_path):
    """Walk 8B #5: a run whose gradient turned inf at step 5 (learning rate 0.9) with no checkpoint offered Resume,
    which would train again from step 0 with the same learning rate. A crash with finite numbers may not recur."""
    steps = [{"kind": "train", "step": s, "loss": 2.0 + s, "grad_norm": 40.0 * s} for s in (1, 2, 3, 4)]
    cases = {
        "r-inf-grad": [*steps, {"kind": "train", "step": 5, "loss": 9.5, "grad_norm": float("inf")}],
        "r-nan-loss": [*steps, {"kind": "train", "step": 5, "loss": float("nan"), "grad_norm": 1.0}],
        "r-crash": steps,
    }
    for run_id, rows in cases.items():
        make_run(run_id, {"dataset": "d"}, state="failed", metrics=rows, root=tmp_path)
    resumable = {run_id: RunDir(tmp_path / run_id).summary().resumable for run_id in cases}
    assert resumable == {"r-inf-grad": False, "r-nan-loss": False, "r-crash": True}
    checkpoint = tmp_path / "r-inf-grad" / "checkpoints" / "checkpoint-3"
    checkpoint.mkdir(parents=True)
    (checkpoint / "trainer_state.json").write_text("{}")
    assert RunDir(tmp_path / "r-inf-grad").summary().resumable  # steps 1-3 were fine: it continues from there


def test_a_run_folder_deleted_while_it_trains_is_not_made_again_around_its_status(tmp_path):
    """A cold review: `rm -rf` of a training run's folder left, after the worker failed, a folder holding only
    status.json (listed nowhere, cleaned by nothing). Its status is not written into a folder made anew."""
    run = make_run("r-gone", {"dataset": "d"}, root=tmp_path, state="running")
    shutil.rmtree(run.path)
    with pytest.raises(FileNotFoundError):
        run.update_status(state="failed", message="metrics.jsonl is gone")
    with pytest.raises(FileNotFoundError):
        run.end_attempt(state="failed")
    assert not run.path.exists()
