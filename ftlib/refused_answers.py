"""A row of answers labelled good or bad that is refused when its file is read, kept as much as pairing needs of it:
the prompt it answers and its label (`RefusedAnswer`, a `RowError`). `feedback_pairs` then says that a prompt's
only bad answer was set aside (with its row), where it said the prompt "has good answers only".

    errors.append(refused_row(number, message, record, shape))    # data._load, for each row it refuses

Only a row whose label reads as good or bad and whose prompt reads with a stand-in answer (its `completion` or
`output`, or its conversation's last turn) is kept so (the refusal was of its answer: empty, a media placeholder,
weights of 0); any other is a plain RowError. Not known here: the load (data.py), the pairing (feedback_pairs.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from ftlib.feedback_pairs import prompt_key
from ftlib.format_detect import FORMAT_KIND
from ftlib.formats import RowProblem, convert
from ftlib.label_words import as_bool
from ftlib.readers import RowError


@dataclass
class RefusedAnswer(RowError):
    """A refused row of a good/bad file: `prompt_key` (`feedback_pairs.prompt_key` of its prompt), `label`."""

    prompt_key: str = ""
    label: bool = False


def refused_row(number: int, message: str, record: dict, shape: str) -> RowError:
    """The error of refused row `number` (`message`) of a file read as `shape`: a RefusedAnswer where `record` is an
    answer labelled good or bad whose prompt reads (its answer replaced by a stand-in), else a RowError.

    >>> ask = {"prompt": "Is tea a leaf?", "label": False}
    >>> refused_row(3, "empty", ask | {"completion": ""}, "unpaired_preference").label
    False
    >>> type(refused_row(3, "empty", ask | {"label": "meh"}, "unpaired_preference")).__name__
    'RowError'
    """
    if FORMAT_KIND.get(shape) == "unpaired":
        name = "kto_tag" if "kto_tag" in record and "label" not in record else "label"
        label = as_bool(record.get(name))
        answer = next((k for k in ("completion", "output") if k in record), None)
        stand_in = {answer: "-"} if answer is not None else _last_turn_stand_in(record)
        if label is not None and stand_in is not None:
            try:  # a stand-in answer: what is left to refuse is the prompt, which then pairs with nothing
                row = convert({**record, name: label, **stand_in}, shape).row
            except RowProblem:
                return RowError(number, message)
            return RefusedAnswer(number, message, prompt_key(row), label)
    return RowError(number, message)


def _last_turn_stand_in(record: dict) -> dict | None:
    """{its conversation's key: the turns with a stand-in text in the last} of a row written as a conversation whose
    last turn is the answer labelled (`messages` or ShareGPT's `conversations`); None for a row of another shape."""
    for key, text in (("messages", "content"), ("conversations", "value")):
        turns = record.get(key)
        if isinstance(turns, list) and turns and isinstance(turns[-1], dict):
            who = {k: v for k, v in turns[-1].items() if k in ("role", "from")}  # not its weight 0, its parts
            return {key: [*turns[:-1], {**who, text: "-"}]}
    return None


__all__ = ["RefusedAnswer", "refused_row"]
