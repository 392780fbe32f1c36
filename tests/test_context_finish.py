"""GRPO's cut flags as TRL logs them (helper 73): a None TRL logs for an answer is "unknown", never "not cut"."""

from __future__ import annotations


def test_a_flag_trl_logged_as_none_reads_as_unknown_not_as_not_cut():
    """TRL fills a column with None for the answers of a process that logged no value for it (`gather_object` of
    `[None] * len(prompts)`): `bool(None)` read those answers as "not cut"."""
    from ftlib.alignment import completion_rows
    from ftlib.reward_preview import cut_note

    logs = {
        "prompt": ['[{"role": "user", "content": "Hi"}]'] * 3,
        "completion": ["Hello", "Hel", "He"],
        "rewards": {"r": [1.0, 0.0, 0.5]},
        "advantages": [0.5, -0.5, 0.0],
        "extra": {"at_limit": [False, True, None]},
    }
    rows = completion_rows(logs, {"r": 1.0})
    assert [r.get("at_limit") for r in rows] == [False, True, None]
    assert "at_limit" not in rows[2]  # unknown: no flag at all, as a row written before flags were recorded
    assert cut_note(rows, 8, "for the next run").startswith("✂ 1 of 2 answers stopped at the 8-token limit")
