"""Workspace storage: sanitized names, atomic writes, splits on disk, browser path limits."""

from __future__ import annotations

import pytest

from ftlib import workspace
from ftlib.workspace import PathNotAllowed


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32", "system32"),
        ("my data (v2).jsonl", "my_data_v2.jsonl"),
        ("", "file"),
        ("...", "file"),
        ("a/b/../c.csv", "c.csv"),
        ("naïve ☃.json", "naive.json"),  # accents folded, not dropped
        ("Cafe\u0301 de\u0301ja\u0300.jsonl", "Cafe_deja.jsonl"),  # decomposed (NFD, as macOS names files) too
        ("数据.csv", "数据.csv"),  # letters of any script kept (was `file.csv`: tests/test_text_encodings.py)
        ("数据.csv.gz", "数据.csv.gz"),
        ("\U0001f3f4\u200d\u2620\ufe0f.csv.gz", "file.csv.gz"),  # was `csv.gz`: no suffix left to read it by
        ("a" * 296 + ".csv", "a" * 100 + ".csv"),
    ],
)
def test_safe_name_strips_paths_and_odd_characters(raw, expected):
    assert workspace.safe_name(raw) == expected


def test_a_compressed_upload_named_in_cjk_reads_again_when_reopened():
    """Reopened from "...or reopen an earlier upload", a file is read by its stored name (`upload_name`):
    `训练数据.csv.gz` was stored as `csv.gz` and refused as "unsupported file type '(none)'"."""
    import gzip

    from ftlib.data import load_file

    saved = workspace.save_upload("训练数据.csv.gz", gzip.compress(b"prompt,completion\nHi?,Hello.\n"))
    result = load_file(saved, name=workspace.upload_name(saved))
    assert (result.format, len(result.rows)) == ("prompt_completion", 1)


def test_upload_lands_inside_the_workspace():
    path = workspace.save_upload("../../../tmp/evil.jsonl", b"{}\n")
    assert workspace.inside(workspace.uploads_dir(), path)
    assert path.read_bytes() == b"{}\n"


def test_uploads_are_listed_newest_first_without_half_written_ones():
    first = workspace.save_upload("a.jsonl", b"{}\n")
    (workspace.uploads_dir() / f".{first.name}.x1y2.tmp").write_bytes(b"{")  # an upload being written
    second = workspace.save_upload("b.jsonl", b"{}\n")
    assert workspace.list_uploads() == sorted([first, second], reverse=True)


def test_the_same_file_uploaded_again_is_stored_once():
    """Each upload of one file was stored again: "reopen an earlier upload" listed it once per upload, and the field
    mapping set for the first was not the second's. Another file of that name, or other bytes, is a new upload."""
    first = workspace.save_upload("faq export.csv", b"q,a\nHi?,Hello.\n")
    assert workspace.save_upload("faq export.csv", b"q,a\nHi?,Hello.\n") == first
    edited = workspace.save_upload("faq export.csv", b"q,a\nHi?,Hello!\n")
    renamed = workspace.save_upload("faq.csv", b"q,a\nHi?,Hello.\n")
    assert len({first, edited, renamed}) == 3 and len(workspace.list_uploads()) == 3
    assert edited.read_bytes() == b"q,a\nHi?,Hello!\n"


def test_split_roundtrip_and_listing():
    train = [{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}]
    test = [{"messages": [{"role": "user", "content": "c"}, {"role": "assistant", "content": "d"}]}]
    workspace.save_split("../my split", train, test, {"source": "x"})
    names = [s["name"] for s in workspace.list_splits()]
    assert names == ["my_split"]
    got_train, got_test, meta = workspace.load_split("my_split")
    assert (got_train, got_test) == (train, test)
    assert meta["train_rows"] == 1 and meta["source"] == "x"
    with pytest.raises(FileNotFoundError, match="No saved dataset split"):
        workspace.load_split("nope")


def test_browser_paths_limited_to_allowed_roots(tmp_path, monkeypatch):
    inside_file = workspace.uploads_dir() / "ok.jsonl"
    inside_file.write_text("{}")
    assert workspace.check_browser_path(inside_file, workspace.data_roots()) == inside_file.resolve()
    sample = workspace.SAMPLES_DIR / "x.jsonl"
    assert workspace.check_browser_path(sample, workspace.data_roots()) == sample.resolve()
    for bad in ("/etc/passwd", str(workspace.workspace_dir() / ".." / ".." / "secret")):
        with pytest.raises(PathNotAllowed, match="outside the folders"):
            workspace.check_browser_path(bad, workspace.data_roots())
    # A symlink inside the workspace that points outside is refused too.
    link = workspace.uploads_dir() / "link.jsonl"
    link.symlink_to("/etc/hostname")
    with pytest.raises(PathNotAllowed):
        workspace.check_browser_path(link, workspace.data_roots())
    extra = tmp_path / "team-data"
    extra.mkdir()
    monkeypatch.setenv("FTLIB_DATA_DIRS", str(extra))
    assert workspace.check_browser_path(extra / "f.csv", workspace.data_roots()) == (extra / "f.csv").resolve()


def test_browser_model_specs():
    assert workspace.check_browser_model("default") == "default"
    assert workspace.check_browser_model("HuggingFaceTB/SmolLM2-135M") == "HuggingFaceTB/SmolLM2-135M"
    with pytest.raises(PathNotAllowed):
        workspace.check_browser_model("/etc")
    run_model = workspace.runs_dir() / "r1" / "merged"
    run_model.mkdir(parents=True)
    assert workspace.check_browser_model(str(run_model)) == str(run_model.resolve())


def test_a_bare_folder_name_of_the_servers_folder_is_a_path_and_a_nul_is_refused_by_name(tmp_path, monkeypatch):
    """A shared-server review: `private-model` (a folder in the server's current folder, no slash) skipped the check
    that `./private-model` got, and loaded; a NUL typed in a path raised ValueError: the "this is a bug" page."""
    (tmp_path / "private-model").mkdir()
    monkeypatch.chdir(tmp_path)
    for spec in ("private-model", "./private-model"):
        with pytest.raises(PathNotAllowed, match="outside the folders"):
            workspace.check_browser_model(spec)
    assert workspace.check_browser_model("SmolLM2-135M") == "SmolLM2-135M"  # no such folder: a hub id, as before
    for typed in (str(workspace.uploads_dir() / "a\x00b.jsonl"), "model\x00"):
        with pytest.raises(PathNotAllowed, match=r"holds a NUL character \(\\0\)"):
            if typed.startswith("model"):
                workspace.check_browser_model(typed)
            else:
                workspace.check_browser_path(typed, workspace.data_roots())


def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / "status.json"
    workspace.atomic_write_text(target, "first")
    workspace.atomic_write_text(target, "second")
    assert target.read_text() == "second"
    assert [p.name for p in tmp_path.iterdir()] == ["status.json"]


def test_the_split_last_saved_or_made_active_is_remembered_until_it_is_gone():
    assert workspace.last_active_split() is None  # nothing recorded: the caller takes the newest
    workspace.save_split("my chats", [{"text": "a"}], [{"text": "b"}])
    workspace.save_split("later", [{"text": "c"}], [{"text": "d"}])
    assert workspace.last_active_split() == "later"  # saving makes it active
    workspace.remember_active_split("my chats")
    assert workspace.last_active_split() == "my_chats"  # as saved: the sanitized name
    (workspace.split_folder("my chats") / "meta.json").unlink()
    assert workspace.last_active_split() is None  # no longer a saved split: not offered
    (workspace.workspace_dir() / workspace.ACTIVE_SPLIT_FILE).write_text("not json")
    assert workspace.last_active_split() is None


def test_files_written_whole_get_the_umasks_mode_not_mkstemps(tmp_path):
    """A cold review: status.json, config.json and metrics were 0600 (mkstemp's mode), so the other accounts of a
    shared server could not read a run at all; a file written by open() gets 0666 less the umask."""
    import os
    import stat

    old = os.umask(0o027)
    try:
        workspace.atomic_write_text(tmp_path / "status.json", "{}")
        (tmp_path / "plain.txt").write_text("x")
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "status.json").stat().st_mode)
    assert mode == stat.S_IMODE((tmp_path / "plain.txt").stat().st_mode) == 0o640


def test_a_split_replaced_within_one_clock_tick_by_files_of_the_same_size_has_another_version():
    """The Batches page and `cached_split` key a split by `split_version`: a replacement of the same size whose
    modification times a coarse filesystem clock left equal must still read as new (its files are new inodes)."""
    import os

    def sizes(folder):
        return [(folder / name).stat().st_size for name in ("train.jsonl", "test.jsonl")]

    rows = [{"text": "one"}, {"text": "two"}]
    folder = workspace.save_split("same-size", rows, rows[:1])
    before, sized = workspace.split_version("same-size"), sizes(folder)
    times = {name: (folder / name).stat().st_mtime_ns for name in ("meta.json", "train.jsonl", "test.jsonl")}
    meta = (folder / "meta.json").read_bytes()
    workspace.save_split("same-size", [{"text": "uno"}, {"text": "dos"}], [{"text": "uno"}])
    (folder / "meta.json").write_bytes(meta)  # in place, as it was: only the rows changed
    for name, ns in times.items():
        os.utime(folder / name, ns=(ns, ns))
    assert sizes(folder) == sized
    assert workspace.split_version("same-size") != before
    assert workspace.split_version("never-saved") == ()
