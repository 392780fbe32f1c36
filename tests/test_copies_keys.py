"""`splits.first_copies` holds at most KEPT_KEYS rows' keys: a file written twice over held the key of every row
matched, half the file again while the Data page's copies note was made (BENCHMARKS, "Reading a big file")."""

from __future__ import annotations

import random
import tracemalloc

import pytest

from ftlib import prompt_groups  # where first_copies and its KEPT_KEYS live (splits re-exports them)
from ftlib.splits import duplicates_note, first_copies, row_key


def _by_keys(rows: list[dict]) -> list[int | None]:
    """first_copies as a dict of every row's key finds them."""
    seen: dict[str, int] = {}
    return [None if (j := seen.setdefault(row_key(r), i)) == i else j for i, r in enumerate(rows)]


def test_a_file_written_twice_over_keeps_no_key_of_each_row(monkeypatch):
    monkeypatch.setattr(prompt_groups, "KEPT_KEYS", 16)  # of 2,000 rows matched
    rows = [{"messages": [{"role": "user", "content": f"{i} " + "word " * 200}]} for i in range(2000)]
    rows += [dict(r) for r in rows]
    text = sum(len(m["content"]) for r in rows for m in r["messages"])
    tracemalloc.start()
    try:
        notes = duplicates_note(rows, [f"line {i + 1}" for i in range(len(rows))])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert notes[0].startswith("2000 rows repeat an earlier one exactly: line 2001 (of line 1)")
    assert peak < text / 4, f"the copies note held {peak:,} bytes for {text:,} of text: a key of each row"


@pytest.mark.parametrize("hashed", [hash, lambda key: len(key) % 3], ids=["real hash", "three hashes"])
def test_copies_are_those_of_every_key_with_few_keys_kept(monkeypatch, hashed):
    monkeypatch.setattr(prompt_groups, "hash", hashed, raising=False)
    monkeypatch.setattr(prompt_groups, "KEPT_KEYS", 2)
    rng = random.Random(3)
    rows = [{"t": "x" * rng.randint(0, 8)} for _ in range(300)]
    assert list(first_copies(rows)) == _by_keys(rows)
