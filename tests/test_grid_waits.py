"""A walk (helper 208/213): Compare's grid said "at most about 142 min left" after 12 tokens while a training run took
turns on the CPU: its progress counted the turns lent to the run as decoding time, so its rate (and the rate a
finished grid keeps for the next estimate, `decode_rate.grid_rate`) fell with every step the run took. Its elapsed
time is now its own decoding's, as Evaluate's pace is (`jobs.BackgroundJob.waited`, helper 214's `waited_s`)."""

from __future__ import annotations

import time
from types import SimpleNamespace

from ftlib.modelset import GenerationJob


def _job() -> GenerationJob:
    return GenerationJob(SimpleNamespace(device=None), rows=[])  # no device: no lease, nothing decoded


def test_a_running_grid_does_not_count_the_turns_it_lent_to_a_training_run():
    job = _job()
    job.started = time.monotonic() - 100.0
    job._held, job._first_wait = SimpleNamespace(waited_s=50.0), 10.0  # 10 s in line first, then 40 s lent mid-way
    assert 59.0 <= job.progress().elapsed_s <= 61.0


def test_a_finished_grids_time_is_its_decoding_less_what_it_waited():
    job = _job()
    job.started = 1000.0
    job.ended, job.waited_s = 1100.0, 30.0
    assert job.progress().elapsed_s == 70.0
    job.waited_s = 0.0  # never lent a turn: the whole time
    assert job.progress().elapsed_s == 100.0
