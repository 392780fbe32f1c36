"""ms-swift's preference rows (a chat whose last assistant turn is the chosen answer, `rejected_response` the rejected
one) read as preference pairs (ftlib/rejected_rows.py).

Before, such a file was read as chats, `rejected_response` named as a field nothing reads: SFT learned the chosen
answers and DPO refused the file as not preference data. The content is ours; the shape is ms-swift's.
"""

from __future__ import annotations

import json

from ftlib.data import load_bytes

SYSTEM = {"role": "system", "content": "Answer like a harbour master."}
ASK = {"role": "user", "content": "Which knot for a mooring line?"}
EARLIER = [ASK, {"role": "assistant", "content": "A bowline."}, {"role": "user", "content": "And for a towline?"}]


def swift(turns: list, rejected="A granny knot.", **more) -> dict:
    return {"messages": turns, "rejected_response": rejected, **more}


def load(*rows, fmt=None):
    return load_bytes("\n".join(json.dumps(r) for r in rows).encode(), "swift.jsonl", fmt=fmt)


def test_the_last_answer_is_chosen_and_the_rejected_response_rejected():
    answer = {"role": "assistant", "content": "A round turn and two half hitches."}
    result = load(swift([SYSTEM, ASK, answer]), swift([*EARLIER, answer], rejected="Any knot will do."))
    assert result.format == "preference" and result.errors == [] and result.valid_rows == 2
    first, second = result.rows
    assert first["prompt"] == [SYSTEM, ASK]
    assert first["chosen"] == [answer] and first["rejected"] == [{"role": "assistant", "content": "A granny knot."}]
    assert second["prompt"] == EARLIER  # a multi-turn prompt: the turns before the last answer
    assert second["rejected"] == [{"role": "assistant", "content": "Any knot will do."}]
    assert any("as ms-swift's preference rows do" in n.message and n.note for n in result.notices)
    assert not any(n.field == "rejected_response" for n in result.notices)


def test_a_chat_not_ending_with_an_answer_is_left_out_with_why():
    answer = {"role": "assistant", "content": "A bowline."}
    result = load(swift([ASK, answer]), swift([ASK]))
    assert result.valid_rows == 1
    ((error,),) = [result.errors]
    assert error.row == 2 and "the last turn of `messages` is not the assistant's answer" in error.message


def test_the_messages_format_given_reads_the_chats_as_before():
    result = load(swift([ASK, {"role": "assistant", "content": "A bowline."}]), fmt="messages")
    assert result.format == "messages" and any(n.field == "rejected_response" for n in result.notices)
