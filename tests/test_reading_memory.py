"""What reading a big file holds at once: no second copy of the file's text beside it (a list of its lines, the key of
every row for the copies note), measured by tracemalloc's peak against the text's size, never by time (BENCHMARKS,
"Hostile input at scale", 2026-12-05: 6.0x the file's bytes at the peak of load_bytes, 5.0x after)."""

from __future__ import annotations

import json
import tracemalloc
import weakref

import pytest

from ftlib import prompt_groups
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
    monkeypatch.setattr(prompt_groups, "hash", hashed, raising=False)  # first_copies' module
    assert list(first_copies(ROWS)) == [None, None, 0, None, 1, 1]
    assert dedupe_rows(ROWS) == ([{"t": "a"}, {"t": "b"}, {"t": "c"}], 3)
    assert most_copies(ROWS) == 3 and most_copies([]) == 0 and most_copies(ROWS[:2]) == 1
    train, test = split_rows(ROWS, 1, seed=0)  # a row's copies on one side: c alone is held out
    assert test == [{"t": "c"}] and train == [{"t": "a"}, {"t": "b"}, {"t": "a"}, {"t": "b"}, {"t": "b"}]
    note = duplicates_note(ROWS, [f"line {i}" for i in range(1, 7)])[0]
    assert note.startswith("3 rows repeat an earlier one exactly: line 3 (of line 1), line 5 (of line 2), line 6 (of")
    assert "The row at line 2 is there 3 times." in note


class _Tracked(dict):
    """A record a weak reference can follow (a dict cannot have one)."""

    __slots__ = ("__weakref__",)


def test_each_record_is_let_go_as_its_row_is_made(monkeypatch):
    """When row k is converted, the records before it are gone: the records were all held until the file's notes
    were made, beside the rows (BENCHMARKS, "Reading a big file", 2026-12-05: 2.3x the file, the records' own 1.2x)."""
    from ftlib import data as data_module

    refs, alive = [], []
    api_records, convert = data_module.api_records, data_module.convert

    def tracked(raw):
        records, notes = api_records(raw)
        records = [(number, _Tracked(record)) for number, record in records]
        refs.extend(weakref.ref(record) for _, record in records)
        return records, notes

    def counted(record, *args, **kwargs):
        alive.append(sum(ref() is not None for ref in refs))
        return convert(record, *args, **kwargs)

    monkeypatch.setattr(data_module, "api_records", tracked)
    monkeypatch.setattr(data_module, "convert", counted)
    turns = [[{"role": "user", "content": f"Q{i}"}, {"role": "assistant", "content": "A."}] for i in range(50)]
    result = load_bytes("".join(json.dumps({"messages": t}) + "\n" for t in turns).encode(), "chats.jsonl")
    assert len(result.rows) == 50 and alive == list(range(50, 0, -1)), alive


def test_the_notes_read_of_each_record_are_the_records_own():
    """What note_records keeps of a record gives the notes the record gives: blanks, placeholders and formulas under
    the fields read, the records that look like another format (kept whole); alike records share one dict."""
    from collections import Counter

    from ftlib.blank_values import blank_values
    from ftlib.cell_checks import placeholder_cells
    from ftlib.note_records import NoteRecords
    from ftlib.notices import file_notices, own_chat_shape

    records = [
        (1, {"instruction": "Hi", "output": "Hello.", "system": "Be brief."}),
        (2, {"instruction": "Hey", "output": " n/a ", "system": "   ", "note": "TBD"}),
        (3, {"instruction": "=SUM(A1:A3)", "output": "Six.", "system": None, "label": float("nan")}),
        (4, {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Ahoy"}]}),
        (5, {"instruction": "Yo", "output": "Hello!", "system": "Be kind."}),
        (6, {"prompt": "2+2?", "completion": "4", "label": True}),
    ]
    notes = NoteRecords("alpaca")
    for number, record in records:
        notes.add(number, record, own_chat_shape(record, "alpaca"))
    kept, where = [1, 2, 3, 5], lambda n: f"row {n}"
    fields = ("instruction", "input", "output", "system")
    assert blank_values(notes.records, kept, "alpaca", {}, "jsonl", False) == blank_values(
        records, kept, "alpaca", {}, "jsonl", False
    )
    assert placeholder_cells(notes.records, kept, {}, where, False, fields) == placeholder_cells(
        records, kept, {}, where, False, fields
    )
    (cells,) = placeholder_cells(records, kept, {}, where, False, fields)
    assert "row 2: `output` is only `n/a`" in cells.message and "row 3: `instruction` is a formula" in cells.message
    ignored = Counter({"note": 1, "label": 1})
    assert file_notices(ignored, notes.looking(), "alpaca", {4}) == file_notices(ignored, records, "alpaca", {4})
    assert [n for n, r in notes.looking() if r] == [4, 6] and len(notes.looking()) == 6
    assert notes.records[0][1] is notes.records[4][1]  # alike: one dict


def test_a_csv_file_peaks_under_four_times_its_bytes():
    """Its bytes, its text (4 bytes a character for one emoji), the reader's rows, the records, the mapped records and
    the canonical rows were all held at once: 12.9x its bytes; each is let go as the next is made now (3.1x)."""
    rows = "".join(f'"Question {i}: {"why " * (i % 30 + 5)}","{"Because " * (i % 90 + 10)}"\n' for i in range(LINES))
    data = ("instruction,output\n" + rows + "Last,😀\n").encode()
    result, peak = _peak(load_bytes, data, "qa.csv")
    assert len(result.rows) == LINES + 1
    assert peak < 4 * len(data), f"reading took {peak / len(data):.1f}x the file's {len(data):,} bytes"
