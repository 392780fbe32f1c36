"""Evaluate's time estimate by loop width, last batch and the process's first evaluation (helper 268).

Measured on the real default model (SmolLM2-135M, a loaded 2-core CPU, one thread, 32 new tokens, batch 8): a loop
of 16 answers took 2x one of 6, most of it its first step (the prompts read: 2.5 s for 6 answers, 6.4 s for 16), and
the first evaluation in a process spent 1.0-1.7 s of its first step measuring oneDNN (`cpu_decode.onednn_faster`).
The pace took every step alike, so 8 rows from 3 rows' pace was said at 0.69 of its time, 16 rows at 0.63, and a
smaller last batch as a full one. Synthetic step times below; no test is timed.
"""

from __future__ import annotations

import itertools
import types

import pytest

from ftlib import evaluate as E
from ftlib.decode_rate import EvalTally


def tally_of(spans, rows, score_s=3.0, new=32):
    """A finished evaluation's tally from its loops' (answers, steps, first step's s, the other steps' s)."""
    t = EvalTally(items=rows, max_new_tokens=new, batch_size=8, done=rows, score_s=score_s)
    for answers, steps, first, rest in spans:  # a batch each (an adapter: both models in one loop)
        stamps = [first + rest * k / (steps - 1) for k in range(steps)]
        t.batch_timed([(answers, steps, True)], 0.0, stamps)
    return t


def test_sixteen_answers_a_loop_are_said_to_take_longer_than_six():
    three = tally_of([(6, 32, 2.5, 31 * 0.3)], rows=3)  # one loop of 3 rows x 2 models
    pace = three.pace()
    decode_3 = pace.seconds(3, 8, 32) - 3 * pace.score_s
    decode_8 = pace.seconds(8, 8, 32) - 8 * pace.score_s
    assert decode_3 == pytest.approx(2.5 + 31 * 0.3)  # its own loop again
    # 16 answers: the prompts' first step by answer (2.5 / 6 x 16), each later step at least as long as 6 answers' was
    assert decode_8 >= 2.5 * 16 / 6 + 31 * 0.3 and decode_8 < 2.5 * 16 / 6 + 31 * 0.3 * 16 / 6


def test_two_widths_timed_fit_a_step_by_its_answers():
    # 12 rows: a loop of 16 answers (0.6 s a step), then one of 8 (0.4 s a step)
    pace = tally_of([(16, 32, 6.0, 31 * 0.6), (8, 32, 3.0, 31 * 0.4)], rows=12).pace()
    assert pace.per_answer == pytest.approx(0.2 / 8)
    loop_16 = 6.0 + 31 * 0.6
    assert pace.seconds(16, 8, 32) - 16 * pace.score_s == pytest.approx(2 * loop_16)  # two full loops


def test_a_smaller_last_batch_is_a_shorter_loop():
    pace = tally_of([(16, 32, 6.0, 31 * 0.6), (16, 32, 6.0, 31 * 0.6)], rows=16).pace()
    loop_16 = 6.0 + 31 * 0.6
    twenty = pace.seconds(20, 8, 32) - 20 * pace.score_s  # 8, 8 and 4 rows: the last loop 8 answers
    assert 2 * loop_16 < twenty < 3 * loop_16 - 2.0


def test_the_first_evaluations_onednn_check_is_not_its_pace():
    t = EvalTally(items=3, max_new_tokens=4, batch_size=8, done=3, score_s=1.5)
    t.batch_timed([(6, 4, True)], 0.0, [3.0, 3.5, 4.0, 4.5], once_s=2.0)  # 2 s of its 3 s first step: the check
    assert t.spans == [(6, 4, 1.0, 1.5)] and t.decode_s == pytest.approx(2.5) and t.once_s == 2.0
    pace = t.pace(busy_s=7.0)  # 2.5 s answering, 1.5 s scoring, 1 s preparing rows, 2 s checking oneDNN
    assert pace.seconds(3, 8, 4) == pytest.approx(5.0)  # the same evaluation again, without the check


def test_evaluate_times_each_loop_and_leaves_out_the_check(model_set, monkeypatch):
    """Through `evaluate`, on a fake clock (a second a reading) and a fake oneDNN check of 0.5 s in the first batch."""
    ticks = itertools.count()
    monkeypatch.setattr(E, "time", types.SimpleNamespace(monotonic=lambda: float(next(ticks))))
    checked = iter([0.0, 0.5, 0.5, 0.5])
    monkeypatch.setattr("ftlib.cpu_decode.probe_seconds", lambda: next(checked))
    tally = EvalTally()
    asked = [{"role": "user", "content": f"Name a fruit ({i})."} for i in range(3)]
    rows = [{"messages": [q, {"role": "assistant", "content": "Fig."}]} for q in asked]
    E.evaluate(model_set, rows, model_set.names[1], max_new_tokens=4, batch_size=2, tally=tally)
    assert len(tally.spans) == 2 and tally.batches == 2
    (w1, n1, first1, rest1), (w2, n2, first2, rest2) = tally.spans
    assert (w1, w2) == (4, 2)  # 2 rows x 2 models, then 1 row x 2
    assert first1 == 0.5 and first2 == 1.0  # a reading a step: the check's 0.5 s left out of the first
    assert (rest1, rest2) == (n1 - 1, n2 - 1) and tally.once_s == 0.5
