"""A prompt-completion row trains its completion only, as TRL's SFTTrainer trains it (ftlib/completion_turns.py).

Before, TRL's conversational prompt-completion rows became one conversation whose every assistant turn was trained:
an earlier answer inside a multi-turn `prompt` (here a wrong one the user then questions) was learned as if it were
the answer, and a completion holding a tool call, its result and the final answer (an agent's trajectory) was
refused with "the completion must contain only assistant turns". The content is ours; the shape is TRL's.
"""

from __future__ import annotations

import json

import pytest

from ftlib.data import load_bytes
from ftlib.tokens import encode_row

ASK = {"role": "user", "content": "Which fruit is the sweetest?"}
WRONG = {"role": "assistant", "content": "A lemon."}
DOUBT = {"role": "user", "content": "A lemon? Think again."}
RIGHT = {"role": "assistant", "content": "Sorry: a ripe mango."}
TOOLS = [{"type": "function", "function": {"name": "sugar", "parameters": {"type": "object", "properties": {}}}}]


def load(*rows: dict):
    return load_bytes("\n".join(json.dumps(r) for r in rows).encode(), "pc.jsonl")


def test_an_answer_inside_the_prompt_is_context_not_trained(smol_tokenizer):
    result = load({"prompt": [ASK, WRONG, DOUBT], "completion": [RIGHT]})
    assert result.format == "prompt_completion" and result.errors == []
    turns = result.rows[0]["messages"]
    assert turns[1] == {**WRONG, "weight": 0} and "weight" not in turns[3]
    assert any("inside `prompt` are context" in n.message and n.note for n in result.notices)
    trained = "".join(t.text for t in encode_row(result.rows[0], smol_tokenizer, "chatml").tokens if t.trained)
    assert "mango" in trained and "lemon" not in trained


def test_a_one_turn_prompt_says_nothing():
    result = load({"prompt": [ASK], "completion": [RIGHT]}, {"prompt": "Sweetest fruit?", "completion": "A mango."})
    assert result.errors == [] and not any("context" in n.message for n in result.notices)
    assert all("weight" not in m for row in result.rows for m in row["messages"])


def test_a_completion_may_hold_a_call_and_its_result(smol_tokenizer):
    call = {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "sugar", "arguments": {}}}]}
    done = [call, {"role": "tool", "content": "mango: 14 g"}, RIGHT]
    result = load({"prompt": [ASK], "completion": done, "tools": TOOLS})
    assert result.errors == [] and [m["role"] for m in result.rows[0]["messages"]] == [
        "user",
        *["assistant", "tool"],
        "assistant",
    ]
    trained = "".join(t.text for t in encode_row(result.rows[0], smol_tokenizer, "hermes").tokens if t.trained)
    assert '"name": "sugar"' in trained and "mango" in trained and "14 g" not in trained


@pytest.mark.parametrize("role", ["user", "system"])
def test_a_completion_with_another_speaker_is_refused_saying_where_it_belongs(role):
    result = load({"prompt": [ASK], "completion": [WRONG, {"role": role, "content": "Think again."}, RIGHT]})
    ((error,),) = [result.errors]
    assert f"turn 2 of the completion is a {role} turn" in error.message
    assert "into the prompt, or write the whole conversation as `messages`" in error.message
