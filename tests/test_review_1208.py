"""Whole-diff review of the Dec 6 session (helper 38): a run picked in the Train page's "Compare runs" and deleted
since is said gone, not dropped from the pick without a word; `runs compare` on a run that has not started says so,
not an ended run's reasons for having no held-out loss."""

from __future__ import annotations

import shutil
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ftlib import run_compare, workspace
from ftlib.cli import main
from ftlib.testing import make_run

APP = str(Path(__file__).resolve().parents[1] / "app.py")
HELD_OUT = [{"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]}]


def curve(start: float, drop: float) -> list[dict]:
    rows = [{"kind": "train", "step": s, "loss": start - drop * s, "tokens": 100 * s} for s in range(1, 7)]
    return rows + [{"kind": "eval", "step": s, "eval_loss": start + 0.2 - drop * s} for s in (0, 3, 6)]


def run(run_id: str, config: dict, metrics: list[dict], **status):
    made = make_run(
        run_id, {"dataset": "numbers", "max_steps": 6, "name": run_id, **config}, metrics=metrics, **status
    )
    workspace.keep_run_split(made.path, HELD_OUT, HELD_OUT, {})
    return made


def test_a_picked_run_deleted_meanwhile_is_said_gone_above_the_compare_section(tiny_model_dir):
    for i, run_id in enumerate(("r-a", "r-b", "r-c")):
        run(run_id, {"model": str(tiny_model_dir), "seed": i}, curve(2.0, 0.1), created=100.0 * (i + 1))
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at = at.run().switch_page("pages/4_Train.py").run()
    section = next(e for e in at.expander if e.label == "Compare runs")
    assert section.multiselect[0].value == ["r-c", "r-b"]
    assert at.session_state["train_selected"] != "r-b"  # not the run the page shows: its own note would say it
    shutil.rmtree(workspace.runs_dir() / "r-b")  # deleted in another tab, by a teammate or with the CLI
    at.run()
    assert not at.exception
    said = [w for w in at.warning if "r-b" in w.value]
    assert len(said) == 1 and "was deleted" in said[0].value and said[0].proto.icon == ":material/warning:"
    at.run()
    assert not [w for w in at.warning if "r-b" in w.value]  # said once


def test_a_queued_run_is_said_not_started_not_given_an_ended_runs_reasons(capsys):
    run("r-done", {}, curve(2.0, 0.1), step=6)
    run("r-queued", {}, [], state="queued", step=0)
    c = run_compare.compare(["r-done", "r-queued"])
    (note,) = c.notes
    assert note == "r-queued has not started (queued): no loss to compare."
    assert main(["runs", "compare", "r-done", "r-queued"]) == 0
    err = capsys.readouterr().err
    assert "not started" in err and "before it ended" not in err


def test_a_run_that_failed_before_its_first_step_is_not_said_not_started_yet():
    run("r-done", {}, curve(2.0, 0.1), step=6)
    run("r-failed", {}, [], state="failed", step=0)
    (note,) = run_compare.compare(["r-done", "r-failed"]).notes
    assert note == "r-failed ended before its first step (failed): no loss to compare."


def test_test_size_is_no_difference_between_runs_on_a_saved_split():
    saved = workspace.datasets_dir() / "numbers"
    saved.mkdir(parents=True, exist_ok=True)
    (saved / "meta.json").write_text("{}")  # a saved split: its own held-out rows, test_size splits nothing
    run("r-old", {"test_size": 0.1}, curve(2.0, 0.1), step=6)  # an earlier run's config.json: 0.1, the former default
    run("r-new", {}, curve(2.0, 0.1), step=6)  # test_size unset since (splits.run_test_size)
    assert [s.name for s in run_compare.compare(["r-old", "r-new"]).settings] == []
    shutil.rmtree(saved)  # a data file of that name, split at queue time: the share given and unset differ
    assert [(s.name, s.values) for s in run_compare.compare(["r-old", "r-new"]).settings] == [
        ("test_size", ["0.1", "auto"])
    ]


def test_a_run_scored_at_step_0_is_not_said_not_started():
    run("r-done", {}, [r for r in curve(2.0, 0.1) if r["kind"] == "train"], step=6)  # no held-out loss: notes said
    run("r-starting", {}, [{"kind": "eval", "step": 0, "eval_loss": 2.2}], state="running", step=0)
    c = run_compare.compare(["r-done", "r-starting"])
    assert c.runs[1].best_eval_loss == 2.2 and c.notes
    assert not any("before its first step" in n or "not started" in n for n in c.notes)
