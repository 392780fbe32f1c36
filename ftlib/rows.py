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

Tool use that does not add up (a call to a function the row never shows, a result answering no call, results
matched to several calls only by their order) is said in warnings here (`tool_warnings`), the row kept: its turns
are trained as written.

Not known here: reading files (data.py, formats.py), rendering (templates.py), labels (tokens.py).
"""

from __future__ import annotations

import json
import re
from typing import Any

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


def uses_tools(messages: list[dict], tools=None) -> bool:
    """Whether a conversation involves tools: schemas given (`tools`), a turn calling one or a tool's result. Such a
    row wants a template that writes them (`builtin_templates.TOOL_TEMPLATES`).

    >>> uses_tools([{"role": "user", "content": "Hi"}]), uses_tools([{"role": "tool", "content": "4"}])
    (False, True)
    """
    return bool(tools) or any(m.get("tool_calls") or m.get("role") == "tool" for m in messages)


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


def any_uses_tools(rows: list[dict]) -> bool:
    """Whether any of `rows` (canonical rows of any kind) involves tools (`uses_tools` of its `conversation`, its
    `tools`): Train says a tool template kept on a split without them.

    >>> chat = [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]
    >>> any_uses_tools([{"text": "A note."}, {"messages": chat}])
    False
    >>> any_uses_tools([{"text": "A note."}, {"messages": chat, "tools": [{"name": "add"}]}])
    True
    """
    return any(uses_tools(conversation(row), row.get("tools")) for row in rows)


def tool_warnings(messages: list[dict], tools: list[dict] | None) -> list[str]:
    """Warnings (the row is kept) for tool use that does not add up: a tool result whose `tool_call_id` answers no
    earlier call's id, a call to a function the row's `tools` do not define (when it has any), a call in a row
    with no `tools` whose function no earlier message names (a system prompt may describe the tools in words), and
    results with no `tool_call_id` after a turn that made several calls with ids (one call's result needs none:
    templates that ignore ids, most, go by order). The model trains on such calls as written, so a typo in a name
    or an id is learned, and a function it is never shown is called from nothing.

    >>> call = {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "function": {"name": "get_time"}}]}
    >>> result = {"role": "tool", "content": "12:00", "tool_call_id": "c9"}
    >>> [w.split(":")[0] for w in tool_warnings([call, result], [{"function": {"name": "get_weather"}}])]
    ["turn 1 calls 'get_time'", "turn 2 answers the tool call 'c9'"]
    """
    defined = {(t.get("function") if isinstance(t.get("function"), dict) else t).get("name") for t in tools or []}
    out, ids = [], set()
    calling: tuple[int, list[dict]] | None = None  # the last turn that made calls: (its number, its calls)
    unmatched: list[int] = []  # tool turns since then that answer one of several calls without saying which
    for i, msg in enumerate(messages, start=1):
        calls = msg.get("tool_calls") or []
        undefined, unshown = [], []  # (number among the turn's calls, name) of the calls each warning names
        for k, call in enumerate(calls, start=1):
            ids.add(call.get("id"))
            name = call["function"]["name"]
            if tools and name not in defined:
                undefined.append((k, name))
            elif not tools and not any(name in str(m.get("content") or "") for m in messages[: i - 1]):
                unshown.append((k, name))
        if undefined:
            them = "it" if len({n for _, n in undefined}) == 1 else "them"
            out.append(
                f"turn {i} calls {_calls_named(undefined, len(calls))}: the row's tools define "
                f"{', '.join(sorted(map(str, defined)))}, not {them}; the call{'s' * (len(undefined) > 1)} "
                f"{'is' if len(undefined) == 1 else 'are'} trained as written"
            )
        if unshown:
            one = len({n for _, n in unshown}) == 1
            out.append(
                f"turn {i} calls {_calls_named(unshown, len(calls))}, but the row defines no tools (no `tools` "
                f"field) and no message before it names {'that function' if one else 'those functions'}: the model "
                f"learns to call {'a function' if one else 'functions'} it is never shown. Give the row its tool "
                "schemas in a `tools` field (or a `tools` column)"
            )
        if msg.get("tool_calls"):
            calling, unmatched = (i, msg["tool_calls"]), []
        answered = msg.get("tool_call_id")
        if msg["role"] == "tool" and answered and answered not in ids:
            out.append(
                f"turn {i} answers the tool call '{answered}': no call before it has that id "
                f"({', '.join(sorted(str(x) for x in ids if x)) or 'none has an id'})"
            )
        elif msg["role"] == "tool" and not answered and calling and _unmatched(msg, calling[1]):
            unmatched.append(i)
        if unmatched and (i == len(messages) or messages[i].get("role") != "tool"):  # the last result of the calls
            out.append(_unmatched_results(unmatched, *calling))
            unmatched = []
    return out


def _calls_named(calls: list[tuple[int, str]], made: int) -> str:
    """The calls a warning is about, (number among the turn's `made` calls, name) each: every one named, with its
    place among parallel calls.

    >>> _calls_named([(1, "get_time")], 1), _calls_named([(2, "get_time"), (3, "get_date")], 3)
    ("'get_time'", "'get_time' (call 2 of 3) and 'get_date' (call 3 of 3)")
    """
    named = [f"'{name}'" + (f" (call {k} of {made})" if made > 1 else "") for k, name in calls]
    return named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"


def _unmatched(result: dict, calls: list[dict]) -> bool:
    """Whether a tool result with no `tool_call_id` cannot be told apart among `calls`: they are several, with ids
    (a file that gives ids means them to be matched), and its `name` (if any) is not the name of exactly one."""
    named = [c for c in calls if c["function"]["name"] == result.get("name")]
    return len(calls) > 1 and any(c.get("id") for c in calls) and len(named) != 1


def _unmatched_results(turns: list[int], at: int, calls: list[dict]) -> str:
    """The warning for the tool turns `turns` that answer the calls of turn `at` without saying which."""
    ids = ", ".join(f"'{c['id']}'" for c in calls if c.get("id"))
    which = f"turn {turns[0]}" if len(turns) == 1 else f"turns {', '.join(map(str, turns))}"
    return (
        f"{which} answer{'s' * (len(turns) == 1)} turn {at}'s {len(calls)} tool calls ({ids}) with no "
        "`tool_call_id`: which result answers which call is left to their order. Templates that print the ids "
        "(Mistral's) need them; others (Qwen2.5's, Llama 3.1's) ignore them. Give each tool turn the "
        "`tool_call_id` of the call it answers"
    )


def row_tool_warnings(row: dict) -> list[str]:
    """`tool_warnings` of a canonical row: its messages, or its prompt with each answer after it."""
    if "messages" in row:
        conversations = [row["messages"]]
    else:
        prompt = row.get("prompt") if isinstance(row.get("prompt"), list) else []
        answers = [row[k] for k in ("chosen", "rejected", "completion") if isinstance(row.get(k), list)]
        conversations = [prompt + answer for answer in answers] or [prompt]
    return list(dict.fromkeys(w for turns in conversations for w in tool_warnings(turns, row.get("tools"))))


# Invisible control characters: C0 but tab, newline and carriage return; DEL; C1 (0x80-0x9f).
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Unicode's direction embeddings, overrides and isolates (not the LRM/RLM marks right-to-left text uses): they show
# the text around them in another order than it is written (the Tokens page draws them as marks: ui.token_view).
DIRECTION_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_UNSEEN_CHARACTERS = re.compile(_CONTROL_CHARACTERS.pattern[:-1] + DIRECTION_CONTROLS.pattern[1:])  # both, one pass
_CONTROL_WHY = "a terminal's colour codes, or text decoded with the wrong encoding"
_DIRECTION_WHY = "they show the text around them in another order than it is written, here and in most viewers"


# UTF-8 read as Windows-1252 ("mojibake"): a lead byte's character (Ã for 0xc3) then continuation bytes' (© for 0xa9;
# 0x80-0x9f as Windows-1252 writes them: € for 0x80); a candidate is one only if it reads as UTF-8 again.
_CONTINUATION = "".join(bytes([b]).decode("cp1252", "ignore") for b in range(0x80, 0xC0))
_MOJIBAKE = re.compile(f"[\u00c2-\u00f4][{re.escape(_CONTINUATION)}]{{1,3}}")


def _mojibake(text: str) -> tuple[str, str] | None:
    """(the first stretch of `text` that is UTF-8 read as Windows-1252, what it reads as UTF-8), or None.

    >>> _mojibake("CafÃ© â€œhotâ€\x9d"), _mojibake("Crème brûlée, «Ça»")
    (('Ã©', 'é'), None)
    """
    for found in _MOJIBAKE.finditer(text):
        try:
            return found.group(), found.group().encode("cp1252").decode("utf-8")
        except UnicodeError:
            continue
    return None


def control_character_warnings(row: dict) -> list[str]:
    """A warning (the row is kept) for text of a canonical row holding invisible control characters (a terminal's
    colour codes, a file decoded with the wrong encoding: Latin-1 reads Windows' curly quotes as C1 controls), and
    one for Unicode's direction controls (U+202E shows "evil" as "live"), and one for UTF-8 read as Windows-1252
    ("CafÃ©", mojibake). Trained as written, the model learns to write them.

    >>> control_character_warnings({"text": "Hello\\x1b[31m"})[0][:60]
    'the text holds invisible control characters (U+001B): traine'
    >>> control_character_warnings({"text": "Say \\u202elive\\u202c"})[0][:55]
    'the text holds direction controls (U+202C, U+202E): tra'
    """
    texts = list(strings_in(row))
    found = sorted({c for text in texts for c in _UNSEEN_CHARACTERS.findall(text)})  # one pass: 100k rows
    out = []
    if garbled := next(filter(None, map(_mojibake, texts)), None):
        out.append(
            f"the text looks decoded with the wrong encoding ({garbled[0]!r} is {garbled[1]!r} as UTF-8, read as "
            "Windows-1252): trained as written, the model learns to write it; fix the file (Python: "
            "`text.encode('cp1252').decode('utf-8')`, or the ftfy package)"
        )
    for chars, what, why in (
        ([c for c in found if _CONTROL_CHARACTERS.match(c)], "invisible control characters", _CONTROL_WHY),
        ([c for c in found if not _CONTROL_CHARACTERS.match(c)], "direction controls", _DIRECTION_WHY),
    ):
        if chars:
            named = ", ".join(f"U+{ord(c):04X}" for c in chars[:5]) + (" and more" if len(chars) > 5 else "")
            out.append(
                f"the text holds {what} ({named}): trained as written, the model learns to write them; remove them "
                f"from the file ({why})"
            )
    return out


# Half of a UTF-16 surrogate pair: a JSON escape such as \ud800 without its other half decodes to one. It is no
# character: writing the row (UTF-8), tokenizing it or printing it fails on it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate(value: Any, at: str = "") -> str | None:
    """Where in `value` (a row: its turns, tool schemas and columns, keys too) text holds a lone surrogate, in words
    (`tools[0].function.description`, the field name `x\\ud800`); None where none does.

    >>> lone_surrogate({"messages": [{"content": "ok"}], "tools": [{"function": {"description": "a\\ud800"}}]})
    '`tools[0].function.description`'
    """
    if isinstance(value, str):
        return (f"`{at}`" if at else "the text") if _LONE_SURROGATE.search(value) else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(key, str) and _LONE_SURROGATE.search(key):  # written escaped: the name cannot be printed
            return f"the field name `{key.encode('utf-8', 'backslashreplace').decode()}`"
        here = f"{at}[{key}]" if isinstance(key, int) else f"{at}.{key}" if at else str(key)
        if found := lone_surrogate(item, here):
            return found
    return None


def strings_in(value):
    """Every string inside a row's values, depth first (turns, answers, reasoning, tool calls' arguments and schemas);
    not the keys."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict | list):
        for item in value.values() if isinstance(value, dict) else value:
            yield from strings_in(item)


__all__ = [
    "COLUMNS",
    "DIRECTION_CONTROLS",
    "IGNORE_INDEX",
    "KIND_HELP",
    "ROW_KINDS",
    "RowShapeError",
    "as_turns",
    "conversation",
    "is_preference",
    "lone_surrogate",
    "row_kind",
    "control_character_warnings",
    "row_tool_warnings",
    "strings_in",
    "tool_warnings",
    "uses_tools",
    "with_columns",
]
