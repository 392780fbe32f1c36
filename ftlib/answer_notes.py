"""What a model's own answer shows at a glance, which its loss cannot: a loop, or nothing but whitespace.

    repeats_itself("Ahoy! " * 13)          # True: one sentence over and over
    repeats_itself("lessness" * 60)        # True: a loop inside one "word" (no spaces to count words by)
    whitespace_said("\\n" * 64)             # '(only whitespace: 64 newlines)'

Compare marks its cells with these, Evaluate its answers and aggregates, the CLI's `sample` its JSON; GRPO's
`not_repeating` reward (rewards.py) counts repetitions in the same units (`repetition_units`).

Not known here: how a page draws the note, or what a reward does with a repetition.
"""

from __future__ import annotations

import re
from collections import Counter

from ftlib.errors import plural

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
# A loop of characters: a unit of up to 40 characters said 6 times or more in a row ("lessness" * 60, which has no
# space to count words by). Lazy, so the shortest unit at a place is the one found.
_CHARACTER_RUN = re.compile(r"(.{1,40}?)\1{5,}", re.DOTALL)
# ... and at least this many characters of it: "hahaha", "0x00000000" or "ACGTACGT" are not a loop.
LOOP_CHARACTERS = 48


def repetition_units(text: str) -> list[str]:
    """The units a repetition is counted in: the sentences of every non-empty line (a list item is one).

    >>> repetition_units("Ahoy! Ahoy!\\n\\n- Rest.\\n- Drink water")
    ['Ahoy!', 'Ahoy!', '- Rest.', '- Drink water']
    """
    return [s.strip() for line in text.splitlines() for s in _SENTENCE.split(line.strip()) if s.strip()]


def character_loop(text: str) -> str | None:
    """The unit of the first run of characters that repeats a letter or digit in a loop (`_CHARACTER_RUN`, at least
    LOOP_CHARACTERS long); None when there is none. Runs of only punctuation and whitespace are not loops: a table's
    `|---|---|`, a code comment's `=====`, blank lines and indentation are how text is laid out.

    >>> character_loop("\\n" * 40 + "lessness" * 60), character_loop("-" * 80 + "\\n|---|---|---|---|---|---|")
    ('lessness', None)
    >>> character_loop("hahaha, " * 3), character_loop("A tide, a sea, a shore.")
    (None, None)
    """
    return next((run.group(1) for run in _loops(text)), None)


def _loops(text: str):
    """The runs of `_CHARACTER_RUN` in `text` that are loops: at least LOOP_CHARACTERS long, a letter or digit in
    their unit."""
    return (
        r for r in _CHARACTER_RUN.finditer(text) if len(r.group(0)) >= LOOP_CHARACTERS and re.search(r"\w", r.group(1))
    )


def looped_characters(text: str) -> int:
    """How many characters of `text` are in loops of characters (`character_loop`'s runs: a unit of up to 40
    characters said 6 times or more, at least LOOP_CHARACTERS long, holding a letter or digit).

    >>> looped_characters("\\n" * 40 + "lessness" * 60), looped_characters("A tide, a sea.")
    (480, 0)
    """
    return sum(len(run.group(0)) for run in _loops(text))


def repeats_itself(text: str) -> bool:
    """An answer caught in a loop (what greedy decoding of a small model often writes): at least 3 sentences, counted
    as `repetition_units` counts them, and either one of them said 3 times or more with at most half of them
    different, or the answer ending in one sentence said 3 times in a row (a last one cut off by the token limit
    aside; trailing punctuation ignored); or, within sentences, at least 12 words whose three-word runs are at most
    half different (a loop inside a line: "a gentle rain, a gentle rain, a gentle rain"); or a loop of characters
    inside a word (`character_loop`: "lessnesslessness...", which has no words to count).

    >>> repeats_itself("A gentle rain, a gentle rain, a gentle rain\\nA gentle rain, a gentle rain, a gentle rain")
    True
    >>> repeats_itself("Boil an egg:\\n\\nBoil an egg:\\n\\nBoil an egg:\\n\\nB")
    True
    >>> repeats_itself("A poem.\\nThe sea,\\nA sky,\\nA place,\\nA place,\\nA place,\\nA pl")
    True
    >>> repeats_itself("\\n" * 40 + "lessness" * 60 + "less")
    True
    >>> repeats_itself("Ahoy! Boil it. Ahoy!"), repeats_itself("- Rest.\\n- Drink water.\\n- Rest.")
    (False, False)
    >>> repeats_itself("Rest.\\nRest.\\nRest.\\nThen drink water.\\nAnd eat.\\nAnd sleep.")
    False
    """
    words = re.findall(r"\w+", text.lower())
    runs = list(zip(words, words[1:], words[2:], strict=False))
    if len(words) >= 12 and len(set(runs)) <= len(runs) / 2:
        return True
    if character_loop(text) is not None:
        return True
    units = repetition_units(text)
    if len(units) < 3:
        return False
    if max(Counter(units).values()) >= 3 and len(set(units)) <= len(units) / 2:  # not_repeating_score <= 0.5
        return True
    ends = [u.rstrip(",.;:!? ") for u in units[-4:]]
    cut_short = len(ends) == 4 and ends[0].startswith(ends[3])  # the last one is the loop's start, cut off
    return len(set(ends[-3:])) == 1 or (cut_short and len(set(ends[:3])) == 1)


def only_whitespace(text: str) -> bool:
    """Whether an answer shows nothing: empty, or whitespace alone (a model that wrote 64 newlines).

    >>> only_whitespace("\\n" * 64), only_whitespace(""), only_whitespace(" Ahoy")
    (True, True, False)
    """
    return not text.strip()


def whitespace_said(text: str) -> str:
    r"""What an answer that shows nothing holds: "(nothing: it stopped at once)" when it is empty, else what
    whitespace the model wrote (a model that wrote 64 newlines ran to the token limit; it did not stop).

    >>> whitespace_said("\n" * 64)
    '(only whitespace: 64 newlines)'
    >>> whitespace_said(" \n ")
    '(only whitespace: 2 spaces and 1 newline)'
    """
    if not text:
        return "(nothing: it stopped at once)"
    kinds = {" ": "space", "\n": "newline", "\t": "tab"}
    counts = [plural(text.count(c), name) for c, name in kinds.items() if text.count(c)]
    if other := sum(c not in kinds for c in text):
        counts.append(plural(other, "other blank character"))
    return f"(only whitespace: {' and '.join(counts) if len(counts) < 3 else ', '.join(counts)})"


def both_said(tuned: int, base: int, answers: int) -> str:
    """Who a count of answers belongs to, the non-zero side first: "2 of 3 tuned answers and 1 of the base model's"
    when both models have some, else the one that has them and "(none of the ... model's)", so a line never leads
    with a zero ("0 of 5 tuned answers and 2 of the base model's" read as if the tuned model were the subject).
    `tuned`, `base`: how many of each model's answers; `answers`: how many each model gave.

    >>> both_said(2, 1, 3)
    "2 of 3 tuned answers and 1 of the base model's"
    >>> both_said(0, 2, 5), both_said(1, 0, 1)
    ("2 of the base model's 5 answers (none of the tuned model's)", "1 of 1 tuned answer (none of the base model's)")
    """
    if not tuned:
        return f"{base} of the base model's {plural(answers, 'answer')} (none of the tuned model's)"
    tuned_said = f"{tuned} of {plural(answers, 'tuned answer')}"
    return f"{tuned_said} and {base} of the base model's" if base else f"{tuned_said} (none of the base model's)"


def loops_said(rows, see: str = "read them side by side below") -> str | None:
    """One line for an evaluation's aggregates when answers loop (`ftlib.evaluate.EvalRow`s): how many of each
    model's, since the numbers (loss, closer to the reference) cannot show it; None when no answer loops. `see`: where
    the answers are (the Evaluate page's table, the CLI's --json)."""
    rows = [r for r in rows if not r.is_text]  # a text row is scored, not answered: nothing to loop
    base = sum(repeats_itself(r.base_output) for r in rows)
    tuned = sum(repeats_itself(r.tuned_output) for r in rows)
    if not base and not tuned:
        return None
    return (
        f"↻ {both_said(tuned, base, len(rows))} repeat themselves instead of answering: the loss scores the reference "
        f"answers, not these, so {see}."
    )


def cut_said(rows, limit: int | None, raise_it: str = "raise Max new tokens per answer") -> str | None:
    """One line for an evaluation's aggregates when answers stopped at the token limit (`EvalRow.base_at_limit`,
    `tuned_at_limit`) rather than at an end-of-turn token: how many of each model's, since a cut answer's end reads as
    the model's own; None when none was cut (or, for a result kept before this was recorded, none is known cut).
    `raise_it`: how to see more (the page's box, the CLI's --max-new-tokens).

    >>> from types import SimpleNamespace as R
    >>> cut_said([R(is_text=False, base_at_limit=True, tuned_at_limit=False)] * 2, 64)[:66]
    "✂ 2 of the base model's 2 answers (none of the tuned model's) stop"
    """
    rows = [r for r in rows if not r.is_text]  # a text row is scored, not answered
    base = sum(bool(r.base_at_limit) for r in rows)
    tuned = sum(bool(r.tuned_at_limit) for r in rows)
    if not base and not tuned:
        return None
    at = f"the {limit}-token limit" if limit else "the token limit"
    return f"✂ {both_said(tuned, base, len(rows))} stopped at {at}, not at their own end: {raise_it} to see more."


__all__ = [
    "both_said",
    "cut_said",
    "loops_said",
    "LOOP_CHARACTERS",
    "character_loop",
    "looped_characters",
    "only_whitespace",
    "repeats_itself",
    "repetition_units",
    "whitespace_said",
]
