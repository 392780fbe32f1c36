"""Helper 89's GRPO walk on GSM8K-shaped prompts (a `question`, an `answer` ending "#### N", read as prompts only,
the `answer` passed to the rewards), its UI findings:

1. Evaluate's GRPO section said "held-out rows are prompts without reference answers" of rows whose `answer` the
   rewards read, and its answers table had no such column: whether an answer was right could not be told.
2. (tests/test_reward_parts_blank_total.py) the total row's blank cells drew as grey "None".
3. Train's "Use the example rewards" wrote the pirate chat_style check whatever the data: on a math set it scored
   every answer 0. The example now fits the split's rows and says what it does.
4. Train's "Latest answers" showed no `answer` beside GRPO's answers.
"""

from __future__ import annotations

import json

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


def test_latest_answers_show_each_prompts_answer_column(tiny_model_dir):
    """4. Train's "Latest answers" showed GRPO's answers and their rewards, and not the `answer` each was checked
    against, so whether one was right could not be told."""
    from tests.test_pages_alignment import latest_answers
    from ui.tables import one_line

    workspace.save_split("gsm", GSM, GSM[:1], {"format": "prompt_only"})
    config = {"method": "grpo", "rewards": [{"contains_column": "answer"}], "model": str(tiny_model_dir)}
    run = make_run(
        "20261206-120000-grpo-gsm",
        config | {"dataset": "gsm", "grpo_max_new_tokens": 16},
        state="running",
        metrics=[{"kind": "train", "step": 1, "loss": 0.01, "reward": 0.5, "elapsed": 1.0}],
        max_steps=10,
    )
    answers = [(0, "Her change is 13 dollars.", 1.0), (1, "Each gets 4.", 0.0), (1, "Each gets 3.", 1.0)]
    rows = [
        {"prompt": GSM[i]["prompt"][0]["content"], "answer": a, "contains_column": x, "total": x, "advantage": 0.0}
        for i, a, x in answers
    ]
    run.append_completions(1, rows + [{**rows[0], "prompt": "A prompt no row has."}])
    table = latest_answers(run)
    # the worked answer's lines marked ⏎, as the grid shows them (ui.tables.one_line)
    shown = [one_line(said) for said in ("13 ← " + CHANGE, "3 ← " + APPLES, "3 ← " + APPLES, "")]
    assert list(table.value["row's answer"]) == shown
    order = list(table.proto.column_order)
    assert order[-2:] == ["row's answer", "answer"], order  # beside the answer, no number column


def test_latest_answers_of_prompts_only_have_no_such_column(tiny_model_dir):
    from tests.test_pages_alignment import latest_answers

    plain = [prompt("Say hi."), prompt("Name a colour.")]
    workspace.save_split("plain", plain, plain[:1], {"format": "prompt_only"})
    config = {"method": "grpo", "rewards": [{"regex": "hi"}], "model": str(tiny_model_dir), "dataset": "plain"}
    run = make_run("20261206-120000-grpo-plain", config, state="running", max_steps=10)
    run.append_completions(1, [{"prompt": "Say hi.", "answer": "hi", "regex": 1.0, "total": 1.0, "advantage": 0.0}])
    table = latest_answers(run)
    assert list(table.value.columns) == ["prompt", "answer", "regex", "total", "advantage"]


@pytest.mark.parametrize(
    "rows, first, said",
    [
        (GSM, {"final_answer": "answer", "weight": 1.0}, "is checked against its row's `answer` (final_answer"),
        (  # free-text answers have no final answer to compare: contains_column (helper 93)
            [prompt("Capital of France?", "It is Paris."), prompt("Capital of Peru?", "Lima, on the coast.")],
            {"contains_column": "answer", "weight": 1.0},
            "checked against its row's `answer` (contains_column",
        ),
        ([prompt("You are a pirate. Start with 'Ahoy!'")] * 2, {"check": "chat_style", "weight": 1.0}, "Ahoy!"),
        ([prompt("Name a colour."), prompt("Say hi.")], {"not_repeating": {}, "weight": 1.0}, "no answer to check"),
    ],
    ids=["gsm8k", "free_text", "pirate", "plain"],
)
def test_the_example_rewards_fit_the_split(tiny_model_dir, rows, first, said):
    from tests.test_pages_train import page

    workspace.save_split("rows", rows * 4, rows[:1], {"format": "prompt_only"})  # a step of 8 prompts
    at = page(tiny_model_dir)
    assert not at.exception, at.exception
    assert at.radio(key="train_method").value == "grpo"
    note = [c.value for c in at.caption if c.value.startswith("“Use the example rewards”")]
    assert len(note) == 1 and said in note[0], note
    at.button(key="train_rewards_example").click().run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert json.loads(at.text_area(key="train_rewards").value)[0] == first
