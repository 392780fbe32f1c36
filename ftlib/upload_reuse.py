"""An upload sent again, the same name and the same bytes, is the one stored already (`workspace.save_upload`), so
"reopen an earlier upload" lists it once, with the choices made for it. A teammate may remove that earlier upload at
the same moment (the Data page's "Files on this server", `data remove`: `stored_data.remove`); both then take the
uploads folder's lock (`LOCK`), and one of two things happens, never a mix:

- the removal first: the earlier upload is gone when the reuse looks again under the lock, and the upload is stored
  as a fresh copy (the re-uploader's page reads that);
- the reuse first: the earlier upload is marked saved again (its modification time moves on), so a removal decided on
  a listing made before it (the page's and `data remove`'s pass the `version` they listed) is refused as "saved again
  since it was listed", and the re-uploader's page reads the file it was given.

    earlier = reused([older, oldest], data, uploads_dir())   # None: store a fresh copy

A removal decided on a listing made after the reuse removes it, as it would any upload.

Not known here: where uploads are stored or how they are named (workspace.py), what a removal checks (stored_data.py).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from ftlib.file_lock import locked

LOCK = ".uploads.lock"  # in the uploads folder: hidden, so never listed as an upload nor counted as a leftover


def reused(candidates: list[Path], data: bytes, folder: Path) -> Path | None:
    """The first of `candidates` (stored uploads of the same name, in `folder`) that holds exactly `data`, marked saved
    again under `folder`'s `LOCK`: its mtime moved on by at least 1 ns, so its `stored_data` version changes even
    within one tick of the file system's clock. None when none holds those bytes, or the one that did was removed
    before the lock was taken (or while this waited on it), or cannot be marked (another account's file): the caller
    stores a fresh copy then. The bytes are compared outside the lock (a large file does not hold up a removal)."""
    for earlier in candidates:
        try:
            before = earlier.stat()
            if before.st_size != len(data) or earlier.read_bytes() != data:
                continue
        except OSError:  # removed meanwhile, or unreadable: not one to hand back
            continue
        with locked(folder / LOCK):
            try:
                now = earlier.stat()
                if now.st_ino != before.st_ino:  # not the file compared (uploads are never rewritten in place)
                    continue
                os.utime(earlier, ns=(now.st_atime_ns, max(time.time_ns(), now.st_mtime_ns + 1)))
            except OSError:  # gone (a removal went first), or not this account's to mark
                continue
            return earlier
    return None


__all__ = ["LOCK", "reused"]
