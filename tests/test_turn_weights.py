"""A turn's `loss` (ms-swift's flag) as exports write it: true/false, 1/0, 1.0/0.0 or their text is a training flag;
any other number is refused saying where, what and how to fix it.

Before, `"loss": "false"` (the text of the flag, as a CSV cell or a converter writes it) was refused with "must be
true (trained) or false (not trained), not 'false'", and `"loss": 0.5` with no fix; a user turn's `"loss": false`
text was named as a field nothing reads. The content is ours; the shape is the one ms-swift's docs and exports write.
"""

from __future__ import annotations

import json

import pytest

from ftlib.data import load_bytes
from ftlib.tokens import encode_row
from ftlib.turn_weights import turn_weight

ASK = {"role": "user", "content": "Which way does a sundial's shadow move?"}
SLIP = "Anticlockwise, always."
RIGHT = "Clockwise in the northern hemisphere."

# (id, the `loss` of the first answer, of the second): the first is never trained, the second is
FLAGS = [
    ("ints", 0, 1),
    ("floats", 0.0, 1.0),
    ("booleans", False, True),
    ("text-of-booleans", "false", "TRUE"),
    ("text-of-numbers", "0", "1.0"),
]


def load(*rows: dict):
    return load_bytes("\n".join(json.dumps(r) for r in rows).encode(), "swift.jsonl")


@pytest.mark.parametrize(("off", "on"), [case[1:] for case in FLAGS], ids=[case[0] for case in FLAGS])
def test_a_loss_of_one_or_zero_in_any_spelling_is_the_training_flag(off, on, smol_tokenizer):
    turns = [ASK, {"role": "assistant", "content": SLIP, "loss": off}, ASK, {"role": "assistant", "content": RIGHT}]
    turns[3]["loss"] = on
    result = load({"messages": turns})
    assert [e.message for e in result.errors] == []
    read = result.rows[0]["messages"]
    assert (read[1]["weight"], read[3]["weight"]) == (0, 1)
    assert [n.field for n in result.notices if n.field] == []  # read, so not named as a field nothing reads
    trained = "".join(t.text for t in encode_row(result.rows[0], smol_tokenizer, "chatml").tokens if t.trained)
    assert "Anticlockwise" not in trained and "northern" in trained


def test_a_prompt_turns_loss_written_as_text_false_is_read_not_named():
    result = load({"messages": [{**ASK, "loss": "false"}, {"role": "assistant", "content": RIGHT}]})
    assert result.errors == [] and [n.field for n in result.notices if n.field] == []


# (id, key, value, what the refusal must say after "the KEY of turn 2 (assistant) of 'messages' must be ...")
REFUSED = [
    ("fraction", "loss", 0.5, "or 1 or 0, not 0.5: the studio trains a turn whole or not at all"),
    ("scale", "loss", 2, "or 1 or 0, not 2: the studio trains a turn whole or not at all"),
    ("word", "loss", "sometimes", "or 1 or 0, not 'sometimes'. Write true (or 1) to train the turn, false (or 0)"),
    ("openai-fraction", "weight", 0.25, "or 1 (trained), not 0.25: the studio trains a turn whole or not at all"),
    ("openai-boolean", "weight", True, "or 1 (trained), not True. Write 1 to train the turn, 0 to show it as context"),
]


@pytest.mark.parametrize(("key", "value", "said"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_any_other_value_refuses_its_row_saying_where_what_and_the_fix(key, value, said):
    answer = {"role": "assistant", "content": RIGHT, key: value}
    result = load({"messages": [ASK, answer]}, {"messages": [ASK, {"role": "assistant", "content": SLIP}]})
    assert [e.row for e in result.errors] == [1] and len(result.rows) == 1  # the good row is kept
    message = result.errors[0].message
    assert message.startswith(f"the {key} of turn 2 (assistant) of 'messages' must be "), message
    assert said in message and "context only" in message, message


def test_a_loss_and_a_weight_that_differ_refuse_naming_both_in_any_spelling():
    turn = {"role": "assistant", "content": RIGHT, "weight": 1, "loss": "false"}
    with pytest.raises(Exception, match=r"has both 'weight' \(1\) and 'loss' \(0\), which differ"):
        turn_weight(turn, "turn 2 (assistant) of 'messages'")
    assert turn_weight({**turn, "loss": 1.0}, "turn 2") == 1
