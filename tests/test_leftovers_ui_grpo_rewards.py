"""A GRPO run's per-reward numbers beside their weights: each reward's mean, its weight and its part of the total
(weight x mean), the parts adding up to the mean total reward the run logs (Train) or the evaluation reports
(Evaluate). A run optimizes the weighted sum; unweighted means alone did not add up to it."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import runs, workspace
from ftlib.rewards import reward_names, weighted_parts
from ftlib.testing import make_random_adapter, make_run

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PROMPTS = [{"prompt": [{"role": "user", "content": f"Tell me about the number {i}."}]} for i in range(8)]
# Weights that cannot pass by accident: neither 1, and different (an unweighted sum, or the weights swapped, differ).
REWARDS = [{"length": {"target": 4}, "weight": 2.0}, {"not_repeating": {}, "weight": 0.5}]


def parts_table(at: AppTest):
    return next(d.value for d in at.dataframe if "reward" in d.value.columns and "weight" in d.value.columns)


def test_weighted_parts_name_the_rewards_as_the_run_logs_them_and_add_up():
    specs = [{"regex": "^A", "weight": 3}, {"regex": "B$"}, {"not_repeating": {}, "weight": -0.5}]
    assert reward_names(specs) == ["regex", "regex_2", "not_repeating"]
    parts = weighted_parts(specs, {"regex": 0.5, "regex_2": 0.25, "not_repeating": 0.8})
    assert [(p.label, p.weight, p.mean, p.part) for p in parts] == [
        ('regex "^A"', 3.0, 0.5, 1.5),
        ('regex "B$"', 1.0, 0.25, 0.25),
        ("not_repeating", -0.5, 0.8, pytest.approx(-0.4)),
    ]
    assert [p.part for p in weighted_parts(specs, {"regex": 0.5})][1:] == [None, None]  # not measured: no part


def test_a_registered_function_is_named_as_registered_and_older_runs_still_read():
    """A cold review: two registered functions logged `reward_function` and `reward_function_2`, and the page's
    columns, captions and chart legend said no more; the name the operator registered says which is which."""
    specs = [{"function": "correct", "weight": 1}, {"function": "length_r", "weight": 0.5}, {"function": "x/y"}]
    assert reward_names(specs) == ["correct", "length_r", "function"]  # "/" would split TRL's metric key
    parts = weighted_parts(specs, {"correct": 1.0, "length_r": 0.5, "function": 0.0})
    assert [(p.name, p.part) for p in parts] == [("correct", 1.0), ("length_r", 0.25), ("function", 0.0)]
    # A run logged before 2026-12-04 (every function "function", numbered): its means are found under those names.
    old = weighted_parts(specs, {"function": 1.0, "function_2": 0.5, "function_3": 0.0})
    assert [(p.name, p.mean) for p in old] == [("function", 1.0), ("function_2", 0.5), ("function_3", 0.0)]


def test_a_rewards_text_that_does_not_parse_is_refused_in_one_line():
    from ftlib.rewards import text_problems

    (problem,) = text_problems("[{function: x")
    assert "\n" not in problem and "not valid JSON or YAML" in problem and "(line 1, column" in problem


def test_the_train_page_shows_each_rewards_weight_and_part_adding_up_to_the_logged_reward(varied_model, tmp_path):
    """A real tiny GRPO run: what TRL logs per reward (`rewards/<name>/mean`, unweighted) times each weight sums to
    the `reward` it logs, on every step and held-out evaluation; the page's table shows those parts and that total."""
    from ftlib.worker import execute

    model = varied_model(3)
    workspace.save_split("prompts", PROMPTS[:6], PROMPTS[6:])
    settings = {
        "model": str(model),
        "method": "grpo",
        "dataset": "prompts",
        "rewards": REWARDS,
        "max_steps": 2,
        "batch_size": 2,
        "eval_every": 1,
        "save_every": 0,
        "max_length": 128,
        "learning_rate": 1e-2,
        "scheduler": "constant",
        "warmup_ratio": 0.0,
        "grpo_max_new_tokens": 8,
        "device": "cpu",
    }
    run = runs.find(runs.create_run(settings))
    assert execute(run.path) == "finished", run.read_status()
    metrics = run.read_metrics()
    train = [m for m in metrics if m["kind"] == "train"]
    evals = [m for m in metrics if m["kind"] == "eval" and "eval_reward" in m]
    assert len(train) == 2 and evals
    for row, prefix in [(m, "") for m in train] + [(m, "eval_") for m in evals]:
        parts = weighted_parts(REWARDS, {n: row[f"{prefix}reward_{n}"] for n in ("length", "not_repeating")})
        assert sum(p.part for p in parts) == pytest.approx(row[f"{prefix}reward"], abs=1e-5)
    # The sentinel: the weights matter here (an unweighted sum of the means is not the logged total).
    last = train[-1]
    assert abs(last["reward_length"] + last["reward_not_repeating"] - last["reward"]) > 1e-3

    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(model)
    at.run().switch_page("pages/4_Train.py")
    at.session_state["train_selected"] = run.id
    at.run()
    assert not at.exception, at.exception
    table = parts_table(at).set_index("reward")
    step, held_out = f"step {last['step']}", f"held-out, step {evals[-1]['step']}"
    assert list(table.index) == ['length {"target": 4}', "not_repeating", "total (weighted sum)"]
    assert list(table["weight"][:2]) == [2.0, 0.5]
    assert table[f"{step}: mean score"][:2].tolist() == pytest.approx(
        [last["reward_length"], last["reward_not_repeating"]]
    )
    assert table[f"{step}: × weight"][:2].tolist() == pytest.approx(
        [2.0 * last["reward_length"], 0.5 * last["reward_not_repeating"]]
    )
    assert table.loc["total (weighted sum)", f"{step}: × weight"] == pytest.approx(last["reward"])
    assert table[f"{step}: × weight"][:2].sum() == pytest.approx(last["reward"], abs=1e-5)
    assert table.loc["total (weighted sum)", f"{held_out}: × weight"] == pytest.approx(evals[-1]["eval_reward"])
    assert table[f"{held_out}: × weight"][:2].sum() == pytest.approx(evals[-1]["eval_reward"], abs=1e-5)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Reward"].startswith(f"{last['reward']:.3f}")  # the total row is the Reward above it
    assert any("total = 2 × length + 0.5 × not_repeating" in c.value for c in at.caption)  # the latest answers


def test_the_evaluate_page_shows_each_rewards_weight_and_part_adding_up_to_each_models_reward(varied_model, tmp_path):
    from tests.test_evaluate_runs import GRPO_REWARDS
    from tests.test_evaluate_runs import PROMPTS as HELD_OUT
    from tests.test_pages_compare import button, open_page

    model = varied_model(3)
    adapter = make_random_adapter(str(model), tmp_path / "adapter", seed=5, b_std=0.5)
    workspace.save_split("prompts", HELD_OUT, HELD_OUT)
    assert [r.get("weight", 1) for r in GRPO_REWARDS] == [1, 0.5]  # one weight that is not 1: the sentinel
    config = {"method": "grpo", "model": str(model), "dataset": "prompts", "rewards": GRPO_REWARDS}
    make_run("20260101-000000-grpo-prompts", config | {"grpo_max_new_tokens": 8}, adapter=adapter)
    at = open_page("pages/6_Evaluate.py", model)
    button(at, "Answer and score").click()
    at.run()
    assert at.session_state["evaluate_answers_job"][1].wait(timeout=300)
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    agg = at.session_state["evaluate_answers_job"][1].result.aggregates()
    table = parts_table(at).set_index("reward")
    assert list(table.index) == ['length {"target": 4}', 'regex "[aeiou]"', "total (weighted sum)"]
    assert list(table["weight"][:2]) == [1.0, 0.5]
    for side in ("base", "tuned"):
        means = [agg[f"{side}_reward_length"], agg[f"{side}_reward_regex"]]
        assert table[f"{side}: mean score"][:2].tolist() == pytest.approx(means)
        assert table[f"{side}: × weight"][:2].tolist() == pytest.approx([means[0], 0.5 * means[1]])
        assert table.loc["total (weighted sum)", f"{side}: × weight"] == pytest.approx(agg[f"{side}_reward"])
        assert table[f"{side}: × weight"][:2].sum() == pytest.approx(agg[f"{side}_reward"])
    assert abs(agg["tuned_reward_length"] + agg["tuned_reward_regex"] - agg["tuned_reward"]) > 1e-3  # weights matter
    shown = {m.label: m.value for m in at.metric}
    assert shown["Tuned reward"] == f"{agg['tuned_reward']:.3f}"  # the total row is the metric above it


def test_the_total_of_a_table_of_answers_is_said_in_the_tables_own_names():
    from ui.alignment_view import total_words

    specs = [{"function": "correct", "weight": 2}, {"regex": "^A", "weight": 0.5}]
    assert total_words(specs) == "total = 2 × correct + 0.5 × regex"
    # A run's answers logged before functions were named as registered: its columns say "function".
    old = {"prompt": "Q", "answer": "A", "function": 1.0, "regex": 0.0, "total": 2.0, "advantage": 0.1}
    assert total_words(specs, old) == "total = 2 × function + 0.5 × regex"
