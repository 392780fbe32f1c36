"""`python -m ftlib train --dataset FILE` says how it read the file (`ftlib.commands.file_notes`), as `data inspect`
and `data split` say it: a user training straight from a file saw the `warning:` lines but never the `note:` that a
column was read as the completion. Nothing trains (`no_training`)."""

from __future__ import annotations

import json

from ftlib.cli import main
from tests.test_cli_train_data import SMALL

# Answers marked good or bad whose answer column has no field's name: mapping the label reads `answer` as the
# completion, which `data inspect` says in a note.
RATED = [{"question": f"Question {i}?", "answer": f"Answer {i}.", "good": i % 2 == 0} for i in range(8)]
MARKS = "`good` is read as the label of answers marked good or bad (KTO), so `answer` is read as the answer it marks"


def test_train_on_a_file_says_how_it_was_read_once_as_data_split_says_it(
    tmp_path, capsys, tiny_model_dir, no_training
):
    path = tmp_path / "rated.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in RATED))
    mapping = ["--map", "good=label", "--map", "question=prompt"]
    assert main(["data", "split", str(path), *mapping, "--out", str(tmp_path / "split")]) == 0
    (said,) = [line for line in capsys.readouterr().err.splitlines() if MARKS in line]
    args = ["train", "--method", "kto", "--model", str(tiny_model_dir), "--dataset", str(path), "--test-size", "2"]
    assert main([*args, *SMALL, *mapping, "--detach"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert [line for line in err if MARKS in line] == [said]  # `note: ...`, once, in `data split`'s words
    assert said.startswith("note: ")
