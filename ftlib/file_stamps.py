"""A file's version as the disk tells it, for caches that must not outlive a change of the file.

    file_stamp(Path("uploads/chats.jsonl"))     # (inode, modification time in ns, size); () when it cannot be read

A file replaced whole (an atomic write, an upload saved again: a new inode) or written in place (a new time or
size) gets a new stamp. Used for a saved split's version (workspace.split_version), an upload's (stored_data) and
the rows a run's evaluation reads (eval_runs.rows_version).
Not known here: what the files hold.
"""

from __future__ import annotations

from pathlib import Path


def file_stamp(path: str | Path) -> tuple:
    """(inode, modification time in ns, size) of the file at `path`; () when it cannot be read (missing, no access).

    >>> file_stamp("/no/such/file")
    ()
    """
    try:
        stat = Path(path).stat()
    except OSError:
        return ()
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


__all__ = ["file_stamp"]
