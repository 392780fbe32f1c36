"""A path the user typed, with a leading `~` or `~name` made their home folder's, never an exception.

    user_path("~/data/chats.jsonl")        -> /home/ana/data/chats.jsonl
    user_path("~nosuchuser/chats.jsonl")   -> ~nosuchuser/chats.jsonl   (as typed: then "not found", said plainly)

`Path.expanduser()` raises RuntimeError ("Could not determine home directory.") for a `~name` this machine does not
know, or a `~` without HOME or a password-database entry (a container's bare uid): a typo in `--data` ended the CLI
with a traceback and the Data page's files list with an error. `os.path.expanduser` leaves such a path as it was, so
the caller's own check ("no file at ...") names it.

Not known here: what the path is for (each caller checks it exists, and says what to fix).
"""

from __future__ import annotations

import os
from pathlib import Path


def user_path(spec: str | os.PathLike) -> Path:
    """`spec` with a leading `~`/`~name` expanded where the machine knows that home folder, else as given.

    >>> str(user_path("~nosuchuser-ftlib/x.jsonl"))
    '~nosuchuser-ftlib/x.jsonl'
    >>> user_path("/data/x.jsonl") == Path("/data/x.jsonl")
    True
    """
    return Path(os.path.expanduser(os.fspath(spec)))


__all__ = ["user_path"]
