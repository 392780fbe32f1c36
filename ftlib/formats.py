"""Per-format converters: one raw record (a dict from a file) -> one canonical row, or a clear reason why not.

Canonical rows are defined in ftlib/rows.py. Accepted inputs, by format name (what `data inspect` reports):

    messages             {"messages": [{"role", "content", ...}], "system"?, "tools"?}          (OpenAI / HF)
    sharegpt             {"conversations": [{"from", "value"}, ...], "system"?, "tools"?}       (ShareGPT)
    alpaca               {"instruction", "input"?, "output", "system"?, "history"?}
    prompt_completion    {"prompt", "completion"}                                    (text or messages)
    preference           {"prompt"?, "chosen", "rejected"} as text or messages (without a prompt, the shared
                         opening of two whole conversations or texts is the prompt, as TRL's extract_prompt
                         takes it: ftlib/pairs.py); as Human/Assistant transcripts (Anthropic's HH-RLHF,
                         pairs.split_transcripts); `chosen_messages` /
                         `rejected_messages`; Alpaca-shaped {"instruction", "input"?, "chosen", "rejected"};
                         ShareGPT-shaped {"conversations": prompt, "chosen": turn, "rejected": turn}; OpenAI's
                         {"input": {"messages", "tools"?}, "preferred_output", "non_preferred_output"}
    unpaired_preference  {"prompt", "completion", "label": bool, 1/0, good/bad} (TRL's KTO); {"messages", "label"};
                         {"conversations", "kto_tag"} (LLaMA-Factory); the answer judged is the last turns
    text                 {"text"}                                     (continued pre-training: all trained)
    prompt_only          {"prompt"}                                   (text or messages; for online RL)

Turns (roles, content parts, reasoning, tool calls, weights) are read by ftlib/turns.py; a `developer` turn is the
system turn. A list in a text cell is read from its JSON, or from Python's repr as pandas' `to_csv` writes it
(ftlib/cells.py, with a note); text holding anything but turns stays text. A row's `system` field is its first
turn, or named in a warning when the conversation has a different system turn of its own; a row's `reasoning`
(`reasoning_content`, `thinking`) field is its one trained answer's reasoning (turn_reasoning.py). A row without
`tools` may hold OpenAI's legacy `functions`, read as its tools (a note). A key of a record that no converter reads
and that holds a value is named as ignored in the file's report; a prompt-only row carries it under `columns` instead
(GRPO's rewards read them: rows.with_columns). Images, audio and video are refused by name. A converter raises
`RowProblem` with a sentence a non-engineer understands; soft problems come back as warnings.

Not known here: files (readers.py), voting and the file report (data.py); the record a converter reads, which
keys it read and a field's text read as a list (record_reads.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ftlib import pairs
from ftlib.cells import looks_like_pairs, looks_like_tools, looks_like_turns
from ftlib.completion_turns import check_completion, context_prompt
from ftlib.format_detect import FORMAT_KIND, FORMATS, OPENAI_SIDES, detect_row_format, is_openai_pair
from ftlib.format_notes import (
    DEVELOPER_NOTE,
    FIELDS,
    FORMAT_FIELDS,
    FORMAT_HELP,
    FORMAT_PLAIN,
    FUNCTIONS_NOTE,
    JSON_TURN_NOTE,
    OPENAI_PAIR_NOTE,
    PROMPT_TRANSCRIPT_NOTE,
    SHARED_TEXT_NOTE,
    TRANSCRIPT_NOTE,
    format_label,
)
from ftlib.label_words import label_refusal
from ftlib.pairs import is_transcript, parse_transcript, split_common_prefix, split_text_prefix, split_transcripts
from ftlib.record_reads import Record, add_note, as_written, with_system
from ftlib.rows import control_character_warnings, row_tool_warnings, with_columns
from ftlib.turn_reasoning import column_reasoning
from ftlib.turns import (
    ROLES,
    SYSTEM_FIRST_FIX,
    JSONProblem,
    RowProblem,
    as_bool,
    check_conversation,
    check_tool_order,
    has_value,
    history_turns,
    json_value,
    kind_name,
    media_problem,
    missing,
    parse_json,
    parse_messages,
    parse_tools,
    text,
)

# Row-level media (LLaVA's "image", LLaMA-Factory's "images"/"audios"/"videos"): refused, never dropped.
MEDIA_FIELDS = {
    k: noun
    for noun, keys in (("an image", "images image"), ("audio", "audios audio"), ("a video", "videos video"))
    for k in keys.split()
}

__all__ = [
    "FIELDS",
    "FORMATS",
    "FORMAT_FIELDS",
    "FORMAT_HELP",
    "FORMAT_PLAIN",
    "FORMAT_KIND",
    "Converted",
    "JSONProblem",
    "RowProblem",
    "check_conversation",
    "convert",
    "convert_record",
    "detect_row_format",
    "format_label",
    "parse_json",
    "parse_messages",
    "split_common_prefix",
]


@dataclass
class Converted:
    """A record read as one format: the canonical row, warnings for odd but kept rows, and the keys not read."""

    row: dict
    warnings: list[str]
    ignored: list[str] = field(default_factory=list)  # top-level keys, and `field[].key` for keys of turns
    notes: list[str] = field(default_factory=list)  # how a field was read, for the file's report (once per file)


def convert(record: dict, fmt: str, table: bool = False) -> Converted:
    """`record` (a row of a table when `table`) read as `fmt` (one of FORMATS); RowProblem when it cannot be used."""
    for key, noun in MEDIA_FIELDS.items():
        if has_value(record.get(key)):
            raise media_problem(noun, f"the '{key}' field")
    judged = as_bool(record.get("label")) is not None or has_value(record.get("kto_tag"))
    if FORMAT_KIND[fmt] == "sft" and judged:
        # A labelled answer may be a bad one: reading it as a conversation to imitate would train it.
        key = "label" if as_bool(record.get("label")) is not None else "kto_tag"
        value = record[key]
        said = repr(value) if isinstance(value, str) else json.dumps(value)  # true, as the file writes it, not True
        raise RowProblem(
            f"this row has a good/bad label ('{key}': {said}): it is an answer judged good or bad, not a "
            f"conversation to imitate (read as {fmt}, a bad answer would be trained). Read the file as "
            "unpaired_preference"
        )
    rec = Record(record, fmt, table)
    row, warnings = _CONVERTERS[fmt](rec)
    # a `reasoning` column beside the turns: its one answer's (a switch, "on"/"off", said in a note)
    rec.used.update(column_reasoning(record, row, rec.notes))
    if problem := _media_placeholder(row):
        raise problem
    tools = _tools(rec) if fmt != "text" else None
    if tools:
        row["tools"] = tools
    warnings += row_tool_warnings(row) + control_character_warnings(row)  # a call matching nothing; \x1b in text
    row, unread = with_columns(row, record, rec.ignored()) if fmt == "prompt_only" else (row, rec.ignored())
    return Converted(row, rec.warnings + warnings, unread, rec.notes)


# The placeholders multimodal datasets (LLaVA, LLaMA-Factory) put in the text where their image, video or audio goes
_PLACEHOLDERS = {"<image>": "an image", "<video>": "a video", "<audio>": "audio"}


def _media_placeholder(row: dict) -> RowProblem | None:
    """The refusal of a row whose text holds a media placeholder (its file under a key no one reads, `image_path`):
    trained as text, it would teach answers about an image the model never sees. None for a row without one."""
    texts = []  # not a text row's: plain text (an SVG file's `<image>`) is trained as written, whatever it holds
    for key in ("messages", "prompt", "completion", "chosen", "rejected"):
        turns = row.get(key) if isinstance(row.get(key), list) else []
        part = "" if key == "messages" else f" of the {key}"
        texts += [(f"turn {i}{part}", t.get("content") or "") for i, t in enumerate(turns, start=1)]
    for where, written in texts:
        if tag := next((tag for tag in _PLACEHOLDERS if tag in written), None):
            return media_problem(_PLACEHOLDERS[tag], f"the `{tag}` placeholder of a multimodal dataset, in {where}")
    return None


def convert_record(record: dict, fmt: str) -> tuple[dict, list[str]]:
    """(canonical row, warnings) for `record` read as `fmt`; raises RowProblem when it cannot be used."""
    return (done := convert(record, fmt)).row, done.warnings


# --- building blocks --------------------------------------------------------------------------------------


def _tools(rec: Record) -> list[dict] | None:
    """The row's tool schemas: `tools`, else OpenAI's legacy `functions` (bare schemas, each wrapped as a `tools`
    entry, with a note). A row with both reads them only when they agree (a converter may write both)."""
    tools = parse_tools(as_written(rec, rec.get("tools"), "tools", looks_like_tools))
    if not tools and is_openai_pair(rec.data):  # OpenAI's preference rows: the tools go with the prompt
        tools = parse_tools(as_written(rec, rec.data["input"].get("tools"), "input.tools", looks_like_tools))
    if not rec.has("functions"):
        return tools
    functions = _wrapped(
        parse_tools(as_written(rec, rec.get("functions"), "functions", looks_like_tools), "functions")
    )
    if tools and _wrapped(tools) != functions:
        raise RowProblem(
            "this row has both `tools` and `functions` (OpenAI's legacy name of tools), and they differ: the studio "
            "reads one list of tools. Move the functions into `tools` and remove `functions`"
        )
    if not tools:
        add_note(rec, FUNCTIONS_NOTE)
    return functions


def _wrapped(schemas: list[dict] | None) -> list[dict]:
    """Tool schemas as `tools` entries: a bare {name, description, parameters} inside {"type": "function", ...}."""
    return [s if isinstance(s.get("function"), dict) else {"type": "function", "function": s} for s in schemas or []]


def _turns(rec: Record, value: Any, field: str) -> list[dict]:
    """parse_messages, with OpenAI's `developer` turn read as the system turn: said once, refused beside another."""
    turns = parse_messages(value, field, rec.nested, rec.notes)
    roles = [str(t.get("role") if t.get("role") is not None else t.get("from")).strip().lower() for t in value]
    dev = [i for i, r in enumerate(roles, start=1) if r == "developer"]
    if dev:
        other = next((i for i, t in enumerate(turns, start=1) if t["role"] == "system" and i != dev[0]), None)
        if other:
            raise RowProblem(
                f"turn {dev[0]} of '{field}' is a developer message (the newer name of the system message) and turn "
                f"{other} is a {roles[other - 1]} message: a conversation has one system message. Merge them into one"
            )
        add_note(rec, DEVELOPER_NOTE.format(field=field))
    return turns


def _as_turns(rec: Record, value: Any, field: str, role: str) -> list[dict]:
    """Text becomes one turn with `role`; a turn object one turn; a list of turns (or its JSON or Python text) is
    read as messages; a prompt written as a Human/Assistant transcript is read as its turns. Text holding JSON that
    is not turns stays text: an answer may be a JSON list or an object."""
    if role == "user" and is_transcript(value):
        add_note(rec, PROMPT_TRANSCRIPT_NOTE.format(field=field))
        return parse_transcript(value, field)
    if isinstance(value, str):
        parsed = as_written(rec, value, field, looks_like_turns)
        # "[]" is an answer too (no tool to call), and so is the JSON of a message from another role than the field's
        one = isinstance(parsed, dict)
        if parsed == [] or not looks_like_turns(parsed) or one and _role_of(parsed) != role:
            said = text(value, f"the '{field}' field")
            # the answer to a transcript ending "Assistant:" (Dahoas' HH copies: " answer"), stripped as its turns are
            said = said.strip() or said if role == "assistant" and is_transcript(rec.data.get("prompt")) else said
            return [{"role": role, "content": said}]
        if one and not rec.table:  # the JSON text of one message of the field's role: perhaps that JSON is meant
            add_note(rec, JSON_TURN_NOTE.format(field=field))
        value = parsed
    elif not isinstance(value, (list, dict)):
        raise RowProblem(
            f'\'{field}\' must be text, or a list of messages like [{{"role": "{role}", "content": ...}}], but it '
            f"is {kind_name(value)}"
        )
    if isinstance(value, dict):  # ShareGPT preference rows: "chosen": {"from": "gpt", "value": ...}
        value = [value]
    return _turns(rec, value, field)


def _role_of(turn: dict) -> str | None:
    """The canonical role of a turn object (`role`, or ShareGPT's `from`); None for one that names none known."""
    named = turn.get("role") if turn.get("role") is not None else turn.get("from")
    return ROLES.get(named.strip().lower()) if isinstance(named, str) else None


def _conversation(rec: Record, key: str) -> list[dict]:
    """The turns of a conversation field (a list, or its JSON or Python text), after the row's `system`."""
    return with_system(rec, _turns(rec, as_written(rec, rec.require(key), key, lambda v: isinstance(v, list)), key))


def _history(rec: Record) -> list[dict]:
    """Alpaca `history`: [[instruction, response], ...] before the current instruction -> user/assistant turns."""
    value = rec.get("history")
    if not has_value(value):
        return []
    fix = ': write it as a list of [instruction, response] pairs (`[["Hi", "Hello!"]]`), or leave it empty'
    return history_turns(json_value(as_written(rec, value, "history", looks_like_pairs), "'history'", fix))


def _alpaca_prompt(rec: Record) -> list[dict]:
    """system?, history, then the instruction with its input (after a blank line, as the Stanford Alpaca prompt)."""
    instruction = text(rec.require("instruction"), "the instruction")
    extra = text(rec.get("input"), "the 'input' field", optional=True)
    user = f"{instruction}\n\n{extra}" if extra else instruction
    return with_system(rec, [*_history(rec), {"role": "user", "content": user}])


def _prompt(rec: Record) -> list[dict]:
    """The prompt of a preference, unpaired or prompt-only row, from whichever field holds it."""
    if "prompt" in rec.data or rec.fmt == "prompt_only":
        turns = _as_turns(rec, rec.require("prompt"), "prompt", "user")
    elif "conversations" in rec.data:  # ShareGPT-shaped preference rows
        return _conversation(rec, "conversations")
    elif "instruction" in rec.data:  # Alpaca-shaped preference rows
        return _alpaca_prompt(rec)
    elif is_openai_pair(rec.data):  # {"input": {"messages", "tools"?}, "preferred_output", "non_preferred_output"}
        return _openai_prompt(rec)
    elif "question" in rec.data:  # e.g. {"system", "question", "chosen", "rejected"}
        turns = [{"role": "user", "content": text(rec.get("question"), "the 'question' field")}]
    else:
        turns = _as_turns(rec, rec.require("prompt"), "prompt", "user")
    return with_system(rec, turns)


def _check_prompt(prompt: list[dict]) -> None:
    for i, msg in enumerate(prompt[1:], start=2):
        if msg["role"] == "system":
            raise RowProblem(
                f"turn {i} of the prompt is a system message; it can only be the first turn: {SYSTEM_FIRST_FIX}"
            )
    if prompt[-1]["role"] == "assistant":  # a prefill (TRL passes it on): the studio trains answers after a user
        raise RowProblem(
            "the prompt must end with a user turn, but it ends with an assistant turn (the start of an answer to "
            "continue): move that text to the beginning of the answers, or leave it out"
        )
    if prompt[-1]["role"] not in ("user", "tool"):
        raise RowProblem(f"the prompt must end with a user turn, but it ends with a {prompt[-1]['role']} turn")


def _answer_only(turns: list[dict], name: str) -> None:
    bad = next((m for m in turns if m["role"] not in ("assistant", "tool")), None)
    if bad:
        raise RowProblem(
            f"the {name} answer contains a {bad['role']} turn; after the shared prompt, chosen "
            "and rejected should hold only the assistant's answer"
        )
    _answer_scored(turns, f"the {name} answer")


def _answer_scored(turns: list[dict], what: str) -> None:
    """RowProblem when every assistant turn of a judged answer has weight 0: DPO and KTO score the answer, so an
    answer with nothing scored would make a row that teaches nothing (OpenAI's `weight` is for SFT rows)."""
    if all(m.get("weight") == 0 for m in turns if m["role"] == "assistant"):
        raise RowProblem(
            f"{what} has weight 0 on every assistant turn (not trained), but a preference row's answers are "
            "scored whole: remove the 'weight' keys from its answers, or leave the row out"
        )


# --- one converter per format -----------------------------------------------------------------------------


def _from_messages(rec: Record) -> tuple[dict, list[str]]:
    messages = _conversation(rec, "messages")
    return {"messages": messages}, check_conversation(messages, "messages")


def _from_sharegpt(rec: Record) -> tuple[dict, list[str]]:
    messages = _conversation(rec, "conversations")
    return {"messages": messages}, check_conversation(messages, "conversations")


def _from_alpaca(rec: Record) -> tuple[dict, list[str]]:
    prompt = _alpaca_prompt(rec)
    output = text(rec.require("output"), "the output (the answer)")
    return {"messages": [*prompt, {"role": "assistant", "content": output}]}, []


def _from_prompt_completion(rec: Record) -> tuple[dict, list[str]]:  # the completion trained, as TRL trains it
    prompt = context_prompt(_as_turns(rec, rec.require("prompt"), "prompt", "user"), rec.notes)
    completion = _as_turns(rec, rec.require("completion"), "completion", "assistant")
    check_completion(completion)
    messages = with_system(rec, prompt + completion)
    return {"messages": messages}, check_conversation(messages)


# Fields that hold a preference row's prompt (`_prompt`): without any, plain-text answers hold it themselves.
_PROMPT_KEYS = ("prompt", "conversations", "instruction", "question")


def _transcripts(rec: Record) -> tuple[list, list, list] | None:
    """(prompt, chosen, rejected) when chosen and rejected are HH-RLHF transcripts (turns.split_transcripts)."""
    split = split_transcripts(rec.data.get("chosen"), rec.data.get("rejected"))
    if split is None:
        return None
    rec.used.update(("chosen", "rejected"))
    add_note(rec, TRANSCRIPT_NOTE)
    return with_system(rec, split[0]), split[1], split[2]


# A 'prompt' the chosen and rejected conversations begin with too (UltraFeedback): read once, from them, and said
_PROMPT_TWICE = (
    "the 'prompt' is written again at the start of the chosen and rejected conversations: it is read once, as their "
    "shared opening turns, not added before them a second time"
)


def _same_prompt(rec: Record, prompt: list[dict]) -> None:
    """Whether a row's own 'prompt' is the prompt its whole chosen and rejected conversations share: then read once
    (a note, counted by rows), else a warning naming both."""
    given = rec.data.get("prompt")
    if isinstance(given, list) and given and all(isinstance(m, dict) and type(m.get("content")) is str for m in given):
        # TRL's conversational pair written whole: a prompt of turns the conversations begin with (with or without
        # their system turn; the first of them where both answers share more, a same tool call) drops nothing; other
        # turns are said, as a question of text is below
        said, asked = [m["content"].strip() for m in given], [(m["role"], m["content"].strip()) for m in prompt]
        begun = ([c for _, c in asked][: len(said)], [c for r, c in asked if r != "system"][: len(said)])
        if said not in begun:
            rec.warnings.append(
                "its 'prompt' turns are not the turns the chosen and rejected conversations begin with; theirs are "
                "trained and the 'prompt' field is not read"
            )
        else:
            add_note(rec, _PROMPT_TWICE)
        rec.used.add("prompt")
    # compared stripped both sides: UltraFeedback writes "...?\n" in the prompt and in the conversations' turn
    if isinstance(given, str) and any(m["content"].strip() == given.strip() for m in prompt if m["role"] == "user"):
        rec.used.add("prompt")  # the same prompt written twice (e.g. UltraFeedback): nothing is dropped
        add_note(rec, _PROMPT_TWICE)
    elif isinstance(given, str) and given.strip():  # another question than the one the answers answer: said here
        rec.used.add("prompt")
        asked = next((m["content"] for m in reversed(prompt) if m["role"] == "user"), "")
        rec.warnings.append(
            f"its 'prompt' ({given.strip()[:40]!r}) is not the question the chosen and rejected conversations share "
            f"({asked[:40]!r}); theirs is trained and the 'prompt' field is not read"
        )


def _shared_text(rec: Record) -> tuple[list, list, list]:
    """(prompt, chosen, rejected) of two plain texts that begin with their prompt (pairs.split_text_prefix)."""
    chosen, rejected = rec.data["chosen"], rec.data["rejected"]
    if chosen == rejected:
        raise RowProblem("chosen and rejected are the same, so there is nothing to prefer")
    prompt, good, bad = split_text_prefix(chosen, rejected)
    if not prompt.strip():
        raise RowProblem(
            "chosen and rejected are texts with no 'prompt' beside them, and they do not begin with the same text, so "
            "the prompt cannot be found. Add a 'prompt' field with the question both answer"
        )
    for name, answer in (("chosen", good), ("rejected", bad)):
        if not answer.strip():
            raise RowProblem(
                f"the {name} text holds nothing after the text both begin with (the prompt, as there is no 'prompt' "
                "field), so it has no answer"
            )
    add_note(rec, SHARED_TEXT_NOTE)
    return with_system(rec, [{"role": "user", "content": prompt}]), [_answer(good)], [_answer(bad)]


def _answers_with_other_turns(rec: Record, chosen: list[dict], rejected: list[dict]) -> None:
    """RowProblem for answers that start as answers (beside a prompt field) but hold a user or system turn later."""
    if not any(k in rec.data for k in _PROMPT_KEYS) or "assistant" not in (chosen[0]["role"], rejected[0]["role"]):
        return  # whole conversations, read by their shared beginning
    for (name, turns), other in zip((("chosen", chosen), ("rejected", rejected)), ("rejected", "chosen"), strict=True):
        at = next((i for i, m in enumerate(turns, 1) if m["role"] not in ("assistant", "tool")), None)
        if at:
            role = turns[at - 1]["role"]
            where = (
                f"'{name}' starts with the answer, yet its turn {at} is a {role} turn"
                if at > 1
                else f"'{name}' starts with a {role} turn, while '{other}' starts with the answer"
            )
            raise RowProblem(
                f"{where}: beside a prompt field, chosen and rejected are the answers alone (assistant and tool "
                "turns). Move the turns before the last answer into the prompt, or give whole conversations without "
                "a prompt field"
            )


def _answer(content: str) -> dict:
    return {"role": "assistant", "content": content}


def _side(rec: Record, name: str) -> list[dict]:
    key = next((k for k in (f"{name}_messages", OPENAI_SIDES[name]) if k in rec.data), name)
    return _as_turns(rec, rec.require(key), key, "assistant")


def _openai_prompt(rec: Record) -> list[dict]:
    """The prompt of OpenAI's preference fine-tuning rows: `input.messages` (the tools, `input.tools`, are read with
    the row's: `_tools`); the input's other keys (`parallel_tool_calls`) are named as not read."""
    given = rec.get("input")
    add_note(rec, OPENAI_PAIR_NOTE)
    rec.nested.update(f"input.{k}" for k, v in given.items() if k not in ("messages", "tools") and has_value(v))
    turns = as_written(rec, given.get("messages"), "input.messages", lambda v: isinstance(v, list))
    if missing(turns):
        raise RowProblem("the 'input' has no 'messages': OpenAI's preference rows hold the prompt in input.messages")
    return with_system(rec, _turns(rec, turns, "input.messages"))


def _from_preference(rec: Record) -> tuple[dict, list[str]]:
    transcripts = _transcripts(rec)
    if transcripts:
        prompt, chosen, rejected = transcripts
        _same_prompt(rec, prompt)
    else:
        chosen, rejected = _side(rec, "chosen"), _side(rec, "rejected")
        if any(m["role"] not in ("assistant", "tool") for m in chosen + rejected):
            _answers_with_other_turns(rec, chosen, rejected)
            # Whole conversations: the shared beginning is the prompt (as TRL's extract_prompt does).
            prompt, chosen, rejected = pairs.split_conversations(chosen, rejected)
            _same_prompt(rec, prompt)
        elif not any(k in rec.data for k in _PROMPT_KEYS) and [chosen, rejected] == [
            [_answer(rec.data.get(k))] for k in ("chosen", "rejected")
        ]:
            prompt, chosen, rejected = _shared_text(rec)
        else:
            prompt = _prompt(rec)
    if not chosen or not rejected or chosen == rejected:
        raise pairs.same_answers(rec.data)
    _answer_only(chosen, "chosen")
    _answer_only(rejected, "rejected")
    _check_prompt(prompt)
    check_tool_order(prompt + chosen)
    check_tool_order(prompt + rejected)
    return {"prompt": prompt, "chosen": chosen, "rejected": rejected}, []


def _label(rec: Record) -> bool:
    # LLaMA-Factory's name where the row has it; otherwise the usual one, so a row with neither is told of 'label'.
    key = "kto_tag" if "kto_tag" in rec.data and "label" not in rec.data else "label"
    value = rec.require(key)
    label = as_bool(value)
    if label is None:
        raise RowProblem(label_refusal(key, value))
    return label


def _from_unpaired(rec: Record) -> tuple[dict, list[str]]:
    label = _label(rec)
    if "completion" in rec.data or "prompt" in rec.data:
        prompt = _prompt(rec)
        completion = _as_turns(rec, rec.require("completion"), "completion", "assistant")
    elif "output" in rec.data:
        prompt = _alpaca_prompt(rec)
        completion = [{"role": "assistant", "content": text(rec.get("output"), "the output (the answer)")}]
    else:
        key = "messages" if "messages" in rec.data else "conversations"
        turns = _conversation(rec, key)
        last_user = max((i for i, m in enumerate(turns) if m["role"] == "user"), default=-1)
        prompt, completion = turns[: last_user + 1], turns[last_user + 1 :]
        if not prompt:
            raise RowProblem(f"'{key}' has no user turn, so there is no prompt for the labelled answer")
    if not any(m["role"] == "assistant" for m in completion):
        raise RowProblem("the conversation must end with the assistant's answer that the label judges")
    check_completion(completion)
    _answer_scored(completion, "the labelled answer")
    _check_prompt(prompt)
    check_tool_order(prompt + completion)
    return {"prompt": prompt, "completion": completion, "label": label}, []


def _from_text(rec: Record) -> tuple[dict, list[str]]:
    return {"text": text(rec.require("text"), "the text")}, []


def _from_prompt_only(rec: Record) -> tuple[dict, list[str]]:
    prompt = _prompt(rec)
    _check_prompt(prompt)
    check_tool_order(prompt)
    return {"prompt": prompt}, []


_CONVERTERS = {
    "messages": _from_messages,
    "sharegpt": _from_sharegpt,
    "alpaca": _from_alpaca,
    "prompt_completion": _from_prompt_completion,
    "preference": _from_preference,
    "unpaired_preference": _from_unpaired,
    "text": _from_text,
    "prompt_only": _from_prompt_only,
}
