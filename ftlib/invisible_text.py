"""Characters in a row's turns that nobody sees but the tokenizer reads, named once per file and kind: Unicode's line
and paragraph separators (U+2028, U+2029) and zero-width characters (U+200B, U+2060, U+FEFF, a U+200D joiner after
plain ASCII). A viewer draws a separator as a line break and the others as nothing, while the tokenizer reads each as
a character of its own and a chat template does not break lines on them: the model learns to write them, and its
odd output has no visible cause (data.load_bytes adds the notices to the file's notices).

    invisible_characters(rows, numbers, file_type="jsonl")
    -> [FieldNotice("2 rows of 40 hold Unicode line separators (U+2028 in 2 rows) in their text (lines 3, 9): ...")]

One row's turns are checked too, where the Tokens page shows the row and a run's pre-launch report counts the rows
(`in_turns`, worded by message_checks.invisible_character_checks).

A zero-width joiner (U+200D) that follows a character other than ASCII is left alone: emoji sequences (👨‍👩‍👧, a
family, is three emoji joined by two of them) and Indic and Arabic scripts need it. U+200C (zero-width non-joiner)
is Persian's and Indic scripts' and not named. The rows are not changed: which replacement is meant is the user's
choice. Not known here: control characters and direction controls (rows.control_character_warnings, per row); the
load (data.py).
"""

from __future__ import annotations

import re

from ftlib.blank_values import ROWS_NAMED, row_noun
from ftlib.errors import plural
from ftlib.notices import FieldNotice
from ftlib.rows import strings_in
from ftlib.split_lines import rows_said

# U+200D counts only after an ASCII character or at the start of a text: after an emoji, a skin tone, U+FE0F or an
# Indic letter it joins them as the script means.
_FOUND = re.compile("[\u2028\u2029\u200b\u2060\ufeff]|(?:^|(?<=[\x00-\x7f]))\u200d")
_ANY = re.compile("[\u2028\u2029\u200b\u2060\ufeff\u200d]")  # any of them, wherever: a quick test before _FOUND
_NAMES = {
    "\u2028": "U+2028 line separator",
    "\u2029": "U+2029 paragraph separator",
    "\u200b": "U+200B zero-width space",
    "\u2060": "U+2060 word joiner",
    "\ufeff": "U+FEFF zero-width no-break space (a byte order mark inside the text)",
    "\u200d": "U+200D zero-width joiner between plain letters",
}
# (the code of its check on one row, the kind in words, its characters, what it does, the fix)
_KINDS = (
    (
        "line_separator_in_text",
        "Unicode line or paragraph separators",
        "\u2028\u2029",
        "they look like line breaks, but the tokenizer reads them as characters of their own and a chat template does "
        "not break lines on them, so the model learns to write them where a line break belongs",
        'Replace U+2028 with "\\n" and U+2029 with "\\n\\n" in the file (Python: '
        '`text.replace("\\u2028", "\\n").replace("\\u2029", "\\n\\n")`).',
    ),
    (
        "zero_width_in_text",
        "zero-width characters",
        "\u200b\u2060\ufeff\u200d",
        "nothing shows them, but the tokenizer reads each as a token of its own, so the model learns to write them "
        "where they were and its output holds characters no one can see",
        "Remove them from the file (Python: `re.sub('[\\u200b\\u2060\\ufeff]', '', text)`, and a U+200D between "
        "plain letters). A zero-width joiner inside an emoji (\U0001f468\u200d\U0001f469\u200d\U0001f467) or a word "
        "of an Indic or Arabic script is part of it and is not counted.",
    ),
)
_TURN_FIELDS = ("messages", "prompt", "chosen", "rejected", "completion", "text")  # not `tools`, not `columns`


def found_in(text: str) -> set[str]:
    """The characters of `_NAMES` that `text` holds where they are invisible junk.

    >>> sorted(found_in("a\\u2028b\\u200bc")), found_in("👨\\u200d👩\\u200d👧 and \\u0928\\u094d\\u200d")
    (['\\u200b', '\\u2028'], set())
    >>> found_in("ab\\u200dc")
    {'\\u200d'}
    """
    return set(_FOUND.findall(text))


def in_turns(texts: list[str]) -> list[tuple[str, str, dict[int, list[str]], str, str]]:
    """For one row's texts (its turns' contents, by index): per kind found, (its check's code, the kind in words,
    {index: the characters' names}, what it does, the fix); [] when none holds any (message_checks words the check).

    >>> [(code, at) for code, _, at, _, _ in in_turns(["Hi", "One\u2028two"])]
    [('line_separator_in_text', {1: ['U+2028 line separator']})]
    """
    held = [found_in(t) for t in texts]
    out = []
    for code, what, chars, effect, fix in _KINDS:
        at = {i: [_NAMES[c] for c in chars if c in found] for i, found in enumerate(held) if found & set(chars)}
        if at:
            out.append((code, what, at, effect, fix))
    return out


def invisible_characters(rows: list[dict], numbers: list[int], file_type: str, keys=()) -> list[FieldNotice]:
    """One warning per kind (`_KINDS`) for the canonical `rows` (row numbers `numbers`) whose turns hold it: how
    many rows, which characters in how many, the first rows, what it does and the fix; [] when no row does.
    `file_type` as `LoadResult.file_type` ("line 4" of a .jsonl file); `keys` as `LoadResult.from_keys` (a .json
    file's keys, each row's said too).

    >>> rows = [{"text": "One\\u2028two"}, {"text": "Fine."}, {"text": "Three\\u2028four\\u2029"}]
    >>> invisible_characters(rows, [1, 2, 3], "jsonl")[0].message.split(":")[0]
    '2 rows of 3 hold Unicode line or paragraph separators in their text (U+2028 line separator in 2 rows, U+2029 \
paragraph separator in 1 row; lines 1, 3)'
    """
    at: dict[str, list[int]] = {}  # a character: the rows holding it
    for row, number in zip(rows, numbers, strict=True):
        # One text per row, its strings joined by a line break: ASCII, so a joiner starting a string still counts.
        text = "\n".join(t for key in _TURN_FIELDS for t in strings_in(row.get(key)))
        for char in found_in(text) if _ANY.search(text) else ():  # most rows hold none: 100k rows 1.41 -> 0.38 s
            at.setdefault(char, []).append(number)
    out = []
    for _, what, chars, effect, fix in _KINDS:
        if not (kinds := [c for c in chars if c in at]):
            continue
        which = sorted({n for c in kinds for n in at[c]})
        each = ", ".join(f"{_NAMES[c]} in {plural(len(at[c]), 'row')}" for c in kinds)
        out.append(
            FieldNotice(
                f"{plural(len(which), 'row')} of {len(rows)} {'holds' if len(which) == 1 else 'hold'} {what} in "
                f"{'its' if len(which) == 1 else 'their'} text ({each}; "
                f"{rows_said(row_noun(file_type), which, keys, ROWS_NAMED)}): {effect}. {fix}",
                rows=len(which),
            )
        )
    return out


__all__ = ["found_in", "in_turns", "invisible_characters"]
