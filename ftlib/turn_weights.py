"""A turn's training weight as projects write it -> 1 (trained), 0 (shown as context, not trained) or None (not said).

    >>> turn_weight({"role": "assistant", "content": "Hi.", "loss": 0.0}, "turn 2")
    0
    >>> turn_weight({"role": "assistant", "content": "Hi.", "train": "False"}, "turn 2")
    0

The keys (turn_names.WEIGHT_FIELDS): OpenAI's `weight` 0/1 (and `loss_weight`), written as a number or its text;
Axolotl's `train` (`training`) and ms-swift's `loss`, flags written true/false, and by some exports as 1/0 (1.0/0.0)
or the text of either ("false", "0"). A boolean `weight` is refused as OpenAI refuses it. Any other number (0.5, 2)
is refused: the studio trains a turn whole or not at all, so a loss weight between or beyond those cannot be kept.
Two keys whose values differ refuse the row (turn_keys.clash). A null weight is none (an empty cell of a table's
turns: readers' note says so); a bare NaN on an assistant's turn is none either, but named in the file's
report as an unread `<field>[].<key>` (`nan_weights`, `unread_weight_why`): most likely an export's bug, not a choice.

Not known here: which turns a mask policy trains (masks.py), how the rest of a turn is read (turns.py).
"""

from __future__ import annotations

from typing import Any

from ftlib.row_problem import RowProblem
from ftlib.turn_keys import clash, missing
from ftlib.turn_names import FLAG_WEIGHTS, WEIGHT_FIELDS
from ftlib.turn_text import is_nan

# Marks the unread name of a weight key holding NaN on an assistant's turn (`messages[].weight` + NAN_MARK): its
# reason is not a user turn's, and one file may hold both.
NAN_MARK = "=NaN"

_NUMBER_TEXT = {"0": 0, "1": 1, "0.0": 0, "1.0": 1}  # a CSV cell's or a converter's text of 0/1
_FLAG_TEXT = {**_NUMBER_TEXT, "true": 1, "false": 0}


def weight_value(key: str, value: Any) -> int | None:
    """1 or 0 for a value `key` (a key of WEIGHT_FIELDS) may hold; None for any other value.

    >>> [weight_value("loss", v) for v in (True, 0, 1.0, "false", " 1 ", 0.5, 2, "maybe")]
    [1, 0, 1, 0, 1, None, None, None]
    >>> [weight_value("weight", v) for v in (1, "0", True, "true")]
    [1, 0, None, None]
    """
    flag = key in FLAG_WEIGHTS  # Axolotl's `train: false` is OpenAI's `weight: 0`
    if isinstance(value, str):
        return (_FLAG_TEXT if flag else _NUMBER_TEXT).get(value.strip().lower())
    if isinstance(value, bool):
        return int(value) if flag else None
    if isinstance(value, (int, float)) and value in (0, 1):
        return int(value)
    return None


def turn_weight(turn: dict, where: str) -> int | None:
    """The weight a turn gives (1 trained, 0 not), None when it gives none; RowProblem naming the key, the turn
    (`where`, e.g. "turn 2 (assistant) of 'messages'") and the fix for a value that is no weight or two that differ."""
    weights = {}  # every weight key written is read: two that differ refuse the row
    for key in (k for k in WEIGHT_FIELDS if not missing(turn.get(k))):
        value = turn[key]
        weight = weight_value(key, value)
        if weight is None:
            raise RowProblem(_refusal(key, value, where))
        weights[key] = weight
    if len(set(weights.values())) > 1:  # the first key written and the first that differs from it
        first = next(iter(weights))
        raise RowProblem(f"{where} {clash(weights, first, next(k for k in weights if weights[k] != weights[first]))}")
    return next(iter(weights.values()), None)


def nan_weights(turn: dict, prefix: str) -> set[str]:
    """The unread names (`prefix` + key + NAN_MARK) of the weight keys an assistant's `turn` gives NaN: read as no
    weight (`turn_weight`), and said, not dropped unsaid (the turn is then trained as the mask policy says).

    >>> nan_weights({"role": "assistant", "content": "Hi.", "weight": float("nan")}, "messages[].")
    {'messages[].weight=NaN'}
    """
    return {f"{prefix}{k}{NAN_MARK}" for k in WEIGHT_FIELDS if is_nan(turn.get(k))}


def context_keys(turn: dict) -> set[str]:
    """The weight keys of a turn not the assistant's that say it is not trained (what the studio does with such a turn
    anyway): read, so the file's report does not name them as fields nothing reads."""
    return {k for k in WEIGHT_FIELDS if not missing(turn.get(k)) and weight_value(k, turn[k]) == 0}


def unread_weight_why(name: str, kind: str = "sft") -> str:
    """Why a weight key the file's report names as not read (`name` as it names it: "messages[].training") is not,
    "" for any other field. An assistant's weight is always read, and a 0 on another turn too (`context_keys`), so
    such a key is on a user's, system's or tool's turn, often Axolotl's `training: true` on a user's: those turns are
    the prompt, never trained by a weight; "the studio does not read it" named no reason and no way to train them.
    `kind`: the data's (format_detect.FORMAT_KIND); the policy that trains every token is offered for "sft" only (DPO
    and KTO refuse it).

    >>> print(unread_weight_why("conversations[].training"))  # doctest: +NORMALIZE_WHITESPACE
    it is the weight of a turn that is not the assistant's, and only the assistant's turns are trained by a weight
    (to train every token, the user's too, choose everything under What is trained: `--mask-policy everything`)
    >>> unread_weight_why("chosen[].weight", "preference")[-50:], unread_weight_why("training")
    ("only the assistant's turns are trained by a weight", '')
    """
    if name.endswith(NAN_MARK) and name.removesuffix(NAN_MARK).rpartition("[].")[2] in WEIGHT_FIELDS:
        key = name.removesuffix(NAN_MARK).rpartition("[].")[2]
        return (
            f"it is NaN (not a number) on an assistant's turn, which is no weight, and JSON itself has no NaN (most "
            f"likely a bug in the export that wrote the file), so that turn is trained as What is trained "
            f"(`--mask-policy`) says, not as its {key} meant. {_wanted(key)[1]}"
        )
    if "[]." not in name or name.rpartition("[].")[2] not in WEIGHT_FIELDS:
        return ""
    why = "it is the weight of a turn that is not the assistant's, and only the assistant's turns are trained by "
    why += "a weight"
    fix = (
        " (to train every token, the user's too, choose everything under What is trained: `--mask-policy everything`)"
    )
    return why + (fix if kind == "sft" else "")


def _wanted(key: str) -> tuple[str, str]:
    """(the values `key` takes, how to write them), in a refusal's words."""
    if key in FLAG_WEIGHTS:
        return (
            "true (trained) or false (not trained), or 1 or 0",
            "Write true (or 1) to train the turn, false (or 0) to show it as context only",
        )
    return "0 (not trained) or 1 (trained)", "Write 1 to train the turn, 0 to show it as context only"


def _refusal(key: str, value: Any, where: str) -> str:
    want, fix = _wanted(key)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # A fraction or a scale (a per-turn loss weight, ms-swift's loss_scale): no trainer here keeps it
        return (
            f"the {key} of {where} must be {want}, not {value!r}: the studio trains a turn whole or not at all, "
            f"so it keeps no other loss weight. {fix}"
        )
    return f"the {key} of {where} must be {want}, not {value!r}. {fix}"


__all__ = ["NAN_MARK", "context_keys", "nan_weights", "turn_weight", "unread_weight_why", "weight_value"]
