"""load_split's re-read (ftlib.workspace), as a mutation review found untested: a read that fails while a save
replaces the split is read again (not called damaged), and a split saved over at every read is refused by name, never
read as empty."""

from __future__ import annotations

import pytest

from ftlib import workspace


def _rows(tag: str, n: int) -> list[dict]:
    return [
        {"messages": [{"role": "user", "content": f"{tag} {i}?"}, {"role": "assistant", "content": "Ahoy!"}]}
        for i in range(n)
    ]


def test_a_read_cut_short_by_a_save_over_the_split_is_read_again(monkeypatch):
    """On a network file system a save over the split can cut a read short (a half-written line): the split changed
    meanwhile, so the new one is read whole, not reported damaged."""
    workspace.save_split("pirates", _rows("old", 6), _rows("old-test", 3))
    real_read, saved = workspace.read_jsonl, []

    def read_jsonl(path, *args, **kwargs):
        if path.name == "test.jsonl" and not saved:
            saved.append(workspace.save_split("pirates", _rows("new", 5), _rows("new-test", 2)))
            raise ValueError("line 2 is not JSON: Expecting ',' delimiter")
        return real_read(path, *args, **kwargs)

    monkeypatch.setattr(workspace, "read_jsonl", read_jsonl)
    train, test, meta = workspace.load_split("pirates")
    assert (len(train), len(test), meta["train_rows"]) == (5, 2, 5)


def test_a_split_saved_over_at_every_read_is_refused_not_read_empty(monkeypatch):
    workspace.save_split("pirates", _rows("old", 6), _rows("old-test", 3))
    real_read, saves = workspace.read_jsonl, []

    def read_jsonl(path, *args, **kwargs):
        rows = real_read(path, *args, **kwargs)
        if path.name == "train.jsonl":  # a teammate's script saving it in a loop
            saves.append(workspace.save_split("pirates", _rows(f"v{len(saves)}", 4), _rows("t", 2)))
        return rows

    monkeypatch.setattr(workspace, "read_jsonl", read_jsonl)
    with pytest.raises(workspace.SplitDamaged, match="saved over again and again while it was read: open it again"):
        workspace.load_split("pirates")
