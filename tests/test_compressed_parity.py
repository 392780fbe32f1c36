"""A compressed data file reads exactly as the file it holds: every row, row number, bad row, warning and note of
`train.jsonl.gz` is that of `train.jsonl` (the name aside), for JSONL, JSON and CSV, in the engine, `data inspect`
and the Data page (its stored copy too: reopened after another page, saved as a split). What it holds once opened
is bounded as a plain file is (`data_budget.opened_bound`): decompressing stops past it, with the fix."""

from __future__ import annotations

import bz2
import dataclasses
import gzip
import json
import lzma

import pytest

from ftlib import data, data_budget, file_bytes, workspace
from ftlib.cli import main
from ftlib.file_bytes import DataError, opened
from tests.test_pages_data import FIXTURES, data_page, read_as, round_trip, upload
from ui.data_files import UPLOAD_HELP

COMPRESS = {".gz": lambda b: gzip.compress(b, mtime=0), ".bz2": bz2.compress, ".xz": lzma.compress}


def chat(question: str, answer: str, **extra) -> str:
    row = {"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}], **extra}
    return json.dumps(row)


# Each file has good rows, bad rows (each for another reason), a kept row with a warning and a field not read.
JSONL = "\n".join(
    [
        chat("Hi?", "Hello."),
        "",
        chat("Cut short?", "Yes")[:-4],  # the line stops inside its JSON
        "[1, 2]",
        '{"messages": [], "messages": []}',
        chat("Bye?", ""),
        chat("Again?", "Yes \u0007 bell.", id=7),
        chat("Last?", "Last."),
    ]
).encode()
ROW = json.loads(chat("Hi?", "Hello."))
JSON_ARRAY = json.dumps([ROW, "text, not a row", json.loads(chat("Bye?", "")), ROW], indent=2).encode()
JSON_WRAPPED = json.dumps({"version": 2, "data": [ROW, json.loads(chat("?", ""))]}).encode()
JSON_VALUES = (chat("Hi?", "Hello.") + ",\n" + chat("Bye?", "") + ",\n").encode()  # objects with commas between
CSV = (
    "sep=;\n"
    "question;answer;source\n"
    "What is 2+2?;Four.;book\n"
    '"A question\nover two lines?";"Yes.";web\n'
    "\n"
    ";Empty question.;web\n"
    "Short row?\n"
    'Bell?;"Ring \u0007.";web\n'
).encode()
FILES = {
    "chats.jsonl": JSONL,
    "chats.json": JSON_ARRAY,
    "wrapped.json": JSON_WRAPPED,
    "values.json": JSON_VALUES,
    "faq.csv": CSV,
}


def seen(result: data.LoadResult, name: str, plain: str) -> str:
    """Everything `result` says, the compressed file's name written as the plain file's."""
    said = dataclasses.asdict(result) | {"where": [result.where(e.row) for e in result.errors + result.warnings]}
    return json.dumps(said, sort_keys=True, default=str).replace(name, plain)


@pytest.mark.parametrize("suffix", list(COMPRESS))
@pytest.mark.parametrize("plain", list(FILES))
def test_a_compressed_file_reads_as_its_plain_file_row_for_row_and_warning_for_warning(plain, suffix, tmp_path):
    body, name = FILES[plain], plain + suffix
    (tmp_path / plain).write_bytes(body)
    (tmp_path / name).write_bytes(COMPRESS[suffix](body))
    expected = data.load_file(tmp_path / plain)
    assert expected.errors and expected.rows  # the file has bad rows and good ones to compare
    got = data.load_file(tmp_path / name)
    assert seen(got, name, plain) == seen(expected, plain, plain)
    assert data.peek_fields(tmp_path / name) == data.peek_fields(tmp_path / plain)


def test_the_files_say_what_they_are_meant_to():
    # The parity above compares files that have bad rows, warnings and notes to compare.
    jsonl = data.load_bytes(JSONL, "chats.jsonl")
    assert [e.row for e in jsonl.errors] == [3, 4, 5, 6] and [w.row for w in jsonl.warnings] == [7]
    assert [e.row for e in data.load_bytes(JSON_ARRAY, "chats.json").errors] == [2, 3]
    csv = data.load_bytes(CSV, "faq.csv", column_map={"instruction": "question", "output": "answer"})
    assert csv.lines and csv.warnings and csv.errors
    assert [csv.where(e.row) for e in csv.errors][0].startswith("data row 3 (line 7 of the file)")


@pytest.mark.parametrize("suffix", list(COMPRESS))
def test_data_inspect_prints_the_same_report(suffix, tmp_path, capsys):
    for plain, body in FILES.items():
        (tmp_path / plain).write_bytes(body)
        (tmp_path / (plain + suffix)).write_bytes(COMPRESS[suffix](body))
        for extra in (["--json"], []):
            said = []
            for name in (plain, plain + suffix):
                rc = main(["data", "inspect", str(tmp_path / name), *extra])
                out, err = capsys.readouterr()
                said.append((rc, out.replace(name, plain), err.replace(name, plain)))
            assert said[0] == said[1], plain


@pytest.mark.parametrize("suffix", list(COMPRESS))
def test_a_cut_short_archive_is_one_error_line_naming_it(suffix, tmp_path, capsys):
    path = tmp_path / f"chats.jsonl{suffix}"
    path.write_bytes(COMPRESS[suffix](JSONL * 50)[:-30])
    assert main(["data", "inspect", str(path)]) == 2
    out, err = capsys.readouterr()
    assert not out and err.count("\n") == 1 and err.startswith(f"error: chats.jsonl{suffix} is "), err
    assert "-compressed but cannot be decompressed" in err and "damaged or cut short" in err


@pytest.mark.parametrize("name", ["rows.txt.gz", "rows.xml.bz2"])
def test_an_unknown_kind_under_the_compression_says_what_is_read(name, capsys, tmp_path):
    path = tmp_path / name
    path.write_bytes(COMPRESS["." + name.rsplit(".", 1)[1]](b"Plain words.\n"))
    assert main(["data", "inspect", str(path)]) == 2
    err = capsys.readouterr().err
    inner = "." + name.split(".")[1]
    assert err.startswith(f"error: {name}: unsupported file type '{inner}'. Use a {file_bytes.SUPPORTED} file.")


# --- the bound on what an archive holds ------------------------------------------------------------------


def small_memory(monkeypatch, fits: int) -> None:
    """A machine whose memory lets a plain file of `fits` bytes be read (`data_budget.check_budget`), no more."""
    monkeypatch.setattr(data_budget, "memory_bytes", lambda: fits * 2 * data_budget.BYTES_FACTOR)


def test_an_archive_is_bounded_as_a_plain_file_is_and_not_opened_past_it(monkeypatch, tmp_path):
    small_memory(monkeypatch, 10_000)
    body = (chat("Hi?", "Hello.") + "\n").encode() * 1000  # ~90 KB: a plain file of it is refused
    with pytest.raises(DataError, match=r"would take about .* more than half of this machine's"):
        data.load_bytes(body, "big.jsonl")
    read = []
    original = gzip.GzipFile.read
    monkeypatch.setattr(gzip.GzipFile, "read", lambda self, n=-1: read.append(original(self, n)) or read[-1])
    with pytest.raises(DataError) as refused:
        data.load_bytes(gzip.compress(body, mtime=0), "big.jsonl.gz")
    assert str(refused.value) == (
        "big.jsonl.gz holds more than 9.8 KiB once decompressed: read, it would take more than half of this machine's "
        "234.4 KiB of memory, which its other sessions and runs share. Decompress it (`gunzip big.jsonl.gz`) and "
        "split it into smaller files (`split -l 100000`)."
    )
    assert sum(map(len, read)) == 10_001  # decompressed one byte past the bound, then stopped
    with pytest.raises(DataError, match=r"^big\.zip holds more than 9\.8 KiB once decompressed"):
        data.load_bytes(zipped(body), "big.zip")
    with pytest.raises(DataError, match=r"^big\.jsonl\.xz holds more than 9\.8 KiB once decompressed"):
        data.peek_fields(write(tmp_path / "big.jsonl.xz", lzma.compress(body)))  # the Data page's first read
    # Within the bound: read as the plain file is.
    small = body[: body.index(b"\n") + 1] * 20
    assert data.load_bytes(gzip.compress(small, mtime=0), "ok.jsonl.gz").valid_rows == 20
    assert opened(gzip.compress(body, mtime=0), "ok.jsonl.gz") == (body, "ok.jsonl.gz")  # no bound given


def test_on_a_large_machine_the_bound_is_max_opened(monkeypatch):
    small_memory(monkeypatch, 8 << 30)
    monkeypatch.setattr(file_bytes, "MAX_OPENED", 1000)
    with pytest.raises(DataError, match=r"^big\.jsonl\.gz holds more than 0 GiB once decompressed, more than the"):
        data.load_bytes(gzip.compress(b" " * 5000, mtime=0), "big.jsonl.gz")


def write(path, body: bytes):
    path.write_bytes(body)
    return path


def zipped(body: bytes) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.jsonl", body)
    return out.getvalue()


# --- the Data page -------------------------------------------------------------------------------------------


def test_the_uploader_says_compressed_files_are_read():
    at = data_page()
    at.radio(key="data_source").set_value("Upload").run()
    box = at.file_uploader(key="data_upload")
    assert box.help == UPLOAD_HELP and "`train.jsonl.gz`" in UPLOAD_HELP
    assert {"gz", "bz2", "xz"} <= {t.lstrip(".") for t in box.proto.type}


def test_an_uploaded_jsonl_gz_reads_as_the_jsonl_and_its_stored_copy_keeps_working():
    body = (FIXTURES / "chat_mixed.jsonl").read_bytes()
    pages = []
    for name, payload in (("chat_mixed.jsonl", body), ("chat_mixed.jsonl.gz", gzip.compress(body, mtime=0))):
        at = data_page()
        at.radio(key="data_source").set_value("Upload").run()
        upload(at, name, payload)
        pages.append((read_as(at), [w.value.replace(name, "F") for w in at.warning], [e.value for e in at.error]))
    assert pages[0] == pages[1] and pages[1][0][1:] == ("chat messages", "4")
    # The stored copy: reopened after another page, still read, and saved as a split.
    round_trip(at)
    stored = [p for p in workspace.list_uploads() if p.name.endswith("-chat_mixed.jsonl.gz")]
    assert len(stored) == 1 and at.selectbox(key="data_earlier").value == stored[0].name
    assert any(c.value.startswith("Open: **chat_mixed.jsonl.gz**, the copy") for c in at.caption)
    assert read_as(at)[1:] == ("chat messages", "4") and not at.error
    at.text_input(key="split_name").input("gz chats").run()
    at.button(key="split_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    train, test, meta = workspace.load_split("gz_chats")
    assert len(train) + len(test) == 4 and meta["format"] == "messages"
