"""What reading a big file holds at once: no second copy of the file's text beside it (a list of its lines, the key of
every row for the copies note), measured by tracemalloc's peak against the text's size, never by time (BENCHMARKS,
"Hostile input at scale", 2026-12-05: 6.0x the file's bytes at the peak of load_bytes, 5.0x after)."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from ftlib import splits
from ftlib.data import dedupe_rows, load_bytes
from ftlib.readers import jsonl_records
from ftlib.splits import duplicates_note, first_copies, most_copies, split_rows

LINES = 2000


def _peak(call, *args) -> tuple[object, int]:
    """(call(*args), the bytes tracemalloc saw allocated at most while it ran, over what was there before)."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = call(*args)
        return result, tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def test_jsonl_lines_are_parsed_one_at_a_time_not_listed_whole():
    # Small objects on long lines (spaces after each): the records are tiny, so a list of every line is the peak.
    text = "".join(json.dumps({"n": i}) + " " * 4000 + "\n" for i in range(LINES))
    (records, errors), peak = _peak(jsonl_records, text)
    assert errors == [] and [r["n"] for _, r in records] == list(range(LINES))
    assert peak < len(text) / 4, f"parsing held {peak:,} bytes for {len(text):,} of text: a copy of its lines"


def test_the_copies_note_keeps_no_key_of_each_row():
    rows = [{"messages": [{"role": "user", "content": f"{i} " + "word " * 200}]} for i in range(LINES)]
    rows.append(rows[5])
    text = sum(len(m["content"]) for r in rows for m in r["messages"])
    notes, peak = _peak(duplicates_note, rows, [f"line {i + 1}" for i in range(len(rows))])
    assert "line 2001 (of line 6)" in notes[0]
    assert peak < text / 4, f"the copies note held {peak:,} bytes for {text:,} of text: every row's key"
    assert _peak(most_copies, rows)[1] < text / 4 and _peak(dedupe_rows, rows)[1] < text / 4
    (train, test), peak = _peak(split_rows, rows, 0.1, 0)  # the split the Data page saves
    assert len(train) + len(test) == len(rows) and peak < text / 4, (
        f"the split held {peak:,} bytes for {text:,} of text"
    )


def test_a_jsonl_file_peaks_under_four_and_a_half_times_its_bytes():
    """The whole read of a chat file: 5.2x its bytes before (the lines listed, every row's key for the copies note)."""
    lines = []
    for i in range(LINES):
        turns = [{"role": "system", "content": "You answer briefly."}] if i % 3 == 0 else []
        turns += [{"role": "user", "content": f"Question {i}: " + "why " * (i % 30 + 5)}]
        turns += [{"role": "assistant", "content": "Because " * (i % 90 + 10)}]
        lines.append(json.dumps({"messages": turns}))
    data = ("\n".join(lines) + "\n").encode()
    result, peak = _peak(load_bytes, data, "chats.jsonl")
    assert len(result.rows) == LINES
    assert peak < 4.5 * len(data), f"reading took {peak / len(data):.1f}x the file's {len(data):,} bytes"


# Rows as the hash sees them: all alike (a collision for each), so only the keys can tell copies apart.
ROWS = [{"t": "a"}, {"t": "b"}, {"t": "a"}, {"t": "c"}, {"t": "b"}, {"t": "b"}]


@pytest.mark.parametrize("hashed", [hash, lambda key: 7], ids=["real hash", "every hash the same"])
def test_copies_are_rows_with_equal_keys_whatever_their_hashes(monkeypatch, hashed):
    monkeypatch.setattr(splits, "hash", hashed, raising=False)
    assert list(first_copies(ROWS)) == [None, None, 0, None, 1, 1]
    assert dedupe_rows(ROWS) == ([{"t": "a"}, {"t": "b"}, {"t": "c"}], 3)
    assert most_copies(ROWS) == 3 and most_copies([]) == 0 and most_copies(ROWS[:2]) == 1
    train, test = split_rows(ROWS, 1, seed=0)  # a row's copies on one side: c alone is held out
    assert test == [{"t": "c"}] and train == [{"t": "a"}, {"t": "b"}, {"t": "a"}, {"t": "b"}, {"t": "b"}]
    note = duplicates_note(ROWS, [f"line {i}" for i in range(1, 7)])[0]
    assert note.startswith("3 rows repeat an earlier one exactly: line 3 (of line 1), line 5 (of line 2), line 6 (of")
    assert "The row at line 2 is there 3 times." in note
