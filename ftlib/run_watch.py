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
outlives them, to settle the run once they have ended. A process blocked in C code (torch.distributed's rendezvous
waiting for a machine that never comes) runs no Python signal handler, so it never sees that SIGTERM: one still
there `GRACE` seconds after a stop now is killed (SIGKILL), with the rest of the command's processes, and the run
settled as that stop. A SIGTERM without a stop now recorded in status.json (a machine shutting down) kills nothing:
the run saves its checkpoint and ends as it does. A SIGKILL of the session (a test, a machine going down) ends this
process too: the run is then settled by the next listing, as before.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

# Seconds the training command's processes have to end by themselves after a stop now before they are killed: a
# Python worker ends in well under a second (worker.StopNow), torchrun passes the SIGTERM on to its workers first.
GRACE = 20.0
# Seconds between looks at the command while it runs: how late the run is settled after it ended.
POLL_S = 0.5

# One entry per signal this process received (the handler only records it: the main loop acts on it).
_SIGNALS: list[int] = []


def _outlive(signum, frame) -> None:  # noqa: ARG001
    """A handler, not SIG_IGN: an ignored signal stays ignored across exec, so the training command would ignore a
    stop-now SIGTERM too; a handled one is reset to its default in the child."""
    _SIGNALS.append(signum)


def _stop_now_asked(run_dir: Path) -> bool:
    """Whether a person asked for a stop now (runs.stop records `stop_now` before it signals); False when the run's
    status does not read."""
    from ftlib.rundir import RunDir

    try:
        return bool(RunDir(run_dir).read_status().get("stop_now"))
    except Exception:  # an unreadable status: no stop now known, the graceful path
        return False


def _wait(child: subprocess.Popen, run_dir: Path) -> tuple[int, bool]:
    """Wait for `child` to end: (its exit status, whether it was killed `GRACE` seconds after a stop now)."""
    seen, deadline = 0, None
    while (code := child.poll()) is None:
        if len(_SIGNALS) > seen:
            seen = len(_SIGNALS)
            if deadline is None and _stop_now_asked(run_dir):
                deadline = time.monotonic() + GRACE
        if deadline is not None and time.monotonic() >= deadline:
            _kill_tree(child)
            return child.wait(), True
        time.sleep(POLL_S)
    return code, False


def _kill_tree(child: subprocess.Popen) -> None:
    """SIGKILL `child` and every process under it (torchrun's workers, each in a session of its own) but another
    run's launch process and what is under it (a worker starts the next queued run as it ends), and the rest of this
    process's group where this process leads it (launched with start_new_session); then wait until they are gone, so
    the run is not read as still alive when it is settled. psutil comes with accelerate; imported only now."""
    try:
        import psutil
    except ImportError:
        child.kill()
        return
    procs, todo = [], [psutil.Process(child.pid)]  # not reaped yet: the pid is still the child's
    while todo:
        proc = todo.pop()
        try:
            if proc.pid != child.pid and any("ftlib.run_watch" in part for part in proc.cmdline()):
                continue  # the next run's
            todo.extend(proc.children())
        except psutil.Error:
            continue
        procs.append(proc)
    if os.getpgid(0) == os.getpid():
        for proc in psutil.process_iter():
            try:
                if proc.pid != os.getpid() and os.getpgid(proc.pid) == os.getpid() and proc not in procs:
                    procs.append(proc)
            except (OSError, psutil.Error):
                continue
    for proc in procs:
        try:
            proc.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(procs, timeout=10)


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
    code, killed = _wait(child, run_dir)
    said = (
        f"Its processes had not ended {GRACE:g} s after the stop now (blocked outside Python, e.g. waiting for "
        "another machine), so they were killed."
    )
    if killed:
        print(f"[ftlib] {said}", flush=True)  # train.log: why this attempt ended without a word of its own

    # Imported only now: while the run trains, this process holds no more than the interpreter.
    from ftlib import runs

    runs.after_exit(run_dir)
    if killed:
        _say_killed(run_dir, said)
    return code if code >= 0 else 128 - code  # a signal's number as a shell reports it (-9 -> 137)


def _say_killed(run_dir: Path, said: str) -> None:
    """Add `said` to the message of the run its stop now ended (not to a run resumed since: it is no longer
    interrupted)."""
    from ftlib.rundir import RunDir

    run = RunDir(run_dir)
    try:
        message = run.read_status().get("message") or ""
        if said not in message:
            run.update_status_while(("interrupted",), message=f"{message} {said}".strip())
    except OSError:  # a folder this account may not write: the log says it
        pass


if __name__ == "__main__":
    raise SystemExit(main())
