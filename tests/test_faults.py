"""Fault injection: a full disk and running out of memory end a run with an explanation, keep what it had
(metrics, checkpoints) and leave it resumable. The disk fault is real: the training process runs under a
file-size limit, so its writes fail the way they do on a full disk."""

from __future__ import annotations

import errno
import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from ftlib import runs, training, worker
from tests.test_training import SFT_ROWS, tiny_config

ROOT = Path(__file__).resolve().parents[1]


def _run(tiny_model_dir, tmp_path, **kw) -> str:
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in SFT_ROWS))
    return runs.create_run(tiny_config(tiny_model_dir, dataset=str(data), **kw))


def train_page(run_id: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run().switch_page("pages/4_Train.py")
    at.session_state["train_selected"] = run_id
    at.run()
    assert not at.exception, at.exception
    return at


def _limit_file_size(limit: int):
    def apply():  # runs in the child before exec: every file it writes is capped at `limit` bytes
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_while_saving_fails_the_run_with_an_explanation_and_keeps_its_metrics(tiny_model_dir, tmp_path):
    run_id = _run(tiny_model_dir, tmp_path, method="full", max_steps=2, learning_rate=1e-5)
    path = runs.find(run_id).path
    env = dict(os.environ, FTLIB_WORKSPACE=os.environ["FTLIB_WORKSPACE"])
    # The tiny model's weights are ~13 MB: metrics and status fit under 2 MB, the saved model does not.
    proc = subprocess.run(
        [sys.executable, "-m", "ftlib.worker", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=_limit_file_size(2 * 2**20),
    )
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    status = runs.find(run_id).read_status()
    assert status["state"] == "failed"
    assert status["message"].startswith("The disk is full"), status["message"]
    assert "FTLIB_WORKSPACE" in status["message"] and "resume" in status["message"]
    assert "Traceback" not in status["message"]
    assert len([r for r in runs.find(run_id).read_metrics() if r["kind"] == "train"]) == 2  # what it learned is kept
    info = runs.find(run_id).summary()
    assert info.resumable and info.message == status["message"]


def test_no_space_left_names_the_file_and_the_fix(tiny_model_dir, tmp_path, monkeypatch):
    run_id = _run(tiny_model_dir, tmp_path, max_steps=2)
    target = runs.find(run_id).path / "adapter" / "adapter_model.safetensors"

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))

    monkeypatch.setattr(training, "save_final", full_disk)
    assert worker.execute(runs.find(run_id).path) == "failed"
    message = runs.find(run_id).read_status()["message"]
    assert message.startswith(f"The disk is full while writing {target}") and "No space left" in message
    assert len([r for r in runs.find(run_id).read_metrics() if r["kind"] == "train"]) == 2


@pytest.mark.parametrize(
    "error",
    [
        torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 7.79 GiB total capacity)"),
        RuntimeError(
            "[enforce fail at alloc_cpu.cpp:117] data. DefaultCPUAllocator: not enough memory: you tried to "
            "allocate 4294967296 bytes."
        ),
        MemoryError(),
    ],
    ids=["cuda", "cpu-allocator", "python"],
)
def test_running_out_of_memory_ends_the_run_with_advice(tiny_model_dir, tmp_path, monkeypatch, error):
    run_id = _run(tiny_model_dir, tmp_path, max_steps=3)
    build = training.build_trainer
    steps = []

    def build_then_fail_on_step_two(*args, **kwargs):
        prepared = build(*args, **kwargs)
        step = prepared.trainer.training_step

        def training_step(*a, **k):
            steps.append(1)
            if len(steps) == 2:
                raise error
            return step(*a, **k)

        prepared.trainer.training_step = training_step
        return prepared

    monkeypatch.setattr(training, "build_trainer", build_then_fail_on_step_two)
    assert worker.execute(runs.find(run_id).path) == "failed"
    status = runs.find(run_id).read_status()
    assert status["state"] == "failed" and status.get("ended")
    assert status["message"].startswith("The device ran out of memory"), status["message"]
    assert "Lower the batch size" in status["message"]
    assert runs.find(run_id).summary().resumable
    # The Train page: the run is shown failed with that explanation and a Resume button, not as running forever.
    at = train_page(run_id)
    assert f"`{run_id}` — failed" in [m.value for m in at.markdown if m.value.startswith("####")][0]
    assert [e.value for e in at.error] == [status["message"]]
    assert at.button(key=f"resume_{run_id}")
    assert run_id not in at.session_state["train_watching"]  # the page stopped polling it


def test_a_run_that_makes_no_step_fails_rather_than_finishes(tiny_model_dir, tmp_path, monkeypatch):
    """A cold review: a GRPO run with fewer prompts than a step takes ended "finished" at step 0 with nothing learned
    (TRL yields no batch). Preflight refuses that case now; the worker still never calls such a run finished."""
    run_id = _run(tiny_model_dir, tmp_path, max_steps=2)
    build = training.build_trainer

    def build_without_steps(*args, **kwargs):
        prepared = build(*args, **kwargs)
        prepared.trainer.train = lambda *a, **k: None  # as TRL returns when its sampler yields nothing
        return prepared

    monkeypatch.setattr(training, "build_trainer", build_without_steps)
    assert worker.execute(runs.find(run_id).path) == "failed"
    status = runs.find(run_id).read_status()
    assert status["message"].startswith("The run ended without a single training step"), status["message"]
    assert not (runs.find(run_id).path / "adapter").exists()


def test_a_damaged_checkpoint_is_named_with_the_way_on_and_not_offered_again_as_is(tiny_model_dir, tmp_path):
    """A reviewer's `truncate -s 1000 checkpoints/checkpoint-N/adapter_model.safetensors`, then `runs resume`: it
    failed with safetensors' "Error while deserializing header: invalid header length" every time, still offered."""
    run_id = _run(tiny_model_dir, tmp_path, max_steps=4, save_every=2)
    run = runs.find(run_id)
    assert worker.execute(run.path) == "finished"
    checkpoint = run.last_checkpoint()
    os.truncate(checkpoint / "adapter_model.safetensors", 1000)
    run.update_status(state="interrupted", resume=True)  # as a killed run that `runs resume` queued again
    assert worker.execute(run.path) == "failed"
    message = run.read_status()["message"]
    assert message.startswith(
        f"{checkpoint.name} of this run is damaged (adapter_model.safetensors is cut short (1,000 bytes, fewer than "
    ), message
    assert f"delete it (`rm -r {checkpoint}`) to resume from the beginning (it has no earlier checkpoint)" in message
    assert message.endswith("(SafetensorError: Error while deserializing header: invalid header length)")
    assert not run.summary().resumable
    with pytest.raises(runs.RunError, match=f"cannot resume: {checkpoint.name} of this run is damaged"):
        runs.resume(run_id)
    at = train_page(run_id)
    assert message in [e.value for e in at.error]
    assert f"resume_{run_id}" not in [b.key for b in at.button]
    shutil.rmtree(checkpoint)  # the way on the message gives
    assert run.summary().resumable


def test_a_damaged_checkpoint_points_to_the_one_before(tmp_path):
    checkpoints = tmp_path / "checkpoints"
    for step in (2, 4, 6):
        folder = checkpoints / f"checkpoint-{step}"
        folder.mkdir(parents=True)
        (folder / "trainer_state.json").write_text("{}")
    (checkpoints / "checkpoint-6" / "optimizer.pt").write_bytes(b"PK\x03\x04" + b"\0" * 100)  # a cut torch.save zip
    said = worker.friendly_error(
        RuntimeError("PytorchStreamReader failed reading zip archive"), checkpoints / "checkpoint-6"
    )
    six = checkpoints / "checkpoint-6"
    assert said.startswith(
        "checkpoint-6 of this run is damaged (optimizer.pt is cut short or damaged (104 bytes, its zip directory is "
        f"missing)): remove optimizer.pt and scheduler.pt (`rm -f {six / 'optimizer.pt'} {six / 'scheduler.pt'}`) to "
        "resume from checkpoint-6 with all its steps, the optimizer's state and the learning-rate schedule starting "
        f"afresh (a resume reads them only where both are there); or delete checkpoint-6 (`rm -r {six}`) to resume "
        "from the one before (checkpoint-4) with them intact. (RuntimeError: PytorchStreamReader"
    ), said
    # A whole checkpoint: the failure is said as it was.
    assert worker.friendly_error(RuntimeError("boom"), checkpoints / "checkpoint-4") == "RuntimeError: boom"


def test_a_peers_end_and_launcher_failures_read_as_what_happened():
    """A cold review: a killed process of a 2-process run was reported as gloo's "Read error ... Connection reset by
    peer ... GLHF!", a rendezvous port in use and machines that never joined as "killed, out of memory"."""
    from ftlib.run_processes import crash_reason, crashed

    gloo = RuntimeError("[../gloo/transport/tcp/pair.cc:537] Read error [127.0.0.1]:32690: Connection reset by peer")
    said = worker.friendly_error(gloo)
    assert said.startswith("Another process of this run stopped answering (killed, out of memory") and "resume" in said
    port = [
        "Traceback (most recent call last):",
        "torch.distributed.DistNetworkError: The server socket has failed to listen on any local network address. "
        "port: 29613, useIpv6: false, code: -98, name: EADDRINUSE, message: address already in use",
    ]
    assert crashed(port) and crash_reason(port).startswith("The rendezvous port 29613 is in use on machine 0")
    killed = ["torch.distributed.elastic.multiprocessing.errors.ChildFailedError:", "  exitcode  : -9 (pid: 9301)"]
    assert crash_reason(killed).startswith("A process of this run was killed (SIGKILL")
    assert not crashed(["[ftlib] step 3", "Saving checkpoint"])  # ended mid-work: killed, not a crash
