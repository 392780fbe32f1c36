"""A corpus of malformed and hostile dataset files, generated at test time (nothing binary is committed).

    from tests.bad_inputs import CASES, write_case
    path = write_case(case, tmp_path)          # the file on disk, under its own folder per case

Each `Case` is one file: its name (as a user would upload it), its bytes (or a function making them) and
what a clear answer looks like:

- `expect`: a regex (case-insensitive) the message must match; None for a file that loads cleanly.
- `valid`: how many rows load. None: the whole file is refused (the CLI exits 2 with `error: ...`, the
  page shows an st.error). 0: rows are read but none is usable (exit 2, the reasons listed per row).
  > 0: the good rows are kept and `bad` lists the skipped rows' numbers, in order.
- `upload`: the Data page gets the file through the upload widget (stored by `workspace.save_upload`)
  instead of a typed local path. Filename cases always go through the upload.
- `bug` / `bug_in`: a known bug (in code this corpus does not own) in the listed channels; the tests
  keep asserting the correct behaviour there under `xfail(strict=True)`.

Row numbers follow `ftlib.data`: the line of a JSONL file (blank lines count), the element of a JSON
array, the data row of a table (the first row under the header is 1).
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import json
import random
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CLI, UI = "cli", "ui"
BOTH = frozenset({CLI, UI})


@dataclass(frozen=True)
class Case:
    id: str
    filename: str
    content: bytes | Callable[[], bytes]
    expect: str | None
    valid: int | None = None
    bad: tuple[int, ...] = ()
    upload: bool = False
    bug: str | None = None
    bug_in: frozenset = BOTH

    def payload(self) -> bytes:
        return _bytes(self.id)

    @property
    def refused(self) -> bool:
        """No usable row: the CLI exits 2 and the page shows an error."""
        return not self.valid

    def bug_for(self, channel: str) -> str | None:
        return self.bug if self.bug and channel in self.bug_in else None

    def cli_path(self, folder: Path) -> Path | None:
        """Where the CLI reads the file: the raw name under `folder/<id>/x/y/` so `../` parts stay inside
        `folder/<id>`; None when the name cannot exist on this file system (a part over 255 bytes)."""
        parts = self.filename.split("/")
        if any(len(p.encode()) > 255 or "\0" in p for p in parts):
            return None
        return folder / self.id / "x" / "y" / self.filename


@functools.cache
def _bytes(case_id: str) -> bytes:
    # Generated once per process: the big cases (5 MB, deep nesting) are used by several tests.
    content = BY_ID[case_id].content
    return content() if callable(content) else content


def write_case(case: Case, folder: Path) -> Path | None:
    """Write `case` for the CLI (see `Case.cli_path`); returns the path to pass, or None if impossible."""
    path = case.cli_path(folder)
    if path is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.resolve().parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(case.payload())
    return path


# --- building blocks --------------------------------------------------------------------------------------


def good(i: int) -> dict:
    """A valid SFT row whose text names its row number (so a wrong row shows up in the content)."""
    return {
        "messages": [{"role": "user", "content": f"Question {i}?"}, {"role": "assistant", "content": f"Answer {i}."}]
    }


def jsonl(*lines: dict | list | str) -> bytes:
    """One line per item: dicts and lists as JSON, strings verbatim (for broken lines)."""
    return "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines).encode()


def sandwich(bad_line: dict | list | str) -> bytes:
    """A good row, the bad line, a good row: the bad one must be reported as row 2, rows 1 and 3 kept."""
    return jsonl(good(1), bad_line, good(3))


def turn_with(key: str, value) -> dict:
    """A conversation whose user turn has `key` set to `value` (a bad role or content)."""
    user = {"role": "user", "content": "Hello?"}
    user[key] = value
    return {"messages": [user, {"role": "assistant", "content": "Hi."}]}


def _no_role() -> dict:
    return {"messages": [{"role": None, "content": "x"}, {"role": "assistant", "content": "a"}]}


def table(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


GOOD_CSV = table([["question", "answer"], ["Q1", "A1"], ["Q2", "A2"]])
FORMULAS = ["=cmd|' /C calc'!A0", "+1", "@SUM(A1:A2)", "-2+3", '=HYPERLINK("http://x.invalid","y")', "\t=1+1"]


def png() -> bytes:
    """A real 1x1 PNG image."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def zipped(files: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def zipped_csv() -> bytes:
    return zipped({"qa.csv": GOOD_CSV})


def tarred(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def parquet(columns: dict[str, list]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = io.BytesIO()
    pq.write_table(pa.table(columns), out)
    return out.getvalue()


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


DEEP = 10_000
TEN_K_TURNS = {"messages": [{"role": ("user", "assistant")[i % 2], "content": f"turn {i}"} for i in range(10_000)]}
# About 5 MB of ordinary words (a single 5 MB "word" would only measure the tokenizer's worst case).
FIVE_MB = "The quick brown fox jumps over the lazy dog. " * 111_112


# --- the corpus -------------------------------------------------------------------------------------------

_BINARY = "looks like a binary file"
_DEEP = r"\bnest(ed|ing)\b"  # e.g. "nested too deeply"; the file names avoid the word
_NULL = r"(is|holds) (null|an empty value)"  # the message must say what it is, not "a number"
_R2 = {"valid": 2, "bad": (2,)}  # a sandwich: rows 1 and 3 kept, row 2 reported

CASES: list[Case] = [
    # Not text at all, or not UTF-8.
    Case("random_bytes", "random.jsonl", lambda: random.Random(7).randbytes(4096), _BINARY),
    Case("png_renamed", "picture.jsonl", png, _BINARY, upload=True),
    # Compressed files are read as the file they hold (a zip: exactly one); what cannot be opened says why and how.
    Case("zip_renamed", "archive.csv", zipped_csv, None, valid=2, upload=True),
    Case("gzip_jsonl", "chats.jsonl", lambda: gzip.compress(jsonl(good(1), good(2)), mtime=0), None, valid=2),
    Case("gzip_named_gz", "chats.jsonl.gz", lambda: gzip.compress(jsonl(good(1), good(2)), mtime=0), None, valid=2),
    Case(
        "gzip_cut_short",
        "chats.jsonl.gz",
        lambda: gzip.compress(jsonl(good(1), good(2)), mtime=0)[:-12],
        r"chats\.jsonl\.gz is gzip-compressed but cannot be decompressed \(EOFError: .*cut short\. .*`gunzip -t ",
        upload=True,
    ),
    Case(
        "zip_of_two_files",
        "both.zip",
        lambda: zipped({"train.jsonl": jsonl(good(1)), "test.jsonl": jsonl(good(2))}),
        r"both\.zip holds 2 files \(train\.jsonl, test\.jsonl\); the studio reads a zip archive of exactly one file\.",
        upload=True,
    ),
    Case(
        "tar_gz",
        "chats.tar.gz",
        lambda: gzip.compress(tarred("chats.jsonl", jsonl(good(1))), mtime=0),
        r"chats\.tar\.gz holds a tar archive .*`tar xf chats\.tar\.gz`",
    ),
    Case(
        "gzip_twice",
        "chats.jsonl.gz.gz",
        lambda: gzip.compress(gzip.compress(jsonl(good(1)), mtime=0), mtime=0),
        r"chats\.jsonl\.gz\.gz is compressed twice\. Decompress it \(`gunzip chats\.jsonl\.gz\.gz`\)",
    ),
    Case(
        "utf16_bom",
        "wide.jsonl",
        lambda: jsonl(good(1), good(2)).decode().encode("utf-16"),
        "saved as UTF-16",
        upload=True,
    ),
    # Without a BOM, where the NUL bytes fall says which (every other byte: ASCII in UTF-16), and iconv is told the
    # byte order (its UTF-16 without a BOM reads big-endian). Once refused as "a binary file".
    Case(
        "utf16_no_bom",
        "wide_le.jsonl",
        lambda: jsonl(good(1)).decode().encode("utf-16-le"),
        r"saved as UTF-16LE\. .*`iconv -f UTF-16LE -t UTF-8`",
    ),
    Case(
        "utf16_be_no_bom_cjk",
        "wide_be.jsonl",
        lambda: json.dumps({"text": "你好世界，今天天气很好。" * 20}, ensure_ascii=False).encode("utf-16-be"),
        r"saved as UTF-16BE\. .*`iconv -f UTF-16BE -t UTF-8`",
    ),
    Case("utf32_bom", "wider.csv", lambda: "question,answer\nQ1,A1\n".encode("utf-32"), r"saved as UTF-32\. "),
    Case(
        "latin1_csv",
        "latin.csv",
        "question,answer\nCafé?,Oui\n".encode("latin-1"),
        r"not UTF-8 text \(byte 0xe9 on line 2, column 4: 'é' in Windows-1252 \(Latin-1\)\)",
    ),
    # The Windows-1252 fix garbles these: `iconv -f WINDOWS-1252` turned GBK's 你好 into ÄãºÃ, which reads as good
    # UTF-8 text afterwards, and the UTF-8 characters around a stray byte into Ã© and the like.
    Case(
        "gbk_csv",
        "chinese.csv",
        "question,answer\n你好吗？,我很好，谢谢。\n".encode("gbk"),
        r"not UTF-8 text \(byte 0xc4 on line 2, column 1\); its characters look like another alphabet's.*GB18030",
    ),
    Case(
        "utf8_with_a_stray_byte",
        "mixed.jsonl",
        '{"prompt": "Très bien?", "completion": "Ça va."}\n'.encode()
        + b'{"prompt": "Caf\xe9?", "completion": "Oui."}\n',
        r"is UTF-8 text but for one byte UTF-8 cannot read \(byte 0xe9 on line 2, column 16: 'é' in Windows-1252",
    ),
    Case(  # a curly quote: Windows-1252's, a control character in Latin-1 (whose fix would keep it in the text)
        "cp1252_quote",
        "quoted.jsonl",
        b'{"prompt": "Say \x93hi\x94", "completion": "Hello"}\n',
        r"byte 0x93 on line 1, column 17: '\u201c' in Windows-1252\)\. .*`iconv -f WINDOWS-1252 -t UTF-8`",
    ),
    Case(  # counted in the file's bytes, the BOM's three among them: the byte named is the one that is wrong
        "latin1_csv_after_bom",
        "latin_bom.csv",
        b"\xef\xbb\xbf" + "question;answer\nGr\xfc\xdfe?;Hallo\n".encode("latin-1"),
        r"not UTF-8 text \(byte 0xfc on line 2, column 3: 'ü' in Windows-1252",
    ),
    # A raw NUL is only its line's problem: the line is not valid JSON, in the first 8 KB too (the whole file was
    # refused there as "a binary file"); a CSV cell keeps it, with a warning. Binary files have NULs by the dozen.
    Case(
        "nul_in_first_line",
        "nul.jsonl",
        jsonl('{"messages": [{"role": "user", "content": "a\0b"}]}', good(2)),
        r"not valid JSON: a text holds a NUL \(U\+0000\) as it is, which JSON writes escaped: write \\u0000 there",
        valid=1,
        bad=(1,),
    ),
    Case("nul_in_a_cell", "nul.csv", b"prompt,completion\nHi\0?,Hello.\nYo?,Hey.\n", None, valid=2),
    Case(
        "nul_in_late_line",
        "nul_late.jsonl",
        lambda: jsonl(*[good(i) for i in range(1, 201)], '{"messages": "a\0b"}', good(202)),
        r"not valid JSON: a text holds a NUL",
        valid=201,
        bad=(201,),
    ),
    # A tab typed into a JSON string: json says "Invalid control character at" and no more.
    Case(
        "raw_tab_in_a_string",
        "tabs.jsonl",
        lambda: sandwich('{"messages": [{"role": "user", "content": "a\tb"}, {"role": "assistant", "content": "c"}]}'),
        r"a text holds a tab \(U\+0009\) as it is, which JSON writes escaped: write \\t there \(column 45\)",
        **_R2,
    ),
    # Empty in every way.
    Case("empty", "empty.jsonl", b"", "empty.jsonl is empty"),
    Case("whitespace_only", "blank.json", b"\n \t\r\n", "blank.json is empty"),
    Case("bom_only", "bom.jsonl", b"\xef\xbb\xbf", "bom.jsonl is empty"),
    Case("empty_array", "nothing.json", b"[]", r"nothing.json has no rows \(an empty list\)\. Choose a file with"),
    Case(
        "empty_objects",
        "objects.jsonl",
        b"{}\n{}\n",
        r"Every row of objects.jsonl is an empty object \{\} \(2 rows\): there is nothing in it to read",
    ),
    Case("csv_header_only", "header.csv", b"question,answer\n", r"header.csv has a header but no rows\. Choose a"),
    # Broken or surprising JSON.
    Case(
        "truncated_json",
        "cut.json",
        lambda: json.dumps([good(1), good(2), good(3)]).encode()[:-20],
        r"cut.json is not valid JSON: .* at line 1, column \d+",
    ),
    Case(
        "truncated_last_line",
        "cut.jsonl",
        lambda: jsonl(good(1), good(2)) + json.dumps(good(3))[:25].encode(),
        r'not valid JSON: the text that starts at column \d+ has no closing " on it; the line was cut short',
        valid=2,
        bad=(3,),
    ),
    Case(
        "trailing_comma",
        "comma.json",
        lambda: f"[{json.dumps(good(1))}, {json.dumps(good(2))},]".encode(),
        "comma.json is not valid JSON",
    ),
    # A text alone may be a document or a question: refused once, with the jq that writes it as {"text": ...}
    Case(
        "bare_string", "string.json", b'"just a sentence"', r"string\.json holds only texts, 1 of them .*\{text: \.\}"
    ),
    Case("bare_number", "number.json", b"42", "this entry is a number, not an object"),
    Case("bare_null", "null.json", b"null", _NULL),
    Case("list_line", "list.jsonl", lambda: sandwich([good(2)]), "this line holds a list, not an object", **_R2),
    Case("null_line", "nulls.jsonl", lambda: sandwich("null"), _NULL, **_R2),
    Case(
        "html_page",
        "download.jsonl",
        b"<!DOCTYPE html>\n<html><body>404</body></html>\n",
        r"No row of download.jsonl could be read\. line 1: this line is not valid JSON",
    ),
    Case(
        "blank_lines_crlf",
        "crlf.jsonl",
        lambda: b"\r\n\r\n" + jsonl(good(3)).replace(b"\n", b"\r\n") + b"\r\n[1]\r\n" + jsonl(good(6)),
        "this line holds a list",
        valid=2,
        bad=(5,),
    ),
    # U+2028 is legal inside a JSON string; splitting on it would shift every later row number.
    Case(
        "u2028_in_string",
        "ls.jsonl",
        lambda: jsonl(good(1), json.dumps(turn_with("content", "a\u2028b"), ensure_ascii=False), "7"),
        "this line holds a number",
        valid=2,
        bad=(3,),
    ),
    Case("deep_nesting_line", "stack.jsonl", lambda: sandwich('{"messages": ' + nested(DEEP) + "}"), _DEEP, **_R2),
    Case("deep_nesting_document", "stack.json", lambda: nested(DEEP).encode(), _DEEP),
    Case(
        "deep_nesting_csv_cell",
        "stack.csv",
        lambda: table([["messages"], [json.dumps(good(1)["messages"])], [nested(DEEP)]]),
        _DEEP,
        valid=1,
        bad=(2,),
    ),
    Case(
        "huge_integer",
        "bigint.jsonl",
        lambda: sandwich(
            '{"messages": [{"role": "user", "content": ' + "9" * 5000 + '}, {"role": "assistant", "content": "a"}]}'
        ),
        r"number|digits",
        **_R2,
    ),
    Case(
        "lone_surrogate",
        "escape.jsonl",
        lambda: sandwich(
            '{"messages": [{"role": "user", "content": "bad \\ud800 text"}, {"role": "assistant", "content": "a"}]}'
        ),
        r"surrogate|invalid character|not valid unicode",
        **_R2,
    ),
    # The same escape where no turn's own check looks: a tool schema, a key, JSON text in a CSV cell. Kept, such a
    # row stopped `data split` (and the CLI's printing) with a UnicodeEncodeError traceback.
    Case(
        "lone_surrogate_tools",
        "tools.jsonl",
        lambda: sandwich(
            '{"tools": [{"type": "function", "function": {"name": "f", "description": "bad \\ud800"}}], '
            '"messages": [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "a"}]}'
        ),
        r"`tools\[0\]\.function\.description` holds an invalid character \(a lone surrogate",
        **_R2,
    ),
    Case(
        "lone_surrogate_key",
        "keys.jsonl",
        lambda: sandwich(
            '{"messages": [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "a"}], '
            '"note\\udc80": 1}'
        ),
        r"the field name `note\\udc80` holds an invalid character",
        **_R2,
    ),
    Case(
        "lone_surrogate_cell",
        "cells.csv",
        lambda: table(
            [["messages", "tools"]]
            + [
                [json.dumps(good(i)["messages"]), f'[{{"type": "function", "function": {{"name": "f{tail}"}}}}]']
                for i, tail in ((1, ""), (2, "\\ud800"), (3, ""))
            ]
        ),
        r"`tools\[0\]\.function\.name` holds an invalid character",
        **_R2,
    ),
    # Roles.
    # A tool result (OpenAI's legacy "function" role too) needs an assistant tool call before it.
    Case(
        "role_tool",
        "tool.jsonl",
        lambda: sandwich(turn_with("role", "tool")),
        "turn 1 is a tool result, but the turn before it is not an assistant turn that calls a tool",
        **_R2,
    ),
    Case(
        "role_function",
        "function.jsonl",
        lambda: sandwich(turn_with("role", "function")),
        "turn 1 is a tool result, but the turn before it is not",
        **_R2,
    ),
    Case(
        "role_robot",
        "robot.jsonl",
        lambda: sandwich(turn_with("role", "robot")),
        "role 'robot', which is not supported",
        **_R2,
    ),
    Case(
        "role_empty",
        "role_empty.jsonl",
        lambda: sandwich(turn_with("role", "")),
        "role '', which is not supported",
        **_R2,
    ),
    Case("role_null", "role_null.jsonl", lambda: sandwich(_no_role()), "turn 1 of 'messages' has no role", **_R2),
    Case("role_number", "role_number.jsonl", lambda: sandwich(turn_with("role", 3)), "role '3', which is not", **_R2),
    # Content that is not a string.
    Case(
        "content_object",
        "c_obj.jsonl",
        lambda: sandwich(turn_with("content", {"text": "hi"})),
        r"turn 1 \(user\) of 'messages' must be text, but it is an object",
        **_R2,
    ),
    Case(
        "content_list",
        "c_list.jsonl",
        lambda: sandwich(turn_with("content", ["hi", "there"])),
        "must be text, but it is a list",
        **_R2,
    ),
    Case(
        "content_number",
        "c_num.jsonl",
        lambda: sandwich(turn_with("content", 3.5)),
        "must be text, but it is a number",
        **_R2,
    ),
    Case(
        "content_bool",
        "c_bool.jsonl",
        lambda: sandwich(turn_with("content", True)),
        "must be text, but it is true/false",
        **_R2,
    ),
    Case(
        "content_null",
        "c_null.jsonl",
        lambda: sandwich(turn_with("content", None)),
        r"turn 1 \(user\) of 'messages' has a null 'content' \(give it the turn's text\)",
        **_R2,
    ),
    Case(
        "content_part_list_type",
        "c_part.jsonl",
        lambda: sandwich(turn_with("content", [{"type": ["text"]}])),
        r"turn 1 \(user\) of 'messages'",
        **_R2,
    ),
    Case(
        "messages_string",
        "m_str.jsonl",
        lambda: sandwich({"messages": "hello"}),
        "'messages' must be a list of messages",
        **_R2,
    ),
    Case(
        "messages_broken_json_string",
        "m_json.jsonl",
        lambda: sandwich({"messages": '[{"role": "user"'}),
        "'messages' looks like a JSON list but is not valid JSON",
        **_R2,
    ),
    Case(
        "duplicate_keys",
        "dupes.jsonl",
        lambda: sandwich(
            '{"messages": [{"role": "user", "content": "first"}, {"role": "assistant", "content": "A1"}], '
            '"messages": [{"role": "user", "content": "second"}, {"role": "assistant", "content": "A2"}]}'
        ),
        r"the key 'messages' is written twice in this line; JSON readers keep only the last value",
        **_R2,
    ),
    # Huge rows.
    Case("ten_thousand_turns", "long_chat.jsonl", lambda: jsonl(good(1), TEN_K_TURNS), None, valid=2),
    Case(
        "five_mb_message",
        "big_message.jsonl",
        lambda: jsonl(
            good(1),
            {
                "messages": [
                    {"role": "user", "content": "Tell me a long story."},
                    {"role": "assistant", "content": FIVE_MB},
                ]
            },
        ),
        None,
        valid=2,
    ),
    Case(
        "five_mb_broken_line",
        "big_broken.jsonl",
        lambda: jsonl(good(1), '{"messages": "' + "x" * 5_000_000, good(3)),
        r'not valid JSON: the text that starts at column 14 has no closing " on it',
        **_R2,
    ),
    # Tables: missing columns, ragged rows, quotes, huge cells, formulas, Parquet.
    Case(
        "missing_columns_csv",
        "cols.csv",
        table([["sentence", "score"], ["hello", "1"]]),
        r"Could not tell which columns of cols.csv .*\(columns: sentence, score\)",
    ),
    Case(
        "missing_fields_jsonl",
        "half.jsonl",
        jsonl({"instruction": "Do it"}, {"instruction": "Again"}),
        "its rows have the fields instruction",
    ),
    Case(
        "csv_short_row", "short.csv", b"instruction,output\nQ1,A1\nQ2\nQ3,A3\n", r"the 'output' cell is empty", **_R2
    ),
    Case(
        "csv_multiline_cell",
        "multi.csv",
        b'instruction,output\n"line one\nline two",A1\nQ2,\nQ3,A3\n',
        r"the 'output' cell is empty",
        **_R2,
    ),
    Case(
        "csv_long_row", "ragged.csv", b"question,answer\nWhat is 2,3?,5\nQ2,A2\n", r"cells|columns", valid=1, bad=(1,)
    ),
    Case(
        "csv_unclosed_quote",
        "open.csv",
        b'question,answer\n"What,42\nQ2,A2\nQ3,A3\n',
        r"unclosed quote|quote (is )?(never |not )?closed|unmatched quote",
    ),
    Case(
        "csv_huge_cell",
        "long_answer.csv",
        lambda: table([["question", "answer"], ["Q1", "w " * 100_000], ["Q2", "A2"]]),
        None,
        valid=2,
    ),
    Case(
        "csv_formulas",
        "formulas.csv",
        lambda: table([["question", "answer"], *[[f, f] for f in FORMULAS]]),
        None,
        valid=len(FORMULAS),
    ),
    Case(
        "parquet_wrong_schema",
        "vectors.parquet",
        lambda: parquet({"id": [1, 2], "vec": [[0.5, 1.0], [2.0]]}),
        r"Could not tell which columns of vectors.parquet .*\(columns: id, vec\)",
    ),
    Case(
        "parquet_wrong_types",
        "types.parquet",
        lambda: parquet({"instruction": [1, 2], "output": [[1], [2, 3]]}),
        r"the output \(the answer\) must be text, but it is a list",
        valid=0,
        bad=(1, 2),
    ),
    Case(
        "parquet_truncated",
        "cut.parquet",
        lambda: parquet({"instruction": ["i"] * 50, "output": ["o"] * 50})[:300],
        "cut.parquet is not a readable Parquet file",
    ),
    # Hostile file names (good content): stored under uploads/ with a sanitized name, never outside.
    Case("name_traversal", "../../etc/passwd.jsonl", lambda: jsonl(good(1), good(2)), None, valid=2, upload=True),
    Case("name_windows_traversal", "..\\..\\x.csv", GOOD_CSV, None, valid=2, upload=True),
    Case("name_device", "con.jsonl", lambda: jsonl(good(1), good(2)), None, valid=2, upload=True),
    Case("name_newline", "line\nbreak.jsonl", lambda: jsonl(good(1), good(2)), None, valid=2, upload=True),
    Case("name_quotes", 'it\'s "quoted".jsonl', lambda: jsonl(good(1), good(2)), None, valid=2, upload=True),
    Case(
        "name_script", "<script>alert(1)</script>.jsonl", lambda: jsonl(good(1), good(2)), None, valid=2, upload=True
    ),
    Case("name_rtl_override", "harmless\u202egnp.jsonl", lambda: jsonl(good(1), good(2)), None, valid=2, upload=True),
    Case("name_300_chars", "a" * 296 + ".csv", GOOD_CSV, None, valid=2, upload=True),
    Case("name_non_latin", "数据.csv", GOOD_CSV, None, valid=2, upload=True),
]

BY_ID = {case.id: case for case in CASES}
assert len(BY_ID) == len(CASES), "case ids must be unique"
