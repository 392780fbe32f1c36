"""Helper 129's cold walk (ShareGPT, a CSV of prompt/response, OpenAI tool-calling chats), the small things it found.

- Evaluate of a run whose every held-out answer begins past its max length (the OpenAI file under the Hermes tools
  template, whose schemas fill ~200 tokens, at max length 256) refused with "None of the 3 test rows can be evaluated:
  its reference answer begins after ...": one row's words for three rows; and one row's "keeps them whole".
"""

from __future__ import annotations

import pytest

from ftlib import evaluate as E

LONG_ASK = "Where is my order? It was placed last Tuesday, paid by card, and was due to ship within two days. " * 2


def chat(answer: str) -> dict:
    return {"messages": [{"role": "user", "content": LONG_ASK}, {"role": "assistant", "content": answer}]}


def test_every_answer_past_the_cut_is_said_of_each_row(model_set):
    rows = [chat("It ships today."), chat("It arrives on Friday.")]
    with pytest.raises(E.EvalError) as refused:
        E.evaluate(model_set, rows, model_set.names[1], max_new_tokens=2, max_length=16)
    said = str(refused.value)
    assert said.startswith("None of the 2 test rows can be evaluated: each one's reference answer begins after"), said
    assert said.endswith("tokens keeps them whole."), said
    with pytest.raises(E.EvalError) as refused:
        E.evaluate(model_set, rows[:1], model_set.names[1], max_new_tokens=2, max_length=16)
    said = str(refused.value)
    assert said.startswith("The only test row cannot be evaluated: its reference answer begins after"), said
    assert said.endswith("tokens keeps it whole."), said


def test_the_data_pages_odd_rows_are_named_as_the_file_counts_them(tmp_path, monkeypatch):
    """The "rows are kept but look odd" table said a bare 4 where everything else on the page (the preview's "Item 4",
    the skipped rows' table, the CLI's "item 4:") names the row in the file's own words."""
    import json

    from tests.test_pages_data import data_page, with_path

    ask, reply = {"from": "human", "value": "How do I add a teammate?"}, {"from": "gpt", "value": "Team > Invite."}
    left_open = {"from": "human", "value": "And can I get a refund?"}
    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))  # the Local path box reads allowed folders only
    path = tmp_path / "support.json"
    path.write_text(json.dumps([{"conversations": [ask, reply]}, {"conversations": [ask, reply, left_open]}]))
    at = with_path(data_page(), path)
    (odd,) = [d.value for d in at.dataframe if "what looks odd" in d.value.columns]
    assert list(odd["where"]) == ["item 2"]
    assert "user message with no answer" in odd["what looks odd"][0]


def test_evaluates_loss_words_for_one_row_read_as_english():
    """'average loss per answer token of the first reply of each of the 1 held-out row (...; the first 1 of the run's
    5)' and 'covers all 5 held-out rows, not the first 1': an evaluation of 3 rows that scored only the third (the
    walk's first two skipped)."""
    from types import SimpleNamespace

    from ftlib.loss_words import evaluate_measured_over, train_heldout_note

    # The walk's: held-out rows 1 and 2 skipped, row 3 the one scored.
    third = [SimpleNamespace(index=2, reply=None, tokens=18, is_text=False, is_pair=False)]
    assert evaluate_measured_over(third, "first") == (
        "Average loss per answer token of the first reply of the 1 held-out row (18 tokens, each counting alike)."
    )
    assert "covers all 5 held-out rows, not only the 1 scored here" in train_heldout_note(
        [{"messages": [{"role": "user"}, {"role": "assistant"}]}], total=5
    )
    pair = [SimpleNamespace(index=0, reply=None, tokens=4, is_text=False, is_pair=True)]
    assert "of the chosen answer of the 1 held-out pair (" in evaluate_measured_over(pair)


def test_a_conversation_ending_on_a_question_is_said_to_train_its_replies(tmp_path):
    """'the last turn is a user message with no answer; it will not be trained' read as the whole row left out: only
    the unanswered question trains nothing."""
    import json

    from ftlib.data import load_file

    turns = [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello!"}, {"from": "human", "value": "Why?"}]
    path = tmp_path / "chats.json"
    path.write_text(json.dumps([{"conversations": turns}]))
    (warning,) = load_file(path).warnings
    assert warning.message == (
        "the last turn is a user message with no answer: that question trains nothing; the replies before it are "
        "trained as usual"
    )
