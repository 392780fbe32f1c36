"""A field nothing reads is said alike by `data inspect`, `tokens` and `train` (helper 267): a table's column and a
JSON row's id are a `note:` (a sheet's extra columns are normal, an id is metadata: nothing is lost), a JSON row's
other unread key a `warning:` (often a misspelt field, its text lost). `train` printed a CSV's unread column as a
warning where the other two said it in a note (ftlib.commands.file_warnings took every unread field)."""

from __future__ import annotations

import csv
import json
import sys

import pytest

from ftlib import runs
from ftlib.cli import main

ROWS = [
    {"prompt": f"What is {i}+{i}?", "completion": f"It is {2 * i}.", "source": "web", "id": f"r{i}"} for i in range(12)
]


def write(tmp_path, ext: str):
    path = tmp_path / f"extra.{ext}"
    if ext == "csv":  # no id column: a table's unread columns are all one note
        with path.open("w", newline="") as f:
            out = csv.DictWriter(f, ["prompt", "completion", "source"], extrasaction="ignore")
            out.writeheader()
            out.writerows(ROWS)
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    return path


def said(lines: list[str], word: str) -> set[str]:
    """The kinds of line ("warning", "note") among `lines` that name `word` as a field."""
    return {line.split(":")[0].strip() for line in lines if f"`{word}`" in line or f" {word} (" in line}


@pytest.mark.parametrize(
    ("ext", "expected"),
    [
        ("csv", {"source": {"note"}}),
        ("jsonl", {"source": {"warning"}, "id": {"note"}}),
    ],
)
def test_inspect_tokens_and_train_say_an_unread_field_with_one_severity(
    ext, expected, tmp_path, capsys, monkeypatch, tiny_model_dir
):
    path = write(tmp_path, ext)
    assert main(["data", "inspect", str(path)]) == 0
    inspect = capsys.readouterr().out.splitlines()
    assert main(["tokens", str(path), "--model", str(tiny_model_dir)]) == 0
    tokens = capsys.readouterr().err.splitlines()
    # a stand-in process: --detach only queues the run, after every line train prints of the file
    monkeypatch.setattr(runs, "launch_command", lambda run, config, **_: [sys.executable, "-c", "pass", str(run.path)])
    assert main(["train", "--dataset", str(path), "--model", str(tiny_model_dir), "--device", "cpu", "--detach"]) == 0
    train = capsys.readouterr().err.splitlines()
    for field, kinds in expected.items():
        assert said(inspect, field) == kinds, inspect
        assert said(tokens, field) == kinds, tokens
        assert said(train, field) == kinds, train
    # ... and in the same words: the note `data inspect` prints is the one `train` and `tokens` print
    notes = [line.split(":", 1)[1].strip() for line in inspect if line.startswith("note:")]
    for note in notes:
        assert f"note: {note}" in train and f"note: {note}" in tokens
