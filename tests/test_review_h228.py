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


def _pretty_jsonl(tmp_path):
    """A .jsonl file holding one pretty-printed JSON value (read whole, its rows named "item N"): its second row,
    the long one, starts on line 16."""
    path = tmp_path / "harbour.jsonl"
    path.write_text(json.dumps({"version": 2, "data": [SHORT, LONG, SHORT]}, indent=2), encoding="utf-8")
    first = path.read_text(encoding="utf-8").splitlines().index("    {", 4) + 1
    return path, first


def test_a_tokens_command_printed_for_a_row_of_a_pretty_printed_jsonl_file_shows_that_row(tmp_path, capsys):
    """Since 4aedf30f `tokens --line N` takes a line of such a file, as of any .jsonl file; `batch` still printed the
    item's number as its --line (`--line 2`: the file's second line, no row's, refused)."""
    import shlex

    path, first = _pretty_jsonl(tmp_path)
    assert main(["batch", str(path), "--max-length", "64", "--template", "chatml"]) == 0
    (warning,) = [line for line in capsys.readouterr().err.splitlines() if "would train nothing" in line]
    command = warning.split("see one with `", 1)[1].split("`", 1)[0]
    assert f"--line {first} " in command, command
    assert main(shlex.split(command)[3:]) in (0, 1)  # past "python -m ftlib"; 1: its check that nothing trains
    assert capsys.readouterr().out.startswith(f"--line {first} is item 2 of {path}")


def test_trains_command_for_a_cut_row_of_a_pretty_printed_jsonl_file_names_its_line(tmp_path):
    """`train`'s cut warning ends with the `tokens` command that shows the first row cut (`row_cuts.run_shows`)."""
    from types import SimpleNamespace

    from ftlib.config import RunConfig
    from ftlib.data import load_file
    from ftlib.row_cuts import run_shows
    from ftlib.split_lines import pack

    path, first = _pretty_jsonl(tmp_path)
    loaded = load_file(path)
    meta = {"kept_from": "file", "train_lines": {"file": path.name, "file_type": "json", "rows": pack([1, 2, 3])}}
    data = SimpleNamespace(loaded=loaded, meta=meta, train=loaded.rows)
    shows = run_shows(RunConfig(dataset=str(path), max_length=64), data)
    assert f"--line {first} " in shows(2), shows(2)
