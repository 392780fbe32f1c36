"""A dataset file as bytes, before any row is read: where it is, what kind it is, its text.

    data, path = read_path("rows.jsonl.gz")  # DataError for a missing file, a folder, no permission
    data, name = opened(data, path.name)     # a compressed file's own file: its bytes, the name messages use
    kind = file_kind(name, data)             # jsonl | json | csv | tsv | parquet (extension, else sniffed)
    text = decode_text(data, name)           # UTF-8 (BOMs dropped); UTF-16/32, Latin-1 and binary refused with the fix

A compressed file (gzip, bzip2, xz, zstd, or a zip archive of one file: dataset hubs publish `.jsonl.gz`) is read
as the file it holds, bounded by `MAX_OPENED` (or less, as far as the memory lets a plain file be read:
`data_budget.opened_bound`) so an archive that expands without end is refused rather than filling the memory.
`shown_name` is the name messages use: an upload's name as its user knows it, not the name it is stored under. Not
known here: records and rows (readers.py).
"""

from __future__ import annotations

import codecs
import json
import os
import re
import shlex
from pathlib import Path

from ftlib.errors import UserError
from ftlib.user_paths import user_path

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
    path = user_path(path)
    if not path.exists():
        raise DataError(f"{path} does not exist. Check the path (it is read on the machine running the app).")
    if path.is_dir():
        raise DataError(" ".join(saved_dataset(path)) or f"{path} is a folder; choose a {SUPPORTED} file inside it.")
    return path


# A split a DatasetDict holds out, as `json_layout` names a .json file's own test key.
_HELD_OUT = ("test", "validation", "valid", "val", "eval", "dev")
_LOAD = "import sys; from datasets import load_from_disk; d = load_from_disk(sys.argv[1]); "


def saved_dataset(folder: Path) -> tuple[str, ...]:
    """(what `folder` is, what to do) for a Hugging Face dataset saved with `save_to_disk` (`dataset_dict.json`
    beside a folder per split, or `state.json` beside its .arrow files): the command that writes it as JSONL, which
    the studio reads; () for any other folder. A folder's refusal said "choose a file inside it", where a saved
    dataset holds none the studio reads.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "faq"
    >>> (folder / "train").mkdir(parents=True)
    >>> _ = (folder / "dataset_dict.json").write_text('{"splits": ["train", "test"]}')
    >>> print(" ".join(saved_dataset(folder)).replace(str(folder.parent), "/data"))  # doctest: +NORMALIZE_WHITESPACE
    /data/faq is a Hugging Face dataset saved with `save_to_disk` (its rows are in .arrow files, which the studio does
    not read), with the splits 'train', 'test'. Write each split as a JSONL file and choose those: `python -c
    "import sys; from datasets import load_from_disk; d = load_from_disk(sys.argv[1]); [d[k].to_json(k + '.jsonl')
    for k in d]" /data/faq` writes train.jsonl, test.jsonl here; then `python -m ftlib data split train.jsonl
    --test-file test.jsonl --out DIR` keeps test.jsonl's rows as the held-out ones.
    >>> saved_dataset(folder / "train")
    ()
    """
    where = shlex.quote(str(folder))
    said = (
        f"{folder} is a Hugging Face dataset saved with `save_to_disk` (its rows are in .arrow files, which the "
        "studio does not read)"
    )
    listed = folder / "dataset_dict.json"  # a DatasetDict: {"splits": ["train", "test"]}, a folder per split
    if listed.is_file():
        try:
            splits = [str(k) for k in json.loads(listed.read_text(encoding="utf-8"))["splits"]]
        except (OSError, ValueError, KeyError, TypeError):
            splits = []
        if not splits:
            return ()
        return f"{said}, with the splits {', '.join(repr(k) for k in splits)}.", _as_jsonl(where, splits)
    if (folder / "state.json").is_file() and any(folder.glob("*.arrow")):  # one Dataset: its shards and state
        return f"{said}.", _as_jsonl(where, None, folder.name)
    return ()


def _as_jsonl(where: str, splits: list[str] | None, name: str = "rows") -> str:
    """How to write a dataset `save_to_disk` wrote in the folder `where` (a shell word, or FOLDER) as JSONL: a
    DatasetDict's `splits` each as a file (then `data split` keeping its held-out split as published), else the one
    Dataset as `name`.jsonl."""
    if splits is None:
        out = shlex.quote(f"{name}.jsonl")
        return (
            f'Write it as a JSONL file and choose that: `python -c "{_LOAD}d.to_json(sys.argv[2])" {where} {out}` '
            f"writes {out} here."
        )
    held = [k for k in _HELD_OUT if k in splits][:1]
    train = [k for k in splits if k not in held][:1]
    then = (
        f"; then `python -m ftlib data split {train[0]}.jsonl --test-file {held[0]}.jsonl --out DIR` keeps "
        f"{held[0]}.jsonl's rows as the held-out ones"
        if held and train
        else ""
    )
    return (
        f"Write each split as a JSONL file and choose those: `python -c \"{_LOAD}[d[k].to_json(k + '.jsonl') for k "
        f'in d]" {where}` writes {", ".join(f"{k}.jsonl" for k in splits)} here{then}.'
    )


# The files save_to_disk writes beside a dataset's .arrow shards, each by a key it holds: bookkeeping, no rows.
_SAVED_FILES = {"state.json": "_data_files", "dataset_dict.json": "splits", "dataset_info.json": "features"}


def _saved_dataset_file(name: str, data: bytes) -> str:
    """The refusal of one of the files `save_to_disk` writes beside a dataset's rows (`state.json`,
    `dataset_dict.json`, `dataset_info.json`, the .json files of its folder, picked or uploaded as its data), with
    how to write the dataset as JSONL; "" for any other file. Its keys were read as one row of no format.

    >>> print(_saved_dataset_file("dataset_dict.json", b'{"splits": ["train", "validation"]}'))
    ... # doctest: +NORMALIZE_WHITESPACE
    dataset_dict.json is a file `save_to_disk` writes beside a Hugging Face dataset's rows, not rows (those are in
    .arrow files, which the studio does not read). Write each split as a JSONL file and choose those: `python -c
    "import sys; from datasets import load_from_disk; d = load_from_disk(sys.argv[1]); [d[k].to_json(k + '.jsonl')
    for k in d]" FOLDER` writes train.jsonl, validation.jsonl here; then `python -m ftlib data split train.jsonl
    --test-file validation.jsonl --out DIR` keeps validation.jsonl's rows as the held-out ones. FOLDER: the folder
    that holds dataset_dict.json.
    >>> _saved_dataset_file("state.json", b'{"step": 3}'), _saved_dataset_file("rows.json", b'{"splits": []}')
    ('', '')
    """
    key = _SAVED_FILES.get(Path(name).name)
    try:
        value = json.loads(data) if key else None
    except ValueError:
        return ""
    if not isinstance(value, dict) or key not in value:
        return ""
    listed = value["splits"] if key == "splits" else None
    splits = [str(k) for k in listed] if isinstance(listed, list) and listed else None
    return (
        f"{name} is a file `save_to_disk` writes beside a Hugging Face dataset's rows, not rows (those are in .arrow "
        f"files, which the studio does not read). {_as_jsonl('FOLDER', splits)} FOLDER: the folder that holds {name}."
    )


def named_as_path(given: str) -> bool:
    """Whether `given` reads as a file's path, not a name (a saved split's, a shipped sample's): a folder or `~` in
    it, or a data file's suffix. A missing one is then said missing, not "neither a saved split nor a sample".

    >>> named_as_path("./mydata.jsonl"), named_as_path("qa.csv.gz"), named_as_path("chat_style")
    (True, True, False)
    """
    suffixes = [suffix.lower() for suffix in Path(given).suffixes[-2:]]
    return any(sep in given for sep in ("/", os.sep, "~")) or any(
        suffix in SUFFIXES or suffix in COMPRESSED_SUFFIXES for suffix in suffixes
    )


def missing_path(given: str, what: str) -> str:
    """The words for a path the user gave (`what`: "`dataset`", "--data") that names no file: where it was looked
    for, as the machine running the studio reads it (a relative path from the folder the command ran in)."""
    looked = user_path(given).absolute()
    at = "" if str(looked) == given else f" (looked for {looked})"
    return f"{what} '{given}' does not exist{at}. Check the path (it is read on the machine running the app)."


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
    b"PK\x05\x06": ("zip", ".zip", "unzip"),  # an empty zip archive: only its directory's end
    b"BZh": ("bzip2", ".bz2", "bunzip2"),
    b"\xfd7zXZ\x00": ("xz", ".xz", "unxz"),
    b"\x28\xb5\x2f\xfd": ("zstd", ".zst", "unzstd"),
}
COMPRESSED_SUFFIXES = tuple(dict.fromkeys(suffix for _, suffix, _ in _COMPRESSED.values()))
# The most a compressed file may hold once opened: the upload limit (.streamlit/config.toml's maxUploadSize) twice
# over. A file of a few KB can expand to terabytes (a "zip bomb"); reading is bounded by this, never by what the
# archive declares.
MAX_OPENED = 2 << 30
# Names in a zip archive that are not the user's data: macOS's resource forks and folder files, folders.
_ZIP_CLUTTER = ("__MACOSX/", ".DS_Store")


def _compression(data: bytes) -> tuple[str, str, str] | None:
    """(what, suffix, command) of a compressed file's first bytes, or None."""
    return next((found for magic, found in _COMPRESSED.items() if data.startswith(magic)), None)


def opened(data: bytes, name: str, bound: tuple[int, str] | None = None) -> tuple[bytes, str]:
    """The bytes of the file a compressed file holds and that file's name; (`data`, `name`) for any other file.

    gzip, bzip2, xz and zstd hold one file, which keeps the name (`file_kind` reads `rows.jsonl.gz` as JSONL); a
    zip archive must hold exactly one file, named as a path inside the archive (`faq.zip/data/faq.csv`).
    Spreadsheets (.xlsx, .ods: zip files inside) are left as they are, for `file_kind` to refuse with the fix.
    Raises DataError for a zip of several files or none (naming them), a damaged or cut-short file, a tar archive, a
    file compressed twice, and more bytes once opened than MAX_OPENED or `bound` allow, found while decompressing:
    the archive is not opened further. `bound`: (the most bytes, why in words: "1.0 GiB once decompressed: ...") as
    `data_budget.opened_bound` gives them, what this machine's memory lets a plain file be (its callers pass it).

    >>> import gzip
    >>> opened(gzip.compress(b'{"text": "hi"}\\n'), "rows.jsonl.gz")
    (b'{"text": "hi"}\\n', 'rows.jsonl.gz')
    """
    found = _compression(data)
    if found is None or Path(name).suffix.lower() in _SHEETS:
        return data, name
    what, suffix, tool = found
    limit, why = (
        bound
        if bound and bound[0] < MAX_OPENED
        else (MAX_OPENED, f"{MAX_OPENED >> 30} GiB once decompressed, more than the studio reads from one file")
    )
    try:
        if what == "zip":
            data, inner = _one_zip_member(data, name, limit)
        else:
            inner, data = name, _decompressor(what, limit)(data)
    except DataError:
        raise
    except Exception as exc:  # each library's own error for damaged data (zlib.error, EOFError, LZMAError, ...)
        raise DataError(
            f"{name} is {what}-compressed but cannot be decompressed ({type(exc).__name__}: {exc}): it is damaged or "
            f"cut short. Download or copy it again (`{tool} -t {name}` tests it)."
        ) from None
    if len(data) > limit:
        raise DataError(
            f"{name} holds more than {why}. Decompress it (`{tool} {name}`) and split it into smaller files "
            "(`split -l 100000`)."
        )
    if data[257:262] == b"ustar":  # the mark of a tar archive, at this offset in its first header
        raise DataError(
            f"{name} holds a tar archive (a folder of files). Extract it (`tar xf {name}`) and choose one {SUPPORTED} "
            "file from it."
        )
    if _compression(data) is not None and Path(inner).suffix.lower() not in _SHEETS:
        raise DataError(f"{name} is compressed twice. Decompress it (`{tool} {name}`), then choose the file it holds.")
    return data, inner


def _decompressor(what: str, limit: int):
    """A function of compressed bytes to at most `limit` + 1 decompressed bytes (one more says "too many")."""
    import bz2
    import gzip
    import io
    import lzma

    import zstandard

    opener = {
        "gzip": lambda f: gzip.GzipFile(fileobj=f),
        "bzip2": bz2.BZ2File,
        "xz": lzma.LZMAFile,
        "zstd": lambda f: zstandard.ZstdDecompressor().stream_reader(f, read_across_frames=True),
    }[what]

    def read(data: bytes) -> bytes | bytearray:
        out = bytearray()  # in chunks: a stream's read(n) may return fewer bytes than asked before its end
        with opener(io.BytesIO(data)) as stream:
            while len(out) <= limit and (chunk := stream.read(min(64 << 20, limit + 1 - len(out)))):
                out += chunk
        return out if len(out) > limit else bytes(out)  # refused by its length: no copy of what was read

    return read


def _one_zip_member(data: bytes, name: str, limit: int) -> tuple[bytes, str]:
    """The bytes (at most `limit` + 1) and name of the one file a zip archive holds; DataError for none or several."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = [
            m for m in archive.infolist() if not m.is_dir() and not any(part in m.filename for part in _ZIP_CLUTTER)
        ]
        if len(members) != 1:
            listed = ", ".join(m.filename for m in members[:5]) + (", ..." if len(members) > 5 else "")
            held = f"{len(members)} files ({listed})" if members else "no file"
            raise DataError(
                f"{name} holds {held}; the studio reads a zip archive of exactly one file. Extract it (`unzip "
                f"{name}`) and choose one {SUPPORTED} file."
            )
        with archive.open(members[0]) as member:
            return member.read(limit + 1), f"{name}/{members[0].filename}"


def file_kind(name: str, data: bytes) -> str:
    """jsonl | json | csv | tsv | parquet, from the extension (before a compression's: `.jsonl.gz` is JSONL), else
    from the first bytes, of a file as `opened` gives it. DataError for any other kind, and for the .json files
    `save_to_disk` writes beside a dataset's .arrow rows (`_saved_dataset_file`).

    A name ending in a compression's suffix whose bytes are not compressed (a browser that decompressed a download
    served with `Content-Encoding: gzip` keeps its `.gz` name) is read by the name before that suffix too.
    """
    inner = Path(name).with_suffix("") if Path(name).suffix.lower() in COMPRESSED_SUFFIXES else Path(name)
    kind = SUFFIXES.get(inner.suffix.lower())
    if kind == "json" and _saved_dataset_file(inner.name, data):  # save_to_disk's state.json, not a dataset's rows
        raise DataError(_saved_dataset_file(inner.name, data))
    if kind:
        return kind
    if data[:4] == b"PAR1":
        return "parquet"
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head in (b"[", b"{"):
        return "json" if head == b"[" else "jsonl"
    suffix = inner.suffix.lower()
    raise DataError(
        f"{name}: unsupported file type '{suffix or '(none)'}'. Use a {SUPPORTED} file.{_convert(inner.name)}"
    )


_SHEETS = (".xlsx", ".xls", ".ods")


def _convert(name: str) -> str:
    """How to bring a usual other kind of file (plain text, a spreadsheet) to one the studio reads; "" otherwise.

    >>> print(_convert("notes.txt"))  # doctest: +NORMALIZE_WHITESPACE
     To train on plain text (next-token prediction on every token), write each document as one line {"text": ...}
     of a .jsonl file, e.g. one per block of text between blank lines: `python -c "import json,sys;
     [print(json.dumps({'text': d.strip()})) for d in open(sys.argv[1]).read().split('\\n\\n') if d.strip()]"
     notes.txt > notes.jsonl` (a whole file as one row is cut at the run's max length, 384 tokens unless set).
    """
    path = Path(name)
    if path.suffix.lower() in (".txt", ".md", ".text"):
        # One row per block between blank lines, not the whole file as one row: that row is cut at the max length
        # (most of a file never trained) and a split of one row is refused. `\n` stays as written inside the
        # shell's double quotes, for Python to read as a line break.
        command = (
            "import json,sys; [print(json.dumps({'text': d.strip()})) for d in open(sys.argv[1]).read()"
            ".split('\\n\\n') if d.strip()]"
        )
        return (
            " To train on plain text (next-token prediction on every token), write each document as one line "
            f'{{"text": ...}} of a .jsonl file, e.g. one per block of text between blank lines: `python -c '
            f'"{command}" {path.name} > {path.stem}.jsonl` (a whole file as one row is cut at the run\'s max '
            "length, 384 tokens unless set)."
        )
    if path.suffix.lower() in _SHEETS:
        return " Save the sheet as CSV (UTF-8) from the spreadsheet program first."
    if path.suffix.lower() == ".arrow":  # `datasets`' save_to_disk writes data-00000-of-00001.arrow
        return (
            " An .arrow file is a Hugging Face dataset saved with `save_to_disk`: load its folder with `datasets` "
            "and write it as Parquet or JSONL (`.to_parquet('train.parquet')`, `.to_json('train.jsonl')`)."
        )
    return ""


def check_text(data: bytes, name: str) -> None:
    """DataError, with the fix, for a file saved as UTF-16 or UTF-32 or one that looks binary: what `decode_text`
    refuses before it decodes (a byte UTF-8 cannot read is found as the text is decoded)."""
    encoding = _wide_encoding(data)
    if encoding:
        raise DataError(
            f'{name} is saved as {encoding}. Save it again as UTF-8 ("UTF-8" in the editor\'s '
            f"save dialog, or `iconv -f {encoding} -t UTF-8`).{_packed(name)}"
        )
    if _binary(data[:8192]):
        raise DataError(f"{name} looks like a binary file, not text. Choose a {SUPPORTED} file.")


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 text (a BOM is dropped, at the start of any line too); binary and other encodings are refused with the
    fix."""
    check_text(data, name)
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = str(memoryview(data)[bom:], "utf-8")  # not data[bom:]: a copy of the file (Excel's CSV has a BOM)
    except UnicodeDecodeError as exc:
        raise DataError(_not_utf8(data, name, bom + exc.start) + _packed(name)) from None
    # Files joined with `cat` keep each one's BOM at the start of a line: a JSONL line read as "not valid JSON:
    # Expecting value (column 1)" (the BOM is invisible), a CSV cell kept it in its text, to be trained.
    return text.replace("\n\ufeff", "\n")


def _binary(head: bytes) -> bool:
    """Whether the first 8 KB of a file are not text: NUL bytes, among bytes UTF-8 cannot read or more than a few.
    Text with a stray NUL is text, read as it is read after the first 8 KB (a CSV cell's kept with a warning,
    `rows.control_character_warnings`; a JSON line refused): there the whole file was refused as binary."""
    if b"\x00" not in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head)  # not final: a character cut at 8 KB is no error
    except UnicodeDecodeError:
        return True
    return head.count(0) > max(8, len(head) // 100)


def _wide_encoding(data: bytes) -> str | None:
    """UTF-32 or UTF-16 as iconv names it, from a byte-order mark or, without one, from how the first 8 KB read under
    each byte order (Windows' "Unicode" without a BOM was refused as "a binary file"); None for anything else.

    >>> _wide_encoding(codecs.BOM_UTF32_LE + "hi".encode("utf-32-le")), _wide_encoding("{}".encode("utf-16-be"))
    ('UTF-32', 'UTF-16BE')
    """
    if data[:4] in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE):  # before UTF-16's: UTF-32 LE's BOM begins with it
        return "UTF-32"
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "UTF-16"
    head = data[: min(len(data), 8192) & ~1]
    if b"\x00" not in head:
        return None
    # The byte order under which more characters are ASCII (JSON's brackets and quotes, CSV's commas), if its text
    # reads: binary read as UTF-16 has control characters (0x0000-0x001f) and unpaired surrogates all over it.
    # UTF-8 text with stray NULs reads as UTF-16 too (as CJK), but its NULs fall on either side; UTF-16's ASCII
    # puts them on one (a CJK character's low byte is 0 on the other now and then: U+4E00).
    few, many = sorted((head[0::2].count(0), head[1::2].count(0)))
    plain, best = max((sum(c < "\x80" for c in head.decode(enc, "replace")), enc) for enc in ("UTF-16LE", "UTF-16BE"))
    text = head.decode(best, "replace")
    unseen = sum(c == "\ufffd" or (c < " " and c not in "\t\r\n") for c in text)
    return best if few * 20 <= many and plain >= 2 and unseen <= len(text) // 100 else None  # 1 FFFD: a cut pair


# Windows-1252, not Latin-1: the two agree from 0xa0 up, and Latin-1 reads Windows' curly quotes and dashes
# (0x80-0x9f) as invisible control characters that the file would then carry into training.
_RESAVE = 'Save it again as UTF-8 ("UTF-8" in the editor\'s save dialog, or `iconv -f WINDOWS-1252 -t UTF-8`).'


def _packed(name: str) -> str:
    """For a compressed file, which its tool opens, that the fix is the file's inside: an editor or `iconv` given the
    compressed file itself reads its compressed bytes. "" for any other file.

    >>> _packed("chats.jsonl.gz")
    ' It is compressed: open it first (`gunzip chats.jsonl.gz`), fix the file it holds, and compress that again.'
    """
    suffix = Path(name).suffix.lower()
    tool = next((tool for _, found, tool in _COMPRESSED.values() if found == suffix), None)
    if tool is None:
        return ""
    return f" It is compressed: open it first (`{tool} {name}`), fix the file it holds, and compress that again."


def _not_utf8(data: bytes, name: str, at: int) -> str:
    """Why `data` is refused, the first byte UTF-8 cannot read at `at`, and the fix that does not garble it: converting
    from Windows-1252 turns a Chinese, Japanese, Korean or Cyrillic file, or a UTF-8 file with a few stray bytes, into
    mojibake the studio would then read as good text (`你好` in GBK became `ÄãºÃ`)."""
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())  # those in the file as UTF-8 are characters
    read = len(text) - len(text.encode("ascii", "ignore")) - bad  # the non-ASCII characters UTF-8 does read
    if read >= bad:  # as many as it cannot: a UTF-8 file with stray bytes, which no conversion would leave whole
        places = (
            f"{bad} places UTF-8 cannot read ({_bad_byte(data, at)}, the first)"
            if bad > 1
            else f"one byte UTF-8 cannot read ({_bad_byte(data, at)})"
        )
        return (
            f"{name} is UTF-8 text but for {places}: characters from another encoding pasted into it. Fix them in an "
            "editor (it shows them as � or ?), or delete them; converting the whole file from another encoding would "
            "garble the rest."
        )
    # Windows-1252's accents sit in words of ASCII letters (Caf\xe9); a legacy encoding of another alphabet writes
    # runs of non-ASCII bytes between spaces and punctuation
    high = [i for i, b in enumerate(data[:65536]) if b > 0x7F]
    beside = sum(1 for i in high if data[i - 1 : i].isalpha() or data[i + 1 : i + 2].isalpha())
    if 2 * beside >= len(high):
        return f"{name} is not UTF-8 text ({_bad_byte(data, at)}). {_RESAVE}"
    return (
        f"{name} is not UTF-8 text ({_bad_byte(data, at, False)}); its characters look like another alphabet's, in a "
        'legacy encoding. Save it again as UTF-8 ("UTF-8" in the editor\'s save dialog), or convert it from the '
        "encoding it was saved in: `iconv -f GB18030 -t UTF-8` for Chinese (BIG5 for traditional), SHIFT_JIS for "
        "Japanese, EUC-KR for Korean, WINDOWS-1251 for Russian."
    )


def _bad_byte(data: bytes, at: int, western: bool = True) -> str:
    """Where the first byte UTF-8 cannot read is, in the file's own counting (a BOM counts), and what it would be
    in Windows-1252, the usual other encoding of a spreadsheet's export.

    >>> _bad_byte(b"\\xef\\xbb\\xbfa;b\\nWelt;\\xc4rger\\n", 12)
    "byte 0xc4 on line 2, column 6: 'Ä' in Windows-1252 (Latin-1)"
    """
    line = data.count(b"\n", 0, at) + 1
    column = at - (data.rfind(b"\n", 0, at) + 1) + 1  # in bytes: the line's text cannot be read as characters
    said = f"byte 0x{data[at]:02x} on line {line}, column {column}"
    if not western:
        return said
    try:
        char = bytes([data[at]]).decode("cp1252")
    except UnicodeDecodeError:
        return said
    if not char.isprintable():
        return said
    return f"{said}: {char!r} in Windows-1252" + (" (Latin-1)" if data[at] >= 0xA0 else "")


# The names projects give a split's file rather than their data (`train.jsonl`, Hugging Face's
# `data/train-00000-of-00001.parquet`): a run or a split is named by the folder that holds it instead.
_SPLIT_NAME = re.compile(
    r"(train|test|validation|valid|val|dev|eval|data|dataset|all|full)([-_.]?\d+(-of-\d+)?)?", re.I
)
# A Hugging Face shard's numbering (`train_prefs-00000-of-00001.parquet`, UltraFeedback's): not part of the name.
_SHARD = re.compile(r"[-_.]\d+-of-\d+$", re.I)


def data_stem(name: str | Path) -> str:
    """A data file's name without its suffixes, compression's included; a file named for its split (`train.jsonl`,
    `train-00000-of-00001.parquet`) is named by its folder (the one above a `data/` folder).

    >>> data_stem("faq.jsonl"), data_stem("/data/faq.jsonl.gz"), data_stem("split-1")
    ('faq', 'faq', 'split-1')
    >>> data_stem("/home/ada/pirates/train.jsonl"), data_stem("/w/pirates/data/test-00000-of-00001.parquet")
    ('pirates', 'pirates')
    >>> data_stem("train.jsonl")  # no folder to go by
    'train'
    >>> data_stem("train_prefs-00000-of-00001.parquet")  # a shard's numbering is left out
    'train_prefs'
    """
    path = Path(name)
    path = path.with_suffix("") if path.suffix.lower() in COMPRESSED_SUFFIXES else path
    stem = _SHARD.sub("", path.stem) or path.stem
    if not _SPLIT_NAME.fullmatch(stem):
        return stem
    folders = [p.name for p in path.parents if p.name and not _SPLIT_NAME.fullmatch(p.name)]
    return folders[0] if folders else stem


def shown_name(path: Path, name: str | None) -> str:
    """The file's name in messages: `name` (an upload's name as its user knows it, `faq.csv` for the stored
    `<date>-<time>-<tag>-faq.csv`) when it keeps the suffix, else the name on disk."""
    return name if name and Path(name).suffix.lower() == path.suffix.lower() else path.name


__all__ = [
    "COMPRESSED_SUFFIXES",
    "MAX_OPENED",
    "SUFFIXES",
    "SUPPORTED",
    "TABLE_KINDS",
    "DataError",
    "check_path",
    "check_text",
    "data_stem",
    "decode_text",
    "file_kind",
    "opened",
    "read_path",
    "saved_dataset",
    "shown_name",
]
