"""Which of a file's columns (or keys) holds which field, guessed from their names: the field mapping's default.

    guess_column_map(["Question", "Answer"])          -> {"instruction": "Question", "output": "Answer"}
    missing_fields("preference", {"prompt", "chosen"})  -> ["rejected"]

Tables always get a mapping (their columns are the fields); JSON files get one when no row matches a format. The
fields are those of ftlib.formats.FIELDS; `_SHAPES` lists, best first, the shapes a file's names may form.

A mapping given by the user is checked against the file (`check_map`) and applied row by row (`apply_map`): a
field mapped from another column in a file that also has a column of the field's own name reads that column in the
rows where the mapped one is empty (`--map conversation=conversations` on a file that spells it both ways), and
refuses a row that has both (one of the two would be lost).

Not known here: reading files (readers.py), converting rows (formats.py), loading a file (data.py).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ftlib.formats import FORMAT_FIELDS, detect_row_format, format_label
from ftlib.turns import RowProblem, has_value

_SYSTEM = ("system", "system_prompt")
# What projects call the user's side and the answer (Alpaca, Dolly, OASST/ShareGPT exports, FAQ and support-ticket
# tables, chat logs), best first.
_PROMPT = (
    "prompt",
    "question",
    "query",
    "problem",  # MATH-style sets: {problem, solution}
    "question_text",
    "user_message",
    "user_input",
    "user",
    "human",
    "q",
)
_ANSWER = (
    "output",
    "answer",
    "response",
    "completion",
    "target",
    "solution",
    "reply",
    "assistant",
    "bot",
    "answer_text",
    "response_text",
    "assistant_response",
    "model_response",
    "bot_response",
    "gpt",
    "a",  # FAQ tables' Q and A columns
)
# Beside a `prompt`, a field named as the model's reply is the answer to learn ({prompt, response} rows: prompt and
# answer, as Dolly's instruction/response); `answer`, `target`, `solution` and `a` stay what GRPO's reward functions
# check the model's answers against (TRL's math sets write {prompt, answer} or {prompt, solution}), passed beside
# each prompt (`reply_map`).
_REPLY = tuple(n for n in _ANSWER if n not in ("answer", "target", "solution", "a"))
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
    ("prompt_completion", {"prompt": ("prompt",), "completion": _REPLY}, {"system": _SYSTEM, "tools": ("tools",)}),
    (
        "alpaca",
        {
            # `input` last: beside an instruction it is Alpaca's context; alone ({input, output}) it is the question
            "instruction": ("instruction", "instructions", *_PROMPT, "input"),
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
# The fields every shape of a format needs (KTO's label; not its prompt, which a row of messages does without).
ALWAYS_REQUIRED = {
    fmt: set.intersection(*(set(required) for f, required, _ in _SHAPES if f == fmt)) for fmt in REQUIRED_FIELDS
}

# Each field of the mapping editor in users' words (its box's help, with the formats that read it).
FIELD_PLAIN = {
    "instruction": "The task or question the user gives.",
    "input": "Extra context for the instruction, added to the user's turn.",
    "output": "The answer the model learns to give to the instruction.",
    "system": "A system message, put before the conversation.",
    "history": "Earlier question and answer pairs, put before the instruction as earlier turns.",
    "prompt": "What the model is asked: a text, or a list of {role, content} messages.",
    "completion": "The answer to the prompt: a text, or a list of messages.",
    "chosen": "The better answer of a pair (or a whole conversation that ends with it).",
    "rejected": "The worse answer of the same pair.",
    "label": "Whether the completion is a good answer: true/false, 1/0 or good/bad.",
    "messages": "A whole conversation: a list of {role, content} turns (tool calls and reasoning too).",
    "conversations": "A ShareGPT conversation: a list of {from, value} turns.",
    "tools": "The tools the model may call (JSON schemas), given to the chat template.",
    "text": "Plain text, every token of it trained.",
}


def field_help(field: str) -> str:
    """A field of `ftlib.formats.FIELDS` in users' words, with the formats that read it (those whose every shape
    needs it marked).

    >>> field_help("text")
    'Plain text, every token of it trained. Read by: plain text (text), needed.'
    """
    readers = [
        format_label(fmt) + (", needed" if field in ALWAYS_REQUIRED.get(fmt, ()) else "")
        for fmt, fields in FORMAT_FIELDS.items()
        if field in fields
    ]
    return f"{FIELD_PLAIN[field]} Read by: {'; '.join(readers)}."


def _normal_names(columns: list[str]) -> dict[str, str]:
    """Each column under its name as `_SHAPES` spells names (lower case, spaces and dashes as "_"); the first column
    of a name wins."""
    normal: dict[str, str] = {}
    for col in columns:
        normal.setdefault(str(col).strip().lower().replace(" ", "_").replace("-", "_"), col)
    return normal


def guess_column_map(columns: list[str], fmt: str | None = None) -> dict[str, str]:
    """Field -> column (or key) for the first shape (of format `fmt`, when given) whose required fields all have one;
    {} when none fits.

    >>> guess_column_map(["Question", "Answer"])
    {'instruction': 'Question', 'output': 'Answer'}
    >>> guess_column_map(["Question", "Answer"], "prompt_only")
    {'prompt': 'Question'}
    >>> guess_column_map(["input", "response"])
    {'instruction': 'input', 'output': 'response'}
    >>> guess_column_map(["instruction", "input", "output"])["input"]
    'input'
    """
    normal = _normal_names(columns)
    for shape, required, optional in _SHAPES:
        if fmt is not None and shape != fmt:
            continue
        mapping: dict[str, str] = {}
        for fld, names in {**required, **optional}.items():
            col = next((normal[n] for n in names if n in normal and normal[n] not in mapping.values()), None)
            if col is not None:
                mapping[fld] = col
        if all(f in mapping for f in required):
            return mapping
    return {}


def prompt_column(columns: list[str]) -> str | None:
    """The column a file's prompt is in, by its name as an answer's would be guessed (`_SHAPES`' alpaca instruction);
    None when no name reads as one. For saying what a file with no answer column lacks.

    >>> prompt_column(["instruction", "input"]), prompt_column(["id", "notes"])
    ('instruction', None)
    """
    names = next(required["instruction"] for shape, required, _ in _SHAPES if shape == "alpaca")
    normal = _normal_names(columns)
    return next((normal[n] for n in names if n in normal), None)


def missing_fields(fmt: str, mapped: set[str]) -> list[str]:
    """Required fields of `fmt` that `mapped` lacks, for the shape of `fmt` closest to complete ([] if one fits)."""
    gaps = [[f for f in required if f not in mapped] for name, required, _ in _SHAPES if name == fmt]
    return min(gaps, key=len)


def fields_read(fmt: str, fields: list[str]) -> list[str]:
    """The `fields` (a file's own field names, in order) that reading it as `fmt` reads (`FORMAT_FIELDS`): a
    preference file's `messages` beside `chosen` and `rejected` (UltraFeedback-binarized's copy of the chosen
    conversation) is not read, so the Data page does not start it mapped.

    >>> fields_read("preference", ["prompt", "chosen", "rejected", "messages", "score_chosen"])
    ['prompt', 'chosen', 'rejected']
    """
    return [f for f in fields if f in FORMAT_FIELDS[fmt]]


def gaps_said(fmt: str, gaps: list[str]) -> str:
    """`gaps` (`missing_fields`') as a message names them, with the other shapes of `fmt` a mapping may give instead:
    the closest shape is not always the one the file's columns hold (a question and an answer beside a label).

    >>> gaps_said("unpaired_preference", ["messages"])
    'messages (or, instead of messages: prompt and completion, or conversations)'
    >>> gaps_said("preference", ["rejected"])
    'rejected'
    """
    always = ALWAYS_REQUIRED.get(fmt, set())
    own = [f for f in gaps if f not in always]
    shapes = [[f for f in required if f not in always] for name, required, _ in _SHAPES if name == fmt]
    closest = next((s for s in shapes if set(own) <= set(s)), own)  # the shape `gaps` are missing from
    others = list(dict.fromkeys(" and ".join(s) for s in shapes if s and set(s) != set(closest)))
    said = f" (or, instead of {' and '.join(closest)}: {', or '.join(others)})" if own and others else ""
    return ", ".join(gaps) + said


def check_map(column_map: dict, fields: list, name: str, table: bool, known: tuple) -> None:
    """DataError (readers.py) for a mapped field that is not one of `known`, or a column (a key) the file lacks."""
    from ftlib.readers import DataError

    what = "column" if table else "field"
    for fld, col in column_map.items():
        if fld not in known:
            from ftlib.fields import did_you_mean  # `--map question=instrucion`

            hint = did_you_mean([fld], known)
            raise DataError(f"Unknown field '{fld}' in the field mapping.{hint} Fields: {', '.join(known)}.")
        if col is not None and col not in fields:
            raise DataError(
                f"{name} has no {what} '{col}' (mapped to '{fld}'). Its {what}s: {', '.join(map(str, fields))}."
            )


def apply_map(record: dict, column_map: dict) -> dict:
    """The record with mapped keys renamed to their fields; other keys keep their names, None-mapped fields go.

    A field mapped from another column keeps the record's own value of that field where the mapped column is empty
    (a file that names one thing two ways); a record holding both is a RowProblem, as one of them would be lost.

    >>> apply_map({"q": "Hi", "response": "Hello", "id": 1}, {"instruction": "q", "output": "response"})
    {'id': 1, 'instruction': 'Hi', 'output': 'Hello'}
    >>> apply_map({"q": "Hi", "output": "Hey"}, {"instruction": "q", "output": "response"})["output"]
    'Hey'
    """
    sources = {col for col in column_map.values() if col is not None}
    out = {k: v for k, v in record.items() if k not in sources and k not in column_map}
    for fld, col in column_map.items():
        if col is None:
            continue
        value: Any = record.get(col)
        own = record.get(fld) if fld != col and fld not in sources else None
        if has_value(own):
            if has_value(value):
                raise RowProblem(
                    f"it has both '{col}' (mapped to the {fld}) and its own '{fld}', so one of the two would be "
                    f"lost. Keep one of them in this row, or map '{fld}' to another field"
                )
            value = own  # this row names it the other way
        out[fld] = value
    return out


def completed_map(column_map: dict, fields: list[str], raw: list, fmt: str | None, notes: list[str]) -> dict:
    """A mapping given for some fields, completed by the guess for the others when the rows read with it alone fit
    no format (`--map response=output` on a {question, response} file: the question stays unread and no format fits,
    where the guess alone read question -> instruction). What the guess added is said in `notes`.

    A mapping naming the `label` whose rows read as prompts only (`--map good=label --map question=prompt` on a
    {question, answer, good} file) is completed with the answer the label marks: `labelled_map`, whether the format is
    guessed or given as the one a label belongs to (`--format unpaired_preference`, the Data page's "answers marked
    good or bad"); not where another is given (`--format prompt_only`: the answer stays a column for the rewards)."""
    if fmt in (None, "unpaired_preference") and column_map.get("label") is not None:
        column_map = labelled_map(column_map, fields, raw, notes)
    if fmt is not None or any(detect_row_format(_lenient(r, column_map)) for _, r in raw[:50]):
        return column_map
    taken = {c for c in column_map.values() if c is not None}
    added = {f: c for f, c in (guess_column_map(fields) or {}).items() if f not in column_map and c not in taken}
    if added:
        said = ", ".join(f"{c} -> {f}" for f, c in added.items())
        notes.append(f"The mapping given was completed by the guess for the other fields: {said}.")
    return {**column_map, **added}


def labelled_map(column_map: dict, fields: list[str], raw: list, notes: list[str]) -> dict:
    """`column_map`, which names a `label`, with the `completion` its label marks where its rows read as prompts only:
    a label is KTO's alone (TRL's unpaired {prompt, completion, label}), so mapping one means answers marked good or
    bad, never prompts whose label only GRPO's rewards would read. The completion is the column the unpaired shape's
    guess names among those not mapped (`answer`, `response`, `output`...: `_SHAPES`), said in `notes`; where none
    is, the map is returned as it is, and the load asks for a completion (`data.load_file`: the format the label
    means, refused naming what to add). Rows that read as no format with no prompt mapped (`--map good=label` alone)
    get the guess's prompt too, both said.

    >>> row = {"question": "2+2?", "answer": "4", "good": True}
    >>> labelled_map({"label": "good", "prompt": "question"}, list(row), [(1, row)], [])
    {'label': 'good', 'prompt': 'question', 'completion': 'answer'}
    >>> labelled_map({"label": "good"}, list(row), [(1, row)], [])
    {'label': 'good', 'prompt': 'question', 'completion': 'answer'}
    """
    shapes = {detect_row_format(_lenient(r, column_map)) for _, r in raw[:50]}
    # rows of prompts; or, no prompt mapped, rows of no format ({question, answer, label}: `--map good=label` alone)
    if "prompt_only" in shapes:
        asked = ["completion"]
    elif None in shapes and "prompt" not in column_map:
        asked = ["prompt", "completion"]
    else:
        return column_map
    if "completion" in column_map:
        return column_map  # a completion mapped, or set to none on the Data page: as the person chose
    taken = {c for c in column_map.values() if c is not None}
    names = [f for f, c in column_map.items() if c is not None] + [
        c for c in fields if c not in taken | set(column_map)
    ]
    guess = guess_column_map(names, "unpaired_preference")
    added = {f: guess.get(f) for f in dict.fromkeys(asked)}
    if any(c is None or c in column_map for c in added.values()):
        return column_map
    read = f"`{added['completion']}` is read as the answer it marks (the completion)"
    fix = "map that one to completion under Field mapping on the Data page (`--map COLUMN=completion` in the CLI)"
    if "prompt" in added:
        read = f"`{added['prompt']}` is read as the prompt and {read}"
        fix = (
            "map it under Field mapping on the Data page (`--map COLUMN=prompt`, `--map COLUMN=completion` in the CLI)"
        )
    notes.append(
        f"`{column_map['label']}` is read as the label of answers marked good or bad (KTO), so {read}. If another "
        f"column holds {'one of them' if 'prompt' in added else 'it'}, {fix}."
    )
    return {**column_map, **added}


def _lenient(record: dict, column_map: dict) -> dict:
    """The record mapped, or unmapped where the mapping refuses it (only its shape is looked at here)."""
    try:
        return apply_map(record, column_map)
    except RowProblem:
        return record


def reply_map(raw: list[tuple[int, dict]], fields: list[str], fmt: str | None, notes: list[str]) -> dict[str, str]:
    """A file whose rows are prompts beside a field named as the model's reply (`response`, `output`, `reply`...)
    in at least half of them, with no format given: read as prompt and answer (prompt_completion, the reply as
    the completion), said in `notes`; {} for any other file. `answer` beside a prompt stays a column for GRPO's
    reward functions (`_REPLY`), and so do the replies when the format given is prompts only.

    >>> reply_map([(1, {"prompt": "2+2?", "response": "4."})], ["prompt", "response"], None, [])
    {'prompt': 'prompt', 'completion': 'response'}
    >>> reply_map([(1, {"prompt": "2+2?", "answer": "4"})], ["prompt", "answer"], None, [])
    {}
    """
    if fmt is not None:
        return {}
    guess = guess_column_map(fields, "prompt_completion")  # from the names first: most files stop here, unread
    reply = guess.get("completion")
    if reply is None or reply == "completion":
        return {}
    if Counter(detect_row_format(r) for _, r in raw).most_common(1)[0][0] != "prompt_only":
        return {}
    if 2 * sum(has_value(r.get(reply)) for _, r in raw) < len(raw):
        return {}
    # {prompt, response, label}: the answers are judged (KTO), not imitated
    labelled = any(has_value(r.get("label")) or "kto_tag" in r for _, r in raw)
    read_as = "unpaired_preference" if labelled else "prompt_completion"
    role = "the answer its label marks good or bad" if labelled else "the one trained"
    notes.append(
        f"`{reply}` is read as the answer to each `{guess['prompt']}`, as {format_label(read_as)}: the "
        f"prompt is the user's turn and `{reply}` the assistant's, {role}. For prompts alone, whose answers "
        f"GRPO writes itself (`{reply}` then goes to its reward functions), set 'Read the file as' to "
        f"{format_label('prompt_only')} on the Data page (`--format prompt_only` in the CLI)."
    )
    return guess


__all__ = [
    "REQUIRED_FIELDS",
    "apply_map",
    "check_map",
    "completed_map",
    "fields_read",
    "guess_column_map",
    "labelled_map",
    "missing_fields",
    "prompt_column",
    "reply_map",
]
