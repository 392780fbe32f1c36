"""`evaluate` on held-out KTO rows all labelled bad: the refusal before any model loads (references.check_references,
which the CLI and the Evaluate page both call) says it of every row, not in one row's words ("its answer is labelled
bad ..., so it is not a reference answer") after "None of the 3 test rows"."""

import pytest

from ftlib.errors import UserError
from ftlib.references import check_references


def kto(label: bool, i: int) -> dict:
    prompt = [{"role": "user", "content": f"Name a tide {i}."}]
    return {"prompt": prompt, "completion": [{"role": "assistant", "content": "Spring."}], "label": label}


def test_several_bad_rows_are_said_in_the_plural():
    with pytest.raises(UserError) as caught:
        check_references([kto(False, i) for i in range(3)])
    said = str(caught.value)
    assert said.startswith("None of the 3 test rows can be evaluated: each one's answer is labelled bad"), said
    assert "so none is a reference answer" in said and "its answer" not in said


def test_one_bad_row_keeps_the_one_row_words():
    with pytest.raises(UserError) as caught:
        check_references([kto(False, 0)])
    assert "its answer is labelled bad" in str(caught.value) and "it is not a reference answer" in str(caught.value)


def test_a_good_row_among_them_is_evaluated():
    assert check_references([kto(False, 0), kto(True, 1)]) is None
