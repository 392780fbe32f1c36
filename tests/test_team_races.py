"""A team on one studio: two sessions (or a session and a CLI command) acting on one workspace at the same moment.

Each test puts the second actor at the exact point where the first one has decided and not yet acted (a hook at
that line), rather than hoping two threads meet: the interleaving is the one a real team meets now and then.
"""

from __future__ import annotations

import os
import signal
import sys

import pytest

from ftlib import file_lock, run_resume, runs, workspace
from ftlib.config import RunConfig
from ftlib.run_processes import alive


@pytest.fixture
def stand_in(monkeypatch):
    """Runs are launched as a Python that sleeps, not a training process; every one started is ended after."""
    monkeypatch.setattr(
        runs, "launch_command", lambda run, config: [sys.executable, "-c", "import time; time.sleep(60)"]
    )
    yield
    for run in runs._all():
        pid = run.read_status().get("pid")
        if pid and alive(pid, run):
            os.killpg(pid, signal.SIGKILL)
    runs._reap()


def test_a_run_deleted_while_the_queue_would_start_it_is_either_kept_running_or_never_started(stand_in, monkeypatch):
    """`runs delete` of a queued run (or Delete on an interrupted one another tab resumes) checked its state, then
    removed the folder without the queue's lock: the server's queue could start the run in between, and the delete
    then removed the folder of a run whose process had just been launched (the launch failing on the missing folder
    in the session that moved the queue, the worker on its missing config). The queue's own moves are made under
    its lock, so the delete decides and removes under it too."""
    run_id = runs.create_run(RunConfig(dataset="nowhere.jsonl", name="queued-one", device="cpu"))
    started: list[str] = []
    real = run_resume.reward_model_users

    def the_queue_moves_now(name: str) -> list[str]:  # called by delete after its state checks, before it removes
        try:  # another session's list of runs, or a run ending elsewhere, moves the queue now if it may
            with file_lock.locked(workspace.runs_dir() / runs._QUEUE_LOCK, wait=False):
                pass
        except BlockingIOError:
            return real(name)  # the delete holds the queue: nothing can start meanwhile
        started.extend(runs.advance())
        return real(name)

    monkeypatch.setattr(run_resume, "reward_model_users", the_queue_moves_now)
    try:
        runs.delete(run_id)
    except runs.RunError as exc:  # refused because it started: then it must still be there, running
        assert "still running" in str(exc)
        assert runs.find(run_id).read_status()["state"] == "running"
        return
    assert not started, f"the queue started {started} and the delete removed its folder under it"
    assert run_id not in {r.id for r in runs.list_runs()}
    assert runs.advance() == []
