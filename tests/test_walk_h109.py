"""Helper 109's walk: a product team's thumbs-up/down feedback log read as KTO rows (answers marked good or bad).

One row of such a log had lost its label: it looks like prompt/completion, and the Data page's warning told the user
to read the whole file as prompt_completion "to read them as that", which trains every answer as one to imitate,
the thumbs-down ones too. The warning now says to label the row or leave it out, and why not the other format.
"""

from __future__ import annotations

import json

from ftlib.data import load_bytes


def _feedback(unlabelled: int) -> bytes:
    rows = []
    for i in range(6):
        prompt = [{"role": "user", "content": f"How do I do task {i}?"}]
        for answer, label in ((f"Open menu {i}.", True), ("No idea.", False)):
            rows.append({"prompt": prompt, "completion": [{"role": "assistant", "content": answer}], "label": label})
    for row in rows[1 : 1 + unlabelled]:
        del row["label"]  # a feedback export that lost the thumb of these answers
    return "\n".join(json.dumps(r) for r in rows).encode()


def _looks_like(result) -> str:
    (notice,) = [n.message for n in result.notices if "look" in n.message and "prompt_completion" in n.message]
    return notice


def test_an_unlabelled_answer_in_a_feedback_file_is_not_sent_to_prompt_completion():
    result = load_bytes(_feedback(1), "feedback.jsonl")
    assert result.format == "unpaired_preference"
    assert len(result.rows) == 11 and len(result.errors) == 1
    notice = _looks_like(result)
    assert notice.startswith("1 row looks like prompt_completion, not unpaired_preference: it is refused")
    assert "Pick the format 'prompt_completion'" not in notice  # it would train the bad answers as good ones
    assert "Give it a 'label' (true for a good answer, false for a bad one) to train on it, or leave it out" in notice
    assert "the ones labelled bad too" in notice


def test_several_unlabelled_answers_are_said_in_the_plural():
    notice = _looks_like(load_bytes(_feedback(3), "feedback.jsonl", fmt="unpaired_preference"))
    assert notice.startswith("3 rows look like prompt_completion")
    said = "Give each a 'label' (true for a good answer, false for a bad one) to train on them, or leave them out"
    assert said in notice


def test_a_chat_file_still_hears_of_the_other_format():
    """Rows that look like preference pairs in a chat file keep the old advice: nothing is imitated by mistake."""
    rows = [{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}] * 3
    rows.append({"prompt": "hi", "chosen": "hello", "rejected": "go away"})
    result = load_bytes("\n".join(json.dumps(r) for r in rows).encode(), "chats.jsonl")
    assert any("Pick the format 'preference'" in n.message for n in result.notices)
