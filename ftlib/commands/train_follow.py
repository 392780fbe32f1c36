"""How `train` (and `runs resume --wait`) follows a queued run to its end: its progress lines printed as the run
writes them (`follow`; Ctrl-C or a SIGTERM asks for a graceful stop, `Terminated`, a second one leaves the run
stopping on its own), and how it ended said (`said_end`: its state and scores, a failure's `error:` line, the
warnings the Train page gives of its curves, `quality_warnings`) with its exit code (`exit_code`).
"""

from __future__ import annotations

import contextlib
import re
import signal
import sys
import threading
import time

EXIT_CODES = {"finished": 0, "failed": 1, "interrupted": 3}  # 2: refused before launch (every command's user error)
EXIT_CODES_SAID = (
    "Exit code: 0 finished, 1 failed, 2 refused before launch (or the run deleted before its end was said), 3 "
    "interrupted (stopped, resumable), 130 (143 for a SIGTERM) left before the run ended: Ctrl-C as it was queued "
    "(the run goes on; `runs stop ID` stops it) or a second Ctrl-C (it stops, not followed)."
)


def exit_code(state: str) -> int:
    """The exit code of a followed run that ended in `state` (`train`, `runs resume --wait`): EXIT_CODES, 1 else."""
    return EXIT_CODES.get(state, 1)


class Terminated(KeyboardInterrupt):
    """A SIGTERM to a command following a run (`timeout 600 python -m ftlib train ...`, a job scheduler's end, `kill`):
    taken as Ctrl-C is. Left to its default, the command ended (exit 143) without a word while its run, in a session
    of its own, trained on in the background (cold review t5): whoever sends SIGTERM to `train` means the training to
    end, so the run stops as at Ctrl-C, saving a checkpoint that `runs resume` continues from."""


@contextlib.contextmanager
def sigterm_as_ctrl_c():
    """Within it, SIGTERM raises `Terminated` (in the main thread; elsewhere a signal cannot be handled)."""

    def terminated(signum, frame):  # noqa: ARG001
        raise Terminated()

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _followed(line: str) -> bool:
    """Whether `follow` prints a log line: the run's own progress lines and errors, not library noise nor a
    traceback's lines (its bare "Traceback (most recent call last):" said nothing; its exception line is said)."""
    return line.startswith("[") or ("Error" in line and not line[:1].isspace())


# A traceback's last line, naming the exception: "RuntimeError: ...", "safetensors_rust.SafetensorError: ...".
_EXCEPTION_LINE = re.compile(r"^(?=[A-Za-z_])[\w.]*(Error|Exception|Interrupt)\b.*")


def _exception_line(tail: list[str], message: str) -> str | None:
    """The exception a failed run's log ends with, where following it did not print it and its message does not
    say it already; None otherwise. The rest of the traceback is in `runs show` and train.log."""
    named = [line.strip() for line in tail if _EXCEPTION_LINE.match(line.strip())]
    if not named or _followed(named[-1]) or named[-1].split(":", 1)[-1].strip() in message:
        return None
    return named[-1]


def follow(run_id: str, out=None, poll: float = 1.0, offset: int = 0, leave: bool = False):
    """Print the run's log lines from byte `offset` (a resume: where the earlier attempts' end) until it ends; Ctrl-C
    or SIGTERM asks for a graceful stop (`Terminated`), a second one leaves the run stopping on its own. With `leave`
    (`runs follow`, a watcher of a run it may not have started) Ctrl-C leaves the run going and says so. Returns its
    RunSummary. `out`: where to print (sys.stdout as it is at the call, not at import)."""
    with sigterm_as_ctrl_c():
        return _follow(run_id, out or sys.stdout, poll, offset, leave)


def _follow(run_id: str, out, poll: float, offset: int, leave: bool = False):
    from ftlib import runs
    from ftlib.run_people import cli_user, warnings_to

    run = runs.find(run_id)
    stopping, last_state, info = False, None, None
    while True:
        try:
            try:
                looked = runs.wait(run_id, timeout=0)
            except runs.RunError:  # its folder gone: deleted (a queued run may be) while it was followed
                still_there(run_id, info)
                raise
            if not run.exists():  # gone as it was read (its summary's state "unknown"): said with the last look
                still_there(run_id, info)
            info = looked
            # The log is read after the state: what the run wrote before it ended is all there, and printed before
            # the state line, so "finished" comes after the last step's lines.
            chunk = ""
            with contextlib.suppress(FileNotFoundError):  # deleted meanwhile: the next look says so (`still_there`)
                with open(run.log_file, encoding="utf-8", errors="replace") as handle:
                    handle.seek(offset)
                    chunk = handle.read()
                    offset = handle.tell()
            for line in chunk.splitlines():
                if _followed(line):
                    print(line, file=out, flush=True)  # our progress lines and errors, not library noise
            if info.state != last_state:
                print(f"[{run_id}] {_state_line(info)}", file=out, flush=True)
                last_state = info.state
            if info.state in runs.DONE:
                return info
            time.sleep(poll)
        except KeyboardInterrupt as exc:
            how = "SIGTERM" if isinstance(exc, Terminated) else "Ctrl-C"
            if leave:  # only watching: a teammate's run must not stop because its watcher quit
                print(
                    f"[{run_id}] {how}: no longer followed; the run goes on (`python -m ftlib runs follow {run_id}` "
                    f"follows it again, `runs stop {run_id}` stops it)",
                    file=out,
                    flush=True,
                )
                exc.said_for = run_id
                raise
            if stopping:
                print(
                    f"[{run_id}] {how} again: no longer followed; the run ends once its checkpoint is saved "
                    f"(`python -m ftlib runs show {run_id}`; `runs stop {run_id}` stops it at once)",
                    file=out,
                    flush=True,
                )
                exc.said_for = run_id  # said: `train` says no more of it
                raise
            stopping = True
            try:
                with warnings_to(sys.stderr):  # Ctrl-C: this account, from the command line
                    status = runs.stop(run_id, by=cli_user())
            except runs.RunError:
                continue  # it ended meanwhile: the next look says how
            if status.get("state") != "interrupted":  # a queued run left the queue: its state line says so next
                said = f"stopping on {how} (saving a checkpoint); {how} again to leave it running"
                print(f"[{run_id}] {said}", file=out, flush=True)


def left_words(run_id: str, how: str, when: str = "before it was followed") -> str:
    """What `train` (and `runs resume`: `left_said`) says of a run it queued where Ctrl-C or a SIGTERM (`how`) came
    before following it took over (as the queue started it, as its first line was printed), or `when` else: its id,
    its state and how to reach it. It left the command without a word, the run queued or training on (a CLI walk)."""
    from ftlib import runs

    try:
        info = runs.find(run_id).summary()
        state, going = _state_said(info), info.state in (*runs.ACTIVE, "queued")
    except Exception:  # noqa: BLE001 (said all the same: the id is what matters)
        state, going = "queued", True
    return (
        f"[{run_id}] {how} {when}: the run is {state}"
        + (" and goes on without this command" if going else "")
        + f" (`python -m ftlib runs show {run_id}` says how far it is, `runs log {run_id}` its last lines"
        + (f"; `runs follow {run_id}` follows it again, `runs stop {run_id}` stops it)" if going else ")")
    )


@contextlib.contextmanager
def left_said(run_id: str, when: str = "before it was followed", out=None):
    """Within it, a Ctrl-C or a SIGTERM (taken as Ctrl-C) that comes once the run is queued again (its status.json's
    `queued_at` is no longer the one it had on entering: `runs resume` took effect, as the queue started it) says
    `left_words` on `out` (stdout) before it leaves the command (130 or 143); one that comes before says nothing more,
    the run left as it was. Following's own second-press words (`said_for`) are not repeated. `runs resume` left with
    "interrupted" alone, its run queued or training on."""
    before = _queued_at(run_id)
    try:
        with sigterm_as_ctrl_c():
            yield
    except KeyboardInterrupt as exc:
        if getattr(exc, "said_for", None) != run_id and _queued_at(run_id) != before:
            how = "SIGTERM" if isinstance(exc, Terminated) else "Ctrl-C"
            print(left_words(run_id, how, when), file=out or sys.stdout, flush=True)
        raise


def _queued_at(run_id: str):
    """When the run was last queued (status.json's `queued_at`), None where it does not say or the run is gone."""
    from ftlib import runs

    try:
        return runs.find(run_id).read_status().get("queued_at")
    except (runs.RunError, OSError):
        return None


def _state_said(info) -> str:
    """A followed run's state in its lines: "stopped" for one the person stopped (Ctrl-C, `runs stop`), as `runs list`
    and the Train page say it; its stored state, `interrupted`, read as a crash (a cold review)."""
    return "stopped" if getattr(info, "stopped_by_user", False) else info.state


def _state_line(info) -> str:
    """A followed run's state and its message (`state_line`), as the Train page says it once.

    >>> from types import SimpleNamespace as Info
    >>> _state_line(Info(state="running", phase="starting", message="Starting."))
    'running'
    >>> _state_line(Info(state="queued", phase="", message="Queued: next in line; it starts as soon as ..."))
    'queued: next in line; it starts as soon as ...'
    >>> _state_line(Info(state="finished", phase="", message="Finished. The saved result is the best checkpoint"))
    'finished: Finished. The saved result is the best checkpoint'
    """
    return state_line(_state_said(info), info.message, info.state, getattr(info, "phase", "") or "")


def state_line(said: str, message: str | None, state: str = "", phase: str = "") -> str:
    """A run's state as said (`said`: "queued", "stopped — resumable") joined to its message with a colon, the one
    way `train`, `runs stop` and `runs resume` say it (they joined with " - " and ": " before, a walk): the message
    left off where it only says the state or the phase again ("running", not "running: Starting."), its own
    leading "Queued:" dropped ("queued: next in line ...", not "queued: Queued: next in line ...").

    >>> state_line("stopped — resumable", "Removed from the queue.", "interrupted")
    'stopped — resumable: Removed from the queue.'
    >>> state_line("queued", "Queued: 2nd in line, after 20261130-1", "queued")
    'queued: 2nd in line, after 20261130-1'
    >>> state_line("finished", "")
    'finished'
    """
    bare = (message or "").strip().rstrip(".").strip().lower()
    again = not bare or bare in {said.lower(), state.lower(), phase.strip().lower()}
    if again:
        return said
    message = message.strip()
    for word in dict.fromkeys((said, state, said.split(" — ")[0])):  # the queue's "Queued: 2nd in line, after ..."
        if word and message.lower().startswith(f"{word.lower()}:"):
            message = message[len(word) + 1 :].strip()
            break
    return f"{said}: {message}"


def still_there(run_id: str, info=None):
    """The run's folder (`runs.find`), or, where it is gone, RunError saying the run was deleted (by whom, where the
    workspace's removals log names them) before it ended or, for `info` of an ended run, as it ended: `runs.find`'s
    "There is no run 'X'" was said of a run the command had just been following (h237).

    `info`: its last RunSummary read (None: none yet), whose state and steps are said."""
    from ftlib import runs
    from ftlib.stored_people import removed_by

    try:
        return runs.find(run_id)
    except runs.RunError:
        pass
    state = _state_said(info) if info is not None else ""
    if info is not None and info.state in runs.DONE:
        when = f"as it ended ({state}, step {info.step}/{info.max_steps}): its result went with it"
    else:
        when = f"before it ended{f' ({state})' if state else ''}: nothing of it is left to follow"
    by = removed_by("run", run_id)  # " by bob (command line)", or "" (by hand, or nobody known)
    raise runs.RunError(f"Run '{run_id}' was deleted{by} {when}. `python -m ftlib runs list` shows the runs left.")


def said_end(run_id: str, info, json_out: bool = False) -> int:
    """Print how a followed run ended (`train`, `runs resume --wait`): a line of its state and scores (not with
    --json), and a failure's `error:` line; returns its exit code (`exit_code`). A run deleted as it ended (its
    folder gone) is said so instead, a RunError (`still_there`): exit 2, its result gone."""
    from ftlib.run_summary import held_out_rewards_said

    run = still_there(run_id, info)
    if not json_out:
        # What the run is judged by: GRPO's mean reward (its loss is a surrogate near 0), a reward model's accuracy.
        scores = f", last {info.train_text}" if info.train_score is not None else ""
        if info.eval_score is not None:  # DPO's reward accuracy or KTO's rewards beside the loss, as `runs show` says
            scores += f", held-out {info.eval_text}{held_out_rewards_said(run.read_metrics())}"
        print(
            f"[{run_id}] {_state_said(info)} after {info.duration_s:.0f}s, step {info.step}/{info.max_steps}{scores}"
        )
        for warning in quality_warnings(run_id, info):  # a diverged or memorising run, as the Train page says it
            print(warning, file=sys.stderr)
    if info.state == "failed":
        print(f"error: {info.message}", file=sys.stderr)
        # At most the exception the log ends with, not what following printed already (a cold review: each 3 times)
        # nor the library's traceback (16 lines of it under the `error:` line, another review).
        if not json_out and (last := _exception_line(info.log_tail or [], info.message)):
            print(f"  | {last}", file=sys.stderr)
    return exit_code(info.state)


def quality_warnings(run_id: str, summary) -> list[str]:
    """What the Train page warns of a run's curves, as `warning:` lines for `runs show` and the end of `train` (`runs
    resume --wait`): its training loss ended well above where it started (`summary.divergence`, judged once it has
    ended), or its held-out loss turned while the training loss still fell (`overfitting.memorising_from`; not for
    GRPO, whose held-out loss is its surrogate's). [] for neither."""
    from ftlib import runs
    from ftlib.overfitting import NO_LOSS_TREND, memorising_from

    said = []
    if (diverged := getattr(summary, "divergence", None)) is not None:
        text = diverged.sentence()
        said.append(
            f"warning: {text[0].upper()}{text[1:]} (`--learning-rate`). This run's result is likely worse than the "
            "model it started from."
        )
    try:
        run = runs.find(run_id)
    except runs.RunError:  # deleted as it ended: nothing more to say of it
        return said
    if run.read_config().get("method") not in NO_LOSS_TREND and (turn := memorising_from(run.read_metrics())):
        said.append(
            f"warning: {turn.sentence()} More steps would make it worse on new text: `--early-stopping-patience N` "
            "stops there and keeps the best checkpoint as the result."
        )
    return said
