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


def test_two_exports_to_one_out_folder_at_once_give_one_whole_copy_and_one_clear_refusal(tmp_path, monkeypatch):
    """Two `runs export ID --out /shared/models/pirate` at once (two teammates, or a script run twice) both passed
    the "is --out in the way?" check, then shared one `.pirate.partial` folder: the second removed it under the first,
    or the first failed on `[Errno 39] Directory not empty` once the second had renamed its copy into place. The
    second now meets the first's lock on --out and says so, before writing anything; the first's copy is whole."""
    from ftlib import export

    source = tmp_path / "adapter"
    source.mkdir()
    (source / "adapter_model.safetensors").write_bytes(b"\x01" * 4096)
    (source / "adapter_config.json").write_text('{"r": 8}')
    target, outcome = tmp_path / "shared" / "pirate", {}
    real_copytree = export.shutil.copytree

    def copytree(src, dst, **kw):
        if not outcome:  # the first export has decided to write --out: the second starts now, and runs to its end
            outcome["second"] = None
            try:
                outcome["second"] = export.copy_export(source, target, zip_too=True)
            except export.ExportError as exc:
                outcome["second"] = exc
        return real_copytree(src, dst, **kw)

    monkeypatch.setattr(export.shutil, "copytree", copytree)
    first = export.copy_export(source, target, zip_too=True)
    second = outcome["second"]
    assert first == [target, target.with_name("pirate.zip")]
    assert isinstance(second, export.ExportError), second
    assert "another export is writing it now" in str(second) and str(target) in str(second)
    assert sorted(p.name for p in target.iterdir()) == ["adapter_config.json", "adapter_model.safetensors"]
    assert (target / "adapter_model.safetensors").read_bytes() == b"\x01" * 4096
    assert sorted(p.name for p in target.parent.iterdir()) == ["pirate", "pirate.zip"]  # no partial folder left
    monkeypatch.setattr(export.shutil, "copytree", real_copytree)
    with pytest.raises(export.ExportError, match="is already a folder that is not empty"):  # afterwards: as before
        export.copy_export(source, target)
