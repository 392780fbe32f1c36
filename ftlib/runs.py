"""The run queue: create runs, start them one per device, notice dead processes, stop, resume, wait, delete.

    run_id = submit(RunConfig(method="lora", dataset="chat_style"))   # queued, and started if its device is free
    for run in list_runs():                                  # RunSummary objects, training and queued first
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
FTLIB_* settings of the process that queued it (`RUN_ENV`, kept in its folder: ftlib.run_env): a run queued from a
shell with FTLIB_REWARD_FUNCTIONS set trains with those reward functions, also when the server starts it. A run's
folder is made whole before it is listed (ftlib.run_create); one whose files do not read is listed saying so, and
never stops the queue (ftlib.run_files). An account that may only read the workspace lists runs without changing
them (`refresh_runs`).

Not known here: what training does (training.py, worker.py), what a run folder holds (rundir.py), exports (export.py).
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from ftlib import distributed, run_data, run_people, run_phases, run_resume, sharing, stored_people, workspace
from ftlib.config import RunConfig
from ftlib.errors import UserError, numbered, plural
from ftlib.run_create import QUEUE_LOCK as _QUEUE_LOCK
from ftlib.run_create import QUEUED_MESSAGE, create_run, queued_status, remove_abandoned
from ftlib.run_env import RUN_ENV, recorded_env, run_env, worker_environ
from ftlib.run_files import file_size
from ftlib.run_processes import alive, crash_words, crashed, running_in
from ftlib.run_queue import conflict, place_in_line, slot
from ftlib.rundir import ACTIVE, DONE, STATES, UNWRITTEN_ENDS, RunDir, RunSummary, locked, run_folders

# What an account that may only read the workspace (or a teammate's run folder) meets when it writes there.
_NO_WRITE = (errno.EACCES, errno.EPERM, errno.EROFS)

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
    """Every run folder (one with a config.json), not a run being created (`create_run`'s hidden `.ID.partial`)."""
    return run_folders()


# ---------------------------------------------------------------------------------------------------------------
# Creating and starting
# ---------------------------------------------------------------------------------------------------------------


def submit(
    config: RunConfig | dict,
    estimated_memory: int | None = None,
    rows: tuple[list, list, dict] | None = None,
    by: run_people.Who | None = None,
    planned_steps: int | None = None,
) -> str:
    """Queue a run and start it if its device is free; return the run id (`estimated_memory`, `rows`, `by`,
    `planned_steps`: see `create_run`)."""
    run_id = create_run(config, estimated_memory, rows, by, planned_steps)
    advance()
    return run_id


def launch_command(run: RunDir, config: RunConfig | dict, child_env: dict[str, str] | None = None) -> list[str]:
    """The command that trains `run`: the worker, or torchrun running the worker once per process (DDP or FSDP, on
    this machine or as one of several: see ftlib.distributed.launcher), under ftlib.run_watch, which settles the run
    and advances the queue once they end, however they end. `child_env`: settings for the training command alone
    (`KEY=VALUE` before run_watch's `--`), kept out of run_watch's own environment, which starts the next run."""
    watched = [sys.executable, *distributed.launcher(config), "-m", "ftlib.worker", str(run.path)]
    settings = [f"{key}={value}" for key, value in sorted((child_env or {}).items())]
    return [sys.executable, "-m", "ftlib.run_watch", str(run.path), *settings, "--", *watched]


def _launch(run: RunDir) -> None:
    config = run.read_config()
    # Written before the process exists, so no other caller can launch this run twice. `log_start`: where this
    # attempt's lines begin in train.log, which every attempt appends to: a dead process is judged by its own lines.
    run.update_status(
        state="running",
        phase=run_phases.STARTING,
        started=time.time(),
        pid=None,
        message=distributed.starting_message(config),
        ended=None,
        log_start=file_size(run.log_file),
    )
    env = worker_environ()  # not the server's password
    env.update(recorded_env(run))  # the settings of the process that queued it, not of the one starting it now
    env["FTLIB_WORKSPACE"] = str(workspace.workspace_dir())
    # Unbuffered, and in UTF-8 as train.log is read: under a C or Latin-1 locale a non-ASCII data path failed the run
    env.update(PYTHONUNBUFFERED="1", PYTHONUTF8="1", PYTHONIOENCODING="utf-8:backslashreplace")
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    sharing.process_env(env)  # issue 17: FTLIB_THREADS, and passive OpenMP waits only with the lease off
    # Several processes on the CPU split its threads; one process on a GPU sees that GPU alone. For the training
    # command only: run_watch starts the next queued run from its own environment (a 2-GPU run started by the watcher
    # of a run on cuda:1 saw GPU 1 alone, and a one-process run after a 2-process CPU run got half the threads).
    run_only = distributed.one_gpu(config, distributed.cpu_threads(config, dict(env)))
    run_only = {key: value for key, value in run_only.items() if env.get(key) != value}
    with open(run.log_file, "ab") as log:
        # A new session: the run outlives the browser tab, the Streamlit server and the CLI that started it.
        # cwd: the folder holding ftlib, so the worker imports the same code as this process.
        proc = subprocess.Popen(
            launch_command(run, config, child_env=run_only),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=str(Path(__file__).resolve().parents[1]),
        )
    _CHILDREN[proc.pid] = proc
    run.update_status(pid=proc.pid)


def advance(unsettled: list[tuple[str, OSError]] | None = None) -> list[str]:
    """Start the oldest queued run on every free device; return the ids started. `unsettled` (when given) gets (run
    id, error) for each run whose process has ended but whose folder this account may not write."""
    return _advance(unsettled=unsettled)


def after_exit(run_dir: Path) -> list[str]:
    """What a run's launch process (ftlib.run_watch) does once the training command it started has ended: settle the
    run as `reconcile` does (interrupted or failed, unless the worker wrote its own end), not counting that process
    itself as the run's, then start what the queue holds; return the ids started."""
    return _advance(exited=(Path(run_dir).resolve(), os.getpid()))


def _advance(exited: tuple[Path, int] | None = None, unsettled: list[tuple[str, OSError]] | None = None) -> list[str]:
    """`unsettled` (when given) gets each run whose process has ended but whose status this account may not write."""
    started = []
    with locked(workspace.runs_dir() / _QUEUE_LOCK):
        remove_abandoned(workspace.runs_dir())  # what a `train` killed while it created its run left
        _reconcile_unlocked(exited, unsettled)
        statuses = [(run, run.read_status()) for run in _all()]
        busy = [slot(s) for _, s in statuses if s.get("state") in ACTIVE]
        queued = sorted((s.get("queued_at", 0), run.id, run, s) for run, s in statuses if s.get("state") == "queued")
        for _, run_id, run, status in queued:
            if any(conflict(slot(status), other) for other in busy):
                continue
            try:
                _launch(run)
            except PermissionError:  # another OS account's run this one may not write: left for its owner's queue
                continue
            busy.append(slot(status))
            started.append(run_id)
    return started


# ---------------------------------------------------------------------------------------------------------------
# Noticing dead processes
# ---------------------------------------------------------------------------------------------------------------


def _reap() -> None:
    for pid, proc in list(_CHILDREN.items()):
        if proc.poll() is not None:
            del _CHILDREN[pid]


def _reconcile_unlocked(
    exited: tuple[Path, int] | None = None, unsettled: list[tuple[str, OSError]] | None = None
) -> None:
    """`exited`: (run folder, pid) of a launch process whose command has ended (`after_exit`): that process is alive,
    asking, but the run lives on only if other processes of its session do. `unsettled` (when given) gets (run id,
    error) for each ended run this account may not mark as ended (a teammate's run folder it may only read)."""
    _reap()
    for run in _all():
        UNWRITTEN_ENDS.pop(str(run.path), None)  # noted again below while its end still cannot be written
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
        # torchrun's failure report runs to some 25 lines after the exception. Only this attempt's lines: a resumed
        # run killed while loading read as the attempt before's crash ("The training process crashed: ...").
        tail = run.log_tail(40, since=status.get("log_start"))
        checkpoint = run.last_checkpoint()
        failed = crashed(tail)
        # What a resume does from there: continue from the checkpoint, start over, or, from one saved where training
        # had ended (a process killed writing its result), only write the result (`run_resume.resume_words`).
        said = run_resume.resume_words(checkpoint)
        where = f"{said[0].upper()}{said[1:]}."
        stopped_now = bool(status.get("stop_now"))  # a second stop ended it, before it could say so itself
        if stopped_now:
            state, message = "interrupted", run_resume.stopped_now_message(run.summary().step, checkpoint)
        elif failed:
            state, message = "failed", f"The training process crashed: {crash_words(tail)} {where}"
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
        except OSError as exc:  # a folder this account may only read: said (`refresh_runs`), the run shown as it reads
            if unsettled is not None and exc.errno in _NO_WRITE:
                unsettled.append((run.id, exc))
            elif exc.errno not in _NO_WRITE:  # a full disk (what may have ended the run): shown ended, said so (a
                # cold review: `running 40/60` with no process, and `train` following it until Ctrl-C)
                UNWRITTEN_ENDS[str(run.path)] = _ended_unwritten(state, message, exc)


def _ended_unwritten(state: str, message: str, exc: OSError) -> dict:
    """The end `RunDir.summary` shows of a run whose process has ended where its status.json could not be written."""
    full = workspace.is_disk_full(exc)
    why = "The disk is full" if full else f"Its status.json could not be written ({exc.strerror or exc})"
    fix = f"free space on the workspace's disk ({workspace.workspace_dir()})" if full else "fix that"
    message += f" {why}, so this is not recorded in its folder yet: {fix} before resuming it."
    return {"state": state, "phase": "", "message": message, "error": message if state == "failed" else None}


def reconcile() -> None:
    """Mark runs whose process died as failed/interrupted (with their last log lines)."""
    with locked(workspace.runs_dir() / _QUEUE_LOCK):
        _reconcile_unlocked()


# ---------------------------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------------------------


def list_runs(refresh: bool = True, notes: list[str] | None = None) -> list[RunSummary]:
    """Every run: those training first, then those queued in the order they will start, then the rest newest first
    (`in_line_order`). With `refresh`, dead processes are noticed and the queue advances first; where this account
    may only read the workspace, the runs are listed as their files say, and `notes` (when given) gets the sentence
    saying so."""
    note = refresh_runs() if refresh else ""
    if note and notes is not None:
        notes.append(note)
    return in_line_order([run.summary() for run in _all()])


def in_line_order(infos: list[RunSummary]) -> list[RunSummary]:
    """`infos` as the runs table and `runs list` show them: running (or stopping) runs first, newest first; then
    queued runs in the order the queue starts them (`queued_at`, then id, as `advance` does), so a resumed run 4th in
    line does not sit among finished runs by its creation time; then every other run, newest first.

    >>> from types import SimpleNamespace as S
    >>> rows = [S(id="a", state="finished", created=3, queued_at=3), S(id="b", state="queued", created=1, queued_at=9),
    ...         S(id="c", state="queued", created=2, queued_at=5), S(id="d", state="running", created=0, queued_at=0)]
    >>> [r.id for r in in_line_order(rows)]
    ['d', 'c', 'b', 'a']
    """
    newest_first = sorted(infos, key=lambda r: r.created or 0, reverse=True)
    active = [r for r in newest_first if r.state in ACTIVE]
    queued = sorted((r for r in infos if r.state == "queued"), key=lambda r: (r.queued_at or 0, r.id))
    return active + queued + [r for r in newest_first if r.state not in (*ACTIVE, "queued")]


def refresh_runs() -> str:
    """Notice dead processes and advance the queue (`advance`); "" when done. An account that may only read the
    workspace (README: "Without write access an account still lists and reads them") changes nothing: the returned
    sentence says the states shown may be out of date."""
    unsettled: list[tuple[str, OSError]] = []
    try:
        advance(unsettled=unsettled)
    except OSError as exc:
        if exc.errno not in _NO_WRITE:
            raise
        return (
            f"This account may not write the workspace ({exc.strerror or exc}: {exc.filename or workspace.runs_dir()}"
            "): the runs are shown as their files say, without noticing a run whose process has ended, so a state "
            "may be out of date."
        )
    if unsettled:
        ids = ", ".join(f"'{run_id}'" for run_id, _ in unsettled)
        exc = unsettled[0][1]
        return (
            f"The process of {plural(len(unsettled), 'run')} {ids} has ended, but this account may not write "
            f"{'its' if len(unsettled) == 1 else 'their'} folder ({exc.strerror or exc}: {exc.filename}): "
            f"{'it is' if len(unsettled) == 1 else 'they are'} shown as {'its' if len(unsettled) == 1 else 'their'} "
            "files say until an account that may write there lists the runs."
        )
    return ""


def runs_changed_key() -> tuple[tuple[str, int, int], ...]:
    """Each run folder's name with its status.json's modification time in ns and inode (0, 0 where it has none): it
    changes when a run is created, deleted, started, stopped, resumed or ends, wherever that was done (another tab, a
    teammate, the CLI). Stats only, no file read: cheap for a page that shows no live run to look every few seconds."""

    def stamp(path: Path) -> tuple[int, int]:
        try:
            found = path.stat()
        except OSError:
            return 0, 0
        # The inode too: status.json is written anew and renamed into place, and two writes within one tick of the
        # file system's clock can share a modification time, never an inode.
        return found.st_mtime_ns, found.st_ino

    return tuple((run.path.name, *stamp(run.status_file)) for run in _all())


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


def queue_place(run_id: str, named: int = 3) -> str:
    """Where a queued run is in its device's line and behind what; "" for a run not queued
    (`ftlib.run_queue.place_in_line`). RunError when there is no such run."""
    return place_in_line(find(run_id), named)


# ---------------------------------------------------------------------------------------------------------------
# Stop, resume, wait, delete
# ---------------------------------------------------------------------------------------------------------------


def stop(run_id: str, by: run_people.Who | None = None) -> dict:
    """Ask a run to stop: a queued run leaves the queue; a running one saves a checkpoint and ends `interrupted`,
    with `stopped_by: "user"` (shown as "stopped — resumable", told apart from a process that died). Asked again
    while it is stopping, its processes are ended at once (SIGTERM; SIGKILL `run_watch.GRACE` s later to any left), not
    saving the step under way: it ends `interrupted`, stopped by the user all the same, resumable (ftlib.run_resume).
    `by`: who asked, where known (ftlib.run_people), in the run's who.json once done."""
    with locked(workspace.runs_dir() / _QUEUE_LOCK):
        run = find(run_id)  # under the lock: a Delete that took it first leaves no run to read
        status = run.read_status()
        state = status.get("state")
        if state is None and running_in(run):  # status.json unreadable, its process training: the stop file works
            run.request_stop()
            run_people.record(run.path, "stop", by)
            return status
        if state == "queued":
            run_people.record(run.path, "remove", by)  # first: the update below is unconditional (the queue is locked)
            return run.update_status(
                state="interrupted",
                stopped_by="user",
                ended=time.time(),
                message="Removed from the queue before it started. Resume puts it back in the queue.",
            )
        if state == "stopping" and alive(status.get("pid"), run):  # asked again: now, as a second Ctrl-C does
            # Recorded before the signal: a process that dies of it without a word is settled as this stop
            # (reconcile), and a worker that ends at once writes its own last message after this one, not before.
            where = run_resume.resume_words(run.last_checkpoint())
            said = run.update_status(
                stop_now=time.time(),
                message="Stopping now: its processes were told to end without saving this step; any not ended soon "
                f"after (one waiting for another machine cannot end by itself) are killed; {where}.",
            )
            _end_session(status["pid"])
            run_people.record(run.path, "stop", by)
            return said
        if state in ACTIVE:
            run.request_stop()
            said = run.update_status_while(
                ACTIVE, state="stopping", message="Stopping: saving a checkpoint after this step."
            )
            if said is not None:
                run_people.record(run.path, "stop", by)
                return said
            # It ended between the read above and the request (finished after its last step): a finished run must
            # not read "stopping", nor keep a STOP file that nothing will ever see.
            run.clear_stop()
            status = run.read_status()
            state = status.get("state")
    if state is None:
        raise RunError(
            f"Run '{run_id}' has no readable status ({run.status_file.name}) and no process training it: there is "
            f"nothing to stop. Resume it or delete it (`python -m ftlib runs resume|delete {run_id}`)."
        )
    raise RunError(f"Run '{run_id}' is {run.summary().state_text}; there is nothing to stop.")  # as runs list says


def _end_session(pid: int) -> None:
    """SIGTERM to every process of the run's session (torchrun passes it on to its workers; the worker takes a SIGTERM
    after a stop request as "stop now"); what is left `run_watch.GRACE` s later, the run's run_watch kills."""
    import signal

    try:
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass


def resume(run_id: str, by: run_people.Who | None = None) -> dict:
    """Queue a stopped, killed or failed run again; it continues from its last checkpoint with optimizer state. A run
    whose status.json is missing or does not read resumes as a killed one would, from its config. `by`: who asked,
    where known (ftlib.run_people), in the run's who.json."""
    with locked(workspace.runs_dir() / _QUEUE_LOCK):
        run = find(run_id)  # under the lock: a Delete that took it first leaves no run to read
        _reconcile_unlocked()
        status, problem = run.checked_status()
        state = status.get("state")
        if not run.read_config():  # config.json does not read: the run's settings are lost
            raise RunError(f"Run '{run_id}' cannot resume: {run.summary().message}")
        lost = _lost_status(run, problem) if problem else {}
        if ended := UNWRITTEN_ENDS.get(str(run.path)):  # its end could not be written: nor could this resume
            raise RunError(f"Run '{run_id}' cannot resume yet: {ended['message']}")
        # A finished run whose result does not read whole, from a checkpoint where its training ended: written again.
        rewrite = state == "finished" and not problem and run.summary().resumable
        if not problem and state == "stopping":  # it will be resumable once its checkpoint is saved
            raise RunError(
                f"Run '{run_id}' is stopping: it is saving a checkpoint after its current step. Wait a few seconds "
                "for it to end as stopped, then resume it."
            )
        if not problem and state not in ("interrupted", "failed") and not rewrite:
            raise RunError(f"Run '{run_id}' is {state}; only stopped, interrupted or failed runs can be resumed.")
        refused = run_resume.refusal(run)  # asked now: a cause fixed since (a reward model back) refuses nothing
        if refused:
            raise RunError(refused)
        run.clear_stop()
        checkpoint = run.last_checkpoint()
        where = f"resume from {checkpoint.name}" if checkpoint else "resume from the beginning (no checkpoint yet)"
        where = f"write its result again from {checkpoint.name} (no step is trained)" if rewrite else where
        summary = run.summary()
        # Stopped while still queued: it waits for its turn, as a new run does (not "to resume from the beginning").
        never_started = not lost and checkpoint is None and not summary.step and not summary.parts_s
        # `started` is cleared too: the attempt that ended is already counted in `parts_s`.
        status = run.update_status(
            **lost,
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
            message=QUEUED_MESSAGE if never_started else f"Waiting to {where}.",
        )
        run_people.record(run.path, "resume", by)
    advance()
    return status


def _lost_status(run: RunDir, problem: str) -> dict:
    """What a resume writes beside its own fields for a run whose status.json is missing or damaged: a new one from
    its config, as if its process had died (RunError while a process trains it)."""
    if running_in(run):
        raise RunError(
            f"Run '{run.id}': {run.status_file.name} {problem}, and a process is training it: stop it first "
            f"(`python -m ftlib runs stop {run.id}`), then resume it."
        )
    created = run.config_file.stat().st_mtime  # when it was queued, near enough
    status = queued_status(run.id, run.config(), workspace.kept_split(run.path) is not None, created=created)
    return {k: v for k, v in status.items() if k not in ("state", "queued_at", "message")}


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


def delete(run_id: str, by: run_people.Who | None = None) -> None:
    """Remove a run folder; refused while it is active (or a process trains it, whatever its status says), while a
    download of it is built (the run's export lock: the build would fail midway) or a GRPO run needs it. Decided and
    done under the queue's lock: a queue moved meanwhile (another tab, a run ending) started the queued run the delete
    then removed, under its just-launched process. Found under it too: a second Delete of it says it is gone. `by`:
    who deleted it, where known, in the workspace's removals log (its who.json goes with it: ftlib.stored_people)."""
    with locked(workspace.runs_dir() / _QUEUE_LOCK):
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
            with locked(run.export_lock, wait=False, make_parent=False):
                for left in (2, 1, 0):  # what a writer put there meanwhile (an evaluation's result) goes too
                    try:
                        shutil.rmtree(run.path)
                        break
                    except OSError as exc:
                        if not run.path.exists():
                            break
                        if not left or exc.errno not in (errno.ENOTEMPTY, errno.ENOENT):
                            raise
        except BlockingIOError:
            raise RunError(
                f"A download of run '{run_id}' is being prepared now (its merged model or a zip, in another tab or a "
                "command): delete the run once it is ready."
            ) from None
        stored_people.record_removal("run", run.id, by)  # only once it is gone: a refusal above records nothing


__all__ = [
    "ACTIVE",
    "DONE",
    "QUEUED_MESSAGE",
    "RUN_ENV",
    "STATES",
    "RunError",
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
    "recorded_env",
    "refresh_runs",
    "resume",
    "run_env",
    "runs_changed_key",
    "stop",
    "submit",
    "wait",
]
