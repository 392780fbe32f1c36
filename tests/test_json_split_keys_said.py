"""A .json file of rows per split (`{"train": [...], "test": [...]}`, or one key further in) is read as one dataset;
its note says exactly how to keep the published test rows today: the command that saves each key's rows as a file
of its own, and the `data split` naming those files (helper 191's walk: "save each key as a separate file", with no
way said to do it). The command is run here, on the file, and the split it leads to is made."""

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
    ("top", {"train": ROWS[:5], "test": ROWS[5:], "info": {"name": "Zahlen"}}, ("train", "test")),
    ("nested", {"data": {"train": ROWS[:4], "validation": ROWS[4:]}}, ("train", "validation")),
]


@pytest.mark.parametrize(("name", "document", "keys"), CASES, ids=[c[0] for c in CASES])
def test_the_note_says_a_command_that_saves_each_key_and_the_split_that_keeps_the_test_key(
    tmp_path, name, document, keys
):
    (note,) = [n.message for n in load_bytes(json.dumps(document).encode(), "Zahlen.json").notices]
    command = re.search(r'`python -c "([^"]+)"`', note)
    assert command, note
    train, held = keys
    assert f"`data split {train}.json --test-file {held}.json`" in note, note
    (tmp_path / "FILE.json").write_text(json.dumps(document), encoding="utf-8")
    subprocess.run([sys.executable, "-c", command.group(1)], cwd=tmp_path, check=True, timeout=60)
    inner = document.get("data", document)
    for key in keys:  # each key's rows, as written, in a file of its own; the key that is not rows left out
        assert json.loads((tmp_path / f"{key}.json").read_text(encoding="utf-8")) == inner[key]
    assert not (tmp_path / "info.json").exists()
    out = tmp_path / "split"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ftlib",
            "data",
            "split",
            f"{train}.json",
            "--test-file",
            f"{held}.json",
            "--out",
            str(out),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    test_rows = [json.loads(line) for line in (out / "test.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["messages"][0]["content"] for r in test_rows] == [r["prompt"] for r in inner[held]]  # as published


def test_the_data_page_says_its_own_way_and_keeps_the_command():
    said = on_data_page(json_layout({"train": ROWS[:5], "test": ROWS[5:]})[1])
    assert "data split" not in said, said
    assert "`python -c \"import json; d = json.load(open('FILE.json'));" in said, said
    assert said.endswith("with **Test rows** set to 'from another file' under Split and save below)."), said
