"""AppTest: the Batches page names a row the max length cuts by its line in the file too, as the other captions do
(helper 191's walk: "row 3 (1957 → 384 tokens)" and "(training row 3)", with no line; the file has the row on line 5
here: a blank line and a broken one come first). A split saved before the places were kept is named as before."""

from __future__ import annotations

import json

from ftlib import workspace
from ftlib.data import load_file
from tests.test_pages_batches import run_page, sft_rows

LONG = {"messages": [{"role": "user", "content": "Erzähl alles."}, {"role": "assistant", "content": "Ebbe " * 700}]}


def saved(tmp_path, name: str, lines: bool) -> None:
    path = tmp_path / "lange_zeilen.jsonl"
    short = sft_rows(4)
    written = ["", "{kaputt", json.dumps(short[0]), json.dumps(short[1]), json.dumps(LONG)]
    written += [json.dumps(r) for r in short[2:]]
    path.write_text("\n".join(written) + "\n", encoding="utf-8")
    result = load_file(str(path))
    train, test = result.rows[:4], result.rows[4:]  # the long row is training row 3, on line 5
    assert train[2] is result.rows[2] and train[2]["messages"][1]["content"].startswith("Ebbe")
    meta = result.split_meta(path.name, 0, 1, False, train=train, test=test) if lines else None
    workspace.save_split(name, train, test, meta)


def test_a_cut_row_is_named_with_its_line_in_the_file(tmp_path):
    saved(tmp_path, "lange-zeilen", lines=True)
    at = run_page()
    assert not at.exception, at.exception
    (cut,) = [i.value for i in at.info if i.value.startswith("Cut to the max length")]
    assert ": row 3 (line 5 of lange_zeilen.jsonl: " in cut and " → 384 tokens)" in cut, cut
    warned = [w.value for w in at.warning if "longer than the max length" in w.value]
    assert warned and "training row 3" in warned[0], warned
    where = [c.value for c in at.caption if "not the rows of lange_zeilen.jsonl" in c.value]
    assert where == [
        "The row numbers above count the split's training rows, not the rows of lange_zeilen.jsonl: training row 3 "
        "is line 5."
    ], [c.value for c in at.caption]


def test_a_split_without_places_names_its_rows_as_before(tmp_path):
    saved(tmp_path, "lange-zeilen-alt", lines=False)
    at = run_page()
    assert not at.exception, at.exception
    (cut,) = [i.value for i in at.info if i.value.startswith("Cut to the max length")]
    assert ": row 3 (" in cut and "line" not in cut, cut
    assert not [c.value for c in at.caption if "not the rows of" in c.value]
