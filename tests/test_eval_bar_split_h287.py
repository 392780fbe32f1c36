"""Evaluate's bar splits a batch between answering and scoring as the last evaluation's time split (helper 287):
scoring took 28-46% of an evaluation on a loaded CPU (helper 268) while the bar gave it 15% (`ANSWERING`), so the bar
ran ahead while answering and the time left it said was short. Synthetic paces only: no timed test."""

from __future__ import annotations

import pytest

from ftlib import decode_rate
from ftlib.decode_rate import EvalPace, EvalTally


def _pace_scoring_40_percent(items: int, batch_size: int, max_new_tokens: int) -> EvalPace:
    """A pace where `items` answered in one loop of `max_new_tokens` steps take 60% of the time, scoring 40%."""
    step_s = 0.1
    decode = max_new_tokens * step_s  # one loop (items <= batch_size)
    assert items <= batch_size
    return EvalPace(step_s=step_s, score_s=decode * 0.4 / 0.6 / items, steps_per_loop=max_new_tokens,
                    max_new_tokens=max_new_tokens, limited=1.0)  # fmt: skip


def test_a_kept_pace_with_scoring_40_percent_puts_the_bar_at_0_6_when_answering_ends(model_set):
    from ftlib import evaluate as E
    from tests.test_evaluate import ROWS

    rows = [ROWS[0], ROWS[1], ROWS[3]]
    pace = _pace_scoring_40_percent(3, 8, 2)
    assert pace.answer_share(3, 8, 2) == pytest.approx(0.6)
    seen: list[tuple[str, float]] = []
    E.evaluate(model_set, rows, model_set.names[1], max_new_tokens=2, batch_size=8,
               progress=lambda m, f: seen.append((m, f)), pace=pace)  # fmt: skip
    scoring = [f for m, f in seen if m.startswith("Scoring")]
    assert scoring == [pytest.approx(0.6), pytest.approx(0.6 + 0.4 / 3), pytest.approx(0.6 + 0.8 / 3)], seen
    # With no pace kept (a first evaluation), the default split stays.
    seen.clear()
    E.evaluate(model_set, rows, model_set.names[1], max_new_tokens=2, batch_size=8,
               progress=lambda m, f: seen.append((m, f)))  # fmt: skip
    assert [f for m, f in seen if m.startswith("Scoring")][0] == pytest.approx(E.ANSWERING)


def test_an_eval_job_passes_the_last_pace_on_its_device_and_keeps_its_own(model_set, monkeypatch):
    """The page's job: the pace the last evaluation on the device kept goes to `evaluate`, and a finished one's own
    pace (its tally's) is kept for the next."""
    from ftlib import evaluate as E

    decode_rate.forget()
    monkeypatch.setattr(decode_rate, "_EVAL_PACES", {})
    calls: list[dict] = []

    def fake_evaluate(model_set, rows, adapter, tally: EvalTally, **kwargs):
        calls.append(kwargs)
        tally.items, tally.max_new_tokens, tally.done, tally.score_s = 2, 4, 2, 3.0  # synthetic seconds
        tally.batch_timed([(4, 4, True)], 10.0, [11.0, 11.5, 12.0, 12.5])
        return None

    monkeypatch.setattr(E, "evaluate", fake_evaluate)
    first = E.EvalJob(model_set, [{}], model_set.names[1], max_new_tokens=4)
    first.work()
    assert calls[0]["pace"] is None  # nothing timed on this device yet: the default split
    kept = decode_rate.eval_pace(model_set.device)
    assert kept is not None and kept.score_s > 0
    E.EvalJob(model_set, [{}], model_set.names[1], max_new_tokens=4).work()
    assert calls[1]["pace"] == kept
    assert decode_rate.eval_pace("cuda:0") is None  # another device's bar keeps its own
