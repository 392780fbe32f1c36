"""A damaged checkpoint (a fault-injection review: `truncate -s 50 checkpoint-N/rng_state.pth`, then `runs resume`):
the refusal is checked again (a file restored since refuses nothing), and the advice removes only a file a resume
does without, not the whole checkpoint and its steps."""

from __future__ import annotations

import json
import os

from ftlib import run_resume, runs, worker
from tests.test_training import SFT_ROWS, tiny_config


def _stopped(tiny_model_dir, tmp_path):
    """A run stopped after its first step (the stop saves checkpoint-1), to resume for steps 2 to 4."""
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in SFT_ROWS))
    run = runs.find(runs.create_run(tiny_config(tiny_model_dir, dataset=str(data), max_steps=4, save_every=2)))
    run.request_stop()
    assert worker.execute(run.path) == "interrupted"
    run.clear_stop()
    return run


def test_a_damaged_rng_state_is_removed_not_the_checkpoint_and_a_restored_one_refuses_nothing(
    tiny_model_dir, tmp_path, monkeypatch
):
    run = _stopped(tiny_model_dir, tmp_path)
    checkpoint = run.last_checkpoint()
    assert checkpoint.name == "checkpoint-1"
    rng = checkpoint / "rng_state.pth"
    whole = rng.read_bytes()
    os.truncate(rng, 50)
    run.update_status(state="interrupted", resume=True)  # as a killed run that `runs resume` queued again
    assert worker.execute(run.path) == "failed"
    message = run.read_status()["message"]
    assert message.startswith(f"{checkpoint.name} of this run is damaged (rng_state.pth is cut short"), message
    assert f"remove rng_state.pth (`rm -f {rng}`) and resume: a resume does without it and continues from" in message
    assert "rm -r" not in message
    assert not run.summary().resumable and run_resume.refusal(run)

    rng.write_bytes(whole)  # restored: checked again, not refused for the damage recorded before
    assert run.summary().resumable and run_resume.refusal(run) is None

    os.truncate(rng, 50)
    assert run_resume.refusal(run)  # damaged again
    rng.unlink()  # the way on the message gives: the resume does without it
    assert run.summary().resumable and run_resume.refusal(run) is None
    run.update_status(state="interrupted", resume=True)
    # The failed attempt's device lease is still this process's (a worker's ends with its process): other locks.
    monkeypatch.setenv("FTLIB_LOCK_DIR", str(tmp_path / "locks"))
    assert worker.execute(run.path) == "finished"
    assert run.read_status()["resumed_from"] == "checkpoint-1"


def test_a_damaged_optimizer_says_what_a_resume_without_it_loses(tmp_path):
    """transformers reads optimizer.pt and scheduler.pt only where both are there: removed together, the resume keeps
    every step and starts the optimizer and the learning-rate schedule afresh; the checkpoint before keeps them."""
    checkpoints = tmp_path / "checkpoints"
    for step in (2, 4):
        (checkpoints / f"checkpoint-{step}").mkdir(parents=True)
        (checkpoints / f"checkpoint-{step}" / "trainer_state.json").write_text("{}")
    last = checkpoints / "checkpoint-4"
    (last / "scheduler.pt").write_bytes(b"PK\x03\x04" + b"\0" * 100)  # a cut torch.save zip
    said = worker.friendly_error(RuntimeError("PytorchStreamReader failed reading zip archive"), last)
    assert (
        f"remove optimizer.pt and scheduler.pt (`rm -f {last / 'optimizer.pt'} {last / 'scheduler.pt'}`) to resume "
        "from checkpoint-4 with all its steps, the optimizer's state and the learning-rate schedule starting afresh "
        f"(a resume reads them only where both are there); or delete checkpoint-4 (`rm -r {last}`) to resume from "
        "the one before (checkpoint-2) with them intact." in said
    ), said
    (last / "adapter_model.safetensors").write_bytes(b"\0" * 10)  # the weights too: only the checkpoint before helps
    said = worker.friendly_error(RuntimeError("boom"), last)
    assert f"delete it (`rm -r {last}`) to resume from the one before (checkpoint-2), or start a new run." in said
