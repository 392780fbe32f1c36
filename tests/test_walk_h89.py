"""Helper 89's cold walk of GRPO on math word problems in GSM8K's shape (`question`, `answer` ending "#### 5000").

`contains_column` looked for the final answer only as written in the column: a model's "5,000 flyers" or "$13.00"
scored 0 against "#### 5000" and "#### 13" (GSM8K's final answers carry no commas; models write them), so GRPO
pushed correct answers down. A number written with thousands commas or a zero decimal tail is now the same number;
a different value, a part of a longer number or of a fraction is still not.
"""

from __future__ import annotations

import pytest

from ftlib.column_values import column_answer_score, contains_column_score
from ftlib.rewards import build_rewards, score_completions

FLYERS = "A press prints 1250 flyers a day: 1250 * 4 = <<1250*4=5000>>5000 flyers.\n#### 5000"
CHANGE = "The trays cost 9 * 2 = <<9*2=18>>18 dollars.\nThe change is 31 - 18 = <<31-18=13>>13 dollars.\n#### 13"


@pytest.mark.parametrize(
    "answer, solution",
    [
        ("It prints 5,000 flyers.", FLYERS),
        ("So the total is 5000.", FLYERS),
        ("The change is $13.00.", CHANGE),
        ("Lena gets 13.0 dollars back", CHANGE),
        ("(13)", CHANGE),
    ],
)
def test_the_same_number_written_otherwise_scores(answer, solution):
    assert column_answer_score(solution, answer) == 1.0


@pytest.mark.parametrize(
    "answer, solution",
    [
        ("It prints 50,00 flyers.", FLYERS),  # not a thousands grouping
        ("It prints 5,000.50 flyers.", FLYERS),  # another value
        ("It prints -5,000 flyers.", FLYERS),
        ("It prints 15,000 flyers.", FLYERS),
        ("It is 13.5 dollars.", CHANGE),
        ("It is 13,000 dollars.", CHANGE),
        ("It is 3/13 of it.", CHANGE),
        ("Pages x-13.", CHANGE),
        ("It is 1,13.", CHANGE),
    ],
)
def test_another_number_still_scores_nothing(answer, solution):
    assert column_answer_score(solution, answer) == 0.0


def test_a_negative_answer_and_a_column_written_with_commas():
    assert column_answer_score("#### -4", "It is -4.00") == 1.0
    assert column_answer_score("#### -4", "It is 4.00") == 0.0
    assert column_answer_score("#### 1,200", "It is 1200 in all.") == 1.0


def test_a_grpo_run_of_gsm8k_rows_rewards_the_comma_answer():
    """As GRPO calls it: a row's `answer` column beside the prompt, scored by {"contains_column": "answer"}."""
    rewards = build_rewards([{"contains_column": "answer"}])
    prompts = [[{"role": "user", "content": "How many flyers does it print?"}]] * 2
    columns = [{"answer": FLYERS}] * 2
    answers = ["It prints 5,000 flyers.", "It prints 4,000 flyers."]
    table = score_completions(rewards, prompts, answers, columns=columns)
    assert table.totals == [1.0, 0.0]
    assert contains_column_score("answer")(prompts[:1], ["5000.00"], columns=columns[:1]) == [1.0]


def test_compare_shows_a_held_out_prompts_answer_column_and_its_final_answer(varied_dir):
    """The walk: a GSM8K prompt picked on Compare showed no answer anywhere (a prompt's row has no reference reply;
    its `answer` rides beside it for the rewards), so whether base or tuned got it right could not be told."""
    from ftlib import workspace
    from tests.test_pages_compare import open_page

    rows = [
        {
            "prompt": [{"role": "user", "content": "Lena pays $31 for $18 of cookies. What is her change?"}],
            "columns": {"answer": CHANGE, "level": 1},
        }
    ]
    workspace.save_split("gsm", rows, rows, {"format": "prompt_only"})
    at = open_page("pages/5_Compare.py", varied_dir)
    at.radio(key="compare_source").set_value("Pick from the test split").run()
    assert not at.exception, at.exception
    said = [c.value for c in at.caption if c.value.startswith("No reference answer")]
    assert len(said) == 1, [c.value for c in at.caption]
    assert "`answer` = " in said[0] and "#### 13" in said[0] and "(its final answer: 13)" in said[0], said
    assert "`level` = 1" in said[0] and "(its final answer" not in said[0].split("`level`")[1], said


# The walk's two problems also differed in the name ("Maya" for "Ravi"): another subject, not a variant, since
# near_duplicates.same_subject (helper 179), as is another number (same_numbers, helper 279); a word inflected near
# their start ("shared" for "shares") is still a variant, quoted where it differs.
def _word_problem(name: str, apples: int) -> dict:
    return {"prompt": f"{name} shares {apples} apples equally among 6 friends. How many apples does each friend get?"}


def test_near_duplicate_word_problems_are_quoted_where_they_differ():
    """The walk's Data page: 'training row 4, "...ly among 6 friends. How many apples does each friend get?", and
    training row 17, "...ly among 6 friends. How many apples does each friend get?"': two equal quotes."""
    from ftlib.near_duplicates import near_warnings
    from ftlib.prompt_groups import split_groups

    variant = {"prompt": _word_problem("Ravi", 102)["prompt"].replace("shares", "shared")}
    train = [_word_problem("Ravi", 102), {"prompt": "Name a colour."}, variant]
    said = near_warnings(train, [], split_groups(train, []))
    assert len(said) == 1
    assert '(training row 1, "Ravi shares 102 apples equally among 6 friends. How many ..."' in said[0], said
    assert 'training row 3, "Ravi shared 102 apples equally among 6 friends. How many ..."' in said[0], said


def test_the_datas_own_test_split_quotes_a_variant_where_it_differs(tmp_path, capsys):
    import json

    from ftlib.cli import main

    train = [_word_problem("Ravi", 102), {"prompt": "Name a colour."}]
    test = [{"prompt": _word_problem("Ravi", 102)["prompt"].replace("shares", "shared")}]
    for name, rows in (("train.jsonl", train), ("test.jsonl", test)):
        (tmp_path / name).write_text("".join(json.dumps(r) + "\n" for r in rows))
    argv = ["data", "split", str(tmp_path / "train.jsonl"), "--test-file", str(tmp_path / "test.jsonl")]
    assert main([*argv, "--out", str(tmp_path / "o")]) == 0
    said = [line for line in capsys.readouterr().err.splitlines() if "nearly" in line]
    assert len(said) == 1 and '(line 1, "Ravi shared 102 apples' in said[0], said
    assert 'and line 1, "Ravi shares 102 apples' in said[0], said
