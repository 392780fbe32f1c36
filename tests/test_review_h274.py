"""Helper 274's review of the commits after d3331554: what each left half done, pinned."""

from __future__ import annotations

import json
import weakref

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


class _Record(dict):
    """A row's record that a weak reference can watch: dead once nothing holds it."""


def test_judged_rows_let_go_of_each_record_once_it_is_paired(monkeypatch):
    """Review of 437b1f92 (no test came with it): bc9aaf80's two passes over a file's rows kept every raw record alive
    beside its pair until the last row was paired, where data.py drains each pass (note_records.drained) so that a
    large file's raw rows are let go of as they are converted. Fed as data.py feeds it, each record is dead by the
    time the next row is paired."""
    from ftlib import judged_pairs
    from ftlib.note_records import drained

    rows = [
        (n, _Record(prompt=f"Q{n}?", response_0=f"A{n}", response_1=f"B{n}", better_response_id=n % 2))
        for n in range(1, 4)
    ]
    watched = [weakref.ref(record) for _, record in rows]
    alive_at_pairing = []
    real = judged_pairs.judged_pair

    def pairing(record, shape):  # the records before this one: still held by judged_records?
        alive_at_pairing.append([ref() is not None for ref in watched[: watched.index(weakref.ref(record))]])
        return real(record, shape)

    monkeypatch.setattr(judged_pairs, "judged_pair", pairing)
    pairs = judged_pairs.judged_records(drained(rows))[0]
    assert [pair["chosen"] for _, pair in pairs] == ["B1", "A2", "B3"]
    assert alive_at_pairing == [[], [False], [False, False]]


def test_a_prompts_completions_column_with_no_rating_is_still_a_file_of_prompts():
    """Review of f573851c: any {prompt, completions: [{text}]} row was taken for UltraFeedback's raw rows, so a file of
    prompts whose `completions` column holds reference answers for GRPO's rewards (no rating anywhere) was refused
    whole ("none of its 2 completions has a rating"), where it loaded as prompts before. Rated ones still pair."""
    prompts = [
        {"prompt": "What is 2+2?", "completions": [{"text": "4"}, {"text": "four"}]},
        {"prompt": "Capital of France?", "completions": [{"text": "Paris"}]},
    ]
    read = load_bytes(_jsonl(*prompts), "c.jsonl")
    assert read.format == "prompt_only" and len(read.rows) == 2 and not read.errors, read.errors
    rated = [
        {
            "prompt": "What is 2+2?",
            "completions": [{"text": "5", "overall_score": 2}, {"text": "4", "overall_score": 9}],
        }
    ]
    paired = load_bytes(_jsonl(*rated), "r.jsonl")
    assert paired.format == "preference" and paired.rows[0]["chosen"][0]["content"] == "4"
