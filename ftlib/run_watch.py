"""The process a queued run is launched as: it starts the run's training command, waits for it to end, whatever ended
it, and then settles the run's state and starts the next queued run.

    python -m ftlib.run_watch RUN_DIR [KEY=VALUE ...] -- python -m ftlib.worker RUN_DIR   # runs.launch_command

`KEY=VALUE`: the training command's own environment on top of this process's (its share of the CPU's threads, the
one GPU it sees): this process starts the next queued run from its own, which must not hold them.

Why: a worker ended from outside (the kernel's OOM killer sends SIGKILL, so the worker writes nothing) left its run
"running" and the queue behind it waiting until something listed runs. The app lists them every few seconds, but a
server used from the CLI alone waited for the next command: a queue left overnight stopped at its first killed run.
This process is small (no torch; ~20 MB), so the OOM killer picks the worker, never it.

Signals: a "stop now" (runs.stop asked twice) sends SIGTERM to the run's whole session, this process included. It
outlives them, to settle the run once they have ended. A SIGKILL of the session (a test, a machine going down) ends
it too: the run is then settled by the next listing, as before.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path


def _outlive(signum, frame) -> None:  # noqa: ARG001
    """A handler, not SIG_IGN: an ignored signal stays ignored across exec, so the training command would ignore a
    stop-now SIGTERM too; a handled one is reset to its default in the child."""


def main(argv: list[str] | None = None) -> int:
    """Run the command after `--` (with the `KEY=VALUE` settings before it added to its environment), then settle
    RUN_DIR and advance the queue; exit with the command's exit status."""
    argv = sys.argv[1:] if argv is None else argv
    split = argv.index("--") if "--" in argv else -1
    settings = argv[1:split] if split > 0 else []
    if split < 1 or split == len(argv) - 1 or not all("=" in item for item in settings):
        print("usage: python -m ftlib.run_watch RUN_DIR [KEY=VALUE ...] -- COMMAND...", file=sys.stderr)
        return 2
    run_dir, command = Path(argv[0]), argv[split + 1 :]
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, _outlive)
    child = subprocess.Popen(command, env={**os.environ, **dict(item.split("=", 1) for item in settings)})
    code = child.wait()  # retried across our handled signals (PEP 475)

    # Imported only now: while the run trains, this process holds no more than the interpreter.
    from ftlib import runs

    runs.after_exit(run_dir)
    return code if code >= 0 else 128 - code  # a signal's number as a shell reports it (-9 -> 137)


if __name__ == "__main__":
    raise SystemExit(main())
