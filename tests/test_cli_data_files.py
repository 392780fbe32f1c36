"""`python -m ftlib data files` lists the uploads and saved splits with sizes and the runs that used them; `data
remove NAME...` removes them (asking nothing), prints what it freed, and refuses an unknown name or one a queued run
still reads with one `error:` line and exit 2, removing nothing."""

from __future__ import annotations

import json
import os
import time

from ftlib import runs, stored_data, workspace
from ftlib.cli import main
from ftlib.config import RunConfig

ROWS = [{"prompt": f"q{i}", "completion": f"a{i}"} for i in range(10)]
BYTES = "".join(json.dumps(r) + "\n" for r in ROWS).encode()


def stored() -> tuple:
    upload = workspace.save_upload("chats.jsonl", BYTES)
    workspace.save_split("chats", ROWS[:8], ROWS[8:], {"path": str(upload), "source": "chats"})
    run_id = runs.create_run(RunConfig(dataset="chats", name="on-split", device="cpu"))
    return upload, run_id


def test_files_lists_each_with_its_size_and_users(capsys):
    upload, run_id = stored()
    assert main(["data", "files"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[1]: line for line in out.splitlines()[1:] if line.startswith(("upload", "split"))}
    assert (
        f"{len(BYTES)} B" in lines[upload.name]
        and run_id in lines[upload.name]
        and "split chats" in lines[upload.name]
    )
    assert run_id in lines["chats"] and "* the active split" in out
    assert main(["data", "files", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {i["name"]: i["runs"] for i in listed["items"]} == {upload.name: [run_id], "chats": [run_id]}
    assert listed["leftovers"] == {"count": 0, "size": 0}


def test_remove_frees_each_named_and_the_leftovers(capsys):
    upload, _ = stored()
    left = workspace.uploads_dir() / ".big.jsonl.ab12cd34.tmp"
    left.write_bytes(b"x" * 2048)
    old = time.time() - 2 * stored_data.LEFTOVER_AGE
    os.utime(left, (old, old))
    assert main(["data", "remove", "chats", "chats.jsonl", "--leftovers"]) == 0
    out = capsys.readouterr().out
    assert f"removed upload {upload.name} ({len(BYTES)} B freed)" in out and "removed split chats (" in out
    assert "removed 1 hidden leftover (2 KiB freed)" in out and "freed in all" in out
    assert not upload.exists() and not workspace.split_folder("chats").exists() and not left.exists()


def test_an_unknown_name_is_refused_with_the_known_ones_and_nothing_is_removed(capsys):
    upload, _ = stored()
    assert main(["data", "remove", "chats", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: There is no upload or saved split named 'nope'") and "chats (split)" in err
    assert len(err.strip().splitlines()) == 1
    assert workspace.split_folder("chats").exists() and upload.exists()  # checked first: `chats` stays too


def test_a_split_a_queued_run_reads_at_its_start_is_refused(capsys):
    run_id = runs.create_run(RunConfig(dataset="later", name="early", device="cpu"))  # no copy: nothing to read yet
    workspace.save_split("later", ROWS[:8], ROWS[8:], {"source": "later"})
    assert main(["data", "remove", "later"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: The split 'later' is read at the start") and run_id in err
    assert workspace.split_folder("later").exists()


def test_nothing_named_is_a_usage_error(capsys):
    assert main(["data", "remove"]) == 2
    assert "data files" in capsys.readouterr().err


def test_the_readme_says_the_way_to_remove_them_not_rm():
    from pathlib import Path

    text = " ".join((Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8").split())
    assert "may be removed with `rm`" not in text
    assert "`data remove NAME...`" in text and "`data remove --leftovers`" in text and "*Files on this server*" in text


def test_one_split_named_twice_is_removed_once_without_an_error(capsys):
    stored()
    assert main(["data", "remove", "chats", "split:chats"]) == 0
    captured = capsys.readouterr()
    assert captured.out.count("removed split chats (") == 1 and "error" not in captured.err
    assert not workspace.split_folder("chats").exists()


def test_an_own_file_name_two_uploads_have_is_refused_naming_both_and_nothing_is_removed(capsys):
    first = workspace.save_upload("chats.jsonl", BYTES)
    second = workspace.save_upload("chats.jsonl", BYTES + b'{"prompt": "q", "completion": "a"}\n')
    assert first != second
    assert main(["data", "remove", "chats.jsonl"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: 'chats.jsonl' names 2 stored files:") and first.name in err and second.name in err
    assert first.exists() and second.exists()
    assert main(["data", "remove", f"upload:{first.name}"]) == 0 and not first.exists() and second.exists()


def test_an_upload_sent_again_between_the_listing_and_the_removal_is_kept(capsys, monkeypatch):
    """`data remove` lists, then removes: the same file uploaded again in between (a teammate's Data page) reuses the
    upload listed, and removing it then left that page reading a file that was gone."""
    upload = workspace.save_upload("chats.jsonl", BYTES)
    real_remove = stored_data.remove

    def uploaded_again_first(name, *args, **kwargs):
        assert workspace.save_upload("chats.jsonl", BYTES) == upload  # reused, not a second copy
        return real_remove(name, *args, **kwargs)

    monkeypatch.setattr(stored_data, "remove", uploaded_again_first)
    assert main(["data", "remove", "chats.jsonl"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith(f"error: The upload '{upload.name}' was saved again since it was listed")
        and len(err.strip().splitlines()) == 1
    ), err
    assert upload.read_bytes() == BYTES


def test_removing_an_upload_a_finished_run_reads_again_says_what_the_run_loses(capsys):
    """The run's id said as one run is ("The run ID has"), not "1 run (ID) has"."""
    target = workspace.uploads_dir() / "20261205-100000-abcdef-late.jsonl"
    run_id = runs.create_run(RunConfig(dataset=str(target), name="early", device="cpu"))  # kept no copy: not there
    target.write_bytes(BYTES)
    runs.find(run_id).update_status(state="done")
    assert main(["data", "remove", "late.jsonl"]) == 0
    err = capsys.readouterr().err
    assert err.startswith(f"warning: The run {run_id} has no copy of its rows and reads the upload 'late.jsonl ")
    assert "without the upload, it can do neither (its results and model are untouched)." in err, err


def test_files_names_one_run_without_a_copy_of_its_rows_in_the_singular(capsys):
    """`data files` read "(no copy of their rows: ID)" for one run as for several."""
    target = workspace.uploads_dir() / "20261205-100000-abcdef-late.jsonl"
    run_id = runs.create_run(RunConfig(dataset=str(target), name="early", device="cpu"))  # kept no copy: not there
    target.write_bytes(BYTES)
    runs.find(run_id).update_status(state="done")
    assert main(["data", "files"]) == 0
    out = capsys.readouterr().out
    assert f"(no copy of its rows: {run_id})" in out, out


def test_files_without_anything_names_the_workspace_it_read(monkeypatch, tmp_path, capsys):
    """A cold walk: without FTLIB_WORKSPACE, `data files` said only "nothing stored in /path/workspace", where `runs
    list` says to set it to the server's folder (the teammates' uploads were in the server's workspace)."""
    assert main(["data", "files"]) == 0
    out = capsys.readouterr().out
    assert f"nothing stored in {tmp_path / 'workspace'} (the workspace FTLIB_WORKSPACE names)" in out
    monkeypatch.delenv("FTLIB_WORKSPACE")
    monkeypatch.setenv("FTLIB_HOME", str(tmp_path / "home"))
    assert main(["data", "files"]) == 0
    out = capsys.readouterr().out
    assert f"nothing stored in {tmp_path / 'home' / 'workspace'} (the default workspace: FTLIB_WORKSPACE is not" in out
    assert "set it to the folder the studio server was started with to see its uploads and saved splits" in out
