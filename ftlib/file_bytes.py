"""A dataset file as bytes, before any row is read: where it is, what kind it is, its text.

    data, path = read_path("rows.jsonl")     # DataError for a missing file, a folder, no permission
    kind = file_kind(path.name, data)        # jsonl | json | csv | tsv | parquet (extension, else sniffed)
    text = decode_text(data, path.name)      # UTF-8 (a BOM dropped); UTF-16, Latin-1 and binary refused with the fix

A compressed file (gzip, zip, bzip2, xz, zstd: dataset hubs publish `.jsonl.gz`) is refused by name, with the command
that opens it. `shown_name` is the name messages use: an upload's name as its user knows it, not the name it is
stored under. Not known here: records and rows (readers.py).
"""

from __future__ import annotations

import codecs
from pathlib import Path

from ftlib.errors import UserError

SUFFIXES = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
TABLE_KINDS = {"csv", "tsv", "parquet"}
SUPPORTED = ".jsonl, .json, .csv, .tsv or .parquet"


class DataError(UserError):
    """The file as a whole cannot be used; the message names the file and what to do."""


def check_path(path: str | Path) -> Path:
    """The path of an existing file; DataError for a missing file or a folder."""
    path = Path(path).expanduser()
    if not path.exists():
        raise DataError(f"{path} does not exist. Check the path (it is read on the machine running the app).")
    if path.is_dir():
        raise DataError(f"{path} is a folder; choose a {SUPPORTED} file inside it.")
    return path


def read_path(path: str | Path) -> tuple[bytes, Path]:
    """(the file's bytes, its path); DataError for a missing file, a folder or no permission."""
    path = check_path(path)
    try:
        return path.read_bytes(), path
    except PermissionError:
        raise DataError(f"{path} cannot be read (permission denied). Make it readable or copy it.") from None


# The first bytes of compressed files, their suffix and the command that opens them (dataset hubs publish
# `.jsonl.gz`).
_COMPRESSED = {
    b"\x1f\x8b": ("gzip", ".gz", "gunzip"),
    b"PK\x03\x04": ("zip", ".zip", "unzip"),
    b"BZh": ("bzip2", ".bz2", "bunzip2"),
    b"\xfd7zXZ\x00": ("xz", ".xz", "unxz"),
    b"\x28\xb5\x2f\xfd": ("zstd", ".zst", "unzstd"),
}


def _compressed(name: str, data: bytes) -> None:
    """DataError naming the compression and the command that opens it, for a compressed file (whatever its name).

    >>> _compressed("rows.jsonl.gz", b"\\x1f\\x8b\\x08")
    Traceback (most recent call last):
    ftlib.file_bytes.DataError: rows.jsonl.gz is gzip-compressed. Decompress it first (`gunzip rows.jsonl.gz`), then \
choose rows.jsonl: the studio reads .jsonl, .json, .csv, .tsv or .parquet files as they are.
    """
    for magic, (what, suffix, tool) in _COMPRESSED.items():
        if not data.startswith(magic):
            continue
        if Path(name).suffix.lower() == suffix:
            how, inner = f"`{tool} {name}`", Path(name).stem
        else:  # the tools want their own suffix on the name
            how, inner = f"rename it {name}{suffix}, then `{tool} {name}{suffix}`", name
        shown = inner if Path(inner).suffix else "the file it holds"
        raise DataError(
            f"{name} is {what}-compressed. Decompress it first ({how}), then choose {shown}: the studio reads "
            f"{SUPPORTED} files as they are."
        )


def file_kind(name: str, data: bytes) -> str:
    """jsonl | json | csv | tsv | parquet, from the extension, else from the first bytes. DataError for a compressed
    file (it says how to decompress it) and for any other kind."""
    if Path(name).suffix.lower() not in _SHEETS:  # .xlsx and .ods are zip files inside: not to be unzipped
        _compressed(name, data)
    kind = SUFFIXES.get(Path(name).suffix.lower())
    if kind:
        return kind
    if data[:4] == b"PAR1":
        return "parquet"
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head in (b"[", b"{"):
        return "json" if head == b"[" else "jsonl"
    suffix = Path(name).suffix.lower()
    raise DataError(f"{name}: unsupported file type '{suffix or '(none)'}'. Use a {SUPPORTED} file.{_convert(name)}")


_SHEETS = (".xlsx", ".xls", ".ods")


def _convert(name: str) -> str:
    """How to bring a usual other kind of file (plain text, a spreadsheet) to one the studio reads; "" otherwise.

    >>> print(_convert("notes.txt"))  # doctest: +NORMALIZE_WHITESPACE
     To train on plain text (next-token prediction on every token), write each document as one line {"text": ...}
     of a .jsonl file, e.g. `python -c "import json,sys; print(json.dumps({'text': open(sys.argv[1]).read()}))"
     notes.txt > notes.jsonl`.
    """
    path = Path(name)
    if path.suffix.lower() in (".txt", ".md", ".text"):
        command = "import json,sys; print(json.dumps({'text': open(sys.argv[1]).read()}))"
        return (
            " To train on plain text (next-token prediction on every token), write each document as one line "
            f'{{"text": ...}} of a .jsonl file, e.g. `python -c "{command}" {path.name} > {path.stem}.jsonl`.'
        )
    if path.suffix.lower() in _SHEETS:
        return " Save the sheet as CSV (UTF-8) from the spreadsheet program first."
    return ""


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 text (a BOM is dropped); binary and other encodings are refused with the fix."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise DataError(
            f'{name} is saved as UTF-16. Save it again as UTF-8 ("UTF-8" in the editor\'s '
            "save dialog, or `iconv -f UTF-16 -t UTF-8`)."
        )
    if b"\x00" in data[:8192]:
        raise DataError(f"{name} looks like a binary file, not text. Choose a {SUPPORTED} file.")
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{name} is not UTF-8 text ({_bad_byte(data, bom + exc.start)}). {_RESAVE}") from None


# Windows-1252, not Latin-1: the two agree from 0xa0 up, and Latin-1 reads Windows' curly quotes and dashes
# (0x80-0x9f) as invisible control characters that the file would then carry into training.
_RESAVE = 'Save it again as UTF-8 ("UTF-8" in the editor\'s save dialog, or `iconv -f WINDOWS-1252 -t UTF-8`).'


def _bad_byte(data: bytes, at: int) -> str:
    """Where the first byte UTF-8 cannot read is, in the file's own counting (a BOM counts), and what it would be
    in Windows-1252, the usual other encoding of a spreadsheet's export.

    >>> _bad_byte(b"\\xef\\xbb\\xbfa;b\\nWelt;\\xc4rger\\n", 12)
    "byte 0xc4 on line 2, column 6: 'Ä' in Windows-1252 (Latin-1)"
    """
    line = data.count(b"\n", 0, at) + 1
    column = at - (data.rfind(b"\n", 0, at) + 1) + 1  # in bytes: the line's text cannot be read as characters
    said = f"byte 0x{data[at]:02x} on line {line}, column {column}"
    try:
        char = bytes([data[at]]).decode("cp1252")
    except UnicodeDecodeError:
        return said
    if not char.isprintable():
        return said
    return f"{said}: {char!r} in Windows-1252" + (" (Latin-1)" if data[at] >= 0xA0 else "")


def shown_name(path: Path, name: str | None) -> str:
    """The file's name in messages: `name` (an upload's name as its user knows it, `faq.csv` for the stored
    `<date>-<time>-<tag>-faq.csv`) when it keeps the suffix, else the name on disk."""
    return name if name and Path(name).suffix.lower() == path.suffix.lower() else path.name


__all__ = [
    "SUFFIXES",
    "SUPPORTED",
    "TABLE_KINDS",
    "DataError",
    "check_path",
    "decode_text",
    "file_kind",
    "read_path",
    "shown_name",
]
