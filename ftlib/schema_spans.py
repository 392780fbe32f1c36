"""Where a row's tool schemas stand in its rendered text: each tool's JSON as the chat template wrote it.

    spans = schema_spans(text, tools, rendered.tools, taken)   # one (start, end) or None per tool

A template writes the row's `tools` itself (the built-in hermes one each as `tool | tojson` inside `<tools>`,
llama31's as `tojson(indent=4)`, a model's own as it likes), so those characters are the row's own data, not the
template's scaffolding: masks.py names them so (masked: the model reads them, it does not learn to write them).

Found, never guessed: `templates.render_spans` marks where each tool's function name landed; the tool's JSON in one
of the forms templates write it (`json.dumps` as Jinja's `tojson` does, indented by 2 or 4 or not, compact or not,
with keys sorted or not, the whole tool or its `function`; Python's `str` for a template that prints the dict) must
stand there, around that very name, and touch no located part of a message. A template that writes a schema by hand
(its description as "Args:" lines) matches no form: that tool has no span, and its characters stay the template's
text. Not known here: what a segment is (masks.py).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator

Span = tuple[int, int]


# How `tojson` may be called (indent, separators, ensure_ascii, sort_keys), the most common first: transformers'
# plain `tojson` (Qwen, hermes), `tojson(indent=4)` (Llama 3.1), indent 2, then compact or ASCII-escaped or sorted.
_SETTINGS = sorted(
    itertools.product((None, 4, 2), (None, (",", ":")), (False, True), (False, True)),
    key=lambda s: (s[1] is not None, s[2], s[3]),
)


def schema_spans(text: str, tools, names: list[Span | None], taken: list[Span]) -> list[Span | None]:
    """For each of `tools` (the row's schemas, plain JSON data), the characters of `text` its JSON fills, or None
    where it was not found whole around `names[k]` (where its function name landed; None: not located) or
    overlaps one of `taken` (the spans of the messages' parts). Cost: the forms are made one at a time until one
    fits (the first, for the built-ins), each compared where it would stand, never searched for in the text."""
    out: list[Span | None] = []
    for tool, name in zip(tools or (), names, strict=False):
        found = None
        # In every form the name is quoted: a name written bare ("get_tide: High tide...") is a schema by hand
        if isinstance(tool, dict) and name is not None and text[name[0] - 1 : name[0]] in ('"', "'"):
            try:
                found = _around(text, _written(tool), name)
            except (TypeError, ValueError):  # not JSON data (render_spans wrote it as plain data): not found
                found = None
        if found is not None and any(s < found[1] and found[0] < e for s, e in taken):
            found = None  # a schema inside a message's text is that message's (never both)
        out.append(found)
    return out


def _around(text: str, forms: Iterator[tuple[str, list[int]]], name: Span) -> Span | None:
    """The first of `forms` that stands in `text` with one of its name's places (offsets in the form) at `name`."""
    for form, places in forms:
        for at in places:
            start = name[0] - at
            if start >= 0 and text.startswith(form, start) and start + len(form) >= name[1]:
                return start, start + len(form)
    return None


def _written(tool: dict) -> Iterator[tuple[str, list[int]]]:
    """The texts a template may write for `tool`, lazily, each with the offsets in it where the function's name
    could begin: the tool as JSON (`_SETTINGS`), then its `function` alone, then either as Python prints a dict."""
    fn = tool.get("function")
    name = fn.get("name") if isinstance(fn, dict) else tool.get("name")
    if not isinstance(name, str) or not name:
        return
    objects, seen = (tool, fn) if isinstance(fn, dict) else (tool,), set()
    for obj in objects:
        for indent, separators, ascii_, sort in _SETTINGS:
            form = json.dumps(obj, ensure_ascii=ascii_, indent=indent, separators=separators, sort_keys=sort)
            if form not in seen:
                seen.add(form)
                yield form, _places(form, json.dumps(name, ensure_ascii=ascii_)[1:-1])
    for obj in objects:  # `{{ tool }}`: Python's repr of the dict
        yield str(obj), _places(str(obj), name)


def _places(form: str, name: str) -> list[int]:
    places, at = [], form.find(name)
    while at >= 0:
        places.append(at)
        at = form.find(name, at + 1)
    return places


__all__ = ["schema_spans"]
