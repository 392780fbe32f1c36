"""Ending background jobs nobody will read: each job is watched with a check that its owner is still there, and one
whose owner has been gone for a grace period is cancelled, so it stops computing and lets go of its device's lease
(`ftlib.lease`) for whoever waits in line behind it.

    watch = OwnerWatch()
    watch.watch(job, alive=lambda: session_is_connected(sid), grace_s=120, owner=f"browser session {sid}",
                why="the browser session that started it has ended")

`sweep()` looks at every watched job once: a job that has ended is forgotten; one whose `alive()` says False and
has said so for `grace_s` seconds on end, as the sweeps saw it, is cancelled (`BackgroundJob.cancel(why)`: the job
ends at its next check of `cancelled`, or at once while it waits for the device) and logged; an owner back within
the grace (a browser tab that reconnects) keeps its job. The grace is counted from the first sweep that saw the
owner gone, so a job ends up to one sweep's interval later than `grace_s`, never earlier. A sweeping daemon thread,
one per watch, runs every `every_s` seconds while jobs are watched and ends when none is (started again by the
next `watch`). When `alive()` itself fails, the job is kept: a wrong cancel loses someone's work.

Not known here: who the owners are (the studio's are browser sessions, `ui.job_owner`), Streamlit.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("ftlib")


@dataclass(eq=False)  # one entry per watch, compared by identity
class _Watched:
    job: object  # an ftlib.jobs.BackgroundJob
    alive: Callable[[], bool]
    grace_s: float
    owner: str
    why: str
    gone_since: float | None = None  # time.monotonic() of the first sweep that found the owner gone


class OwnerWatch:
    """Jobs, each with a check that its owner is still there; see the module's docstring. `every_s`: seconds between
    the sweeps of its daemon thread (None: no thread, the caller calls `sweep`)."""

    def __init__(self, every_s: float | None = 2.0) -> None:
        self.every_s = every_s
        self._watched: list[_Watched] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def watch(self, job, alive: Callable[[], bool], grace_s: float = 0.0, owner: str = "", why: str = "") -> None:
        """Watch `job` (a started or starting `BackgroundJob`): cancelled with `why` once `alive()` has said False
        for `grace_s` seconds (0: at the first sweep that sees it). `owner` names the owner in the log."""
        with self._lock:
            self._watched.append(_Watched(job, alive, float(grace_s), owner, why))
            if self.every_s is not None and self._thread is None:
                self._thread = threading.Thread(target=self._sweeping, name="ftlib-job-owners", daemon=True)
                self._thread.start()

    def watched(self) -> list:
        """The jobs watched now (not yet ended, forgotten or cancelled by a sweep)."""
        with self._lock:
            return [w.job for w in self._watched]

    def sweep(self, now: float | None = None) -> list:
        """Look at every watched job once at time `now` (time.monotonic(); None: now): forget those that ended,
        cancel those whose owner has been gone for their grace. Returns the jobs cancelled by this sweep."""
        now = time.monotonic() if now is None else now
        with self._lock:
            watched = list(self._watched)
        finished, cancelled = [], []
        for w in watched:
            if w.job.done or w.job.cancelled:  # ended, or stopped by a person: nothing left to save
                finished.append(w)
                continue
            try:
                alive = bool(w.alive())
            except Exception:  # noqa: BLE001 (unsure: keep the job and say so)
                log.warning("could not tell whether %s is still there; its job carries on", w.owner, exc_info=True)
                continue
            if alive:
                w.gone_since = None
                continue
            if w.gone_since is None:
                w.gone_since = now
            if now - w.gone_since >= w.grace_s:
                w.job.cancel(w.why)
                log.warning("%s (%s) cancelled: %s", getattr(w.job, "label", "") or "a job", w.owner, w.why)
                finished.append(w)
                cancelled.append(w.job)
        with self._lock:
            self._watched = [w for w in self._watched if w not in finished]
        return cancelled

    def _sweeping(self) -> None:
        stop = threading.Event()  # never set: an interruptible sleep
        while True:
            stop.wait(self.every_s)
            self.sweep()
            with self._lock:
                if not self._watched:  # a watch() after this starts a new thread (it takes the lock first)
                    self._thread = None
                    return
