"""Compressed data files (dataset hubs publish `.jsonl.gz`, `.json.zst`, zipped CSVs) are read as the file they
hold, in every place a data file is read; what cannot be opened is refused with why and the command that helps.
The corpus of hostile files (tests/bad_inputs.py) takes gzip, zip, tar and double compression through the CLI and
the Data page; here each compression, the names messages use, and the limits."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import zipfile

import pytest
import zstandard

from ftlib import data, file_bytes
from ftlib.config import RunConfig
from ftlib.file_bytes import DataError, data_stem, opened
from ftlib.run_create import _new_id
from ftlib.run_picker import dataset_name

ROWS = [
    {"messages": [{"role": "user", "content": f"Question {i}?"}, {"role": "assistant", "content": f"Answer {i}."}]}
    for i in range(3)
]
JSONL = "".join(json.dumps(r) + "\n" for r in ROWS).encode()
CSV = b"question,answer\nWhat is 2+2?,Four.\nName a colour.,Blue.\n"


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in files.items():
            archive.writestr(name, body)
    return out.getvalue()


COMPRESS = {
    ".gz": lambda b: gzip.compress(b, mtime=0),
    ".bz2": bz2.compress,
    ".xz": lzma.compress,
    ".zst": lambda b: zstandard.ZstdCompressor().compress(b),
}


@pytest.mark.parametrize("suffix", list(COMPRESS))
def test_each_compression_is_read_as_the_file_it_holds(suffix, tmp_path):
    path = tmp_path / f"chats.jsonl{suffix}"
    path.write_bytes(COMPRESS[suffix](JSONL))
    result = data.load_file(path)
    assert result.format == "messages" and [r["messages"] for r in result.rows] == [r["messages"] for r in ROWS]
    assert not result.errors
    with pytest.raises(DataError, match=rf"^No row of chats\.jsonl{suffix} could be read\. line 2: "):
        data.load_bytes(COMPRESS[suffix](b"\n{oops\n"), f"chats.jsonl{suffix}")


def test_a_zstd_file_of_several_frames_is_read_whole(tmp_path):
    # `zstd` run over pieces and concatenated (as `cat a.zst b.zst` makes) is one file of two frames.
    path = tmp_path / "chats.jsonl.zst"
    half = JSONL.index(b"\n") + 1
    path.write_bytes(COMPRESS[".zst"](JSONL[:half]) + COMPRESS[".zst"](JSONL[half:]))
    assert len(data.load_file(path).rows) == 3


def test_a_zipped_csv_is_read_with_its_columns_and_named_inside_its_archive(tmp_path):
    path = tmp_path / "faq.zip"
    path.write_bytes(zipped({"__MACOSX/._faq.csv": b"\x00\x05", "export/faq.csv": CSV, "export/": b""}))
    fields = data.peek_fields(path)
    assert fields.table and fields.names == ["question", "answer"]
    result = data.load_file(path, column_map={"instruction": "question", "output": "answer"})
    assert [r["messages"][-1]["content"] for r in result.rows] == ["Four.", "Blue."]
    assert data.peek_columns(path) == ["question", "answer"]
    # A bad row is named in the archive, where its user will look for it.
    path.write_bytes(zipped({"export/faq.jsonl": JSONL + b"{not json\n"}))
    errors = data.load_file(path).errors
    assert [e.row for e in errors] == [4]
    assert data.load_file(path).where(4) == "line 4"
    with pytest.raises(DataError, match=r"^faq\.zip/export/faq\.jsonl is empty"):
        data.load_bytes(zipped({"export/faq.jsonl": b"\n"}), "faq.zip")


def test_a_gzipped_parquet_file_is_read(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = io.BytesIO()
    pq.write_table(pa.table({"prompt": ["Hi?", "Bye?"], "completion": ["Hello.", "Goodbye."]}), out)
    path = tmp_path / "pairs.parquet.gz"
    path.write_bytes(COMPRESS[".gz"](out.getvalue()))
    assert data.peek_fields(path).names == ["prompt", "completion"]
    assert len(data.load_file(path).rows) == 2


def test_json_fields_of_a_compressed_file_are_peeked(tmp_path):
    path = tmp_path / "chats.jsonl.bz2"
    path.write_bytes(COMPRESS[".bz2"](JSONL))
    assert data.peek_fields(path) == data.FileFields(["messages"], False)


def test_a_file_that_expands_past_the_limit_is_refused_before_it_fills_the_memory(monkeypatch):
    monkeypatch.setattr(file_bytes, "MAX_OPENED", 1000)
    bomb = gzip.compress(b" " * 5000, mtime=0)  # ~40 bytes that open to 5,000
    with pytest.raises(DataError, match=r"big\.jsonl\.gz holds more than 0 GiB once decompressed.*`gunzip big"):
        opened(bomb, "big.jsonl.gz")
    with pytest.raises(DataError, match="holds more than"):
        opened(zipped({"big.jsonl": b" " * 5000}), "big.zip")
    assert opened(gzip.compress(b" " * 1000, mtime=0), "ok.jsonl.gz") == (b" " * 1000, "ok.jsonl.gz")


def test_damaged_and_empty_archives_say_what_is_wrong():
    flipped = bytearray(gzip.compress(JSONL, mtime=0))
    flipped[-6] ^= 0xFF  # the CRC at the end no longer matches what the file holds
    with pytest.raises(DataError, match=r"^x\.jsonl\.gz is gzip-compressed but cannot be decompressed .*damaged"):
        opened(bytes(flipped), "x.jsonl.gz")
    with pytest.raises(DataError, match=r"^x\.jsonl\.xz is xz-compressed but cannot be decompressed"):
        opened(COMPRESS[".xz"](JSONL)[:-20], "x.jsonl.xz")
    with pytest.raises(DataError, match=r"^empty\.zip holds no file; the studio reads a zip archive of exactly one"):
        opened(zipped({"folder/": b""}), "empty.zip")
    with pytest.raises(DataError, match=r"^bare\.zip holds no file"):  # no entry at all: only the directory's end
        opened(zipped({}), "bare.zip")
    many = zipped({f"part-{i}.jsonl": JSONL for i in range(7)})
    with pytest.raises(DataError, match=r"holds 7 files \(part-0\.jsonl, .*part-4\.jsonl, \.\.\.\)"):
        opened(many, "parts.zip")


def test_spreadsheets_are_not_unzipped_but_refused_with_their_fix():
    with pytest.raises(DataError, match="Save the sheet as CSV"):
        data.load_bytes(zipped({"xl/workbook.xml": b"<workbook/>"}), "book.xlsx")


def test_other_files_pass_through_untouched():
    assert opened(JSONL, "chats.jsonl") == (JSONL, "chats.jsonl")
    # Named compressed but not (a browser decompressed the download and kept the name): read as what it is.
    assert opened(CSV, "faq.csv.gz") == (CSV, "faq.csv.gz")
    assert data.load_bytes(CSV, "faq.csv.gz").column_map
    assert data.load_bytes(JSONL, "chats.jsonl.gz").valid_rows == 3
    assert data.load_bytes(JSONL, "chats.zip").valid_rows == 3  # sniffed: no suffix left to go by
    with pytest.raises(DataError, match=r"^notes\.txt\.gz: unsupported file type '\.txt'\. .*notes\.txt > notes"):
        data.load_bytes(b"Plain words.\n", "notes.txt.gz")


def test_runs_and_pickers_name_a_compressed_dataset_by_its_stem():
    assert data_stem("/data/faq.jsonl.gz") == data_stem("faq.jsonl") == "faq"
    assert dataset_name("/data/faq.csv.zst") == "faq"
    assert _new_id(RunConfig(dataset="/data/faq.jsonl.gz")).endswith("-faq")
    # A file named for its split (as projects publish them) is named by its folder: not a run called "lora-train".
    assert _new_id(RunConfig(dataset="/home/ada/pirates/train.jsonl.gz")).endswith("-pirates")
    assert dataset_name("/hub/pirates/data/train-00000-of-00001.parquet") == "pirates"
    assert data_stem("train.jsonl") == "train"
