"""Where `runs export --out` may put a copy of an export, checked before anything is built or written.

    check_out(Path("/data/exports/tuned"), zip_too=True)   # ExportError if it, or tuned.zip, is in the way

One check for both places that ask it: `runs export` before it builds the export (a merge or a GGUF conversion takes
minutes on a large model, and was refused only after), and `export.copy_export` again where it writes (another export
may have taken the place meanwhile). Not known here: the copy itself, its free-space check (export.py).
"""

from __future__ import annotations

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


__all__ = ["FILE_SUFFIXES", "ExportError", "check_out"]
