"""Helper 227's cold walk of the alignment methods (DPO, KTO, reward model, GRPO) in a browser and the CLI."""

from __future__ import annotations

# A run between its untrained model's held-out score (the loss chart's step 0) and its first training step has
# logged one eval row and no train row: the page drew "Learning rate" and "Tokens per second" as empty frames with
# made-up axes (-1 to 4 over steps 0 to 6), and under "For engineers" an empty gradient chart.
STEP_ZERO = {
    "dpo": {"kind": "eval", "step": 0, "eval_loss": 0.6931, "eval_reward_margin": 0.0, "eval_reward_accuracy": 0.0},
    "kto": {"kind": "eval", "step": 0, "eval_loss": 0.5, "eval_reward_margin": 0.0, "eval_kl": 0.0},
    "reward": {"kind": "eval", "step": 0, "eval_loss": 0.7, "eval_accuracy": 0.4, "eval_margin": -0.1},
    "grpo": {"kind": "eval", "step": 0, "eval_reward": 0.8, "eval_loss": 0.0},
    "lora": {"kind": "eval", "step": 0, "eval_loss": 2.5},
}


def test_before_the_first_step_no_chart_is_drawn_empty():
    from ui.charts import run_figures

    for method, row in STEP_ZERO.items():
        shown, engineers = run_figures([row], dpo=method == "dpo", method=method)
        empty = [f.layout.title.text for f in shown + engineers if not f.data]
        assert not empty, (method, empty)
        assert shown, method  # the held-out score at step 0 is still drawn
    # Once a step is logged, its charts are all there, as before.
    steps = [STEP_ZERO["lora"], {"kind": "train", "step": 1, "loss": 2.4, "learning_rate": 1e-4, "grad_norm": 0.5,
                                 "tokens_per_s": 300.0}]  # fmt: skip
    shown, engineers = run_figures(steps, dpo=False, method="lora")
    titles = [f.layout.title.text for f in shown + engineers]
    assert titles == ["Loss", "Learning rate", "Tokens per second", "Gradient size (grad norm)"], titles
