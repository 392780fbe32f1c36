"""A chat and a rejected answer beside it -> a preference pair: ms-swift's preference rows (DPO, ORPO, SimPO, CPO,
a reward model), for judged_pairs.

    {"messages": [{"role": "user", "content": "Best fruit?"}, {"role": "assistant", "content": "A mango."}],
     "rejected_response": "A rock."}
    -> {"chosen": <messages>, "rejected": <messages, its last answer "A rock.">}

ms-swift's docs: the last assistant turn of `messages` is the chosen answer and `rejected_response` the rejected
one, to the same prompt (the turns before). Read as two whole conversations that part at their last answer, which
formats.py and pairs.py read as any preference row (the turns before as the prompt). Before, such a file was read as
chats (SFT on the chosen answer) with `rejected_response` named as a field nothing reads, and DPO refused it.

Not known here: how a pair is read (formats.py, pairs.py), the file's note (judged_pairs.judged_records).
"""

from __future__ import annotations

import json
from typing import Any

REJECTED = "rejected_response"
_TURNS = ("messages", "conversations")


def rejected_shape(record: Any) -> bool:
    """Whether `record` is a chat (`messages`, or ShareGPT's `conversations`) with a `rejected_response` beside it,
    and no `chosen`/`rejected` of its own.

    >>> rejected_shape({"messages": [], "rejected_response": "No."})
    True
    """
    return (
        isinstance(record, dict)
        and REJECTED in record
        and any(k in record for k in _TURNS)
        and not {"chosen", "rejected"} & set(record)
    )


def rejected_pair(record: dict) -> dict | str:
    """The preference row a `rejected_shape` record makes, its other keys kept; why it makes none, as text, when its
    turns do not end with the assistant's answer or the rejected answer is not text."""
    key = next(k for k in _TURNS if k in record)
    turns, rejected = record[key], record[REJECTED]
    if isinstance(turns, str) and turns.lstrip().startswith("["):  # a CSV cell's JSON text
        try:
            turns = json.loads(turns)
        except json.JSONDecodeError as exc:
            return f"`{key}` is not valid JSON ({exc.msg})"
    last = turns[-1] if isinstance(turns, list) and turns and isinstance(turns[-1], dict) else {}
    role = last.get("role", last.get("from"))
    if str(role).strip().lower() not in ("assistant", "gpt", "model", "ai"):
        return (
            f"the last turn of `{key}` is not the assistant's answer, which `{REJECTED}` is the rejected "
            "alternative to: end the conversation with the chosen answer"
        )
    if not isinstance(rejected, str) or not rejected.strip():
        return f"`{REJECTED}` must be the rejected answer's text"
    out = {k: v for k, v in record.items() if k not in (key, REJECTED)}
    return {**out, "chosen": turns, "rejected": [*turns[:-1], {"role": "assistant", "content": rejected}]}


__all__ = ["REJECTED", "rejected_pair", "rejected_shape"]
