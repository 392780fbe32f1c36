"""README's commands run as a newcomer pastes them (helper 197). `evaluate RUN` on a GRPO run printed "↻ 2 of 3 tuned
answers ... repeat themselves instead of answering: the loss scores the reference answers, not these": a GRPO run's
prompts have no reference answer and no loss; its rewards score these very answers (a `not_repeating` reward scores
the loop). The Evaluate page says no such thing of a GRPO run; `evaluate` now does not either, and still counts the
answers the token limit cut."""

from __future__ import annotations

from types import SimpleNamespace

from ftlib.commands.evaluate import _report
from ftlib.reward_eval import RewardedAnswers, RewardResult
from tests.test_pages_evaluate_kept_scores import grpo_run  # noqa: F401 (a fixture)

LOOP = "Ahoy! Ahoy! Ahoy! Ahoy! Ahoy! Ahoy! Ahoy! Ahoy! Ahoy! Ahoy! Ahoy! Ahoy!"


def grpo_result() -> RewardResult:
    rows = [
        RewardedAnswers(i, f"Question {i}?", LOOP, LOOP, {"regex": 0.0}, {"regex": 1.0}, 0.0, 1.0, True, True)
        for i in range(3)
    ]
    return RewardResult("run", ["regex"], rows)


def test_evaluate_on_a_grpo_run_says_no_loss_scores_its_looping_answers(capsys):
    args = SimpleNamespace(json=False, csv=None, max_new_tokens=None)
    _report(args, grpo_result(), "default", "tokenizer")
    out = capsys.readouterr().out
    assert "the loss scores the reference answers" not in out
    assert "✂ 3 of 3 tuned answers and 3 of the base model's stopped at" in out  # the cut answers still counted


def test_evaluate_on_a_grpo_run_names_the_limit_that_cut_its_answers(capsys, grpo_run, varied_dir):  # noqa: F811
    """It said "stopped at the token limit" where the page says "the 8-token limit": the limit it answered with."""
    from ftlib.cli import main

    assert main(["evaluate", grpo_run.id]) == 0  # 8 new tokens: the run's own (a tiny model rarely stops by then)
    cut = [line for line in capsys.readouterr().out.splitlines() if line.startswith("note: ✂")]
    assert len(cut) == 1 and "stopped at the 8-token limit, not at their own end" in cut[0], cut
