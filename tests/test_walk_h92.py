"""Helper 89's GRPO walk on GSM8K-shaped prompts (a `question`, an `answer` ending "#### N", read as prompts only,
the `answer` passed to the rewards), its UI findings:

1. Evaluate's GRPO section said "held-out rows are prompts without reference answers" of rows whose `answer` the
   rewards read, and its answers table had no such column: whether an answer was right could not be told.
"""

from __future__ import annotations

import pytest

from ftlib import workspace
from ftlib.testing import make_run
from tests.test_pages_evaluate_kept import open_page
from tests.test_pages_evaluate_kept_scores import measure
from ui.grpo_eval_view import column_cell, held_out_said

CHANGE = "The trays cost 9 * 2 = 18 dollars.\nThe change is 31 - 18 = 13 dollars.\n#### 13"
APPLES = "Each friend gets 12 / 4 = 3 apples.\n#### 3"


def prompt(text: str, answer: str | None = None) -> dict:
    row = {"prompt": [{"role": "user", "content": text}]}
    return row | ({"columns": {"answer": answer}} if answer is not None else {})


GSM = [
    prompt("Lena pays $31 for two $9 trays. What is her change?", CHANGE),
    prompt("Four friends share 12 apples. How many does each get?", APPLES),
]


@pytest.fixture
def gsm_run(varied_dir, adapter_template):
    workspace.save_split("gsm", GSM, GSM, {"format": "prompt_only"})
    config = {"method": "grpo", "model": str(varied_dir), "dataset": "gsm", "rewards": [{"contains_column": "answer"}]}
    return make_run("20260101-000000-grpo-gsm", config | {"grpo_max_new_tokens": 8}, adapter=adapter_template)


def test_the_caption_says_what_the_held_out_rows_carry():
    assert "without reference answers" in held_out_said([prompt("Say hi.")])
    said = held_out_said(GSM)
    assert "without reference answers" not in said and "each with `answer` beside it" in said, said
    assert column_cell(CHANGE) == "13 ← " + CHANGE and column_cell("Paris") == "Paris" and column_cell(None) == ""


def test_evaluate_shows_each_prompts_answer_column_beside_the_answers(gsm_run, varied_dir):
    at = open_page(varied_dir)
    said = [c.value for c in at.caption if c.value.startswith("A GRPO run's held-out rows")]
    assert len(said) == 1 and "without reference answers" not in said[0], said
    assert "`answer`" in said[0], said
    at = measure(at, "Answer and score", "evaluate_answers_job")
    table = at.dataframe[-1].value.set_index("row")
    assert "answer" in table.columns, list(table.columns)
    columns = list(table.columns)
    assert columns.index("tuned_output") < columns.index("answer") < columns.index("base_reward"), columns
    assert table.loc[1, "answer"] == "13 ← " + CHANGE and table.loc[2, "answer"] == "3 ← " + APPLES
