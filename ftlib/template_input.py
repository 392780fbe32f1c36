"""What a chat template is given: canonical turns made into the dicts templates read, and markers to find them.

    plain = plain_messages(row["messages"])                      # checked copies of the turns, JSON types only
    given = template_messages(plain, inline_reasoning=True)     # reasoning as <think> in content (or as fields),
                                                                # or as the file wrote it (`inline_think`)
    marked = template_messages(plain, inline_reasoning=True, marking=True)
    text, spans, generations = strip_marks(rendered_marked_text)  # {("o", "1"): (start, end), ...}

Markers are pairs of private-use characters around a part of a turn (its content, reasoning, each tool call's
function name) and each tool schema's name; `templates.render_spans` renders once with them, strips them and
learns where every part landed. Kinds: o/c content, r/R reasoning, t/T tool call name (index "message.call"),
s/S tool schema name, g/G a `{% generation %}` block.

A tool call's arguments are given as `Arguments`: an object that prints as its JSON text (see there).
`tool_row_error` words a template's failure on a row with tool calls.

Not known here: Jinja and the sandbox (templates.py), tokens (tokens.py).
"""

from __future__ import annotations

import json
import re

from ftlib.errors import UserError
from ftlib.turns import INLINE_THINK, RowProblem, split_think

# The names transformers gives a turn's reasoning (it fills all three from whichever the message has).
REASONING_FIELDS = ("reasoning_content", "thinking", "reasoning")
# Private-use plane-15 characters: they never occur in real chats (a message that has them is not marked).
MARK_START, MARK_END = "\U000f0000", "\U000f0001"
_M0, _M1 = MARK_START, MARK_END
_MARK_RE = re.compile(f"{_M0}([ocrRtTsSgG])([0-9.]*){_M1}")
_CLOSES = {"o": "c", "r": "R", "t": "T", "s": "S"}

Span = tuple[int, int]


class TemplateError(UserError):
    """A template cannot be found, compiled or rendered, or a conversation cannot be given to it; the message says
    why and what to do. (Defined here, below templates.py, which re-exports it.)"""


def plain_data(value, where: str):
    """`value` rebuilt from JSON types only (what a template may see, as transformers' _plain_template_data)."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, dict):
        return {str(k): plain_data(v, where) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_data(v, where) for v in value]
    raise TemplateError(f"{where} holds a {type(value).__name__}; a template can only be given JSON values.")


def call_name(call: dict) -> str | None:
    """A tool call's function name, from `{"function": {"name": ...}}` (OpenAI's form) or `{"name": ...}`; None when it
    is not a non-empty string.

    >>> call_name({"type": "function", "function": {"name": "get_weather"}}), call_name({"name": ""})
    ('get_weather', None)
    """
    fn = call.get("function") if isinstance(call.get("function"), dict) else call
    name = fn.get("name")
    return name if isinstance(name, str) and name else None


def plain_messages(messages) -> list[dict]:
    """Canonical turns checked and copied as plain data: `role`, `content` (text), and where the turn has them
    `reasoning` (text, also read from `reasoning_content`/`thinking`) and `inline_think` (the text the file wrote
    around it in the content, see ftlib/turns.py), `tool_calls` (each with a function name) and scalar fields
    (`name`, `tool_call_id`, `weight`, ...). A malformed message is a TemplateError."""
    if not isinstance(messages, list | tuple) or not messages:
        raise TemplateError("A conversation must be a non-empty list of messages with 'role' and 'content'.")
    out = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise TemplateError(f"Message {i} is not a {{'role': ..., 'content': ...}} object.")
        content = message.get("content")
        content = "" if content is None else content
        if not isinstance(content, str):
            raise TemplateError(f"Message {i} ({message['role']}) has non-text content; only text is supported.")
        plain = {
            k: v for k, v in message.items() if isinstance(v, str | int | float | bool) and k not in REASONING_FIELDS
        }
        plain.update(role=message["role"], content=content)
        reasoning = next((message[k] for k in REASONING_FIELDS if message.get(k)), None)
        if reasoning is not None:
            if not isinstance(reasoning, str):
                raise TemplateError(f"Message {i} has reasoning that is not text.")
            plain["reasoning"] = reasoning
        if message.get(INLINE_THINK) is not None:
            plain[INLINE_THINK] = _inline_think(message[INLINE_THINK], reasoning or "", content, i)
        calls = message.get("tool_calls")
        if calls:
            calls = plain_data(calls, f"Message {i}'s tool_calls")
            if not isinstance(calls, list) or not all(isinstance(c, dict) and call_name(c) for c in calls):
                raise TemplateError(
                    f"Message {i} has a malformed tool call: each must be "
                    '{"type": "function", "function": {"name": ..., "arguments": {...}}}.'
                )
            plain["tool_calls"] = calls
        out.append(plain)
    return out


def _inline_think(wrap, reasoning: str, content: str, i: int) -> list[str]:
    """[before, after] of a turn whose reasoning the file wrote inline, checked: the content as written
    (before + reasoning + after + answer) splits back into this reasoning and answer."""
    try:
        ok = isinstance(wrap, list | tuple) and len(wrap) == 2 and all(isinstance(w, str) for w in wrap)
        ok = ok and split_think(f"{wrap[0]}{reasoning}{wrap[1]}{content}") == (reasoning, content)
    except RowProblem:
        ok = False
    if not ok:
        raise TemplateError(
            f"Message {i} has an `{INLINE_THINK}` that does not write its reasoning as one <think>...</think> block "
            "before its answer; remove `inline_think` to have the reasoning written in as a field."
        )
    return list(wrap)


def plain_tools(tools) -> list[dict] | None:
    """The row's tool schemas as plain data; None when there are none (as when no tools= is passed)."""
    if not tools:
        return None
    tools = plain_data(tools, "The row's tools")
    if not isinstance(tools, list) or not all(isinstance(t, dict) for t in tools):
        raise TemplateError("The row's `tools` must be a list of JSON schemas (objects).")
    return tools


def _mark(text: str, opening: str, closing: str) -> str:
    # Markers go inside the outer whitespace, so a template that trims text still renders the same text.
    core = text.strip()
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(lead) + len(core) :]
    return f"{lead}{_M0}{opening}{_M1}{core}{_M0}{closing}{_M1}{trail}"


def given_reasoning(reasoning: str, inline: bool) -> str:
    """The reasoning text as a template is given it: inline between <think> lines, without its own outer newlines."""
    return reasoning.strip("\n") if inline else reasoning


def template_messages(
    plain: list[dict],
    inline_reasoning: bool,
    marking: bool = False,
    mark_empty: frozenset[int] = frozenset(),
    null_call_content: bool = False,
) -> list[dict]:
    """What the template is given for each turn; with `marking`, invisible markers around each part.

    `inline_reasoning`: True for a template that reads no reasoning field (`ChatTemplate.reads_reasoning`).
    `null_call_content`: True for a template that writes a turn's tool calls only when its content is null
    (`ChatTemplate.calls_need_null_content`, DeepSeek-R1's): a turn of tool calls and no text is given content None,
    as OpenAI's API writes it, instead of "" (what every other template is given, and how rows hold it); a turn of
    calls with reasoning too, which such a template could be given only as <think> in a content that is then not
    None (the call dropped, an empty reply trained), is given None and no reasoning (reasoning_dropped says so).

    Reasoning: a template that reads a reasoning field gets it there, under all three names (as transformers
    aliases them), so the template decides where and whether to write it (Qwen3 keeps only the turns after the
    last user message). A template that reads none gets it inline, `<think>\\n...\\n</think>\\n\\n` before the
    answer in `content`: that is how reasoning models write it and how reasoning data looks before it is split
    into its own field, so templates written for `<think>` in content treat it as they were made to (DeepSeek-R1
    drops it from every turn: the checks say so), and templates that know nothing of reasoning keep it as text,
    where it is trained, rather than dropping it without a trace.

    Reasoning the file wrote inline in the content (`inline_think`, no reasoning field) is given back as written,
    whatever the template reads: `content` is the text of the file and no reasoning field is set, as transformers
    gets those messages, so the text trained is the dataset's and equals `apply_chat_template` on them (a template
    that splits `<think>` off itself, Qwen3's and DeepSeek-R1's, does so here too). Where the template reads a field
    instead (gpt-oss's `thinking`), the block is thus the answer's text, as TRL trains it: message_checks warns.

    Markers: empty text is marked only when the turn has nothing else to locate (or its index is in `mark_empty`),
    so a template testing whether content is empty (`{% if message.content %}`) sees the same answer with and
    without markers.
    """
    inline = inline_reasoning
    out = []
    for i, message in enumerate(plain):
        content, reasoning, calls = message["content"], message.get("reasoning", ""), message.get("tool_calls")
        wrap = message.get(INLINE_THINK)
        if not (reasoning or calls or wrap):  # the common turn: role and content only
            if marking and _M0 not in content and _M1 not in content:
                content = _mark(content, f"o{i}", f"c{i}") if content else f"{_M0}o{i}{_M1}{_M0}c{i}{_M1}"
            out.append({**message, "content": content})
            continue
        msg = {k: v for k, v in message.items() if k not in ("reasoning", INLINE_THINK)}
        # A turn of tool calls and no answer, for a template that writes calls only under content None: given None
        # even where it holds reasoning, which the template can write only in content (<think>), and there it drops
        # the call: the turn trained an empty reply. Its reasoning is left out, as DeepSeek-R1 leaves it out of
        # every such turn (reasoning_dropped says so); a template that reads a reasoning field still gets it there.
        call_only = null_call_content and calls and not content
        mark = marking and not any(
            _M0 in s or _M1 in s for s in (content, reasoning, *(wrap or ()), *(call_name(c) for c in calls or ()))
        )
        if mark and (content or not (reasoning or calls) or i in mark_empty):
            content = _mark(content, f"o{i}", f"c{i}") if content else f"{_M0}o{i}{_M1}{_M0}c{i}{_M1}"
        if wrap and not call_only:  # written inline by the file: given back as written
            given = _mark(reasoning, f"r{i}", f"R{i}") if mark and reasoning else reasoning
            content = f"{wrap[0]}{given}{wrap[1]}{content}"
        elif reasoning and not (inline and call_only):
            given = given_reasoning(reasoning, inline)
            if mark:
                given = _mark(given, f"r{i}", f"R{i}")
            if inline:
                content = f"<think>\n{given}\n</think>\n\n{content}"
            else:
                msg.update(dict.fromkeys(REASONING_FIELDS, given))
        msg["content"] = None if call_only and not content else content
        if calls:
            msg["tool_calls"] = [given_call(c, f"{i}.{j}" if mark else None) for j, c in enumerate(calls)]
        out.append(msg)
    return out


class Arguments(dict):
    """A tool call's `arguments` as a template is given them: the object (`tojson`, `.items()`, `is mapping`,
    `args.city`, `for k in args`), written as its JSON text wherever the template writes it as text.

    >>> args = Arguments({"city": "Zürich"})
    >>> str(args), "call " + args, args + "!", args["city"], json.dumps(args) == json.dumps({"city": "Zürich"})
    ('{"city": "Zürich"}', 'call {"city": "Zürich"}', '{"city": "Zürich"}!', 'Zürich', True)

    Canonical rows keep arguments as an object (ftlib/turns.py parses OpenAI's JSON text), as Llama-3.1, Hermes
    and Qwen templates need for `{{ arguments | tojson }}`. Templates written for OpenAI's JSON text print them
    (`{{ arguments }}`, `~`, `| string`) or concatenate them (DeepSeek-V3/R1: `'```json\\n' + arguments`); a plain
    dict would print as Python's repr (`{'city': 'Paris'}`, trained silently) or fail. Here they get the text an
    OpenAI file holds, `json.dumps` of the object (with its characters as they are, as ftlib's `tojson`), so they
    render what transformers renders from that file. `is string` stays False, so a template that tests it (Qwen3)
    takes its `tojson` branch, which writes the same text. The repr is that text's repr too, as a template writing
    a whole call (`{{ tool_call.function }}`) shows OpenAI's string arguments.
    """

    __slots__ = ()

    def __str__(self) -> str:
        return json.dumps(self, ensure_ascii=False)

    def __repr__(self) -> str:
        return repr(str(self))

    def __add__(self, other):
        return str(self) + other if isinstance(other, str) else NotImplemented

    def __radd__(self, other):
        return other + str(self) if isinstance(other, str) else NotImplemented


def given_call(call: dict, index: str | None = None) -> dict:
    """A copy of a tool call as a template is given it: its arguments an `Arguments`; with `index`, its function
    name between markers."""
    call = json.loads(json.dumps(call))  # a copy: the row is never changed
    fn = call["function"] if isinstance(call.get("function"), dict) else call
    if index is not None:
        fn["name"] = f"{_M0}t{index}{_M1}{fn['name']}{_M0}T{index}{_M1}"
    if type(fn.get("arguments")) is dict:
        fn["arguments"] = Arguments(fn["arguments"])
    return call


_COMMENT = re.compile(r"\{#.*?#\}", re.S)


def tool_row_error(error: TemplateError, template, messages) -> TemplateError:
    """`error` (a template failing on a row with tool calls or tool results) with what to do, as a new TemplateError.

    A template that never reads `tool_calls` cannot show them: pick one that does. One that reads them and still
    failed on a row with calls failed on something else, often a call in another shape than the one it is given
    (OpenAI's, see `given_call`): the message says so, with the row's calls, rather than sending the user to
    another template. `template` is a templates.ChatTemplate (its `title` and `source`).

    >>> from ftlib.templates import get_template
    >>> row = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "", "tool_calls": [
    ...     {"type": "function", "function": {"name": "ping", "arguments": {}}}]}]
    >>> print(tool_row_error(TemplateError("It failed"), get_template("gemma"), row))
    It failed. This row has tool calls or tool results: pick a template that shows them (hermes, llama31).
    """
    from ftlib.builtin_templates import TOOL_TEMPLATES  # (a leaf module: the texts of the built-ins)

    said = str(error).rstrip()
    said += "" if said.endswith((".", "!", "?")) else "."
    calls = [
        (i, call)
        # turns counted from 1, as every check names them (`prompt_checks.turns_named`)
        for i, m in enumerate(messages if isinstance(messages, list | tuple) else (), start=1)
        if isinstance(m, dict) and isinstance(m.get("tool_calls"), list)
        for call in m["tool_calls"]
        if isinstance(call, dict) and call_name(call)
    ]
    builtins = ", ".join(TOOL_TEMPLATES)
    if not calls or not re.search(r"\btool_calls\b", _COMMENT.sub("", template.source)):
        return TemplateError(
            f"{said} This row has tool calls or tool results: pick a template that shows them ({builtins})."
        )
    shown = "; ".join(f"turn {i} calls {call_text(call)}" for i, call in calls[:3])
    shown += f"; and {len(calls) - 3} more" if len(calls) > 3 else ""
    return TemplateError(
        f"{said} The {template.title} template does write tool calls, but it failed on this row's ({shown}): it "
        "may expect them in another shape. Each call is given to it as OpenAI writes it, "
        '{"type": "function", "function": {"name": ..., "arguments": {...}}}, the arguments an object that the '
        "template writes as its JSON text when it prints or concatenates them. If its error is about the "
        f"calls, change the template to read that shape, or pick a built-in that shows tools ({builtins})."
    )


def call_text(call: dict, limit: int | None = 80) -> str:
    """A tool call in one line, `name({"arg": ...})`, its arguments cut to `limit` characters (None: whole).

    >>> call_text({"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Oslo"}}})
    'get_weather({"city": "Oslo"})'
    """
    fn = call["function"] if isinstance(call.get("function"), dict) else call
    args = fn.get("arguments")
    text = json.dumps(args, ensure_ascii=False) if isinstance(args, dict) else repr(args)
    return f"{call_name(call)}({text if limit is None or len(text) <= limit else text[: limit - 3] + '...'})"


def template_tools(tools: list[dict] | None, marking: bool) -> list[dict] | None:
    """The tool schemas a template is given: `tools` itself, or with `marking` a copy (through JSON) whose function
    names are wrapped in s/S markers (index k) for `strip_marks`; a name already holding a marker is left as it is."""
    if not tools or not marking:
        return tools
    out = []
    for k, tool in enumerate(tools):
        tool = json.loads(json.dumps(tool))
        fn = tool["function"] if isinstance(tool.get("function"), dict) else tool
        if isinstance(fn.get("name"), str) and _M0 not in fn["name"] and _M1 not in fn["name"]:
            fn["name"] = f"{_M0}s{k}{_M1}{fn['name']}{_M0}S{k}{_M1}"
        out.append(tool)
    return out


def strip_marks(marked: str) -> tuple[str, dict[tuple[str, str], Span], list[Span]]:
    """Remove the markers: the clean text, `{(kind, index): span}` of marked parts, generation spans.

    A part whose opening marker is gone but whose closing one is there (the template kept only its end) is
    `{("~" + kind, index): (end, end)}`."""
    opens: dict[tuple[str, str], int] = {}
    spans: dict[tuple[str, str], Span] = {}
    gen_stack: list[int] = []
    generations: list[Span] = []
    pieces, pos, removed = [], 0, 0
    for m in _MARK_RE.finditer(marked):
        pieces.append(marked[pos : m.start()])
        at = m.start() - removed  # position in the clean text
        removed += m.end() - m.start()
        pos = m.end()
        kind, index = m.group(1), m.group(2)
        if kind == "g":
            gen_stack.append(at)
        elif kind == "G" and gen_stack:
            start = gen_stack.pop()
            if not gen_stack:  # nested blocks count once, as the outermost
                generations.append((start, at))
        elif kind in _CLOSES and index:
            opens.setdefault((kind, index), at)
        elif index:
            key = next((o for o, c in _CLOSES.items() if c == kind), ""), index
            if key in opens and key not in spans:
                spans[key] = (opens[key], at)
            elif key not in opens:  # the template cut the part's beginning off (DeepSeek-R1 drops "...</think>")
                spans.setdefault(("~" + key[0], index), (at, at))
    pieces.append(marked[pos:])
    generations.sort()
    return "".join(pieces), spans, generations


__all__ = [
    "Arguments",
    "MARK_END",
    "MARK_START",
    "REASONING_FIELDS",
    "TemplateError",
    "Span",
    "call_name",
    "given_call",
    "given_reasoning",
    "plain_data",
    "plain_messages",
    "plain_tools",
    "strip_marks",
    "template_messages",
    "template_tools",
    "tool_row_error",
]
