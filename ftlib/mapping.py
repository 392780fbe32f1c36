"""Which of a file's columns (or keys) holds which field, guessed from their names: the field mapping's default.

    guess_column_map(["Question", "Answer"])          -> {"instruction": "Question", "output": "Answer"}
    missing_fields("preference", {"prompt", "chosen"})  -> ["rejected"]

Tables always get a mapping (their columns are the fields); JSON files get one when no row matches a format. The
fields are those of ftlib.formats.FIELDS; `_SHAPES` lists, best first, the shapes a file's names may form.

Not known here: reading files (readers.py), converting rows (formats.py), applying a mapping (data.py).
"""

from __future__ import annotations

_SYSTEM = ("system", "system_prompt")
# What projects call the user's side and the answer (Alpaca, Dolly, OASST/ShareGPT exports, FAQ and support-ticket
# tables, chat logs), best first.
_PROMPT = ("prompt", "question", "query", "question_text", "user_message", "user_input", "user", "human")
_ANSWER = (
    "output",
    "answer",
    "response",
    "completion",
    "target",
    "reply",
    "assistant",
    "bot",
    "answer_text",
    "response_text",
    "assistant_response",
    "model_response",
    "bot_response",
    "gpt",
)
_LABEL = ("label", "kto_tag")
_CONVERSATIONS = ("conversations", "conversation")
# (format, required fields, optional fields): field -> names that mean it (lower-case, spaces as "_"), best first.
_SHAPES: list[tuple[str, dict, dict]] = [
    (
        "preference",
        {"chosen": ("chosen", "chosen_messages", "chosen_response"), "rejected": ("rejected", "rejected_messages")},
        {
            "prompt": _PROMPT,
            "instruction": ("instruction",),
            "input": ("input",),
            "conversations": _CONVERSATIONS,
            "system": _SYSTEM,
            "tools": ("tools",),
        },
    ),
    (
        "unpaired_preference",
        {"prompt": (*_PROMPT, "instruction"), "completion": ("completion", *_ANSWER), "label": _LABEL},
        {"system": _SYSTEM, "tools": ("tools",)},
    ),
    ("unpaired_preference", {"messages": ("messages",), "label": _LABEL}, {"system": _SYSTEM, "tools": ("tools",)}),
    ("unpaired_preference", {"conversations": _CONVERSATIONS, "label": _LABEL}, {"system": _SYSTEM}),
    ("messages", {"messages": ("messages",)}, {"system": _SYSTEM, "tools": ("tools",)}),
    ("sharegpt", {"conversations": _CONVERSATIONS}, {"system": _SYSTEM, "tools": ("tools",)}),
    ("prompt_completion", {"prompt": ("prompt",), "completion": ("completion",)}, {"system": _SYSTEM}),
    (
        "alpaca",
        {
            "instruction": ("instruction", "instructions", *_PROMPT),
            "output": _ANSWER,
        },
        {"input": ("input", "context"), "system": _SYSTEM, "history": ("history",)},
    ),
    ("text", {"text": ("text",)}, {}),
    ("prompt_only", {"prompt": _PROMPT}, {"system": _SYSTEM, "tools": ("tools",)}),
]
# The first shape of each format: its required fields (for "Read as X, the file needs a column for ...").
REQUIRED_FIELDS = {}
for _fmt, _required, _ in _SHAPES:
    REQUIRED_FIELDS.setdefault(_fmt, tuple(_required))


def guess_column_map(columns: list[str]) -> dict[str, str]:
    """Field -> column (or key) for the first shape whose required fields all have one.

    >>> guess_column_map(["Question", "Answer"])
    {'instruction': 'Question', 'output': 'Answer'}
    """
    normal: dict[str, str] = {}
    for col in columns:
        normal.setdefault(str(col).strip().lower().replace(" ", "_").replace("-", "_"), col)
    for _fmt, required, optional in _SHAPES:
        mapping: dict[str, str] = {}
        for fld, names in {**required, **optional}.items():
            col = next((normal[n] for n in names if n in normal and normal[n] not in mapping.values()), None)
            if col is not None:
                mapping[fld] = col
        if all(f in mapping for f in required):
            return mapping
    return {}


def missing_fields(fmt: str, mapped: set[str]) -> list[str]:
    """Required fields of `fmt` that `mapped` lacks, for the shape of `fmt` closest to complete ([] if one fits)."""
    gaps = [[f for f in required if f not in mapped] for name, required, _ in _SHAPES if name == fmt]
    return min(gaps, key=len)


__all__ = ["REQUIRED_FIELDS", "guess_column_map", "missing_fields"]
