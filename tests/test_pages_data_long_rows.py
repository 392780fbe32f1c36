"""AppTest: the Data page's preview shows the start of a very long text, says how many characters it leaves out, and
shows the whole of it in an expander below, as a dataset viewer cuts a long cell (helper 191's walk: one row of a
few thousand characters filled the page). A short row is shown whole, with nothing added."""

from __future__ import annotations

import json
import os

import pytest

from tests.test_pages_data import FIXTURES, data_page, with_path
from ui.data_view import PREVIEW_CHARS, PREVIEW_LINES

REPLY = "".join(f"Satz {i}: die Flut steigt und fällt. " for i in range(400))  # one line, about 14,000 characters
LINES = "\n".join(f"Zeile {i}" for i in range(200))  # short, but 200 lines


@pytest.fixture(autouse=True)
def _allowed_data_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("FTLIB_DATA_DIRS", os.pathsep.join([str(FIXTURES), str(tmp_path)]))


def chats(*replies: str) -> list[str]:
    rows = [
        {"messages": [{"role": "user", "content": f"Frage {i}?"}, {"role": "assistant", "content": r}]}
        for i, r in enumerate(replies)
    ]
    return [json.dumps(r, ensure_ascii=False) for r in rows]


def texts(node) -> list[str]:
    return [t.value for t in node.text] + [c.value for c in node.code]


def test_a_long_reply_is_cut_with_what_is_left_out_said_and_shown_whole_in_an_expander(tmp_path):
    path = tmp_path / "lang.jsonl"
    path.write_text("\n".join(chats("Kurz.", REPLY)) + "\n", encoding="utf-8")
    at = with_path(data_page(), path)
    shown = texts(at.main)
    assert REPLY[:PREVIEW_CHARS] in shown and "Kurz." in shown
    left = len(REPLY) - PREVIEW_CHARS
    said = [c.value for c in at.caption if "more characters not shown" in c.value]
    assert said == [f"… {left:,} more characters not shown ({len(REPLY):,} in all): the whole text is below."]
    (whole,) = [e for e in at.expander if e.label == f"Show all {len(REPLY):,} characters"]
    assert texts(whole) == [REPLY]


def test_a_reply_of_many_short_lines_is_cut_at_its_lines(tmp_path):
    path = tmp_path / "zeilen.jsonl"
    path.write_text("\n".join(chats(LINES)) + "\n", encoding="utf-8")
    at = with_path(data_page(), path)
    head = "\n".join(LINES.split("\n")[:PREVIEW_LINES])
    assert head in texts(at.main) and texts(at.main).count(LINES) == 1  # whole only in the expander below
    (whole,) = [e for e in at.expander if e.label == f"Show all {len(LINES):,} characters"]
    assert texts(whole) == [LINES]
    left = len(LINES) - len(head)
    assert [c.value for c in at.caption if "more characters not shown" in c.value] == [
        f"… {left:,} more characters not shown ({len(LINES):,} in all): the whole text is below."
    ]


def test_short_rows_are_shown_whole_with_nothing_added():
    at = with_path(data_page(), FIXTURES / "chat_mixed.jsonl")
    assert not [c.value for c in at.caption if "more characters not shown" in c.value]
    assert not [e for e in at.expander if e.label.startswith("Show all")]
