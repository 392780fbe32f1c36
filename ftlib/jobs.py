"""A daemon-thread job for pages that must not block: error capture, cancel, wait.

Subclasses implement `work()`; the thread never touches any UI. Readers poll `done`, `error` and whatever
the subclass collects, and call `cancel()` to ask `work()` to stop at its next check of `cancelled`.
"""

from __future__ import annotations

import threading
import traceback

from ftlib.errors import UserError, user_message


class BackgroundJob:
    thread_name = "ftlib-job"

    def __init__(self) -> None:
        self.error: str | None = None
        self.traceback: str | None = None  # set when the failure was a bug, not the user's to fix
        self.done = False
        self.cancelled = False
        self._thread: threading.Thread | None = None

    def work(self) -> None:
        raise NotImplementedError

    def start(self):
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self.work()
        except Exception as exc:  # shown to the user by whoever polls; a thread must not die silently
            self.error = user_message(exc)
            if not isinstance(exc, UserError):  # a bug: keep where it happened for "details for engineers"
                self.traceback = traceback.format_exc()
        finally:
            self.done = True

    def cancel(self) -> None:
        self.cancelled = True

    def wait(self, timeout: float | None = None) -> bool:
        if self._thread is not None:
            self._thread.join(timeout)
        return self.done
