"""The run's own settings given to its training command (ftlib.run_watch, runs._launch), as a mutation review found
untested: they win over the launch process's own values and join its environment (not replace it), and a one-GPU
run's GPU is among them, kept out of the launch process's."""

from __future__ import annotations

import sys

from ftlib import distributed, run_watch, runs
from tests.test_runs import config


def test_the_runs_settings_win_over_the_launch_processs_and_join_its_environment(tmp_path, monkeypatch):
    """The launch process holds the server's thread budget (OMP_NUM_THREADS=4 here) and everything else a worker
    needs (the workspace, PATH): the command sees its own share (1) and all the rest."""
    seen = tmp_path / "seen"
    said = "os.environ.get('OMP_NUM_THREADS', '-') + ' ' + os.environ.get('WATCH_TEST_MARK', '-')"
    code = f"import os, pathlib; pathlib.Path({str(seen)!r}).write_text({said})"
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    monkeypatch.setenv("WATCH_TEST_MARK", "workspace-kept")
    argv = [str(tmp_path / "no-run"), "OMP_NUM_THREADS=1", "--", sys.executable, "-c", code]
    assert run_watch.main(argv) == 0
    assert seen.read_text() == "1 workspace-kept"


def test_a_one_gpu_runs_gpu_is_given_to_its_command_alone(tmp_path, monkeypatch):
    """A run on cuda:1 of 2 GPUs: its command sees GPU 1 alone; the launch process, which starts the next queued run
    (perhaps on both GPUs), keeps seeing every GPU."""

    monkeypatch.setattr(distributed, "gpu_count", lambda: 2)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    run, started = launched(tmp_path, monkeypatch, config("on gpu 1", device="cuda:1"))
    command = started["command"]
    settings = command[command.index(str(run.path)) + 1 : command.index("--")]
    assert "CUDA_VISIBLE_DEVICES=1" in settings and "FTLIB_GPU=cuda:1" in settings
    assert "CUDA_VISIBLE_DEVICES" not in started["env"]


def launched(tmp_path, monkeypatch, run_config) -> tuple:
    """(the run, {command, env} that runs._launch gave Popen) for a run of `run_config`, nothing started."""
    from ftlib.rundir import RunDir

    started = {}

    class Popen:
        def __init__(self, command, env, **_):
            started.update(command=command, env=env)
            self.pid = 4242

    monkeypatch.setattr(runs.subprocess, "Popen", Popen)
    monkeypatch.setattr(runs, "_CHILDREN", {})
    run = RunDir(tmp_path / "runs" / "a-run")
    run.path.mkdir(parents=True)
    run.write_config(run_config)
    runs._launch(run)
    return run, started


def test_launch_gives_the_thread_share_to_the_command_not_to_its_launch_process(tmp_path, monkeypatch):
    """runs._launch: the environment of the launch process (what it starts the next run with) is the one every run
    starts from; a two-process CPU run's share is a `KEY=VALUE` of its command."""
    monkeypatch.setenv("FTLIB_THREADS", "2")
    _, started = launched(tmp_path, monkeypatch, config("two processes", nproc=2))
    command = started["command"]
    assert command[command.index("--") - 1] == "OMP_NUM_THREADS=1"  # its share: 2 threads over 2 processes
    assert started["env"]["OMP_NUM_THREADS"] == "2"  # the launch process keeps the budget every run starts from
