"""A process group left to the interpreter's exit: CI44's two-process bench side (`ftlib-dp2`) finished its steps and
rank 1 then aborted at exit ("terminate called without an active exception", SIGABRT), so torchrun said the run
failed. The worker and the bench's child now destroy the group before they exit (`distributed.close_process_group`)."""

from __future__ import annotations

import torch.distributed as dist

from ftlib import worker
from ftlib.distributed import close_process_group


def test_the_group_this_process_joined_is_destroyed_and_a_second_call_is_harmless(tmp_path):
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'rendezvous'}", rank=0, world_size=1)
    assert dist.is_initialized()
    close_process_group()
    assert not dist.is_initialized()
    close_process_group()  # none left: nothing to do, nothing raised


def test_the_worker_closes_the_group_when_its_run_ends(tmp_path, monkeypatch):
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'rendezvous'}", rank=0, world_size=1)
    monkeypatch.setattr(worker, "execute", lambda path: "finished")
    monkeypatch.setattr(worker, "_leave_out_unused_libraries", lambda run: None)
    monkeypatch.setenv("TORCHELASTIC_RUN_ID", "test")  # as under torchrun: the queue is not moved from here
    (tmp_path / "run").mkdir()
    try:
        assert worker.main([str(tmp_path / "run")]) == 0
        assert not dist.is_initialized()
    finally:
        close_process_group()
