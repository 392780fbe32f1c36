"""How a CSV file's cells are delimited: comma, semicolon, tab or vertical bar, sniffed from its first lines or named
by Excel's `sep=` line, and the note saying so when it is not a comma.

    delimiter = sniff_delimiter(text)        # "," ";" "\t" "|": the one most rows agree with the header on
    hint, text = excel_hint(text)            # a first line "sep=;" names the delimiter and is not a row
    delimiter, hint, lines = table_start(lines, "csv")   # both, from a file's lines (file_lines.table_lines)
    note = delimiter_note(";")               # what the Data page and `data inspect` say about it

Not known here: the rows themselves (readers.py).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from itertools import chain, islice

from ftlib.file_lines import physical_lines

# What .csv files use between cells, and their names in a note. The first is the default: a header without any of
# them is one column, read with it.
DELIMITERS = {",": "commas (,)", ";": "semicolons (;)", "\t": "tabs", "|": "vertical bars (|)"}
SNIFF_RECORDS = 50  # records of the file's start `sniff_delimiter` reads
SNIFF_CHARS = 1 << 20  # ... within at most this many characters


def sniff_delimiter(text: str) -> str:
    r"""The delimiter of CSV text: of those that split its header in two or more columns, the one that gives most of
    the next rows the header's number of cells (ties: the order of DELIMITERS); "," when none splits the header.

    Each candidate reads the lines with the csv module, so a delimiter inside a quoted cell does not count.

    >>> sniff_delimiter('question;answer\nWhat is 2+2?;"Four, as 2+2=4."\n')
    ';'
    >>> sniff_delimiter('question,answer\nList two fruits.,"Apple; pear."\n')
    ','
    >>> sniff_delimiter("text\nOne; two, three.\n")
    ','
    """
    return sniff_sample(text[:SNIFF_CHARS], len(text) > SNIFF_CHARS)


def sniff_sample(sample: str, cut: bool) -> str:
    """`sniff_delimiter` of a text's first SNIFF_CHARS characters, `sample`; `cut`: the text goes on past them, so the
    sample's last record may be cut short and is not counted. Each delimiter reads the sample's lines as slices of it
    (`physical_lines`), not a copy: `io.StringIO(sample)` copied it for each, at 4 bytes a character."""
    best, best_share = ",", -1.0
    for delimiter in DELIMITERS:
        reader = csv.reader(physical_lines(sample), delimiter=delimiter)
        records: list[list[str]] = []
        try:
            records = [r for r in islice(reader, SNIFF_RECORDS + 1) if r]
        except csv.Error:  # a broken quote: this delimiter's records up to it are not known, so it is not chosen
            continue
        if cut and len(records) > 1:
            records.pop()  # may be cut short by the sample's end
        if not records or len(records[0]) < 2:
            continue
        rows = records[1:]
        share = sum(len(r) == len(records[0]) for r in rows) / len(rows) if rows else 1.0
        if share > best_share:
            best, best_share = delimiter, share
    return best


_EXCEL_HINT = re.compile(r"sep=([^\r\n\"])[ ]*(?:\r\n|\n|\r|$)")


def excel_hint(text: str) -> tuple[str | None, str]:
    r"""(the delimiter a first line `sep=;` names, the text after that line): Excel writes that line to say which
    delimiter the file uses (`sep=,`, `sep=;`, a tab) and reads it so; (None, text) when the first line is not one.

    >>> excel_hint("sep=;\r\nquestion;answer\r\n")
    (';', 'question;answer\r\n')
    """
    match = _EXCEL_HINT.match(text)
    return (match.group(1), text[match.end() :]) if match else (None, text)


def table_start(lines: Iterator[str], kind: str) -> tuple[str, str | None, Iterator[str]]:
    r"""(the delimiter, the one Excel's first line `sep=;` names or None, the lines from the first row's, the header's,
    on) of a CSV or TSV file's lines with their ends (`file_lines.table_lines`), as `excel_hint` and `sniff_delimiter`
    find them in its whole text: a .tsv's is a tab; only the lines of its first SNIFF_CHARS characters are read ahead.

    >>> delimiter, hint, lines = table_start(iter(["sep=;\r\n", "q;a\r\n", "Hi;Ahoy\r\n"]), "csv")
    >>> delimiter, hint, list(lines)
    (';', ';', ['q;a\r\n', 'Hi;Ahoy\r\n'])
    """
    hint, first = excel_hint(next(lines, ""))
    head = [first] if first else []
    if hint or kind == "tsv":
        return hint or "\t", hint, chain(head, lines)
    size = len(first)
    while size <= SNIFF_CHARS and (line := next(lines, None)) is not None:
        head.append(line)
        size += len(line)
    if size <= SNIFF_CHARS:  # the whole text
        return sniff_sample("".join(head), False), None, chain(head, lines)
    last = head[-1]
    sample = "".join(head[:-1]) + last[: SNIFF_CHARS - (size - len(last))]  # not the rest of a long last line
    return sniff_sample(sample, True), None, chain(head, lines)


def delimiter_note(delimiter: str) -> str:
    """The note that a CSV file's columns were read as separated by `delimiter` (a key of DELIMITERS other than ",",
    as the text says "not commas"), and what to do if they look wrong; KeyError for a delimiter not in DELIMITERS.

    >>> delimiter_note(";")[:63]
    'The columns are read as separated by semicolons (;), not commas'
    """
    return (
        f"The columns are read as separated by {DELIMITERS[delimiter]}, not commas, as in the file's header line "
        "(spreadsheets in many languages save CSV files so). If the columns look wrong, save the file as CSV with "
        "commas."
    )
