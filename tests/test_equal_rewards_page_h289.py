"""The Train page shows a GRPO run's share of groups with equal rewards per step (TRL's `frac_reward_zero_std`,
recorded in metrics.jsonl since d6c4ce37) beside its reward curves, and warns in the CLI's words where the last
steps all had equal rewards in every group: every advantage 0, nothing learned (helper 289)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from ftlib.metrics import EQUAL_REWARDS_FIX
from ftlib.testing import make_run
from tests.test_pages_alignment import APP


def _page(name: str, shares: list[float], model_dir) -> AppTest:
    metrics = [
        {"kind": "train", "step": i + 1, "loss": 0.01, "reward": 0.5, "reward_std": 0.3, "elapsed": 1.0 + i}
        | {"frac_reward_zero_std": share}
        for i, share in enumerate(shares)
    ]
    run = make_run(name, {"method": "grpo", "rewards": [{"regex": "[0-9]"}], "model": str(model_dir)}, metrics=metrics)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run().switch_page("pages/4_Train.py")
    at.session_state["train_selected"] = run.id
    at.run()
    assert not at.exception, at.exception
    return at


def _warned(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if "steps had equal rewards in every group" in w.value]


def test_the_share_is_drawn_per_step_and_the_last_steps_all_equal_are_warned(tiny_model_dir):
    # reward_std 0.3: the groups differ from each other, yet each group scored alike (the share says so)
    at = _page("20261208-040000-grpo-equal", [0.5, 1.0, 1.0, 1.0], tiny_model_dir)
    charts = at.get("vega_lite_chart")  # the page's other charts are Plotly's
    assert "Groups with equal rewards" in " ".join(m.value for m in at.markdown)
    assert any("frac_reward_zero_std" in c.value and "advantage" in c.value for c in at.caption)
    assert len(charts) == 1
    said = _warned(at)
    words = "The last 3 steps had equal rewards in every group: nothing to learn from them"
    fix = EQUAL_REWARDS_FIX.replace("`grpo_group_size`", "**Answers per prompt**")  # the box's label on the page
    assert said == [f"{words}; {fix}."]


def test_no_warning_where_a_recent_step_had_groups_that_differ(tiny_model_dir):
    at = _page("20261208-040000-grpo-mixed", [1.0, 1.0, 0.5, 1.0, 1.0], tiny_model_dir)
    assert "Groups with equal rewards" in " ".join(m.value for m in at.markdown)
    assert not _warned(at)


def test_a_run_logged_before_the_share_was_recorded_draws_no_share(tiny_model_dir):
    at = _page("20261208-040000-grpo-old", [None, None, None], tiny_model_dir)
    assert not at.get("vega_lite_chart") and "Groups with equal rewards" not in " ".join(m.value for m in at.markdown)
    assert not _warned(at)  # reward_std 0.3: the groups' answers differ
