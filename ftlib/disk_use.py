"""What files take on disk, counted while others may be changing them.

    tree_bytes(run.exports_dir, run.merged_dir)      # bytes of every file under those folders; 0 for none

A run's exported copies are built and removed by other sessions and the worker while a page or `runs show` sizes
them: a file or folder gone between the listing and its stat counts nothing, where a bare `stat()` raised
FileNotFoundError into the page (a traceback in `runs show`).
Not known here: what the files are.
"""

from __future__ import annotations

import os
from pathlib import Path


def tree_bytes(*folders: str | Path) -> int:
    """Bytes of the files under `folders` (symlinks followed as `Path.stat` follows them; a folder that is missing
    or not a folder counts 0). A file removed or unreadable while they are counted counts 0; never raises OSError.

    >>> tree_bytes("/no/such/folder")
    0
    """
    total = 0
    for folder in folders:
        for root, _, names in os.walk(folder):  # os.walk skips a folder it cannot list (removed meanwhile)
            for name in names:
                try:
                    total += os.stat(os.path.join(root, name)).st_size
                except OSError:  # removed meanwhile (a Remove in another tab, a zip rebuilt), or a broken link
                    continue
    return total


__all__ = ["tree_bytes"]
