"""Prompts of one template with another subject are not near-repeats (ftlib/near_duplicates.py, `same_subject`).

Helper 174's browser walk: an Alpaca CSV with 8 rows of one instruction ("Summarize the note below in one line.") and
a short templated note in `input` ("Note #1: the team met about tides; budget is tight, ...") was split with the
warning "1 set of prompts nearly repeat one another (training row 1, '...about tides...', and training row 6,
'...about chess...')": the set was all 8, quoted by its first pair. One word of ~15 changed leaves 0.73-0.79 of the
character 5-grams shared, over JACCARD, and 8 of 25 prompts is not a template's set (`_without_templates`).
The rows here are this file's own, in that shape: one instruction, a note of two sentences with a one-word subject.
"""

from __future__ import annotations

import csv

import pytest

from ftlib.cli import main
from ftlib.near_duplicates import near_pairs, normalised, same_subject

INSTRUCTION = "Rewrite the reminder below as one polite sentence."
SUBJECTS = ["kelp", "moths", "clay", "owls", "tin", "ferns", "kites", "bogs"]
OTHERS = [  # different prompts, so the 8 reminders are not more than half of the file (a template's set)
    "Name three birds that live near the sea.",
    "Give one tip for keeping houseplants alive in winter.",
    "Explain what a leap year is to a child.",
    "List two uses of a paperclip besides holding paper.",
    "What makes a good password?",
    "Suggest a name for a grey cat.",
    "Describe the smell of rain in one sentence.",
    "Why do onions make people cry?",
    "Translate 'good morning' into French.",
    "Write a haiku about a bicycle.",
]


def note(number: int, subject: str) -> str:
    return f"Reminder {number}: the club meets on Friday to talk about {subject}. Bring a notebook and one question."


def asked(instruction: str, given: str) -> str:
    """The prompt an Alpaca row asks (formats._alpaca_prompt): the instruction, a blank line, the input."""
    return f"{instruction}\n\n{given}"


def reminders() -> list[str]:
    return [asked(INSTRUCTION, note(i + 1, s)) for i, s in enumerate(SUBJECTS)]


def test_one_instruction_with_notes_of_other_subjects_is_no_near_repeat():
    texts = reminders() + OTHERS  # each pair of reminders shares 0.81-0.82 of its 5-grams
    assert near_pairs(texts) == []
    assert near_pairs(reminders()[:2]) == []  # two alone too


def test_data_split_of_such_an_alpaca_csv_says_nothing_of_near_repeats(tmp_path, capsys):
    path = tmp_path / "reminders.csv"
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["instruction", "input", "output"])
        for i, subject in enumerate(SUBJECTS):
            out.writerow([INSTRUCTION, note(i + 1, subject), f"Please come on Friday to talk about {subject}."])
        out.writerows([other, "", "Sure."] for other in OTHERS)
    assert main(["data", "split", str(path), "--test-size", "0.25", "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "nearly" not in printed, printed


# (id, a variant of reminder 3's prompt): the same question, which must still be found among the file's prompts
VARIANTS = [
    ("a typo in the input", asked(INSTRUCTION, note(3, "clay").replace("notebook", "notebok"))),
    ("two typos", asked(INSTRUCTION.replace("polite", "pollite"), note(3, "clay").replace("club", "clbu"))),
    ("a suffix", asked(INSTRUCTION, note(3, "clay")) + " (variant 12)"),
    ("the bench's suffix", asked(INSTRUCTION, note(3, "clay")) + " (asked 2x, variant 40)"),
    ("casing and punctuation", asked(INSTRUCTION.upper(), note(3, "clay").replace(".", "!"))),
    ("a word reworded", asked(INSTRUCTION.replace("as one", "as a"), note(3, "clay"))),
    ("a word inflected", asked(INSTRUCTION, note(3, "clay").replace("meets", "is meeting"))),
]


@pytest.mark.parametrize("variant", [v[1] for v in VARIANTS], ids=[v[0] for v in VARIANTS])
def test_a_reminder_asked_again_is_still_a_near_repeat(variant):
    texts = reminders() + OTHERS + [variant]
    assert near_pairs(texts) == [(2, len(texts) - 1)]


@pytest.mark.parametrize(
    "variant",
    [
        asked(INSTRUCTION, note(3, "slate")),  # a subject of 5 letters for 4: nothing like "clay"
        asked(INSTRUCTION, note(3, "moss")) + " (variant 12)",  # another subject and a suffix
        asked(INSTRUCTION, note(3, "clay").replace("Friday", "Monday")),  # another day: "friday" and "monday" 0.5
        asked(INSTRUCTION, note(13, "clay")),  # another reminder: numbers are content (same_numbers, helper 279)
    ],
    ids=["another subject", "another subject and a suffix", "another day", "another number"],
)
def test_a_reminder_with_another_word_in_its_slot_is_not(variant):
    assert near_pairs(reminders() + OTHERS + [variant]) == []


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("the team met about tides budget is tight", "the team met about chess budget is tight", False),
        ("the team met about tides budget is tight", "the team met about tide budget is tight", True),
        ("send the e mail about tides", "send the email about tides", True),  # punctuation inside a word
        ("how does the moon pull the tides", "how is the moon pulling the tides", True),  # a rewording
        ("how does the moon pull the tides", "the tides how does the moon pull", True),  # words moved
        ("a question about tides asked 3x variant 7", "a question about tides asked 2x variant 12", True),
        ("late lost crash order parcel", "lost crash order parcel slow", False),  # one out at the start, one in
    ],
)
def test_same_subject(a, b, same):
    assert same_subject(normalised(a), normalised(b)) is same
    assert same_subject(normalised(b), normalised(a)) is same


def test_a_template_whose_slot_is_a_number_is_still_a_templates_set():
    """A template with a number slot: its prompts share most of their 5-grams, but a number changed is another
    question (`same_numbers`, helper 279), so not even two of them pair; before, any two did, and more than
    TEMPLATE_SET of them were dropped only as a template's set."""
    ask = "Compute the area of a circle whose radius is {} centimetres, and round it to two decimal places."
    texts = [ask.format(r) for r in range(10, 40)] + OTHERS
    assert near_pairs(texts[:2]) == []
    assert near_pairs(texts) == []
