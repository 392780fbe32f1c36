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
    from ftlib.rundir import RunDir

    started = {}

    class Popen:
        def __init__(self, command, env, **_):
            started.update(command=command, env=env)
            self.pid = 4242

    monkeypatch.setattr(runs.subprocess, "Popen", Popen)
    monkeypatch.setattr(runs, "_CHILDREN", {})
    monkeypatch.setattr(distributed, "gpu_count", lambda: 2)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    run = RunDir(tmp_path / "runs" / "on-gpu-1")
    run.path.mkdir(parents=True)
    run.write_config(config("on gpu 1", device="cuda:1"))
    runs._launch(run)
    command = started["command"]
    settings = command[command.index(str(run.path)) + 1 : command.index("--")]
    assert "CUDA_VISIBLE_DEVICES=1" in settings and "FTLIB_GPU=cuda:1" in settings
    assert "CUDA_VISIBLE_DEVICES" not in started["env"]
