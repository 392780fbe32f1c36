"""GRPO's `final_answer` reward (ftlib/final_answer.py): 1.0 only when the answer's final answer equals the reference
column's. `contains_column` gives full marks for the right number anywhere in an answer, so "16 + 8 = 24 friends ...
so 40" scored 1.0 against "#### 24" and GRPO could learn to scatter numbers (helper 89's walk); no reward kind
compared final answers, as every GSM8K recipe does."""

from __future__ import annotations

import json

import pytest

from ftlib.column_values import column_answer_score
from ftlib.config import ConfigError, RunConfig
from ftlib.final_answer import final_answer, final_answer_score
from ftlib.reward_functions import RewardError
from ftlib.rewards import build_rewards, check_columns, score_completions

SOLUTION = "Mia has 16 friends and meets 8 more.\n16 + 8 = 24\n#### 24"  # written for this test, GSM8K's shape


@pytest.mark.parametrize(
    "reference, answer, score",
    [
        (SOLUTION, "16 + 8 = 24, so she has 24 friends.", 1.0),  # GSM8K-shaped: the last number
        (SOLUTION, "16 + 8 = 24 friends, and 16 more is 40", 0.0),  # the right number, not the final one
        (SOLUTION, "She has 24.\n#### 24", 1.0),
        (SOLUTION, "#### 26\nno wait, 24", 0.0),  # the line after "####" is the final answer
        (SOLUTION, "The sum is \\boxed{24}.", 1.0),
        (SOLUTION, "\\boxed{16} and then \\boxed{40}", 0.0),  # the last box
        (SOLUTION, "<think>16 + 8 = 24, then 40?</think><answer>24</answer>", 1.0),  # tags over the last number
        (SOLUTION, "<think>So 24.</think><answer>40</answer> (24 was wrong)", 0.0),
        (SOLUTION, "<answer>24 friends</answer>", 1.0),
        (SOLUTION, "<answer></answer> 24", 0.0),  # an empty answer tag: no number in it
        ("#### 5000", "They printed 5,000 flyers.", 1.0),  # commas, as 248275b reads numbers
        ("#### 13", "It costs $13.00", 1.0),  # currency and a decimal tail
        ("#### 13", "It costs $13.50", 0.0),
        ("#### -3", "The change is -3", 1.0),
        ("#### 3", "The change is -3", 0.0),
        ("#### 24", "I do not know.", 0.0),  # no number
        ("#### 24", "", 0.0),
        ("The answer is $\\boxed{\\frac{1}{2}}$.", "So x = \\boxed{\\frac{1}{2}}", 1.0),  # MATH-shaped, as text
        ("The answer is $\\boxed{\\frac{1}{2}}$.", "So x = \\boxed{\\frac{1}{3}}", 0.0),
        ("Paris", "<answer> paris. </answer>", 1.0),  # text: case, spaces and a full stop left out
        ("Paris", "It is Paris, I think", 0.0),  # no marked final answer: the whole answer
    ],
)
def test_the_answers_final_answer_is_compared_with_the_references(reference, answer, score):
    assert final_answer_score(reference, answer) == score, final_answer(answer)


def test_contains_column_still_scores_a_number_anywhere_which_final_answer_does_not():
    scattered = "16 + 8 = 24 friends, and 16 more is 40"
    assert (column_answer_score(SOLUTION, scattered), final_answer_score(SOLUTION, scattered)) == (1.0, 0.0)


def test_a_grpo_batch_of_gsm8k_rows_scores_by_final_answer():
    """As GRPO calls it: each row's `answer` column beside the prompt; a list of answers is any of them."""
    rewards = build_rewards([{"final_answer": "answer"}])
    prompts = [[{"role": "user", "content": "How many friends?"}]] * 3 + [[{"role": "user", "content": "Cost?"}]]
    columns = [{"answer": SOLUTION}] * 3 + [{"answer": ["#### 13", "#### 13.5"]}]
    answers = ["So 24.", "24 friends then 40", "<answer>24</answer>", "It is 13.50 dollars"]
    table = score_completions(rewards, prompts, answers, columns=columns)
    assert table.scores["final_answer"] == [1.0, 0.0, 1.0, 1.0]
    assert rewards[0].label == 'final_answer "answer"'


def test_a_row_without_the_column_is_refused_naming_the_reward():
    rewards = build_rewards([{"final_answer": "answer"}])
    with pytest.raises(RewardError, match=r"`final_answer` names the column 'answer', which the prompt"):
        rewards[0].scores([[{"role": "user", "content": "Hi?"}]], ["4"], columns=[{"prompt": "Hi?"}])
    with pytest.raises(RewardError, match=r"reads the column 'answer', which the training prompt 'Hi\?' does not"):
        check_columns(rewards, [{"prompt": "Hi?"}], prompts=[[{"role": "user", "content": "Hi?"}]])


def test_the_config_round_trips_and_a_misspelling_is_answered_with_the_kind():
    rewards = [{"final_answer": "answer", "weight": 1.0}, {"not_repeating": {}, "weight": 0.2}]
    config = RunConfig(method="grpo", rewards=rewards)
    again = RunConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again.rewards == rewards == RunConfig(method="grpo", rewards=json.dumps(rewards)).rewards
    with pytest.raises(ConfigError, match=r"among regex, .*final_answer.*Did you mean `final_answer`\?"):
        RunConfig(method="grpo", rewards=[{"final_anwser": "answer"}])
    with pytest.raises(ConfigError, match=r"`final_answer` needs the name of the prompts' file's column"):
        RunConfig(method="grpo", rewards=[{"final_answer": ""}])
    with pytest.raises(ConfigError, match=r"`final_answer` names a path of 17 parts .* e\.g\. \{\"final_answer\""):
        RunConfig(method="grpo", rewards=[{"final_answer": ".".join(["a"] * 17)}])


def test_the_cli_and_the_train_form_describe_it():
    from ftlib.methods import REWARD_KINDS, GRPOSettings

    assert "final_answer" in REWARD_KINDS
    help_text = GRPOSettings.__dataclass_fields__["rewards"].metadata
    assert "{final_answer: COLUMN}" in json.dumps(dict(help_text)), help_text


def _prompts(tmp_path, with_answers: bool = True) -> str:
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / "gsm.jsonl"
    rows = [
        {"prompt": "Mia has 16 friends and meets 8 more. How many now?", "answer": SOLUTION},
        {"prompt": "A pen costs $6.50 and a pad $6.50. Total?", "answer": "6.50 + 6.50 = 13\n#### 13"},
        {"prompt": "Ravi prints 2,500 flyers twice. How many?", "answer": "2,500 * 2 = 5000\n#### 5000"},
    ]
    if not with_answers:
        rows = [{"prompt": r["prompt"]} for r in rows]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def test_a_grpo_preflight_with_final_answer_on_a_tiny_model(tmp_path, tiny_model_dir):
    """The Train page's and `train`'s pre-flight: the rewards built, the column checked in every prompt, and each
    reward tried on the first prompts with the row's reference standing in for an answer (it scores 1.0)."""
    from ftlib.run_preflight import preflight

    data = {"test_size": 0, "batch_size": 2}
    config = RunConfig(method="grpo", model=str(tiny_model_dir), rewards=[{"final_answer": "answer"}],
                       dataset=_prompts(tmp_path), **data)  # fmt: skip
    assert preflight(config).errors == []
    bare = RunConfig(**{**config.to_dict(), "dataset": _prompts(tmp_path / "bare", with_answers=False)})
    errors = preflight(bare).errors
    assert len(errors) == 1 and "The reward final_answer \"answer\" reads the column 'answer'" in errors[0], errors


def test_the_train_pages_reward_table_lists_every_kind():
    """The Train page's table of rewards beside the Rewards box (ui/alignment_view.py) shows one example of each."""
    from ftlib.methods import REWARD_KINDS
    from ui.alignment_view import REWARD_EXAMPLES

    assert [next(iter(json.loads(example))) for example, _ in REWARD_EXAMPLES] == list(REWARD_KINDS)


def test_a_one_step_grpo_run_scores_its_answers_by_final_answer(varied_model, tmp_path):
    """The whole path on a tiny model: a file of prompts with GSM8K-shaped `answer`s, split when queued, one step of
    TRL's GRPOTrainer, whose reward reads each answer's own row; its metric and its column in the answers' table."""
    from ftlib import runs
    from ftlib.worker import execute
    from tests.test_alignment import _steady

    rewards = [{"final_answer": "answer"}, {"not_repeating": {}, "weight": 0.1}]
    config = _steady(varied_model(3), method="grpo", rewards=rewards, dataset=_prompts(tmp_path), test_size=0.0,
                     max_steps=1, batch_size=2, grpo_group_size=2, grpo_max_new_tokens=4)  # fmt: skip
    run = runs.find(runs.create_run(config))
    assert execute(run.path) == "finished", run.read_status()
    step, table = run.latest_completions()
    assert step == 1 and "final_answer" in table[0] and all(row["final_answer"] in (0.0, 1.0) for row in table)
    assert "reward_final_answer" in set().union(*run.read_metrics())
