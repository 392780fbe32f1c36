"""Plain-text rows that hold a chat transcript in a chat template's markup, named once per file: a `text` row of
`<|im_start|>user ... <|im_start|>assistant ...` is read as plain text, and every token of it trained, the user's turns
and the markup as much as the replies (data.load_bytes adds the notice to the file's notices).

    chat_markup(rows, numbers, forced=False, name="text", file_type="jsonl")
    -> [FieldNotice("`text` holds a user's turn and a reply, marked as a chat template or a transcript marks them, in
       40 rows of 40: ChatML (...) in 40 rows (lines 1, 2, 3, 4, 5 and 35 more). Read as plain text (text), every
       token of them is trained ...")]

A row counts only where the markup opens turns of both sides at turn boundaries (the start of the text or of a line,
or right after the template's end-of-turn marker): a sentence that mentions `[INST]` or `<|im_start|>` is prose.
A warning when the format was guessed; a note when plain text was chosen (training every token is then what is meant).
The rows are not converted: reading a transcript's turns is the user's choice (as `messages`), and a template's
markup can hold what no turn list says (a system prompt, tool calls). Not known here: the load (data.py); control
tokens inside a turn's own text (tokenizer_checks.control_token_checks).
"""

from __future__ import annotations

import re

from ftlib.blank_values import ROWS_NAMED, row_noun
from ftlib.errors import plural
from ftlib.formats import format_label
from ftlib.notices import FieldNotice
from ftlib.split_lines import rows_said

_START = r"(?:^|(?<=\n))[ \t]*"  # a turn boundary: the start of the text or of a line
# (the template in words, the user's turn opening, the assistant's), each at a turn boundary; the first that fits a
# row names it.
_SCHEMES = [
    (
        "ChatML (`<|im_start|>user` ... `<|im_start|>assistant`)",
        r"(?:^|\n|<\|im_end\|>)[ \t]*<\|im_start\|>user[ \t\r]*(?:\n|$)",
        r"(?:^|\n|<\|im_end\|>)[ \t]*<\|im_start\|>assistant[ \t\r]*(?:\n|$)",
    ),
    (
        "Llama 3's (`<|start_header_id|>user<|end_header_id|>` ... assistant)",
        r"(?:^|\n|<\|eot_id\|>|<\|begin_of_text\|>)[ \t]*<\|start_header_id\|>user<\|end_header_id\|>",
        r"(?:^|\n|<\|eot_id\|>)[ \t]*<\|start_header_id\|>assistant<\|end_header_id\|>",
    ),
    (
        "Gemma's (`<start_of_turn>user` ... `<start_of_turn>model`)",
        r"(?:^|\n|<end_of_turn>|<bos>)[ \t]*<start_of_turn>user[ \t\r]*(?:\n|$)",
        r"(?:^|\n|<end_of_turn>)[ \t]*<start_of_turn>model[ \t\r]*(?:\n|$)",
    ),
    (
        "Phi's or Zephyr's (`<|user|>` ... `<|assistant|>`)",
        r"(?:^|\n|<\|end\|>|</s>|<s>)[ \t]*<\|user\|>",
        r"(?:^|\n|<\|end\|>|</s>)[ \t]*<\|assistant\|>",
    ),
    (
        "Llama 2's or Mistral's (`[INST] ... [/INST]`)",
        r"(?:^|\n|</s>)[ \t]*(?:<s>)?[ \t]*\[INST\]",
        r"\[/INST\][ \t]*\S",
    ),
    ("a `### Human:` ... `### Assistant:` transcript", _START + r"###[ \t]*Human:", _START + r"###[ \t]*Assistant:"),
    (
        "Alpaca's prompt (`### Instruction:` ... `### Response:`)",
        _START + r"###[ \t]*Instruction:",
        _START + r"###[ \t]*Response:",
    ),
    ("a `Human:` ... `Assistant:` transcript", _START + r"Human:", _START + r"Assistant:"),
]
# Each scheme's user-turn marker as plain text, looked for before its patterns: prose holds none of them, and a plain
# `in` costs a small part of the regular expressions' search (20,000 rows of 2 KB prose: 2.75 s -> 0.09 s, measured).
_NEEDLES = ("<|im_start|>", "<|start_header_id|>", "<start_of_turn>", "<|user|>", "[INST]", "Human:", "Instruction:",
            "Human:")  # fmt: skip
_COMPILED = [
    (label, needle, re.compile(user), re.compile(reply))
    for (label, user, reply), needle in zip(_SCHEMES, _NEEDLES, strict=True)
]


def markup_of(text: object) -> str | None:
    """The chat template whose markup opens a user's turn and an assistant's in `text` at turn boundaries, in words;
    None for prose (a single mention of a marker, or one inside a sentence).

    >>> markup_of("<|im_start|>user\\nHi<|im_end|>\\n<|im_start|>assistant\\nHello<|im_end|>")
    'ChatML (`<|im_start|>user` ... `<|im_start|>assistant`)'
    >>> markup_of("Mistral wraps a prompt in [INST] and [/INST] tags."), markup_of("Human: a note, not a talk.")
    (None, None)
    """
    if not isinstance(text, str):
        return None
    return next(
        (
            label
            for label, needle, user, reply in _COMPILED
            if needle in text and user.search(text) and reply.search(text)
        ),
        None,
    )


def chat_markup(
    rows: list[dict], numbers: list[int], forced: bool, name: str, file_type: str, keys=()
) -> list[FieldNotice]:
    """One notice for the plain-text `rows` (row numbers `numbers`) whose text is a transcript in a chat template's
    markup (`markup_of`), naming each template's rows and the first of them; [] when none is. `forced`: plain text was
    chosen (a note), not guessed (a warning); `name`: the file's field or column read as the text; `file_type` and
    `keys` as `LoadResult.file_type` and `LoadResult.from_keys` (a .json file's keys, each row's said too).

    >>> rows = [{"text": "<start_of_turn>user\\nHi<end_of_turn>\\n<start_of_turn>model\\nHey"}, {"text": "A tale."}]
    >>> chat_markup(rows, [1, 2], False, "text", "jsonl")[0].message.split(":")[0]
    "`text` holds a user's turn and a reply, marked as a chat template or a transcript marks them, in 1 row of 2"
    """
    found: dict[str, list[int]] = {}
    for row, number in zip(rows, numbers, strict=True):
        label = markup_of(row.get("text"))
        if label:
            found.setdefault(label, []).append(number)
    if not found:
        return []
    count = sum(len(at) for at in found.values())
    noun = row_noun(file_type)
    which = "; ".join(
        f"{label} in {plural(len(at), 'row')} ({rows_said(noun, at, keys, ROWS_NAMED)})" for label, at in found.items()
    )
    them = "it" if count == 1 else "them"
    trained = (
        f"Read as {format_label('text')}, every token of {them} is trained: the user's turns and the markup as much "
        "as the replies, so the model learns to write the user's side too."
    )
    replies = (
        'give the rows as `messages` ([{"role": "user", "content": ...}, {"role": "assistant", "content": ...}], '
        "the template's markup left out): only the replies are trained, and the model's own template writes the turns"
    )
    if forced:
        fix = f"Plain text was chosen, so that is what is meant; to train only the replies instead, {replies}."
    else:
        fix = (
            f"To train only the replies, {replies}. To train every token on purpose (a transcript as written), choose "
            f"{format_label('text')} yourself under 'Read the file as' on the Data page (`--format text` in the "
            "CLI): the file is read the same, and this becomes a note."
        )
    return [
        FieldNotice(
            f"`{name}` holds a user's turn and a reply, marked as a chat template or a transcript marks them, in "
            f"{plural(count, 'row')} of {len(rows)}: "
            f"{which}. {trained} {fix}",
            field=name,
            rows=count,
            note=forced,
        )
    ]


__all__ = ["chat_markup", "markup_of"]
