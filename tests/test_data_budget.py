"""A data file whose parsed rows would take more than half the machine's memory is refused before they are parsed
(ftlib/data_budget.py). A shared-server review: a 109 KB Parquet file of one small row repeated a million times
(dictionary-encoded) read to 2.4 GB in the server, and ten times the rows would take the machine down with every
session and run on it. The limits here are set small; the files are small."""

from __future__ import annotations

import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ftlib import data_budget, readers
from ftlib.data import load_bytes
from ftlib.readers import DataError


def parquet_of(rows: int) -> bytes:
    table = pa.table(
        {"prompt": pa.array(["What is 2+2?"] * rows).dictionary_encode(), "completion": pa.array(["4"] * rows)}
    )
    out = io.BytesIO()
    pq.write_table(table, out, compression="zstd")
    return out.getvalue()


def test_a_parquet_file_of_many_rows_is_refused_before_its_rows_are_python_objects(monkeypatch):
    data = parquet_of(4000)
    monkeypatch.setattr(data_budget, "memory_bytes", lambda: 4000 * data_budget.ROW_BYTES)  # half: 2,000 rows
    monkeypatch.setattr(readers, "parquet_rows", lambda table: pytest.fail("the rows were read"))
    with pytest.raises(DataError, match=r"bomb.parquet would take about 9.5 MiB of memory once read \(4,000 rows, "):
        load_bytes(data, "bomb.parquet")
    assert len(data) < 4000  # a few KB of file: the bytes alone say nothing
    monkeypatch.undo()
    assert len(load_bytes(data, "ok.parquet").rows) == 4000  # on this machine's memory: read


def test_a_text_file_is_weighed_by_its_bytes_and_its_lines(monkeypatch):
    data = "\n".join(json.dumps({"prompt": f"Question {i}?", "completion": "Yes."}) for i in range(300)).encode()
    monkeypatch.setattr(data_budget, "memory_bytes", lambda: len(data) * data_budget.BYTES_FACTOR)  # half: too little
    with pytest.raises(DataError, match=r"300 rows, .* KiB of data\), more than half of this machine's"):
        load_bytes(data, "qa.jsonl")
    monkeypatch.setattr(data_budget, "memory_bytes", lambda: 2 * data_budget.estimate(300, len(data)))
    assert len(load_bytes(data, "qa.jsonl").rows) == 300


def test_the_machines_memory_is_read_and_a_containers_lower_limit_wins(tmp_path, monkeypatch):
    total = data_budget.memory_bytes()
    assert total > 1 << 28  # at least 256 MiB: a real number, not the "no bound" fallback's absurd one
    limit = tmp_path / "memory.max"
    limit.write_text(f"{1 << 28}\n")
    monkeypatch.setattr(data_budget, "CGROUP_LIMIT", limit)
    assert data_budget.memory_bytes() == min(total, 1 << 28)
    limit.write_text("max\n")  # no limit set
    assert data_budget.memory_bytes() == total
