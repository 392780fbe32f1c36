"""How many columns of a terminal a text takes, for the CLI's plain-text tables that print names (`runs list`,
`data files`, `runs compare`): a name of CJK characters or emoji took two columns a character while the tables padded
it by its length, so every column after it shifted.

    pad("价格表", 8) + "|"     # '价格表  |': 6 columns of text, 2 of padding
    fit("价格表价格表", 8)      # '价格表…': cut with an ellipsis to fit 8 columns (7 here: no half a character)

The rule, simple and right for common terminals: a wide or full-width character (`unicodedata.east_asian_width` W or
F, which most emoji are) takes 2; a combining mark, a zero-width or format character (the zero-width joiner, a
variation selector), an emoji skin-tone modifier after a symbol (the emoji it colours: 👍🏽) and a character joined to
the one before it by a zero-width joiner (👩‍💻, which terminals draw as one emoji) take 0; any other character 1. A
skin-tone modifier with no emoji before it (a token of its own in `tokens`' table, `"🏽"`) takes 2: terminals draw its
swatch. A narrow symbol made an emoji by U+FE0F (❤️) is counted 1, as many terminals draw it; a flag (two regional
indicators) 2. The CLI's one rule: `tokens`' table pads and cuts its text column by it too.
"""

from __future__ import annotations

import unicodedata

_ZWJ = "\u200d"
_SKIN_TONES = range(0x1F3FB, 0x1F400)


def _widths(text: str) -> list[int]:
    """Each character's columns, as the module's rule says."""
    out, joined, symbol = [], False, False
    for c in text:
        if (
            joined
            or unicodedata.combining(c)
            or unicodedata.category(c) in ("Mn", "Me", "Cf")
            or (ord(c) in _SKIN_TONES and symbol)
        ):
            out.append(0)
        else:
            out.append(2 if unicodedata.east_asian_width(c) in "WF" else 1)
        joined, symbol = c == _ZWJ, unicodedata.category(c) == "So"
    return out


def width(text: str) -> int:
    """The columns `text` takes on a terminal (one line).

    >>> width("bob"), width("价格"), width("👍🏽 ok"), width("👩‍💻"), width("é"), width("e\u0301"), width('"🏽"')
    (3, 4, 5, 2, 1, 1, 4)
    """
    return sum(_widths(text))


def fit(text: str, cells: int) -> str:
    """`text` as it is where it takes at most `cells` columns, else cut at a character with "…" to take at most
    `cells` (a joined emoji or a mark stays with its character or goes with it).

    >>> fit("bob quick test", 8), fit("价格表价格表", 8), fit("价格", 4), fit("ab👩‍💻cd", 4)
    ('bob qui…', '价格表…', '价格', 'ab…')
    """
    widths = _widths(text)
    if sum(widths) <= cells:
        return text
    used, end = 0, 0
    for i, w in enumerate(widths):
        if w and used + w > cells - 1:
            break
        used, end = used + w, i + 1
    while end and text[end - 1] == _ZWJ:  # not a joiner left dangling before the ellipsis
        end -= 1
    return text[:end] + "…"


def pad(text: str, cells: int) -> str:
    """`text` with spaces after it to take `cells` columns (as f"{text:<{cells}}" does for a text of narrow
    characters); as it is where it takes more.

    >>> pad("价格", 6) + "|", pad("ab", 4) + "|"
    ('价格  |', 'ab  |')
    """
    return text + " " * max(0, cells - width(text))


__all__ = ["fit", "pad", "width"]
