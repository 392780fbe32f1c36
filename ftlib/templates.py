"""Chat templates: the built-in formats, the tokenizer's own, custom ones, and sandboxed rendering.

A template turns a conversation (canonical `messages`) into the one string the model is trained on.
Built-ins: ChatML, Llama-3, Mistral/Llama-2 `[INST]`, Gemma, Alpaca and a plain `User:`/`Assistant:` format.
Each wraps exactly what the assistant is trained on (its reply plus its end-of-turn marker) in
`{% generation %}...{% endgeneration %}`, so transformers' `return_assistant_tokens_mask` agrees with ftlib.

    tpl = get_template("chatml", tokenizer)          # or "tokenizer" (the model's own), or "custom", source=...
    text = render(tpl, messages)
    marked = render_spans(tpl, messages)             # text + where each message and generation block landed

Templates are untrusted code (they come from the hub and from the browser): they run in Jinja's immutable
sandbox, as in transformers, with no file access, no Python internals and bounded output. Every failure is a
`TemplateError` with a readable message, never a traceback.

Not known here: token ids and masks (tokens.py).
"""

from __future__ import annotations

import contextvars
import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache

import jinja2
import jinja2.ext
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ftlib.errors import UserError

# A rendered chat longer than this is refused (a template looping forever would otherwise eat the memory).
MAX_RENDER_CHARS = 2_000_000
_GENERATION_TAG = re.compile(r"\{%-?\s*generation\s*-?%\}")


class TemplateError(UserError):
    """A template cannot be found, compiled or rendered; the message says why and what to do."""


# ---------------------------------------------------------------------------------------------------------------
# Built-in templates. Every output comes from a `{{- ... }}` expression and every tag strips the whitespace
# before it, so the indentation below never reaches the rendered text.

_CHATML = r"""{%- for message in messages %}
    {{- '<|im_start|>' + message['role'] + '\n' }}
    {%- if message['role'] == 'assistant' %}
        {%- generation %}{{- message['content'] + '<|im_end|>' }}{%- endgeneration %}
        {{- '\n' }}
    {%- else %}
        {{- message['content'] + '<|im_end|>\n' }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
{%- endif %}
"""

_LLAMA3 = r"""{{- '<|begin_of_text|>' }}
{%- for message in messages %}
    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' }}
    {%- if message['role'] == 'assistant' %}
        {%- generation %}{{- message['content'] + '<|eot_id|>' }}{%- endgeneration %}
    {%- else %}
        {{- message['content'] + '<|eot_id|>' }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
{%- endif %}
"""

# A leading system turn is folded into the first user turn, as Mistral and Gemma have no system role.
_SPLIT_SYSTEM = r"""{%- if messages and messages[0]['role'] == 'system' %}
    {%- set system = messages[0]['content'] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set system = none %}
    {%- set loop_messages = messages %}
{%- endif %}
{%- if system is not none and (not loop_messages or loop_messages[0]['role'] != 'user') %}
    {{- raise_exception('This template folds the system prompt into the first user turn, '
                        + 'so a user turn must follow the system turn.') }}
{%- endif %}
"""

_MISTRAL = (
    r"""{{- '<s>' }}
"""
    + _SPLIT_SYSTEM
    + r"""{%- for message in loop_messages %}
    {%- if message['role'] == 'user' %}
        {%- if loop.first and system is not none %}
            {{- '[INST] ' + system + '\n\n' + message['content'] + ' [/INST]' }}
        {%- else %}
            {{- '[INST] ' + message['content'] + ' [/INST]' }}
        {%- endif %}
    {%- elif message['role'] == 'assistant' %}
        {%- generation %}{{- message['content'] + '</s>' }}{%- endgeneration %}
    {%- else %}
        {{- raise_exception('Unknown role "' + message['role'] + '": this template knows system, user, assistant.') }}
    {%- endif %}
{%- endfor %}
"""
)

_GEMMA = (
    r"""{{- '<bos>' }}
"""
    + _SPLIT_SYSTEM
    + r"""{%- for message in loop_messages %}
    {%- if message['role'] == 'user' %}
        {{- '<start_of_turn>user\n' }}
        {%- if loop.first and system is not none %}
            {{- system + '\n\n' }}
        {%- endif %}
        {{- message['content'] + '<end_of_turn>\n' }}
    {%- elif message['role'] == 'assistant' %}
        {{- '<start_of_turn>model\n' }}
        {%- generation %}{{- message['content'] + '<end_of_turn>' }}{%- endgeneration %}
        {{- '\n' }}
    {%- else %}
        {{- raise_exception('Unknown role "' + message['role'] + '": this template knows system, user, assistant.') }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<start_of_turn>model\n' }}
{%- endif %}
"""
)

# Alpaca and plain have no control tokens of their own: a reply ends with the tokenizer's eos token.
_ALPACA = r"""{%- if messages and messages[0]['role'] == 'system' %}
    {{- messages[0]['content'] + '\n\n' }}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {{- 'Below is an instruction that describes a task. '
        + 'Write a response that appropriately completes the request.\n\n' }}
    {%- set loop_messages = messages %}
{%- endif %}
{%- for message in loop_messages %}
    {%- if message['role'] == 'user' %}
        {{- '### Instruction:\n' + message['content'] + '\n\n### Response:\n' }}
    {%- elif message['role'] == 'assistant' %}
        {%- generation %}{{- message['content'] + eos_token }}{%- endgeneration %}
        {{- '\n\n' }}
    {%- else %}
        {{- raise_exception('Unknown role "' + message['role'] + '": this template knows system, user, assistant.') }}
    {%- endif %}
{%- endfor %}
"""

# The space after "Assistant:" belongs to the reply (it is part of the reply's first token), so it sits inside
# the generation block and the generation prompt ends on "Assistant:".
_PLAIN = r"""{%- for message in messages %}
    {%- if message['role'] == 'system' %}
        {{- message['content'] + '\n\n' }}
    {%- elif message['role'] == 'user' %}
        {{- 'User: ' + message['content'] + '\n' }}
    {%- elif message['role'] == 'assistant' %}
        {{- 'Assistant:' }}
        {%- generation %}{{- ' ' + message['content'] + eos_token }}{%- endgeneration %}
        {{- '\n' }}
    {%- else %}
        {{- raise_exception('Unknown role "' + message['role'] + '": this template knows system, user, assistant.') }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- 'Assistant:' }}
{%- endif %}
"""


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
    # Built-ins only concatenate message text (never slice or test it), so invisible markers in the text cannot
    # change what they render and render_spans can skip its check render.
    content_blind: bool = field(default=False, compare=False)

    @property
    def has_generation_tags(self) -> bool:
        return bool(_GENERATION_TAG.search(self.source))

    @property
    def end_of_turn(self) -> str | None:
        """The text that ends an assistant turn: the template's own marker or the tokenizer's eos token."""
        return self.eot or dict(self.variables).get("eos_token")

    @property
    def title(self) -> str:
        return self.label or self.name


BUILTIN_TEMPLATES: dict[str, ChatTemplate] = {
    t.name: t
    for t in (
        ChatTemplate(
            "chatml",
            _CHATML,
            "ChatML",
            "<|im_start|>role ... <|im_end|> (Qwen, SmolLM, many others)",
            eot="<|im_end|>",
            special_tokens=("<|im_start|>", "<|im_end|>"),
        ),
        ChatTemplate(
            "llama3",
            _LLAMA3,
            "Llama-3",
            "<|start_header_id|>role<|end_header_id|> ... <|eot_id|>",
            eot="<|eot_id|>",
            bos="<|begin_of_text|>",
            special_tokens=("<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"),
        ),
        ChatTemplate(
            "mistral",
            _MISTRAL,
            "Mistral / Llama-2 [INST]",
            "<s>[INST] user [/INST]reply</s>",
            eot="</s>",
            bos="<s>",
            special_tokens=("<s>", "</s>"),
        ),
        ChatTemplate(
            "gemma",
            _GEMMA,
            "Gemma",
            "<start_of_turn>user ... <end_of_turn> (assistant is 'model')",
            eot="<end_of_turn>",
            bos="<bos>",
            special_tokens=("<bos>", "<start_of_turn>", "<end_of_turn>"),
        ),
        ChatTemplate("alpaca", _ALPACA, "Alpaca", "### Instruction: / ### Response:, reply ends with eos", eot=None),
        ChatTemplate(
            "plain", _PLAIN, "Plain User:/Assistant:", "User: ... / Assistant: ..., reply ends with eos", eot=None
        ),
    )
}
BUILTIN_TEMPLATES = {name: replace(t, content_blind=True) for name, t in BUILTIN_TEMPLATES.items()}
# Names the UI and CLI offer: the built-ins, the model's own template and a custom one.
TEMPLATE_NAMES = (*BUILTIN_TEMPLATES, "tokenizer", "custom")

# End-of-turn markers of well-known families, used to find the end of a turn in templates without tags.
_KNOWN_EOT = ("<|im_end|>", "<|eot_id|>", "<end_of_turn>", "<|end|>", "<|endoftext|>", "</s>")
# What looks like a control token in a custom template's literal text.
_SPECIAL_LIKE = re.compile(r"<\|[^<>|\s]{1,40}\|>|</?(?:s|bos|eos|start_of_turn|end_of_turn)>")


def _tokenizer_variables(tokenizer) -> tuple[tuple[str, str], ...]:
    if tokenizer is None:
        return (("bos_token", "<s>"), ("eos_token", "</s>"))
    variables = {k: str(v) for k, v in tokenizer.special_tokens_map.items() if isinstance(v, str)}
    variables.setdefault("eos_token", "</s>")
    return tuple(sorted(variables.items()))


def _tokenizer_source(tokenizer) -> str:
    source = getattr(tokenizer, "chat_template", None)
    if isinstance(source, dict):  # named variants: the default one is the chat template
        source = source.get("default")
    if not source:
        raise TemplateError(
            "This model's tokenizer has no chat template of its own. Pick a built-in template "
            f"({', '.join(BUILTIN_TEMPLATES)}) or write a custom one."
        )
    return source


def get_template(name: str, tokenizer=None, source: str | None = None) -> ChatTemplate:
    """A template by name: a built-in, `tokenizer` (the model's own, needs `tokenizer`) or `custom` (`source`).

    >>> get_template("chatml").eot
    '<|im_end|>'
    """
    name = (name or "").strip().lower()
    variables = _tokenizer_variables(tokenizer)
    if name in BUILTIN_TEMPLATES:
        template = replace(BUILTIN_TEMPLATES[name], variables=variables)
    elif name == "tokenizer":
        if tokenizer is None:
            raise TemplateError("The 'tokenizer' template needs a tokenizer: load a model first.")
        src = _tokenizer_source(tokenizer)
        literals = _literal_text(src)
        eot = next((m for m in _KNOWN_EOT if m in literals), None) or dict(variables).get("eos_token")
        bos = dict(variables).get("bos_token")
        uses_bos = bos is not None and ("bos_token" in src or bos in literals)
        template = ChatTemplate(
            "tokenizer",
            src,
            "model's own",
            "the chat template saved with the tokenizer",
            eot=eot,
            bos=bos if uses_bos else None,
            special_tokens=_special_like(literals),
            variables=variables,
        )
    elif name == "custom":
        if not source or not source.strip():
            raise TemplateError("A custom template needs its Jinja text: write or paste one first.")
        literals = _literal_text(source)
        eot = next((m for m in _KNOWN_EOT if m in literals), None)
        template = ChatTemplate(
            "custom",
            source,
            "custom",
            "a template written in the studio",
            eot=eot,
            special_tokens=_special_like(literals),
            variables=variables,
        )
    else:
        raise TemplateError(f"Unknown template '{name}'. Choose one of: {', '.join(TEMPLATE_NAMES)}.")
    _compile(template.source)  # fail early, with a clear message, on a syntax error
    return template


def _special_like(literals: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_SPECIAL_LIKE.findall(literals)))


def _literal_text(source: str) -> str:
    """The template's literal text and string constants (where its control tokens are written)."""
    ast = _compile(source).environment.parse(source)
    parts = [n.data for n in ast.find_all(jinja2.nodes.TemplateData)]
    parts += [n.value for n in ast.find_all(jinja2.nodes.Const) if isinstance(n.value, str)]
    return "\0".join(parts)


def required_special_tokens(template: ChatTemplate) -> tuple[str, ...]:
    """The control tokens a template writes, plus its end-of-turn marker."""
    tokens = list(template.special_tokens)
    if template.end_of_turn and template.end_of_turn not in tokens:
        tokens.append(template.end_of_turn)
    return tuple(tokens)


def missing_special_tokens(tokenizer, template: ChatTemplate) -> list[str]:
    """Control tokens the template needs that the tokenizer splits into several pieces (it does not know them)."""
    return [
        tok for tok in required_special_tokens(template) if len(tokenizer.encode(tok, add_special_tokens=False)) != 1
    ]


def add_missing_special_tokens(tokenizer, template: ChatTemplate):
    """A copy of `tokenizer` with the template's missing control tokens added as special tokens.

    The model's embedding matrix must grow to match (`model.resize_token_embeddings(len(tokenizer))`).
    """
    import copy

    missing = missing_special_tokens(tokenizer, template)
    tokenizer = copy.deepcopy(tokenizer)  # never mutate a cached, shared tokenizer
    if missing:
        tokenizer.add_special_tokens({"additional_special_tokens": missing}, replace_extra_special_tokens=False)
    return tokenizer


# ---------------------------------------------------------------------------------------------------------------
# The sandbox.

# While set, `{% generation %}` blocks wrap their output in markers (see render_spans). A context variable,
# because a compiled template is shared between Streamlit sessions running in threads.
_MARKING: contextvars.ContextVar[bool] = contextvars.ContextVar("ftlib_template_marking", default=False)
# Private-use plane-15 characters: they never occur in real chats (a message that has them is not marked).
_M0, _M1 = "\U000f0000", "\U000f0001"
_MARK_RE = re.compile(f"{_M0}([ocgG])(\\d*){_M1}")


class _GenerationTag(jinja2.ext.Extension):
    """`{% generation %}...{% endgeneration %}`: marks what the assistant is trained on (as transformers does)."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_support"), [], [], body).set_lineno(lineno)

    def _support(self, caller):
        rv = caller()
        return f"{_M0}g{_M1}{rv}{_M0}G{_M1}" if _MARKING.get() else rv


class _Refused(Exception):
    """raise_exception() called by the template itself."""


class _Sandbox(ImmutableSandboxedEnvironment):
    # Intercept repetition and powers: `'a' * 10**10` would otherwise exhaust memory before any check runs.
    intercepted_binops = frozenset({"*", "**"})

    def unsafe_undefined(self, obj, attribute):
        # Jinja returns a silent Undefined for blocked attributes (it prints as ""); refuse loudly instead.
        raise SecurityError(f"access to attribute {attribute!r} of a {type(obj).__name__!r} object is blocked")

    def call_binop(self, context, operator, left, right):
        if operator == "**" and isinstance(right, int | float) and abs(right) > 64:
            raise SecurityError("exponent too large")
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(n, int) and len(seq) * n > MAX_RENDER_CHARS:
                    raise SecurityError("repetition too large")
        return super().call_binop(context, operator, left, right)


def _raise_exception(message):
    raise _Refused(str(message))


def _tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    # Jinja's own tojson escapes HTML characters; chat templates expect plain JSON (as in transformers).
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


@lru_cache(maxsize=64)
def _compile(source: str) -> jinja2.Template:
    env = _Sandbox(trim_blocks=True, lstrip_blocks=True, extensions=[_GenerationTag, jinja2.ext.loopcontrols])
    env.filters["tojson"] = _tojson
    env.globals["raise_exception"] = _raise_exception
    env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    try:
        return env.from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            f"The template has a syntax error on line {exc.lineno}: {exc.message}. Fix the Jinja text and try again."
        ) from None


def _plain_messages(messages) -> list[dict]:
    """Messages as plain dicts of strings (what the template sees); a malformed message is a TemplateError."""
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
        out.append(
            {
                **{k: v for k, v in message.items() if isinstance(v, str | int | float | bool)},
                "role": message["role"],
                "content": content,
            }
        )
    return out


def _run(template: ChatTemplate, messages: list[dict], add_generation_prompt: bool, marking: bool) -> str:
    compiled = _compile(template.source)
    variables = dict(template.variables)
    token = _MARKING.set(marking)
    try:
        parts, size = [], 0
        for block in compiled.generate(
            messages=messages, add_generation_prompt=add_generation_prompt, tools=None, documents=None, **variables
        ):
            size += len(block)
            if size > MAX_RENDER_CHARS:
                raise TemplateError(
                    f"The template produced more than {MAX_RENDER_CHARS:,} characters; "
                    "it is probably looping. Check its for-loops."
                )
            parts.append(block)
        return "".join(parts)
    except TemplateError:
        raise
    except _Refused as exc:
        raise TemplateError(f"The {template.title} template refused this conversation: {exc}") from None
    except SecurityError as exc:
        raise TemplateError(
            f"The {template.title} template tried something the sandbox blocks ({exc}). Chat templates may only "
            "format messages; they cannot reach Python internals, files or the network."
        ) from None
    except (TypeError, jinja2.TemplateNotFound) as exc:
        if "loader" in str(exc) or isinstance(exc, jinja2.TemplateNotFound):
            raise TemplateError(
                f"The {template.title} template tries to include, import or extend another file; "
                "templates must be self-contained."
            ) from None
        raise TemplateError(f"The {template.title} template failed while rendering: {exc}") from None
    except Exception as exc:  # any other error inside untrusted template code
        raise TemplateError(
            f"The {template.title} template failed while rendering: {type(exc).__name__}: {exc}"
        ) from None
    finally:
        _MARKING.reset(token)


def render(template: ChatTemplate, messages, add_generation_prompt: bool = False) -> str:
    """The conversation as the template writes it.

    >>> render(get_template("chatml"), [{"role": "user", "content": "Hi"}])
    '<|im_start|>user\\nHi<|im_end|>\\n'
    """
    return _run(template, _plain_messages(messages), add_generation_prompt, marking=False)


@dataclass
class Rendered:
    """A rendered conversation and where things landed in it (character offsets into `text`).

    `contents[i]` is the span of message i's content (None if the template dropped or rewrote it);
    `generations` are the spans of `{% generation %}` blocks; `exact` is False when the spans had to be found by
    searching (the template changes message text), so they may be approximate.
    """

    text: str
    contents: list[tuple[int, int] | None]
    generations: list[tuple[int, int]]
    exact: bool


def render_spans(template: ChatTemplate, messages, add_generation_prompt: bool = False) -> Rendered:
    """Render once with invisible markers around each message's content and each generation block.

    The markers are stripped and the result is checked against a plain render; if a template reacts to them
    (it slices or inspects content), the spans are found by searching for each message's text in order instead.
    Never by rendering prefixes and measuring lengths: templates that rewrite earlier turns break that.
    """
    plain = _plain_messages(messages)
    text = None if template.content_blind else _run(template, plain, add_generation_prompt, marking=False)
    marked_messages = []
    for i, message in enumerate(plain):
        content = message["content"]
        if _M0 in content or _M1 in content:
            marked_messages.append(message)
            continue
        core = content.strip()
        # Markers go inside the outer whitespace, so a template that trims content still renders the same text.
        lead = content[: len(content) - len(content.lstrip())]
        trail = content[len(lead) + len(core) :]
        marked = f"{lead}{_M0}o{i}{_M1}{core}{_M0}c{i}{_M1}{trail}"
        marked_messages.append({**message, "content": marked})
    try:
        marked_text = _run(template, marked_messages, add_generation_prompt, marking=True)
    except TemplateError:
        marked_text = ""
    clean, contents, generations = _strip_marks(marked_text, plain)
    if clean == text or (text is None and marked_text and all(c is not None for c in contents)):
        return Rendered(clean, contents, generations, exact=True)
    if text is None:
        text = _run(template, plain, add_generation_prompt, marking=False)
    return Rendered(
        text,
        _search_contents(text, plain),
        _generation_spans_plain(template, plain, add_generation_prompt),
        exact=False,
    )


def _strip_marks(marked: str, messages: list[dict]):
    """Remove the markers; return the clean text, content spans and generation spans in clean offsets."""
    contents: list[tuple[int, int] | None] = [None] * len(messages)
    opens: dict[int, int] = {}
    gen_stack: list[int] = []
    generations: list[tuple[int, int]] = []
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
        elif kind == "o" and index:
            opens.setdefault(int(index), at)
        elif kind == "c" and index and int(index) in opens and contents[int(index)] is None:
            i = int(index)
            contents[i] = (opens[i], at)
    pieces.append(marked[pos:])
    clean = "".join(pieces)
    # Widen each content span over the message's own leading/trailing whitespace, when the template kept it.
    for i, span in enumerate(contents):
        if span is None:
            continue
        content = messages[i]["content"]
        lead = len(content) - len(content.lstrip())
        trail = len(content) - lead - len(content.strip())
        start, end = span
        if lead and clean[start - lead : start] == content[:lead]:
            start -= lead
        if trail and clean[end : end + trail] == content[len(content) - trail :]:
            end += trail
        contents[i] = (start, end)
    generations.sort()
    return clean, contents, generations


def _search_contents(text: str, messages: list[dict]) -> list[tuple[int, int] | None]:
    """Fallback: find each message's text in order (exact, else stripped); None where it is not there."""
    spans: list[tuple[int, int] | None] = []
    pos = 0
    for message in messages:
        span = None
        for needle in (message["content"], message["content"].strip()):
            if needle and (at := text.find(needle, pos)) >= 0:
                span = (at, at + len(needle))
                pos = span[1]
                break
        spans.append(span)
    return spans


def _generation_spans_plain(template: ChatTemplate, messages: list[dict], add_generation_prompt: bool):
    """Generation spans with unmarked contents (used when content markers disturbed the template)."""
    if not template.has_generation_tags:
        return []
    _, _, generations = _strip_marks(_run(template, messages, add_generation_prompt, marking=True), messages)
    return generations
