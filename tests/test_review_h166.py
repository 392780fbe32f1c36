"""Helper 166: a review of the session's second wave (9d1d041 onwards)."""

from __future__ import annotations

import json

from tests.test_cli_errors import one_error_line


def test_grpo_without_rewards_offers_contains_column_for_an_answer_column_of_free_text(tmp_path, capsys):
    """9d1d041 offered `{"final_answer": "answer"}` for any `answer` column: where it holds free text ("Paris"),
    an answer's final answer is never that text ("It is Paris." has none), so the offered reward scores nearly
    every answer 0 and GRPO learns nothing. The kind its values fit is offered (final_answer.column_kind), and
    it works as given."""
    from ftlib.commands.train import given_settings

    path = tmp_path / "capitals.jsonl"
    cities = ["Paris", "Rome", "Lima", "Oslo", "Bern", "Kyiv", "Riga", "Doha"]
    rows = [{"prompt": f"Name capital number {i}.", "answer": city} for i, city in enumerate(cities)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    line = one_error_line(capsys, ["train", "--method", "grpo", "--dataset", str(path)])
    offered = '[{"contains_column": "answer"}]'
    assert f"e.g. --rewards '{offered}': 1 where an answer contains the prompt's `answer` in whole words" in line, line
    assert "final_answer" not in line, line
    assert given_settings(None, [], {"method": "grpo", "dataset": str(path), "rewards": offered}).config().rewards


def test_grpo_without_rewards_keeps_the_general_example_for_an_answer_column_of_objects(tmp_path, capsys):
    """An `answer` column holding objects has no text for either column reward (reward_columns.column_reward names the
    dotted path instead): the general example stays, not `{"final_answer": "answer"}`."""
    from ftlib.methods import REWARD_EXAMPLE

    path = tmp_path / "objects.jsonl"
    rows = [{"prompt": f"What is {i} + {i}?", "answer": {"value": str(2 * i)}} for i in range(8)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    line = one_error_line(capsys, ["train", "--method", "grpo", "--dataset", str(path)])
    assert line.endswith(f"e.g. {REWARD_EXAMPLE}."), line


def test_a_reason_opening_on_the_word_a_reads_on_in_lower_case_after_the_colon():
    """42f3054's after_colon lower-cased "This prompt only row ..." but left "A plain-text row has no prompt to
    answer." (reward_eval._prompt_of's refusal, the first reason of a GRPO run's evaluation on text rows) as
    "None of the 3 test rows can be evaluated: A plain-text row ...": its second letter is a space, not lower case."""
    from ftlib.errors import after_colon

    assert after_colon("A plain-text row has no prompt to answer.") == "a plain-text row has no prompt to answer."
    assert after_colon("A100 is not lent here.") == "A100 is not lent here."
    assert after_colon("DPO's pairs") == "DPO's pairs"
