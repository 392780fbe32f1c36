"""A data file's lines one at a time, never a second whole copy of the file beside it.

    lines = jsonl_lines(data, "chats.jsonl", whole)   # a JSONL file's lines decoded one by one, or None: read whole
    for line in physical_lines(text): ...             # a CSV text's lines as open(newline="") reads them
    for line in table_lines(data, "faq.csv"): ...     # ... decoded from a CSV file's bytes one by one

Reading a JSONL file held its bytes, its decoded text and its parsed rows at once (BENCHMARKS, "Reading a big file,
as the Data page does"); decoded a line at a time, no text of the whole file is made, and one character beyond
Latin-1 (an emoji) no longer makes every character of it 2 or 4 bytes wide. A CSV file was read through
`io.StringIO(text)`, which holds the text again as 4 bytes a character (CPython's UCS-4 buffer), and then beside its
bytes as its decoded text: its lines are now decoded from the bytes one at a time too (`table_lines`). The lines are
the same as before, so every row, warning and line number is too; refusals are `decode_text`'s own.
Not known here: what the lines hold (readers.py).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator
from itertools import chain

from ftlib.file_bytes import check_text, decode_text

_BOM = codecs.BOM_UTF8
_WHITESPACE = " \t\r"  # JSON's, but the line break a line has none of


def decoded_lines(data: bytes, name: str, ends: bool = False) -> Iterator[str]:
    """The lines of UTF-8 `data` as `decode_text(data, name).split("\\n")` lists them (the file's BOM dropped, and one
    at the start of any other line; a last "" after a final newline), each decoded when it is reached; with `ends`,
    each but the last keeps its "\\n" (`str.splitlines(keepends=True)` split on "\\n" alone). A line UTF-8 cannot
    read raises `decode_text`'s DataError for the whole file (saying where); `check_text` is the caller's."""
    bom = len(_BOM) if data.startswith(_BOM) else 0
    view, start, find, keep = memoryview(data), bom, data.find, 1 if ends else 0
    while True:
        end = find(b"\n", start)
        stop = end + keep if end >= 0 else len(data)
        try:
            line = str(view[start:stop], "utf-8")
        except UnicodeDecodeError:  # \n is never inside a UTF-8 character: the file's first bad byte is in this line
            decode_text(data, name)
            raise
        yield line[1:] if start != bom and line.startswith("\ufeff") else line
        if end < 0:
            return
        start = end + 1


def jsonl_lines(data: bytes, name: str, whole: Callable[[str], bool]) -> Iterator[str] | None:
    """The lines of a JSONL file's bytes, decoded one at a time (`decoded_lines`); None for a file to read as one text:
    one whose lines end with a carriage return alone (old Mac OS), or whose start `whole` (called with the text up to
    the end of the first line that is not blank) says is one JSON document rather than lines. DataError as
    `decode_text` raises it, for the start at once, for a line when it is reached."""
    check_text(data, name)
    if b"\n" not in data and b"\r" in data.rstrip(b"\r"):
        return None
    lines = decoded_lines(data, name)
    head = []
    for line in lines:
        head.append(line)
        if line.strip(_WHITESPACE):
            break
    return None if whole("\n".join(head)) else chain(head, lines)


_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")


def physical_lines(text: str) -> Iterator[str]:
    r"""The lines of `text` with their ends, as a file opened with `newline=""` (the csv module's way) gives them:
    ended by \n, \r\n or a lone \r, and none after a final line end.

    >>> list(physical_lines('a,"b\r\nc"\rd\n\ne'))
    ['a,"b\r\n', 'c"\r', 'd\n', '\n', 'e']
    """
    return (match.group() for match in _LINE.finditer(text))


def table_lines(data: bytes, name: str) -> Iterator[str]:
    r"""The lines of a CSV or TSV file's bytes as `physical_lines(decode_text(data, name))` gives them, each decoded
    when it is reached (`decoded_lines`): its whole text is not held beside its bytes. DataError as `decode_text`
    raises it, for a UTF-16 or binary file at once, for a byte UTF-8 cannot read when its line is reached (a reader
    that stops early reads the rest, `rest_read`, to refuse such a byte first, as the whole text did).

    >>> list(table_lines(b'\xef\xbb\xbfq,a\r\n"x\ry",z\n\xef\xbb\xbfend', "t.csv"))
    ['q,a\r\n', '"x\r', 'y",z\n', 'end']
    """
    check_text(data, name)
    return _split_cr(decoded_lines(data, name, ends=True))


def _split_cr(lines: Iterator[str]) -> Iterator[str]:
    """`lines` ended by "\\n" (or last, without one) split again where a carriage return alone or before "\\n" ends
    one (`physical_lines`); a line without a carriage return is given as it is, and a last empty one not at all."""
    for line in lines:
        if "\r" in line:
            yield from physical_lines(line)
        elif line:
            yield line


def rest_read(lines: Iterator[str]) -> None:
    """Read what is left of `lines` (`table_lines`), raising the DataError of a byte UTF-8 cannot read in it: a file
    is refused for its encoding before any other problem, as when its whole text was decoded first."""
    for _ in lines:
        pass


__all__ = ["decoded_lines", "jsonl_lines", "physical_lines", "rest_read", "table_lines"]
