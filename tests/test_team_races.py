"""A team on one studio: two sessions (or a session and a CLI command) acting on one workspace at the same moment.

Each test puts the second actor at the exact point where the first one has decided and not yet acted (a hook at
that line), rather than hoping two threads meet: the interleaving is the one a real team meets now and then.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from ftlib import file_lock, run_resume, runs, workspace
from ftlib.config import RunConfig
from ftlib.run_processes import alive


@pytest.fixture
def stand_in(monkeypatch):
    """Runs are launched as a Python that sleeps, not a training process; every one started is ended after."""
    monkeypatch.setattr(
        runs, "launch_command", lambda run, config, **_: [sys.executable, "-c", "import time; time.sleep(60)"]
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


def _rows(tag: str, n: int) -> list[dict]:
    return [
        {"messages": [{"role": "user", "content": f"{tag} {i}?"}, {"role": "assistant", "content": "Ahoy!"}]}
        for i in range(n)
    ]


def test_two_sessions_saving_one_new_split_name_at_once_keep_one_and_refuse_the_other(monkeypatch):
    """Two teammates pressing "Save split" on the name `pirates` at once, neither ticking Replace: both found no
    such split, so both wrote it, file by file: the second silently replaced the first's (or, file by file
    interleaved, paired one's train.jsonl with the other's test.jsonl). Saves of one name take turns now, and the
    second is told the name is taken."""
    real_write = workspace.write_files
    second: dict = {}

    def write_files(files, hint=""):
        if not second and any(p.name == "train.jsonl" for p in files):  # the first has decided: the name is free
            second["result"] = None
            lock = workspace.split_folder("pirates").with_name(".pirates.lock")
            try:
                with file_lock.locked(lock, wait=False):
                    pass
            except BlockingIOError:  # saves of this name take turns: the second one's check waits for this save
                second["waits"] = True
            else:
                try:
                    second["result"] = workspace.save_split("pirates", _rows("B", 4), _rows("b", 2), overwrite=False)
                except workspace.SplitExists as exc:
                    second["result"] = exc
        return real_write(files, hint)

    monkeypatch.setattr(workspace, "write_files", write_files)
    workspace.save_split("pirates", _rows("A", 6), _rows("a", 3), overwrite=False)
    if second.get("waits"):  # its turn now
        with pytest.raises(workspace.SplitExists, match="'pirates' is already saved; it was kept"):
            workspace.save_split("pirates", _rows("B", 4), _rows("b", 2), overwrite=False)
    else:
        assert isinstance(second["result"], workspace.SplitExists), "both saves wrote the split"
    train, test, meta = workspace.load_split("pirates")
    assert (len(train), len(test), meta["train_rows"]) == (6, 3, 6)
    assert {r["messages"][0]["content"].split()[0] for r in train + test} == {"A", "a"}


def test_a_split_replaced_while_a_run_reads_it_is_read_whole_as_one_version(monkeypatch):
    """A run queued on the split `pirates` while a teammate saves over it read train.jsonl of one save and
    test.jsonl of the other: its held-out rows could be rows it trained on. The read starts again when a file of
    the split changed under it."""
    from ftlib import json_rows

    workspace.save_split("pirates", _rows("old", 6), _rows("old-test", 3))
    real_read, replaced = workspace.read_jsonl, []

    def read_jsonl(path, *args, **kwargs):
        rows = real_read(path, *args, **kwargs)
        if path.name == "train.jsonl" and not replaced:  # between the train rows and the test rows: saved over
            replaced.append(workspace.save_split("pirates", _rows("new", 5), _rows("new-test", 2)))
        return rows

    monkeypatch.setattr(workspace, "read_jsonl", read_jsonl)
    assert json_rows.read_jsonl is not read_jsonl
    train, test, meta = workspace.load_split("pirates")
    assert replaced
    assert (len(train), len(test), meta["train_rows"], meta["test_rows"]) == (5, 2, 5, 2)
    assert {r["messages"][0]["content"].split()[0] for r in train + test} == {"new", "new-test"}


@pytest.mark.parametrize("action", ["stop", "resume"])
def test_stop_or_resume_of_a_run_a_teammate_deletes_that_moment_says_it_is_gone(stand_in, monkeypatch, action):
    """Stop (or Resume) clicked on a run whose Delete, in another tab, took the queue's lock first: the run was found
    before the lock and read after it, so the page said "has no readable status ... Resume it or delete it" (or "its
    settings are lost ... Restore config.json from a backup") of a run that was simply deleted."""
    from ftlib.testing import make_run

    state = "queued" if action == "stop" else "interrupted"
    run = make_run("20261205-101500-lora-pirates", {"dataset": "nowhere.jsonl", "method": "lora"}, state=state)
    real_locked, deleted = runs.locked, []

    def locked(path, *args, **kwargs):
        if path.name == runs._QUEUE_LOCK and not deleted:  # the delete got there first
            deleted.append(run.id)
            runs.delete(run.id)
        return real_locked(path, *args, **kwargs)

    monkeypatch.setattr(runs, "locked", locked)
    with pytest.raises(runs.RunError, match=r"^There is no run '20261205-101500-lora-pirates'\."):
        getattr(runs, action)(run.id)


def test_two_teammates_uploads_of_one_name_in_one_minute_are_told_apart_when_reopened(monkeypatch):
    """Two teammates uploading their own `train.jsonl` within one minute: both are kept (stored under a random tag),
    but "...or reopen an earlier upload" named both "train.jsonl (uploaded 2026-12-05 15:03)", so reopening one
    could train on the other's rows. The two now read apart, by their second and their tag."""
    from streamlit.testing.v1 import AppTest

    with monkeypatch.context() as m:  # the same second: only the stored tag tells them apart
        m.setattr(workspace.time, "strftime", lambda fmt, *args: "20261205-150301")
        mine = workspace.save_upload("train.jsonl", b'{"text": "mine"}\n')
        theirs = workspace.save_upload("train.jsonl", b'{"text": "theirs"}\n')
    assert mine != theirs
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/1_Data.py").run()
    at.radio(key="data_source").set_value("Upload").run()
    shown = at.selectbox(key="data_earlier").options
    assert not at.exception, at.exception
    assert len(shown) == 3 and len(set(shown)) == 3, shown
    for stored in (mine, theirs):
        tag = stored.name.split("-")[2]
        assert f"train.jsonl (uploaded 2026-12-05 15:03:01, {tag})" in shown


def test_two_sessions_setting_two_files_mappings_at_once_keep_both_for_the_next_session(monkeypatch):
    """The Data page keeps each file's field mapping in one workspace record (`ui.kept.record_dict`: read, merged,
    written). Two teammates setting the mappings of two files at once each read the record before the other wrote
    it, and the second write dropped the first's file: a refresh read that file with the guessed mapping again."""
    import streamlit as st

    from ui import kept

    key = "data_maps"
    theirs = {"/ws/uploads/20261205-150301-ab12cd-b.csv": {"chosen": {"prompt": "question"}}}
    real_read, done = workspace.remembered_choices, []

    def their_save() -> None:  # the teammate's own record_dict, merged into the record as it is on disk
        recorded = dict(real_read().get(key) or {})
        workspace.remember_choice(key, {**recorded, **theirs})

    def remembered_choices():
        read = real_read()
        if not done:  # this session has read the record: the teammate's save comes now, if the record is free
            done.append(True)
            try:
                with file_lock.locked(workspace.workspace_dir() / workspace.CHOICES_DIR / f".{key}.lock", wait=False):
                    their_save()
            except BlockingIOError:  # merges take turns: theirs comes once this one is written
                done.append("waits")
        return read

    st.session_state[key] = {"/ws/uploads/20261205-150244-ef34a0-a.csv": {"chosen": {"prompt": "instruction"}}}
    monkeypatch.setattr(workspace, "remembered_choices", remembered_choices)
    kept.record_dict(key, "/ws/uploads/20261205-150244-ef34a0-a.csv")
    if "waits" in done:
        their_save()
    assert set(real_read()[key]) == {
        "/ws/uploads/20261205-150244-ef34a0-a.csv",
        "/ws/uploads/20261205-150301-ab12cd-b.csv",
    }


def test_a_run_deleted_while_an_evaluation_of_it_keeps_its_result_is_deleted_whole(monkeypatch):
    """Delete on the Train page while a teammate's evaluation of that run ends and keeps its result in the run's
    folder (`evaluations/`): the file written under the delete's feet made its last step fail ("Directory not
    empty"), the page said the delete failed, and the run's folder stayed behind holding that one file, listed
    nowhere. The delete removes what was written meanwhile too."""
    from ftlib.testing import make_run

    run = make_run("20261205-101500-lora-pirates", {"dataset": "nowhere.jsonl", "method": "lora"})
    real_rmdir, written = os.rmdir, []

    def rmdir(path, *args, **kwargs):
        if str(path) == str(run.path) and not written:  # the evaluation's result lands now
            written.append(workspace.write_files({run.path / "evaluations" / "heldout-1.json": "{}"}))
        return real_rmdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "rmdir", rmdir)
    runs.delete(run.id)
    assert written and not run.path.exists()


def test_two_sessions_choosing_a_model_at_once_both_record_it(tmp_path):
    """models.remember_model named its temporary file by process alone: two sessions of one server (threads of one
    process) choosing a model at once wrote one file, and the second rename found it gone (FileNotFoundError)."""
    import threading

    from ftlib import models

    errors = []

    def choose(tag: str) -> None:
        for i in range(2000):
            try:
                models.remember_model(tmp_path, f"{tag}-{i}")
            except OSError as exc:
                errors.append(exc)
                return

    sessions = [threading.Thread(target=choose, args=(tag,)) for tag in ("alice", "bob")]
    for session in sessions:
        session.start()
    for session in sessions:
        session.join()
    assert errors == []
    assert models.last_model(tmp_path) in ("alice-1999", "bob-1999")
    assert [p.name for p in tmp_path.iterdir()] == [models.LAST_MODEL_FILE]  # no temporary file left
