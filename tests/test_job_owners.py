"""Background jobs whose owner is gone are cancelled (ftlib.job_owners), with a fake liveness and a fake clock: the
grace an owner has to come back, a job that ended forgotten, a failing check keeping the job, the start hooks of
ftlib.jobs, and the device lease a cancelled job lets go of for the job waiting in line behind it.

Nothing here is timed: sweeps are given their time, and every wait for a thread is for an event with a generous
deadline."""

from __future__ import annotations

import threading

import pytest

from ftlib import jobs, lease
from ftlib.job_owners import OwnerWatch

DEADLINE_S = 60  # a wait for a thread that is never reached when the code works


class Owner:
    """A fake owner: `alive()` says what the test set; `broken` makes it raise."""

    def __init__(self) -> None:
        self.here = True
        self.broken = False

    def alive(self) -> bool:
        if self.broken:
            raise RuntimeError("the runtime could not be asked")
        return self.here


class Spinning(jobs.BackgroundJob):
    """Works (holding its device, when given one) until cancelled; `working` is set once work() began. No safe point
    (`lease.checkpoint`): it keeps the device to itself until it ends, so a job waiting for it starts only then."""

    def __init__(self, label: str = "a Compare grid", device: str | None = None) -> None:
        super().__init__(label=label, device=device)
        self.working = threading.Event()

    def work(self) -> None:
        self.working.set()
        while not self.cancelled:
            threading.Event().wait(0.01)


@pytest.fixture
def spinning():
    started: list[Spinning] = []

    def start(**kwargs) -> Spinning:
        job = Spinning(**kwargs).start()
        started.append(job)
        return job

    yield start
    for job in started:  # none left spinning after a failed test
        job.cancel()
        job.wait(DEADLINE_S)


# (id, what the owner says at each sweep's time, the grace, the sweep at which the job is cancelled: None for never)
CASES = [
    ("owner there throughout", [(0, True), (50, True), (500, True)], 10, None),
    ("gone: cancelled once the grace has passed, not before", [(0, False), (9.9, False), (10, False)], 10, 2),
    ("no grace: cancelled at the first sweep that sees it gone", [(0, True), (1, False)], 0, 1),
    ("back within the grace: kept", [(0, False), (5, True), (12, True), (100, True)], 10, None),
    ("gone again after coming back: the grace counts from the second going", [(0, False), (5, True), (8, False),
                                                                               (17, False), (18, False)], 10, 4),
]  # fmt: skip


@pytest.mark.parametrize("case, says, grace, cancelled_at", CASES, ids=[c[0] for c in CASES])
def test_a_job_is_cancelled_once_its_owner_is_gone_for_the_grace(case, says, grace, cancelled_at, spinning):
    owner, watch = Owner(), OwnerWatch(every_s=None)
    job = spinning()
    watch.watch(job, owner.alive, grace_s=grace, owner="session S", why="its owner left")
    for i, (now, here) in enumerate(says):
        owner.here = here
        ended = watch.sweep(now=1000 + now)
        assert job.cancelled == (cancelled_at is not None and i >= cancelled_at), (case, i)
        assert ended == ([job] if i == cancelled_at else []), (case, i)
    if cancelled_at is not None:
        assert job.cancelled_why == "its owner left"
        assert job.wait(DEADLINE_S), "the cancelled job never ended"
        assert job.error is None
        assert watch.watched() == []  # forgotten once cancelled
    else:
        assert watch.watched() == [job] and not job.done


def test_a_job_that_ended_or_was_stopped_is_forgotten_and_not_cancelled_again(spinning):
    owner, watch = Owner(), OwnerWatch(every_s=None)
    stopped, running = spinning(), spinning()
    watch.watch(stopped, owner.alive)
    watch.watch(running, owner.alive)
    stopped.cancel()  # a person's Stop
    assert stopped.wait(DEADLINE_S)
    assert watch.sweep(now=0) == []
    assert watch.watched() == [running]
    owner.here = False
    assert watch.sweep(now=1) == [running]
    assert stopped.cancelled_why == ""  # the Stop stays the reason it ended
    assert running.cancelled_why == ""  # watched without a why


def test_an_owner_whose_check_fails_keeps_its_job(spinning, caplog):
    owner, watch = Owner(), OwnerWatch(every_s=None)
    job = spinning()
    watch.watch(job, owner.alive, owner="session S")
    owner.broken = True
    assert watch.sweep(now=0) == [] and watch.sweep(now=100) == []
    assert not job.cancelled and watch.watched() == [job]
    assert "could not tell whether session S is still there" in caplog.text


def test_the_watch_thread_sweeps_by_itself_and_ends_with_nothing_left_to_watch(spinning):
    owner, watch = Owner(), OwnerWatch(every_s=0.01)
    owner.here = False
    job = spinning()
    watch.watch(job, owner.alive, why="its owner left")
    assert job.wait(DEADLINE_S), "the watch's own sweeps never cancelled the job"
    assert job.cancelled_why == "its owner left"
    first = watch._thread
    if first is not None:
        first.join(DEADLINE_S)
    assert watch._thread is None  # ended: nothing watched
    again = spinning()
    watch.watch(again, owner.alive)  # a new watch starts a new thread
    assert again.wait(DEADLINE_S)


def test_start_hooks_see_each_job_in_the_starting_thread_and_a_failing_one_does_not_stop_it(monkeypatch, spinning):
    monkeypatch.setattr(jobs, "_start_hooks", [])
    seen = []

    def note(job) -> None:
        seen.append((job, threading.current_thread()))

    def broken(job) -> None:
        raise RuntimeError("no session here")

    jobs.on_start(note)
    jobs.on_start(note)  # given twice, called once
    jobs.on_start(broken)
    job = spinning()
    assert seen == [(job, threading.current_thread())]
    assert job.working.wait(DEADLINE_S), "a failing hook stopped the job"


def test_a_job_cancelled_for_its_gone_owner_hands_the_device_to_the_one_waiting(spinning, monkeypatch, tmp_path):
    """The shared-server case: a grid of a closed tab holds the CPU's lease while a teammate's grid waits in line;
    once the watch cancels the first, the second gets the device and starts."""
    monkeypatch.setenv("FTLIB_LOCK_DIR", str(tmp_path / "locks"))
    monkeypatch.setenv("FTLIB_LEASE", "1")
    owner, watch = Owner(), OwnerWatch(every_s=None)
    closed_tab = spinning(label="a Compare grid", device="cpu")
    assert closed_tab.working.wait(DEADLINE_S)
    teammate = spinning(label="a teammate's grid", device="cpu")
    watch.watch(closed_tab, owner.alive, why="its owner left")
    for _ in range(DEADLINE_S * 100):  # until the teammate stands in line
        if teammate.waiting:
            break
        threading.Event().wait(0.01)
    assert "a Compare grid" in teammate.waiting and not teammate.working.is_set()
    owner.here = False
    assert watch.sweep(now=0) == [closed_tab]
    assert teammate.working.wait(DEADLINE_S), "the teammate's job never got the device"
    assert closed_tab.wait(DEADLINE_S) and closed_tab.error is None
    assert teammate.waiting == "" and not teammate.cancelled


def test_a_job_whose_owner_is_gone_while_it_waits_in_line_leaves_the_line(spinning, monkeypatch, tmp_path):
    """A grid asked for by a tab closed before its turn came never takes the device: it leaves the line."""
    monkeypatch.setenv("FTLIB_LOCK_DIR", str(tmp_path / "locks"))
    monkeypatch.setenv("FTLIB_LEASE", "1")
    owner, watch = Owner(), OwnerWatch(every_s=None)
    holder = spinning(label="a training run", device="cpu")
    assert holder.working.wait(DEADLINE_S)
    closed_tab = spinning(label="a Compare grid", device="cpu")
    watch.watch(closed_tab, owner.alive, why="its owner left")
    for _ in range(DEADLINE_S * 100):  # until it stands in line
        if closed_tab.waiting:
            break
        threading.Event().wait(0.01)
    assert "a training run" in closed_tab.waiting
    owner.here = False
    assert watch.sweep(now=0) == [closed_tab]
    assert closed_tab.wait(DEADLINE_S), "the cancelled job stayed in line"
    assert closed_tab.began is None and not closed_tab.working.is_set() and closed_tab.error is None
    assert closed_tab.waiting == "" and lease.waiting("cpu") == []
    assert not holder.done
