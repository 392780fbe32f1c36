"""The CLI's wait lines (`sharing.print_waits`) say each change once (helper 267): `sample` and `evaluate` hand the
device over at each safe point and wait again, so beside a training run they printed "Waiting for the training run
... to pause" and "got the CPU, going on" again at every turn (8 and 6 times in a second), and "position 2 in line."
between turns, when the holder file still named their own last turn."""

from __future__ import annotations

import io
import threading
import time

from ftlib import lease
from ftlib.lease import WaitState
from ftlib.sharing import print_waits

TRAINING = {"kind": "training", "label": "run-x", "pid": 7, "id": "7.1.0", "since": 1.0, "turns": {}}


def test_the_same_wait_at_every_turn_is_said_once_and_a_change_again():
    out = io.StringIO()
    show = print_waits("[ftlib] ", out)
    for turn in range(4):  # the holder file is rewritten at each turn (its turns, since, hold id): no change said
        show(WaitState("cuda:0", 1, {**TRAINING, "since": 1.0 + turn, "turns": {"a": turn}, "id": f"7.1.{turn}"}))
        show(WaitState("cuda:0", 2, {}))  # between turns: who holds is not known yet
        show(None)
    show(WaitState("cuda:0", 2, {"kind": "evaluation", "label": "python -m ftlib evaluate"}))  # a change: said
    show(WaitState("cuda:0", 1, TRAINING))  # and back: said again, it changed
    show(None)
    first = WaitState("cuda:0", 1, TRAINING).message
    second = WaitState("cuda:0", 2, {"kind": "evaluation", "label": "python -m ftlib evaluate"}).message
    got = f"got the {lease.device_label('cuda:0')}, going on"
    assert out.getvalue().splitlines() == [f"[ftlib] {line}" for line in (first, got, second, first, got)]


def test_a_job_taking_turns_with_a_training_run_says_its_wait_once(tmp_path, monkeypatch):
    """The real lease: a training hold and a decoding job with the CLI's `on_wait` take turns (both hand over at
    each safe point); the job's wait lines are the one wait it had, however many turns it waited again."""
    monkeypatch.setenv("FTLIB_LOCK_DIR", str(tmp_path / "locks"))
    monkeypatch.setenv("FTLIB_LEASE_MIN_TURN_S", "0.02")
    stop, trainer_holds = threading.Event(), []

    def trainer() -> None:
        with lease.hold("cpu", "training", "run-x") as held:
            trainer_holds.append(held)
            while not stop.is_set():
                stop.wait(0.005)
                held.checkpoint()

    thread = threading.Thread(target=trainer, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60  # a bound for a broken lease, not a timing measured
        while not trainer_holds and time.monotonic() < deadline:
            stop.wait(0.01)
        out = io.StringIO()
        with lease.hold("cpu", "generation", "python -m ftlib sample", on_wait=print_waits(stream=out)) as job:
            while job.handovers < 4 and time.monotonic() < deadline:  # its forwards: a safe point each
                stop.wait(0.005)
                job.checkpoint()
    finally:
        stop.set()
        thread.join(timeout=30)
    lines = out.getvalue().splitlines()
    assert job.handovers >= 4  # it waited again at least 4 times ...
    # ... and said so once: every line printed is a different one, the last that it holds the device
    assert lines[-1] == "got the CPU, going on" and len(lines) == len(set(lines)), lines
