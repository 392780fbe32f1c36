"""The words a good/bad label is written in, read as true/false (`as_bool`), and the refusal of any other.

KTO's unpaired rows carry a label judging their answer: TRL's booleans, 1/0 (the ints of a pandas export, a CSV
cell's "1"), yes/no, good/bad and KTO's own desirable/undesirable (`LABEL_WORDS`); and the judgement as chat UIs'
feedback exports write it: thumbs, votes, likes (`FEEDBACK_WORDS`). A word is compared in any case, without spaces,
'_' or '-' (`Thumbs Up` is `thumbs_up`) or an emoji's variation selector and skin tone (👍🏽 is 👍).

Not read, refused by `label_refusal`: positive/negative, as often a sentiment class of the text (a review data set's
label) as a judgement of its answer, which read as one would train every answer about a bad review as a bad answer;
a neutral or a rating's middle, which judge neither way (a column of ratings: label_values.rating_problem).

Not known here: which key of a row holds the label (formats.py).
"""

from __future__ import annotations

import re
from typing import Any

LABEL_WORDS = {True: ("true", "1", "yes", "good", "desirable"), False: ("false", "0", "no", "bad", "undesirable")}
FEEDBACK_WORDS = {
    True: ("thumbs_up", "up", "upvote", "like", "👍"),
    False: ("thumbs_down", "down", "downvote", "dislike", "👎"),
}
# What a spelling of a word may add: case aside, spaces, '_' and '-', an emoji's variation selector and skin tones
_SPELLING = re.compile("[\\s_\\-\ufe0f\U0001f3fb-\U0001f3ff]")
_TRUE, _FALSE = (
    {_SPELLING.sub("", word) for word in (*LABEL_WORDS[ok], *FEEDBACK_WORDS[ok], f"{ok:d}.0")} for ok in (True, False)
)


def as_bool(value: Any) -> bool | None:
    """True/False from a boolean, 1/0, or a word of LABEL_WORDS or FEEDBACK_WORDS in any spelling ("False", "Yes",
    "Thumbs Up", "👍🏽"); None otherwise.

    >>> [as_bool(v) for v in (True, 1, 0, 1.0, "1", "0", "FALSE", "Yes", "Good", "undesirable", 2, "maybe", None)]
    [True, True, False, True, True, False, False, True, True, False, None, None, None]
    >>> [as_bool(v) for v in (" thumbs-Up", "DOWNVOTE", "👎🏻", "Like", "1.0", "positive", "neutral", "3", "upset")]
    [True, False, False, True, True, None, None, None, None]
    >>> [as_bool(v) for v in ("-1", "-1.0", "1-", "1 0", " 0 ")]  # numbers are read as written, signs and all
    [None, None, None, None, False]
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if not any(c.isdigit() for c in word):  # a number as written: "-1" (a +1/-1 label's bad) is no "1"
            word = _SPELLING.sub("", word)
        return True if word in _TRUE else False if word in _FALSE else None
    return None


def label_refusal(key: str, value: Any) -> str:
    """Why a row's label `value` (under `key`: 'label' or 'kto_tag') is not read as good/bad, and what to write.

    >>> label_refusal("label", "Negative").split("in any case, ")[1][:62]
    "not 'Negative': 'positive' and 'negative' are as often a senti"
    """
    good, bad = (f"{', '.join(LABEL_WORDS[ok][:-1])} or {LABEL_WORDS[ok][-1]}" for ok in (True, False))
    feedback = ", ".join(f"{up}/{down}" for up, down in zip(FEEDBACK_WORDS[True], FEEDBACK_WORDS[False], strict=True))
    if isinstance(value, str) and value.strip().lower() in ("positive", "negative"):
        why = (
            ": 'positive' and 'negative' are as often a sentiment class of the text as a judgement of the answer, so "
            "they are not read as one; where they judge the answer, write true and false"
        )
    else:
        why = f" (a feedback export's {feedback} are read too)"
    return (
        f"the '{key}' must be {good} (a good answer) or {bad} (a bad one), in any case, not {value!r}{why}. If "
        f"this '{key}' does not judge the answer, pick the format that reads the rest ('Read the file as' on the "
        f"Data page, --format in the CLI): the '{key}' is then named as not read"
    )


__all__ = ["FEEDBACK_WORDS", "LABEL_WORDS", "as_bool", "label_refusal"]
