"""Chat templates: the built-in formats, the tokenizer's own, custom ones, and sandboxed rendering.

A template turns a conversation (canonical turns, see rows.py) into the one string the model is trained on.
Built-ins (texts in builtin_templates.py): ChatML, Llama-3, Mistral/Llama-2 `[INST]`, Gemma, Alpaca, plain, raw text
(TRL's standard prompt/completion rows as written), and two that show tools: ChatML + tools (Hermes) and Llama-3.1 +
tools.

    tpl = get_template("chatml", tokenizer)          # or "tokenizer" (the model's own), or "custom", source=...
    text = render(tpl, messages, tools=row.get("tools"))
    marked = render_spans(tpl, messages, tools=...)  # text + where each message's parts and generation block landed

A template sees what transformers' `apply_chat_template` gives it: `messages`, `tools` (the row's JSON schemas),
`add_generation_prompt` and the tokenizer's special tokens; an assistant turn's `tool_calls` and a tool turn's
`name`/`tool_call_id` as written in the row. A turn's `reasoning` is given as `reasoning_content` (and, as
transformers aliases it, `thinking` and `reasoning`) to a template that reads one of those fields; a template
that reads none gets it inline, `<think>\\n...\\n</think>\\n\\n` before the answer in `content` (why: see
`template_messages`).

Templates are untrusted code (they come from the hub and from the browser): they run in Jinja's immutable
sandbox (template_sandbox.py), as in transformers, with no file access, no Python internals and bounded output.
Every failure is a `TemplateError` with a readable message, never a traceback.

Not known here: token ids and masks (tokens.py).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache

import jinja2
import jinja2.ext
import jinja2.nodes

from ftlib.builtin_templates import BUILTINS, TOOL_TEMPLATES, builtin_named
from ftlib.control_tokens import (  # re-exported: `from ftlib.templates import token_boundary, ...` as before
    add_missing_special_tokens,
    ends_in_control_token,
    missing_special_tokens,
    required_special_tokens,
    special_like,
    token_boundary,
)
from ftlib.template_input import (
    REASONING_FIELDS,
    Span,
    TemplateError,
    call_name,
    given_call,
    given_reasoning,
    plain_messages,
    plain_tools,
    strip_marks,
    template_messages,
    template_tools,
)
from ftlib.template_sandbox import MAX_RENDER_CHARS, compile_template, run_template, template_variables
from ftlib.text_rows import tokenizer_adds_bos

_GENERATION_TAG = re.compile(r"\{%-?\s*generation\s*-?%\}")


@dataclass(frozen=True)
class ChatTemplate:
    """A named Jinja chat template and what ftlib needs to know about it.

    `eot` is the text that ends an assistant turn (None: the tokenizer's eos token); `special_tokens` are the
    control tokens it writes literally; `variables` are the special-token strings passed to the template
    (`bos_token`, `eos_token`, ...), taken from the tokenizer.
    """

    name: str
    source: str
    label: str = ""
    description: str = ""
    eot: str | None = None
    bos: str | None = None
    special_tokens: tuple[str, ...] = ()
    variables: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    # Built-ins only concatenate message text (never slice it, and test it only for being empty), so invisible
    # markers in the text cannot change what they render and render_spans can skip its check render.
    content_blind: bool = field(default=False, compare=False)

    @cached_property
    def has_generation_tags(self) -> bool:
        return bool(_GENERATION_TAG.search(self.source))

    @cached_property
    def end_of_turn(self) -> str | None:
        """The text that ends an assistant turn: the template's own marker or the tokenizer's eos token."""
        return self.eot or dict(self.variables).get("eos_token")

    @cached_property
    def eos(self) -> str | None:
        return dict(self.variables).get("eos_token")

    @property
    def title(self) -> str:
        return self.label or self.name

    @cached_property
    def reads_reasoning(self) -> bool:
        """Whether the template reads a reasoning field of a message (`reasoning_content`, `thinking`, ...)."""
        return _reads_reasoning(self.source)

    @cached_property
    def thinking_switch(self) -> bool:
        """Whether the template reads `enable_thinking` (Qwen3's switch; `render(..., thinking=...)` gives it)."""
        return "enable_thinking" in template_variables(self.source)

    @cached_property
    def calls_need_null_content(self) -> bool:
        """Whether the template writes an assistant turn's tool calls only when its content is null (DeepSeek-R1's
        `message['content'] is none`): given "", it would drop every call of a turn that only calls tools."""
        return _calls_need_null_content(self.source, self.variables)

    @cached_property
    def kept_whitespace(self) -> dict[str, tuple[bool, bool]]:
        """Per role, whether the template keeps a message's leading and trailing whitespace (Gemma's and Llama-3's
        `| trim` drop both): a reply's span covers its own whitespace only where the template wrote it."""
        return dict(_kept_whitespace(self.source, self.variables))

    @cached_property
    def generation_prompt(self) -> str:
        """What `add_generation_prompt` appends after a user turn ("" when the template has no such prompt)."""
        return _probe(self.source, self.variables)[1] or ""


BUILTIN_TEMPLATES: dict[str, ChatTemplate] = {
    name: ChatTemplate(name, src, label, desc, eot=eot, bos=bos, special_tokens=specials, content_blind=True)
    for name, (src, label, desc, eot, bos, specials) in BUILTINS.items()
}
# Names the UI and CLI offer: the built-ins, the model's own template and a custom one.
TEMPLATE_NAMES = (*BUILTIN_TEMPLATES, "tokenizer", "custom")

# End-of-turn markers of well-known families: the fallback when the template cannot be probed.
_KNOWN_EOT = ("<|im_end|>", "<|eot_id|>", "<end_of_turn>", "<|end|>", "<｜end▁of▁sentence｜>", "<|endoftext|>", "</s>")


def _tokenizer_variables(tokenizer) -> tuple[tuple[str, str], ...]:
    if tokenizer is None:
        return (("bos_token", "<s>"), ("eos_token", "</s>"))
    variables = {k: str(v) for k, v in tokenizer.special_tokens_map.items() if isinstance(v, str)}
    variables.setdefault("eos_token", "</s>")
    return tuple(sorted(variables.items()))


def has_own_template(tokenizer) -> bool:
    """Whether `tokenizer` carries a chat template of its own (`get_template("tokenizer", ...)` works)."""
    source = getattr(tokenizer, "chat_template", None)
    return bool(source.get("default") if isinstance(source, dict) else source)


def _tokenizer_source(tokenizer) -> str:
    source = getattr(tokenizer, "chat_template", None)
    if isinstance(source, dict):  # named variants: the default one is the chat template
        source = source.get("default")
    if not source:
        raise TemplateError(
            "This model's tokenizer has no chat template of its own (a base model's often has none). Pick a built-in "
            "template instead (the Chat template box; `--template NAME` in the CLI): "
            f"{_fitting_builtin(tokenizer)} Or write a custom one. The built-ins: {', '.join(BUILTIN_TEMPLATES)}. "
            # A file of raw text (`{"text": ...}` rows, a base model's continued pre-training) is read alike under
            # any template: the model's own was still asked for, and a user with such a file was pointed to chatml.
            f"Rows of raw text alone (`text`) need no chat format: {builtin_named('text')} reads them as written."
        )
    return source


# The chat families' built-ins, in the order a fitting one is offered to a model without a template of its own.
_FAMILIES = ("chatml", "llama3", "gemma", "mistral")


def _fitting_builtin(tokenizer) -> str:
    """Which built-in to pick for a tokenizer without a template of its own: the first chat family's whose control
    tokens it knows as one token each (a Qwen or Llama-3 base model's: the format its instruct models were tuned on),
    else alpaca, which writes none (GPT-2: every chat family's tokens would be read as several ordinary ones)."""
    for name in _FAMILIES if tokenizer is not None else ():
        template = BUILTIN_TEMPLATES[name]
        if template.special_tokens and not missing_special_tokens(tokenizer, template):
            return f"{name} fits its tokenizer, which knows its control tokens ({', '.join(template.special_tokens)})."
    return (
        f"alpaca (or plain) fits it: it knows none of the control tokens of {', '.join(_FAMILIES)}, and those two "
        "write none (each control token it does not know would be read as several ordinary tokens)."
    )


def get_template(name: str, tokenizer=None, source: str | None = None) -> ChatTemplate:
    """A template by name: a built-in, `tokenizer` (the model's own, needs `tokenizer`) or `custom` (`source`).

    The end-of-turn marker of the model's own and custom templates is found by rendering a two-turn probe
    conversation and reading what the template writes right after each reply (see `_probe`).

    >>> get_template("chatml").eot
    '<|im_end|>'
    """
    name = (name or "").strip().lower()
    variables = _tokenizer_variables(tokenizer)
    if name in BUILTIN_TEMPLATES:
        template = replace(BUILTIN_TEMPLATES[name], variables=variables)
        if name == "text" and tokenizer is not None and tokenizer.bos_token and tokenizer_adds_bos(tokenizer):
            # TRL tokenizes standard (not conversational) rows with the tokenizer's special tokens: a base model's
            # rows start with the BOS it adds (Llama, Mistral, Gemma). Written by the template, every render has it:
            # training, sampling, the Data page's lengths. Without it a base model trained and sampled BOS-less.
            template = replace(template, source="{{- bos_token }}" + template.source, bos=tokenizer.bos_token)
    elif name in ("tokenizer", "custom"):
        if name == "tokenizer" and tokenizer is None:
            raise TemplateError("The 'tokenizer' template needs a tokenizer: load a model first.")
        if name == "custom" and (not source or not source.strip()):
            raise TemplateError("A custom template needs its Jinja text: write or paste one first.")
        src = _tokenizer_source(tokenizer) if name == "tokenizer" else source
        literals = _literal_text(src)
        eot, _ = _probe(src, variables)
        if eot is None:  # the probe could not render: fall back on the markers of well-known families
            eot = next((m for m in _KNOWN_EOT if m in literals), None)
        bos = dict(variables).get("bos_token") if name == "tokenizer" else None
        uses_bos = bos is not None and ("bos_token" in src or bos in literals)
        label, desc = (
            ("model's own", "the chat template saved with the tokenizer")
            if name == "tokenizer"
            else ("custom", "a template written in the studio")
        )
        specials = special_like(literals)
        # (fields in order: name, source, label, description, eot, bos, special_tokens, variables)
        template = ChatTemplate(name, src, label, desc, eot or None, bos if uses_bos else None, specials, variables)
    else:
        raise TemplateError(f"Unknown template '{name}'. Choose one of: {', '.join(TEMPLATE_NAMES)}.")
    compile_template(template.source)  # fail early, with a clear message, on a syntax error
    return template


def check_template_name(name: str | None) -> None:
    """A template name no chat template has, refused in `get_template`'s words (its TemplateError) before a model or
    tokenizer loads (`train`'s preflight, `sample`, `evaluate`: they read the name once it is there); a known name,
    None or empty passes."""
    if name and name.strip().lower() not in TEMPLATE_NAMES:  # as get_template reads the name
        get_template(name)


_PROBE_TURNS = (
    {"role": "user", "content": "ftlibprobe question one"},
    {"role": "assistant", "content": "ftlibprobe answer one"},
    {"role": "user", "content": "ftlibprobe question two"},
    {"role": "assistant", "content": "ftlibprobe answer two"},
)


@lru_cache(maxsize=64)
def _probe(source: str, variables: tuple) -> tuple[str | None, str | None]:
    """(end-of-turn marker, generation prompt) of a template, read off renders of a probe conversation.

    The marker is what the template writes right after a reply, up to the first whitespace, in the part that is
    the same after a reply followed by another turn and after the last reply: `<|im_end|>` after ChatML's
    "answer<|im_end|>\\n<|im_start|>user" and "answer<|im_end|>\\n", `<｜end▁of▁sentence｜>` after DeepSeek's. It is
    whole tokens: where the replies share none (gpt-oss ends them in `<|end|>`, the last in `<|return|>`: only "<|"
    is shared), it is the earlier replies' marker if that is a well-known one (`<|end|>`), else "". "" also
    when the template writes nothing after a reply; None when the probe cannot be rendered (the template
    refuses a plain conversation). The generation prompt is what add_generation_prompt adds after a user turn.
    """
    probe = ChatTemplate("probe", source, variables=variables)
    system = {"role": "system", "content": "ftlibprobe system"}
    for turns in (list(_PROBE_TURNS), [system, *_PROBE_TURNS]):
        try:
            text = render(probe, turns)
            closed = render(probe, turns[:-3])
            opened = render(probe, turns[:-3], add_generation_prompt=True)
        except TemplateError:
            continue
        follows = []
        for answer in ("ftlibprobe answer one", "ftlibprobe answer two"):
            at = text.find(answer)
            if at < 0:
                break
            follows.append(text[at + len(answer) :])
        if len(follows) < 2:
            continue
        shared = follows[0][: token_boundary(follows, len(os.path.commonprefix(follows)), dict(variables).values())]
        known = next((m for m in _KNOWN_EOT if follows[0].lstrip().startswith(m)), "")
        eot = shared.split()[0] if shared.strip() else known
        return eot, opened[len(closed) :] if opened.startswith(closed) else ""
    return None, None


@lru_cache(maxsize=64)
def _kept_whitespace(source: str, variables: tuple) -> tuple[tuple[str, tuple[bool, bool]], ...]:
    """(role, (leading kept, trailing kept)) of each role a probe conversation renders, its text padded with spaces
    (no template writes two spaces next to a message); () when the probe cannot be rendered."""
    probe = ChatTemplate("probe", source, variables=variables)
    padded = [dict(turn, content=f"  {turn['content']}  ") for turn in _PROBE_TURNS[:2]]
    system = {"role": "system", "content": "  ftlibprobe system  "}
    for turns in ([system, *padded], padded):
        try:
            text = render(probe, turns)
        except TemplateError:
            continue
        core = {turn["role"]: turn["content"].strip() for turn in turns}
        return tuple((role, (f"  {c}" in text, f"{c}  " in text)) for role, c in core.items() if c in text)
    return ()


@lru_cache(maxsize=64)
def _calls_need_null_content(source: str, variables: tuple) -> bool:
    """Rendered both ways, a turn that only calls a tool: the call is written with content None and not with ""."""
    probe = ChatTemplate("probe", source, variables=variables)
    call = given_call({"type": "function", "function": {"name": "ftlibprobe_tool", "arguments": {"x": 1}}})
    written = []
    for content in ("", None):
        turns = [{"role": "user", "content": "ftlibprobe question"}, {"role": "assistant", "content": content}]
        turns[1]["tool_calls"] = [call]
        try:
            written.append("ftlibprobe_tool" in run_template(probe, turns, False, False))
        except TemplateError:
            return False
    return written == [False, True]


@lru_cache(maxsize=64)
def _reads_reasoning(source: str) -> bool:
    ast = compile_template(source).environment.parse(source)
    for node in ast.find_all((jinja2.nodes.Getattr, jinja2.nodes.Getitem)):
        key = node.attr if isinstance(node, jinja2.nodes.Getattr) else getattr(node.arg, "value", None)
        if key in REASONING_FIELDS:
            return True
    return False


def _literal_text(source: str) -> str:
    """The template's literal text and string constants (where its control tokens are written)."""
    ast = compile_template(source).environment.parse(source)
    parts = [n.data for n in ast.find_all(jinja2.nodes.TemplateData)]
    parts += [n.value for n in ast.find_all(jinja2.nodes.Const) if isinstance(n.value, str)]
    return "\0".join(parts)


def _given(template: ChatTemplate, plain: list[dict], **marking) -> list[dict]:
    """What `template` is given for `plain`'s turns (`marking`: template_messages' `marking` and `mark_empty`)."""
    return template_messages(
        plain, not template.reads_reasoning, null_call_content=template.calls_need_null_content, **marking
    )


def render(
    template: ChatTemplate, messages, add_generation_prompt: bool = False, tools=None, thinking: bool | None = None
) -> str:
    """The conversation as the template writes it; `tools` are the row's tool schemas (None: no tools); `thinking`:
    `enable_thinking` for a template with the switch (`ChatTemplate.thinking_switch`), None the template's default.

    >>> render(get_template("chatml"), [{"role": "user", "content": "Hi"}])
    '<|im_start|>user\\nHi<|im_end|>\\n'
    """
    plain, tools = plain_messages(messages), plain_tools(tools)
    return run_template(template, _given(template, plain), add_generation_prompt, False, tools, thinking)


@dataclass
class Rendered:
    """A rendered conversation and where things landed in it (character offsets into `text`).

    Per message i: `contents[i]` is the span of its content (for a turn with reasoning, the answer only),
    `reasonings[i]` of its reasoning, `calls[i][j]` of the function name of its j-th tool call; None where the
    template dropped or rewrote it (or the message has none). `tools[k]` is where the k-th tool schema's function
    name landed. `cut` lists messages of which the template kept only the end of the content (DeepSeek-R1 drops
    "<think>...</think>" from it); their `contents` span is that end. `generations` are the spans of
    `{% generation %}` blocks; `exact` is False when the spans had to be found by searching (the template changes
    message text), so they may be approximate.
    """

    text: str
    contents: list[Span | None]
    generations: list[Span]
    exact: bool
    reasonings: list[Span | None] = field(default_factory=list)
    calls: list[list[Span | None]] = field(default_factory=list)
    tools: list[Span | None] = field(default_factory=list)
    cut: list[int] = field(default_factory=list)  # messages whose content the template kept only the end of


def render_spans(template: ChatTemplate, messages, add_generation_prompt: bool = False, tools=None) -> Rendered:
    """Render once with invisible markers around each message's parts and each generation block.

    The markers are stripped and the result is checked against a plain render; if a template reacts to them
    (it slices or inspects text), the spans are found by searching for each part's text in order instead.
    Never by rendering prefixes and measuring lengths: templates that rewrite earlier turns break that.
    """
    plain, tools = plain_messages(messages), plain_tools(tools)
    text = None
    if not template.content_blind:
        text = run_template(template, _given(template, plain), add_generation_prompt, False, tools)
    try:
        marked_text = run_template(
            template,
            _given(template, plain, marking=True),
            add_generation_prompt,
            True,
            template_tools(tools, True),
        )
    except TemplateError:
        marked_text = ""
    clean, spans, generations = strip_marks(marked_text)
    found = _rendered(clean, spans, generations, plain, tools, template)
    if marked_text and (clean == text or (text is None and _complete(found, plain, tools))):
        return _locate_empty(template, plain, tools, add_generation_prompt, found)
    if text is None:
        text = run_template(template, _given(template, plain), add_generation_prompt, False, tools)
        if marked_text and clean == text:
            return _locate_empty(template, plain, tools, add_generation_prompt, found)
    return _search(
        text, plain, tools, template, _generation_spans_plain(template, plain, add_generation_prompt, tools)
    )


def _locate_empty(template: ChatTemplate, plain, tools, add_generation_prompt: bool, found: Rendered) -> Rendered:
    """Where a turn with nothing found (an empty reply whose reasoning or tool calls the template dropped) sits:
    rendered again with its empty content marked, kept only if that leaves the text unchanged."""
    empty = [
        i
        for i, m in enumerate(plain)
        if not m["content"] and found.contents[i] is None and found.reasonings[i] is None and not any(found.calls[i])
    ]
    if not empty:
        return found
    given = _given(template, plain, marking=True, mark_empty=frozenset(empty))
    try:
        clean, spans, _ = strip_marks(
            run_template(template, given, add_generation_prompt, True, template_tools(tools, True))
        )
    except TemplateError:
        return found
    if clean == found.text:
        for i in empty:
            found.contents[i] = spans.get(("o", str(i)))
    return found


def _widen(text: str, span: Span | None, given: str, lead_kept: bool = True, trail_kept: bool = True) -> Span | None:
    """Widen a span over the part's own leading/trailing whitespace, where the template kept it (`lead_kept`,
    `trail_kept`: `ChatTemplate.kept_whitespace`; a template that trims writes its own newline there, which is not
    the reply's, whatever it looks like)."""
    if span is None:
        return None
    lead = len(given) - len(given.lstrip()) if lead_kept else 0
    trail = len(given.lstrip()) - len(given.strip()) if trail_kept else 0
    start, end = span
    if lead and text[start - lead : start] == given[:lead]:
        start -= lead
    if trail and text[end : end + trail] == given[len(given) - trail :]:
        end += trail
    return start, end


def _given_reasoning(template: ChatTemplate, message: dict) -> str:
    return given_reasoning(message.get("reasoning", ""), not template.reads_reasoning)


def _tail(text: str, end: int, content: str) -> Span:
    """What a template kept of `content` right before `end`: the part after its last `</think>` (templates cut
    reasoning off there), else nothing (a zero-width span that still says where the content ended)."""
    after = content.rsplit("</think>", 1)[-1] if "</think>" in content else content.strip()
    for kept in (after, after.lstrip(), after.strip()):
        if kept and text[end - len(kept) : end] == kept:
            return end - len(kept), end
    return end, end


def _rendered(text, spans, generations, plain, tools, template) -> Rendered:
    contents, reasonings, calls, cut = [], [], [], []
    for i, message in enumerate(plain):
        span = spans.get(("o", str(i)))
        if span is None and ("~o", str(i)) in spans:
            span = _tail(text, spans[("~o", str(i))][1], message["content"])
            cut.append(i)
        kept = template.kept_whitespace.get(message["role"], (True, True))  # not probed: as before
        contents.append(span if i in cut else _widen(text, span, message["content"], *kept))
        reasonings.append(_widen(text, spans.get(("r", str(i))), _given_reasoning(template, message)))
        calls.append([spans.get(("t", f"{i}.{j}")) for j in range(len(message.get("tool_calls") or ()))])
    schemas = [spans.get(("s", str(k))) for k in range(len(tools or ()))]
    return Rendered(text, contents, generations, True, reasonings, calls, schemas, cut)


def _complete(found: Rendered, plain: list[dict], tools) -> bool:
    """Every part the conversation has was located (so a content-blind template rendered all of it)."""
    for i, message in enumerate(plain):
        if found.contents[i] is None and (message["content"] or not message.get("tool_calls")):
            return False
        if message.get("reasoning") and found.reasonings[i] is None:
            return False
        if any(span is None for span in found.calls[i]):
            return False
    return all(span is not None for span in found.tools)


def _find(text: str, needle: str, pos: int) -> Span | None:
    for n in (needle, needle.strip()):
        if n and (at := text.find(n, pos)) >= 0:
            return at, at + len(n)
    return None


def _search(text: str, plain: list[dict], tools, template: ChatTemplate, generations: list[Span]) -> Rendered:
    """Fallback: find each message's parts in order (exact, else stripped); None where they are not there."""
    contents, reasonings, calls = [], [], []
    pos = 0
    for message in plain:
        reasoning = _given_reasoning(template, message)
        r = _find(text, reasoning, pos) if reasoning else None
        c = _find(text, message["content"], r[1] if r else pos)
        names = [_find(text, call_name(call), (c or r or (pos, pos))[1]) for call in message.get("tool_calls") or ()]
        reasonings.append(r)
        contents.append(c)
        calls.append(names)
        pos = max([pos, *(s[1] for s in (r, c, *names) if s)])
    names = [call_name(t.get("function", t)) if isinstance(t.get("function", t), dict) else None for t in tools or ()]
    return Rendered(
        text, contents, generations, False, reasonings, calls, [_find(text, n, 0) if n else None for n in names]
    )


def _generation_spans_plain(template: ChatTemplate, plain: list[dict], add_generation_prompt: bool, tools):
    """Generation spans with unmarked contents (used when content markers disturbed the template)."""
    if not template.has_generation_tags:
        return []
    _, _, generations = strip_marks(
        run_template(template, _given(template, plain), add_generation_prompt, True, tools)
    )
    return generations


__all__ = [
    "BUILTIN_TEMPLATES",
    "MAX_RENDER_CHARS",
    "REASONING_FIELDS",
    "TEMPLATE_NAMES",
    "TOOL_TEMPLATES",
    "ChatTemplate",
    "Rendered",
    "TemplateError",
    "add_missing_special_tokens",
    "check_template_name",
    "ends_in_control_token",
    "get_template",
    "missing_special_tokens",
    "render",
    "render_spans",
    "required_special_tokens",
    "token_boundary",
]
