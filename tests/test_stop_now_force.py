"""A stop now ends a run whose processes never see its SIGTERM: Python runs a signal handler only once the main
thread is back in the interpreter, so a worker blocked in C code (torch.distributed's rendezvous waiting for a machine
that never came) outlived `runs stop` asked twice, and had to be killed by its pid (a review, 2026-12-06). The launch
process (ftlib.run_watch) kills what is left `GRACE` seconds after a stop now, and only after a stop now: a plain
SIGTERM (a machine shutting down) still leaves the run to save its checkpoint. Stand-ins for the training command
under the real launch process and queue, with a grace of 1 s."""

from __future__ import annotations

import os
import signal
import sys

import pytest

from ftlib import runs
from ftlib.run_processes import alive
from tests.test_runs import config, wait_for

# Ignores SIGTERM as a process blocked in C does (its handler never runs), with one under it in a session of its own,
# as torchrun starts its workers, and the next queued run's launch process, which a worker starts as it ends.
STUCK = (
    "import os, signal, subprocess, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "stuck = 'import time; time.sleep(600)'; "
    "inner = subprocess.Popen([sys.executable, '-c', stuck], start_new_session=True); "
    "after = subprocess.Popen([sys.executable, '-c', stuck, 'ftlib.run_watch', 'next-run'], start_new_session=True); "
    "print('pids', os.getpid(), inner.pid, after.pid, flush=True); time.sleep(600)"
)


@pytest.fixture
def launched(monkeypatch):
    """Launch `launched["code"]` under the real launch process with a grace of 1 s; it prints `pids PID...` first."""
    behaviour = {"code": STUCK}

    def command(run, config, **_):
        watch = "import ftlib.run_watch as w; w.GRACE = 1; raise SystemExit(w.main())"
        stand_in = [sys.executable, "-c", behaviour["code"], str(run.path)]
        return [sys.executable, "-c", watch, str(run.path), "--", *stand_in]

    monkeypatch.setattr(runs, "launch_command", command)
    yield behaviour
    for run in runs._all():
        for pid in _pids(run.id, wait=False):
            _kill(pid)
        pid = run.read_status().get("pid")
        if pid and alive(pid, run):
            os.killpg(pid, signal.SIGKILL)
    runs._reap()


def _pids(run_id: str, wait: bool = True) -> list[int]:
    def line():
        return next((ln for ln in runs.find(run_id).log_tail() if ln.startswith("pids ")), None)

    found = wait_for(line, timeout=60) if wait else line()
    return [int(pid) for pid in found.split()[1:]] if found else []


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] in ("Z", "X")  # a zombie ran its last already
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads processes from /proc")
def test_a_stop_now_kills_processes_that_never_see_its_sigterm_and_settles_the_run(launched):
    run_id, waiting = runs.submit(config("blocked in C")), runs.submit(config("waiting behind it"))
    *pids, next_run = _pids(run_id)
    launcher = runs.find(run_id).read_status()["pid"]
    assert runs.stop(run_id)["state"] == "stopping"
    runs.stop(run_id)  # asked again: SIGTERM to the session, which the stand-in ignores

    wait_for(lambda: all(_gone(pid) for pid in pids), timeout=30)
    assert not _gone(next_run)  # another run's, left to train
    wait_for(lambda: runs.find(waiting).read_status().get("state") != "queued", timeout=30)  # the queue moved on
    wait_for(lambda: not alive(launcher, runs.find(run_id)), timeout=30)
    status, summary = runs.find(run_id).read_status(), runs.find(run_id).summary()
    assert status["state"] == "interrupted" and status["stopped_by"] == "user" and summary.resumable, status
    assert status["message"].startswith("Stopped at once"), status["message"]
    assert "had not ended 1 s after the stop now" in status["message"] and "were killed" in status["message"]
    assert any("so they were killed" in line for line in runs.find(run_id).log_tail())


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads processes from /proc")
def test_a_sigterm_without_a_stop_now_leaves_the_run_to_save_and_end(launched, tmp_path):
    """A machine shutting down: the run saves its checkpoint (here 3 s, longer than the grace) and ends by itself."""
    saved = tmp_path / "saved"
    launched["code"] = (
        "import os, signal, sys, time\n"
        "def save(*_):\n"
        f"    time.sleep(3); open({str(saved)!r}, 'w').write('saved'); sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, save)\n"
        "print('pids', os.getpid(), flush=True)\n"
        "time.sleep(600)\n"
    )
    run_id = runs.submit(config("saving"))
    (pid,) = _pids(run_id)
    launcher = runs.find(run_id).read_status()["pid"]
    os.killpg(launcher, signal.SIGTERM)

    wait_for(lambda: not alive(launcher, runs.find(run_id)), timeout=30)
    assert saved.read_text() == "saved"
    assert _gone(pid)
    assert "were killed" not in runs.find(run_id).read_status()["message"]


def test_the_grace_the_docs_give_is_the_launch_processes_own():
    from pathlib import Path

    from ftlib.run_watch import GRACE

    root = Path(__file__).resolve().parents[1]
    readme, architecture = (root / "README.md").read_text(), (root / "docs" / "ARCHITECTURE.md").read_text()
    assert f"is killed {GRACE:g} s later" in " ".join(readme.split())
    assert f"`GRACE` ({GRACE:g}) s later" in architecture
