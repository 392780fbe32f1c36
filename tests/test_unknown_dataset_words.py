"""The error for a `dataset` that is no split, file or sample names every file the readers take: .tsv and compressed
files were left out (".jsonl/.json/.csv/.parquet file")."""

from __future__ import annotations

import gzip

import pytest

from ftlib.config import ConfigError, RunConfig
from ftlib.file_bytes import COMPRESSED_SUFFIXES, SUFFIXES
from ftlib.run_data import read_dataset


def test_an_unknown_dataset_names_every_file_the_readers_take(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as refused:
        read_dataset(RunConfig(dataset="no-such-thing"))
    said = str(refused.value)
    assert "neither a saved split" in said and ".tsv" in said
    for kind in {*SUFFIXES.values()} - {"jsonl"}:  # .jsonl said too: ".json," would match it alone
        assert f".{kind}" in said, kind
    assert ".jsonl" in said and all(suffix in said for suffix in COMPRESSED_SUFFIXES)
    # as said: a compressed .tsv given by its path is read
    (tmp_path / "qa.tsv.gz").write_bytes(gzip.compress(b"instruction\toutput\n" + b"Hi?\tHello.\n" * 8))
    train, test, _ = read_dataset(RunConfig(dataset=str(tmp_path / "qa.tsv.gz"), test_size=0.25)).rows
    assert len(train) + len(test) == 8
