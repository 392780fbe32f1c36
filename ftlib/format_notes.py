"""Formats and readings in users' words: each format's plain name and help line (pickers, help texts, the Data
page's "Read as" line), the fields each reads and a mapping may name (the field-mapping editor), and how a file's
fields were read where that is not the obvious reading, said once per file in its report (data.py adds the number of
rows).

Not known here: reading the fields (formats.py, which re-exports the names).
"""

from collections.abc import Iterable

# One line per format in plain words, for pickers, help texts and the Data page's "Read as" line; the standard names
# of its fields once, at its end, "(fields: ...)". Text is wrapped in turns, so the chat template renders it as it
# renders a conversation (TRL's trainers take plain-text fields as written, without a template: the template 'text').
FORMAT_HELP = {
    "messages": "messages: conversations as lists of turns, each with who speaks (system, user, assistant or tool) "
    "and what they say; tool calls and reasoning are read too, as OpenAI and Hugging Face write them (fields: "
    "messages, system, tools; a turn is {role, content})",
    "sharegpt": "sharegpt: conversations as lists of turns, each with who speaks and what they say, as ShareGPT "
    "writes them (fields: conversations, system, tools; a turn is {from, value})",
    "alpaca": "alpaca: an instruction, an input it may come with, and the answer the model learns to give (fields: "
    "instruction, input, output, history, system)",
    "prompt_completion": "prompt_completion: a prompt and the answer the model learns to give, as chat turns or "
    "plain text; plain text is read as the user's message and the assistant's reply, or written as it is with the "
    "chat template 'text' (fields: prompt, completion)",
    "preference": "preference: a prompt with a better and a worse answer, for DPO or a reward model; plain text is "
    "read as one message each, or written as it is with the chat template 'text' (fields: prompt, chosen, rejected)",
    "unpaired_preference": "unpaired_preference: a prompt with one answer marked good or bad (true/false, 1/0 or "
    "good/bad), for KTO; plain text is read as one message each, or written as it is with the chat template 'text' "
    "(fields: prompt, completion, label)",
    "text": "text: plain text the model learns to continue, every token but the first, which nothing comes before to "
    "predict (field: text)",
    "prompt_only": "prompt_only: questions without answers, for GRPO, where the model writes its own answers and "
    "rewards score them; plain text is read as the user's message, or written as it is with the chat template "
    "'text' (fields: prompt, system, tools)",
}
# Each format in plain words, for a page's headings and pickers (the standard name stays beside it: docs and the CLI
# use it).
FORMAT_PLAIN = {
    "messages": "chat messages",
    "sharegpt": "ShareGPT chats",
    "alpaca": "instruction and answer",
    "prompt_completion": "prompt and answer",
    "preference": "preference pairs",
    "unpaired_preference": "answers marked good or bad",
    "text": "plain text",
    "prompt_only": "prompts only",
}

# The fields each format reads, as shown to users (required first) and offered in the field-mapping editor. A pair or a
# labelled answer of Alpaca's shape (instruction, input) reads its `history` too (formats._alpaca_prompt): left out
# here, the Data page started a JSON file's `history` at (none), and any other box changed then dropped it unsaid.
FORMAT_FIELDS = {
    "messages": ("messages", "system", "tools"),
    "sharegpt": ("conversations", "system", "tools"),
    "alpaca": ("instruction", "output", "input", "system", "history"),
    "prompt_completion": ("prompt", "completion", "system", "tools"),
    "preference": (
        *("chosen", "rejected", "prompt", "instruction", "input", "conversations"),
        *("system", "tools", "history"),
    ),
    "unpaired_preference": (
        *("label", "prompt", "completion", "messages", "conversations", "instruction", "input", "output"),
        *("system", "tools", "history"),
    ),
    "text": ("text",),
    "prompt_only": ("prompt", "system", "tools"),
}
# The fields a mapping may name (the editor's rows); source keys with other names map onto these.
FIELDS = (
    "instruction",
    "input",
    "output",
    "system",
    "history",
    "prompt",
    "completion",
    "chosen",
    "rejected",
    "label",
    "messages",
    "conversations",
    "tools",
    "text",
)


# Fields that stand for one another (a prompt is `prompt` or `instruction`/`input`, or a whole conversation): one of a
# group mapped, the others are no field still free. `history` and `tools` take lists, never a plain column.
_ALTERNATIVES = ({"prompt", "completion"}, {"instruction", "input", "output"}, {"messages"}, {"conversations"})
_NOT_A_COLUMN = {"history", "tools"}


def free_fields(fmt: str, column_map: dict[str, str] | None) -> list[str]:
    """The fields of format `fmt` that a table's unused column could still be mapped to: none of `column_map`'s
    (field -> column), nor of a group standing for a mapped one, nor a list (`history`, `tools`). [] when every field
    is taken: then no mapping would use the column, and none is offered (a walk read "map one ... to use it" of a
    `category` column with no field left for it).

    >>> free_fields("alpaca", {"instruction": "question", "output": "answer"})
    ['input', 'system']
    >>> free_fields("prompt_completion", {"prompt": "q", "completion": "a", "system": "s"})
    []
    >>> free_fields("preference", {"prompt": "p", "chosen": "c", "rejected": "r"})
    ['system']
    >>> free_fields("preference", {"chosen": "c", "rejected": "r"})  # no prompt mapped: the format's first way to one
    ['prompt', 'system']
    """
    taken, fields = set(column_map or {}), FORMAT_FIELDS.get(fmt, ())
    groups = sorted(
        (g for g in _ALTERNATIVES if g & set(fields)), key=lambda g: min(fields.index(f) for f in g & set(fields))
    )
    # None of them mapped (a pair's chosen and rejected alone): the first stays free, not every one ruled out
    mapped = [group for group in groups if group & taken] or groups[:1]
    other = set().union(*(group for group in groups if group not in mapped)) if taken else set()
    return [f for f in fields if f not in taken | _NOT_A_COLUMN | other]


def format_label(fmt: str) -> str:
    """A format in plain words with its standard name beside it.

    >>> format_label("prompt_only")
    'prompts only (prompt_only)'
    """
    return f"{FORMAT_PLAIN.get(fmt, fmt)} ({fmt})"


# Fields that hold a preference row's prompt where a file has one (OpenAI's `input` among them): without any, the
# pair's two answers hold it themselves (formats._from_preference).
_PAIR_PROMPTS = ("prompt", "conversations", "instruction", "input", "question")


def format_said(fmt: str, fields: Iterable[str] = (), notes: Iterable[str] = ()) -> str:
    """The Data page's "Read as" line of a file read as `fmt`: FORMAT_HELP's words after the format's name, but for
    preference pairs with no field holding the prompt (`fields`: the file's own, and the fields mapped), which say
    the fields the file has and where its prompt comes from, as the file's `notes` (its notices' texts) tell it:
    Human/Assistant transcripts (TRANSCRIPT_NOTE), texts that begin alike (SHARED_TEXT_NOTE), else conversations
    whose shared opening turns are the prompt (as TRL's `extract_prompt` reads them).

    >>> format_said("preference", ["chosen", "rejected", "id"]).partition(" (fields: ")[2]
    'chosen, rejected, read as conversations whose shared opening turns are the prompt)'
    >>> format_said("preference", ["prompt", "chosen", "rejected"]).endswith("(fields: prompt, chosen, rejected)")
    True
    """
    said = FORMAT_HELP[fmt].partition(": ")[2]
    have = set(fields)
    if fmt != "preference" or have & set(_PAIR_PROMPTS) or not {"chosen", "rejected"} <= have:
        return said
    notes = list(notes)
    ways = [
        way
        for note, way in (
            (TRANSCRIPT_NOTE, "Human/Assistant transcripts whose turns before the last answer are the prompt"),
            (SHARED_TEXT_NOTE, "texts whose shared beginning is the prompt"),
        )
        if any(note in n for n in notes)
    ] or ["conversations whose shared opening turns are the prompt"]
    listed = ", ".join(f for f in FORMAT_FIELDS[fmt] if f in have)
    return f"{said.rpartition(' (fields: ')[0]} (fields: {listed}, read as {'; or as '.join(ways)})"


# Said once per file and field when a cell held a list written by Python (data.py adds the number of rows).
PYTHON_CELL_NOTE = (
    "`{field}` holds lists written by Python, not JSON (single quotes, as pandas' `to_csv` writes a column of lists): "
    "read as those lists, keys holding None left out (a DataFrame read from Parquet gives them to objects that never "
    "had them). To keep lists as lists, save the file as JSONL "
    '(`df.to_json(path, orient="records", lines=True)`) or Parquet (`df.to_parquet(path)`).'
)
JSON_TURN_NOTE = (
    '`{field}` holds the JSON text of a message of its own role (`{{"role": ..., "content": ...}}`): read as that '
    "message, its content the text. If the JSON text itself is meant, write it inside a message's content."
)
OPENAI_PAIR_NOTE = (
    "`preferred_output` and `non_preferred_output` are OpenAI's preference fine-tuning answers: read as the chosen "
    "and the rejected answer, with `input.messages` as the prompt (`input.tools` its tools)."
)
FUNCTIONS_NOTE = (
    "`functions` (OpenAI's legacy name of `tools`, beside `function_call` turns) is read as the row's tools, each "
    'schema as a `tools` entry {"type": "function", "function": schema}.'
)
DEVELOPER_NOTE = (
    "`{field}` has a `developer` turn (OpenAI's newer name of the system message): read as the system turn."
)

# How a file's transcripts were read, said once per file (data.py adds the number of rows).
TRANSCRIPT_NOTE = (
    "`chosen` and `rejected` are whole Human/Assistant transcripts (as in Anthropic's HH-RLHF): each is read as "
    "turns (Human: as the user, Assistant: as the assistant); the turns before the last answer are the prompt, and "
    "that last answer is the chosen or the rejected one."
)
PROMPT_TRANSCRIPT_NOTE = (
    "`{field}` is a Human/Assistant transcript: read as turns (Human: the user, Assistant: the assistant)."
)
SHARED_TEXT_NOTE = (
    "`chosen` and `rejected` are whole texts with no prompt beside them: the text both begin with is read as the "
    "prompt and the rest of each as its answer (as TRL's extract_prompt does). Where they part inside a word, the "
    "prompt ends before it and the word's shared start belongs to both answers (tokens both answers share cancel "
    "out in DPO's comparison). Add a 'prompt' field to say where the prompt ends."
)

__all__ = [
    "FIELDS",
    "FORMAT_FIELDS",
    "FUNCTIONS_NOTE",
    "FORMAT_HELP",
    "FORMAT_PLAIN",
    "format_label",
    "DEVELOPER_NOTE",
    "PROMPT_TRANSCRIPT_NOTE",
    "JSON_TURN_NOTE",
    "OPENAI_PAIR_NOTE",
    "PYTHON_CELL_NOTE",
    "SHARED_TEXT_NOTE",
    "TRANSCRIPT_NOTE",
]
