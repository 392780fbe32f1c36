"""A .json file of rows per split (`{"train": [...], "test": [...]}`, or one key further in) is read as one dataset.
Where one of its keys is named as held out, the note says the file holds its own split, which `data split`, `train`
and the Data page then use (tests/test_split_keys.py); where none is (`{"sft": [...], "gen": [...]}`), it says exactly
how to keep a key's rows apart: the command that saves each key's rows as a file of its own (helper 191's walk: "save
each key as a separate file", with no way said to do it), run here on the file."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from ftlib.data import load_bytes
from ftlib.json_layout import json_layout
from ui.labels import on_data_page

ROWS = [{"prompt": f"Wie heißt die Zahl nach {i}?", "completion": f"{i + 1}."} for i in range(7)]
CASES = [
    ("top", {"sft": ROWS[:5], "gen": ROWS[5:], "info": {"name": "Zahlen"}}, ("sft", "gen")),
    ("nested", {"data": {"chat": ROWS[:4], "math": ROWS[4:]}}, ("chat", "math")),
]


@pytest.mark.parametrize(("name", "document", "keys"), CASES, ids=[c[0] for c in CASES])
def test_keys_named_as_no_split_get_the_command_that_saves_each_key(tmp_path, name, document, keys):
    (note,) = [n.message for n in load_bytes(json.dumps(document).encode(), "Zahlen.json").notices]
    assert "are read together" in note and "holds its own split" not in note, note
    command = re.search(r'`python -c "([^"]+)"`', note)
    assert command, note
    (tmp_path / "FILE.json").write_text(json.dumps(document), encoding="utf-8")
    subprocess.run([sys.executable, "-c", command.group(1)], cwd=tmp_path, check=True, timeout=60)
    inner = document.get("data", document)
    for key in keys:  # each key's rows, as written, in a file of its own; the key that is not rows left out
        assert json.loads((tmp_path / f"{key}.json").read_text(encoding="utf-8")) == inner[key]
    assert not (tmp_path / "info.json").exists()


@pytest.mark.parametrize(
    ("document", "test"),
    [
        ({"train": ROWS[:5], "test": ROWS[5:]}, "test"),
        ({"data": {"train": ROWS[:4], "validation": ROWS[4:]}}, "validation"),
    ],
    ids=["test", "validation_one_key_in"],
)
def test_a_key_named_as_held_out_is_said_as_the_files_own_split_with_no_command(document, test):
    # Before, the note told the user to run a python command and `data split train.json --test-file test.json`:
    # the file's own test key is now used where the split is made.
    (note,) = [n.message for n in load_bytes(json.dumps(document).encode(), "Zahlen.json").notices]
    assert "holds its own split" in note and f"its '{test}' rows are the held-out ones as published" in note, note
    assert "python -c" not in note and "--test-file" not in note, note


def test_the_data_page_says_the_files_own_split_without_the_cli():
    said = on_data_page(json_layout({"train": ROWS[:5], "test": ROWS[5:]})[1])
    assert "data split" not in said and "`" not in said, said
    assert "its 'test' rows are the held-out ones as published" in said, said
