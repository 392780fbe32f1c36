"""The sandbox chat templates run in: Jinja's immutable sandbox, as in transformers, with `{% generation %}` blocks,
`raise_exception`, plain `tojson`, bounded output, and every failure a `TemplateError` that says what went wrong.

Bounded: every way a template makes text (`~`, `+`, `*`, `%`, join, replace, format, tojson, a macro's or block's
output, a printed list) is refused before it would pass the render's cap, and the deadline (MAX_RENDER_SECONDS) is
checked at every loop step, call (a macro's too), filter and output, so a recursive macro cannot spin past it.

    compiled = compile_template(source)                     # TemplateError on a syntax error
    text = run_template(template, messages, add_generation_prompt, marking, tools)
    template_variables(source)                              # what it reads from outside: {"messages", ...}

`marking` makes `{% generation %}` blocks wrap their output in markers (template_input.strip_marks finds them).
What is rendered and why: templates.py.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import json
import re
import time
from collections.abc import ItemsView, KeysView, ValuesView
from datetime import datetime
from functools import lru_cache

import jinja2
import jinja2.compiler
import jinja2.ext
import jinja2.filters
import jinja2.meta
import jinja2.nodes
import jinja2.runtime
import jinja2.utils
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ftlib.template_input import MARK_END, MARK_START, TemplateError

# A rendered chat longer than this beyond 4x what its messages hold is refused: a template looping forever would
# otherwise eat the memory, and a 5 MB message (written once, or twice with its reasoning) must still render.
MAX_RENDER_CHARS = 2_000_000

# A render's loops may step this many times in all, for this long: a chat's loops step once per message or tool,
# while loops nested over `range` (each up to Jinja's 100,000) print nothing and would run for hours.
MAX_LOOP_STEPS = 1_000_000
MAX_RENDER_SECONDS = 10.0  # checked at every loop step, call (a macro's too), filter and output, not only in loops
MAX_JSON_INDENT = 16  # `tojson(indent=...)`: real templates indent by 2 or 4
MAX_LIPSUM = 100  # `lipsum(n, min, max)`: paragraphs, and words in one
MAX_INT_BITS = 4096  # `x * x` squared again and again would make a number of gigabytes
_TICK = "ftlib_loop_step"  # called at the top of every for-loop body (_Sandbox._parse puts the call there)
# The widths and precisions of a format string: `%0300000000d`, `%.5f`, `{:>300000000}` (a huge one is refused).
_FORMAT_SIZES = re.compile(r"%[-#0 +]*(\d*)(?:\.(\d+))?|\{[^{}]*:[^{}\d]*(\d*)(?:\.(\d+))?[^{}]*\}")

# While set, `{% generation %}` blocks wrap their output in markers (see render_spans). A context variable,
# because a compiled template is shared between Streamlit sessions running in threads.
_MARKING: contextvars.ContextVar[bool] = contextvars.ContextVar("ftlib_template_marking", default=False)


class _GenerationTag(jinja2.ext.Extension):
    """`{% generation %}...{% endgeneration %}`: marks what the assistant is trained on (as transformers does)."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_support"), [], [], body).set_lineno(lineno)

    def _support(self, caller):
        rv = caller()
        return f"{MARK_START}g{MARK_END}{rv}{MARK_START}G{MARK_END}" if _MARKING.get() else rv


class _Refused(Exception):
    """raise_exception() called by the template itself."""


class _Budget:
    """One render's loop steps and deadline (a context variable: renders run in several Streamlit threads)."""

    def __init__(self, limit: int):
        self.steps = 0
        self.deadline = time.monotonic() + MAX_RENDER_SECONDS
        self.limit = limit  # the render's output cap: no text joined inside it may be longer


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("ftlib_template_budget", default=None)


def _loop_step() -> str:
    budget = _BUDGET.get()
    if budget is None:
        return ""
    budget.steps += 1
    if budget.steps > MAX_LOOP_STEPS or time.monotonic() > budget.deadline:
        raise _too_long()
    return ""


def _too_long() -> TemplateError:
    return TemplateError(
        f"The template ran more than {MAX_RENDER_SECONDS:g} seconds or {MAX_LOOP_STEPS:,} loop steps for one "
        "conversation; it is probably looping or recursing. Check its for-loops and macros."
    )


def _check_time() -> None:
    """Refuse to go on past the render's deadline: a recursive macro spins with no loop (a monotonic() per call)."""
    budget = _BUDGET.get()
    if budget is not None and time.monotonic() > budget.deadline:
        raise _too_long()


def _render_limit() -> int:
    """The output cap of the render under way (it grows with the messages: a 5 MB answer still renders)."""
    budget = _BUDGET.get()
    return budget.limit if budget else MAX_RENDER_CHARS


def _text_size(value, limit: int, indent: int = 0, item_sep: int = 2, key_sep: int = 2) -> int:
    """About how long `str(value)` (or its JSON, or pprint with `indent`) is, at least, counted without making it;
    the count stops soon after it passes `limit` (a list of a million references to one long text is cheap to hold).

    >>> _text_size(["ab", {"c": 1}], 100), len(str(["ab", {"c": 1}]))
    (16, 16)
    """
    size, todo = 0, [(value, 0)]
    while todo and size <= limit:
        item, depth = todo.pop()
        if isinstance(item, str | bytes):
            size += len(item) + (2 if depth else 0)  # quoted inside a container
            continue
        if isinstance(item, jinja2.utils.Namespace):
            item = item._Namespace__attrs
        if not isinstance(item, list | tuple | set | frozenset | dict | KeysView | ValuesView | ItemsView):
            size += 1 + (item.bit_length() // 4 if isinstance(item, int) else 0)
            continue
        each = (key_sep if isinstance(item, dict) else 0) + (1 + indent * (depth + 1) if indent else 0)
        size += 2 + max(len(item) - 1, 0) * item_sep + len(item) * each
        if size <= limit:
            todo.extend((child, depth + 1) for child in item)
            if isinstance(item, dict):
                todo.extend((child, depth + 1) for child in item.values())
    return size


def _texts_size(items, sep, limit: int) -> int:
    """How long `sep.join(map(str, items))` would be, at least (see _text_size)."""
    size = max(0, len(items) - 1) * _text_size(sep, limit)
    for item in items:
        if size > limit:
            break
        size += _text_size(item, limit - size)
    return size


def _check_text(size: int, what: str) -> None:
    _check_time()
    if size > _render_limit():
        raise SecurityError(f"{what} too large for a chat template")


def _check_sizes(args, kwargs) -> None:
    """Refuse a number that asks for more text than a render may hold (a width, a count), before any is made."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_RENDER_CHARS:
            raise SecurityError(f"a size too large for a chat template ({value})")


def _check_format(fmt: str, values=()) -> None:
    """Refuse a format string whose widths, precisions and `values` ask for more text than a render may hold.

    >>> _check_format("%s: %5.2f {:>8}", ("a", 1.5))
    >>> _check_format("%0300000000d")
    Traceback (most recent call last):
    jinja2.exceptions.SecurityError: a format width too large for a chat template (%0300000000)
    """
    size, limit = len(fmt), _render_limit()
    for match in _FORMAT_SIZES.finditer(fmt):
        for group in match.groups():
            if group and (len(group) > 9 or int(group) > MAX_RENDER_CHARS):
                raise SecurityError(f"a format width too large for a chat template ({match.group(0)[:40]})")
            size += int(group) if group else 0
    numbers = [abs(v) for v in values if isinstance(v, int) and not isinstance(v, bool)]
    if numbers and re.search(r"\{[^{}]*\{", fmt):  # widths given as values: '{:{w}}{:{w}}'.format(1, 2, w=...)
        size += fmt.count("{") * max(numbers)
    for value in values:
        if size > limit:
            break
        size += _text_size(value, limit - size)
    _check_text(size, "a format")


def _format_values(values) -> tuple:
    """The values a `%` format fills in: a tuple's items, a dict's values, or the one value."""
    return (
        tuple(values) if isinstance(values, tuple) else (*values.values(),) if isinstance(values, dict) else (values,)
    )


# Filters that print their value (a list or dict too): its printed size is checked before.
_PRINTING = frozenset(
    "capitalize center e escape forceescape format indent lower pprint replace safe string striptags title trim "
    "truncate upper urlencode urlize wordcount wordwrap xmlattr".split()
)


def _spread(text, extra, what: str) -> None:
    """Refuse a filter that may put `extra` text at each character of `text` (wordwrap's wrapstring, indent's
    width, urlize's target) when that could pass the cap; ordinary uses (a newline, 4 spaces) stay far below."""
    if isinstance(text, str) and extra:
        _check_text(len(text) + (text.count("\n") + 1 if what == "an indent()" else len(text) + 1) * extra, what)


def _filter_checks(name, args, kwargs) -> tuple:
    """Check (and return) a filter's arguments before it runs: what it would make must fit the cap."""
    if name == "format" and args and isinstance(args[0], str):
        _check_format(args[0], (*args[1:], *kwargs.values()))
    elif name == "replace" and len(args) >= 2:
        texts = (args[1], *[args[i] if len(args) > i else kwargs.get(key) for i, key in ((2, "old"), (3, "new"))])
        for text in texts:  # printed with str() first, as Jinja does
            _check_text(_text_size(text, _render_limit()), "a replace() of a value")
        _check_replace(*(t if isinstance(t, str) else str(t) for t in texts))
    elif name == "indent" and len(args) >= 1:
        width = args[1] if len(args) > 1 else kwargs.get("width", 4)
        _spread(
            args[0], len(width) if isinstance(width, str) else width if isinstance(width, int) else 0, "an indent()"
        )
    elif name == "wordwrap" and len(args) >= 2:
        wrap = args[4] if len(args) > 4 else kwargs.get("wrapstring")
        _spread(args[1], len(wrap) if isinstance(wrap, str) else 1, "a wordwrap()")
    elif name == "urlize" and len(args) >= 2:
        extra = [*args[3:], *kwargs.values()]
        _spread(args[1], sum(len(a) for a in extra if isinstance(a, str)), "a urlize()")
    elif name == "sum" and isinstance(kwargs.get("start", args[3] if len(args) > 3 else 0), list | tuple):
        items = list(args[1])  # summed lists: `|sum(start=[])` over a list of long lists
        _check_text(sum(len(i) for i in items if isinstance(i, list | tuple)), "a sum()")
        args = (args[0], items, *args[2:])
    return args


def _join(eval_ctx, value, d="", attribute=None):
    """Jinja's `join`, its size checked before it joins (the items of a generator taken once)."""
    items = list(value)
    if attribute is not None:
        items = list(map(jinja2.filters.make_attrgetter(eval_ctx.environment, attribute), items))
    _check_text(_texts_size(items, d, _render_limit()), "a join()")
    return jinja2.filters.sync_do_join(eval_ctx, items, d)


def _guarded_filter(name, function):
    function = jinja2.pass_eval_context(_join) if name == "join" else function
    context_first = jinja2.utils._PassArg.from_obj(function) is not None

    @functools.wraps(function)  # keeps Jinja's pass_context/pass_environment marks
    def guarded(*args, **kwargs):
        _check_time()
        _check_sizes(args, kwargs)
        value = args[1 if context_first else 0] if len(args) > context_first else None
        if name in _PRINTING and not isinstance(value, str):
            _check_text(_text_size(value, _render_limit(), indent=name == "pprint"), f"a {name}() of a value")
        args = _filter_checks(name, args, kwargs)
        result = function(*args, **kwargs)
        if isinstance(result, str):  # `|urlencode|urlencode|...` triples its '%' at each step
            _check_text(len(result), f"a {name}() result")
        return result

    return guarded


def _check_replace(text, old, new) -> None:
    """`text.replace(old, new)` must fit the cap; an empty `old` puts `new` between every two characters."""
    if not all(isinstance(x, str) for x in (text, old, new)) and not all(
        isinstance(x, bytes) for x in (text, old, new)
    ):
        return
    if len(new) > len(old):
        hits = text.count(old) if old else len(text) + 1
        if len(text) + hits * (len(new) - len(old)) > _render_limit():
            raise SecurityError("a replace() too large for a chat template")


class _Output(list):
    """A macro's, a `{% set %}` block's or a `{% filter %}` block's output as it is written (Jinja buffers it in a
    list): refused once longer than the render's cap, as the render's own output is (run_template)."""

    __slots__ = ("size",)

    def __init__(self):
        super().__init__()
        self.size = 0

    def _grow(self, texts) -> None:
        _check_time()
        self.size += sum(len(t) for t in texts if isinstance(t, str))
        if self.size > (limit := _render_limit()):
            raise TemplateError(
                f"The template produced more than {limit:,} characters in a macro or block; it is probably looping "
                "or recursing. Check its for-loops and macros."
            )

    def append(self, text) -> None:
        self._grow((text,))
        super().append(text)

    def extend(self, texts) -> None:
        texts = tuple(texts)
        self._grow(texts)
        super().extend(texts)


class _CodeGenerator(jinja2.compiler.CodeGenerator):
    """Jinja's compiler, with `~` (a Concat node, not a binary operator) and captured output checked (_Output)."""

    def buffer(self, frame) -> None:
        frame.buffer = self.temporary_identifier()
        self.writeline(f"{frame.buffer} = environment.output_buffer()")

    @jinja2.compiler.optimizeconst
    def visit_Concat(self, node, frame) -> None:
        self.write("environment.checked_concat((")  # Jinja writes str_join((...)) or markup_join((...))
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("), context.eval_ctx.autoescape)")


class _Sandbox(ImmutableSandboxedEnvironment):
    # Intercept repetition, powers, joins and %-formatting: `'a' * 10**10` would otherwise exhaust memory before any
    # check runs.
    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = _CodeGenerator
    output_buffer = _Output

    def unsafe_undefined(self, obj, attribute):
        # Jinja returns a silent Undefined for blocked attributes (it prints as ""); refuse loudly instead.
        raise SecurityError(f"access to attribute {attribute!r} of a {type(obj).__name__!r} object is blocked")

    @staticmethod
    def checked_concat(parts: tuple, autoescape: bool) -> str:
        """`a ~ b ~ c`, refused before it is made when longer than the render's cap."""
        _check_text(_texts_size(parts, "", _render_limit()), "a text")
        return jinja2.runtime.markup_join(parts) if autoescape else jinja2.runtime.str_join(parts)

    def call_binop(self, context, operator, left, right):
        _check_time()
        if operator == "**" and isinstance(right, int | float) and abs(right) > 64:
            raise SecurityError("exponent too large")
        if operator in ("*", "**") and isinstance(left, int) and isinstance(right, int):
            bits = left.bit_length() + right.bit_length() if operator == "*" else left.bit_length() * abs(right)
            if bits > MAX_INT_BITS:
                raise SecurityError("a number too large for a chat template")
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | bytes | list | tuple)
                    and isinstance(n, int)
                    and len(seq) * n > MAX_RENDER_CHARS
                ):
                    raise SecurityError("repetition too large")
        if (
            operator == "+"
            and isinstance(left, str | bytes | list | tuple)
            and isinstance(right, str | bytes | list | tuple)
        ):
            if len(left) + len(right) > _render_limit():
                raise SecurityError("a text too large for a chat template")
        if operator == "%" and isinstance(left, str):
            _check_format(left, _format_values(right))
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
        _check_time()  # every macro, caller() and method call: a recursive macro has no loop to count
        _check_sizes(args, kwargs)  # 'a'.ljust(10**9), '{:{w}}'.format(1, w=10**9)
        owner, name = getattr(__obj, "__self__", None), getattr(__obj, "__name__", None)
        if isinstance(owner, str | bytes):
            limit = _render_limit()
            if name == "replace" and len(args) >= 2:
                _check_replace(owner, args[0], args[1])
            elif name == "join" and len(args) == 1:  # ''.join([s] * 1000000)
                args = (list(args[0]),)
                _check_text(_texts_size(args[0], owner, limit), "a join()")
            elif name == "expandtabs":
                tab = (args or [kwargs.get("tabsize", 8)])[0]
                tab = tab if isinstance(tab, int) else 0
                _check_text(
                    len(owner) + owner.count("\t" if isinstance(owner, str) else b"\t") * tab, "an expandtabs()"
                )
            elif name == "translate" and args and isinstance(args[0], dict | list | tuple):
                table = args[0].values() if isinstance(args[0], dict) else args[0]
                longest = max((len(v) for v in table if isinstance(v, str | bytes)), default=1)
                _check_text(len(owner) * max(longest, 1), "a translate()")
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(result, str | bytes) and len(result) > _render_limit():  # s.encode().hex().encode().hex()...
            raise SecurityError(f"a {name}() result too large for a chat template")
        return result

    def wrap_str_format(self, value):
        fmt = super().wrap_str_format(value)
        if fmt is None:
            return None
        text = value.__self__
        _check_format(text)  # '{:>300000000}'.format(1)

        @functools.wraps(fmt)
        def checked(*args, **kwargs):  # '{}{}'.format(s, s), doubled again and again
            _check_format(text, (*args, *kwargs.values()))
            return fmt(*args, **kwargs)

        return checked

    def _parse(self, source, name, filename):
        # Every for-loop body starts with a call that counts the step (_loop_step): the only place a template can
        # spin without writing anything, which the output cap would not see.
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(jinja2.nodes.For):
            tick = jinja2.nodes.Call(jinja2.nodes.Name(_TICK, "load"), [], [], None, None)
            loop.body.insert(0, jinja2.nodes.Output([tick]))
        return tree


def _finalize(value):
    """What `{{ ... }}` prints: a list or dict is refused before Jinja's str() makes it, when it would not fit."""
    if not isinstance(value, str):
        _check_text(_text_size(value, _render_limit()), "a printed value")
    return value


def _lipsum(n=5, html=True, min=20, max=100):  # noqa: A002 (Jinja's own argument names)
    if any(isinstance(x, int) and x > MAX_LIPSUM for x in (n, min, max)):
        raise SecurityError(
            f"a lipsum() too large for a chat template (at most {MAX_LIPSUM} paragraphs of {MAX_LIPSUM} words)"
        )
    return jinja2.utils.generate_lorem_ipsum(n, html, min, max)


def _raise_exception(message):
    raise _Refused(str(message))


def _tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    # Jinja's own tojson escapes HTML characters; chat templates expect plain JSON (as in transformers).
    width = len(indent) if isinstance(indent, str) else indent if isinstance(indent, int) else 0
    if width > MAX_JSON_INDENT:
        raise SecurityError(f"a tojson() indent too large for a chat template ({width}; at most {MAX_JSON_INDENT})")
    limit = _render_limit()
    item_sep, key_sep = (_text_size(separators[0], limit), _text_size(separators[1], limit)) if separators else (2, 2)
    _check_text(_text_size(x, limit, width, item_sep, key_sep), "a tojson()")
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


# The time a template's `strftime_now` reads (Llama 3.x and Mistral templates write today's date into the system turn):
# None reads the clock; `pinned_clock` sets it while a run's rows are encoded.
_NOW: contextvars.ContextVar[float | None] = contextvars.ContextVar("ftlib_template_now", default=None)


@contextlib.contextmanager
def pinned_clock(when: float | None):
    """While the block runs, `strftime_now` in a template reads `when` (seconds since 1970; None: the clock). A run
    encodes its rows at the time it was queued, so a resume or a rerun on another day trains the same tokens.

    >>> with pinned_clock(0.0):
    ...     compile_template("{{ strftime_now('%Y') }}").render() in ("1969", "1970")  # the server's time zone
    True
    """
    token = _NOW.set(when)
    try:
        yield
    finally:
        _NOW.reset(token)


def _strftime_now(fmt: str) -> str:
    when = _NOW.get()
    return (datetime.now() if when is None else datetime.fromtimestamp(when)).strftime(fmt)


@lru_cache(maxsize=64)
def compile_template(source: str) -> jinja2.Template:
    """`source` compiled in the sandbox (Jinja's ImmutableSandboxedEnvironment, trim_blocks and lstrip_blocks, as
    transformers' `_compile_jinja_template`), the last 64 sources cached; TemplateError on a syntax error."""
    env = _Sandbox(trim_blocks=True, lstrip_blocks=True, extensions=[_GenerationTag, jinja2.ext.loopcontrols])
    env.filters["tojson"] = _tojson
    env.filters.update({name: _guarded_filter(name, f) for name, f in env.filters.items()})
    env.globals[_TICK] = _loop_step
    env.globals["lipsum"] = _lipsum
    env.finalize = _finalize
    env.globals["raise_exception"] = _raise_exception
    env.globals["strftime_now"] = _strftime_now
    try:
        return env.from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            f"The template has a syntax error on line {exc.lineno}: {(exc.message or '').rstrip('.')}. Fix the Jinja "
            "text and try again."
        ) from None


@lru_cache(maxsize=64)
def template_variables(source: str) -> frozenset[str]:
    """The names `source` reads from what it is given (`messages`, `add_generation_prompt`, `enable_thinking`, ...):
    Jinja's undeclared variables of the template parsed as the sandbox parses it; a name it only sets is not one.
    TemplateError on a syntax error."""
    compiled = compile_template(source)
    return frozenset(jinja2.meta.find_undeclared_variables(compiled.environment.parse(source))) - {_TICK}


def run_template(
    template,
    messages: list[dict],
    add_generation_prompt: bool,
    marking: bool,
    tools=None,
    thinking: bool | None = None,
) -> str:
    """A ChatTemplate rendered with `messages`, `add_generation_prompt`, `tools` and its own `variables` (`marking`:
    `{% generation %}` blocks marked). `thinking` is given as `enable_thinking`, as transformers'
    `apply_chat_template(..., enable_thinking=...)` gives it (Qwen3's switch); None gives nothing (the template's
    default). TemplateError for output over MAX_RENDER_CHARS + 4x the input's JSON, and for every failure inside
    the template, saying what went wrong."""
    compiled = compile_template(template.source)
    variables = dict(template.variables)
    if thinking is not None:
        variables["enable_thinking"] = bool(thinking)
    token = _MARKING.set(marking)
    limit = MAX_RENDER_CHARS + 4 * len(json.dumps([messages, tools], ensure_ascii=False, default=str))
    budget = _BUDGET.set(_Budget(limit))
    try:
        parts, size = [], 0
        for block in compiled.generate(
            messages=messages, add_generation_prompt=add_generation_prompt, tools=tools, documents=None, **variables
        ):
            size += len(block)
            if size > limit:
                raise TemplateError(
                    f"The template produced more than {limit:,} characters; "
                    "it is probably looping. Check its for-loops."
                )
            parts.append(block)
        return "".join(parts)
    except TemplateError:
        raise
    except _Refused as exc:  # ended as a sentence: a caller may add one ("This row has tool calls: ...")
        said = str(exc).strip()
        said += "" if said.endswith((".", "!", "?")) else "."
        raise TemplateError(f"The {template.title} template refused this conversation: {said}") from None
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
        _BUDGET.reset(budget)


__all__ = ["MAX_RENDER_CHARS", "compile_template", "run_template", "template_variables"]
