"""Spreadsheet exports: placeholder and formula cells named, blank rows skipped once, the `--map` example pasteable.

A newcomer's support-ticket CSV (columns Ticket ID, Created, Customer Message, Agent Reply, ...) trained an answer
of only `N/A` and a prompt `=HYPERLINK(...)` without a word, refused its two trailing `,,,,` rows one by one ("the
'Customer Message' cell is empty ... fill it in"), and suggested `--map Ticket ID=instruction --map Created=output`,
which the shell splits in two; the CLI called the format "alpaca" where the page said "instruction and answer".
"""

from __future__ import annotations

import shlex

import pytest

from ftlib.cell_checks import cell_kind
from ftlib.cli import main
from ftlib.data import DataError, MappingNeeded, load_bytes

HEADER = "Ticket ID,Created,Customer Message,Agent Reply,Category\n"
GOOD = [
    "T-1,2026-11-01,I can't log in after resetting my password.,Clear your cache and try the reset link again.,Acct\n",
    'T-2,2026-11-02,How do I export my invoices as PDF?,"Go to Billing > Invoices, tick, press Export.",Bill\n',
    "T-3,2026-11-03,Is there a dark mode?,Yes: Settings > Appearance > Theme.,General\n",
]
MAP = {"instruction": "Customer Message", "output": "Agent Reply"}


def tickets(*extra: str) -> bytes:
    return (HEADER + "".join(GOOD) + "".join(extra)).encode()


@pytest.mark.parametrize("value", ["N/A", "n/a", "-", "TBD", "none", "null", "#N/A", "#VALUE!", "—", "...", " NA "])
def test_placeholders_are_told_apart_from_answers(value):
    assert cell_kind(value) == "placeholder"
    assert cell_kind(f"{value} is what the form said.") is None


def test_a_placeholder_answer_and_a_formula_prompt_are_named_with_their_rows_and_kept():
    data = tickets(
        "T-4,2026-11-04,Can I change my email?,N/A,Acct\n",
        'T-5,2026-11-05,"=HYPERLINK(""http://x"",""click"")",You can download it from Downloads.,General\n',
        "T-6,2026-11-06,Where is the app?,See Downloads.,-\n",  # an unread column's placeholder is not trained
    )
    result = load_bytes(data, "tickets.csv", column_map=MAP)
    assert result.valid_rows == 6  # a warning, not a refusal: they are the user's call
    (notice,) = [n for n in result.notices if "placeholder or formula" in n.message]
    assert not notice.note and notice.rows == 2
    assert "data row 4 (line 5 of the file): `Agent Reply` is only `N/A`" in notice.message
    assert 'data row 5 (line 6 of the file): `Customer Message` is a formula, `=HYPERLINK("http://x","click")`' in (
        notice.message
    )
    assert "`Category`" not in notice.message


def test_a_file_without_placeholders_says_nothing_of_them():
    result = load_bytes(tickets(), "tickets.csv", column_map=MAP)
    assert not any("placeholder" in n.message for n in result.notices)


def test_blank_rows_at_the_end_are_skipped_in_one_note_not_refused():
    result = load_bytes(tickets(",,,,\r\n", ",,,,\r\n", " , ,,,\n"), "tickets.csv", column_map=MAP)
    assert result.errors == [] and result.valid_rows == 3 and result.total == 3
    (note,) = [n for n in result.notices if "blank row" in n.message]
    assert note.note and note.message.startswith("3 blank rows skipped (the first: data row 4 at line 5 of the file)")


def test_a_blank_row_with_more_commas_than_the_header_is_skipped_not_called_a_stray_comma():
    # a sheet with a formatted column past the header's exports its blank rows as `,,,,,,`: every cell is empty
    result = load_bytes(tickets(",,,,,,\n", ",,,,,\n"), "tickets.csv", column_map=MAP)
    assert result.errors == [] and result.valid_rows == 3 and result.total == 3
    (note,) = [n for n in result.notices if "blank row" in n.message]
    assert note.message.startswith("2 blank rows skipped (the first: data row 4 at line 5 of the file)")
    assert (
        load_bytes(tickets(",,,,,x\n"), "tickets.csv", column_map=MAP)
        .errors[0]
        .message.startswith("this row has 6 cells but the header names 5 columns")
    )  # an extra cell that holds something is still the delimiter's error


def test_a_table_of_blank_rows_only_is_refused_with_what_to_do():
    with pytest.raises(DataError, match=r"tickets.csv has a header but no rows: its 2 rows are blank"):
        load_bytes(HEADER.encode() + b",,,,\n,,,,\n", "tickets.csv", column_map=MAP)


def test_a_parquet_file_of_blank_rows_only_is_said_to_have_column_names_not_a_header():
    """A Parquet file has no header line: its column names are what it has, its rows every cell empty."""
    import io

    import pandas as pd

    buffer = io.BytesIO()
    pd.DataFrame({"Customer Message": [None, ""], "Agent Reply": [None, " "]}).to_parquet(buffer)
    with pytest.raises(DataError, match=r"tickets.parquet has column names but no rows: its 2 rows are blank") as e:
        load_bytes(buffer.getvalue(), "tickets.parquet", column_map=MAP)
    assert "header" not in str(e.value)


def test_a_row_with_one_cell_is_not_blank():
    result = load_bytes(tickets(",,,,Acct\n"), "tickets.csv", column_map=MAP)
    assert [e.row for e in result.errors] == [4] and not any("blank row" in n.message for n in result.notices)


def test_the_map_example_names_the_text_columns_quoted_for_the_shell(tmp_path, capsys):
    with pytest.raises(MappingNeeded) as caught:
        load_bytes(tickets(), "tickets.csv")
    example = str(caught.value).split("e.g. `")[1].split("`")[0]
    assert example == "--map 'Customer Message=instruction' --map 'Agent Reply=output'"
    assert shlex.split(example) == ["--map", "Customer Message=instruction", "--map", "Agent Reply=output"]
    path = tmp_path / "support_tickets.csv"
    path.write_bytes(tickets())
    assert main(["data", "inspect", str(path), *shlex.split(example)]) == 0  # pasted, it works
    out = capsys.readouterr().out
    assert "valid rows: 3" in out
    assert "format:     instruction and answer (alpaca)" in out  # the Data page's name for it, the standard one after


def test_a_tables_unused_columns_are_one_note_and_a_json_files_unread_keys_stay_warnings(tmp_path, capsys):
    """A cold walk: every unused column of the sheet was a yellow warning of its own ("ignored field: `Ticket ID`
    in 58 rows ... neither shown nor trained", five times)."""
    path = tmp_path / "support_tickets.csv"
    path.write_bytes(tickets())
    assert (
        main(["data", "inspect", str(path), "--map", "Customer Message=instruction", "--map", "Agent Reply=output"])
        == 0
    )
    out = capsys.readouterr().out
    assert (
        "note:       Not used: Ticket ID (an id of the rows: metadata, neither shown nor trained); Created, "
        "Category (--map COLUMN=FIELD to use one)."
    ) in out
    assert "ignored field" not in out and "warning:" not in out
    path = tmp_path / "tickets.jsonl"
    path.write_text('{"instruction": "Hi?", "output": "Hello.", "ticket_idd": "T-1"}\n')
    assert main(["data", "inspect", str(path)]) == 0
    assert "warning:    ignored field: `ticket_idd` in 1 row" in capsys.readouterr().out


def test_the_first_rows_of_a_table_are_its_cells_as_written_blank_rows_left_out(tmp_path):
    from ftlib.table_peek import first_table_rows

    path = tmp_path / "tickets.csv"
    path.write_bytes(HEADER.encode() + b",,,,\n" + "".join(GOOD).encode())
    rows = first_table_rows(path, n=2)
    assert [r["Ticket ID"] for r in rows] == ["T-1", "T-2"] and list(rows[0]) == HEADER.strip().split(",")
    assert first_table_rows(tmp_path / "tickets.csv", n=5)[2]["Customer Message"] == "Is there a dark mode?"
    (tmp_path / "chats.jsonl").write_text('{"instruction": "Hi?", "output": "Hello."}\n')
    assert first_table_rows(tmp_path / "chats.jsonl") == []
