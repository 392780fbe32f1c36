"""The settings a run keeps from the process that queued it (its folder's env.json), and which of them its worker may
be started with.

    run.write_env(run_env())        # when it is queued: the FTLIB_* settings of RUN_ENV set here, paths made absolute
    env.update(recorded_env(run))   # when it is launched, by whichever process: the queuing process's settings

A run queued from a shell with FTLIB_REWARD_FUNCTIONS set trains with those reward functions, also when the server's
queue starts it. The settings that can run code or choose where files go are taken from env.json only when it is
this user's own file, writable by nobody else.

Not known here: the queue (runs.py), the run folder's files (rundir.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from ftlib.rundir import RunDir

# The FTLIB_* settings that change how a run trains (README, "Settings"), taken from the process that queues it and
# applied over the environment of the process that launches it. Not FTLIB_WORKSPACE (the launcher passes its own,
# which holds the run), nor what only a server reads (FTLIB_PASSWORD, a secret; FTLIB_WARM_UP; the folders a
# browser may read, FTLIB_DATA_DIRS / FTLIB_MODEL_DIRS).
RUN_ENV = (
    "FTLIB_REWARD_FUNCTIONS",  # GRPO's operator-registered reward functions (ftlib.rewards)
    "FTLIB_THREADS",  # the run's torch threads (ftlib.sharing)
    "FTLIB_FAST_PATH",  # ftlib.fastpath
    "FTLIB_CPU_BF16",
    "FTLIB_MICRO_TOKENS",
    "FTLIB_PADDING_FREE",
    "FTLIB_SHARE_PREFIXES",
    "FTLIB_ONEDNN_DECODE",  # GRPO's answers are decoded on CPU with it (ftlib.cpu_decode)
    "FTLIB_HOME",  # where `default` and cached models are found (ftlib.models)
    "FTLIB_ALLOW_HUB",
    "FTLIB_TRUST_REMOTE_CODE",
    "FTLIB_LEASE",  # taking turns on the device (ftlib.lease)
    "FTLIB_LEASE_MIN_TURN_S",
    "FTLIB_LEASE_MAX_TURN_S",
    "FTLIB_LOCK_DIR",
)
# Those naming a file or folder: made absolute when recorded, since the worker runs in another folder.
_PATH_ENV = ("FTLIB_REWARD_FUNCTIONS", "FTLIB_HOME", "FTLIB_LOCK_DIR")
# Those that let a run execute code, fetch it, or choose where files are read and written: taken from a run folder
# only when its env.json is this user's own file, writable by nobody else (as ssh treats its keys): whoever can
# merely write into the workspace must not make the server's user run code (a registry of "reward functions", a
# model's custom code) or write where it points.
_CODE_ENV = ("FTLIB_REWARD_FUNCTIONS", "FTLIB_TRUST_REMOTE_CODE", "FTLIB_ALLOW_HUB", "FTLIB_HOME", "FTLIB_LOCK_DIR")


def run_env(environ: dict | None = None) -> dict[str, str]:
    """The `RUN_ENV` settings set in `environ` (this process's environment by default), paths made absolute.

    >>> run_env({"FTLIB_THREADS": "4", "FTLIB_PASSWORD": "hunter2", "HF_TOKEN": "hf_x", "FTLIB_LOCK_DIR": "/l"})
    {'FTLIB_THREADS': '4', 'FTLIB_LOCK_DIR': '/l'}
    """
    environ = os.environ if environ is None else environ
    out = {}
    for key in RUN_ENV:
        value = environ.get(key)
        if value is None:
            continue
        if key in _PATH_ENV and value.strip():
            value = os.path.abspath(os.path.expanduser(value.strip()))
        out[key] = value
    return out


def worker_environ(environ: dict | None = None) -> dict[str, str]:
    """The environment a run's worker starts from: this process's (`environ` by default), less the server's access
    password, which training has no use for and whose code (a registered reward function, a model's own code with
    FTLIB_TRUST_REMOTE_CODE) could read.

    >>> sorted(worker_environ({"FTLIB_PASSWORD": "hunter2", "FTLIB_THREADS": "2"}))
    ['FTLIB_THREADS']
    """
    environ = os.environ if environ is None else environ
    return {key: value for key, value in environ.items() if key != "FTLIB_PASSWORD"}


def recorded_env(run: RunDir) -> dict[str, str]:
    """The settings a run was queued with (its env.json) that its worker may be started with: only `RUN_ENV` names
    (never PYTHONPATH, LD_PRELOAD or the like, whatever the file holds), and those that can run code (`_CODE_ENV`)
    only from a file this user owns and nobody else may write."""
    import stat

    recorded = {k: v for k, v in run.read_env().items() if k in RUN_ENV}
    try:
        info = run.env_file.stat()
        own = info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    except OSError:
        own = False
    return {k: v for k, v in recorded.items() if own or k not in _CODE_ENV}


@contextmanager
def env_set(name: str, value: str | None) -> Iterator[None]:
    """`os.environ[name] = value` for the block (nothing where `value` is None or empty), then as it was before: a
    command may run again in the same process (`ftlib.cli.main` called by a script or a test), where a run's
    setting left behind would be taken for the caller's own."""
    if not value:
        yield
        return
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


__all__ = ["RUN_ENV", "env_set", "recorded_env", "run_env", "worker_environ"]
