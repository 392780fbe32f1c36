"""The `warning:` line naming the rows a command does not use ends its list with one full stop (helper 267): a
reason cut after a whole sentence ends with "…", and the line read "nothing to train on. …. See every row"."""

from __future__ import annotations

import json
from types import SimpleNamespace

from ftlib.commands import skipped_warning
from ftlib.data import load_bytes

CHAT = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]}
NO_ANSWER = {"messages": [{"role": "user", "content": "Hi"}]}  # refused: no assistant turn (a long reason)


def warned(rows: list[dict]) -> str:
    text = "".join(json.dumps(r) + "\n" for r in rows).encode()
    said = skipped_warning(load_bytes(text, "chats.jsonl"), SimpleNamespace(file="chats.jsonl", fmt=None, map=[]))
    assert said is not None
    return said


def test_a_reason_cut_short_is_not_followed_by_a_second_stop():
    said = warned([CHAT, NO_ANSWER, CHAT])
    assert "line 2: " in said and "…" in said, said  # the reason is long enough to be cut
    assert "…." not in said and ".." not in said and " … See every row with" in said, said


def test_a_reason_said_whole_ends_with_one_stop_and_more_rows_are_counted():
    said = warned([CHAT, *[{"messages": []}] * 5])
    # one reason for 5 rows, said once with them (h288: grouped as the Data page groups them), then one stop
    assert ".." not in said and "5 rows: lines 2, 3, 4 and 2 more: " in said, said
    assert "no conversation. See every row with" in said, said
