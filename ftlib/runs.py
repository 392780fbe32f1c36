"""The run queue: create runs, start them one per device, notice dead processes, stop, resume, wait, delete.

    run_id = submit(RunConfig(method="lora", dataset="chat_style"))   # queued, and started if its device is free
    for run in list_runs():                                            # RunSummary objects, newest first
        print(run.id, run.state, run.step, run.max_steps)
    stop(run_id); resume(run_id); wait(run_id)

Every run is a folder under `workspace.runs_dir()` (its files belong to `ftlib.rundir.RunDir`). One run is active
per device; the others wait in order. The queue advances when a run ends, however it ends (its launch process,
ftlib.run_watch, starts the next one once the worker has exited, also after the OOM killer's SIGKILL), and
whenever anything lists runs (`list_runs` reconciles first: a run whose process died is marked failed or
interrupted, with its last log lines). Queue decisions happen under a file lock, so two browser tabs or CLI
calls starting runs at the same moment both get queued and nothing is corrupted.

A run is trained by its own process, `python -m ftlib.worker RUN_DIR` (under torchrun for several processes or
machines: ftlib.distributed; both under ftlib.run_watch, the process status.json's `pid` names), started in a new
session so it outlives the browser tab, the Streamlit server and the CLI that started it. Whichever process starts
it (the CLI that queued it, the Streamlit server's queue, the run before's launch process), it trains with the
FTLIB_* settings of the process that queued it (`RUN_ENV`, kept in its folder): a run queued from a shell with
FTLIB_REWARD_FUNCTIONS set trains with those reward functions, also when the server starts it.

Not known here: what training does (training.py, worker.py), what a run folder holds (rundir.py), exports (export.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from ftlib import distributed, run_data, run_resume, sharing, workspace
from ftlib.config import RunConfig
from ftlib.errors import UserError, numbered, plural
from ftlib.run_processes import alive, crash_reason, crashed, running_in
from ftlib.rundir import ACTIVE, DONE, STATES, RunDir, RunSummary, locked

_QUEUE_LOCK = ".queue.lock"
QUEUED_MESSAGE = "Waiting for its turn."  # a new run's status message; `queue_place` says more
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
# Processes this Python process started, so their exit is reaped (a dead child otherwise lingers as a zombie
# that still answers kill(pid, 0)).
_CHILDREN: dict[int, subprocess.Popen] = {}


class RunError(UserError):
    """A run operation that cannot be done (unknown id, wrong state); the message says why."""


def find(run_id: str) -> RunDir:
    """The folder of an existing run; RunError when there is none."""
    name = workspace.safe_name(run_id, default="")
    run = RunDir(workspace.runs_dir() / name)
    if not name or name != run_id or not run.exists():
        raise RunError(f"There is no run '{run_id}'. `python -m ftlib runs list` shows the runs.")
    return run


def _all() -> list[RunDir]:
    return [RunDir(p) for p in sorted(workspace.runs_dir().iterdir()) if (p / "config.json").is_file()]


# ---------------------------------------------------------------------------------------------------------------
# Creating and starting
# ---------------------------------------------------------------------------------------------------------------


def _device_key(device: str) -> str:
    if device in ("", "auto", None):
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def _slot(status: dict) -> tuple[str, str]:
    """What a run occupies: its device, and the rendezvous of a run on several machines ("" for one machine)."""
    return status.get("device", "cpu"), status.get("rendezvous") or ""


def _conflict(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Whether two runs' slots (`_slot`) exclude each other. `cuda` means "the GPUs" and blocks every
    `cuda:N`; `cuda:0` and `cuda:1` can run side by side. Two machines' halves of one run (the same rendezvous)
    never wait for each other: sharing a workspace (on one host, or a home folder several machines mount), the second
    half queued behind the first, which waited for it until the rendezvous timed out."""
    (a, ra), (b, rb) = a, b
    if ra and ra == rb:
        return False
    if a == b:
        return True
    return (a == "cuda" and b.startswith("cuda")) or (b == "cuda" and a.startswith("cuda"))


def _new_id(config: RunConfig) -> str:
    stem = config.name or Path(str(config.dataset)).stem or "run"
    base = workspace.safe_name(f"{time.strftime('%Y%m%d-%H%M%S')}-{config.method}-{stem}", default="run")[:80]
    candidate, n = base, 2
    while (workspace.runs_dir() / candidate).exists():
        candidate, n = f"{base}-{n}", n + 1
    return candidate


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


def create_run(
    config: RunConfig | dict, estimated_memory: int | None = None, rows: tuple[list, list, dict] | None = None
) -> str:
    """Write a new run folder in state `queued` and return its id (does not start it). The run keeps this process's
    FTLIB_* settings (`RUN_ENV`): it trains with them whichever process launches it, resumes included.

    A dataset or model given as a path relative to this process's folder is recorded absolute (the worker runs in
    another folder), and the run keeps its own copy of its rows (`rows`: `run_data.dataset_rows(config)`, the rows
    the caller checked; read here when not given): the saved split, or the train/test split of a data file made now.
    A split saved over, a file edited later, changes neither a resume nor the run's evaluation.

    `estimated_memory`: the memory estimate shown before the start (`ftlib.memory.estimate(...).total`, bytes per
    process), kept in status.json so the run's measured peak can be read beside it.
    """
    if isinstance(config, dict):
        config = RunConfig.from_dict(config)
    config = run_data.absolute_paths(config)
    if rows is None:
        rows = run_data.readable_rows(config)  # read before the queue's lock: a big file takes a while
    root = workspace.runs_dir()
    with locked(root / _QUEUE_LOCK):
        run_id = _new_id(config)
        run = RunDir(root / run_id)
        run.path.mkdir(parents=True)
        try:
            run.write_config(config)
            # Its own copy of its rows: a teammate saving over a split's name later changes neither a resume nor the
            # run's evaluation (walk 8B: Evaluate showed another person's rows for a finished run), nor does an edit
            # to the data file it was split from.
            if rows is not None:
                workspace.keep_run_split(run.path, *rows)
            run.write_env(run_env())
            run.update_status(
                id=run_id,
                state="queued",
                created=time.time(),
                queued_at=time.time_ns(),
                device=_device_key(config.device),
                method=config.method,
                tuning=config.tuning,
                message=QUEUED_MESSAGE,
                rows_kept=rows is not None,  # its split/: a resume without it is refused
                rendezvous=f"{config.rdzv_endpoint} x{config.nnodes}" if config.nnodes > 1 else None,
                **({"estimated_memory": int(estimated_memory)} if estimated_memory else {}),
            )
        except BaseException:
            shutil.rmtree(run.path, ignore_errors=True)  # e.g. a full disk: no half-made run left in the list
            raise
    return run_id


def submit(
    config: RunConfig | dict, estimated_memory: int | None = None, rows: tuple[list, list, dict] | None = None
) -> str:
    """Queue a run and start it if its device is free; return the run id (`estimated_memory`, `rows`: see
    `create_run`)."""
    run_id = create_run(config, estimated_memory, rows)
    advance()
    return run_id


def launch_command(run: RunDir, config: RunConfig | dict) -> list[str]:
    """The command that trains `run`: the worker, or torchrun running the worker once per process (DDP or FSDP, on
    this machine or as one of several: see ftlib.distributed.launcher), under ftlib.run_watch, which settles the run
    and advances the queue once they end, however they end."""
    watched = [sys.executable, *distributed.launcher(config), "-m", "ftlib.worker", str(run.path)]
    return [sys.executable, "-m", "ftlib.run_watch", str(run.path), "--", *watched]


def _launch(run: RunDir) -> None:
    config = run.read_config()
    # Written before the process exists, so no other caller can launch this run twice.
    run.update_status(
        state="running",
        phase="starting",
        started=time.time(),
        pid=None,
        message=distributed.starting_message(config),
        ended=None,
    )
    env = dict(os.environ)
    env.update(recorded_env(run))  # the settings of the process that queued it, not of the one starting it now
    env["FTLIB_WORKSPACE"] = str(workspace.workspace_dir())
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    sharing.process_env(env)  # issue 17: FTLIB_THREADS, and passive OpenMP waits only with the lease off
    distributed.cpu_threads(config, env)  # several processes on the CPU split its threads
    distributed.one_gpu(config, env)  # one process on a GPU sees that GPU alone
    with open(run.log_file, "ab") as log:
        # A new session: the run outlives the browser tab, the Streamlit server and the CLI that started it.
        # cwd: the folder holding ftlib, so the worker imports the same code as this process.
        proc = subprocess.Popen(
            launch_command(run, config),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=str(Path(__file__).resolve().parents[1]),
        )
    _CHILDREN[proc.pid] = proc
    run.update_status(pid=proc.pid)


def advance() -> list[str]:
    """Start the oldest queued run on every free device; return the ids started."""
    return _advance()


def after_exit(run_dir: Path) -> list[str]:
    """What a run's launch process (ftlib.run_watch) does once the training command it started has ended: settle the
    run as `reconcile` does (interrupted or failed, unless the worker wrote its own end), not counting that process
    itself as the run's, then start what the queue holds; return the ids started."""
    return _advance(exited=(Path(run_dir).resolve(), os.getpid()))


def _advance(exited: tuple[Path, int] | None = None) -> list[str]:
    started = []
    with locked(workspace.runs_dir() / _QUEUE_LOCK):
        _reconcile_unlocked(exited)
        statuses = [(run, run.read_status()) for run in _all()]
        busy = [_slot(s) for _, s in statuses if s.get("state") in ACTIVE]
        queued = sorted((s.get("queued_at", 0), run.id, run, s) for run, s in statuses if s.get("state") == "queued")
        for _, run_id, run, status in queued:
            if any(_conflict(_slot(status), other) for other in busy):
                continue
            try:
                _launch(run)
            except PermissionError:  # another OS account's run this one may not write: left for its owner's queue
                continue
            busy.append(_slot(status))
            started.append(run_id)
    return started


# ---------------------------------------------------------------------------------------------------------------
# Noticing dead processes
# ---------------------------------------------------------------------------------------------------------------


def _reap() -> None:
    for pid, proc in list(_CHILDREN.items()):
        if proc.poll() is not None:
            del _CHILDREN[pid]


def _reconcile_unlocked(exited: tuple[Path, int] | None = None) -> None:
    """`exited`: (run folder, pid) of a launch process whose command has ended (`after_exit`): that process is alive,
    asking, but the run lives on only if other processes of its session do."""
    _reap()
    for run in _all():
        status = run.read_status()
        if status.get("state") not in ACTIVE:
            continue
        pid = status.get("pid")
        if pid is None and time.time() - float(status.get("started") or 0) < 60:
            continue  # being launched right now
        if alive(pid, run, leader_exited=exited == (run.path.resolve(), pid)):
            continue
        status = run.read_status()  # it may have written its final state just before exiting
        if status.get("state") not in ACTIVE:
            continue
        # torchrun's failure report runs to some 25 lines after the exception; more would reach an earlier attempt's
        tail = run.log_tail(40)
        checkpoint = run.last_checkpoint()
        failed = crashed(tail)
        where = (
            f"Resume continues from {checkpoint.name}."
            if checkpoint
            else "No checkpoint was saved yet; resume starts from the beginning."
        )
        stopped_now = bool(status.get("stop_now"))  # a second stop ended it, before it could say so itself
        if stopped_now:
            state, message = "interrupted", run_resume.stopped_now_message(run.summary().step, checkpoint)
        elif failed:
            state, message = "failed", f"The training process crashed: {crash_reason(tail)} {where}"
        else:
            state, message = (
                "interrupted",
                (
                    "The training process ended unexpectedly (killed, out of memory, or "
                    f"the machine restarted). {where}"
                ),
            )
        # Its attempt ends where its process last wrote, not now: nobody may have listed runs for hours (the
        # attempt of a worker the OOM killer ended read as two minutes of training for ten seconds).
        last = run.last_sign_of_life()
        started = float(status.get("started") or 0)
        try:
            run.end_attempt(
                **({"ended": last} if last and last >= started else {}),
                state=state,
                phase="",
                message=message,
                error=message if state == "failed" else None,
                log_tail=tail[-20:],
                # A first stop only asked: the process died before it saved and ended; a second one ended it.
                stopped_by="user" if stopped_now else None,
            )
        except OSError:  # a full disk (what may have ended the run): it stays as it reads until space is freed,
            pass  # and listing or queueing runs goes on meanwhile


def reconcile() -> None:
    """Mark runs whose process died as failed/interrupted (with their last log lines)."""
    with locked(workspace.runs_dir() / _QUEUE_LOCK):
        _reconcile_unlocked()


# ---------------------------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------------------------


def list_runs(refresh: bool = True) -> list[RunSummary]:
    """Every run, newest first. With `refresh`, dead processes are noticed and the queue advances first."""
    if refresh:
        advance()
    return sorted((run.summary() for run in _all()), key=lambda r: r.created or 0, reverse=True)


def get(run_id: str) -> dict:
    """One run as the CLI's JSON: its summary, config, metrics and folder."""
    run = find(run_id)
    return {
        **run.summary().as_dict(),
        "config": run.read_config(),
        "data": run_data.kept_data(run.path),  # how its rows were read: the format, --format/--map, rows left out
        "metrics": run.read_metrics(),
        "path": str(run.path),
    }


def ordinal(n: int) -> str:
    """A place in words.

    >>> [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd']
    """
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _doing(info: RunSummary) -> str:
    """What a run ahead in the queue is doing, in a few words: "training, step 5 of 12", "queued"."""
    if info.state == "queued":
        return "queued"
    if info.state == "stopping":
        return f"stopping at step {info.step}"
    if info.phase == "training":
        return f"training, step {info.step} of {info.max_steps or '?'}"
    return info.phase or info.state


def queue_place(run_id: str, named: int = 3) -> str:
    """Where a queued run is in its device's line and behind what (what a page and `runs show` say of it, rather
    than "Waiting for its turn."); "" for a run not queued.

    "Queued: 2nd in line, after lora-a · lora · chat_style · Nov 30 14:15 (training, step 5 of 12)." The runs
    training on its device come first, then the runs queued before it, in the order they will start; the first
    `named` are named. A resumed run's own message follows ("Waiting to resume from checkpoint-9.").
    """
    run = find(run_id)
    status = run.read_status()
    if status.get("state") != "queued":
        return ""
    place = (status.get("queued_at", 0), run.id)
    training, waiting = [], []
    for other in _all():
        theirs = other.read_status()
        if other == run or not _conflict(_slot(status), _slot(theirs)):
            continue
        if theirs.get("state") in ACTIVE:
            training.append(other)
        elif theirs.get("state") == "queued" and (theirs.get("queued_at", 0), other.id) < place:
            waiting.append(((theirs.get("queued_at", 0), other.id), other))
    ahead = [r.summary() for r in training + [r for _, r in sorted(waiting, key=lambda w: w[0])]]
    own = "" if status.get("message") in (None, "", QUEUED_MESSAGE) else f" {status['message']}"
    if not ahead:
        return f"Queued: next in line; it starts as soon as the queue moves (within seconds).{own}"
    names = [f"{info.label} ({_doing(info)})" for info in ahead[:named]]
    if len(ahead) > named:
        names.append(plural(len(ahead) - named, "more run"))
    after = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"Queued: {ordinal(len(ahead) + 1)} in line, after {after}.{own}"


def active_runs() -> list[RunSummary]:
    return [r for r in list_runs() if r.state in ("queued", *ACTIVE)]


# ---------------------------------------------------------------------------------------------------------------
# Stop, resume, wait, delete
# ---------------------------------------------------------------------------------------------------------------


def stop(run_id: str) -> dict:
    """Ask a run to stop: a queued run leaves the queue; a running one saves a checkpoint and ends `interrupted`,
    with `stopped_by: "user"` (shown as "stopped — resumable", told apart from a process that died). Asked again
    while it is stopping, its processes are ended at once (SIGTERM), without the checkpoint of the step under way: it
    ends `interrupted`, stopped by the user all the same, and resumes from the checkpoint before (ftlib.run_resume)."""
    run = find(run_id)
    with locked(workspace.runs_dir() / _QUEUE_LOCK):
        status = run.read_status()
        state = status.get("state")
        if state is None and running_in(run):  # status.json unreadable, its process training: the stop file works
            run.request_stop()
            return status
        if state == "queued":
            return run.update_status(
                state="interrupted",
                stopped_by="user",
                ended=time.time(),
                message="Removed from the queue before it started. Resume puts it back in the queue.",
            )
        if state == "stopping" and alive(status.get("pid"), run):  # asked again: now, as a second Ctrl-C does
            # Recorded first: a process that dies of the signal without a word is settled as this stop (reconcile).
            run.update_status(stop_now=time.time())
            _end_session(status["pid"])
            where = run_resume.resume_words(run.last_checkpoint())
            return run.update_status(
                message="Stopping now: its processes were told to end without saving this step (a run waiting for "
                f"other machines, or stuck waiting on one, never reaches the end of a step); {where}."
            )
        if state in ACTIVE:
            run.request_stop()
            return run.update_status(state="stopping", message="Stopping: saving a checkpoint after this step.")
    if state is None:
        raise RunError(f"Run '{run_id}' has no readable status ({run.status_file.name}) and no process training it.")
    raise RunError(f"Run '{run_id}' is {state}; there is nothing to stop.")


def _end_session(pid: int) -> None:
    """SIGTERM to every process of the run's session (torchrun and its workers; the worker takes a SIGTERM after a
    stop request as "stop now")."""
    import signal

    try:
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass


def resume(run_id: str) -> dict:
    """Queue a stopped, killed or failed run again; it continues from its last checkpoint with optimizer state."""
    run = find(run_id)
    with locked(workspace.runs_dir() / _QUEUE_LOCK):
        _reconcile_unlocked()
        status = run.read_status()
        state = status.get("state")
        if state not in ("interrupted", "failed"):
            raise RunError(f"Run '{run_id}' is {state}; only interrupted or failed runs can be resumed.")
        refused = run_resume.refusal(run)  # asked now: a cause fixed since (a reward model back) refuses nothing
        if refused:
            raise RunError(refused)
        run.clear_stop()
        checkpoint = run.last_checkpoint()
        where = f"from {checkpoint.name}" if checkpoint else "from the beginning (no checkpoint yet)"
        # `started` is cleared too: the attempt that ended is already counted in `parts_s`.
        status = run.update_status(
            state="queued",
            resume=True,
            queued_at=time.time_ns(),
            started=None,
            ended=None,
            error=None,
            user_error=None,
            unusable_reward_models=None,
            log_tail=None,
            stopped_by=None,
            stop_now=None,
            message=f"Waiting to resume {where}.",
        )
    advance()
    return status


def wait(run_id: str, timeout: float | None = None, poll: float = 1.0, on_poll=None) -> RunSummary:
    """Block until the run is finished, failed or interrupted (or `timeout` seconds pass); return its summary."""
    run = find(run_id)
    deadline = None if timeout is None else time.time() + timeout
    while True:
        advance()
        info = run.summary()
        if on_poll is not None:
            on_poll(info)
        if info.state in DONE or (deadline is not None and time.time() > deadline):
            return info
        time.sleep(poll)


def delete(run_id: str) -> None:
    """Remove a run folder; refused while it is active (or a process trains it, whatever its status says), while a
    download of it is built (the run's export lock: the build would fail midway) or a GRPO run needs it."""
    run = find(run_id)
    status = run.read_status()
    if status.get("state") in ACTIVE or alive(status.get("pid"), run) or running_in(run):
        raise RunError(f"Run '{run_id}' is still running; stop it before deleting it.")
    if users := run_resume.reward_model_users(run.id):  # they would fail at their next reward
        them, end = ("it", "it ends") if len(users) == 1 else ("them", "they end")
        raise RunError(
            f"Reward model '{run_id}' scores the answers of the queued or running {numbered('run', users)}: "
            f"deleting it would fail {them}. Stop {them} first, or delete it once {end}."
        )
    try:
        with locked(run.export_lock, wait=False):
            shutil.rmtree(run.path)
    except BlockingIOError:
        raise RunError(
            f"A download of run '{run_id}' is being prepared now (its merged model or a zip, in another tab or a "
            "command): delete the run once it is ready."
        ) from None


__all__ = [
    "ACTIVE",
    "DONE",
    "QUEUED_MESSAGE",
    "STATES",
    "RunError",
    "active_runs",
    "advance",
    "after_exit",
    "create_run",
    "delete",
    "find",
    "get",
    "launch_command",
    "list_runs",
    "queue_place",
    "reconcile",
    "resume",
    "run_env",
    "stop",
    "submit",
    "wait",
]
