"""Per-format converters: one raw record (a dict from a file) -> one canonical row, or a clear reason why not.

Canonical rows (DESIGN.md): SFT `{"messages": [{"role", "content"}, ...]}` with roles system/user/assistant;
preference `{"prompt": [...], "chosen": [...], "rejected": [...]}`. Accepted inputs:

    messages           {"messages": [{"role": "user", "content": ...}, ...]}        (OpenAI / HF)
    sharegpt           {"conversations": [{"from": "human", "value": ...}, ...]}    (human/gpt/system)
    alpaca             {"instruction", "input"?, "output", "system"?}
    prompt_completion  {"prompt", "completion"}                                   (text or messages)
    preference         {"prompt"?, "chosen", "rejected"}                           (text or messages)

A converter raises `RowProblem` with a sentence a non-engineer understands; soft problems (the row is kept)
come back as warnings. File reading, format voting and splitting live in `ftlib/data.py`.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ftlib.errors import UserError

FORMATS = ("messages", "sharegpt", "alpaca", "prompt_completion", "preference")

# The fields each format reads, as shown to users (required first) and offered in the column-mapping editor.
FORMAT_FIELDS = {
    "messages": ("messages",),
    "sharegpt": ("conversations", "system"),
    "alpaca": ("instruction", "input", "output", "system"),
    "prompt_completion": ("prompt", "completion"),
    "preference": ("prompt", "chosen", "rejected"),
}
FIELDS = (
    "instruction",
    "input",
    "output",
    "system",
    "prompt",
    "completion",
    "chosen",
    "rejected",
    "messages",
    "conversations",
)
# Fields whose value may be a list of messages; in a CSV cell such a list arrives as JSON text.
LIST_FIELDS = {"messages", "conversations", "prompt", "completion", "chosen", "rejected"}

ROLES = {"system": "system", "user": "user", "assistant": "assistant", "human": "user", "gpt": "assistant"}


class JSONProblem(UserError):
    """json.loads failed in a way JSONDecodeError does not cover, with a plain reason."""


def parse_json(text: str) -> Any:
    """json.loads, with the failures it raises outside JSONDecodeError turned into plain reasons."""
    try:
        return json.loads(text)
    except RecursionError:
        # A hostile or broken file can nest brackets thousands deep; Python's parser recurses per level.
        raise JSONProblem("it is nested too deeply (thousands of brackets inside each other)") from None
    except json.JSONDecodeError:
        raise
    except ValueError as exc:  # e.g. "Exceeds the limit (4300 digits) for integer string conversion"
        raise JSONProblem(f"it holds a number too long to read ({str(exc).split(';')[0]})") from None


class RowProblem(UserError):
    """One row cannot be used; the message says why, in plain words. `field` names a missing field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def detect_row_format(record: Any) -> str | None:
    """The format a single record's keys point to, or None.

    >>> detect_row_format({"instruction": "Add 2+2", "output": "4"})
    'alpaca'
    """
    if not isinstance(record, dict):
        return None
    keys = set(record)
    if {"chosen", "rejected"} <= keys:
        return "preference"
    if "messages" in keys:
        return "messages"
    if "conversations" in keys:
        return "sharegpt"
    if {"instruction", "output"} <= keys:
        return "alpaca"
    if {"prompt", "completion"} <= keys:
        return "prompt_completion"
    return None


def convert_record(record: dict, fmt: str) -> tuple[dict, list[str]]:
    """(canonical row, warnings) for `record` read as `fmt`; raises RowProblem when it cannot be used."""
    converter = {
        "messages": _from_messages,
        "sharegpt": _from_sharegpt,
        "alpaca": _from_alpaca,
        "prompt_completion": _from_prompt_completion,
        "preference": _from_preference,
    }[fmt]
    return converter(record)


# --- building blocks --------------------------------------------------------------------------------------


def _kind(value: Any) -> str:
    """A plain-words name for a JSON value's type, for error messages."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "text" if isinstance(value, str) else type(value).__name__


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _require(record: dict, field: str, fmt: str) -> Any:
    value = record.get(field)
    if _missing(value):
        wanted = ", ".join(FORMAT_FIELDS[fmt])
        raise RowProblem(f"the '{field}' field is missing (this data is read as {fmt}: {wanted})", field=field)
    return value


def _text(value: Any, what: str, optional: bool = False) -> str | None:
    """A non-empty string, or None for an optional field left empty."""
    if _missing(value) or (optional and value == ""):
        if optional:
            return None
        raise RowProblem(f"{what} is missing")
    if not isinstance(value, str):
        raise RowProblem(f"{what} must be text, but it is {_kind(value)}")
    if not value.strip():
        if optional:
            return None
        raise RowProblem(f"{what} is empty")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # A JSON escape like \ud800 (half of a surrogate pair) is no character at all; tokenizers, pages and
        # file writers all fail on it later.
        raise RowProblem(
            f"{what} holds an invalid character (a lone surrogate such as \\ud800): not valid unicode text"
        ) from None
    return value


def _content(value: Any, where: str) -> str:
    # OpenAI-style content parts: keep the text parts, refuse anything else (images, audio) by name.
    if isinstance(value, list) and all(isinstance(p, dict) for p in value):
        kinds = {str(p.get("type")) for p in value}
        if kinds - {"text"}:
            other = ", ".join(sorted(str(k) for k in kinds - {"text"}))
            raise RowProblem(f"{where} contains {other} content; only text is supported")
        value = "".join(str(p.get("text", "")) for p in value)
    return _text(value, where)


def parse_messages(value: Any, field: str) -> list[dict]:
    """A list of {"role", "content"} from role/content or from/value turns; roles normalized."""
    if isinstance(value, str) and value.lstrip().startswith("["):
        try:
            value = parse_json(value)
        except json.JSONDecodeError as exc:
            raise RowProblem(f"'{field}' looks like a JSON list but is not valid JSON ({exc.msg})") from None
        except JSONProblem as exc:
            raise RowProblem(f"'{field}' cannot be read: {exc}") from None
    if not isinstance(value, list):
        raise RowProblem(
            f'\'{field}\' must be a list of messages like [{{"role": "user", "content": ...}}], '
            f"but it is {_kind(value)}"
        )
    if not value:
        raise RowProblem(f"'{field}' is an empty list: there is no conversation")
    out = []
    for i, turn in enumerate(value, start=1):
        if not isinstance(turn, dict):
            raise RowProblem(f"turn {i} of '{field}' is {_kind(turn)}, not a message with a role and content")
        role = turn.get("role", turn.get("from"))
        if role is None:
            raise RowProblem(f"turn {i} of '{field}' has no role (expected 'role' or 'from')")
        norm = ROLES.get(str(role).strip().lower()) if isinstance(role, str) else None
        if norm is None:
            raise RowProblem(
                f"turn {i} of '{field}' has the role '{role}', which is not supported: "
                "use system, user or assistant (ShareGPT: system, human, gpt)"
            )
        content = turn["content"] if "content" in turn else turn.get("value")
        out.append({"role": norm, "content": _content(content, f"turn {i} ({norm}) of '{field}'")})
    return out


def check_conversation(messages: list[dict]) -> list[str]:
    """Raise RowProblem for unusable conversations; return warnings for odd but trainable ones.

    Errors: a system turn after the start, no assistant turn. Warnings (kept): the assistant speaks first,
    two turns in a row from one role (some templates, e.g. Mistral's and Gemma's, refuse those), an
    unanswered last user turn.
    """
    for i, msg in enumerate(messages[1:], start=2):
        if msg["role"] == "system":
            raise RowProblem(f"turn {i} is a system message; a system message can only be the first turn")
    if not any(m["role"] == "assistant" for m in messages):
        raise RowProblem("there is no assistant turn, so there is nothing to train on")
    warnings = []
    talk = [m for m in messages if m["role"] != "system"]
    offset = len(messages) - len(talk)
    if talk[0]["role"] == "assistant":
        warnings.append("the conversation starts with the assistant, not the user")
    for i in range(1, len(talk)):
        if talk[i]["role"] == talk[i - 1]["role"]:
            warnings.append(
                f"turns {i + offset} and {i + offset + 1} are both from the {talk[i]['role']}; "
                "some chat templates (Mistral, Gemma) refuse this"
            )
            break
    if talk[-1]["role"] == "user":
        warnings.append("the last turn is a user message with no answer; it will not be trained")
    return warnings


def _with_system(messages: list[dict], record: dict) -> list[dict]:
    # A top-level "system" field (common in ShareGPT dumps) becomes the first turn unless one is there.
    system = _text(record.get("system"), "the 'system' field", optional=True)
    if system and messages[0]["role"] != "system":
        return [{"role": "system", "content": system}, *messages]
    return messages


# --- one converter per format -----------------------------------------------------------------------------


def _from_messages(record: dict) -> tuple[dict, list[str]]:
    messages = _with_system(parse_messages(_require(record, "messages", "messages"), "messages"), record)
    return {"messages": messages}, check_conversation(messages)


def _from_sharegpt(record: dict) -> tuple[dict, list[str]]:
    turns = parse_messages(_require(record, "conversations", "sharegpt"), "conversations")
    messages = _with_system(turns, record)
    return {"messages": messages}, check_conversation(messages)


def _from_alpaca(record: dict) -> tuple[dict, list[str]]:
    instruction = _text(_require(record, "instruction", "alpaca"), "the instruction")
    extra = _text(record.get("input"), "the 'input' field", optional=True)
    output = _text(_require(record, "output", "alpaca"), "the output (the answer)")
    system = _text(record.get("system"), "the 'system' field", optional=True)
    # The Stanford Alpaca prompt puts the input after the instruction; a blank line keeps them apart.
    user = f"{instruction}\n\n{extra}" if extra else instruction
    messages = [{"role": "user", "content": user}, {"role": "assistant", "content": output}]
    if system:
        messages.insert(0, {"role": "system", "content": system})
    return {"messages": messages}, []


def _as_turns(value: Any, field: str, role: str) -> list[dict]:
    """Text becomes one turn with `role`; a list is read as messages."""
    if isinstance(value, str):
        # In a CSV cell a list of messages arrives as JSON text; any other text (even "[1] ...") is one turn.
        try:
            parsed = parse_json(value) if value.lstrip().startswith("[") else None
        except (json.JSONDecodeError, JSONProblem):  # not a readable list: treat the cell as plain text
            parsed = None
        if not isinstance(parsed, list):
            return [{"role": role, "content": _text(value, f"the '{field}' field")}]
        value = parsed
    return parse_messages(value, field)


def _from_prompt_completion(record: dict) -> tuple[dict, list[str]]:
    prompt = _as_turns(_require(record, "prompt", "prompt_completion"), "prompt", "user")
    completion = _as_turns(_require(record, "completion", "prompt_completion"), "completion", "assistant")
    if any(m["role"] != "assistant" for m in completion):
        raise RowProblem("the completion must contain only assistant turns")
    messages = prompt + completion
    return {"messages": messages}, check_conversation(messages)


def _from_preference(record: dict) -> tuple[dict, list[str]]:
    chosen = _as_turns(_require(record, "chosen", "preference"), "chosen", "assistant")
    rejected = _as_turns(_require(record, "rejected", "preference"), "rejected", "assistant")
    if any(m["role"] != "assistant" for m in chosen + rejected):
        # Whole conversations: the shared beginning is the prompt (as TRL's extract_prompt does).
        prompt, chosen, rejected = split_common_prefix(chosen, rejected)
        if not prompt:
            raise RowProblem(
                "chosen and rejected are whole conversations but share no opening turns, so the prompt cannot be found"
            )
    else:
        prompt = _as_turns(_require(record, "prompt", "preference"), "prompt", "user")
    if not chosen or not rejected or chosen == rejected:
        raise RowProblem("chosen and rejected are the same, so there is nothing to prefer")
    for name, side in (("chosen", chosen), ("rejected", rejected)):
        bad = next((m for m in side if m["role"] != "assistant"), None)
        if bad:
            raise RowProblem(
                f"the {name} answer contains a {bad['role']} turn; after the shared prompt, chosen "
                "and rejected should hold only the assistant's answer"
            )
    for i, msg in enumerate(prompt[1:], start=2):
        if msg["role"] == "system":
            raise RowProblem(f"turn {i} of the prompt is a system message; it can only be the first turn")
    if prompt[-1]["role"] != "user":
        raise RowProblem(f"the prompt must end with a user turn, but it ends with a {prompt[-1]['role']} turn")
    return {"prompt": prompt, "chosen": chosen, "rejected": rejected}, []


def split_common_prefix(chosen: list, rejected: list) -> tuple[list, list, list]:
    """(prompt, chosen, rejected): the turns both share at the start become the prompt.

    >>> q, a, b = ({"role": r, "content": c} for r, c in [("user", "Sky?"), ("assistant", "Y"), ("assistant", "N")])
    >>> split_common_prefix([q, a], [q, b])[0]
    [{'role': 'user', 'content': 'Sky?'}]
    """
    n = 0
    while n < min(len(chosen), len(rejected)) and chosen[n] == rejected[n]:
        n += 1
    return chosen[:n], chosen[n:], rejected[n:]


# --- column mapping for tables ----------------------------------------------------------------------------

# Per format, per field: column names that mean it (lower-case, spaces as underscores), best first.
_SYNONYMS = {
    "preference": {
        "prompt": ("prompt", "question", "instruction", "query"),
        "chosen": ("chosen",),
        "rejected": ("rejected",),
    },
    "messages": {"messages": ("messages",)},
    "sharegpt": {"conversations": ("conversations", "conversation"), "system": ("system", "system_prompt")},
    "prompt_completion": {"prompt": ("prompt",), "completion": ("completion",)},
    "alpaca": {
        "instruction": ("instruction", "question", "query", "prompt", "instructions"),
        "input": ("input", "context"),
        "output": ("output", "answer", "response", "completion", "target"),
        "system": ("system", "system_prompt"),
    },
}
REQUIRED_FIELDS = {
    "preference": ("chosen", "rejected"),
    "messages": ("messages",),
    "sharegpt": ("conversations",),
    "prompt_completion": ("prompt", "completion"),
    "alpaca": ("instruction", "output"),
}


def guess_column_map(columns: list[str]) -> dict[str, str]:
    """Field -> column for a table, for the first format whose required fields all have a column.

    >>> guess_column_map(["Question", "Answer"])
    {'instruction': 'Question', 'output': 'Answer'}
    """
    normal = {}
    for col in columns:
        normal.setdefault(str(col).strip().lower().replace(" ", "_").replace("-", "_"), col)
    for fmt in ("preference", "messages", "sharegpt", "prompt_completion", "alpaca"):
        mapping: dict[str, str] = {}
        for field, names in _SYNONYMS[fmt].items():
            col = next((normal[n] for n in names if n in normal and normal[n] not in mapping.values()), None)
            if col is not None:
                mapping[field] = col
        if all(f in mapping for f in REQUIRED_FIELDS[fmt]):
            return mapping
    return {}
