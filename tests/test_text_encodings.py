"""Text encodings a user cannot see: the same words in two Unicode normalisations (NFC typed on Windows, NFD on a
Mac), a review of 2026-12-05."""

from __future__ import annotations

import json

from ftlib import data
from ftlib.data import load_bytes, split_rows

NFC, NFD = "Caf\u00e9 au lait", "Cafe\u0301 au lait"  # the same words: one precomposed é, one e + combining acute


def test_rows_that_differ_only_in_unicode_normalisation_are_named_as_copies_and_kept_as_written():
    rows = [
        {"prompt": NFC, "completion": "Oui."},
        {"prompt": "Tea", "completion": "Yes."},
        {"prompt": NFD, "completion": "Oui."},
    ]
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    result = load_bytes(text.encode(), "cafe.jsonl")
    (note,) = [n.message for n in result.notices if "repeat" in n.message]
    assert note.startswith("1 row repeats an earlier one: line 3 (of line 1).")
    assert "Unicode NFC vs NFD" in note
    # The text trained is the file's own: NFD stays NFD.
    assert [r["messages"][0]["content"] for r in result.rows] == [NFC, "Tea", NFD]
    deduped, dropped = data.dedupe_rows(result.rows)
    assert dropped == 1 and deduped == result.rows[:2]  # the first kept, as written
    for seed in range(6):  # the two stay on one side of a split, as exact copies do
        train, test = split_rows(result.rows, test_size=1, seed=seed)
        assert [r["messages"][0]["content"] for r in test] == ["Tea"], seed


def test_exact_copies_are_still_said_to_be_exact():
    row = json.dumps({"prompt": NFD, "completion": "Oui."}, ensure_ascii=False) + "\n"
    (note,) = [n.message for n in load_bytes((row * 2).encode(), "c.jsonl").notices if "repeat" in n.message]
    assert note.startswith("1 row repeats an earlier one exactly: line 2 (of line 1).") and "NFC" not in note
