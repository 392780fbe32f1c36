"""What `train` prints while preference and RL runs train (helper 285, a newcomer's walk).

KTO: the `[eval step N]` lines showed only the loss; the held-out rewards of the good and the bad answers and the KL
estimate were said only in the last line.
"""

from __future__ import annotations

from tests.test_cli_train_settings import SMALL, trained_here, write_rows

PAIRS = [
    {"prompt": f"List fruit {i}.", "chosen": f"- apple {i}\n- pear", "rejected": f"apple {i} and pear."}
    for i in range(12)
]


def test_kto_eval_lines_carry_the_held_out_rewards_and_kl(tmp_path, monkeypatch, capsys, tiny_model_dir):
    """The eval lines as a real KTOTrainer's logs make them: each one with the rewards of both sides and its kl."""
    data = write_rows(tmp_path / "pairs.jsonl", PAIRS)
    argv = ["train", "--model", str(tiny_model_dir), "--dataset", data, "--method", "kto", "--test-size", "4"]
    trained_here(monkeypatch, [*argv, *SMALL])
    evals = [line for line in capsys.readouterr().out.splitlines() if line.startswith("[eval step")]
    assert evals, "no eval line"
    for line in evals:
        assert " eval loss " in line and " rewards good " in line and " bad " in line and " kl " in line, line


def test_dpo_eval_lines_carry_the_held_out_reward_accuracy_and_margin():
    from ftlib.metrics import _eval_line

    row = {"step": 4, "eval_loss": 0.61, "eval_reward_accuracy": 0.75, "eval_reward_margin": 0.0312}
    assert _eval_line(row) == "[eval step 4] eval loss 0.6100 reward acc 0.75 margin 0.031"
