"""Which format a record is, by its keys, and what each format's rows need: the names `data inspect` reports, the
kind of data each is (SFT, preference pairs, labelled answers, text, prompts), and the vote's per-row guess.

    detect_row_format({"instruction": "Add 2+2", "output": "4"})   # 'alpaca'

Converting a record is `ftlib/formats.py`; the file's vote over its rows is `ftlib/data.py`.
"""

from __future__ import annotations

from typing import Any

from ftlib.errors import plural
from ftlib.turns import has_value

FORMATS = (
    "messages",
    "sharegpt",
    "alpaca",
    "prompt_completion",
    "preference",
    "unpaired_preference",
    "text",
    "prompt_only",
)
# What a row of each format cannot do without, as a row error says it.
FORMAT_NEEDS = {
    "messages": "'messages'",
    "sharegpt": "'conversations'",
    "alpaca": "'instruction' and 'output'",
    "prompt_completion": "'prompt' and 'completion'",
    "preference": "'chosen' and 'rejected'",
    "unpaired_preference": "an answer and its 'label'",
    "text": "'text'",
    "prompt_only": "'prompt'",
}
FORMAT_KIND = {
    "messages": "sft",
    "sharegpt": "sft",
    "alpaca": "sft",
    "prompt_completion": "sft",
    "preference": "preference",
    "unpaired_preference": "unpaired",
    "text": "text",
    "prompt_only": "prompt_only",
}


# OpenAI's preference fine-tuning rows name the two answers so (and hold the prompt in `input.messages`)
OPENAI_SIDES = {"chosen": "preferred_output", "rejected": "non_preferred_output"}


def is_openai_pair(record: dict) -> bool:
    """A row of OpenAI's preference (DPO) fine-tuning format: `input` {"messages", "tools"?}, `preferred_output`
    and `non_preferred_output` (the assistant's answers).

    >>> is_openai_pair({"input": {"messages": []}, "preferred_output": [], "non_preferred_output": []})
    True
    """
    return set(OPENAI_SIDES.values()) <= set(record) and isinstance(record.get("input"), dict)


# Rows that are each one message of a conversation tree (OpenAssistant's oasst1 flat export), or one tree each
# (oasst2's nested export: a `prompt` message whose `replies` hold the answers, each with replies of its own)
TREE_ROWS = (
    "its rows look like OpenAssistant's message trees (each message a `role` and its `text`, linked by `parent_id` "
    "or nested in `replies`), not conversations: the studio reads one conversation per row, its turns in a list, "
    "and read as plain text each message would train on its own, the questions too. Follow each reply back to the "
    "first message and write that path as one row, "
    '{"messages": [{"role": "user", ...}, {"role": "assistant", ...}]} (OpenAssistant\'s `prompter` is the user)'
)
# ... and where each row is one message: the way to read them as they are
AS_TEXT = "; to train every message as text on its own all the same, pick the format 'text' (--format text)"


def detect_row_format(record: Any) -> str | None:
    """The format a single record's keys point to, or None.

    >>> detect_row_format({"instruction": "Add 2+2", "output": "4"})
    'alpaca'
    >>> detect_row_format({"prompt": "2+2?", "completion": "5", "label": False})
    'unpaired_preference'
    """
    if not isinstance(record, dict):
        return None
    keys = set(record)
    if {"chosen", "rejected"} <= keys or {"chosen_messages", "rejected_messages"} <= keys or is_openai_pair(record):
        return "preference"
    # A `label` holding any value beside an answer is read as a judgement of it: when the value is not one
    # (`_label` refuses the row by name), ignoring it would train answers that may be marked bad.
    labelled = "kto_tag" in keys or has_value(record.get("label"))
    if labelled and keys & {"completion", "messages", "conversations", "output"}:
        return "unpaired_preference"
    if "messages" in keys:
        return "messages"
    if "conversations" in keys:
        return "sharegpt"
    if {"instruction", "output"} <= keys:
        return "alpaca"
    if {"prompt", "completion"} <= keys:
        return "prompt_completion"
    if "text" in keys and not _tree_message(record):  # one message of a tree is no text to train alone
        return "text"
    if "prompt" in keys and not _stepwise(record) and not _tree_message(record.get("prompt")):
        return "prompt_only"  # TRL's stepwise supervision is no prompt for GRPO, nor a tree's first message
    return None


def _tree_message(record: Any) -> bool:
    """Whether `record` is one message of a conversation tree, as OpenAssistant's exports write them: a `role` and
    its `text`, with the message's id or its parent's (oasst1's flat rows), or its `replies` (oasst2's trees).

    >>> _tree_message({"message_id": "m2", "parent_id": "m1", "role": "assistant", "text": "Seven."})
    True
    >>> _tree_message({"text": "A story.", "id": 4, "role": "narrator"})
    False
    """
    keys = set(record) if isinstance(record, dict) else set()
    return {"role", "text"} <= keys and bool({"message_id", "parent_id", "replies"} & keys)


def _stepwise(record: dict) -> bool:
    """Whether a row is TRL's stepwise supervision: `completions` a list of steps, `labels` one label a step."""
    return all(isinstance(record.get(k), list) for k in _STEPWISE)


_STEPWISE = ("completions", "labels")


# Shapes other tools publish that the studio does not read, by the keys that give them away: why, and what to write.
UNREAD_SHAPES = {
    frozenset(_STEPWISE): (
        "its rows look like TRL's stepwise supervision (a `prompt`, its reasoning steps in `completions` and a "
        "label for each step in `labels`), the data of a process reward model (TRL's PRMTrainer), which the studio "
        "does not train. To train on the steps as the answer, join them into one `completion` (SFT; with a `label` "
        "judging it, KTO); for GRPO's prompts alone, pick the format 'prompt_only' (--format prompt_only)"
    ),
    frozenset({"segments"}): (
        "its rows look like Axolotl's template-free `segments` (pieces of raw text, each labelled trained or not), "
        "which the studio does not read: it renders every row through a chat template. Write each row as "
        "`messages` (the trained pieces as the assistant's turns), or as `text` to train every token"
    ),
}

# Rows that are each one turn ({"role", "content"}): one conversation's turns written as the file's rows
ONE_TURN_ROWS = (
    "each of its rows is one message (a `role` and its `content`), not a conversation: the studio reads one "
    "conversation per row, its turns in a list. Write each conversation as one row, "
    '{"messages": [{"role": "user", ...}, {"role": "assistant", ...}]} (a .json file holding one conversation\'s '
    "turns as an array: `jq -c '{messages: .}' FILE > chat.jsonl`; a .jsonl file of one message per line: "
    "`jq -s -c '{messages: .}' FILE > chat.jsonl`)"
)

# UltraFeedback's raw rows without their question: `completions`, each a `response` with its scores, and no
# `instruction` or `prompt`. With one, judged_pairs reads them as pairs (the highest-rated against the lowest-rated,
# as ultrafeedback_binarized chooses); without, no pair has a prompt, so they are refused in these words.
RATED_COMPLETIONS = (
    "its rows look like UltraFeedback's raw rows (several `completions`, each a `response` with its ratings) without "
    "the question they answer: the studio makes preference pairs of such rows (the highest-rated completion chosen, "
    "the lowest-rated rejected) where each row holds its question as `instruction` or `prompt`. Add that field, or "
    'write each row as a preference pair, {"prompt": ..., "chosen": ..., "rejected": ...}'
)

# Rows keyed by their ids, {"q1": {row}, "q2": {row}}: read as one row of fields q1, q2 (pandas' orient="index" of a
# DataFrame with a named index writes this; a numbered one is read as rows, json_layout.pandas_layout)
KEYED_ROWS = (
    "each of its top-level fields holds a row of its own (rows keyed by an id, as pandas' "
    '`to_json(orient="index")` writes a DataFrame with a named index), not the parts of one example. Write the rows '
    "as a list, [{...}, {...}] "
    "(`jq -c '.[]' FILE > rows.jsonl`, or pandas' `to_json(path, orient=\"records\", lines=True)`)"
)


def empty_objects(name: str, rows: int) -> str:
    """Why a file whose every row is an empty object `{}` cannot be read, and what to write.

    >>> empty_objects("chats.jsonl", 3)[:68]
    'Every row of chats.jsonl is an empty object {} (3 rows): there is no'
    """
    # "The one row ... (1 row)" counted it again
    which = f"Every row of {name} is" if rows > 1 else f"The one row of {name} is"
    count = f" ({plural(rows, 'row')})" if rows > 1 else ""
    return (
        f"{which} an empty object {{}}{count}: there is nothing in it to read. Write each row's "
        'fields, e.g. {"messages": [{"role": "user", "content": ...}, {"role": "assistant", "content": ...}]}, or '
        "choose another file."
    )


def unread_shape(record: Any) -> str | None:
    """Why a record in a shape another tool publishes is not read, and what to write instead; None otherwise.

    >>> unread_shape({"segments": [{"label": True, "text": "Hi"}]}).startswith("its rows look like Axolotl's")
    True
    """
    if not isinstance(record, dict):
        return None
    if {"role", "from"} & set(record) and {"content", "value"} & set(record):  # a turn, not a conversation
        return ONE_TURN_ROWS
    if _tree_message(record) or _tree_message(record.get("prompt")):
        return TREE_ROWS + (AS_TEXT if _tree_message(record) else "")
    for keys, why in UNREAD_SHAPES.items():
        if keys <= set(record) and all(isinstance(record[k], list) for k in keys):
            return why
    inner = list(record.values())
    if len(inner) > 1 and all(isinstance(v, dict) and detect_row_format(v) for v in inner):
        return KEYED_ROWS  # {"q1": {"instruction": ...}, "q2": {...}}: rows under their ids
    answers = record.get("completions")
    if isinstance(answers, list) and answers and all(isinstance(a, dict) and "response" in a for a in answers):
        return RATED_COMPLETIONS
    return None
