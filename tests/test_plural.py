"""`ftlib.errors.plural`: a count and its noun agree in every message ("1 row", "2 rows"), the one spelling of it."""

from __future__ import annotations

import pytest

from ftlib.errors import plural

CASES = [
    ("one", (1, "row"), "1 row"),
    ("none", (0, "row"), "0 rows"),
    ("several", (36, "sequence"), "36 sequences"),
    ("a noun of two words", (1, "preference pair"), "1 preference pair"),
    ("an irregular plural", (3, "process", "processes"), "3 processes"),
    ("an irregular noun, once", (1, "process", "processes"), "1 process"),
]


@pytest.mark.parametrize("args, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_noun_agrees_with_the_count(args, expected):
    assert plural(*args) == expected
