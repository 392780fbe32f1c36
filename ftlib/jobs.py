"""A daemon-thread job for pages that must not block: error capture, cancel, wait, and waiting for the device.

Subclasses implement `work()`; the thread never touches any UI. Readers poll `done`, `error`, `waiting` and
whatever the subclass collects, and call `cancel()` to ask `work()` to stop at its next check of `cancelled`.
A job given a `device` does its work holding that device's lease (`ftlib.lease`): while it waits in line for it,
`waiting` says why and its position ("" otherwise); a job cancelled while it waits just ends.
"""

from __future__ import annotations

import contextlib
import threading
import time
import traceback

from ftlib import lease
from ftlib.errors import UserError, user_message


class BackgroundJob:
    """A job whose `work()` runs in a daemon thread (`start`): a failure is kept as `error` (in the user's words) and,
    for a bug, `traceback`; `done` once it ended, however it ended. See the module's docstring."""

    thread_name = "ftlib-job"
    kind = "work"  # what waiters for the device read: "generation", "evaluation"

    def __init__(self, label: str = "", device: str | None = None) -> None:
        self.label = label  # how waiters for the device name this job ("a Compare grid")
        self.device = device  # whose lease work() holds (None: none)
        self.error: str | None = None
        self.traceback: str | None = None  # set when the failure was a bug, not the user's to fix
        self.done = False
        self.cancelled = False
        self.waiting = ""  # while waiting for the device: why, and the position in line
        self.began: float | None = None  # time.monotonic() when work() began, the device held
        self.ended_at: float | None = None  # time.monotonic() when it ended, however it ended
        self._thread: threading.Thread | None = None

    def work(self) -> None:
        """The job itself, run once in the thread (holding `device`'s lease when one is given); subclasses implement
        it and check `cancelled` at safe points. NotImplementedError here."""
        raise NotImplementedError

    def start(self):
        """Start `work()` in a new daemon thread named `thread_name`; returns self (`job = SomeJob(...).start()`)."""
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            with self.hold_device(self.device) if self.device else contextlib.nullcontext():
                self.began = time.monotonic()
                self.work()
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

    def hold_device(self, device):
        """The device lease for this job's heavy work (a context manager): waits in line, updating `waiting`."""
        return lease.hold(device, self.kind, self.label, on_wait=self._on_wait, cancelled=lambda: self.cancelled)

    def _on_wait(self, state: lease.WaitState | None) -> None:
        self.waiting = state.message if state is not None else ""

    def cancel(self) -> None:
        """Ask the job to stop: sets `cancelled`, which `work()` checks (a job still waiting for the device just ends).
        Returns at once."""
        self.cancelled = True

    def wait(self, timeout: float | None = None) -> bool:
        """Wait up to `timeout` seconds (None: until it ends) for the thread; returns `done` (at once if never
        started: False)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.done
