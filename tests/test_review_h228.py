"""Review h228: a row's place said inside `batch`'s own brackets is flat ("data row 2 at line 3 of the file (46
tokens)"), as `split_lines.flat_place` says it for every other bracketed place since 4aedf30f, not brackets after
brackets ("item 5 (the 'test' key's item 1) (46 tokens)")."""

from __future__ import annotations

import json

import pytest

from ftlib.cli import main


def chat(user: str, answer: str) -> dict:
    return {"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]}


SHORT = chat("Low tide at noon?", "Yes.")
LONG = chat("Read the log first. " + "The harbour light blinked twice at dusk. " * 12, "Noted.")  # answer past 64


def _keyed(tmp_path):
    path = tmp_path / "harbour.json"
    path.write_text(json.dumps({"train": [SHORT, SHORT], "test": [LONG, SHORT]}, indent=1), encoding="utf-8")
    return path, "item 3 at the 'test' key's item 1 ("


def _table(tmp_path):
    path = tmp_path / "harbour.csv"
    rows = [("Low tide at noon?", "Yes."), (LONG["messages"][0]["content"], "Noted.")]
    path.write_text("question,answer\n" + "".join(f'"{q}","{a}"\n' for q, a in rows), encoding="utf-8")
    return path, "data row 2 at line 3 of the file ("


@pytest.mark.parametrize("make", [_keyed, _table], ids=["json own split", "csv"])
def test_batch_names_a_row_that_trains_nothing_flat_in_its_brackets(tmp_path, capsys, make):
    path, flat = make(tmp_path)
    args = ["batch", str(path), "--max-length", "64", "--template", "chatml"]
    args += ["--map", "question=instruction", "--map", "answer=output"] if path.suffix == ".csv" else []
    assert main(args) == 0
    (warning,) = [line for line in capsys.readouterr().err.splitlines() if "would train nothing" in line]
    assert flat in warning, warning
    assert ") (" not in warning, warning
