""" "What it cost" says how long it takes (a newcomer's walk: ~10.5 minutes on a 2-core CPU under one unchanging
"Sampling 4 answers to 8 questions from both models" and a thin bar).

Its progress moves after every everyday question scored and every round of sampled answers, weighted by forward
passes (`tuning_cost.cost_work`), so the page's bar (`ui.common.job_progress`) can say the time so far and, once a
first piece is done, the time left; a measure run to its end records this server's pace, from which the next one
is estimated before the click (`estimated_seconds`, `ui.evaluate_view.cost_time_note`).
"""

from __future__ import annotations

import pytest

from ftlib import tuning_cost as C
from ftlib.demo_data import general_rows
from ui.evaluate_view import cost_time_note


def test_the_progress_moves_with_every_question_and_round_of_answers(model_set):
    said = []
    C.tuning_cost(
        model_set,
        model_set.names[1],
        questions=2,
        samples=3,
        max_new_tokens=4,
        progress=lambda m, f: said.append((m, f)),
    )
    fractions = [f for _, f in said]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    rows = len(general_rows())
    total = C.cost_work(rows, 2, 3, 4)
    assert len(said) == rows + 3 + 1  # each question, each round, done
    assert said[1] == (f"Scoring everyday questions with both models: 2 of {rows}", 1 / total)
    assert said[-2][0].endswith("round 3 of 3 (4 tokens each)")
    assert said[-2][1] == pytest.approx((rows + 2 * 4) / total)


def test_a_measure_run_to_its_end_records_the_pace_the_next_one_is_estimated_from(model_set, monkeypatch):
    monkeypatch.setattr(C, "_PACE", {})
    work = dict(rows=len(general_rows()), questions=1, samples=2, max_new_tokens=4)
    assert C.estimated_seconds(**work) is None
    assert "several minutes on a CPU" in cost_time_note(None)
    job = C.CostJob(model_set, model_set.names[1], questions=1, samples=2, max_new_tokens=4).start()
    assert job.wait(timeout=300) and job.result is not None
    took = job.ended_at - job.began
    estimate = C.estimated_seconds(model_set.device, **work)
    assert estimate is not None and 0 < estimate <= took
    # Twice the rounds of answers: about that much more of the sampling's share, from the same pace.
    longer = C.estimated_seconds(**{**work, "samples": 4})
    assert longer == pytest.approx(estimate * C.cost_work(work["rows"], 1, 4, 4) / C.cost_work(**work))
    assert cost_time_note(estimate).startswith("⏱ About ")


def test_the_estimate_before_the_click_says_what_it_was_timed_from():
    """It read "About 10 min 30 s on this server, at the pace of its last measure here": a measure of what, and which
    one, it did not say (one run to its end, of whichever model it measured)."""
    said = cost_time_note(630.0)
    assert said.startswith("⏱ About 10 min 30 s, timed from the last measure of what it cost that this server ran to")
    assert said.endswith("ran to its end (it may have measured another model).")


def test_the_estimate_without_a_device_is_at_the_pace_of_the_device_measured_last(monkeypatch):
    """A device measured before, measured again, is the one measured last (a dict keeps a key's first place)."""
    monkeypatch.setattr(C, "_PACE", {})
    work = dict(rows=10, questions=1, samples=1, max_new_tokens=1)
    C.record_pace("cuda:0", 1.0, 1)
    C.record_pace("cpu", 2.0, 1)
    C.record_pace("cuda:0", 3.0, 1)
    assert C.estimated_seconds(**work) == C.estimated_seconds("cuda:0", **work) == 3.0 * C.cost_work(**work)
