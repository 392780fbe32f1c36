"""disk_use.tree_bytes: what exported copies take, counted while another session removes or rebuilds them."""

from __future__ import annotations

import os

from ftlib import disk_use
from ftlib.disk_use import tree_bytes


def test_files_under_every_folder_are_counted_and_a_missing_folder_is_none(tmp_path):
    (tmp_path / "a" / "deep").mkdir(parents=True)
    (tmp_path / "a" / "one.bin").write_bytes(b"x" * 10)
    (tmp_path / "a" / "deep" / "two.bin").write_bytes(b"x" * 32)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "three.zip").write_bytes(b"x" * 5)
    assert tree_bytes(tmp_path / "a", tmp_path / "b", tmp_path / "gone") == 47
    assert tree_bytes() == 0


def test_a_file_removed_between_the_listing_and_its_size_counts_nothing(tmp_path, monkeypatch):
    """A Remove in another tab (or a zip rebuilt) between os.walk's listing and the stat: the old sum over rglob
    raised FileNotFoundError into the Train page and `runs show`."""
    (tmp_path / "kept.bin").write_bytes(b"x" * 7)
    (tmp_path / "removed.zip").write_bytes(b"x" * 100)
    real_stat = os.stat

    def stat(path, *args, **kwargs):
        if str(path).endswith("removed.zip"):
            raise FileNotFoundError(2, "No such file or directory", str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(disk_use.os, "stat", stat)
    assert tree_bytes(tmp_path) == 7


def test_a_broken_link_counts_nothing(tmp_path):
    (tmp_path / "kept.bin").write_bytes(b"x" * 3)
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling")
    assert tree_bytes(tmp_path) == 3


def test_runs_show_and_the_export_panel_size_a_run_whose_zip_goes_meanwhile(monkeypatch):
    """export.exported_bytes (what `runs show` and the Export panel say) through tree_bytes: the zip removed between
    the listing and its size counts nothing, where the sum over rglob raised FileNotFoundError."""
    from ftlib import export
    from ftlib.testing import make_run

    run = make_run("r-done", {"dataset": "d"}, step=4)
    run.exports_dir.mkdir()
    (run.exports_dir / "r-done-merged.zip").write_bytes(b"\0" * 4096)
    (run.exports_dir / "r-done-adapter.zip").write_bytes(b"\0" * 100)
    real_stat = os.stat

    looks = []

    def stat(path, *args, **kwargs):  # os.stat itself: Path.stat and is_file go through it too
        if str(path).endswith("merged.zip"):
            looks.append(path)
            if len(looks) > 1:  # seen once (listed, or found a file), gone at the next look
                raise FileNotFoundError(2, "No such file or directory", str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    assert export.exported_bytes(run) in (100, 4196)  # counted as it was when seen, or not at all: no traceback


def test_runs_delete_sizes_a_run_whose_zip_goes_meanwhile(monkeypatch, capsys):
    """`runs delete` says what it frees, counted through tree_bytes: a zip removed between the listing and its size
    (a Remove in another tab) counts nothing, where the sum over rglob raised FileNotFoundError before the delete."""
    from ftlib import runs
    from ftlib.cli import main
    from ftlib.testing import make_run

    run = make_run("r-gone", {"dataset": "d"}, step=4)
    run.exports_dir.mkdir()
    (run.exports_dir / "r-gone-merged.zip").write_bytes(b"\0" * 4096)
    real_stat, looks = os.stat, []

    def stat(path, *args, **kwargs):
        if str(path).endswith("merged.zip"):
            looks.append(path)
            if len(looks) > 1:
                raise FileNotFoundError(2, "No such file or directory", str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    assert main(["runs", "delete", "r-gone", "--yes"]) == 0
    assert "deleted r-gone" in capsys.readouterr().out and not [r for r in runs.list_runs() if r.id == "r-gone"]
