"""A held-out conversation that ends on a question nobody answered (ShareGPT dumps often do): its last reply is still
its reference, so Evaluate scores it and Train's pre-flight counts it among the held-out rows with a reference.

Helper 129's cold walk: a ShareGPT file whose held-out rows included one ending on a human turn; Evaluate listed it
as skipped ("does not end with an assistant turn"), so 3 rows asked scored 1, and Train's warning counted "2 of the
4 held-out rows" of a split of 5, the fifth left out without a word.
"""

from __future__ import annotations

from ftlib import evaluate as E
from ftlib.references import conversation, references_past

ASK = {"role": "user", "content": "How do I change the billing currency?"}
REPLY = {"role": "assistant", "content": "Ask support: it is set per workspace."}
# Trained as context only: nothing answers it.
LEFT_OPEN = {"role": "user", "content": "One more thing, can I get a refund?"}
OPEN_ENDED = {"messages": [{"role": "system", "content": "Be brief."}, ASK, REPLY, LEFT_OPEN]}
PLAIN = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello there."}]}


def test_the_reference_of_a_conversation_ending_on_a_question_is_its_last_reply():
    assert conversation(OPEN_ENDED) == OPEN_ENDED["messages"][:3]
    assert conversation(OPEN_ENDED, "first") == OPEN_ENDED["messages"][:3]


def test_train_preflight_counts_it_among_the_rows_with_a_reference(smol_tokenizer):
    past, referenced, _ = references_past([OPEN_ENDED, PLAIN], smol_tokenizer, "chatml", 512)
    assert (past, referenced) == ([], 2)


def test_evaluate_scores_it_on_its_last_reply(model_set):
    result = E.evaluate(model_set, [OPEN_ENDED, PLAIN], model_set.names[1], max_new_tokens=4, batch_size=2)
    assert result.skipped == []
    assert [row.reference for row in result.rows] == [REPLY["content"], "Hello there."]
