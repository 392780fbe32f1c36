"""A review of the session's commits (helper 117): what it found wrong, each pinned here."""

from __future__ import annotations

from ftlib.data import load_bytes


def test_a_minus_one_label_is_refused_not_read_as_good():
    """f21b85b let a label's spelling drop '-' ("thumbs-up" is "thumbs_up"), and with it a number's sign: a CSV of
    +1/-1 labels read every -1 (a bad answer) as 1, good, silently. A number is read as written: -1 is refused."""
    loaded = load_bytes(b"prompt,completion,label\nHi,Hello,1\nHo,Go away,-1\nHa,Sure,0\n", "feedback.csv")
    assert [r["label"] for r in loaded.rows] == [True, False]
    (error,) = loaded.errors
    assert "not '-1'" in error.message
