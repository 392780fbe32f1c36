"""One conversation turn as other projects write it -> one canonical turn (see ftlib/rows.py), or a clear reason.

    parse_messages([{"role": "assistant", "content": None,
                     "tool_calls": [{"type": "function",
                                     "function": {"name": "lookup_tide", "arguments": '{"harbour": "Dover"}'}}]}],
                   "messages")
    -> [{"role": "assistant", "content": "",
         "tool_calls": [{"type": "function", "function": {"name": "lookup_tide", "arguments": {"harbour": "Dover"}}}]}]

What is read, by role (OpenAI / Hugging Face messages, ShareGPT `from`/`value`, LLaMA-Factory's tags):

    roles      system (developer); user (human); assistant (gpt, model, ai, bot; function_call, ms-swift's tool_call:
               the call); tool (observation, function, ipython, tool_response); LangChain's dumps name them in
               `type` (system, human, ai, tool, function, a chat message's own `role`; langchain_turns.py)
    content    text, or a list of parts with `text`/`value` of type text (several: one text, a line break between
               two as vLLM serves them: `join_parts`), reasoning/thinking (several: one reasoning) or
               tool_call/tool_use
    assistant  reasoning from `reasoning_content`, `reasoning`, `thinking`, reasoning parts or a leading
               <think>...</think> (split the way Qwen3's template splits it; the text around the reasoning is kept
               as `inline_think`, so templates get the content as written: turn_reasoning.py); `tool_calls` (or a
               legacy `function_call`; the same call both ways, or also as a content part, by its call or its id, is
               read once) with `arguments` (`parameters`, `input`, LangChain's `args`) as an object or JSON text ->
               always an object; `weight` or `loss_weight` 0/1, Axolotl's `train` (`training`), ms-swift's `loss`
               true/false or 1/0, any other number refused (turn_weights.py)
    tool       `name`, `tool_call_id`; an object as content becomes its JSON text
Turns as Anthropic, Gemini and Bedrock write them, OpenAI's refusals and Responses API items are first turned into
these (turn_shapes.py).

A label is read as good/bad from booleans, 1/0 and the words of label_words.py (`as_bool`). HH-RLHF transcripts
and other prompts that two answers share are found by ftlib/pairs.py. Two keys naming one thing (`role`/`from`,
`content`/`value`, both weights, `tool_calls` and `function_call`) that differ refuse the row (turn_keys.py); an
empty reasoning field, part or <think> block beside a reasoning is no second reasoning. Images, audio, video and
files are refused by name (text-only models). A key of a turn holding a value that is not read is added to
`ignored` as `<field>[].<key>` so the file's report can name it.

Not known here: which fields of a row hold the turns (formats.py), files (readers.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

from ftlib.cells import cell_kind
from ftlib.json_rows import JSONProblem, parse_json
from ftlib.label_words import LABEL_WORDS, as_bool  # formats reads as_bool from here
from ftlib.row_problem import RowProblem  # defined below this module (openai_turns raises it too)
from ftlib.think_blocks import split_think, split_think_as_written
from ftlib.turn_keys import (
    ARGUMENT_KEYS,
    brief,
    calls_problem,
    clash,
    either,
    has_value,
    missing,
    repeated_call,
    unread_call_keys,
)
from ftlib.turn_names import (
    BOT_NOTE,
    CALL_PARTS,
    MEDIA,
    PART_BREAK,
    PARTS_NOTE,
    REASONING_FIELDS,
    REASONING_PARTS,
    ROLES,
    TEXT_PARTS,
    WEIGHT_FIELDS,
)
from ftlib.turn_reasoning import INLINE_THINK, assistant_reasoning, no_answer
from ftlib.turn_shapes import written_turns
from ftlib.turn_text import kind_name, text, turn_text  # defined below this module (turn_reasoning checks text too)
from ftlib.turn_weights import context_keys, nan_weights, turn_weight

_TURN_KEYS = {"role", "from", "content", "value"}
# What to do with a system turn after the start (the only place a system turn is read): formats' prompts say it too.
SYSTEM_FIRST_FIX = (
    "move it to the start (merged into the system message there, if there is one), or write it as a user turn"
)
_ASSISTANT_KEYS = {*REASONING_FIELDS, *WEIGHT_FIELDS, INLINE_THINK, "tool_calls", "function_call"}
_TOOL_KEYS = {"name", "tool_call_id"}


def history_turns(value: Any) -> list[dict]:
    """Alpaca `history` (already out of its JSON text): [[instruction, response], ...] -> user/assistant turns;
    RowProblem naming the first entry that is not a pair, and what it is instead (how many items it has)."""
    if not isinstance(value, list):
        raise RowProblem("'history' must be a list of [instruction, response] pairs")
    turns = []
    for k, pair in enumerate(value, start=1):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            n = len(pair) if isinstance(pair, (list, tuple)) else None
            got = f"it is {kind_name(pair)}" if n is None else f"it has {n} item{'' if n == 1 else 's'}"
            raise RowProblem(f"entry {k} of 'history' must be an [instruction, response] pair, but {got}")
        turns.append({"role": "user", "content": text(pair[0], f"the instruction of 'history' entry {k}")})
        turns.append({"role": "assistant", "content": text(pair[1], f"the response of 'history' entry {k}")})
    return turns


def not_json(what: str, exc: json.JSONDecodeError, fix: str = "") -> RowProblem:
    """The RowProblem for JSON text that fails: `what`, why, at which character (a line break quoted as ⏎), `fix`."""
    cut = (exc.doc if len(exc.doc) <= 40 else exc.doc[:39] + "…").replace("\r", "⏎").replace("\n", "⏎")  # one line
    return RowProblem(f"{what} not valid JSON ({exc.msg} at character {exc.pos + 1} of `{cut}`){fix}")


def json_place(exc: json.JSONDecodeError) -> str:
    """Where a JSON list of turns fails, in words: json's reason, the character, the turn it is in (the turns begun
    before it; a turn is an object of the list) and the text around it, one line (a line break quoted as ⏎).

    >>> print(json_place(json.JSONDecodeError("Expecting ',' delimiter", '[{"role": "user"} {"role": "x"}]', 18)))
    Expecting ',' delimiter at character 19, after turn 1 (`[{"role": "user"} {"role": "x"}]`)
    """
    depth, begun, quoted, escaped = 0, 0, False, False
    for char in exc.doc[: exc.pos]:  # the list's objects begun before the failure, outside strings
        if quoted:
            quoted, escaped = (char != '"' or escaped), (char == "\\" and not escaped)
        elif char == '"':
            quoted = True
        elif char in "[{":
            begun += depth == 1 and char == "{"
            depth += 1
        elif char in "]}":
            depth -= 1
    ended = depth == 1  # between two turns: the one before is whole
    turn = f", after turn {begun}" if ended and begun else f", in turn {begun}" if begun else ""
    start, end = max(exc.pos - 30, 0), exc.pos + 30
    near = ("…" if start else "") + exc.doc[start:end] + ("…" if end < len(exc.doc) else "")
    near = near.replace("\r", "⏎").replace("\n", "⏎")
    return f"{exc.msg} at character {exc.pos + 1}{turn} (`{near}`)"


def json_value(value: Any, what: str, fix: str = "") -> Any:
    """`value`, or the value its JSON text holds when it is text (lists and objects travel as text in CSV cells);
    text that is not JSON is a RowProblem naming `what`, where the text fails, and `fix` after it."""
    if not isinstance(value, str):
        return value
    try:
        return parse_json(value)
    except json.JSONDecodeError as exc:
        raise not_json(f"{what} is", exc, fix) from None
    except JSONProblem as exc:
        raise RowProblem(f"{what} cannot be read: {exc}") from None


def media_problem(noun: str, where: str) -> RowProblem:
    """The RowProblem (returned, for the caller to raise) for a row holding `noun` ("an image", "audio") at `where`."""
    return RowProblem(
        f"this row has {noun} ({where}); the studio trains text-only models. Remove it, or leave the row out"
    )


# --- tools and tool calls ---------------------------------------------------------------------------------


def parse_tools(value: Any, field: str = "tools") -> list[dict] | None:
    """The tool schemas of a row, as written (a list of JSON schemas; JSON text is parsed); None when empty."""
    if not has_value(value):
        return None
    value = json_value(value, f"'{field}'")
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise RowProblem(f"'{field}' must be a list of tool schemas (JSON objects), but it is {kind_name(value)}")
    for i, tool in enumerate(value, start=1):
        spec = tool.get("function") if isinstance(tool.get("function"), dict) else tool
        if not isinstance(spec.get("name"), str) or not spec["name"].strip():
            raise RowProblem(f"tool {i} in '{field}' has no name (a schema needs a 'name')")
    return value or None


def _arguments(value: Any, label: str) -> dict:
    if missing(value):
        return {}
    if isinstance(value, str):
        try:
            value = parse_json(value) if value.strip() else {}
        except json.JSONDecodeError as exc:
            fix = ': write them as a JSON object, its keys and texts in double quotes: {"city": "Paris"}'
            raise not_json(f"the arguments of {label} are", exc, fix) from None
        except JSONProblem as exc:
            raise RowProblem(f"the arguments of {label} cannot be read: {exc}") from None
    if isinstance(value, str) and value.strip().startswith("{"):  # '"{\\"a\\": 1}"': a converter's json.dumps twice
        raise RowProblem(
            f"the arguments of {label} are JSON text encoded twice (text that holds the text {brief(value, 40)}): "
            "write them once, as an object or as the JSON text of one"
        )
    if not isinstance(value, dict):
        raise RowProblem(f"the arguments of {label} must be a JSON object, but they are {kind_name(value)}")
    return value


def parse_tool_calls(
    value: Any, where: str, ignored: set[str] | None = None, prefix: str = "", path: str = "tool_calls[]"
) -> list[dict]:
    """Canonical tool calls from OpenAI `tool_calls`, a {name, arguments} object, or JSON text of either.

    Each becomes {"type": "function", "function": {"name": str, "arguments": dict}} (+ "id" when given);
    `arguments` written as JSON text is parsed, and text that is not a JSON object is a RowProblem naming the call.
    A key of a call (or of its `function`) that is not read is added to `ignored` as `<prefix><path>.<key>`
    (`<prefix><path>.function.<key>`).

    >>> unread = set()
    >>> _ = parse_tool_calls([{"id": "c1", "index": 0, "function": {"name": "f", "arguments": "{}", "strict": True}}],
    ...                      "turn 2", unread, "messages[].")
    >>> sorted(unread)
    ['messages[].tool_calls[].function.strict', 'messages[].tool_calls[].index']
    """
    value = json_value(value, f"the tool call of {where}", ': write it as {"name": ..., "arguments": {...}}')
    calls = [value] if isinstance(value, dict) else value
    if not isinstance(calls, list) or not all(isinstance(c, dict) for c in calls):
        raise RowProblem(f"the tool calls of {where} must be objects with a name and arguments")
    out = []
    for k, call in enumerate(calls, start=1):
        nested = isinstance(call.get("function"), dict)
        spec = call["function"] if nested else call
        name = spec.get("name")
        if not isinstance(name, str) or not name.strip():
            raise RowProblem(f"tool call {k} of {where} has no function name")
        kind = call.get("type", "function")
        if kind not in ("function", "tool_call", "tool_use", "function_call", None):
            raise RowProblem(f"tool call {k} ({name}) of {where} has the type '{kind}'; only function calls are read")
        label = f"tool call {k} (`{name}`) of {where}"
        args_key = next((a for a in ARGUMENT_KEYS if a in spec), "arguments")
        entry: dict = {
            "type": "function",
            "function": {"name": name, "arguments": _arguments(spec.get(args_key), label)},
        }
        if isinstance(call.get("id"), str) and call["id"]:
            entry["id"] = call["id"]
        out.append(entry)
        if ignored is not None:
            ignored.update(f"{prefix}{path}.{key}" for key in unread_call_keys(call))
    return out


# --- content ----------------------------------------------------------------------------------------------


def _part_text(part: dict, keys: tuple[str, ...], label: str) -> str:
    key = next((k for k in keys if k in part), None)
    if key is None or part[key] is None:
        raise RowProblem(f"{label} has no text (null); give it text or remove the part")
    if not isinstance(part[key], str):
        raise RowProblem(f"{label} must hold text, but it holds {kind_name(part[key])}")
    return part[key]


def join_parts(texts: list[str], cited: list[bool]) -> tuple[str, bool]:
    """(the text of a turn's text parts, whether a line break was put between two of them).

    OpenAI's parts are separate blocks: a text model is served them joined by line breaks (vLLM's chat_utils joins a
    turn's text parts with "\\n" for a template that takes text), so that is the text trained. Parts that already meet
    at a space or a line break (a reply written in pieces) or where either cites a source (`cited`: a cited reply is
    one text split at its citations) are joined as written; so are Gemini's and Anthropic's (api_shapes.as_written).
    An empty part is left out first, as vLLM leaves it out (it keeps a part's text only if not ""): ["a", "", "b"]
    gives "a\\nb", and its neighbours meet as if it were not there (its `cited` flag with it).

    >>> join_parts(["Row: k2, p2.", "What is p2?", " Or p3?"], [False, False, False])
    ('Row: k2, p2.\\nWhat is p2? Or p3?', True)
    """
    texts, cited = [t for t in texts if t], [c for t, c in zip(texts, cited, strict=True) if t]
    out, broke = texts[0] if texts else "", False
    for k in range(1, len(texts)):
        spaced = out[-1].isspace() or texts[k][0].isspace()  # both hold text: the empty ones are left out
        as_written = spaced or cited[k - 1] or cited[k]
        broke |= not as_written
        out += texts[k] if as_written else PART_BREAK + texts[k]
    return out, broke


def parse_content(
    value: Any, where: str, ignored: set[str], prefix: str, notes: list[str] | None = None
) -> tuple[Any, list[str], list[dict]]:
    """(text, reasoning pieces, tool calls) of a turn's content: a string, or a list of typed parts. Text parts are
    joined by `join_parts`; where that put a line break between two, `notes` gets PARTS_NOTE (once)."""
    if not (isinstance(value, list) and value and all(isinstance(p, dict) for p in value)):
        return value, [], []
    texts, cited, reasoning, calls = [], [], [], []
    for k, part in enumerate(value, start=1):
        label = f"content part {k} of {where}"
        kind = part.get("type")
        if kind is None and ("text" in part or "value" in part):
            kind = "text"
        if not isinstance(kind, str):
            raise RowProblem(f"{label} has no type (text, reasoning or tool_call)")
        kind = kind.strip().lower()
        if kind in MEDIA:
            raise media_problem(MEDIA[kind], where)
        if kind in TEXT_PARTS:
            texts.append(_part_text(part, ("text", "value"), label))
            cited.append(has_value(part.get("citations")))
            used = {"type", "text", "value"}
        elif kind in REASONING_PARTS:
            reasoning.append(_part_text(part, ("reasoning", "thinking", "text", "value"), label))
            used = {"type", "reasoning", "thinking", "text", "value", "signature"}
        elif kind in CALL_PARTS:  # the part is the call, or holds it under `tool_call`
            inner = "tool_call" in part
            path = "content[].tool_call" if inner else "content[]"
            calls.extend(parse_tool_calls(part["tool_call"] if inner else part, where, ignored, prefix, path))
            used = {"type", "tool_call"} if inner else set(part)
        else:
            raise RowProblem(
                f"{label} has the type '{part.get('type')}', which the studio does not read "
                "(it reads text, reasoning and tool_call parts)"
            )
        ignored.update(f"{prefix}content[].{key}" for key, v in part.items() if key not in used and has_value(v))
    pieces = [r for r in reasoning if r.strip()] or reasoning[:1]  # one reasoning, however many parts say it
    text, broke = join_parts(texts, cited)
    if broke and notes is not None and (note := PARTS_NOTE.format(field=prefix.removesuffix("[]."))) not in notes:
        notes.append(note)
    return text, ["\n\n".join(pieces)] if reasoning else [], calls


# --- turns ------------------------------------------------------------------------------------------------


def _role_of(tag: Any) -> Any:
    tag = tag.strip().lower() if isinstance(tag, str) else json.dumps(tag, default=str)
    return tag if tag in CALL_PARTS else ROLES.get(tag, tag)  # a ShareGPT call is a turn of its own kind


def parse_turn(turn: Any, i: int, field: str, ignored: set[str], notes: list[str] | None = None) -> dict:
    """One canonical turn (see the module docstring); RowProblem naming turn `i` of `field` otherwise. A legacy
    `function_call` repeating one of the turn's `tool_calls` is read once: said in `notes`, or named in `ignored`."""
    if not isinstance(turn, dict):
        raise RowProblem(f"turn {i} of '{field}' is {kind_name(turn)}, not a message with a role and content")
    if problem := clash(turn, "role", "from", _role_of):  # ShareGPT's names beside OpenAI's: one role, one text
        raise RowProblem(f"turn {i} of '{field}' {problem}")
    raw_role = either(turn, "role", "from")
    if raw_role is None:
        has = ", ".join(f"`{k}`" for k in list(turn)[:5]) or "nothing"  # {"text": ...}: what it holds instead
        raise RowProblem(f"turn {i} of '{field}' has no role (expected 'role' or 'from'; it has {has})")
    tag = raw_role.strip().lower() if isinstance(raw_role, str) else None
    role = ROLES.get(tag)
    if role is None:
        raise RowProblem(
            f"turn {i} of '{field}' has the role '{raw_role}', which is not supported: use system, user, "
            "assistant or tool (ShareGPT: system, human, gpt, function_call, observation)"
        )
    if tag == "bot" and notes is not None and (note := BOT_NOTE.format(field=field)) not in notes:
        notes.append(note)
    where = f"turn {i} ({role}) of '{field}'"
    prefix = f"{field}[]."
    if problem := clash(turn, "content", "value"):
        raise RowProblem(f"{where} {problem}")
    content = either(turn, "content", "value")
    calls: list[dict] = []
    if tag in CALL_PARTS:  # ShareGPT's function_call, ms-swift's tool_call: the whole value is the call (JSON...)
        calls, content = parse_tool_calls(content, where, ignored, prefix), ""
    elif isinstance(content, dict) and role != "tool":
        raise RowProblem(f"{where} must be text, but it is an object")
    elif isinstance(content, list) and content and not all(isinstance(p, dict) for p in content):
        raise RowProblem(f"{where} must be text, but it is a list")
    content, reasoning, part_calls = parse_content(content, where, ignored, prefix, notes)
    calls += part_calls
    used = set(_TURN_KEYS)
    out: dict = {"role": role}
    if role == "tool":
        used |= _TOOL_KEYS
        if isinstance(content, (dict, list)):  # a structured result: the template sees its JSON text
            content = json.dumps(content, ensure_ascii=False)
        # A result of nothing, written "" or null (as an assistant's beside its calls is): taken as "", unsaid
        nothing = content == "" or (content is None and ("content" in turn or "value" in turn))
        out["content"] = "" if nothing else turn_text(turn, content, where)
        for key in ("name", "tool_call_id"):
            if has_value(turn.get(key)):
                out[key] = text(turn[key], f"the {key} of {where}")
    elif role == "assistant":
        used |= _ASSISTANT_KEYS
        said = partial(repeated_call, field, ignored=ignored, notes=notes)  # a call given twice: read once, said
        out.update(_assistant(turn, content, reasoning, calls, where, ignored, prefix, said))
        ignored.update(nan_weights(turn, prefix))  # a bare NaN is no weight: said in the file's report, not unsaid
    else:
        if reasoning or calls:
            raise RowProblem(f"{where} holds reasoning or a tool call; only the assistant's turns carry those")
        out["content"] = turn_text(turn, content, where)
    if role != "assistant":  # weight 0 says what the studio does with a prompt turn anyway (not trained): read
        used |= context_keys(turn)
    ignored.update(prefix + key for key, v in turn.items() if key not in used and has_value(v))
    return out


def _assistant(
    turn: dict,
    content: Any,
    reasoning: list[str],
    calls: list[dict],
    where: str,
    ignored: set[str],
    prefix: str,
    said: Callable[[str], None],
) -> dict:
    """content, reasoning, tool_calls and weight of an assistant turn (`calls`: those its content parts give).
    A call given again as the legacy `function_call` or a content part is read once, and `said(where_it_was)`."""
    listed, legacy = (
        parse_tool_calls(turn[key], where, ignored, prefix, path) if has_value(turn.get(key)) else []
        for key, path in (("tool_calls", "tool_calls[]"), ("function_call", "function_call"))
    )
    if problem := calls_problem(listed, legacy):
        raise RowProblem(f"{where} {problem}")
    ids = {c.get("id") for c in listed} - {None}  # a streamed part's `input` may be empty: its id is the call's
    again = [c for c in calls if c["function"] in [x["function"] for x in listed] or c.get("id") in ids]
    if legacy and listed:  # the legacy call repeats a listed one (calls_problem refused any other): that call
        said("function_call")
    if again:
        said("content[]")
    calls = [c for c in calls if c not in again] + (listed or legacy)
    content, reasoning, wrap = assistant_reasoning(turn, content, reasoning, where)
    if calls and (missing(content) or (isinstance(content, str) and not content.strip())):
        content = "" if missing(content) else content  # only calls: no text beside them (NaN too, not `or`)
    elif reasoning and isinstance(content, str) and not content.strip():
        raise no_answer(where)
    else:
        content = turn_text(turn, content, where)
    out: dict = {"content": content}
    if reasoning:
        out["reasoning"] = reasoning[0]
    if wrap:
        out[INLINE_THINK] = wrap
    if calls:
        out["tool_calls"] = calls
    weight = turn_weight(turn, where)
    if weight is not None:
        out["weight"] = weight
    return out


def parse_messages(value: Any, field: str, ignored: set[str] | None = None, notes: list | None = None) -> list[dict]:
    """Canonical turns from a list of role/content or from/value turns (JSON text of such a list is parsed);
    `notes` (see parse_turn) gets how a turn was read where a file's report should say it."""
    ignored = set() if ignored is None else ignored
    if isinstance(value, str) and value.lstrip().startswith("["):
        try:
            value = parse_json(value)
        except json.JSONDecodeError as exc:
            raise RowProblem(f"'{field}' looks like a JSON list but is not valid JSON: {json_place(exc)}") from None
        except JSONProblem as exc:
            raise RowProblem(f"'{field}' cannot be read: {exc}") from None
    if not isinstance(value, list):
        if cell_kind(value) == "placeholder":  # a sheet's empty cell exported as `NaN`, `#N/A`: not "text"
            raise RowProblem(
                f"'{field}' holds only `{value.strip()}`, a placeholder for an empty cell, not a conversation: fill "
                f'in its messages as a list like [{{"role": "user", "content": ...}}], or delete the row'
            )
        raise RowProblem(
            f'\'{field}\' must be a list of messages like [{{"role": "user", "content": ...}}], '
            f"but it is {kind_name(value)}"
        )
    if not value:
        raise RowProblem(f"'{field}' is an empty list: there is no conversation")
    # Turns in a library's or a provider's shape, as OpenAI's messages (turn_shapes), numbered as written
    return [parse_turn(turn, i, field, ignored, notes) for i, turn in written_turns(value, field, ignored, notes)]


def check_tool_order(messages: list[dict], what: str = "turn") -> None:
    """RowProblem when a tool result does not follow an assistant turn that made a tool call."""
    for i, msg in enumerate(messages, start=1):
        if msg["role"] != "tool":
            continue
        before = messages[i - 2] if i > 1 else None
        if before is None or not (before["role"] == "tool" or before.get("tool_calls")):
            problem = (
                f"{what} {i} is a tool result, but the {what} before it is not an assistant turn that calls a tool"
            )
            if before is not None and before["role"] == "assistant" and "<tool_call>" in (before.get("content") or ""):
                # <tool_call> text hermes_rows could not read as calls (inline, in a code block): trained as words
                raise RowProblem(
                    f"{problem}: {what} {i - 1} has <tool_call> in its text, but no call the studio reads there (as "
                    "Hermes function-calling data writes calls: <tool_call> blocks that end the assistant's turn, "
                    'each holding {"name": ..., "arguments": {...}}, outside a ``` code block). Write its calls so, '
                    'or as OpenAI `tool_calls` ({"role": "assistant", "tool_calls": [{"type": "function", '
                    '"function": {"name": ..., "arguments": {...}}}]}), each result as a `tool` turn'
                )
            raise RowProblem(
                f"{problem}: give the assistant turn before it its `tool_calls`, or leave the tool result out"
            )


def check_conversation(messages: list[dict], field: str | None = None) -> list[str]:
    """Raise RowProblem for unusable conversations; return warnings for odd but trainable ones.

    Errors: a system turn after the start, a tool result with no tool call before it, no assistant turn (the fix
    names `field`, the row's conversation field, read as a prompt for GRPO), every assistant turn weighted 0.
    Warnings (kept): the assistant speaks first, two turns in a row from one role (some templates, e.g. Mistral's
    and Gemma's, refuse those), an unanswered last user turn or tool result.
    """
    for i, msg in enumerate(messages[1:], start=2):
        if msg["role"] == "system":
            raise RowProblem(
                f"turn {i} is a system message; a system message can only be the first turn: {SYSTEM_FIRST_FIX}"
            )
    check_tool_order(messages)
    answers = [m for m in messages if m["role"] == "assistant"]
    if not answers:
        # Prompts without answers are GRPO's rows (the model writes the answers): read from the prompt field
        hint = (
            f". If these are prompts without answers (for GRPO), read `{field}` as the prompt: Field mapping on the "
            f"Data page, {field} -> prompt (CLI: --map {field}=prompt)"
            if field
            else ""
        )
        raise RowProblem(f"there is no assistant turn, so there is nothing to train on{hint}")
    if all(m.get("weight") == 0 for m in answers):
        raise RowProblem("every assistant turn has weight 0 (not trained), so there is nothing to train on")
    warnings = []
    talk = [m for m in messages if m["role"] != "system"]
    offset = len(messages) - len(talk)
    if talk[0]["role"] == "assistant":
        warnings.append("the conversation starts with the assistant, not the user")
    doubled = set()  # each role said once: its first pair
    for i in range(1, len(talk)):
        if talk[i]["role"] == talk[i - 1]["role"] != "tool" and talk[i]["role"] not in doubled:
            doubled.add(talk[i]["role"])
            warnings.append(
                f"turns {i + offset} and {i + offset + 1} are both from the {talk[i]['role']}; "
                "some chat templates (Mistral, Gemma) refuse this"
            )
    if talk[-1]["role"] == "user":
        # "it will not be trained" read as the whole row left out (a cold walk): only the question is.
        warnings.append(
            "the last turn is a user message with no answer: that question trains nothing; the replies before it "
            "are trained as usual"
        )
    elif talk[-1]["role"] == "tool":
        warnings.append("the last turn is a tool result with no answer after it; the result is not trained")
    return warnings


__all__ = [
    "LABEL_WORDS",
    "MEDIA",
    "as_bool",
    "ROLES",
    "JSONProblem",
    "RowProblem",
    "SYSTEM_FIRST_FIX",
    "check_conversation",
    "check_tool_order",
    "has_value",
    "json_value",
    "kind_name",
    "media_problem",
    "missing",
    "join_parts",
    "parse_content",
    "parse_json",
    "parse_messages",
    "parse_tool_calls",
    "parse_tools",
    "parse_turn",
    "INLINE_THINK",
    "split_think",
    "split_think_as_written",
    "text",
]
