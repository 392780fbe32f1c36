"""How fast a client may guess the access password: a few wrong tries freely, then a wait that doubles with each
further wrong one (1, 2, 4, ... s, at most 60 s), during which its tries are refused unchecked. The right password,
once the wait is over, starts it afresh.

    THROTTLE = LoginThrottle()                                  # one per server process (ui.auth holds it)
    verdict = THROTTLE.attempt(client, lambda: right(typed))    # checked only when the client may try now

Without it a guesser tries passwords as fast as the server answers; with it, at most one a minute per client after a
few (about 1,400 a day). The state lives in the server process (a restart clears it), keyed by whatever names the
client (ui.auth: its network address). Engine-free and Streamlit-free, with an injectable clock, so its tests need
neither.

Not known here: the password, how a client is named, what the page says (ui.auth).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    """What came of one try: `ok` (the right password), `checked` (False: refused unchecked, the client still had
    to wait), and `wait_s`, the seconds until its next try is checked (0: at once)."""

    ok: bool
    checked: bool
    wait_s: float = 0.0

    @property
    def wait_text(self) -> str:
        """The wait in whole seconds, rounded up: "in 4 s"."""
        return f"in {max(1, math.ceil(self.wait_s))} s"


@dataclass
class _Record:
    failures: int = 0  # wrong tries in a row
    last: float = 0.0  # clock time of the last wrong one
    until: float = 0.0  # clock time before which tries are refused


class LoginThrottle:
    """Wrong tries per client: `free` of them in a row cost nothing; each further one makes the client wait
    `base_s` * 2**(n - 1) s before its next is checked (n: wrong tries beyond `free`), at most `cap_s`. A client
    whose last wrong try is `forget_s` old starts again from zero; at most `max_keys` clients are remembered (the
    longest quiet forgotten first), so a flood of addresses cannot fill the server's memory. Thread-safe: each
    Streamlit session runs in its own thread. `clock`: seconds, monotonic (tests give a fake one).

    >>> now = [0.0]
    >>> gate = LoginThrottle(free=2, clock=lambda: now[0])
    >>> [gate.attempt("a", lambda: False).wait_s for _ in range(3)]  # the third wrong one: 1 s to wait
    [0.0, 0.0, 1.0]
    >>> gate.attempt("a", lambda: True)  # still waiting: refused, the password not even compared
    Verdict(ok=False, checked=False, wait_s=1.0)
    >>> now[0] = 1.0
    >>> gate.attempt("a", lambda: False).wait_s, gate.attempt("b", lambda: False).wait_s  # "a" waits 2 s now
    (2.0, 0.0)
    >>> now[0] = 3.0
    >>> gate.attempt("a", lambda: True)  # the right one after the wait: in, and "a" starts afresh
    Verdict(ok=True, checked=True, wait_s=0.0)
    """

    def __init__(
        self,
        free: int = 5,
        base_s: float = 1.0,
        cap_s: float = 60.0,
        forget_s: float = 3600.0,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free, self.base_s, self.cap_s, self.forget_s, self.max_keys = free, base_s, cap_s, forget_s, max_keys
        self.clock = clock
        self._clients: dict[str, _Record] = {}
        self._lock = threading.Lock()

    def attempt(self, key: str, check: Callable[[], bool]) -> Verdict:
        """One try of client `key`: refused unchecked while it must wait, else `check()` (the password comparison)
        decides, under the lock, so two tries sent at once cannot both slip in before either counts."""
        with self._lock:
            now = self.clock()
            record = self._clients.get(key)
            if record is not None and now - record.last >= self.forget_s:
                del self._clients[key]  # quiet long enough: a fresh start
                record = None
            if record is not None and now < record.until:
                return Verdict(ok=False, checked=False, wait_s=record.until - now)
            if check():
                self._clients.pop(key, None)
                return Verdict(ok=True, checked=True)
            if record is None:
                record = self._clients[key] = _Record(last=now)
                self._forget_some(now)  # after `last` is set: the newcomer is not the longest quiet
            record.failures += 1
            record.last = now
            beyond = record.failures - self.free
            if beyond > 0:
                # 2**beyond overflows a float after ~1000 tries; the cap is reached long before, so the doubling stops.
                record.until = now + min(self.cap_s, self.base_s * 2 ** min(beyond - 1, 64))
            return Verdict(ok=False, checked=True, wait_s=max(0.0, record.until - now))

    def failures(self, key: str) -> int:
        """Wrong tries in a row counted for `key` (0 when none, or forgotten)."""
        with self._lock:
            record = self._clients.get(key)
            return record.failures if record and self.clock() - record.last < self.forget_s else 0

    def clear(self) -> None:
        """Forget every client (tests; a server restart does the same)."""
        with self._lock:
            self._clients.clear()

    def _forget_some(self, now: float) -> None:
        """Keep at most `max_keys` records: first those quiet for `forget_s`, then the longest quiet."""
        if len(self._clients) <= self.max_keys:
            return
        for key in [k for k, r in self._clients.items() if now - r.last >= self.forget_s]:
            del self._clients[key]
        while len(self._clients) > self.max_keys:
            del self._clients[min(self._clients, key=lambda k: self._clients[k].last)]


__all__ = ["LoginThrottle", "Verdict"]
