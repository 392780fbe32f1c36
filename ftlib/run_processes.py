"""Whether a run's processes live: the launched process, its session (a torchrun launcher's workers), any process
with the run's folder on its command line; and why a dead one died, from its log.

    alive(status["pid"], run)      # False: the run's process ended without writing its final state
    crash_reason(run.log_tail())   # "RuntimeError: ...", or the worker's own `[ftlib] error:` sentence

Linux first (/proc); elsewhere the kernel is asked with signal 0. Not known here: the queue (runs.py).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ftlib.rundir import RunDir


def alive(pid: int | None, run: RunDir, leader_exited: bool = False) -> bool:
    """Whether the run's process still trains: the one launched (`pid`), or, where it died, the processes of its
    session (a torchrun launcher killed with -9 leaves its workers training: read as dead, the run was called
    interrupted while it trained on, and a resume started a second set of workers writing to the same folder).
    `leader_exited`: the launched process is the one asking, its command ended (ftlib.run_watch): only the rest of
    its session counts."""
    return (not leader_exited and _process_alive(pid, run)) or _group_alive(pid)


def _group_alive(pid: int | None) -> bool:
    """Whether a live process other than a zombie is in the process group `pid` leads (the run's session: it was
    launched with start_new_session). Read from /proc where there is one, else asked of the kernel."""
    if not pid:
        return False
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[-1].split()  # state, ppid, pgrp, ...
        except OSError:
            continue
        if len(fields) > 2 and fields[2] == str(pid) and fields[0] not in ("Z", "X") and stat.parent.name != str(pid):
            return True
    return False


def _process_alive(pid: int | None, run: RunDir) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    proc = Path(f"/proc/{pid}")
    if proc.is_dir():
        try:
            state = (proc / "stat").read_text().rsplit(")", 1)[-1].split()[0]
            if state in ("Z", "X"):
                return False
            # A recycled pid belongs to some other program: ours has the run folder on its command line. An empty
            # one is a process in the middle of its exec (Popen returns once the exec began; the kernel sets the
            # new command line a moment later): alive. Read as dead, a run launched under load was marked
            # interrupted 6 ms after its start while it trained on (a CI run of tests/test_browser.py, 2026-11-30).
            cmdline = (proc / "cmdline").read_bytes()
            return not cmdline or _names(cmdline, run)
        except OSError:
            return False
    return True


def running_in(run: RunDir) -> bool:
    """Whether a process has the run's folder on its command line (its worker, torchrun and its workers): what a
    run whose status.json cannot be read is known by. False where there is no /proc to read."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if _names(cmdline.read_bytes(), run):
                return True
        except OSError:
            continue
    return False


def _names(cmdline: bytes, run: RunDir) -> bool:
    """Whether a command line (/proc's, NUL-separated) has the run's folder, or a path in it, as an argument: a
    run named like the start of another's is not it."""
    folder = str(run.path).encode()
    return any(arg == folder or arg.startswith(folder + b"/") for arg in cmdline.split(b"\0"))


# A line of a Python traceback that names the exception: "RuntimeError: ...", "torch.OutOfMemoryError: ...".
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt)\b.*")


# torchrun's own failures, as its log says them, in words: (pattern, sentence with the match's groups).
_LAUNCHER = (
    (
        re.compile(r"port: (\d+).*(EADDRINUSE|address already in use)", re.IGNORECASE),
        "The rendezvous port {0} is in use on machine 0 (another program, or another run's rendezvous): give "
        "--rdzv-endpoint another port on every machine, then resume.",
    ),
    (
        re.compile(r"Timed out after (\d+) seconds waiting for clients\. (\d+)/(\d+) clients joined"),
        "Only {1} of the {2} machines joined the rendezvous within {0} s: start `train` on every machine with the "
        "same --rdzv-endpoint and --nnodes and its own --node-rank, then resume.",
    ),
    (
        re.compile(r"exitcode\s*:\s*-9\b"),
        "A process of this run was killed (SIGKILL: out of memory, or ended by hand), and the others stopped with it.",
    ),
)


def crash_reason(tail: list[str]) -> str:
    """Why a training process died, from its log's last lines: the worker's own `[ftlib] error:` sentence (said
    before it failed to write its status, e.g. on a full disk), else a launcher failure in words (`_LAUNCHER`: a
    rendezvous port in use, machines that never joined, a killed process), else the exception a traceback ended
    with, else the last line.

    >>> crash_reason(["Traceback ...", "    super()._save_checkpoint(model, trial)", "RuntimeError: unexpected pos 5"])
    'RuntimeError: unexpected pos 5'
    >>> crash_reason(["torch.distributed.DistStoreError: Timed out after 901 seconds waiting for clients. 1/2 clients "
    ...               "joined."])[:55]
    'Only 1 of the 2 machines joined the rendezvous within 9'
    """
    said = [line.split("[ftlib] error:", 1)[1].strip() for line in tail if "[ftlib] error:" in line]
    if said:
        return said[-1]
    for pattern, sentence in _LAUNCHER:
        found = [m for line in tail if (m := pattern.search(line))]
        if found:
            return sentence.format(*found[-1].groups())
    named = [line.strip() for line in tail if _EXCEPTION_LINE.match(line.strip())]
    return named[-1] if named else (tail[-1].strip() if tail else "no log")


def crashed(tail: list[str]) -> bool:
    """Whether a dead process's log ends in a failure (a traceback, an exception, a launcher's error) rather than
    stopping mid-work (killed, the machine restarted)."""
    return any("Traceback" in line or _EXCEPTION_LINE.match(line.strip()) for line in tail) or any(
        pattern.search(line) for pattern, _ in _LAUNCHER for line in tail
    )


def crash_words(tail: list[str]) -> str:
    """`crash_reason`, or where the log ends in a traceback cut short (a full disk stopped the process writing it)
    rather than in the exception it names: that, not the cut line ('File "/work/main/.v')."""
    reason = crash_reason(tail)
    cut = reason.startswith(('File "', "^"))  # a frame of the traceback, not its exception
    return "its log (train.log) ends cut short in a traceback, as a full disk leaves it." if cut else reason


__all__ = ["alive", "crash_reason", "crash_words", "crashed", "running_in"]
