"""The sandbox chat templates run in: Jinja's immutable sandbox, as in transformers, with `{% generation %}` blocks,
`raise_exception`, plain `tojson`, bounded output, and every failure a `TemplateError` that says what went wrong.

    compiled = compile_template(source)                     # TemplateError on a syntax error
    text = run_template(template, messages, add_generation_prompt, marking, tools)

`marking` makes `{% generation %}` blocks wrap their output in markers (template_input.strip_marks finds them).
What is rendered and why: templates.py.
"""

from __future__ import annotations

import contextvars
import json
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
def compile_template(source: str) -> jinja2.Template:
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


def run_template(template, messages: list[dict], add_generation_prompt: bool, marking: bool, tools=None) -> str:
    compiled = compile_template(template.source)
    variables = dict(template.variables)
    token = _MARKING.set(marking)
    limit = MAX_RENDER_CHARS + 4 * len(json.dumps([messages, tools], ensure_ascii=False, default=str))
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


__all__ = ["MAX_RENDER_CHARS", "compile_template", "run_template"]
