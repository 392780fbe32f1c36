"""Bounds on what GRPO's Rewards box may ask of the server, checked before anything is expanded or compiled:

    read_yaml("- regex: ^Ahoy")               # [{'regex': '^Ahoy'}]; AliasRefused for &anchors and *aliases
    repeat_problem("(?:(?:a{1000}){1000}){100}")   # "... 100,000,000 copies ...": refused before `regex` compiles it
    path_problem("a." * 300 + "a")           # "... 601 characters in 301 parts ...": a column path is short
    shown({"length": {"target": 50}})        # a value quoted in a refusal, cut to about 100 characters

A YAML alias repeats a whole subtree where it is written: ten levels of ten aliases, 400 characters typed, read as
580 million (a security review). The `regex` package, which scores regex rewards (pattern_search.py), writes out every
copy of a counted repeat when it compiles a pattern, about 270 bytes a copy: (?:(?:a{1000}){1000}){100} is 27 GB,
while Python's `re`, which checks the pattern, compiles it instantly. Not known here: the rewards' other checks
(methods.py), how they score (rewards.py).
"""

from __future__ import annotations

import functools
import re
import reprlib
from re import _parser as sre_parse  # Python's own parser of `re` syntax: a pattern as a tree, nothing expanded

MAX_REPEAT_UNITS = 10_000  # copies the `regex` package may write out for one pattern: ~3 MB
MAX_PATH_CHARS = 200  # a `contains_column` path: a column's name, or a few fields deep
MAX_PATH_PARTS = 16
# The reward kinds whose value names a prompt row's column (a dotted path into an object column): `contains_column`
# looks for its value anywhere in an answer, `final_answer` compares the answer's final answer with it.
COLUMN_KINDS = ("contains_column", "final_answer")

_REPEATS = {sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, getattr(sre_parse, "POSSESSIVE_REPEAT", None)} - {None}


class _Shown(reprlib.Repr):
    """reprlib's bounded repr, with a mapping's keys in their own order (reprlib sorts them)."""

    def repr_dict(self, x, level):
        if not x:
            return "{}"
        if level <= 0:
            return "{...}"
        items = [f"{self.repr1(k, level - 1)}: {self.repr1(v, level - 1)}" for k, v in list(x.items())[: self.maxdict]]
        return "{" + ", ".join(items) + (", ...}" if len(x) > self.maxdict else "}")


_SHOWN = _Shown()
_SHOWN.maxlevel, _SHOWN.maxdict, _SHOWN.maxlist, _SHOWN.maxtuple = 3, 6, 6, 6
_SHOWN.maxstring, _SHOWN.maxother, _SHOWN.maxlong = 80, 80, 40


def shown(value, width: int = 100) -> str:
    """`value` as repr writes it, cut to about `width` characters: how a refusal quotes what was typed, however large
    it is (reprlib writes a few items of each list and mapping, three levels deep, so no more is ever written).

    >>> shown({"length": {"target": 50}}), shown("x" * 1000)[:12], len(shown("x" * 1000)) < 100
    ("{'length': {'target': 50}}", "'xxxxxxxxxxx", True)
    >>> shown([[[[1]]]])
    '[[[[...]]]]'
    """
    said = _SHOWN.repr(value)
    return said if len(said) <= width else said[: width - 3] + "..."


class AliasRefused(ValueError):
    """Rewards typed as YAML with an anchor (&name) or an alias (*name)."""


class ColonWithoutSpace(ValueError):
    """Rewards typed as YAML with a key such as `final_answer:answer`: no space after the colon."""


def read_yaml(text: str):
    """`text` read as YAML (JSON too), refusing anchors and aliases (AliasRefused) before any is expanded: an alias
    repeats a subtree, and aliases of aliases multiply it (an alias bomb); and an item's key such as
    `final_answer:answer` with no value (ColonWithoutSpace). Other errors are PyYAML's own.

    >>> read_yaml('[{"regex": "^A"}, {not_repeating: {}}]')
    [{'regex': '^A'}, {'not_repeating': {}}]
    >>> read_yaml("a: &x [1]\\nb: *x")
    Traceback (most recent call last):
    ...
    ftlib.reward_config.AliasRefused: a YAML anchor (&x)
    >>> read_yaml("[{final_answer:answer}]")
    Traceback (most recent call last):
    ...
    ftlib.reward_config.ColonWithoutSpace: `final_answer:answer` is read as one key with no value: write a space ...
    """
    import yaml

    class NoAliasLoader(yaml.SafeLoader):
        def compose_node(self, parent, index):
            event = self.peek_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                what = "a YAML alias (*" if isinstance(event, yaml.AliasEvent) else "a YAML anchor (&"
                raise AliasRefused(f"{what}{str(event.anchor)[:40]})")
            return super().compose_node(parent, index)

    loader = NoAliasLoader(text)
    try:
        data = loader.get_single_data()
    finally:
        loader.dispose()
    for item in data if isinstance(data, list) else [data]:
        # `{final_answer:answer}`: YAML reads a colon with no space after it as part of the word, so the reward is
        # one key `final_answer:answer` with no value (no reward's name has a colon: this is never a real one).
        for key, value in item.items() if isinstance(item, dict) else ():
            if value is None and isinstance(key, str) and (two := re.fullmatch(r"([A-Za-z_]\w*):(\S.*)", key)):
                raise ColonWithoutSpace(
                    f"`{key}` is read as one key with no value: write a space after the colon: "
                    f"{{{two.group(1)}: {two.group(2)}}}"
                )
    return data


def _units(items, limit: int) -> int:
    """The copies of pattern items `regex` may write out for a parsed (sub)pattern: 1 an item, a counted repeat its
    count (the upper bound where there is one, else the lower) times its inside; stops counting past `limit`."""
    total = 0
    for op, av in items:
        if op in _REPEATS:
            low, high, inside = av
            count = low if high == sre_parse.MAXREPEAT else high
            total += max(count, 1) * _units(inside, limit)
        else:  # a group, a branch or a lookaround counts what is inside it; anything else is one item
            inner = _inner(av)
            total += sum(_units(sub, limit) for sub in inner) if inner else 1
        if total > limit:
            return total
    return total


def _inner(av) -> list:
    """The subpatterns inside an item's arguments (a group's, a branch's, a lookaround's, a conditional's)."""
    if isinstance(av, sre_parse.SubPattern):
        return [av]
    if isinstance(av, tuple | list):
        return [sub for a in av for sub in _inner(a)]
    return []


@functools.lru_cache(maxsize=256)
def repeat_units(pattern: str) -> int:
    """How many copies of its items the `regex` package may write out when it compiles `pattern` (`re` syntax),
    counted on `re`'s parse (nothing expanded); re.error for a pattern `re` cannot read (or nests too deep).

    >>> repeat_units("^Ahoy"), repeat_units("(?:a{100}){100}"), repeat_units("(?:a+|b*)+"), repeat_units("a{3,}")
    (5, 10000, 2, 3)
    """
    try:
        return _units(sre_parse.parse(pattern), MAX_REPEAT_UNITS)
    except RecursionError:
        raise re.error("its groups nest too deeply") from None


def repeat_problem(pattern: str) -> str | None:
    """Why a regex reward's counted repeats are refused, with what to write instead; None when they are small.
    re.error for a pattern `re` cannot read.

    >>> repeat_problem("^(?:ab){1,3}!$") is None
    True
    >>> print(repeat_problem("(?:(?:a{1000}){1000}){100}"))
    '(?:(?:a{1000}){1000}){100}' repeats counted repeats inside each other into over 10,000 copies: the regex engine \
writes out every copy when it compiles a pattern, (a{100}){100} is 10,000. Use an open repeat (a+, .*, (ab)+) or \
smaller counts.
    """
    if repeat_units(pattern) <= MAX_REPEAT_UNITS:
        return None
    return (
        f"{shown(pattern)} repeats counted repeats inside each other into over {MAX_REPEAT_UNITS:,} copies: the regex "
        "engine writes out every copy when it compiles a pattern, (a{100}){100} is 10,000. Use an open repeat (a+, "
        ".*, (ab)+) or smaller counts."
    )


def path_problem(path: str, kind: str = "contains_column") -> str | None:
    """Why a column path (`kind`'s, one of COLUMN_KINDS) is refused as too long (each part is looked for in every
    prompt row before launch); None for a column's name or a path a few fields deep.

    >>> path_problem("reward_model.ground_truth") is None, path_problem("a." * 20 + "a")[:46]
    (True, '`contains_column` names a path of 21 parts (41')
    """
    parts = path.count(".") + 1
    if len(path) <= MAX_PATH_CHARS and parts <= MAX_PATH_PARTS:
        return None
    return (
        f"`{kind}` names a path of {parts:,} parts ({len(path):,} characters), {shown(path)}: a column's "
        f"name or a field inside it takes at most {MAX_PATH_CHARS} characters and {MAX_PATH_PARTS} parts. Name the "
        f'column, or the field that holds the answer, e.g. {{"{kind}": "reward_model.ground_truth"}}.'
    )


__all__ = [
    "COLUMN_KINDS",
    "MAX_PATH_CHARS",
    "MAX_PATH_PARTS",
    "MAX_REPEAT_UNITS",
    "AliasRefused",
    "ColonWithoutSpace",
    "path_problem",
    "read_yaml",
    "repeat_problem",
    "repeat_units",
    "shown",
]
