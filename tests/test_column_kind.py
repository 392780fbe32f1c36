"""Which built-in column reward a column's values fit (final_answer.column_kind), and the hints that suggest one.

`contains_column` gives full marks for a reference's number anywhere in an answer ("16 + 8 = 24 friends, so 40"
against "#### 24"), so where a reference has a final-answer form (GSM8K's "#### N", MATH's \\boxed{}, a bare number)
the studio suggests `final_answer`; free text ("It is Paris.") has no final answer to compare and keeps
`contains_column`. The decision is made once, in the engine, for Train's example rewards and the Data page's notes.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from ftlib.blank_values import blank_values
from ftlib.data import load_bytes
from ftlib.final_answer import column_kind, has_final_form
from ftlib.reward_columns import answers_unread, passed_columns

GSM = ["The trays cost 9 * 2 = 18 dollars.\nThe change is 31 - 18 = 13 dollars.\n#### 13", "12 / 4 = 3.\n#### 3"]
MATH = ["Halving gives $\\boxed{\\frac{1}{2}}$.", "So $x = \\boxed{7}$ and we are done."]

# (id, a column's values, the kind that fits them)
CASES = [
    ("gsm8k", GSM, "final_answer"),
    ("math", MATH, "final_answer"),
    ("numbers_as_json_numbers", [42, 7.5, -3], "final_answer"),
    ("numbers_as_text", ["42", " 5,000 ", "-2", "13.50"], "final_answer"),
    ("lists_of_numbers", [["6", 6], ["12"]], "final_answer"),
    ("blanks_and_objects_passed_over", [*GSM, None, " ", {"note": "x"}], "final_answer"),
    ("free_text", ["It is Paris.", "Lima, on the coast."], "contains_column"),
    ("one_free_text_among_final_answers", [*GSM, "It is Paris."], "contains_column"),
    ("a_list_with_a_word", [["6", "six"]], "contains_column"),
    ("money_and_fractions_are_text", ["$13", "3/4"], "contains_column"),
    ("an_unclosed_box", ["\\boxed{7"], "contains_column"),
    ("nothing", [], "contains_column"),
    ("only_blanks", [None, "", "  "], "contains_column"),
]


@pytest.mark.parametrize(("values", "kind"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_column_reward_that_fits_a_columns_values(values, kind):
    assert column_kind(values) == kind
    assert column_kind(iter(values)) == kind  # a generator, as the callers pass one


def test_a_final_answer_form_is_gsm8ks_maths_or_a_bare_number():
    assert all(has_final_form(v) for v in (*GSM, *MATH, "42", "-2.5", "1,000"))
    assert not any(has_final_form(v) for v in ("It is 42.", "x-13", "\\boxed{", "Paris", "", "4 2"))


def _jsonl(*rows: dict) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def _note(result, field: str) -> str:
    (note,) = [n.message for n in result.notices if n.note and n.field == field and "is not part of" in n.message]
    return note


def test_the_data_pages_note_suggests_final_answer_for_gsm8k_and_math_columns_and_contains_column_for_text():
    rows = ({"question": f"Q{i}?", "answer": a} for i, a in enumerate(GSM))
    gsm = load_bytes(_jsonl(*rows), "gsm.jsonl", fmt="prompt_only")  # read as prompts only, as GRPO reads them
    said = _note(gsm, "answer")
    assert '{"final_answer": "answer"} rewards an answer whose final answer equals its own' in said, said
    assert '"contains_column"' not in said
    rows = ({"problem": f"P{i}", "solution": s} for i, s in enumerate(MATH))
    math = load_bytes(_jsonl(*rows), "math.jsonl", fmt="prompt_only")
    assert '{"final_answer": "solution"}' in _note(math, "solution")
    numbers = load_bytes(b"prompt,answer\n2+2?,4\n3*3?,9\n", "sums.csv", fmt="prompt_only")
    assert '{"final_answer": "answer"}' in _note(numbers, "answer")
    text = load_bytes(_jsonl({"prompt": "Capital of France?", "answer": "It is Paris."}), "p.jsonl")
    (warned,) = [n.message for n in text.notices if n.field == "answer"]  # guessed: the warning says it, once
    assert '{"contains_column": "answer"} rewards an answer that contains it' in warned
    # The same note from the rows alone: an object's answer field, and a list of numbers
    rows = [{"prompt": [], "columns": {"reward_model": {"style": "rule", "ground_truth": "6"}, "answers": ["6", 6]}}]
    notes = {n.field: n.message for n in passed_columns(Counter({"reward_model": 1, "answers": 1}), rows=rows)}
    assert (
        '{"final_answer": "reward_model.ground_truth"} rewards an answer whose final answer equals'
        in (notes["reward_model"])
    )
    assert (
        '{"final_answer": "answers"} rewards an answer whose final answer equals any of its items'
        in (notes["answers"])
    )


def test_notes_that_cannot_see_the_values_name_both_column_rewards():
    """Read as prompts while a field of sentences may be the answers (names only), and a blank answer (the notes'
    records are reduced to blank or not): both kinds named, final_answer with the values it fits."""
    unread = answers_unread(["answer"], table=False).message
    assert '{"final_answer": "answer"} for a final answer (GSM8K\'s "#### 13"' in unread, unread
    assert 'else {"contains_column": "answer"}' in unread
    records = [(1, {"prompt": "2+2?", "answer": "4"}), (2, {"prompt": "3+3?", "answer": None})]
    (blank,) = blank_values(records, [1, 2], "prompt_only", {}, "jsonl", table=False)
    assert '{"final_answer": "answer"} or {"contains_column": "answer"}' in blank.message, blank.message
