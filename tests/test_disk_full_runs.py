"""A full disk while a run trains (a fault-injection review: a 6 MiB workspace, a checkpoint every 20 steps): the
worker removes the checkpoint the disk cut short and writes its end; a run whose end could not be written still
reads as ended; `train` says one `error:` line and stops following; an OSError naming no file has a subject."""

from __future__ import annotations

import errno
import io
import json
import sys

import pytest

from ftlib import runs, workspace
from ftlib.cli import main
from ftlib.run_processes import alive
from tests.test_runs import config, fake_runner, wait_for  # noqa: F401 (fake_runner: a fixture)

NO_SPACE = "No space left on device"


class FullDiskStream:
    """sys.stdout / sys.stderr of a worker whose log is on the full disk: writes fail while `full()` holds."""

    def __init__(self, stream, full):
        self.stream, self.full = stream, full

    def write(self, text):
        if self.full():
            raise OSError(errno.ENOSPC, NO_SPACE)
        return self.stream.write(text)

    def flush(self):
        if self.full():
            raise OSError(errno.ENOSPC, NO_SPACE)
        self.stream.flush()

    def __getattr__(self, name):
        return getattr(self.stream, name)


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, NO_SPACE), RuntimeError("a crash while saving")])
def test_the_worker_removes_the_checkpoint_a_full_disk_cut_short_and_writes_its_end(
    tiny_model_dir, tmp_path, monkeypatch, failure
):
    """Before: the traceback failed to print on the full disk (4 KiB of it in train.log), the worker died in its own
    error handler, status.json said `running` for good and checkpoint-4 (no trainer_state.json) held the space. A
    failure not read as a full disk leaves the checkpoint until status.json cannot be written: then removed, and
    written again."""
    from transformers import Trainer

    from ftlib import worker
    from ftlib.rundir import RunDir
    from tests.test_training import SFT_ROWS, tiny_config

    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in SFT_ROWS))
    run = runs.find(runs.create_run(tiny_config(tiny_model_dir, dataset=str(data), max_steps=4, save_every=2)))
    cut = run.checkpoints / "checkpoint-4"
    save_rng = Trainer._save_rng_state

    def rng_state_on_a_full_disk(self, output_dir):
        if output_dir.endswith("checkpoint-4"):  # its adapter is written, its trainer_state.json not yet
            raise failure
        return save_rng(self, output_dir)

    end_attempt = RunDir.end_attempt

    def end_on_a_full_disk(self, **fields):
        if cut.exists():
            raise workspace.disk_full_error(self.status_file, NO_SPACE, "")
        return end_attempt(self, **fields)

    monkeypatch.setattr(Trainer, "_save_rng_state", rng_state_on_a_full_disk)
    monkeypatch.setattr(RunDir, "end_attempt", end_on_a_full_disk)
    monkeypatch.setattr(sys, "stdout", FullDiskStream(sys.stdout, cut.exists))
    monkeypatch.setattr(sys, "stderr", FullDiskStream(sys.stderr, cut.exists))
    assert worker.execute(run.path) == "failed"
    status = run.read_status()
    assert status["state"] == "failed", status
    if isinstance(failure, OSError):
        assert status["message"].startswith("The disk is full"), status
        assert "(checkpoint-4, cut short by the full disk, was removed.)" in status["message"]
    else:
        assert status["message"] == "RuntimeError: a crash while saving"
    assert not cut.exists() and run.last_checkpoint() == run.checkpoints / "checkpoint-2"
    assert run.summary().resumable


def test_a_run_whose_end_a_full_disk_kept_from_being_written_reads_as_ended(fake_runner, monkeypatch):  # noqa: F811
    """Before: `runs list` and `runs show` said `running 40/60` with no process alive, `train` followed it until
    Ctrl-C, and once space was back the message was the log's cut line ('File "/work/main/.v')."""
    from ftlib.commands import train as train_command

    fake_runner["code"] = (
        "import sys; print('[step 40/60] loss 1.0'); print('Traceback (most recent call last):');"
        "print('  File \"/work/main/.v', end='', flush=True); sys.exit(1)"
    )
    run_id = runs.submit(config("full-disk"))
    run = runs.find(run_id)
    wait_for(lambda: not alive(run.read_status().get("pid"), run) and "File" in run.log_file.read_text())
    real = runs.RunDir.end_attempt

    def disk_full(self, **fields):
        raise workspace.DiskFullError(errno.ENOSPC, NO_SPACE)

    monkeypatch.setattr(runs.RunDir, "end_attempt", disk_full)
    listed = {r.id: r for r in runs.list_runs()}[run_id]
    assert listed.state == "failed", listed
    assert "The disk is full, so this is not recorded in its folder yet: free space on the workspace's disk" in (
        listed.message
    )
    assert "ends cut short in a traceback" in listed.message and ".v" not in listed.message
    assert run.summary().state == "failed"  # `runs show`: after the refresh `runs list` does too
    out = io.StringIO()
    assert train_command.follow(run_id, out=out, poll=0.05).state == "failed"  # at once, not until Ctrl-C
    assert "Traceback" not in out.getvalue()
    with pytest.raises(runs.RunError, match="cannot resume yet: .*The disk is full"):
        runs.resume(run_id)
    assert json.loads(run.status_file.read_text())["state"] == "running"  # nothing could be written

    monkeypatch.setattr(runs.RunDir, "end_attempt", real)  # space is back
    runs.list_runs()
    status = json.loads(run.status_file.read_text())
    assert status["state"] == "failed" and "The disk is full" not in status["message"]
    assert status["message"].startswith("The training process crashed: its log (train.log) ends cut short")


def test_an_os_error_naming_no_file_says_what_failed(monkeypatch, capsys):
    """Before: "error: cannot use: no space left on device; check the path and that you may read and write there"
    (a write to an open file names no path)."""

    def fails(error):
        def listing(*args, **kwargs):
            raise error

        return listing

    monkeypatch.setattr(runs, "list_runs", fails(OSError(errno.ENOSPC, NO_SPACE)))
    assert main(["runs", "list"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: The disk is full ({NO_SPACE}). Free space in the workspace ("), err
    assert "cannot use:" not in err and err.count("\n") == 1
    monkeypatch.setattr(runs, "list_runs", fails(OSError(errno.EIO, "Input/output error")))
    assert main(["runs", "list"]) == 2
    assert capsys.readouterr().err == (
        f"error: cannot read or write a file: input/output error; check the disk of {workspace.workspace_dir()}\n"
    )


def test_following_a_run_prints_no_traceback_lines():
    from ftlib.commands.train import _exception_line, _followed

    assert not _followed("Traceback (most recent call last):")
    assert not _followed("    raise ValueError('x')") and not _followed('  File "/x/errors.py", line 1')
    assert _followed("[step 1/2] loss 1.0") and _followed("RuntimeError: boom")
    tail = ["Traceback (most recent call last):", '  File "x.py"', "Exception: No space left on device (os error 28)"]
    assert _exception_line(tail, "The disk is full (No space left on device (os error 28)).") is None  # said
    assert _exception_line(tail, "The training process crashed.") == "Exception: No space left on device (os error 28)"
    assert _exception_line(["RuntimeError: boom"], "The training process crashed.") is None  # followed already


def test_only_checkpoints_cut_short_are_removed(tmp_path):
    """No trainer_state.json (the Trainer writes it last), or a cut one in the checkpoint of the step that failed:
    removed; an older checkpoint whose trainer_state.json does not read is the person's to judge, kept."""
    from ftlib.rundir import RunDir
    from ftlib.worker import remove_unfinished_checkpoints

    run = RunDir(tmp_path / "run")
    for step, state in ((2, "{}"), (3, '{"cut'), (10, None), (12, '{"global_step": 1')):
        folder = run.checkpoints / f"checkpoint-{step}"
        folder.mkdir(parents=True)
        (folder / "adapter_model.safetensors").write_bytes(b"w")
        if state is not None:
            (folder / "trainer_state.json").write_text(state)
    assert remove_unfinished_checkpoints(run, 12) == ["checkpoint-10", "checkpoint-12"]
    assert sorted(p.name for p in run.checkpoints.iterdir()) == ["checkpoint-2", "checkpoint-3"]
    assert remove_unfinished_checkpoints(run, 12) == [] and remove_unfinished_checkpoints(run) == []
