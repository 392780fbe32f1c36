"""ftlib.stored_data: the uploads and saved splits people stored, listed with their sizes and the runs that used
them, and removed safely: never under a queued run that still reads them, never outside the workspace, never a
teammate's save of the same name made meanwhile; the hidden leftovers of writes cut short counted and removed."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from ftlib import file_lock, runs, stored_data, workspace
from ftlib.config import RunConfig

ROWS = [{"prompt": f"q{i}", "completion": f"a{i}"} for i in range(10)]
BYTES = "".join(json.dumps(r) + "\n" for r in ROWS).encode()


def split_from(upload, name: str = "chats", rows=ROWS) -> None:
    workspace.save_split(name, rows[:8], rows[8:], {"path": str(upload), "source": name})


def test_lists_uploads_and_splits_with_sizes_and_the_runs_that_used_them():
    upload = workspace.save_upload("chats.jsonl", BYTES)
    split_from(upload)
    on_split = runs.create_run(RunConfig(dataset="chats", name="on-split", device="cpu"))
    on_file = runs.create_run(RunConfig(dataset=str(upload), name="on-file", device="cpu"))
    items = {i.kind: i for i in stored_data.list_stored()}
    up, split = items["upload"], items["split"]
    assert up.name == upload.name and up.size == len(BYTES) and up.label.startswith("chats.jsonl (uploaded ")
    assert sorted(up.runs) == sorted([on_split, on_file]) and up.splits == ["chats"]
    assert split.runs == [on_split] and split.active and split.size > 0 and split.saved_at
    assert not up.needs and not split.needs  # both runs kept their own copy of their rows


def test_removing_a_split_or_an_upload_frees_it_and_leaves_the_runs_on_them_whole():
    upload = workspace.save_upload("chats.jsonl", BYTES)
    split_from(upload)
    run_id = runs.create_run(RunConfig(dataset="chats", name="on-split", device="cpu"))
    removed = stored_data.remove("chats")
    assert removed.freed > 0 and not removed.warnings
    assert not workspace.split_folder("chats").exists() and workspace.list_splits() == []
    assert stored_data.remove("chats.jsonl").freed == len(BYTES)  # its name on the user's machine: one upload has it
    assert workspace.list_uploads() == []
    assert workspace.load_split(str(workspace.kept_split(runs.find(run_id).path)))[0] == ROWS[:8]


def test_the_runs_a_removal_waits_for_are_named_once_counted():
    """One run by its id ("the queued or running run a"), more by their count and ids, the first five."""
    from pathlib import Path

    item = stored_data.StoredItem("split", "s", "s", Path("s"), 1, None, needs={"a": "queued"})
    assert "read at the start of the queued or running run a, queued without its own copy" in item.blocked_words()
    item.needs = {"a": "queued", "b": "running"}
    assert "read at the start of the 2 queued or running runs a, b, queued without their own" in item.blocked_words()
    item.needs = {f"r{i}": "queued" for i in range(7)}
    assert "the 7 queued or running runs r0, r1, r2, r3, r4, ..., queued" in item.blocked_words()


def test_an_unknown_name_is_refused_naming_the_known_ones():
    workspace.save_upload("chats.jsonl", BYTES)
    with pytest.raises(stored_data.StoredDataError, match=r"no upload or saved split named 'nope'.*chats\.jsonl"):
        stored_data.remove("nope")


def test_a_queued_run_without_its_own_rows_keeps_the_split_it_reads_at_its_start():
    """A run queued while its split could not be read keeps no copy: it reads the split when it starts."""
    run_id = runs.create_run(RunConfig(dataset="chats", name="early", device="cpu"))  # not saved yet
    split_from("x.jsonl")
    (item,) = stored_data.list_stored()
    assert item.needs == {run_id: "queued"} and item.blocking() == [run_id]
    with pytest.raises(
        stored_data.StoredDataError, match=f"the queued or running run {run_id}, queued without its own copy"
    ):
        stored_data.remove("chats")
    assert workspace.load_split("chats")[0] == ROWS[:8]
    runs.find(run_id).update_status(state="failed")  # ended: no start to read it at, only a resume
    removed = stored_data.remove("chats")
    assert "it can do neither" in removed.warnings[0] and run_id in removed.warnings[0]


def test_a_split_saved_again_since_it_was_listed_is_kept():
    split_from("x.jsonl")
    (listed,) = stored_data.list_stored()
    split_from("x.jsonl", rows=ROWS[::-1])  # a teammate replaces it
    with pytest.raises(stored_data.StoredDataError, match="saved again since it was listed"):
        stored_data.remove("chats", expect=listed.version)
    assert workspace.load_split("chats")[0] == ROWS[::-1][:8]


def test_a_split_folder_that_links_outside_the_workspace_is_not_removed(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "meta.json").write_text(json.dumps({"name": "linked"}))
    (workspace.datasets_dir() / "linked").symlink_to(outside, target_is_directory=True)
    with pytest.raises(stored_data.StoredDataError, match="not a file of the workspace's datasets/"):
        stored_data.remove("linked")
    assert (outside / "meta.json").is_file()


def test_a_save_of_the_same_name_meeting_a_removal_is_never_lost(monkeypatch):
    """A teammate saves `chats` at the moment a removal of `chats` has decided and not yet removed: without the save
    lock, the save landed and the removal then deleted the teammate's fresh split. Under it, the save waits, and
    lands whole after the removal."""
    split_from("x.jsonl")
    lock = workspace.split_folder("chats").with_name(".chats.lock")
    waited = []
    real = stored_data._check_inside

    def a_teammate_saves_now(item):
        try:
            with file_lock.locked(lock, wait=False):  # the save's own first step
                pass
        except BlockingIOError:
            waited.append(True)  # the save waits for the removal
        else:
            split_from("y.jsonl", rows=ROWS[::-1])
        return real(item)

    monkeypatch.setattr(stored_data, "_check_inside", a_teammate_saves_now)
    stored_data.remove("chats")
    if waited:
        split_from("y.jsonl", rows=ROWS[::-1])  # the save that waited goes on
    assert workspace.load_split("chats")[0] == ROWS[::-1][:8], "the teammate's save was removed"


def test_leftovers_older_than_an_hour_are_counted_and_removed_and_a_write_under_way_is_not():
    uploads = workspace.uploads_dir()
    old, young = uploads / ".big.jsonl.ab12cd34.tmp", uploads / ".new.jsonl.ef56ab78.tmp"
    old.write_bytes(b"x" * 1000)
    young.write_bytes(b"y" * 10)
    hour_ago = time.time() - 2 * stored_data.LEFTOVER_AGE
    os.utime(old, (hour_ago, hour_ago))
    assert stored_data.leftovers() == [(old, 1000)]
    assert stored_data.remove_leftovers() == (1, 1000)
    assert not old.exists() and young.exists()


def test_an_upload_a_queued_run_reads_at_its_start_is_kept_and_a_finished_one_is_warned_about(tmp_path):
    """A run queued on an upload's path while it could not be read (here: not there yet) reads it when it starts."""
    target = workspace.uploads_dir() / "20261205-100000-abcdef-late.jsonl"
    run_id = runs.create_run(RunConfig(dataset=str(target), name="early", device="cpu"))
    target.write_bytes(BYTES)
    (item,) = stored_data.list_stored()
    assert item.runs == [run_id] and item.blocking() == [run_id]
    with pytest.raises(stored_data.StoredDataError, match="late.jsonl.*Nothing was removed"):
        stored_data.remove("late.jsonl")
    runs.find(run_id).update_status(state="interrupted")
    removed = stored_data.remove("late.jsonl")
    assert removed.warnings == [
        f"The run {run_id} has no copy of its rows and reads the upload '{item.label}' again to resume or to be "
        "evaluated: without the upload, it can do neither (its results and model are untouched)."
    ]
    assert not target.exists()


def test_the_runs_a_removal_takes_a_resume_from_are_said_in_the_singular_and_the_plural():
    """It read "1 run (a) has no copy of its rows ... it no longer can", said before the removal as after it."""
    from pathlib import Path

    item = stored_data.StoredItem("split", "s", "chats", Path("s"), 1, None, needs={"a": "done"})
    assert item.losing_words() == (
        "The run a has no copy of its rows and reads the split 'chats' again to resume or to be evaluated: without "
        "the split, it can do neither (its results and model are untouched)."
    )
    item.needs = {"a": "done", "b": "failed", "c": "queued"}  # c is not losing it: it blocks the removal
    assert item.losing_words() == (
        "The 2 runs a, b have no copy of their rows and read the split 'chats' again to resume or to be evaluated: "
        "without the split, they can do neither (their results and models are untouched)."
    )
    item.needs = {f"r{i}": "done" for i in range(7)}
    assert item.losing_words().startswith("The 7 runs r0, r1, r2, r3, r4, ... have no copy of their rows")


def test_an_upload_sent_again_as_a_removal_takes_the_earlier_one_is_stored_anew(monkeypatch):
    """The same file uploaded again is the earlier upload; a teammate's removal of that upload landed just after the
    bytes were compared, and the re-uploader's page was handed a path that was gone ("Could not read this file")."""
    earlier = workspace.save_upload("chats.jsonl", BYTES)
    real_read = type(earlier).read_bytes

    def removed_right_after_the_comparison(self):
        data = real_read(self)
        if self == earlier and self.exists():
            stored_data.remove(f"upload:{earlier.name}")  # a teammate's "Files on this server", or `data remove`
        return data

    monkeypatch.setattr(type(earlier), "read_bytes", removed_right_after_the_comparison)
    saved = workspace.save_upload("chats.jsonl", BYTES)
    monkeypatch.setattr(type(earlier), "read_bytes", real_read)
    assert not earlier.exists(), "the removal did not land in between: the test tests nothing"
    assert saved != earlier and saved.read_bytes() == BYTES  # a fresh copy, which the page reads
    assert workspace.list_uploads() == [saved]


def test_a_removal_listed_before_the_same_file_was_uploaded_again_is_refused_and_the_upload_kept():
    """The removal decided on a listing made before the upload sent again reused the earlier one: it is refused, as
    for a split saved again, so the re-uploader's page finds its file; listed again, it can be removed."""
    earlier = workspace.save_upload("chats.jsonl", BYTES)
    (listed,) = stored_data.list_stored()  # the teammate's "Files on this server" (or `data remove`'s own listing)
    assert workspace.save_upload("chats.jsonl", BYTES) == earlier  # reused: listed once
    with pytest.raises(stored_data.StoredDataError, match="was saved again since it was listed"):
        stored_data.remove(f"upload:{earlier.name}", expect=listed.version)
    assert earlier.read_bytes() == BYTES
    (again,) = stored_data.list_stored()
    assert stored_data.remove(f"upload:{earlier.name}", expect=again.version).freed == len(BYTES)


def test_what_a_removal_leaves_whole_is_said_in_the_singular_and_the_plural():
    item = stored_data.StoredItem("upload", "u", "chats.jsonl", workspace.uploads_dir() / "u", 1, None)
    assert item.kept_words() == ""
    item.runs, item.splits = ["r1"], ["chats"]
    assert item.kept_words() == (
        "The run trained on it keeps its own copy of its rows. The split made from it (chats) keeps its rows."
    )
    item.runs, item.splits, item.needs = ["r1", "r2", "r3"], ["a", "b"], {"r3": "done"}
    assert item.kept_words() == (
        "The 2 runs trained on it keep their own copy of its rows. The splits made from it (a, b) keep their rows."
    )


def test_a_file_a_teammate_removes_while_the_list_is_read_is_left_out_not_an_error(monkeypatch):
    upload = workspace.save_upload("chats.jsonl", BYTES)
    split_from(upload)
    gone = upload.with_name("20260101-000000-gone.jsonl")  # listed, then removed before its size was read
    listed = workspace.list_uploads

    def uploads():
        return [gone, *listed()]

    monkeypatch.setattr(workspace, "list_uploads", uploads)
    real_stat, looked = type(upload).stat, []

    def racing_stat(self, *args, **kwargs):  # a split's file removed between its is_file() and the stat of its size
        if self.name == "test.jsonl" and self.parent.name == "chats":
            looked.append(self)
            if len(looked) == 2:
                raise FileNotFoundError(self)
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(type(upload), "stat", racing_stat)
    items = stored_data.list_stored()
    assert [(i.kind, i.name) for i in items] == [("upload", upload.name), ("split", "chats")]
    assert items[1].size > 0 and len(looked) >= 2


def test_a_name_both_a_split_and_an_upload_have_removes_neither_until_one_is_picked():
    upload = workspace.save_upload("chats.jsonl", BYTES)
    split_from(upload, name="chats.jsonl")  # a split saved under the file's own name
    with pytest.raises(
        stored_data.StoredDataError, match=r"'chats.jsonl' names 2 stored files: split:chats.jsonl, upload:"
    ):
        stored_data.remove("chats.jsonl")
    assert upload.exists() and workspace.split_folder("chats.jsonl").exists()
    assert stored_data.remove("split:chats.jsonl").item.kind == "split" and upload.exists()


def test_a_queued_run_is_queued_to_train_on_it_not_trained_on_it():
    def item(states: dict[str, str]) -> stored_data.StoredItem:
        return stored_data.StoredItem("split", "s", "s", Path("s"), 1, None, runs=list(states), states=states)

    assert item({"a": "queued"}).kept_words() == "The run queued to train on it keeps its own copy of its rows."
    assert item({"a": "finished", "b": "queued"}).kept_words() == (
        "The run trained on it and the run queued to train on it keep their own copy of its rows."
    )
    assert item({"a": "queued", "b": "queued", "c": "failed"}).kept_words() == (
        "The run trained on it and the 2 runs queued to train on it keep their own copy of its rows."
    )
    assert item({"a": "finished", "b": "interrupted"}).kept_words() == (
        "The 2 runs trained on it keep their own copy of its rows."
    )


def test_list_stored_knows_a_queued_run_from_one_that_ran():
    workspace.save_split("chats", ROWS[:8], ROWS[8:], {"source": "chats"})
    queued = runs.create_run(RunConfig(dataset="chats", name="waiting", device="cpu"))  # keeps its copy, queued
    (item,) = stored_data.list_stored()
    assert item.states == {queued: "queued"}
    assert item.kept_words() == "The run queued to train on it keeps its own copy of its rows."


def test_a_run_on_the_sample_is_no_user_of_a_split_saved_later_under_the_samples_name():
    """Its dataset reads "chat_style", as the split does: its own copy says it came from the sample."""
    run_id = runs.create_run(RunConfig(dataset="chat_style", name="on-sample", device="cpu"))
    assert workspace.kept_split(runs.find(run_id).path) is not None
    workspace.save_split("chat_style", [{"prompt": "q", "completion": "a"}] * 4, [], {"source": "mine"})
    (split,) = [i for i in stored_data.list_stored() if i.kind == "split"]
    assert split.name == "chat_style" and split.runs == [] and split.needs == {}
