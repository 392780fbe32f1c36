"""What `train` prints while preference and RL runs train (helper 285, a newcomer's walk).

GRPO: a step whose every group of answers got equal rewards printed `grad 0.000` and nothing else, though every
advantage (a reward minus its group's mean) is 0 then and the step learns nothing from the rewards. It is now said
once when it first happens, each such step is marked, and the end counts them where the run's message does not.
KTO: the `[eval step N]` lines showed only the loss; the held-out rewards of the good and the bad answers and the KL
estimate were said only in the last line.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ftlib.metrics import MetricsCallback
from tests.test_cli_train_settings import PROMPTS, SMALL, trained_here, write_rows

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


def test_grpo_says_once_that_equal_rewards_teach_nothing_and_marks_each_step(
    tmp_path, monkeypatch, capsys, tiny_model_dir
):
    data = write_rows(tmp_path / "prompts.jsonl", PROMPTS)
    never = '[{"regex": "^no answer is this$"}]'  # 0 for every answer: every group's rewards alike
    argv = ["train", "--model", str(tiny_model_dir), "--dataset", data, "--method", "grpo", "--rewards", never]
    argv += ["--grpo-group-size", "2", "--grpo-max-new-tokens", "4", *SMALL, "--max-steps", "2"]
    run = trained_here(monkeypatch, argv)
    out = capsys.readouterr().out.splitlines()
    steps = [line for line in out if line.startswith("[step ")]
    assert len(steps) == 2 and all(" equal rewards " in line for line in steps), steps
    said = [line for line in out if "every group of answers got equal rewards" in line]
    assert len(said) == 1 and said[0].startswith("[ftlib] step 1: "), out
    assert "grpo_group_size" in said[0]
    # TRL's own share of such groups reaches the metrics, as the Train page and `runs show` read them
    rows = run.read_metrics()
    assert [r["frac_reward_zero_std"] for r in rows if r.get("kind") == "train"] == [1.0, 1.0]
    # every step alike and the run finished: its message says so, not the count line besides
    assert not any("steps had equal rewards" in line for line in out), out


def _ended(tmp_path, history: list[dict], stopped: bool = False) -> None:
    """A run's end as the Trainer calls it: `history` its log, `stopped` a stop asked for."""
    callback = MetricsCallback(tmp_path)
    callback.stopped = stopped
    callback.on_train_end(SimpleNamespace(), SimpleNamespace(log_history=history), SimpleNamespace())


HISTORY = [
    {"step": 0, "eval_reward_std": 0.0, "eval_frac_reward_zero_std": 1.0},  # an evaluation: not a step
    {"step": 1, "reward": 0.5, "reward_std": 0.5, "frac_reward_zero_std": 1.0},  # alike within each group
    {"step": 2, "reward": 0.4, "reward_std": 0.2, "frac_reward_zero_std": 0.5},
    {"step": 3, "reward": 0.0, "reward_std": 0.0, "frac_reward_zero_std": 1.0},
]


@pytest.mark.parametrize(
    "history, stopped, said",
    [
        (HISTORY, False, "[ftlib] 2 of 3 steps had equal rewards in every group: nothing to learn from them; "),
        (HISTORY[2:3], False, None),  # a step that learned: nothing to count
        (HISTORY[3:], False, None),  # finished with every step alike: the run's message says it
        (HISTORY[3:], True, "[ftlib] 1 of 1 steps had equal rewards in every group"),  # stopped: no such message
    ],
    ids=["some", "none", "all-finished", "all-stopped"],
)
def test_the_end_counts_the_steps_with_equal_rewards(tmp_path, capsys, history, stopped, said):
    _ended(tmp_path, history, stopped)
    out = capsys.readouterr().out
    if said is None:
        assert "equal rewards" not in out, out
    else:
        assert out.startswith(said) and "a larger group size (`grpo_group_size`)" in out, out
