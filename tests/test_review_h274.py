"""Helper 274's review of the commits after d3331554: what each left half done, pinned."""

from __future__ import annotations

import json

from ftlib.data import load_bytes


def _jsonl(*rows: dict) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


BAD_FIRST = [
    {"prompt": "What is two plus two?", "bad": "It is five, as everyone knows.", "good": "Two plus two is four."},
    {"prompt": "Name the capital of France.", "bad": "The capital is Lyon.", "good": "The capital is Paris."},
]


def test_a_bad_column_is_never_the_answer_offered_to_imitate_or_reward():
    """Review of e3d92601: the pair offer read `good` as chosen, but the same warning still offered the file's first
    field, `bad`, as the answer to imitate (`--map bad=completion`) and as GRPO's column reward
    ({"contains_column": "bad"}), and the Data page asked for `bad` first as the Answer column."""
    result = load_bytes(_jsonl(*BAD_FIRST), "bg.jsonl")
    said = " ".join(n.message for n in result.notices)
    assert "--map good=completion" in said and "--map bad=completion" not in said, said
    assert '"contains_column": "good"' in said and '"contains_column": "bad"' not in said, said
    assert "--map good=chosen --map bad=rejected" in said, said  # e3d92601's own fix kept
    assert result.unread_answers == ["good", "bad"]  # the Data page's "Which column holds the answer" lists good first
