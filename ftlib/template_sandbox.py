"""The sandbox chat templates run in: Jinja's immutable sandbox, as in transformers, with `{% generation %}` blocks,
`raise_exception`, plain `tojson`, bounded output, and every failure a `TemplateError` that says what went wrong.

    compiled = compile_template(source)                     # TemplateError on a syntax error
    text = run_template(template, messages, add_generation_prompt, marking, tools)

`marking` makes `{% generation %}` blocks wrap their output in markers (template_input.strip_marks finds them).
What is rendered and why: templates.py.
"""

from __future__ import annotations

import contextvars
import functools
import json
import re
import time
from datetime import datetime
from functools import lru_cache

import jinja2
import jinja2.ext
import jinja2.nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ftlib.template_input import MARK_END, MARK_START, TemplateError

# A rendered chat longer than this beyond 4x what its messages hold is refused: a template looping forever would
# otherwise eat the memory, and a 5 MB message (written once, or twice with its reasoning) must still render.
MAX_RENDER_CHARS = 2_000_000

# A render's loops may step this many times in all, for this long: a chat's loops step once per message or tool,
# while loops nested over `range` (each up to Jinja's 100,000) print nothing and would run for hours.
MAX_LOOP_STEPS = 1_000_000
MAX_RENDER_SECONDS = 10.0
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
    if budget.steps > MAX_LOOP_STEPS or (budget.steps % 1024 == 0 and time.monotonic() > budget.deadline):
        raise TemplateError(
            f"The template's loops ran more than {MAX_LOOP_STEPS:,} steps or {MAX_RENDER_SECONDS:g} seconds for one "
            "conversation; it is probably looping. Check its for-loops."
        )
    return ""


def _check_sizes(args, kwargs) -> None:
    """Refuse a number that asks for more text than a render may hold (a width, a count), before any is made."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_RENDER_CHARS:
            raise SecurityError(f"a size too large for a chat template ({value})")


def _check_format(fmt: str) -> None:
    """Refuse a format string whose width or precision asks for more text than a render may hold.

    >>> _check_format("%s: %5.2f {:>8}")
    >>> _check_format("%0300000000d")
    Traceback (most recent call last):
    jinja2.exceptions.SecurityError: a format width too large for a chat template (%0300000000)
    """
    for match in _FORMAT_SIZES.finditer(fmt):
        if any(group and int(group) > MAX_RENDER_CHARS for group in match.groups()):
            raise SecurityError(f"a format width too large for a chat template ({match.group(0)[:40]})")


def _guarded_filter(name, function):
    @functools.wraps(function)  # keeps Jinja's pass_context/pass_environment marks
    def guarded(*args, **kwargs):
        _check_sizes(args, kwargs)
        texts = [a for a in args if isinstance(a, str)]
        if name == "format" and texts:
            _check_format(texts[0])
        if name == "replace" and len(texts) >= 3:
            _check_replace(*texts[-3:])
        return function(*args, **kwargs)

    return guarded


def _render_limit() -> int:
    """The output cap of the render under way (it grows with the messages: a 5 MB answer still renders)."""
    budget = _BUDGET.get()
    return budget.limit if budget else MAX_RENDER_CHARS


def _check_replace(text: str, old: str, new: str) -> None:
    if old and len(new) > len(old) and len(text) + text.count(old) * (len(new) - len(old)) > _render_limit():
        raise SecurityError("a replace() too large for a chat template")


class _Sandbox(ImmutableSandboxedEnvironment):
    # Intercept repetition, powers, joins and %-formatting: `'a' * 10**10` would otherwise exhaust memory before any
    # check runs.
    intercepted_binops = frozenset({"*", "**", "+", "%"})

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
        if operator == "+" and isinstance(left, str | list) and isinstance(right, str | list):
            if len(left) + len(right) > _render_limit():
                raise SecurityError("a text too large for a chat template")
        if operator == "%" and isinstance(left, str):
            _check_format(left)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
        _check_sizes(args, kwargs)  # 'a'.ljust(10**9), '{:{w}}'.format(1, w=10**9)
        if getattr(__obj, "__name__", None) == "replace" and isinstance(getattr(__obj, "__self__", None), str):
            if len(args) >= 2 and all(isinstance(a, str) for a in args[:2]):
                _check_replace(__obj.__self__, args[0], args[1])
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value):
        fmt = super().wrap_str_format(value)
        if fmt is not None:
            _check_format(value.__self__)  # '{:>300000000}'.format(1)
        return fmt

    def _parse(self, source, name, filename):
        # Every for-loop body starts with a call that counts the step (_loop_step): the only place a template can
        # spin without writing anything, which the output cap would not see.
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(jinja2.nodes.For):
            tick = jinja2.nodes.Call(jinja2.nodes.Name(_TICK, "load"), [], [], None, None)
            loop.body.insert(0, jinja2.nodes.Output([tick]))
        return tree


def _raise_exception(message):
    raise _Refused(str(message))


def _tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    # Jinja's own tojson escapes HTML characters; chat templates expect plain JSON (as in transformers).
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


@lru_cache(maxsize=64)
def compile_template(source: str) -> jinja2.Template:
    """`source` compiled in the sandbox (Jinja's ImmutableSandboxedEnvironment, trim_blocks and lstrip_blocks, as
    transformers' `_compile_jinja_template`), the last 64 sources cached; TemplateError on a syntax error."""
    env = _Sandbox(trim_blocks=True, lstrip_blocks=True, extensions=[_GenerationTag, jinja2.ext.loopcontrols])
    env.filters["tojson"] = _tojson
    env.filters.update({name: _guarded_filter(name, f) for name, f in env.filters.items()})
    env.globals[_TICK] = _loop_step
    env.globals["raise_exception"] = _raise_exception
    env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    try:
        return env.from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            f"The template has a syntax error on line {exc.lineno}: {(exc.message or '').rstrip('.')}. Fix the Jinja "
            "text and try again."
        ) from None


def run_template(template, messages: list[dict], add_generation_prompt: bool, marking: bool, tools=None) -> str:
    """A ChatTemplate rendered with `messages`, `add_generation_prompt`, `tools` and its own `variables` (`marking`:
    `{% generation %}` blocks marked). TemplateError for output over MAX_RENDER_CHARS + 4x the input's JSON, and
    for every failure inside the template, saying what went wrong."""
    compiled = compile_template(template.source)
    variables = dict(template.variables)
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


__all__ = ["MAX_RENDER_CHARS", "compile_template", "run_template"]
