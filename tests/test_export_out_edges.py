"""A copy to --out (export.copy_export and its lock on the folder, export_out.out_held), as a mutation review found
untested: a failed copy leaves no folder it made and keeps the user's own empty one, a retry in the same process (the
app's server) is not refused by the failed copy's lock, a copy killed midway leaves nothing in the next, and an
export that finished between another's check and its lock is not replaced."""

from __future__ import annotations

import errno

import pytest

from ftlib import export, workspace


@pytest.fixture
def source(tmp_path):
    folder = tmp_path / "adapter"
    folder.mkdir()
    (folder / "adapter_model.safetensors").write_bytes(b"\x01" * 4096)
    (folder / "adapter_config.json").write_text('{"r": 8}')
    return folder


def _fails_once(monkeypatch):
    real = export.shutil.copytree
    calls = []

    def copytree(src, dst, **kw):
        calls.append(dst)
        if len(calls) == 1:
            raise OSError(errno.EIO, "Input/output error")
        return real(src, dst, **kw)

    monkeypatch.setattr(export.shutil, "copytree", copytree)


def test_a_failed_copy_leaves_no_folder_it_made_and_keeps_the_users_empty_one(source, tmp_path, monkeypatch):
    """--out named a new folder: after a failure it is not left behind, empty. --out named an empty folder the user
    made: it stays, and the retry in the same process (the lock of the failed copy released) writes into it."""
    fresh = tmp_path / "shared" / "pirate"
    fresh.parent.mkdir()
    _fails_once(monkeypatch)
    with pytest.raises(OSError):
        export.copy_export(source, fresh)
    assert not fresh.exists() and list(fresh.parent.iterdir()) == []

    mine = tmp_path / "mine"
    mine.mkdir()
    _fails_once(monkeypatch)
    with pytest.raises(OSError):
        export.copy_export(source, mine)
    assert mine.is_dir() and list(mine.iterdir()) == []
    assert export.copy_export(source, mine) == [mine]  # the retry: not "another export is writing it now"
    assert sorted(p.name for p in mine.iterdir()) == ["adapter_config.json", "adapter_model.safetensors"]


def test_what_a_copy_killed_midway_left_is_not_in_the_next(source, tmp_path):
    """A copy killed midway (SIGKILL: no cleanup) leaves `.<name>.partial`: the next copy starts from nothing."""
    target = tmp_path / "pirate"
    left = tmp_path / ".pirate.partial"
    left.mkdir()
    (left / "half-written.bin").write_bytes(b"\x00" * 10)
    assert export.copy_export(source, target) == [target]
    assert sorted(p.name for p in target.iterdir()) == ["adapter_config.json", "adapter_model.safetensors"]
    assert not left.exists()


def test_an_export_that_finished_after_the_check_is_not_replaced(source, tmp_path, monkeypatch):
    """Another export to the same --out passed the "in the way?" check and ended before this one took the lock:
    this one finds the folder full and refuses, leaving the other's copy whole."""
    other = tmp_path / "other"
    other.mkdir()
    (other / "model.safetensors").write_bytes(b"\x02" * 100)
    target = tmp_path / "pirate"
    real_check = workspace.check_free_space

    def check(folder, needed, what, advice=""):  # between this export's check and its lock: the other one, whole
        real_check(folder, needed, what, advice)
        monkeypatch.setattr(workspace, "check_free_space", real_check)
        export.copy_export(other, target)

    monkeypatch.setattr(workspace, "check_free_space", check)
    with pytest.raises(export.ExportError, match="is already a folder that is not empty"):
        export.copy_export(source, target)
    assert [p.name for p in target.iterdir()] == ["model.safetensors"]
