"""Evaluate at every reply says why a reply with weight 0 is left out, and the loss words stay true of a conversation
that an assistant message opens.

A reply the data marks with weight 0 (ShareGPT's or Axolotl's `"weight": 0`) is context, never trained, so Train's
held-out loss does not count it either: Evaluate skips it, saying so, where it said only "no reference tokens". An
assistant message opening a conversation is trained under `all_assistant` but answers no prompt, so no reply of
Evaluate's scores it: the note comparing Evaluate's loss with Train's held-out loss no longer says they score the
same tokens there.
"""

from __future__ import annotations

from ftlib import evaluate as E
from ftlib.loss_words import train_heldout_note

WEIGHT_ZERO = {
    "messages": [
        {"role": "user", "content": "Name a colour."},
        {"role": "assistant", "content": "Blue."},
        {"role": "user", "content": "Another?"},
        {"role": "assistant", "content": "Green.", "weight": 0},
        {"role": "user", "content": "And one more?"},
        {"role": "assistant", "content": "Red."},
    ]
}
OPENED_BY_ASSISTANT = {
    "messages": [
        {"role": "assistant", "content": "Hello! Ask me about colours."},
        {"role": "user", "content": "Name one."},
        {"role": "assistant", "content": "Blue."},
    ]
}


def test_a_reply_with_weight_0_is_skipped_saying_why(model_set):
    result = E.evaluate(model_set, [WEIGHT_ZERO], model_set.names[1], max_new_tokens=2, answer_at="every")
    assert [r.item for r in result.rows] == [(0, 1), (0, 3)]
    assert result.skipped == [
        (
            0,
            'reply 2 has weight 0 in the data (`"weight": 0`, or `"loss"` or `"train"` false): never trained, '
            "not evaluated",
        )
    ]
    first = {"messages": [*WEIGHT_ZERO["messages"][:3], {"role": "assistant", "content": "Blue.", "weight": 0}]}
    with_last = E.evaluate(model_set, [first, WEIGHT_ZERO], model_set.names[1], max_new_tokens=2)
    assert with_last.skipped == [
        (
            0,
            'the last reply has weight 0 in the data (`"weight": 0`, or `"loss"` or `"train"` false): never '
            "trained, not evaluated",
        )
    ]


def test_the_note_does_not_claim_the_same_tokens_where_an_assistant_message_opens_a_conversation():
    said = train_heldout_note([OPENED_BY_ASSISTANT], "all_assistant", "every", 1)
    assert not said.startswith("Train's held-out loss scores the same tokens")
    assert "also counts the assistant message opening 1 conversation, which answers no prompt" in said
    plain = train_heldout_note([WEIGHT_ZERO], "all_assistant", "every", 1)
    assert plain.startswith("Train's held-out loss scores the same tokens") and "opening" not in plain
