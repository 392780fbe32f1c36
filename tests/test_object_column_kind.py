"""The hint on an object column (verl's `reward_model: {"ground_truth": ...}`) names the reward kind the user wrote:
`{"final_answer": "reward_model"}` was told to write `{"contains_column": "reward_model.ground_truth"}` (helper 93),
switching away from the reward that fits a GSM8K-style reference. And GRPO's note on conversations gives the example
reward their answers fit (`final_answer.column_kind`)."""

from __future__ import annotations

import pytest

from ftlib.column_values import object_problem, path_keys, unreadable
from ftlib.config import RunConfig
from ftlib.reward_functions import RewardError
from ftlib.rewards import build_rewards, check_columns

# A row of prompts in verl's shape: the reference inside an object column, beside other fields.
SHELF = {"data_source": "shelves", "reward_model": {"style": "rule", "ground_truth": "14"}, "extra_info": {"id": 3}}
ASKED = [[{"role": "user", "content": "A shelf holds 7 books; how many do two hold?"}]]


@pytest.mark.parametrize("kind", ["contains_column", "final_answer"])
def test_an_object_column_is_refused_with_the_path_for_the_kind_written(kind):
    (whole,) = build_rewards([{kind: "reward_model"}], load_models=False)
    with pytest.raises(RewardError) as refused:
        check_columns([whole], [SHELF], prompts=ASKED)
    said = str(refused.value)
    assert f'{{"{kind}": "reward_model.ground_truth"}}' in said, said
    other = {"contains_column", "final_answer"} - {kind}
    assert not any(f'"{o}"' in said.split(":", 1)[1] for o in other), said  # the label names the kind; no other hint

    (wrong,) = build_rewards([{kind: "reward_model.answer"}], load_models=False)
    with pytest.raises(RewardError) as lacking:
        check_columns([wrong], [SHELF], prompts=ASKED)
    said = str(lacking.value)
    assert f'`reward_model` holds the keys style, ground_truth: {{"{kind}": "reward_model.ground_truth"}}?' in said
    check_columns(build_rewards([{kind: "reward_model.ground_truth"}], load_models=False), [SHELF], prompts=ASKED)


def test_the_hints_default_to_contains_column_and_name_the_kind_given():
    assert object_problem("reward_model", SHELF["reward_model"]).endswith(
        '{"contains_column": "reward_model.ground_truth"}.'
    )
    assert object_problem("reward_model", {"style": "rule"}, "final_answer").count(
        '{"final_answer": "reward_model.KEY"}'
    )
    assert unreadable("reward_model", [SHELF], "final_answer")[1].endswith(
        '{"final_answer": "reward_model.ground_truth"}.'
    )
    assert path_keys("reward_model.x", [SHELF], "final_answer").endswith(
        '{"final_answer": "reward_model.ground_truth"}?'
    )


def _chats(answers: list[str]) -> list[dict]:
    return [
        {"messages": [{"role": "user", "content": f"Question {i}?"}, {"role": "assistant", "content": answer}]}
        for i, answer in enumerate(answers)
    ]


def test_the_note_on_conversations_gives_the_example_their_answers_fit(tiny_model_dir):
    """Conversations whose answers end in GSM8K's '#### N' are told of `final_answer`; free-text ones keep
    `contains_column` (pinned in test_rewards)."""
    from ftlib.run_preflight import grpo_conversation_notes, preflight

    worked = _chats(["Two shelves hold 7 + 7 = 14.\n#### 14", "Half of 10 is 5.\n#### 5"])
    config = RunConfig(method="grpo", model=str(tiny_model_dir), rewards=[{"regex": "^1"}], max_length=64)
    (said,) = [w for w in preflight(config, rows=(worked, [])).warnings if w.startswith("GRPO reads")]
    assert '(`{"final_answer": "answer"}`, or a registered' in said and "contains_column" not in said, said
    (free,) = grpo_conversation_notes(_chats(["Red.", "Blue, mostly."]))
    assert '(`{"contains_column": "answer"}`, or a registered' in free and "final_answer" not in free, free
