"""ftlib.file_lock.locked: exclusive across open files (so across processes), and usable on a lock file this account
may not write (another account's in a shared workspace)."""

from __future__ import annotations

import builtins
import threading
import time

import pytest

from ftlib import file_lock


def _second_waits_for_the_first(path) -> list[str]:
    events, inside = [], threading.Event()

    def first() -> None:
        with file_lock.locked(path):
            events.append("first in")
            inside.set()
            time.sleep(0.3)
            events.append("first out")

    thread = threading.Thread(target=first)
    thread.start()
    inside.wait(10)
    with file_lock.locked(path):  # flock belongs to the open file: this thread's handle waits for the other's
        events.append("second in")
    thread.join()
    return events


def test_a_second_holder_waits_for_the_first(tmp_path):
    assert _second_waits_for_the_first(tmp_path / "sub" / ".queue.lock") == ["first in", "first out", "second in"]


def test_a_lock_file_this_account_may_not_write_is_locked_read_only(tmp_path, monkeypatch):
    """Tests run as root here, which may write anything: the refusal to open for writing is made by hand."""
    path = tmp_path / ".queue.lock"
    path.touch()
    modes = []

    def open_as_another_account(file, mode="r", *args, **kwargs):
        modes.append(mode)
        if mode != "r":
            raise PermissionError(13, "Permission denied", str(file))
        return builtins.open(file, mode, *args, **kwargs)

    monkeypatch.setattr(file_lock, "open", open_as_another_account, raising=False)
    assert _second_waits_for_the_first(path) == ["first in", "first out", "second in"]
    assert modes == ["a+", "r", "a+", "r"]
    with pytest.raises(PermissionError):  # no lock file yet, and none can be made: said, not hidden
        with file_lock.locked(tmp_path / "missing.lock"):
            pass
