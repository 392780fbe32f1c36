"""Behaviours of the session of 2026-12-05's new and changed engine code that no test held, found by hand mutation
(each test here fails when the line it names is changed)."""

from __future__ import annotations

from types import SimpleNamespace

from ftlib import eval_stats


def _replies(*counts: int) -> list:
    return [SimpleNamespace(index=i, reply=r) for i, n in enumerate(counts) for r in range(1, n + 1)]


def test_one_conversation_of_several_replies_is_said_in_the_singular():
    """It said "the 2 replies of 1 conversations"."""
    said = eval_stats.replies_note(_replies(2))
    assert said.startswith("The interval counts each of the 2 replies of 1 conversation as a draw of its own")
