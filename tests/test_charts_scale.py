"""A long run's charts: a 20,000-step run's were ~450 KB of JSON sent on every 2 s poll (a cold review). A line of
more than `MAX_POINTS` steps keeps each stretch's lowest and highest point, so a spike stays where it was."""

from __future__ import annotations

import math

from ui import charts


def _long_run(steps: int) -> list[dict]:
    rows = [
        {"kind": "train", "step": s, "loss": 2.0 + math.sin(s / 50), "reward": 0.1, "reward_std": 0.05}
        for s in range(1, steps + 1)
    ]
    rows[12_345 % steps]["loss"] = 40.0  # one spike
    rows[777]["loss"] = -3.0  # one dip
    return rows + [{"kind": "eval", "step": s, "eval_loss": 1.5, "eval_reward": 0.2} for s in range(500, 20_001, 500)]


def test_a_long_runs_lines_are_bounded_and_keep_their_spikes_and_every_evaluation():
    rows = _long_run(20_000)
    fig = charts.loss_figure(rows)
    train, held_out = fig.data
    assert len(train.x) <= charts.MAX_POINTS and list(train.x) == sorted(train.x)
    assert (max(train.y), min(train.y)) == (40.0, -3.0)
    assert train.x[list(train.y).index(40.0)] == 12_346
    assert len(held_out.x) == 40  # each evaluation's marker
    assert len(fig.to_json()) < 120_000
    rewards = charts.grpo_figures(rows)[0]
    assert all(len(trace.x) <= 2 * charts.MAX_POINTS for trace in rewards.data)  # the band: both edges


def test_a_short_runs_lines_are_drawn_whole():
    rows = _long_run(1_500)
    (train, _) = charts.loss_figure(rows).data
    assert list(train.x) == list(range(1, 1_501))
