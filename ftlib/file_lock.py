"""An exclusive lock on a file, across processes (`flock`): the run queue's, a run's status file's, the default
model's conversion, the saves of a split of one name (workspace.save_split), a Data page record read, merged and
written (ui.kept.record_dict); `runs delete` tries a run's export lock with it. The OS drops it when its holder dies.

    with locked(folder / ".queue.lock"):
        ...   # no other process is inside a `locked` of the same file meanwhile
"""

from __future__ import annotations

import contextlib
import fcntl
from pathlib import Path


@contextlib.contextmanager
def locked(path: Path, wait: bool = True, make_parent: bool = True):
    """An exclusive advisory lock on `path` (created if missing), across processes; released on exit or death. A lock
    file this account may not write (another account's, in a shared workspace) is locked through a read-only handle:
    `flock` needs no write access, and opened for writing it raised PermissionError, so another account could not
    even list the runs. `wait=False`: BlockingIOError at once when another holds it. `make_parent=False`:
    FileNotFoundError when the folder is gone (a run's status lock: a run folder deleted by hand while it trained is
    not made anew around a lone status.json, listed nowhere)."""
    if make_parent:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle = open(path, "a+")
    except PermissionError:
        if not path.is_file():
            raise
        handle = open(path)
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


__all__ = ["locked"]
