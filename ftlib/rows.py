"""Canonical rows: the one shape every reader produces and every later stage consumes, and helpers to read them.

Every accepted file format is converted into one of these kinds (DESIGN.md, "canonical rows grow, they do not
fork"); nothing downstream of `ftlib.data` looks at a file's own field names.

    kind          shape                                                                   trained on by
    sft           {"messages": [turn, ...], "tools"?: [schema, ...]}                      SFT (full/LoRA/QLoRA)
    preference    {"prompt": [turn, ...], "chosen": [turn, ...], "rejected": [turn, ...]}  DPO, reward model
    unpaired      {"prompt": [turn, ...], "completion": [turn, ...], "label": bool}      KTO
    text          {"text": str}                                                          SFT (every token)
    prompt_only   {"prompt": [turn, ...]}                                                 GRPO

Preference, unpaired and prompt-only rows may carry `tools` too. A prompt-only row carries the file's other fields
of its record (a GSM8K-style `answer`, a `solution`, an id) under `columns`, {name: value}: GRPO passes them to its
reward functions as keyword arguments, as TRL passes a dataset's columns (`with_columns`). A turn is
`{"role": "system" | "user" | "assistant" | "tool", "content": str}` plus, where they apply:

    "reasoning": str            assistant: the model's thinking before its answer (from `reasoning_content`,
                                `reasoning`, `thinking`, a reasoning content part or an inline <think>...</think>);
                                "" when the file wrote an empty one (e.g. `<think>\n\n</think>`), absent when none
    "inline_think": [str, str]  assistant: the text the file wrote before and after an inline reasoning (content as
                                written = before + reasoning + after + content): templates get it so (turns.py)
    "tool_calls": [{"type": "function", "function": {"name": str, "arguments": dict}, "id"?: str}, ...]
                                assistant: calls the model makes (`content` may then be ""); `id` when the file
                                gave one (templates such as Mistral's print it)
    "name", "tool_call_id": str  tool: which call this result answers (a tool's `content` may be "")
    "weight": 0 | 1             assistant: 0 = shown as context, never trained (OpenAI's per-turn `weight`,
                                `loss_weight`); absent = trained

`IGNORE_INDEX` (-100) is the label of a token the loss skips, as in PyTorch's cross-entropy and every HF trainer.

Not known here: reading files (data.py, formats.py), rendering (templates.py), labels (tokens.py).
"""

from __future__ import annotations

import json

from ftlib.errors import UserError

IGNORE_INDEX = -100  # the label PyTorch's cross-entropy (and every HF collator) skips

ROW_KINDS = ("sft", "preference", "unpaired", "text", "prompt_only")
# Which row kind each training method needs (methods not listed train on `sft` rows).
KIND_HELP = {
    "sft": "conversations (messages) to imitate",
    "preference": "pairs of a chosen and a rejected answer to the same prompt",
    "unpaired": "single answers labelled good or bad",
    "text": "plain text (every token is trained)",
    "prompt_only": "prompts without answers (the model writes the answers itself)",
}


class RowShapeError(UserError):
    """A row is not one of the canonical kinds (code handed us something `ftlib.data` did not produce)."""


def row_kind(row: dict) -> str:
    """Which canonical kind `row` is (one of ROW_KINDS); RowShapeError for anything else.

    >>> row_kind({"prompt": [{"role": "user", "content": "Hi"}], "chosen": [], "rejected": []})
    'preference'
    >>> row_kind({"text": "Once upon a time"})
    'text'
    """
    if isinstance(row, dict):
        if "messages" in row:
            return "sft"
        if "chosen" in row and "rejected" in row:
            return "preference"
        if "completion" in row and "label" in row:
            return "unpaired"
        if "text" in row:
            return "text"
        if "prompt" in row and "completion" not in row:
            return "prompt_only"
    raise RowShapeError(
        "A row must be one of the canonical kinds ({'messages'}, {'prompt', 'chosen', 'rejected'}, "
        "{'prompt', 'completion', 'label'}, {'text'}, {'prompt'}); load files through ftlib.data to convert "
        "other formats."
    )


def is_preference(row: dict) -> bool:
    """True for a canonical preference row (prompt/chosen/rejected)."""
    return isinstance(row, dict) and "chosen" in row and "rejected" in row


def as_turns(value, role: str = "assistant") -> list[dict]:
    """A list of turns; a bare string (older saved splits wrote answers as text) is one turn with `role`."""
    if isinstance(value, str):
        return [{"role": role, "content": value}]
    return list(value or [])


# Where a prompt-only row keeps its record's other fields (GRPO's rewards read them; nothing is trained on them).
COLUMNS = "columns"


def with_columns(row: dict, record: dict, unread: list[str]) -> tuple[dict, list[str]]:
    """A prompt-only `row` with the top-level fields of its `record` that nothing read (`unread`) under `columns`,
    and what stays unread (keys inside turns, `field[].key`).

    >>> with_columns({"prompt": []}, {"prompt": "2+2?", "answer": "4"}, ["answer", "prompt[].id"])
    ({'prompt': [], 'columns': {'answer': '4'}}, ['prompt[].id'])
    """
    # As JSON holds them (a Parquet date becomes its text): the row is saved with its split and read back as is.
    carried = {k: json.loads(json.dumps(record[k], default=str)) for k in unread if k in record}
    return ({**row, COLUMNS: carried} if carried else row), [k for k in unread if k not in carried]


def conversation(row: dict) -> list[dict]:
    """The conversation a row shows and trains on, as one list of turns.

    sft: its messages; preference: prompt + chosen; unpaired: prompt + completion; prompt_only: the prompt;
    text: one assistant turn holding the text (so token counts and previews treat it like an answer).
    """
    kind = row_kind(row)
    if kind == "sft":
        return list(row["messages"])
    if kind == "preference":
        return as_turns(row.get("prompt"), "user") + as_turns(row["chosen"])
    if kind == "unpaired":
        return as_turns(row.get("prompt"), "user") + as_turns(row["completion"])
    if kind == "prompt_only":
        return as_turns(row["prompt"], "user")
    return [{"role": "assistant", "content": row["text"]}]


__all__ = [
    "COLUMNS",
    "IGNORE_INDEX",
    "KIND_HELP",
    "ROW_KINDS",
    "RowShapeError",
    "as_turns",
    "conversation",
    "is_preference",
    "row_kind",
    "with_columns",
]
