"""ftlib.run_watch: a run's launch process settles the run and moves the queue on once its training command ends,
however it ends, with nobody listing runs (a queue on a server used from the CLI alone stopped at its first run the
OOM killer ended, until the next command). A stand-in training command (a Python that sleeps) under the real launch
process; real training goes through it in tests/test_runs.py."""

from __future__ import annotations

import os
import signal
import sys

import pytest

from ftlib import run_watch, runs
from ftlib.run_processes import alive
from tests.test_runs import config, wait_for


@pytest.fixture
def watched(monkeypatch):
    """Launch stand-ins under the real launch process; `behaviour["code"]` is what the stand-in does (its pid is the
    first line of the run's log)."""
    behaviour = {"code": "import time; time.sleep(120)"}

    def command(run, config, **_):
        code = f"import os; print('pid', os.getpid(), flush=True); {behaviour['code']}"
        stand_in = [sys.executable, "-c", code, str(run.path)]
        return [sys.executable, "-m", "ftlib.run_watch", str(run.path), "--", *stand_in]

    monkeypatch.setattr(runs, "launch_command", command)
    yield behaviour
    for run in runs._all():
        pid = run.read_status().get("pid")
        if pid and alive(pid, run):
            os.killpg(pid, signal.SIGKILL)
    runs._reap()


def state(run_id: str) -> str:
    """The state on disk, as written: reading it neither reconciles nor advances the queue (list_runs would)."""
    return runs.find(run_id).read_status().get("state")


def worker_pid(run_id: str) -> int:
    line = wait_for(lambda: next((ln for ln in runs.find(run_id).log_tail() if ln.startswith("pid ")), None))
    return int(line.split()[1])


def test_a_worker_killed_from_outside_is_settled_and_the_next_run_starts_with_nobody_listing(watched):
    """The runs queued behind are launched by the launch process in its own interpreter, with the real command: their
    workers fail at once on a data file that does not exist, and each one's launch process starts the next."""
    first = runs.submit(config("oom-killed"))
    second, third = runs.submit(config("next")), runs.submit(config("after it"))
    assert (state(first), state(second), state(third)) == ("running", "queued", "queued")
    launcher = runs.find(first).read_status()["pid"]
    os.kill(worker_pid(first), signal.SIGKILL)  # what the OOM killer does: the worker alone, no word from it

    wait_for(lambda: state(third) == "failed", timeout=120)
    status = runs.find(first).read_status()
    assert status["state"] == "interrupted" and "ended unexpectedly" in status["message"], status
    assert status["log_tail"][0].startswith("pid ")
    assert state(second) == "failed" and "nowhere.jsonl" in runs.find(second).read_status()["message"]
    wait_for(lambda: not alive(launcher, runs.find(first)), timeout=30)  # the launch process is gone too


def test_a_stop_now_ends_the_worker_and_the_launch_process_outlives_it_to_settle_the_run(watched):
    run_id, waiting = runs.submit(config("never reads the stop file")), runs.submit(config("waiting"))
    worker = worker_pid(run_id)
    assert runs.stop(run_id)["state"] == "stopping"
    runs.stop(run_id)  # asked again: SIGTERM to the run's whole session, the launch process included

    wait_for(lambda: state(waiting) != "queued", timeout=60)
    assert state(run_id) == "interrupted" and runs.find(run_id).summary().resumable
    with pytest.raises(ProcessLookupError):
        os.kill(worker, 0)


def test_the_launch_process_refuses_a_command_line_without_its_separator(capsys):
    for argv in (["runs/some-run", "python"], ["runs/some-run", "NOT_A_SETTING", "--", "python"], ["run", "--"]):
        assert run_watch.main(argv) == 2
        assert "usage: python -m ftlib.run_watch RUN_DIR [KEY=VALUE ...] -- COMMAND" in capsys.readouterr().err


def test_every_run_is_launched_under_its_launch_process(tmp_path):
    from ftlib.rundir import RunDir

    run = RunDir(tmp_path / "runs" / "a-run")
    command = runs.launch_command(run, config("one process"))
    assert command[:5] == [sys.executable, "-m", "ftlib.run_watch", str(run.path), "--"]
    assert command[5:] == [sys.executable, "-m", "ftlib.worker", str(run.path)]
    torchrun = runs.launch_command(run, config("two processes", nproc=2))
    assert torchrun[:5] == command[:5] and "torch.distributed.run" in torchrun and torchrun[-1] == str(run.path)


def test_the_runs_own_settings_reach_its_command_and_stay_out_of_the_launch_process(tmp_path):
    """The launch process starts the next queued run from its own environment: a run's thread share (several CPU
    processes) or its one GPU (`CUDA_VISIBLE_DEVICES`) in it was inherited by that run (a 2-GPU run started by the
    watcher of a run on cuda:1 saw GPU 1 alone). They are given to the training command alone."""
    seen = tmp_path / "seen"
    code = f"import os, pathlib; pathlib.Path({str(seen)!r}).write_text(os.environ.get('OMP_NUM_THREADS', '-'))"
    argv = [str(tmp_path / "no-run"), "OMP_NUM_THREADS=1", "CUDA_VISIBLE_DEVICES=1", "--", sys.executable, "-c", code]
    before = {key: os.environ.get(key) for key in ("OMP_NUM_THREADS", "CUDA_VISIBLE_DEVICES")}
    assert run_watch.main(argv) == 0
    assert seen.read_text() == "1"
    assert {key: os.environ.get(key) for key in before} == before
