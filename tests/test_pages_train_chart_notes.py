"""Each alignment chart on the Train page says what its lines mean (helper 196's walk: a team lead demoing DPO, KTO, a
reward model and GRPO found words under the loss, learning-rate and speed charts, none under "Rewards (DPO)" or
"Reward accuracy (DPO)", whose lines start at 0, read as a model preferring every wrong answer: TRL logs a step's
pairs before its update, and at step 0 the model is its own reference)."""

from __future__ import annotations

import json

import pytest

from ftlib.testing import make_run
from tests.test_pages_train import page

# (method, metrics of one step and of its evaluations, {chart title: words its caption must hold})
CASES = [
    (
        "dpo",
        {"reward_margin": 0.6, "rewards_chosen": 0.2, "rewards_rejected": -0.4, "reward_accuracy": 0.75},
        {"eval_reward_margin": 0.5, "eval_reward_accuracy": 0.8},
        {
            "Rewards (DPO)": ["than it did before training", "margin, chosen minus rejected"],
            "Reward accuracy (DPO)": ["0.5 = a coin toss", "first point reads 0", "not a model that prefers"],
        },
    ),
    (
        "kto",
        {"rewards_chosen": 0.3, "rewards_rejected": -0.2, "kl": 0.1},
        {"eval_reward_margin": 0.4},
        {"Rewards (KTO)": ["than it did before training", "good answers' should rise"]},
    ),
    (
        "reward",
        {"accuracy": 0.75, "margin": 1.2},
        {"eval_accuracy": 0.8, "eval_margin": 1.0},
        {
            "Accuracy (chosen above rejected)": ["0.5 = a coin toss"],
            "Margin (score of chosen minus rejected)": ["only which of two answers scores higher"],
        },
    ),
    (
        "grpo",
        {"reward": 0.5, "reward_std": 0.2, "kl": 0.01, "completion_length": 12.0},
        {"eval_reward": 0.4},
        {"Rewards (mean per step)": ["answers GRPO wrote", "held-out prompts", "spread"]},
    ),
]


@pytest.mark.parametrize("method, train, held_out, notes", CASES, ids=[c[0] for c in CASES])
def test_each_alignment_chart_says_what_its_lines_mean(tiny_model_dir, method, train, held_out, notes):
    metrics = [{"kind": "train", "step": s, "loss": 0.5, "learning_rate": 1e-4} | train for s in (1, 2)]
    metrics += [{"kind": "eval", "step": s, "eval_loss": 0.6} | held_out for s in (0, 2)]
    config = {"model": str(tiny_model_dir), "method": method}
    if method == "grpo":
        config["rewards"] = [{"contains": "yes"}]
    make_run(f"r-{method}", config, max_steps=2, metrics=metrics)
    at = page(tiny_model_dir)
    assert not at.exception
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    captions = [c.value for c in at.caption]
    for title, words in notes.items():
        assert title in titles, titles
        # The note sits under its own chart: the caption right after a chart is drawn in the same column.
        said = [c for c in captions if all(w in c for w in words)]
        assert said, f"no caption under {title!r} says {words}: {captions}"
