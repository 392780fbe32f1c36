"""A run's total steps are known before its first step (helper 57's cold walk: a run just started read "step 0 of ?"
and "0/?" in the runs table, under "This run takes 5 optimizer steps"): one engine function counts them
(`overfitting.planned_steps`, what the Train page says and `zero_rate_warning` counts), the run keeps them in
status.json when queued, and its summary counts to them until the trainer reports its own."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from ftlib import runs, workspace
from ftlib.config import RunConfig
from ftlib.overfitting import planned_steps
from ftlib.run_create import create_run
from ftlib.rundir import RunDir
from tests.test_pages_train import SFT_ROWS, page


def test_planned_steps_are_max_steps_else_epochs_of_passes():
    assert planned_steps(RunConfig(max_steps=7, batch_size=2), 10) == 7
    assert planned_steps(RunConfig(batch_size=4, grad_accum=1, epochs=3), 10) == 9  # 3 steps a pass
    assert planned_steps(RunConfig(batch_size=4, grad_accum=1, epochs=1.5), 10) == 5  # 4.5, rounded up


def test_a_queued_run_counts_to_its_planned_steps_until_the_trainer_reports_its_own():
    config = RunConfig(dataset="nowhere.jsonl", name="planned", device="cpu")
    run = RunDir(workspace.runs_dir() / create_run(config, planned_steps=5))
    assert run.read_status()["planned_steps"] == 5
    info = run.summary()
    assert (info.state, info.step, info.max_steps, info.progress) == ("queued", 0, 5, 0.0)
    run.update_status(max_steps=6)  # the trainer's own count, once it begins (metrics.on_train_begin)
    assert run.summary().max_steps == 6
    unplanned = RunDir(workspace.runs_dir() / create_run(config))  # GRPO, or a caller that did not count them
    assert "planned_steps" not in unplanned.read_status() and unplanned.summary().max_steps == 0  # "?"


def draw(summaries):
    from ui.run_view import runs_table

    runs_table(summaries, {s.id: s.id for s in summaries})


def test_the_runs_table_shows_the_planned_total_of_a_run_not_yet_training():
    config = RunConfig(dataset="nowhere.jsonl", name="planned", device="cpu")
    run = RunDir(workspace.runs_dir() / create_run(config, planned_steps=5))
    at = AppTest.from_function(draw, args=([run.summary()],)).run()
    assert not at.exception, at.exception
    assert list(at.dataframe[0].value["steps"]) == ["0/5"]


def test_the_train_page_queues_the_steps_it_says_the_run_takes(tiny_model_dir, monkeypatch):
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    at = page(tiny_model_dir)
    said = next(c.value for c in at.caption if c.value.startswith("This run takes"))
    steps = int(re.match(r"This run takes (\d+) optimizer step", said).group(1))
    queued = []
    monkeypatch.setattr(runs, "submit", lambda config, **kw: queued.append(kw) or "queued-run")
    at.button(key="train_start").click().run()
    assert not at.exception, at.exception
    assert [kw.get("planned_steps") for kw in queued] == [steps]
