"""`data inspect` names a table's rows inside its own brackets without brackets of their own (helper 203's brief: a
cut row read "(data row 1 (line 2 of the file); cut in training)"). A spreadsheet export whose rows start on other
lines than their numbers say (a cell of several lines), in Windows line ends; the --json `cut` keeps each row's
`where` as every other `where` of the JSON says it."""

from __future__ import annotations

import csv
import io
import json

from ftlib.cli import main
from ftlib.split_lines import flat_place

RECIPE = "\n".join(f"Step {i}: fold the dough, turn it a quarter and let it rest." for i in range(1, 31))
ROWS = [
    ("How do I make bread rise better?\nMy loaf stays flat.", RECIPE),  # 31 lines: the rows after it shift
    ("¿Cuánto tiempo hornear una baguette?", "Unos 25 minutos a 240 °C."),
    ("Was ist Sauerteig?", "Ein Teig, der mit wilden Hefen und Milchsäurebakterien gärt. " * 20),
]


def _sheet(tmp_path):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Question", "Answer"])
    writer.writerows(ROWS)
    path = tmp_path / "baking questions.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_cut_rows_of_a_table_are_named_without_nested_brackets(tmp_path, capsys):
    path = _sheet(tmp_path)
    assert main(["data", "inspect", str(path), "--model", "default", "--max-length", "96"]) == 0
    (said,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("tokens:")]
    assert said.endswith("2 rows are longer than --max-length 96 (data row 1 at line 2 of the file, data row 3 at "
                         "line 34 of the file; cut in training)"), said  # fmt: skip
    assert "((" not in said and "))" not in said
    assert main(["data", "inspect", str(path), "--model", "default", "--max-length", "96", "--json"]) == 0
    lengths = json.loads(capsys.readouterr().out)["lengths"]
    assert lengths["cut"] == ["data row 1 (line 2 of the file)", "data row 3 (line 34 of the file)"]


def test_flat_place_changes_only_a_tables_line():
    assert [flat_place(w) for w in ("data row 12 (line 40 of the file)", "line 7", "item 3", "data row 9")] == [
        "data row 12 at line 40 of the file",
        "line 7",
        "item 3",
        "data row 9",
    ]


def test_every_place_in_brackets_is_flattened_in_the_same_words():
    """One flattening (`split_lines.flat_place`), not four: `data inspect`'s cut rows, `tokens --line`'s nearest
    rows, a table's blank-rows note and the Evaluate page said "data row 4 at line 5" and "data row 4, line 5 of
    the file" before (helper 215's brief)."""
    from ftlib.cell_checks import blank_rows_note
    from ftlib.commands.tokens import _named
    from ftlib.data import LoadResult
    from ui.evaluate_view import in_brackets

    table = LoadResult("alpaca", [], [], 0, [], file_type="csv", lines=[2, 3, 5, 9])
    said = "data row 4 at line 9 of the file"
    assert flat_place(table.where(4)) == said
    assert _named(table, 4) == f"--line 4 ({said})"
    assert blank_rows_note([4], table.where)[0].message.startswith(f"1 blank row skipped ({said}): ")
    assert in_brackets(table.where(4)) == f"({said})"
