"""A list or object that another tool wrote into a text cell as Python, not JSON: read it back safely.

    python_value("[{'role': 'user', 'content': 'Hi'}]")                     -> [{'role': 'user', 'content': 'Hi'}]
    python_value("[{'role': 'user', 'content': 'Hi'}\\n {'role': 'assistant', 'content': 'Yo'}]")   (numpy's print)
    python_value("print('hi')")                                              -> None (not a literal: never run)

pandas' `DataFrame.to_csv` writes a cell holding a list as `str(value)`: Python's repr, with single quotes, which
is not JSON. A DataFrame read from Parquet holds numpy object arrays instead, printed without commas between the
elements (`[{...}\\n {...}]`), with nested arrays as `array([...], dtype=object)`. `python_value` reads both with
`ast.literal_eval` (literals only: nothing in the cell is executed), after restoring the missing commas and
unwrapping `array(...)`; anything else, or a cell over `MAX_CHARS`, is None and stays text. Keys holding None are
left out of what is read (`drop_nulls`): a DataFrame read from Parquet gives every object of a column the keys any
of them has, with None where one never had it (a one-element array prints like a list, so this cannot be told from
the text), and for turns and tool schemas a None is no value anyway.

Whether a value is usable as turns or tool schemas (`looks_like_turns`, `looks_like_tools`) is decided here; where
such a cell is read, and the note that says so, is formats.py's.

Whether a cell holds only a sheet's placeholder (`N/A`, `NaN`, `#N/A`) or a formula is decided here too
(`cell_kind`): cell_checks.py names such cells of a file, turns.py a `messages` cell holding one.

Whether a cell's `\\n` (a backslash and an n) stand for line breaks an export escaped is decided here too
(`escaped_breaks`); table_records.py says so of a file.

Not known here: files (readers.py), fields and formats (formats.py).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from typing import Any

# A longer cell is not parsed as Python: ast.parse holds 40 (text) to 360 (numbers) bytes per character at its peak.
MAX_CHARS = 1 << 20
# Python's repr never puts a closing bracket right before an opening one; numpy's print of an array does.
_NO_COMMA = re.compile(r"[}\])]\s+(?:[{\[]|array\()")
_FAILURES = (ValueError, TypeError, SyntaxError, MemoryError, RecursionError, tokenize.TokenError)


# Answers of only these (compared lower-cased, spaces around dropped) stand for "nothing here yet": a sheet's
# placeholders and its error values (#N/A, #VALUE!), which an export writes as text.
PLACEHOLDERS = frozenset(
    (
        "n/a", "na", "n.a.", "tbd", "tba", "todo", "none", "null", "nil", "nan", "undefined", "-", "--", "?",
        "#n/a", "#value!", "#ref!", "#name?", "#div/0!", "#null!", "#num!", "#spill!", "#calc!", "#error!",
    )
)  # fmt: skip
# Empty-looking: dashes, dots, underscores, quotes and question marks only ("—", "...", '""', "___").
_EMPTY_LOOKING = re.compile(r"^[\s\-\u2013\u2014_.?*\"'`]+$")
# A formula: "=" then a function name, a cell, a bracket or a sign ("=SUM(A1:A3)", "=A1+1", "=-B2"); not "==" or
# "= 5" (a heading's underline, a sum written out).
_FORMULA = re.compile(r"^=[A-Za-z_$(+\-]")


def cell_kind(value: Any) -> str | None:
    """'placeholder', 'formula' or None for a cell's value (text only; a number or an empty cell is None).

    >>> [cell_kind(v) for v in ("N/A", " tbd ", "#VALUE!", "—", '=HYPERLINK("http://x","click")', "Eight.", "", 3)]
    ['placeholder', 'placeholder', 'placeholder', 'placeholder', 'formula', None, None, None]
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.lower() in PLACEHOLDERS or _EMPTY_LOOKING.match(text):
        return "placeholder"
    return "formula" if _FORMULA.match(text) else None


def looks_written_as_list(value: Any) -> bool:
    """Whether `value` is text starting (after whitespace) with `[` or `{`: a list or object written into a cell, worth
    reading with `python_value`. Only the first character is looked at.

    >>> looks_written_as_list("  [{'role': 'user'}]"), looks_written_as_list("Hi [there]"), looks_written_as_list([])
    (True, False, False)
    """
    return isinstance(value, str) and value.lstrip().startswith(("[", "{"))


def _restore_commas(text: str) -> str:
    """`text` with a comma between a closing and an opening bracket that only whitespace separates (numpy's print
    of an object array); brackets inside quoted strings are left alone (the text is read as Python tokens).

    >>> _restore_commas("[{'a': '} {'}\\n {'b': 2}]")
    "[{'a': '} {'},\\n {'b': 2}]"
    """
    starts = [0]
    for line in text.split("\n")[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    skip = {tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    cuts, before = [], None
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type in skip:
            continue
        if before is not None and before.string in ("}", "]", ")") and token.string in ("{", "[", "array"):
            row, col = before.end
            cuts.append(starts[row - 1] + col)
        before = token
    for cut in reversed(cuts):
        text = text[:cut] + "," + text[cut:]
    return text


def drop_nulls(value: Any, dropped: set[str]) -> Any:
    """`value` with every key that holds None left out of its objects, at any depth; the keys' names go in
    `dropped`.

    >>> drop_nulls([{"city": "Oslo", "tz": None, "more": {"n": None}}], dropped := set()), sorted(dropped)
    ([{'city': 'Oslo', 'more': {}}], ['n', 'tz'])
    """
    if isinstance(value, list):
        return [drop_nulls(v, dropped) for v in value]
    if not isinstance(value, dict):
        return value
    dropped.update(str(k) for k, v in value.items() if v is None)
    return {k: drop_nulls(v, dropped) for k, v in value.items() if v is not None}


class _Unwrap(ast.NodeTransformer):
    """numpy's `array([...], dtype=object)` -> its list; `nan` (a missing value in pandas) -> None."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        func = node.func
        named = isinstance(func, ast.Name) and func.id == "array"
        if not named or len(node.args) != 1 or any(k.arg != "dtype" for k in node.keywords):
            return node  # literal_eval refuses it
        return self.visit(node.args[0])

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.Constant(None) if node.id == "nan" else node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if node.value is Ellipsis:  # numpy shortens a print of over 1000 elements with "...": the rest is lost
            raise ValueError("a shortened print")
        return node


def python_value(text: str) -> list | dict | None:
    """The list or dict a cell's Python-written text holds (see the module docstring), or None when it holds none.

    >>> python_value("[{'role': 'user', 'content': \\"It's\\"}]")
    [{'role': 'user', 'content': "It's"}]
    >>> python_value("[{'from': 'human', 'x': None}\\n {'from': 'gpt', 'x': array(['a'], dtype=object)}]")
    [{'from': 'human'}, {'from': 'gpt', 'x': ['a']}]
    >>> [python_value(t) for t in ("[1, 2", "__import__('os')", "[print('x')]", "{1, 2}")]
    [None, None, None, None]
    """
    if not looks_written_as_list(text) or len(text) > MAX_CHARS:
        return None
    text = text.strip()
    try:
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError:
            if not _NO_COMMA.search(text):
                return None
            tree = ast.parse(_restore_commas(text), mode="eval")
        value = ast.literal_eval(_Unwrap().visit(tree).body)
    except _FAILURES:
        return None
    return drop_nulls(value, set()) if isinstance(value, (list, dict)) else None


# Code's string literals and inline code: a `\n` inside one is the code's, not a line break. A quote opens a span
# where no letter or digit is right before it (`print('a\nb')`), so an apostrophe between letters (`don't`) opens none.
_QUOTED = re.compile(r"""(?<![^\W_])(["'`])(?:\\.|(?!\1).)*?\1""", re.S)
# A LaTeX command that starts with \n (`\neq`, `\nabla`): not a line break.
_LATEX_N = re.compile(r"\\n(?:e|eq|eg|u|abla|ot|ewline|oindent|mid|exists|leq|geq|subseteq|supseteq|parallel)\b")
# A backslash before anything but n, r, t or the other escapes JSON writes in text, a quote's `\"`, `\/` and a
# `\u00e9` (a path's `\data`, a regex's `\d`, an escaped `\\`), or a drive (`C:\`)
_NOT_ESCAPES = re.compile(r"\\[^nrt\"/u]|\\u(?![0-9A-Fa-f]{4})|\\$|\b[A-Za-z]:\\")


def escaped_breaks(value: Any) -> int:
    """How many of a text cell's `\\n` (the two characters) stand for line breaks an export escaped: 0 where they
    are most likely something else. The rule: a cell with a real line break, or one of JSON or a list (`[`, `{`:
    JSON's `\\n` is a line break), counts none; so does one with any other backslash (`C:\\new\\data`'s `\\d`, a
    regex's `\\d+`, an escaped `\\\\`: an export that escaped its line breaks writes `\\n`, `\\r` and `\\t`, and
    where it escaped them as JSON does its quotes' `\\"`, `\\/` and `\\u00e9` too) or a drive (`C:\\new`). Of the
    rest, a `\\n` inside quotes or backticks (a string in one line of code, `print('a\\nb')`; inline code) or
    starting a LaTeX command (`\\neq`, `\\nabla`) is not counted. One counted `\\n` alone can still be a folder's
    name (`notes\\new`): whether a file's cells say enough is the caller's (table_records.escaped_line_breaks wants
    two in the file).

    >>> said = ("Nile\\\\nAmazon", "One\\\\nTwo\\\\nThree", "one\\\\ntwo\\nthree", '[{"a": "x\\\\ny"}]')
    >>> [escaped_breaks(v) for v in said]
    [1, 2, 0, 0]
    >>> code = ("C:\\\\new\\\\data", "C:\\\\new", "print('a\\\\nb')", "`s.split('\\\\n')`", "a \\\\neq b")
    >>> [escaped_breaks(v) for v in code]
    [0, 0, 0, 0, 0]
    >>> escaped_breaks("Don't stop.\\\\nIt's late.\\\\r\\\\nGo.")  # apostrophes open no quote
    2
    >>> escaped_breaks('He said \\\\"yes\\\\".\\\\nThen he left.')  # escaped as JSON: the quotes too
    1
    """
    if not isinstance(value, str) or "\\n" not in value or "\n" in value or value.lstrip()[:1] in ("[", "{"):
        return 0
    if _NOT_ESCAPES.search(value):
        return 0
    return _LATEX_N.sub("", _QUOTED.sub("", value)).count("\\n")


def _turn_like(item: Any) -> bool:
    return isinstance(item, dict) and bool({"role", "from"} & set(item))


def looks_like_turns(value: Any) -> bool:
    """A turn object, or a list of objects at least one of which has a `role` or `from` (the others are then refused
    by name, not read as text); anything else, e.g. a completion that is itself a JSON list, is not turns.

    >>> [looks_like_turns(v) for v in ([{"role": "user", "content": "Hi"}], {"from": "gpt"}, [1, 2], [{"a": 1}])]
    [True, True, False, False]
    """
    if isinstance(value, dict):
        return _turn_like(value)
    return isinstance(value, list) and all(isinstance(t, dict) for t in value) and any(map(_turn_like, value))


def looks_like_tools(value: Any) -> bool:
    """A list of objects (tool schemas), or one."""
    items = [value] if isinstance(value, dict) else value
    return isinstance(items, list) and bool(items) and all(isinstance(t, dict) for t in items)


def looks_like_pairs(value: Any) -> bool:
    """A list of two-element lists (Alpaca's `history`)."""
    return isinstance(value, list) and all(isinstance(p, (list, tuple)) and len(p) == 2 for p in value)


__all__ = [
    "MAX_CHARS",
    "PLACEHOLDERS",
    "cell_kind",
    "drop_nulls",
    "escaped_breaks",
    "looks_like_pairs",
    "looks_like_tools",
    "looks_like_turns",
    "looks_written_as_list",
    "python_value",
]
