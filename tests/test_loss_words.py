"""Evaluate's loss numbers say exactly what they are measured over, and why Train's held-out loss of the same run
differs (a newcomer's walk: Train showed held-out 1.0055 -> 0.0466, Evaluate base 1.924 -> tuned 0.104, and nothing
said that Train's counts every reply the run trains, a tool call too, while Evaluate's counts one reply per row).
"""

from __future__ import annotations

import pytest

from ftlib import evaluate as E
from ftlib.loss_words import evaluate_measured_over, train_heldout_note
from ftlib.rows import IGNORE_INDEX
from ftlib.templates import get_template
from ftlib.tokens import POLICY_HELP, encode_row
from tests.test_evaluate_tools import ROW

PLAIN = {"messages": [{"role": "user", "content": "Say yes."}, {"role": "assistant", "content": "Yes!"}]}
EVERY_REPLY = "counts every reply the run trains (a tool call too), not only the last"

# (id, rows scored, mask policy, reply answered, the run's held-out rows, said, not said)
NOTES = [
    ("tool rows, default policy", [ROW, PLAIN], "all_assistant", "last", 2, [EVERY_REPLY], ["covers all"]),
    ("one reply a row", [PLAIN, PLAIN], "all_assistant", "last", 2, ["it averages each batch's mean"], ["counts"]),
    ("last policy, last reply", [ROW], "last_assistant", "last", 1, [], ["counts"]),
    ("last policy, first reply", [ROW], "last_assistant", "first", 1, ["counts the last reply"], ["every reply"]),
    (
        "first 2 of 18",
        [PLAIN, PLAIN],
        "all_assistant",
        "last",
        18,
        ["covers all 18 held-out rows, not only the 2 scored here, and averages each batch's mean"],
        [],
    ),
    ("everything", [PLAIN], "everything", "last", 1, [POLICY_HELP["everything"]], []),
]


@pytest.mark.parametrize(
    ("rows", "policy", "at", "total", "said", "unsaid"), [n[1:] for n in NOTES], ids=[n[0] for n in NOTES]
)
def test_the_note_says_why_trains_held_out_loss_differs(rows, policy, at, total, said, unsaid):
    note = train_heldout_note(rows, policy, at, total)
    assert note.startswith("Train's held-out loss differs: it ") and "step 0" in note
    assert all(s in note for s in said), note
    assert not any(s in note for s in unsaid), note


def test_every_reply_is_what_training_counts_and_one_reply_what_evaluate_counts(model_set):
    """The note's claim, against training's own labels: the run's default policy labels both replies of a tool row;
    Evaluate scores the last (or the first), and the two together are training's tokens."""
    template = get_template("hermes", model_set.tokenizer)
    trained = encode_row(ROW, model_set.tokenizer, template, "all_assistant")
    counted = sum(lab != IGNORE_INDEX for lab in trained.labels)
    result = E.evaluate(model_set, [ROW], model_set.names[1], max_new_tokens=2, template=template)
    first = E.evaluate(model_set, [ROW], model_set.names[1], max_new_tokens=2, template=template, answer_at="first")
    assert result.rows[0].tokens + first.rows[0].tokens == counted > result.rows[0].tokens
    assert EVERY_REPLY in train_heldout_note([ROW], "all_assistant", "last", 1)


def test_the_words_name_the_rows_and_tokens_the_numbers_average(model_set):
    template = get_template("hermes", model_set.tokenizer)
    result = E.evaluate(model_set, [ROW, PLAIN], model_set.names[1], max_new_tokens=2, template=template)
    tokens = result.aggregates()["tokens"]
    assert evaluate_measured_over(result.rows, result.answer_at) == (
        f"Average loss per answer token of the last reply of each of the 2 held-out rows ({tokens} tokens, each "
        "counting alike)."
    )
    first = E.evaluate(model_set, [ROW], model_set.names[1], max_new_tokens=2, template=template, answer_at="first")
    said = evaluate_measured_over(first.rows, first.answer_at)
    assert "of the first reply of the 1 held-out row (" in said, said


def test_the_cli_says_what_its_loss_is_of_and_why_train_differs(capsys, varied_dir, adapter_template):
    from ftlib import workspace
    from ftlib.cli import main
    from ftlib.testing import make_run

    workspace.save_split("weather", [PLAIN], [ROW, PLAIN], {"format": "messages"})
    config = {"model": str(varied_dir), "dataset": "weather", "template": "hermes", "method": "lora"}
    run = make_run("20260101-000000-lora-weather", config, adapter=adapter_template)
    assert main(["evaluate", run.id, "--max-new-tokens", "8"]) == 0
    out = capsys.readouterr().out
    assert "note: loss here: Average loss per answer token of the last reply of each of the 2 held-out rows" in out
    assert f"note: Train's held-out loss differs: it {EVERY_REPLY}" in out
