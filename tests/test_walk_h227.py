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


# `train` (and `runs resume --wait`) ended a DPO run with "held-out loss 0.0032" alone, where `runs show` said
# "held-out: loss 0.0032, reward accuracy 100%" and the Train page headlines "Held-out reward accuracy 100%": a DPO
# objective's loss says little to a newcomer; the share of pairs moved the right way does. A reward model's line
# already gave its accuracy.
def test_trains_last_line_gives_a_preference_runs_held_out_rewards_as_runs_show_does(capsys):
    from ftlib import runs
    from ftlib.cli import main
    from ftlib.commands.train import said_end
    from ftlib.testing import make_run

    dpo = [{"kind": "train", "step": s, "loss": 0.69 - 0.1 * s, "reward_accuracy": 0.5} for s in (1, 2)]
    dpo += [{"kind": "eval", "step": 2, "eval_loss": 0.2082, "eval_reward_accuracy": 0.8}]
    make_run("r-dpo-end", {"dataset": "d", "method": "dpo"}, metrics=dpo, step=2, max_steps=2)
    kto = [{"kind": "train", "step": s, "loss": 0.5 - 0.1 * s, "rewards_chosen": 0.1, "kl": 0.0} for s in (1, 2)]
    kto += [{"kind": "eval", "step": 2, "eval_loss": 0.3366, "eval_rewards_chosen": -0.7062,
             "eval_rewards_rejected": -5.3989}]  # fmt: skip
    make_run("r-kto-end", {"dataset": "d", "method": "kto"}, metrics=kto, step=2, max_steps=2)

    for run_id, words in (("r-dpo-end", ", reward accuracy 80%"), ("r-kto-end", ", rewards good -0.706, bad -5.399")):
        assert said_end(run_id, runs.find(run_id).summary()) == 0
        end = capsys.readouterr().out
        loss = runs.find(run_id).summary().eval_text  # "loss 0.2082"
        assert end.rstrip().endswith(f"held-out {loss}{words}"), end
        assert main(["runs", "show", run_id]) == 0
        assert f"held-out: {loss}{words}" in capsys.readouterr().out  # the same words in `runs show`
