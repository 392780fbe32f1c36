"""`tokens --row N` counts from 0 among a file's valid rows (unchanged), while `data inspect`, `train` and the Data
page name a row by its place in the file, counted from 1 ("line 3"). Each says how it counts: `tokens --help` and its
messages say "counted from 0", and its output names the shown row as the others do (its first line; "file_row" and
"where" in the JSON), so `--row 1` is never taken for line 1."""

from __future__ import annotations

import json

import pytest

from ftlib.cli import main

ROWS = [
    {"messages": [{"role": "user", "content": f"Question {i}?"}, {"role": "assistant", "content": f"Answer {i}."}]}
    for i in range(3)
]


@pytest.fixture
def chats(tmp_path):
    # Line 1 fails to load and line 3 is blank: --row 1 (the second valid row) is line 4 of the file.
    path = tmp_path / "chats.jsonl"
    lines = ["{not json", json.dumps(ROWS[0]), "", json.dumps(ROWS[1]), json.dumps(ROWS[2])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_shown_row_is_named_as_data_inspect_names_rows(chats, capsys):
    assert main(["tokens", str(chats), "--row", "1", "--template", "chatml", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "Question 1?" in out["text"] and (out["file_row"], out["where"]) == (4, "line 4")
    assert main(["data", "inspect", str(chats), "--json"]) == 0  # the same numbering as data inspect's
    assert [e["where"] for e in json.loads(capsys.readouterr().out)["errors"]] == ["line 1"]

    assert main(["tokens", str(chats), "--row", "1", "--template", "chatml"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == f"--row 1 (counted from 0 among 3 valid rows) is line 4 of {chats}"


def test_help_and_the_out_of_range_error_say_how_rows_are_counted(chats, capsys):
    with pytest.raises(SystemExit):
        main(["tokens", "--help"])
    said = " ".join(capsys.readouterr().out.split())
    assert "--row N counts from 0 among FILE's valid rows" in said
    assert "counted from 0 among the file's valid rows (default 0, the first)" in said
    assert main(["tokens", str(chats), "--row", "3"]) == 2
    err = capsys.readouterr().err
    assert "has 3 valid rows, which --row counts from 0 (0 to 2); 1 other row failed to load" in err
