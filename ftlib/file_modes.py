"""Files the studio's libraries write with their own modes, given the modes the umask gives any other file.

    readable(run.adapter_dir)                 # read (and folders' search) bits added, as the umask allows
    readable(tmp, exact=True)                 # a folder this process built: exactly the umask's modes
    callbacks=[..., checkpoints_readable()]   # a Trainer callback: each checkpoint so, once saved

Why: safetensors (0.8) writes its files 0600 whatever the umask, so in README's group-shared workspace (`umask
002`, setgid folders) a teammate's account could neither resume another's run from its checkpoint nor load its
adapter or model (Compare, Evaluate, `runs export`): PermissionError. A file another account owns is left as it is.

Not known here: what the files hold, who may write them (the umask says), Streamlit.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from ftlib import workspace


def readable(folder: Path, exact: bool = False) -> None:
    """`folder` and what it holds readable as the umask allows any file this process creates: for a folder this
    process built (`exact`), exactly those modes; for a run's own adapter, model or checkpoint, its read (and
    folders' search) bits added only. A file that cannot be changed (another user's, on a shared server) is left."""
    mask = workspace.umask()
    for path in (folder, *folder.rglob("*")):
        if path.is_symlink():
            continue
        is_dir = path.is_dir()
        allowed = (0o777 if is_dir else 0o666) & ~mask
        with contextlib.suppress(OSError):
            mode = stat.S_IMODE(path.stat().st_mode)
            wanted = allowed if exact else mode | (allowed & (0o555 if is_dir else 0o444))
            if wanted != mode:
                os.chmod(path, wanted)


def checkpoints_readable():
    """A Trainer callback that makes each checkpoint `readable` once the Trainer has saved it (`on_save` comes after
    the checkpoint's files are written; transformers imported here, not with this module)."""
    from transformers import TrainerCallback

    class CheckpointsReadable(TrainerCallback):
        def on_save(self, args, state, control, **kwargs):
            folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            if folder.is_dir():
                readable(folder)

    return CheckpointsReadable()
