"""Axolotl's per-turn training flag (`message_field_training`: `{"role": "assistant", ..., "train": false}`, or
`training` in its older default) and ms-swift's (`"loss": false`) read as OpenAI's `weight`: false = shown as
context, never trained.

Before, `train: false` was named an ignored field and the turn it marked was trained: the model learned the very
answer the data said not to learn. The content is ours; the shape is the one Axolotl's docs and published
conversions write.
"""

from __future__ import annotations

import json

import pytest

from ftlib.data import load_bytes
from ftlib.tokens import encode_row
from ftlib.turns import RowProblem, parse_messages

ASK = {"role": "user", "content": "Which knot holds a mooring line?"}
AGAIN = {"role": "user", "content": "Are you sure?"}


def load(*rows: dict):
    return load_bytes("\n".join(json.dumps(r) for r in rows).encode(), "axolotl.jsonl")


@pytest.mark.parametrize("key", ["train", "training", "loss"])
def test_train_false_is_weight_zero_and_not_trained(key, smol_tokenizer):
    guess = {"role": "assistant", "content": "A granny knot.", key: False}
    right = {"role": "assistant", "content": "A bowline, or a round turn and two half hitches.", key: True}
    result = load({"messages": [ASK, guess, AGAIN, right]})
    assert result.errors == []
    turns = result.rows[0]["messages"]
    assert turns[1]["weight"] == 0 and turns[3]["weight"] == 1
    assert [n.field for n in result.notices] == []  # read, so not named as a field nothing reads
    encoded = encode_row(result.rows[0], smol_tokenizer, "chatml")
    trained = "".join(t.text for t in encoded.tokens if t.trained)
    assert "granny" not in trained and "bowline" in trained


def test_train_false_on_a_user_turn_is_read_not_named():
    result = load({"messages": [{**ASK, "train": False}, {"role": "assistant", "content": "A bowline."}]})
    assert result.errors == [] and [n.field for n in result.notices] == []


def test_a_flag_that_is_not_true_or_false_is_refused_in_its_words():
    answer = {"role": "assistant", "content": "A bowline.", "train": "maybe"}
    with pytest.raises(RowProblem, match=r"the train of turn 2 .* must be true \(trained\) or false \(not trained\)"):
        parse_messages([ASK, answer], "messages")


def test_a_flag_and_a_weight_that_differ_refuse_the_row_naming_both():
    answer = {"role": "assistant", "content": "A bowline.", "weight": 1, "train": False}
    result = load({"messages": [ASK, answer]})
    ((error,),) = [result.errors]
    assert "has both 'weight' (1) and 'train' (0), which differ" in error.message
    same = load({"messages": [ASK, {**answer, "train": True}]})
    assert same.errors == [] and same.rows[0]["messages"][1]["weight"] == 1
