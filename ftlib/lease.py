"""A device lease: heavy work runs on one device at a time, across processes and threads, taking turns.

Heavy work is a training run's steps, a Compare grid, an evaluation, the next-token view, the CLI's `sample` and
`evaluate`. Each takes the lease of its device for as long as it works; whoever comes while it is held waits in
line, first come first served, and is told its position and who holds the device (`WaitState.message`):

    with lease.hold("cpu", "generation", "a Compare grid", on_wait=show) as held:
        for batch in work:
            held.checkpoint()   # a safe point: hands the device over if someone waits and this turn is over
            ...

Why: two PyTorch processes that each use every core of one CPU do not share it, they collapse (OpenMP threads
busy-wait on oversubscribed cores: a LoRA run fell from 255 to 15 tokens/s beside one generating process).
Taking turns, each with every core, gives each about its share.

Turns, tit for tat: when someone waits, a holder hands over at its next safe point once its turn (counted from
when the first waiter came) is as long as that waiter's own last turn was, then lines up again behind the
waiters. A newcomer has had no turn, so it waits for one safe point; two jobs that keep coming back get about
half the device each, whatever the spacing of their safe points: a training run's are its optimizer steps
(`ftlib.sharing.training_callback`; a step cannot be cut), a decoding loop's its forwards (`ForwardLock`, the lock
a `ModelSet` holds around each forward, checks the holds of the thread taking it, so decoding code needs no
change). A turn lasts at least `FTLIB_LEASE_MIN_TURN_S` (0.25 s: handovers stay a small cost) and at most
`FTLIB_LEASE_MAX_TURN_S` (10 s). Holds nest: a second `hold` of the same device in one thread is the first one.

On disk, under `<workspace>/.locks/` (`FTLIB_LOCK_DIR` to share one folder between workspaces):
- `<device>.lock`: the holder keeps an exclusive `flock` on it, which the OS drops when the holder dies;
- `<device>.holder.json`: who holds it (kind, label, pid), for the waiters' messages, and the recent holds'
  last turns (`turns`: hold id -> seconds they kept someone waiting);
- `<device>.queue/<time_ns>-<hold id>`: one ticket per waiter, `flock`ed by it; a ticket nobody locks belongs
  to a dead waiter and is removed by whoever sees it.

`FTLIB_LEASE=0` turns the lease off (every process then uses the device as it pleases). The training run's
callback, our processes' environment and thread budget, and GPU memory checks are `ftlib.sharing`.
Not known here: what the heavy work computes, the run queue (runs.py keeps one run per device), Streamlit.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

POLL_S = 0.02  # how often a waiter looks at the line
REPORT_S = 1.0  # a waiter calls on_wait at least this often, even when nothing changed (a page can redraw)

KEEP_TURNS = 32  # holds whose last turn holder.json remembers
_local = threading.local()
_holds_made = itertools.count()


class Cancelled(Exception):
    """A wait for the device given up because its owner was cancelled (not an error to show)."""


def _flag(name: str, default: bool = True) -> bool:
    value = os.environ.get(name, "").strip().lower()
    return default if not value else value not in ("0", "false", "no", "off")


def enabled() -> bool:
    """Whether heavy work takes turns (`FTLIB_LEASE`, on unless set to 0)."""
    return _flag("FTLIB_LEASE")


def _seconds(name: str, default: float) -> float:
    try:
        return max(0.0, float(os.environ.get(name, default)))
    except ValueError:
        return default


def turn_bounds() -> tuple[float, float]:
    """(shortest, longest) turn a holder keeps while someone waits, in seconds (`FTLIB_LEASE_MIN_TURN_S`,
    `FTLIB_LEASE_MAX_TURN_S`): the shortest keeps handovers (a waiter notices within `POLL_S`) a small cost."""
    return _seconds("FTLIB_LEASE_MIN_TURN_S", 0.25), _seconds("FTLIB_LEASE_MAX_TURN_S", 10.0)


def device_key(device) -> str:
    """The lease's name for a device: `cpu`, `cuda:0`, ... (a bare `cuda` is torch's current GPU, taken as 0).

    >>> device_key("cuda"), device_key("cuda:1"), device_key(None)
    ('cuda:0', 'cuda:1', 'cpu')
    """
    text = str(device or "cpu")
    return "cuda:0" if text == "cuda" else text


def lock_dir() -> Path:
    """The folder of the device leases' files: `$FTLIB_LOCK_DIR` when set, else `<workspace>/.locks`; not created here
    (`Hold.acquire` makes its queue folder in it)."""
    configured = os.environ.get("FTLIB_LOCK_DIR")
    if configured:
        return Path(configured)
    from ftlib import workspace

    return workspace.workspace_dir() / ".locks"


def device_label(device: str) -> str:
    """How pages and terminals name a device: `CPU`, `GPU 0`, ..."""
    return (
        "CPU" if device == "cpu" else f"GPU {device.partition(':')[2] or '0'}" if device.startswith("cuda") else device
    )


@dataclass(frozen=True)
class WaitState:
    """Where a waiter stands: its position in line (1 = next) and who holds the device now."""

    device: str
    position: int
    holder: dict = field(default_factory=dict)  # {"kind", "label", "pid"} of the holder; {} when unknown

    @property
    def message(self) -> str:
        """One sentence for a page or a terminal."""
        device = device_label(self.device)
        kind, label = self.holder.get("kind", ""), self.holder.get("label", "")
        run = _run_named(label) if kind == "training" and label else None
        # A training holder's label is its run's id: named as the Train page's picker names it, with who started it.
        named = f"the training run `{run[0]}`{f', started by {run[1]},' if run[1] else ''}" if run else ""
        if self.position <= 1 and kind == "training":
            name = named.removeprefix("the training run") if run else f" `{label}`" if label else ""
            return f"Waiting for the training run{name} to pause: it lends the {device} after its current step."
        using = f" ({named or label or kind} is using it)" if (label or kind) else ""
        return f"Waiting for a free slot on the {device}: position {self.position} in line{using}."


def _run_named(run_id: str) -> tuple[str, str] | None:
    """A training holder's run (its `label` is the run's id) by its picker label and who started it
    (`run_picker.run_named`); None where no run folder has that id or the runs folder cannot be read."""
    from ftlib import run_picker

    try:
        return run_picker.run_named(run_id)
    except OSError:  # a message never fails a wait
        return None


def _is_live(ticket: Path) -> bool:
    """Whether the ticket's owner is alive (it keeps the ticket locked); a dead owner's ticket is removed."""
    try:
        fd = os.open(ticket, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also drops our shared lock when we got it
    with contextlib.suppress(OSError):
        ticket.unlink()
    return False


def waiting(device, before: str | None = None) -> list[str]:
    """The live tickets in the device's line, oldest first (only those older than `before` when given)."""
    queue = lock_dir() / f"{_file_name(device_key(device))}.queue"
    try:
        names = sorted(n for n in os.listdir(queue) if not n.startswith("."))
    except FileNotFoundError:
        return []
    return [n for n in names if (before is None or n < before) and _is_live(queue / n)]


def holder(device) -> dict:
    """Who holds the device (as its holder wrote it), {} when nobody has yet; may name a holder that just left."""
    try:
        return json.loads((lock_dir() / f"{_file_name(device_key(device))}.holder.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _file_name(device: str) -> str:
    return "".join(c if c.isalnum() else "" for c in device) or "device"


class Hold:
    """One claim on a device. `acquire()` waits in line; `checkpoint()` hands over when its turn is over;
    `release()` lets the next one in. As a context manager it acquires, registers itself as a hold of this thread
    (for `ForwardLock`) and releases at the end.

    `on_wait(state)` is called while waiting (with a `WaitState`, when it changes and at least every second) and
    once with None when the wait is over; `cancelled()` returning True ends a wait with `Cancelled`. `group`: what
    the holds of one multi-machine run share (each machine's run has its own id: `label`), in the holder file.
    `waited_s` (seconds spent in line, each wait added once it ends) and `handovers` (turns given to others) are kept
    for reports; `waiting_since`: when the wait under way began (None: none), for the wait not yet in `waited_s`.
    """

    def __init__(
        self,
        device,
        kind: str,
        label: str = "",
        on_wait: Callable[[WaitState | None], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        group: str = "",
    ):
        self.device, self.kind, self.label, self.group = device_key(device), kind, label, group
        self.on_wait, self.cancelled = on_wait, cancelled
        self.held = False
        self.waited_s, self.handovers = 0.0, 0
        self.waiting_since: float | None = None  # time.monotonic() when the wait under way began; None: not waiting
        self.id = f"{os.getpid()}.{threading.get_ident()}.{next(_holds_made)}"
        self._fd: int | None = None
        self._since, self._since_wall = 0.0, 0.0
        self._turns: dict[str, float] = {}  # hold id -> its last turn while someone waited, seconds

    @property
    def _root(self) -> Path:
        return lock_dir()

    def acquire(self) -> Hold:
        """Wait for the device (first come, first served) and take it. Returns self."""
        if self.held:
            return self
        if not enabled():
            self.held = True
            return self
        root, name = self._root, _file_name(self.device)
        queue = root / f"{name}.queue"
        queue.mkdir(parents=True, exist_ok=True)
        ticket, ticket_fd = self._enqueue(queue)
        start, last, next_report, reported = time.monotonic(), None, 0.0, False
        self.waiting_since = start
        try:
            while True:
                ahead = waiting(self.device, before=ticket.name)
                if not ahead and self._try_lock(root / f"{name}.lock"):
                    break
                held_by = holder(self.device)
                if (
                    held_by.get("id") == self.id
                ):  # the file still names this lease's last hold: who holds now is unknown
                    held_by = {}
                state = WaitState(self.device, len(ahead) + 1, held_by)
                now = time.monotonic()
                if self.on_wait is not None and (state != last or now >= next_report):
                    self.on_wait(state)
                    last, next_report, reported = state, now + REPORT_S, True
                if self.cancelled is not None and self.cancelled():
                    raise Cancelled(f"gave up waiting for the {device_label(self.device)}")
                time.sleep(POLL_S)
        finally:
            with contextlib.suppress(OSError):
                ticket.unlink()
            os.close(ticket_fd)
            waited, self.waiting_since = time.monotonic() - start, None
            self.waited_s += waited
        self.held, self._since, self._since_wall = True, time.monotonic(), time.time()
        try:
            turns = holder(self.device).get("turns")
            self._turns = dict(turns) if isinstance(turns, dict) else {}
            self._write_holder()
            if reported:
                self.on_wait(None)
        except BaseException:
            # The device is ours but the caller will never know: a page's on_wait raises when Streamlit reruns the
            # script (its st.* calls do), a full disk fails the holder file. Unreleased, the lock would be kept by
            # a hold nobody has, and everyone in line would wait for it forever.
            self.release()
            raise
        return self

    def _write_holder(self) -> None:
        name = _file_name(self.device)
        info = {
            "kind": self.kind,
            "label": self.label,
            "group": self.group,
            "pid": os.getpid(),
            "id": self.id,
            "since": self._since_wall,
            "turns": self._turns,
        }
        tmp = self._root / f".{name}.holder.{os.getpid()}.{threading.get_ident()}"
        tmp.write_text(json.dumps(info), encoding="utf-8")
        os.replace(tmp, self._root / f"{name}.holder.json")

    def _enqueue(self, queue: Path) -> tuple[Path, int]:
        # Locked before it is visible under its name, so nobody takes a new ticket for a dead one.
        stem = f"{time.time_ns():020d}-{self.id}"
        tmp = queue / f".{stem}"
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o666)  # the umask's mode, as every file we write
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, json.dumps({"kind": self.kind, "label": self.label, "pid": os.getpid()}).encode())
        os.replace(tmp, queue / stem)
        return queue / stem, fd

    def _try_lock(self, path: Path) -> bool:
        # The umask's mode: in a group-shared workspace (umask 002) a teammate's account opens it too (not with 0644).
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def _contended(self, line: list[str]) -> float:
        """Seconds this turn has lasted since someone started waiting (0 when nobody waits)."""
        if not line:
            return 0.0
        first = int(line[0].split("-", 1)[0]) / 1e9  # tickets are named by the time they were taken
        return max(0.0, time.time() - max(first, self._since_wall))

    def checkpoint(self) -> bool:
        """A safe point: if someone waits and this turn is as long as that waiter's last one, hand over, wait in
        line and take the device back. Returns whether it handed over. Acquires first if not held."""
        if not self.held:
            self.acquire()
            return False
        shortest, longest = turn_bounds()
        if self._fd is None or time.monotonic() - self._since < shortest:
            return False  # the common case costs no file access
        line = waiting(self.device)
        if not line:
            return False
        theirs = float(self._turns.get(line[0].split("-", 1)[1], 0.0))  # 0 for a newcomer
        if self._contended(line) < min(max(theirs, shortest), longest):
            return False
        self.release()
        self.handovers += 1
        self.acquire()
        return True

    def release(self) -> None:
        if self._fd is not None:
            if enabled():  # how long this turn kept someone waiting: what it gets back when this hold waits
                self._turns.pop(self.id, None)
                self._turns[self.id] = round(self._contended(waiting(self.device)), 3)
                while len(self._turns) > KEEP_TURNS:
                    self._turns.pop(next(iter(self._turns)))
                with contextlib.suppress(OSError):
                    self._write_holder()
            os.close(self._fd)  # drops the flock
            self._fd = None
        self.held = False

    def __enter__(self) -> Hold:
        self.acquire()
        _holds().append(self)
        return self

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(ValueError):
            _holds().remove(self)
        self.release()


def _holds() -> list[Hold]:
    if not hasattr(_local, "holds"):
        _local.holds = []
    return _local.holds


def hold(device, kind: str, label: str = "", on_wait=None, cancelled=None, group: str = ""):
    """A context manager holding `device` for heavy work of this `kind` ("training", "generation", "evaluation",
    ...) named `label` in the waiters' messages; see `Hold`. Inside another hold of the same device in the same
    thread, it is that hold."""
    key = device_key(device)
    for outer in _holds():
        if outer.device == key:
            return contextlib.nullcontext(outer)
    return Hold(key, kind, label, on_wait=on_wait, cancelled=cancelled, group=group)


def checkpoint() -> None:
    """A safe point for every hold of the calling thread (nothing when it holds none)."""
    for held in list(_holds()):
        held.checkpoint()


class ForwardLock:
    """A threading lock for the forwards through one model (PEFT's adapter routing uses hooks on shared modules),
    whose `with` is also a safe point of the calling thread's holds: a decoding loop taking it before each forward
    takes turns with whoever waits for the device, without knowing about the lease."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self) -> ForwardLock:
        checkpoint()  # before taking the lock: a thread waiting in line never keeps another from its forward
        self._lock.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self._lock.release()

    def locked(self) -> bool:
        return self._lock.locked()
