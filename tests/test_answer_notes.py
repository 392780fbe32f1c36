"""ftlib.answer_notes: which answers loop, and what an answer of only whitespace holds, on what models write and on
ordinary text, code, lists and tables that must not be called a loop."""

from __future__ import annotations

import time

import pytest

from ftlib.answer_notes import character_loop, only_whitespace, repeats_itself, whitespace_said

CODE = '''def boil(egg, minutes=10):
    """Boil an egg."""
    print("=" * 40)
    for minute in range(minutes):
        print(f"{minute:02d} ........ {egg}")
    return {"egg": egg, "done": True, "mask": 0x00000000}


def fry(egg):
    return boil(egg, minutes=3)
'''
TABLE = """| step | loss   | held-out |
|------|--------|----------|
| 1    | 10.612 | 10.622   |
| 2    | 9.871  | 10.001   |
| 3    | 8.402  | 9.334    |
|------|--------|----------|"""
WIDE_TABLE = "|" + "---|" * 30 + "\n|" + "".join(f" {c} |" for c in "abcdefghijklmnopqrstuvwxyzABCD")
LIST = "Packing list:\n\n- Rest.\n- Drink water.\n- Eat.\n- Sleep.\n\n1. Boil.\n2. Peel.\n3. Salt.\n"
PROSE = (
    "The sea is wide and grey this morning. Gulls wheel over the harbour, and the boats rock at their moorings "
    "while the tide turns. Nobody hurries; the nets can wait until the fog lifts.\n\nLater, the sun breaks through."
)

# (id, answer, loops): what small models write when they loop, beside text that only looks regular.
CASES = [
    ("a loop inside one word", "lessness" * 60, True),  # the cold review's Compare cell: no spaces, no words
    ("blank lines, then a loop in a word", "\n" * 40 + "lessness" * 60, True),
    ("a word loop cut by the token limit", "Ahoy! " + "nessless" * 30 + "nes", True),
    ("digits over and over", "The answer is 1" + "0" * 60, True),
    ("one sentence over and over", "Ahoy! " * 13 + "Ahoy", True),
    ("ordinary prose", PROSE, False),
    ("code with rulers and hex", CODE, False),
    ("a markdown table", TABLE, False),
    ("a wide table's rule and header", WIDE_TABLE, False),
    ("lists", LIST, False),
    ("a horizontal rule", "Part one.\n\n" + "-" * 80 + "\n\nPart two.", False),
    ("laughing a little", "Hahahaha, that is a good one!", False),
    ("a short run of one letter", "Zzzzzzzz... the cat sleeps.", False),
    ("only newlines", "\n" * 64, False),  # nothing to read: `whitespace_said` says what it holds
    ("indentation", "x = [\n" + "    1,\n" + "        2,\n" + " " * 60 + "3]\n", False),
]


@pytest.mark.parametrize("text, loops", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_loop_is_caught_in_characters_and_sentences_and_ordinary_text_is_not(text, loops):
    assert repeats_itself(text) is loops


def test_a_loop_of_characters_names_its_unit_and_layout_is_no_loop():
    assert character_loop("\n" * 40 + "lessness" * 60) == "lessness"  # the blank lines before it are layout
    assert character_loop("=" * 200) is None and character_loop(" " * 200) is None and character_loop("") is None
    assert character_loop("ab" * 23) is None and character_loop("ab" * 24) == "ab"  # from 48 characters on


def test_a_long_answer_is_judged_quickly():
    """Every row of an evaluation and every cell of a grid is judged on each redraw: a 2,000-token answer (about
    8,000 characters) must not cost a page its responsiveness."""
    text = (PROSE + "\n" + CODE) * 20
    start = time.perf_counter()
    for _ in range(10):
        repeats_itself(text)
    assert (time.perf_counter() - start) / 10 < 0.2


@pytest.mark.parametrize(
    "text, blank, said",
    [
        ("\n" * 64, True, "(only whitespace: 64 newlines)"),
        ("", True, "(nothing: it stopped at once)"),
        (" \n ", True, "(only whitespace: 2 spaces and 1 newline)"),
        ("\n\nAhoy", False, None),
    ],
)
def test_an_answer_that_shows_nothing_says_what_it_holds(text, blank, said):
    assert only_whitespace(text) is blank
    if said:
        assert whitespace_said(text) == said
