"""A queued run's place in line (ftlib/run_queue.py): the runs ahead and their names come from one listing."""

from __future__ import annotations

import time

from ftlib import run_queue, runs
from ftlib.run_picker import train_labels
from ftlib.testing import make_run


def test_the_runs_ahead_and_their_names_come_from_one_listing(monkeypatch):
    """`place_in_line` listed the run folders twice: once to find the runs ahead, once to read the summaries that name
    them. A run deleted between the two listings was in line at the first and dropped out of "ahead" at the second:
    the line's ordinal missed it, and where it was the only run ahead, naming none raised an IndexError. Here the
    second listing lacks the training run."""
    minute = time.time() // 60 * 60
    config = {"model": "default", "dataset": "chat_style", "max_steps": 12}
    make_run("r-a", config, state="running", created=minute + 1, phase="training", max_steps=12)
    runs.find("r-a").append_metric({"kind": "train", "step": 5, "loss": 1.5})
    make_run("r-b", config, state="queued", created=minute + 2, queued_at=minute + 2)
    listed = run_queue.run_folders()
    calls = []

    def listing():  # the first call sees every run; any later one, r-a gone (deleted by a teammate meanwhile)
        calls.append(1)
        return listed if len(calls) == 1 else [r for r in listed if r.id != "r-a"]

    monkeypatch.setattr(run_queue, "run_folders", listing)
    label = train_labels([r.summary() for r in listed])["r-a"]
    said = run_queue.place_in_line(runs.find("r-b"))
    assert said == f"Queued: 2nd in line, after {label} #1 (training, step 5 of 12).", said
    assert len(calls) == 1
