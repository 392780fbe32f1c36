"""The next queued run is started from a clean environment after a several-process run, not by its rank-0 worker.

A review found a one-process LoRA run queued behind a `--nproc 2` CPU run stuck for ever in "loading model and
data": rank 0 of the torchrun group started it from its own environment, so it inherited RANK=0, WORLD_SIZE=2 and
MASTER_PORT, and waited in torch.distributed's rendezvous for a second process that never came. run_watch, which
wraps torchrun, starts the next run once every process has ended, from the environment the run was launched with.
"""

from __future__ import annotations

import pytest

from ftlib import runs, worker


@pytest.mark.parametrize("under_torchrun, advanced", [(False, 1), (True, 0)])
def test_a_worker_under_torchrun_leaves_the_queue_to_run_watch(monkeypatch, tmp_path, under_torchrun, advanced):
    calls = []
    monkeypatch.setattr(worker, "execute", lambda path: "finished")
    monkeypatch.setattr(worker, "install_stop_signal", lambda run: None)
    monkeypatch.setattr(worker, "_leave_out_unused_libraries", lambda run: None)
    monkeypatch.setattr(runs, "advance", lambda: calls.append(1) or [])
    for name in ("RANK", "LOCAL_RANK", "GROUP_RANK", "WORLD_SIZE", "TORCHELASTIC_RUN_ID"):
        monkeypatch.delenv(name, raising=False)
    if under_torchrun:  # rank 0 of two, as torchrun starts it
        for name, value in {"RANK": "0", "LOCAL_RANK": "0", "GROUP_RANK": "0", "WORLD_SIZE": "2"}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("TORCHELASTIC_RUN_ID", "600d1b49")
    assert worker.main([str(tmp_path / "run")]) == 0
    assert len(calls) == advanced
