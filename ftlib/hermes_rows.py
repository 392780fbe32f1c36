"""Hermes function-calling rows (NousResearch's hermes-function-calling-v1 and the sets built like it: calls, results
and tool schemas written as tagged text inside ordinary turns) -> the turns and tools turns.py and formats.py read.

    {"conversations": [
        {"from": "system", "value": "You are a function calling AI model. ...\\n<tools>\\n[{\\"name\\": \\"get_tide\\",
                                     ...}]\\n</tools>\\nFor each function call return a json object ..."},
        {"from": "human", "value": "Tide at Brest?"},
        {"from": "gpt", "value": "<tool_call>\\n{\\"name\\": \\"get_tide\\", \\"arguments\\": {...}}\\n</tool_call>"},
        {"from": "tool", "value": "<tool_response>\\n{\\"high\\": \\"14:02\\"}\\n</tool_response>"},
        {"from": "gpt", "value": "High tide is at 14:02."}]}
    -> system "You are a function calling AI model. ..." (the text before <tools>), the row's tools [get_tide], user,
       assistant calling get_tide (trained: what the model learns to write), tool '{"high": "14:02"}' named get_tide,
       assistant

Turns (`hermes_turns`, from turn_shapes.written_turns, before turns.py reads a turn): an assistant turn that ends
with `<tool_call>` blocks makes one call per block (a block of a JSON list makes several), the text before them its
content; a block is JSON, or a Python literal as hermes-function-calling-v1 writes many (`{'name': ...}`), said once
per file, and its strings may quote the tags; `arguments` written as JSON text are decoded by turns.py. A tool turn
of `<tool_response>` blocks is one tool turn per block, named after the calls before it in order; so is a user turn
of nothing but `<tool_response>` blocks right after an assistant turn's calls (some exports write results so, as
Qwen2.5's template renders them), while a user turn of anything else stays the user's. A block that is not a call
(not JSON, no name, never closed, text after it) refuses its row, naming the turn and the fix; a turn that only
mentions the tag (`<tool_call>` inside a sentence or a ``` fence) is text. Consecutive ms-swift `tool_call` turns,
or ShareGPT `function_call` turns (each one call's JSON, or a list), are one assistant turn of parallel calls, as a
chat template writes parallel calls.

Tools (`hermes_records`, from data.load_file, on the row before its format is guessed): the `<tools>` block
of the system text (a JSON list, objects one after another, or a Python literal; OpenAI's `{"type": "function",
"function": ...}` or the bare `{"name", "description", "parameters"}`) becomes the row's `tools`, and the system
text keeps the text before it, less a last sentence ending with ":" that led into it and the sentences a tool
template writes itself ("You are provided with function signatures within <tools></tools> XML tags."); a block that
does not parse leaves the system text as written, said once per file in a warning. A row typed on the Tokens page
(typed_row.read_row) has its turns and its `<tools>` read so (`hermes_record`), the note and warning said of it.

Not known here: how a turn or a call is read (turns.py), the row's format (formats.py).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable
from typing import Any

from ftlib.errors import plural
from ftlib.json_rows import JSONProblem, parse_json
from ftlib.row_problem import RowProblem
from ftlib.turn_names import ROLES

_CALL = ("<tool_call>", "</tool_call>")
_LINE_OPENS_CALL = re.compile(r"^[ \t]*(?P<tag><tool_call>)\s*[{\[]", re.MULTILINE)
_RESULT = ("<tool_response>", "</tool_response>")
_TOOLS = ("<tools>", "</tools>")
# Where the sentence after it begins (Latin and CJK full stops, a line break); not after "e.g." or "i.e.", which
# never end one ("Call one, e.g. get_tide:" was cut at "e.g." and left "Call one, e.g." dangling)
_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)[.!?][\"')\]]*\s|[。！？]|\n", re.IGNORECASE)
# The sentences a template that writes tools says itself (Hermes' and Qwen's words), whole sentences only: kept,
# the system prompt said them twice (the hermes template) or named tags the template does not write (llama31)
_INSTRUCTION = re.compile(
    r"(?:you are |you're |you have been )?(?:provided|given) with [^.<]{0,60}?(?:within|in|inside|between) "
    r"<tools>\s*</tools>(?: xml)? tags[.:]?"
    r"|you may call one or more functions to assist with the user(?:'s)? query[.:]?",
    re.IGNORECASE,
)
_HEADING = re.compile(r"#{1,6}[ \t]+\S.*")  # a Markdown heading's line ("# Tools")
_CALL_TAGS = ("tool_call", "function_call")  # a turn that is the assistant's call: ms-swift's, ShareGPT's
_NATIVE_CALLS = ("tool_calls", "function_call")  # an assistant turn's own calls, OpenAI's and its legacy one
_TURN_KEYS = ("role", "from", "content", "value")
_SHAPE = '{"name": ..., "arguments": {...}}'
_MAX_QUOTED_TAGS = 8  # a call's arguments quoting "<tool_call>" more often than this are read as the tag's blocks
_MAX_LITERAL = 1_000_000  # characters: a longer block is not parsed as Python (ast holds ~40 bytes a character)
PYTHON_NOTE = (
    "<tool_call> blocks written as Python literals (single quotes, as hermes-function-calling-v1 writes them) were "
    "read as JSON calls"
)
CALLS_NOTE = (
    "the assistant's <tool_call> blocks (Hermes function calling) were read as its tool calls, trained as the chat "
    "template writes calls, and <tool_response> blocks as tool results, one tool turn each"
)
MERGED_NOTE = (
    "consecutive ms-swift `tool_call` turns were read as one assistant turn making those calls in parallel (as a chat "
    "template writes parallel calls), not as assistant turns one after another"
)
MERGED_NOTES = {
    "tool_call": MERGED_NOTE,
    "function_call": MERGED_NOTE.replace("ms-swift `tool_call`", "`function_call`"),
}
USER_RESULTS_NOTE = (
    "user turns made only of <tool_response> blocks, right after the assistant's calls, were read as the tool "
    "results they hold (one tool turn per block, named after the calls), not as the user's words"
)


def _say(notes: list[str] | None, note: str) -> None:
    if notes is not None and note not in notes:  # once a row: the file's report counts the rows
        notes.append(note)


def _tag(turn: Any) -> str | None:
    """The role a turn names (`role` or ShareGPT's `from`), lower-cased; None for a turn that names none."""
    named = turn.get("role", turn.get("from")) if isinstance(turn, dict) else None
    return named.strip().lower() if isinstance(named, str) else None


def _text_key(turn: dict) -> str | None:
    """The key holding a turn's text (`content` or ShareGPT's `value`) when it is text and the only one of the two."""
    keys = [k for k in ("content", "value") if k in turn]
    return keys[0] if len(keys) == 1 and isinstance(turn[keys[0]], str) else None


def _blocks(text: str, at: int, tags: tuple[str, str]) -> list[str] | None:
    """The inner texts of the blocks `text[at:]` consists of, whitespace between them; None when it holds anything
    else (text after a block, a block never closed, a block opened inside another)."""
    opening, closing = tags
    out = []
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at == len(text):
            return out
        end = text.find(closing, at + len(opening)) if text.startswith(opening, at) else -1
        if end < 0 or opening in text[at + len(opening) : end]:
            return None
        out.append(text[at + len(opening) : end])
        at = end + len(closing)


def _literal(text: str) -> Any:
    """The JSON-like value a Python literal writes (`{'name': 'f', 'arguments': {'on': True}}`), or None. Read with
    `ast.literal_eval`: literals only, nothing is run."""
    if len(text) > _MAX_LITERAL:
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None

    def plain(v: Any) -> bool:  # what JSON can write: no tuples, sets, bytes or numbers of other kinds
        if isinstance(v, dict):
            return all(isinstance(k, str) and plain(x) for k, x in v.items())
        if isinstance(v, list):
            return all(plain(x) for x in v)
        return v is None or isinstance(v, (str, bool, int, float))

    return value if isinstance(value, (dict, list)) and plain(value) else None


def _block_value(inner: str, label: str, notes: list[str] | None) -> Any:
    """The JSON (or Python literal) value of a block's text; RowProblem naming `label` when it is neither."""
    try:
        return parse_json(inner)
    except JSONProblem as exc:  # a key written twice: the first value would be lost
        raise RowProblem(f"{label} cannot be read: {exc}") from None
    except json.JSONDecodeError as exc:
        value = _literal(inner)
        if value is None:
            raise RowProblem(f"{label} is not valid JSON ({exc.msg}): write the call as {_SHAPE}") from None
        _say(notes, PYTHON_NOTE)
        return value


def _block_calls(inner: str, k: int, where: str, notes: list[str] | None) -> list[dict]:
    """The calls one `<tool_call>` block holds (an object, or a list of them for parallel calls)."""
    label = f"the <tool_call> block {k} of {where}"
    if not inner.strip():
        raise RowProblem(f"{label} is empty: write the call in it as {_SHAPE}")
    value = _block_value(inner.strip(), label, notes)
    calls = value if isinstance(value, list) else [value]
    if not calls or not all(isinstance(c, dict) for c in calls):
        raise RowProblem(f"{label} holds no call (a call is a JSON object): write it as {_SHAPE}")
    for call in calls:
        spec = call["function"] if isinstance(call.get("function"), dict) else call
        if not isinstance(spec.get("name"), str) or not spec["name"].strip():
            raise RowProblem(f"{label} has no function name: write the call as {_SHAPE}")
    return calls


def _opens_a_call(text: str) -> int | None:
    """Where a line opens a `<tool_call>` block followed by JSON (`{` or `[`) outside a ``` fence: a call meant as
    one, not a mention of the tag in a sentence or an example in a code block; None where no line does."""
    fences, counted = 0, 0
    for found in _LINE_OPENS_CALL.finditer(text):
        fences, counted = fences + text.count("```", counted, found.start()), found.start()  # one pass over the text
        if fences % 2 == 0:
            return found.start("tag")
    return None


def _parses(inner: str) -> bool:
    """Whether a block's text is one JSON (or Python literal) value: what a call's block holds, whatever its shape."""
    if not inner.strip():
        return False
    try:
        parse_json(inner)
    except JSONProblem:  # JSON all the same (a key written twice): _block_value says what is wrong with it
        return True
    except json.JSONDecodeError:
        return _literal(inner.strip()) is not None
    return True


def _tail(text: str) -> tuple[int, list[str]] | None:
    """(where the `<tool_call>` blocks that end `text` begin, their inner texts in order); None when it does not end
    with one. Read from the end, so a text of many tags is read once."""
    end, start, blocks = len(text), None, []
    while True:
        while end and text[end - 1].isspace():
            end -= 1
        if not text.endswith(_CALL[1], 0, end):
            break
        closed = end - len(_CALL[1])
        at = text.rfind(_CALL[0], 0, closed)
        if at < 0:
            break
        # An argument may quote the tag ("reply with <tool_call> tags"): the nearest opening tag is then inside the
        # block's JSON, and what follows it does not parse. An earlier opening whose block does is the block's own;
        # a few are tried, so that a long text of tags is not parsed again for each. None parses: the nearest stays
        # (_block_calls says what is wrong with it).
        if not _parses(text[at + len(_CALL[0]) : closed]):
            earlier = at
            for _ in range(_MAX_QUOTED_TAGS):
                earlier = text.rfind(_CALL[0], 0, earlier)
                if earlier < 0:
                    break
                if _parses(text[earlier + len(_CALL[0]) : closed]):
                    at = earlier
                    break
        blocks.insert(0, text[at + len(_CALL[0]) : closed])
        start, end = at, at
    return (start, blocks) if start is not None else None


def _call_turn(turn: dict, key: str, where: str, notes: list[str] | None) -> dict | None:
    """An assistant turn ending with `<tool_call>` blocks as a turn with those `tool_calls` and the text before them
    as its content; None for a turn that writes no call (text that mentions the tag). RowProblem for a block that is
    not a call, one never closed, or text after the blocks."""
    text = turn[key]
    tail = _tail(text)
    # A block opened before the ones that end the text (never closed, or text after it before the last blocks) is a
    # call too: read as content, it would be trained as words and its call lost.
    opened = _opens_a_call(text if tail is None else text[: tail[0]])
    if opened is None and tail is None:
        return None  # the tag mentioned in a sentence or a code block: the turn's text
    if opened is not None:
        if _CALL[1] not in text[opened : len(text) if tail is None else tail[0]]:
            raise RowProblem(
                f"{where} opens a <tool_call> block that never closes (no </tool_call> after it): close it after the "
                "call's JSON"
            )
        raise RowProblem(
            f"{where} writes text after or between its <tool_call> blocks; calls are read from the <tool_call> blocks "
            "that end a turn (a chat template writes a turn's text, then its calls). Move that text before the first "
            "<tool_call>, or into the next assistant turn"
        )
    at, blocks = tail
    if any(turn.get(k) for k in _NATIVE_CALLS):
        raise RowProblem(
            f"{where} has `tool_calls` and also writes calls as <tool_call> text in its content: keep one of the two"
        )
    calls = [c for k, inner in enumerate(blocks, start=1) for c in _block_calls(inner, k, where, notes)]
    _say(notes, CALLS_NOTE)
    # The text before the calls is the turn's content; the template writes its own line break before a call.
    return {**turn, key: text[:at].rstrip(), "tool_calls": calls}


def _result_turns(turn: dict, key: str, where: str, names: list[str], notes: list[str] | None) -> list[dict] | None:
    """A tool turn of `<tool_response>` blocks as one tool turn per block, each named after the call at its place in
    `names` (the calls before it, in order) where the turn names none; None for a turn that opens with no block."""
    text = turn[key]
    if not text.lstrip().startswith(_RESULT[0]):
        return None
    blocks = _blocks(text, 0, _RESULT)
    if blocks is None:
        if _RESULT[1] not in text:
            raise RowProblem(f"{where} opens a <tool_response> block that never closes (no </tool_response>)")
        raise RowProblem(
            f"{where} holds text outside its <tool_response> blocks: write each result inside a block of its own, "
            "or the turn's text without the tags"
        )
    _say(notes, CALLS_NOTE)
    return _named(turn, key, blocks, names)


def _user_results(turn: dict, key: str, names: list[str], notes: list[str] | None) -> list[dict] | None:
    """A user turn made only of `<tool_response>` blocks (some exports write the results of the calls before it so,
    as Qwen2.5's template renders them) as the tool turns `_result_turns` makes of a tool turn's; None for a turn
    that holds anything else (text beside a block, a block never closed, no block): the user's words, as written."""
    blocks = _blocks(turn[key], 0, _RESULT)
    if not blocks:
        return None
    _say(notes, USER_RESULTS_NOTE)
    # A user's `name` (OpenAI's, a chat log's speaker) names the person, not the tools: the calls name the results
    tool = {k: v for k, v in turn.items() if k != "name"} | {k: "tool" for k in ("role", "from") if k in turn}
    return _named(tool, key, blocks, names)


def _named(turn: dict, key: str, blocks: list[str], names: list[str]) -> list[dict]:
    """One tool turn per block's text, each named after the call at its place in `names` (taken from it) where the
    turn names none."""
    named = "name" in turn or "tool_call_id" in turn
    out = []
    for inner in blocks:
        one = {**turn, key: inner.strip()}
        if not named and names:
            one["name"] = names.pop(0)  # results answer the calls in the order they were made
        out.append(one)
    return out


def _calls_of(turn: dict) -> list | None:
    """The calls an ms-swift `tool_call` turn's text or value holds, as a list; None when it is not readable JSON
    (turns.py then refuses that turn by its own number)."""
    key = _text_key(turn) or ("content" if "content" in turn else "value")
    value = turn.get(key)
    if isinstance(value, str):
        try:
            value = parse_json(value)
        except (json.JSONDecodeError, JSONProblem):
            return None
    if isinstance(value, dict):
        return [value]
    return value if isinstance(value, list) and all(isinstance(c, dict) for c in value) else None


def _merged_calls(turns: list[tuple[int, Any]], notes: list[str] | None) -> list[tuple[int, Any]]:
    """Consecutive ms-swift `tool_call` turns (or ShareGPT `function_call` turns) with nothing else that differs as
    one turn of all their calls (numbered as the first): ms-swift and some ShareGPT exports write parallel calls so,
    one turn per call."""
    out: list[tuple[int, Any]] = []
    for i, turn in turns:
        before = out[-1][1] if out else None
        if (tag := _tag(turn)) in _CALL_TAGS and _tag(before) == tag:
            rest = [{k: v for k, v in t.items() if k not in _TURN_KEYS} for t in (before, turn)]
            calls = [_calls_of(before), _calls_of(turn)]
            if rest[0] == rest[1] and None not in calls:
                key = "content" if "content" in before else "value"
                out[-1] = (out[-1][0], {**before, key: calls[0] + calls[1]})
                _say(notes, MERGED_NOTES[tag])
                continue
        out.append((i, turn))
    return out


def hermes_turns(turns: list[tuple[int, Any]], field: str, notes: list[str] | None = None) -> list[tuple[int, Any]]:
    """(number written, turn) pairs with Hermes' `<tool_call>` and `<tool_response>` text read as calls and tool turns,
    and ms-swift's consecutive `tool_call` turns as one (see the module docstring); other turns as they are.

    >>> hermes_turns([(1, {"from": "gpt", "value": 'On it.\\n<tool_call>\\n{"name": "tide"}\\n</tool_call>'}),
    ...               (2, {"from": "tool", "value": "<tool_response>\\n14:02\\n</tool_response>"})], "conversations")
    [(1, {'from': 'gpt', 'value': 'On it.', 'tool_calls': [{'name': 'tide'}]}), \
(2, {'from': 'tool', 'value': '14:02', 'name': 'tide'})]
    """
    out: list[tuple[int, Any]] = []
    names: list[str] = []  # the functions the last assistant turn called, for the results after it
    answering = False  # after an assistant turn's calls and the results read so far: a user turn may hold the rest
    for i, turn in _merged_calls(turns, notes):
        tag = _tag(turn)
        role = ROLES.get(tag) if tag not in _CALL_TAGS else None
        key = _text_key(turn) if role in ("assistant", "tool", "user") else None
        where = f"turn {i} ({role}) of '{field}'"
        if key and role == "assistant" and (called := _call_turn(turn, key, where, notes)) is not None:
            specs = [c["function"] if isinstance(c.get("function"), dict) else c for c in called["tool_calls"]]
            names, answering = [s["name"] for s in specs], True
            out.append((i, called))
        elif key and role == "tool" and (results := _result_turns(turn, key, where, names, notes)) is not None:
            out += [(i, one) for one in results]
        elif key and role == "user" and answering and (results := _user_results(turn, key, names, notes)):
            out += [(i, one) for one in results]
        else:
            if role != "tool":
                names = []
                # An assistant turn with calls of its own (`tool_calls`, a ShareGPT `function_call` turn)
                answering = tag in _CALL_TAGS or (role == "assistant" and any(turn.get(k) for k in _NATIVE_CALLS))
            elif names:
                names.pop(0)  # a result written without tags answers the next call all the same
            out.append((i, turn))
    return out


def _schemas(text: str) -> list[dict] | None:
    """The tool schemas a `<tools>` block's text holds: a list, one object or objects one after another, as JSON or
    as a Python literal; None when it holds anything else or a schema without a name."""
    decoder, found, at = json.JSONDecoder(), [], 0
    try:
        while at < len(text.rstrip()):
            at = len(text) - len(text[at:].lstrip())
            value, at = decoder.raw_decode(text, at)
            found += value if isinstance(value, list) else [value]
    except ValueError:  # JSONDecodeError: perhaps Python's repr
        literal = _literal(text.strip())
        found = literal if isinstance(literal, list) else [literal]
    if not found or not all(isinstance(t, dict) for t in found):
        return None
    specs = [t["function"] if isinstance(t.get("function"), dict) else t for t in found]
    return found if all(isinstance(s.get("name"), str) and s["name"].strip() for s in specs) else None


def _system_at(record: dict) -> tuple[str, int | None, str, list | None] | None:
    """Where a row's system text is: (the conversation's key, the turn's index, its text key, the turns) for a system
    turn opening `messages` or `conversations` (a list, or its JSON text as a table's cell holds it), (key "system",
    None, "", None) for a top-level `system` text; None for a row with neither."""
    for field in ("messages", "conversations"):
        turns = record.get(field)
        if isinstance(turns, str) and turns.lstrip().startswith("[") and _TOOLS[0] in turns:
            try:
                turns = parse_json(turns)
            except (json.JSONDecodeError, JSONProblem):
                return None  # formats.py says what is wrong with it
        if isinstance(turns, list) and turns and ROLES.get(_tag(turns[0]) or "") == "system":
            key = _text_key(turns[0])
            return (field, 0, key, turns) if key else None
    chat = any(k in record for k in ("messages", "conversations"))  # a `system` beside a chat, not an Alpaca row's
    return ("system", None, "", None) if chat and isinstance(record.get("system"), str) else None


def hermes_record(record: Any) -> tuple[dict, bool] | None:
    """(`record` with the `<tools>` block of its system text read as its `tools`, True) for a row whose system text
    holds one; (`record` as it is, False) when that block does not parse; None for any other row. The row's own
    `tools`, where it has them, are kept, the block's tools they do not name after them, and the block is still
    taken out of the system text.

    >>> row = {"conversations": [{"from": "system", "value": "Be brief.\\n<tools>\\n[{'name': 'tide'}]\\n</tools>\\n"
    ...                                                      "Wrap each call in <tool_call> tags."}]}
    >>> hermes_record(row)
    ({'conversations': [{'from': 'system', 'value': 'Be brief.'}], 'tools': [{'name': 'tide'}]}, True)
    """
    if not isinstance(record, dict) or (at := _system_at(record)) is None:
        return None
    field, index, key, turns = at
    text = record[field] if turns is None else turns[0][key]
    # The prose says "signatures within <tools> </tools> XML tags" before the block itself: the block is the first
    # pair of tags with something between them that reads as schemas
    blocks, opened = [], text.find(_TOOLS[0])
    while opened >= 0 and (closed := text.find(_TOOLS[1], opened)) >= 0:
        inner = text[opened + len(_TOOLS[0]) : closed]
        if inner.strip():
            blocks.append((opened, _schemas(inner)))
        opened = text.find(_TOOLS[0], opened + 1)
    opened, tools = next(((at, t) for at, t in blocks if t is not None), (-1, None))
    if tools is None:
        return (record, False) if blocks else None
    # Why only the text before <tools> stays: after </tools> Hermes' system texts say how to write a call (the
    # <tool_call> tags, a schema of a call, an example). A chat template given `tools` writes that itself, in its
    # own format: the built-in hermes template writes the same words again, llama31 asks for JSON without tags, so
    # the text after would say it twice or contradict the calls the model is trained to write. The text before is
    # the dataset's own instructions ("Don't make assumptions about what values to plug into functions"), which no
    # template writes. The file's note (hermes_records) says this.
    kept = _kept_system(text[:opened].rstrip())
    out = dict(record)
    if turns is None:
        out["system"] = kept
    else:
        out[field] = ([{**turns[0], key: kept}] if kept else []) + turns[1:]
    out["tools"] = _with_own(out.get("tools"), tools)
    return out, True


def _kept_system(kept: str) -> str:
    """The system text kept before `<tools>` less (1) its last sentence (or line) where that ends with ":" ("Here are
    the available tools:"): it introduced the block taken out, and would dangle before the tools the template writes
    in its own section; (2) the sentences a tool template writes itself ("You are provided with function signatures
    within <tools></tools> XML tags.", "You may call one or more functions to assist with the user query."), which
    the hermes template's system prompt then said twice, and where they were last, the one sentence before them if it
    ends with ":" (it led into them and the block: "Use these tools:\nYou are provided with ..."); (3) a Markdown
    heading then left last, with nothing under it (Qwen2.5's "# Tools", which its template writes again). Sentences
    are cut at ". ", "! ", "? ", "。" or a line break (not at "e.g. " or "i.e. "), so only those sentences go, with the
    whitespace after them; a text of nothing else leaves ""; any other text is kept as it is.

    >>> _kept_system("Never guess a name. You may call one or more functions to assist with the user query. "
    ...              "Here are the available tools:")
    'Never guess a name.'
    """
    kept = _less_lead_in(kept)
    bounds = [0, *(found.end() for found in _SENTENCE_END.finditer(kept)), len(kept)]
    out, dropped = [], False
    for piece in (kept[a:b] for a, b in zip(bounds, bounds[1:], strict=False)):
        if _INSTRUCTION.fullmatch(piece.strip()):
            dropped = True
        elif not (dropped and piece.isspace()):  # the blank line after a sentence dropped goes with it
            out.append(piece)
            dropped = False
    kept = "".join(out).rstrip()
    if dropped:  # the last sentences were the template's: one ending with ":" before them led into the block too
        kept = _less_lead_in(kept)
    # A Markdown heading left last heads nothing now: Qwen2.5's "# Tools" over the sentences dropped, which its
    # template writes again under its own "# Tools" (kept, the system prompt said the heading twice)
    head, _, last = kept.rpartition("\n")
    return head.rstrip() if _HEADING.fullmatch(last.strip()) else kept


def _less_lead_in(text: str) -> str:
    """`text` less its last sentence (or line) where that ends with ":"; `text` as it is otherwise."""
    if not text.endswith(":"):
        return text
    ends = [found.end() for found in _SENTENCE_END.finditer(text)]
    return text[: ends[-1]].rstrip() if ends else ""


def _tool_name(tool: Any) -> Any:
    """A tool schema's name (OpenAI's `{"type": "function", "function": {...}}` or the bare schema); None if none."""
    spec = tool.get("function") if isinstance(tool, dict) and isinstance(tool.get("function"), dict) else tool
    return spec.get("name") if isinstance(spec, dict) else None


def _with_own(own: Any, block: list[dict]) -> Any:
    """A row's tools given its own `tools` (`own`: a list, its JSON text as a table's cell holds it, or none) and its
    system text's `<tools>` block: its own, then the block's that its own do not name. The system text told the model
    of the block's tools: left out with the block's text, they were dropped without a word."""
    if not own:
        return block
    listed = own
    if isinstance(own, str):
        try:
            listed = parse_json(own)
        except (json.JSONDecodeError, JSONProblem):
            return own  # formats.py says what is wrong with it
    if not isinstance(listed, list):
        return own
    names = {_tool_name(t) for t in listed}
    missing = [t for t in block if _tool_name(t) not in names]
    return [*listed, *missing] if missing else own


def hermes_records(records: Iterable[tuple[int, Any]]) -> tuple[list[tuple[int, Any]], set[int], set[int]]:
    """`hermes_record` of each (number, record): the records, the numbers of the rows whose `<tools>` were read and
    of those whose `<tools>` did not parse (`hermes_notes` words them once the file's rows are checked)."""
    out, read, unread = [], set(), set()
    for number, record in records:
        done = hermes_record(record)
        if done is not None:
            record, ok = done
            (read if ok else unread).add(number)
        out.append((number, record))
    return out, read, unread


def hermes_notes(read: set[int], unread: set[int], kept: Iterable[int]) -> list[tuple[str, bool]]:
    """(message, is_note) of the file's note on the rows whose `<tools>` were read and of its warning on those whose
    `<tools>` did not parse, each counting only the rows `kept` (the numbers of the rows the file's checks kept; []
    when none): a row refused after its tools were read was not read (its error says why), so "21 rows: the tools
    ... were read" of 20 valid rows said one too many."""
    kept = set(kept)
    read, unread = len(read & kept), len(unread & kept)
    note = (
        f"{plural(read, 'row')}: the tools listed as a <tools> block in the system text (Hermes function calling) "
        "were read as the row's tools, which the chat template writes; the system text keeps what comes before "
        '<tools>, less its last sentence where that ends with ":" and led into the block ("Here are the available '
        'tools:") and the sentences a template writes itself ("You are provided with function signatures within '
        '<tools></tools> XML tags."), and what comes after </tools> (how to write a call) is left out, since a '
        "template that writes tools says that itself"
    )
    warning = (
        f"{plural(unread, 'row')}: the <tools> block in the system text is not a list of tool schemas (JSON objects "
        "with a name, or their Python literal): their system text is kept as written, schemas and all, and they have "
        'no tools for the chat template to write. Write the block as a JSON list of {"name", "description", '
        '"parameters"} objects to have it read as the row\'s tools'
    )
    return [(note, True)] * bool(read) + [(warning, False)] * bool(unread)


__all__ = [
    "CALLS_NOTE",
    "MERGED_NOTE",
    "PYTHON_NOTE",
    "USER_RESULTS_NOTE",
    "hermes_notes",
    "hermes_record",
    "hermes_records",
    "hermes_turns",
]
