"""Names a user gives (an upload's file name, a dataset's or a run's name) made into one safe file or folder name:
no path parts, and no character a filesystem refuses or a shell trips on, in any script.

    safe_name("../my data (v2).jsonl")  -> 'my_data_v2.jsonl'
    safe_name("训练数据.csv.gz")          -> '训练数据.csv.gz'    (was 'file.csv.gz')
    safe_name("Данные.jsonl")            -> 'Данные.jsonl'      (was 'file.jsonl')

Letters and digits of every script are kept (`str.isalnum`, which knows Unicode), with the marks that belong to them
(Devanagari's vowel signs and virama), in Unicode's NFC form: a name typed on a Mac (NFD) and on Windows is one file.
A character whose letter is ASCII is folded to it as before (`Café` -> `Cafe`, a fullwidth `Ａ` -> `A`), so a Latin
name is named as it always was. Folded to `_` (a run of them to one): path separators, spaces, punctuation, Windows'
reserved characters (`<>:"|?*`), ASCII controls, symbols and emoji; left out: other control and format characters (a
zero-width joiner, a direction control); trimmed: dots and `_` at either end (a hidden file, `..`). Windows' reserved
device names (`CON`, `NUL`, `COM1`, ... whatever follows the dot) get a `_`. The suffix keeps ASCII only (it says how
a file is read), the name before it at most 100 bytes of UTF-8 (a file name may have 255, and an upload's stored name
adds a date and a tag).

Not known here: where names are used (workspace.py re-exports `safe_name`; run_create.py, export.py).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from ftlib.file_bytes import COMPRESSED_SUFFIXES

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")  # a suffix: ASCII only
# A character folded to `_`, marked first: a run of them is one `_`, as `_SAFE.sub` made it; a name's own `__` stays
_UNSAFE = "\0"
STEM_BYTES = 100  # of UTF-8: 100 ASCII letters, as before, 33 CJK ones
# Windows refuses these as a file's name whatever its suffix (`con.txt` too): Microsoft's "Naming Files, Paths, and
# Namespaces".
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"{d}{n}" for d in ("COM", "LPT") for n in "123456789")}


def _folded(c: str) -> str:
    """`c` as ASCII where its letter is (é -> e, ﬁ -> fi, a fullwidth Ａ or ． -> A or .: the name reads as it did
    before other scripts were kept), else `c`."""
    folded = "".join(d for d in unicodedata.normalize("NFKD", c) if not unicodedata.combining(d))
    return folded if folded and folded.isascii() else c


def _clean(stem: str) -> str:
    """`stem` (folded) with its letters and digits of any script and their marks (a vowel sign, kana's dakuten, but
    U+FE0F after an emoji is no letter's), control and format characters left out (a zero-width joiner, a direction
    control), and each run of other characters as one `_`."""
    out, last = [], " "  # the last character written
    for c in stem:
        category = unicodedata.category(c)[0]
        if c.isalnum() or c in "._-" or (category == "M" and (last.isalnum() or unicodedata.category(last)[0] == "M")):
            out.append(c)
        elif category not in "CM" or c.isascii():  # an ASCII control (a tab) as before: `_`
            out.append(_UNSAFE)
        last = out[-1] if out else last
    return re.sub(f"{_UNSAFE}+", "_", "".join(out))


def _cut(stem: str) -> str:
    """`stem` cut to STEM_BYTES bytes of UTF-8, whole characters only."""
    return stem.encode("utf-8")[:STEM_BYTES].decode("utf-8", "ignore")


def safe_name(name: str, default: str = "file") -> str:
    """A file or folder name with no path parts and only safe characters; `default` where none is left.

    >>> safe_name("../../etc/passwd"), safe_name("my data (v2).jsonl")
    ('passwd', 'my_data_v2.jsonl')
    >>> safe_name("Données été.jsonl"), safe_name("训练数据.csv.gz"), safe_name("Cafe\\u0301 عربي")
    ('Donnees_ete.jsonl', '训练数据.csv.gz', 'Cafe_عربي')
    >>> safe_name("हिंदी डेटा.jsonl"), safe_name("con.jsonl"), safe_name("🏴‍☠️.csv")
    ('हिंदी_डेटा.jsonl', 'con_.jsonl', 'file.csv')
    """
    base = "".join(map(_folded, unicodedata.normalize("NFC", Path(str(name).replace("\\", "/")).name)))
    stem, dot, suffix = base.rpartition(".")
    suffix = _SAFE.sub("", suffix)[:16]
    if not dot or not suffix:  # no suffix, or none of ASCII (`..隐藏`: a hidden name, no type): the whole is the name
        stem, suffix = base, ""
    inner, dot, kind = stem.rpartition(".")
    if dot and f".{suffix.lower()}" in COMPRESSED_SUFFIXES and _SAFE.sub("", kind):
        # `.csv.gz`: both suffixes say how it is read; a stem of CJK alone left `csv.gz`, read as no known type
        stem, suffix = inner, f"{_SAFE.sub('', kind)[:16]}.{suffix}"
    # The extension decides how a file is read, so it survives: truncate and clean the stem only.
    stem = _cut(_clean(stem).strip("._")) or default
    first, dot, rest = stem.partition(".")
    if first.upper() in _RESERVED:  # reserved whatever follows the first dot (`con.backup`): the `_` goes before it
        stem = f"{first}_{dot}{rest}"
    return f"{stem}.{suffix}" if suffix else stem


__all__ = ["safe_name"]
