"""The Data page's skipped rows: one line per reason, with how many rows and which, not the same sentence once per
row (a 30-row ShareGPT file with 10 rows skipped for one reason showed it 10 times); each row's own detail (its turn,
its value) said where the reason differs by row, and every row still listed with its own reason."""

from __future__ import annotations

import json

from tests.test_pages_data import bad_rows, data_page, with_path

NO_ANSWER = (3, 8, 11, 14, 15, 17, 20, 22, 25, 28)  # 0-based: lines 4, 9, 12, ...


def sharegpt(tmp_path):
    rows = []
    for i in range(30):
        turns = [{"from": "human", "value": f"Question {i}?"}, {"from": "gpt", "value": f"Answer {i}."}]
        if i in NO_ANSWER:
            turns = turns[:1]
        if i in (5, 6):  # one problem in a different turn of each row
            turns += [{"from": "human", "value": "More?"}] * (i - 4) + [{"from": "wizard", "value": "Poof."}]
        rows.append({"conversations": turns})
    path = tmp_path / "sharegpt.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_reason_met_by_many_rows_is_said_once_with_its_rows(tmp_path, monkeypatch):
    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))  # the Local path box reads allowed folders only
    at = with_path(data_page(), sharegpt(tmp_path))
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Rows read"], metrics["Skipped rows"]) == ("30", "12")
    (none, role) = bad_rows(at)
    assert none[0] == "10 rows: lines 4, 9, 12 and 7 more"
    assert none[1].startswith("there is no assistant turn") and "Differs by row" not in none[1]
    # The role problem in turn 4 of line 6 and turn 5 of line 7: one reason, each row's turn said.
    assert role[0] == "2 rows: lines 6, 7"
    assert role[1].startswith("turn N of 'conversations' has the role 'wizard', which is not supported")
    assert role[1].endswith("\nDiffers by row: turn 4 (line 6); turn 5 (line 7).")
    # Nothing hidden: every row, with its own reason, in the expander's table.
    (every,) = [d.value for d in at.dataframe if list(d.value.columns) == ["where", "why"]]
    assert list(every["where"]) == sorted([f"line {i + 1}" for i in (*NO_ANSWER, 5, 6)], key=lambda w: int(w[5:]))
    assert [why[:7] for why in every["why"][1:3]] == ["turn 4 ", "turn 5 "]


def test_reasons_group_by_all_but_their_numbers_and_quoted_values():
    from ui.data_view import skipped_groups

    groups = skipped_groups(
        [
            ("line 2", "this line is not valid JSON: Expecting ',' delimiter (column 46)"),
            ("line 3", "this line is not valid JSON: Expecting ',' delimiter (column 55)"),
            ("line 4", "this line is not valid JSON: Expecting value (column 1)"),
            ("line 5", "the key's value 'x' is empty"),
            ("line 6", "the key's value 'y' is empty"),
            ("line 7", "the key's value 'y' is empty"),
        ]
    )
    assert groups == [
        (
            ["line 5", "line 6", "line 7"],
            "the key's value '…' is empty\nDiffers by row: 'x' (line 5); 'y' (line 6, line 7).",
        ),
        (
            ["line 2", "line 3"],
            "this line is not valid JSON: Expecting ',' delimiter (column N)\n"
            "Differs by row: column 46 (line 2); column 55 (line 3).",
        ),
        (["line 4"], "this line is not valid JSON: Expecting value (column 1)"),
    ]


def test_a_reasons_rows_are_named_in_the_files_words():
    from ui.data_view import group_places

    assert group_places(["line 7"]) == "line 7"
    assert group_places([f"item {n}" for n in (2, 5, 9, 11)]) == "4 rows: items 2, 5, 9 and 1 more"
    tables = ["data row 3 (line 5 of the file)", "data row 4 (line 6 of the file)"]
    assert group_places(tables) == "2 rows: data row 3 at line 5 of the file, data row 4 at line 6 of the file"
