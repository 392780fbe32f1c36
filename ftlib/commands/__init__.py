"""The command groups of `python -m ftlib` (one module each, registered by `ftlib.cli`) and what they share.

    raise UserError(os_error_message(exc, "create the folder", args.out, "pick a writable folder with --out"))

`os_error_message` words an OSError for the one `error:` line: what could not be done, to which path, why in
plain words and what to do, where Python's own text is "[Errno 13] Permission denied: '...'".
"""

from __future__ import annotations

import errno
from pathlib import Path

# The reasons a person meets most, in words; any other errno keeps the system's own text.
_REASONS = {
    errno.ENOENT: "no such file or folder",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EEXIST: "a file of that name is already there",
    errno.ENOTDIR: "part of that path is a file, not a folder",
    errno.EISDIR: "that is a folder, not a file",
    errno.EROFS: "the disk is read-only",
    errno.ENAMETOOLONG: "the name is too long",
}


def os_error_message(exc: OSError, action: str = "use", path: str | Path | None = None, fix: str = "") -> str:
    """One sentence for `exc`: 'cannot ACTION PATH: REASON (at PART); FIX'.

    PATH is what the user gave (default: the path the error names); PART, when the error names another path above
    it, is the folder that failed.

    >>> os_error_message(FileNotFoundError(2, "No such file or directory", "/proc/x"), "create", "/proc/x/a", "retry")
    'cannot create /proc/x/a: no such file or folder (at /proc/x); retry'
    >>> os_error_message(PermissionError(13, "Permission denied", "/srv/run.log"))
    'cannot use /srv/run.log: permission denied'
    """
    named = exc.filename
    where = path if path is not None else named
    if exc.errno == errno.ENOTDIR and where is not None:
        named = next((str(p) for p in Path(where).parents if p.is_file()), named)  # the part that is a file
    reason = _REASONS.get(exc.errno) or exc.strerror or str(exc) or type(exc).__name__
    reason = reason[:1].lower() + reason[1:]
    text = f"cannot {action}" + (f" {where}" if where is not None else "") + f": {reason}"
    if named is not None and where is not None and Path(where) != Path(named) and Path(named) in Path(where).parents:
        text += f" (at {named})"
    return text + (f"; {fix}" if fix else "")
