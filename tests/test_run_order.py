"""The order the runs table and `runs list` show runs in: training, then queued in line order, then newest first.

A left-alone note of an earlier session: runs were sorted by creation only, so a resumed run 4th in line sat among
the finished runs by the date it was first created, and two queued runs showed in the reverse of the order the
queue starts them."""

from __future__ import annotations

import json

from ftlib import runs
from ftlib.cli import main
from ftlib.testing import make_run


def queue_of_five():
    """An old run resumed (queued last, created first), a run training, two queued, one finished."""
    make_run("old-resumed", state="queued", created=100.0, queued_at=900)
    make_run("finished", state="finished", created=400.0)
    make_run("queued-first", state="queued", created=300.0, queued_at=600)
    make_run("queued-second", state="queued", created=500.0, queued_at=700)
    make_run("training", state="running", created=200.0, queued_at=200)


def test_runs_are_listed_training_first_then_in_the_order_the_queue_starts_them():
    queue_of_five()
    order = [r.id for r in runs.list_runs(refresh=False)]
    assert order == ["training", "queued-first", "queued-second", "old-resumed", "finished"]


def test_queued_runs_of_one_instant_keep_the_queues_own_tie_break():
    """`advance` starts queued runs by (queued_at, id): the list agrees with it when two share a time."""
    make_run("b-run", state="queued", created=2.0, queued_at=50)
    make_run("a-run", state="queued", created=1.0, queued_at=50)
    assert [r.id for r in runs.list_runs(refresh=False)] == ["a-run", "b-run"]


def test_runs_list_json_prints_that_order(monkeypatch, capsys):
    queue_of_five()
    monkeypatch.setattr(runs, "refresh_runs", lambda: "")  # no queue advance: the queued runs stay queued
    assert main(["runs", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in listed] == ["training", "queued-first", "queued-second", "old-resumed", "finished"]
