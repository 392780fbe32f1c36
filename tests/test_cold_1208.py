"""Found by using this session's new features cold (2026-12-06): runs compare, the Train page's Compare runs section,
train's default held-out share and GRPO's reward trial. Run folders are written directly (`make_run`)."""

from __future__ import annotations

from ftlib import run_compare, runs
from ftlib.testing import make_run


def curve(steps: int) -> list[dict]:
    return [{"kind": "train", "step": s, "loss": 2.0 - 0.1 * s, "tokens": 100 * s} for s in range(1, steps + 1)]


def test_a_run_taken_out_of_the_queue_before_its_first_step_is_not_offered_to_compare():
    """`runs stop` on a queued run leaves it interrupted with no step: nothing to compare, where a run stopped after
    a step has its curve (the picker listed every such 0-step run, 15 of them after a few GRPO tries)."""
    make_run("r-done", {"dataset": "numbers", "max_steps": 3}, metrics=curve(3), created=100.0)
    make_run("r-stopped", {"dataset": "numbers", "max_steps": 3}, state="interrupted", metrics=curve(1), created=200.0)
    make_run("r-unqueued", {"dataset": "numbers", "max_steps": 3}, state="interrupted", created=300.0)
    offered = [s.id for s in run_compare.comparable_runs(runs.list_runs())]
    assert offered == ["r-stopped", "r-done"]
