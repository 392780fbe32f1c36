"""Helper 219's walk: a run stopped at step 2 of 3 and resumed said "step 2 of 3 · ... · about 0:00:33 left" for the
40 s its new process started and loaded the model, the time left of the steps before the stop (67 s / 2), frozen,
though the attempt had not begun a step (c4f87522 kept it away only once the first step runs)."""

from __future__ import annotations

import time

import pytest

from ftlib import run_phases
from ftlib.testing import make_run

STEPS_BEFORE_THE_STOP = [
    {"kind": "train", "step": 1, "elapsed": 44.0, "loss": 3.38},
    {"kind": "train", "step": 2, "elapsed": 67.4, "loss": 1.81},
]


def _resumed(tmp_path, phase: str):
    return make_run(
        "r-resumed",
        {"dataset": "team", "max_steps": 3},
        state="running",
        root=tmp_path,
        metrics=STEPS_BEFORE_THE_STOP,
        started=time.time(),
        max_steps=3,
        parts_s=[103.2],
        resume=True,
        phase=phase,
    ).summary()


@pytest.mark.parametrize("phase", [run_phases.STARTING, run_phases.LOADING, run_phases.first_step_words(2)])
def test_a_resumed_run_says_no_time_left_before_its_first_step_ends(tmp_path, phase):
    summary = _resumed(tmp_path, phase)
    assert summary.step == 2 and summary.max_steps == 3
    assert summary.eta_s is None, (phase, summary.eta_s)


def test_the_time_left_shows_once_the_resumed_attempt_trains(tmp_path):
    assert _resumed(tmp_path, run_phases.TRAINING).eta_s == pytest.approx(33.7)
