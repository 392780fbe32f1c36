"""`split_warnings` computes each row's `row_key` once: `crowded_warnings` (the copies of one row) and `shared_prompts`
(a prompt's answers told from copies of one row) each computed every row's key (about 0.7 s each on 100,000 chat
rows: BENCHMARKS, "A split's warnings read each prompt once"), and `data split` grouped the rows by prompt again for
`prompt_warnings` before `split_warnings`. The warnings are the same: tests/test_split_groups_once.py compares them
with the old functions' on 360 seeded splits."""

from __future__ import annotations

import json

from ftlib import prompt_groups, splits
from ftlib.cli import main


def chats(n_prompts: int, answers: int) -> list[dict]:
    return [
        {"messages": [{"role": "user", "content": f"Q{p}?"}, {"role": "assistant", "content": f"A{a}."}]}
        for p in range(n_prompts)
        for a in range(answers)
    ]


def counting(monkeypatch, module, name: str, calls: list) -> None:
    """Count the calls to `module.name` (one list per function) where it is looked up at call time."""
    real = getattr(prompt_groups, name)

    def counted(row, *args, **kwargs):
        if not kwargs.get("spaced") and not args:
            calls.append(1)
        return real(row, *args, **kwargs)

    monkeypatch.setattr(module, name, counted)


def test_split_warnings_computes_each_rows_key_once(monkeypatch):
    rows = chats(50, 4) + chats(1, 1) * 3  # prompts of 4 answers, and a row copied 3 times
    train, test = splits.split_rows(rows, 0.2, 0)
    said = splits.split_warnings(len(train), len(test), "sft", train=train, test=test)
    keys: list = []
    for module in (splits, prompt_groups):
        counting(monkeypatch, module, "row_key", keys)
    assert splits.split_warnings(len(train), len(test), "sft", train=train, test=test) == said
    assert len(keys) <= len(rows) + 10  # each row once, and a few more (one prompt's rows, the test split's first)


def test_data_split_groups_the_rows_by_prompt_once_for_its_warnings(tmp_path, monkeypatch, capsys):
    rows = chats(30, 3) + chats(1, 1) * 4  # copies: the size said may be moved by copies or by whole prompts
    path = tmp_path / "chats.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    prompts: list = []
    real = prompt_groups.prompt_key
    monkeypatch.setattr(prompt_groups, "prompt_key", lambda row: prompts.append(1) or real(row))
    assert main(["data", "split", str(path), "--test-size", "7", "--out", str(tmp_path / "o")]) == 0
    assert "warning: " in capsys.readouterr().err
    # split_rows groups the file's rows, then split_warnings the split's (and near_duplicates reads no prompt_key)
    assert len(prompts) <= 2 * len(rows) + 10
