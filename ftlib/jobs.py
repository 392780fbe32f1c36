"""A daemon-thread job for pages that must not block: error capture, cancel, wait, and waiting for the device.

Subclasses implement `work()`; the thread never touches any UI. Readers poll `done`, `error`, `waiting` and
whatever the subclass collects, and call `cancel()` to ask `work()` to stop at its next check of `cancelled`.
A job given a `device` does its work holding that device's lease (`ftlib.lease`): while it waits in line for it,
`waiting` says why and its position ("" otherwise); a job cancelled while it waits just ends.

`on_start(hook)`: `hook(job)` is called in the thread that starts each job, so whoever started it can be noted (the
UI notes the browser session, `ui.job_owner`, and `ftlib.job_owners` cancels the job once that session has ended).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import traceback

from ftlib import lease
from ftlib.errors import UserError, user_message

_start_hooks: list = []  # callables given each job as it starts (`on_start`)


def on_start(hook) -> None:
    """From now on call `hook(job)` in the thread that starts each `BackgroundJob`, before its work begins; the same
    hook given twice is called once. A hook that raises is logged and the job starts all the same."""
    if hook not in _start_hooks:
        _start_hooks.append(hook)


class BackgroundJob:
    """A job whose `work()` runs in a daemon thread (`start`): a failure is kept as `error` (in the user's words) and,
    for a bug, `traceback`; `done` once it ended, however it ended. See the module's docstring."""

    thread_name = "ftlib-job"
    kind = "work"  # what waiters for the device read: "generation", "evaluation"
    # True for a job that keeps its result in a run's folder (eval_results' Kept*Job): a reload or a teammate reads it
    # there, so it is worth finishing after the tab that started it closed, and the owner watch leaves it alone.
    outlives_its_tab = False

    def __init__(self, label: str = "", device: str | None = None) -> None:
        self.label = label  # how waiters for the device name this job ("a Compare grid")
        self.device = device  # whose lease work() holds (None: none)
        self.error: str | None = None
        self.traceback: str | None = None  # set when the failure was a bug, not the user's to fix
        self.done = False
        self.cancelled = False
        self.cancelled_why = ""  # why it was cancelled when not by a person's Stop ("the browser session ... ended")
        self.waiting = ""  # while waiting for the device: why, and the position in line
        self.began: float | None = None  # time.monotonic() when work() began, the device held
        # Seconds of the time since `began` spent back in line for the device, its turns handed to a training run or
        # another session (`lease.Hold.waited_s` less the first wait): a pace of ended_at - began - waited_s is the
        # work's own, not a teammate's run's.
        self.waited_s = 0.0
        self._held, self._first_wait = None, 0.0  # the lease held while work() runs, and its wait before it began
        self.ended_at: float | None = None  # time.monotonic() when it ended, however it ended
        self._thread: threading.Thread | None = None

    def work(self) -> None:
        """The job itself, run once in the thread (holding `device`'s lease when one is given); subclasses implement
        it and check `cancelled` at safe points. NotImplementedError here."""
        raise NotImplementedError

    def start(self):
        """Start `work()` in a new daemon thread named `thread_name`, after the `on_start` hooks; returns self
        (`job = SomeJob(...).start()`)."""
        for hook in list(_start_hooks):
            try:
                hook(self)
            except Exception:  # noqa: BLE001 (noting the owner must never stop the job itself)
                logging.getLogger("ftlib").warning("a job's start hook %r failed", hook, exc_info=True)
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            with self.hold_device(self.device) if self.device else contextlib.nullcontext() as held:
                self.began = time.monotonic()
                self._held, self._first_wait = held, getattr(held, "waited_s", 0.0)
                try:
                    self.work()
                finally:
                    self.waited_s = self.waited()
        except lease.Cancelled:  # cancelled while it waited for the device: nothing went wrong
            self.cancelled = True
        except Exception as exc:  # shown to the user by whoever polls; a thread must not die silently
            self.error = user_message(exc)
            if not isinstance(exc, UserError):  # a bug: keep where it happened for "details for engineers"
                self.traceback = traceback.format_exc()
        finally:
            self.waiting = ""
            self.ended_at = time.monotonic()
            self.done = True

    def busy_s(self) -> float:
        """Seconds of the job's own work: from `began` to its end (now while it runs) less `waited()`; 0 before it
        began. Evaluate's pace per row is this over the rows (a teammate's training steps are not in it)."""
        if self.began is None:
            return 0.0
        return max(0.0, (self.ended_at or time.monotonic()) - self.began - self.waited())

    def waited(self) -> float:
        """Seconds since `began` spent back in line for the device so far (`waited_s` once it ended; a wait under way
        too, `lease.Hold.waiting_since`): a pace or a rate over the time since `began` less this is the work's own.
        Counted once that wait ended, a grid back in line behind a training run said its time left grew with every
        second it waited (helper 218's review of 3dba6527)."""
        held = self._held
        if held is None or self.ended_at is not None:  # ended: what it kept as it ended
            return self.waited_s
        since = getattr(held, "waiting_since", None)
        under_way = time.monotonic() - since if since is not None else 0.0
        return max(0.0, getattr(held, "waited_s", 0.0) + under_way - self._first_wait)

    def waited_in_all(self) -> float:
        """Seconds in line for the device in all so far: the wait before `began` (its first turn) and `waited()` since;
        a finished grid's line says it beside its own working time (a grid 4 min writing, 12 min behind a training
        run, said only its 4 min: helper 227's walk)."""
        return self._first_wait + self.waited()

    def hold_device(self, device):
        """The device lease for this job's heavy work (a context manager): waits in line, updating `waiting`."""
        return lease.hold(device, self.kind, self.label, on_wait=self._on_wait, cancelled=lambda: self.cancelled)

    def _on_wait(self, state: lease.WaitState | None) -> None:
        self.waiting = state.message if state is not None else ""

    def cancel(self, why: str = "") -> None:
        """Ask the job to stop: sets `cancelled`, which `work()` checks (a job still waiting for the device just ends).
        `why`, kept as `cancelled_why` by the first cancel: a reason other than a person's Stop. Returns at once."""
        if not self.cancelled:
            self.cancelled_why = why
        self.cancelled = True

    def wait(self, timeout: float | None = None) -> bool:
        """Wait up to `timeout` seconds (None: until it ends) for the thread; returns `done` (at once if never
        started: False)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.done
