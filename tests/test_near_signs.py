"""Arithmetic signs are content for the split's near-duplicate grouping, as numbers are (ftlib.near_duplicates):
normalising drops punctuation, so "What is 4 + 10?" and "What is 4 - 10?" were grouped as one question reworded,
kept on one side of the split, and a file of arithmetic prompts lost held-out rows to groups of unrelated problems."""

import pytest

from ftlib.near_duplicates import math_signs, near_pairs, same_numbers

LONG = "A farmer has {a} sheep and {b} goats on the hill; what is {a} {op} {b} when the shepherd counts them twice?"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("What is 4 + 10?", "What is 4 - 10?"),
        ("What is 4 + 10?", "What is 4 * 10?"),
        ("Solve x = 3", "Solve x = -3"),
        ("Compute 2^8", "Compute 2*8"),
    ],
)
def test_short_prompts_with_other_signs_are_two_problems(a, b):
    assert near_pairs([a, b]) == []


def test_long_prompts_with_other_signs_are_two_problems():
    assert near_pairs([LONG.format(a=12, b=7, op="+"), LONG.format(a=12, b=7, op="-")]) == []
    assert not same_numbers("What is 4 + 10?", "What is 4 / 10?")


def test_true_near_repeats_still_group():
    """Case, spacing and a hyphenated word are not arithmetic: these stay one question."""
    assert near_pairs(["What is 4 + 10?", "what is 4+10"]) == [(0, 1)]
    long = LONG.format(a=12, b=7, op="+")
    assert near_pairs([long, long.upper() + "  "]) == [(0, 1)]
    assert math_signs("A 3-year-old and a 5-kg bag") == []
    assert math_signs("Is 3 < 5? (asked 2x, variant -1)") == ["<"]
