"""Where `runs export --out` may put a copy of an export, checked before anything is built or written.

    check_out(Path("/data/exports/tuned"), zip_too=True)   # ExportError if it, or tuned.zip, is in the way

One check for both places that ask it: `runs export` before it builds the export (a merge or a GGUF conversion takes
minutes on a large model, and was refused only after), and `export.copy_export` again where it writes (another export
may have taken the place meanwhile); `out_held` holds the place while the copy is written. Not known here: the copy
itself, its free-space check (export.py).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from pathlib import Path

from ftlib.errors import UserError

# Names that read as one file's, not a folder's: the files an export holds or is copied as.
FILE_SUFFIXES = (".gguf", ".zip", ".safetensors", ".bin", ".pt", ".pth")


class ExportError(UserError):
    """A run has nothing of that kind to export (yet), or the export cannot go where it was asked; the message says
    what it has, or what is in the way."""


def check_out(target: Path, zip_too: bool = False) -> None:
    """ExportError, before anything is written, when the copy at `target` (an absolute path; with `zip_too` also
    `<target>.zip`) has something in its way: an existing file, a folder that is not empty (an empty one is taken),
    a file where a folder above it would be made, or a folder that cannot be written to. A full disk is not refused
    here: the free-space check says how much is needed. A new `target` named as a file is (x.gguf, x.zip,
    x.safetensors): --out is the folder the export's files go in (a GGUF export's Modelfile beside its .gguf)."""
    if target.suffix.lower() in FILE_SUFFIXES and not target.is_dir():
        folder = target.with_suffix("")
        raise ExportError(
            f"--out: {target.name} names a file, but --out is the folder the export's files are copied into (with "
            f"--gguf, NAME.gguf and its Modelfile; with --zip, also FOLDER.zip beside it): give a folder, e.g. --out "
            f"{folder}. Nothing was written."
        )
    for path, what in ((target, "folder"), *([(target.with_name(target.name + ".zip"), "zip")] if zip_too else [])):
        if path.exists() and not (what == "folder" and path.is_dir() and not any(path.iterdir())):
            kind = "a folder that is not empty" if path.is_dir() else "a file"
            raise ExportError(
                f"--out: {path} is already {kind}, and the export's {what} would replace it. Name a new folder "
                "(it is made for you), or move that one away first. Nothing was written."
            )
    there = target.parent
    while not there.exists():  # the folder the copy is made in, or the nearest one above it that exists
        there = there.parent
    if not there.is_dir():
        raise ExportError(f"--out: {there} is a file, not a folder, so {target} cannot be made. Name another folder.")
    try:  # a file tried for real: /proc, a read-only mount, a folder of another user's are not full disks
        tempfile.TemporaryFile(dir=there).close()
    except OSError as exc:
        from ftlib.workspace import is_disk_full

        if not is_disk_full(exc):
            raise ExportError(
                f"--out: {there} cannot be written to ({exc.strerror}). Name another folder; nothing was written."
            ) from None


@contextlib.contextmanager
def out_held(target: Path):
    """Around a copy to --out: `target` made (an empty folder) if missing and locked (`flock` on the folder itself,
    no lock file left in the user's folder), so two exports to one --out at once do not share its `.partial` folder:
    the second is refused at once, before it writes anything. An empty folder made here is removed on a failure."""
    made = not target.exists()
    try:
        target.mkdir(exist_ok=True)
        handle = os.open(target, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:  # a file put there since the check, or a folder this account may not read
        raise ExportError(f"--out: cannot use {target} ({exc.strerror}). Name another folder.") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            made = False  # the other export's folder
            raise ExportError(
                f"--out: another export is writing it now ({target}: another command, or a teammate's). Wait for it "
                "to end, or name another folder; nothing was written."
            ) from None
        if any(target.iterdir()):  # an export that finished just before this one took the lock
            made = False
            raise ExportError(
                f"--out: {target} is already a folder that is not empty, and the export's folder would replace it. "
                "Name a new folder (it is made for you), or move that one away first. Nothing was written."
            )
        yield
    except BaseException:
        if made:
            with contextlib.suppress(OSError):
                target.rmdir()  # only while still empty: a copy renamed into place is never removed here
        raise
    finally:
        os.close(handle)  # the lock goes with it


__all__ = ["FILE_SUFFIXES", "ExportError", "check_out", "out_held"]
