"""The delimiter of a .csv is read off its first lines: semicolon exports from European Excel (often with a BOM) are
split into their columns and the user is told; commas inside quoted cells, and one-column files, are not fooled."""

from __future__ import annotations

import pytest

from ftlib.data import load_bytes, peek_fields
from ftlib.readers import read_table, sniff_delimiter

# (id, the file's bytes, its delimiter, its columns, its first data row)
CSV_CASES = [
    (
        "excel_semicolon_with_bom",
        b"\xef\xbb\xbfquestion;answer\r\nWhat is 0+0?;It is 0.\r\nWhat is 1+1?;It is 2.\r\n",
        ";",
        ["question", "answer"],
        {"question": "What is 0+0?", "answer": "It is 0."},
    ),
    (
        "semicolon_with_quoted_commas_and_semicolons",
        'Frage;Antwort;Kategorie\n"Was kosten 1,5 kg Äpfel?";"3,00 €; inkl. MwSt.";preise\n'
        'Wann schließt der Laden?;"Um 20 Uhr; samstags um 16 Uhr.";zeiten\n'.encode(),
        ";",
        ["Frage", "Antwort", "Kategorie"],
        {"Frage": "Was kosten 1,5 kg Äpfel?", "Antwort": "3,00 €; inkl. MwSt.", "Kategorie": "preise"},
    ),
    (
        "comma_with_semicolons_in_quoted_answers",
        b'instruction,output\nName three fruits.,"Apple; pear; plum."\n"Why; and how?","Because; so; then."\n',
        ",",
        ["instruction", "output"],
        {"instruction": "Name three fruits.", "output": "Apple; pear; plum."},
    ),
    (
        "one_column_with_semicolons_in_every_row",
        b"text\nOne; two.\nThree; four.\nFive; six.\n",
        ",",
        ["text"],
        {"text": "One; two."},
    ),
    (
        "tab_separated_csv",
        b"prompt\tcompletion\nSay hi, politely.\tHello, nice to meet you.\n",
        "\t",
        ["prompt", "completion"],
        {"prompt": "Say hi, politely.", "completion": "Hello, nice to meet you."},
    ),
]


@pytest.mark.parametrize("data, delimiter, columns, first", [c[1:] for c in CSV_CASES], ids=[c[0] for c in CSV_CASES])
def test_a_csv_is_read_with_the_delimiter_of_its_header(tmp_path, data, delimiter, columns, first):
    table = read_table(data, "csv", "export.csv")
    assert (table.delimiter, table.columns, table.rows[0]) == (delimiter, columns, first)
    # The field-mapping editor's columns come from the header alone: the same split.
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    assert peek_fields(path) == (columns, True)
    # Only a delimiter other than the comma is said, naming it.
    if delimiter == ",":
        assert table.notes == []
    else:
        (note,) = table.notes
        assert {";": "semicolons (;)", "\t": "tabs"}[delimiter] in note and "not commas" in note


def test_a_semicolon_export_is_read_as_questions_and_answers_and_says_so():
    """Walk 3, 3: this file was one column `question;answer`, and mapping it to text gave rows "What is 0+0?;It is
    0."; now each row is a question and its answer, and the first notice names the semicolons."""
    data = b"\xef\xbb\xbfquestion;answer\r\n" + b"".join(
        f"What is {i}+{i}?;It is {2 * i}.\r\n".encode() for i in range(12)
    )
    result = load_bytes(data, "f_bom_semicolon.csv")
    assert (result.format, result.columns, result.valid_rows) == ("alpaca", ["question", "answer"], 12)
    assert result.rows[3]["messages"][-2:] == [
        {"role": "user", "content": "What is 3+3?"},
        {"role": "assistant", "content": "It is 6."},
    ]
    assert "separated by semicolons (;)" in result.notices[0].message
    assert result.notices[0].note  # how the file was read, not a problem: a note on the page and in the CLI
    inspected = result.summary()["warnings"][0]  # data inspect --json
    assert "separated by semicolons (;)" in inspected["message"] and inspected["note"] is True
    assert not any(n.note for n in result.notices[1:])
    # A comma file of the same rows says nothing about delimiters.
    commas = load_bytes(data.replace(b";", b","), "f_bom_comma.csv")
    assert commas.valid_rows == 12 and not any("separated by" in n.message for n in commas.notices)


def test_a_row_with_a_cell_too_many_names_the_files_delimiter():
    result = load_bytes(b"question;answer\nWhat is 2+2?;Four.\nWhat is 3+3?;Six;really\n", "faq.csv")
    (error,) = result.errors
    assert error.row == 2 and "holds a ';' outside quotes" in error.message


def test_a_tsv_is_read_with_tabs_without_a_note():
    table = read_table(b"prompt\tcompletion\nA, b; c.\tD.\n", "tsv", "pairs.tsv")
    assert (table.columns, table.rows[0]["prompt"], table.notes) == (["prompt", "completion"], "A, b; c.", [])


def test_the_sniffer_reads_the_start_of_a_large_file_only():
    """A long file is judged by its first records; a header with no delimiter at all stays one column."""
    body = "".join(f'"Row {i}; with a semicolon, and a comma.",{i}\n' for i in range(20000))
    assert sniff_delimiter("text,n\n" + body) == ","
    assert sniff_delimiter("text\n" + "a;b\n" * 20000) == ","


def test_data_inspect_prints_the_delimiter_as_a_note(tmp_path, capsys):
    from ftlib.cli import main

    path = tmp_path / "faq.csv"
    path.write_bytes(b"question;answer\nWhat is 2+2?;Four.\nWhat is 3+3?;Six.\n")
    assert main(["data", "inspect", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("note:") and "separated by semicolons" in line for line in lines), lines
    assert not any(line.startswith("warning:") and "separated by" in line for line in lines)


@pytest.mark.parametrize("sep", [",", "\t"])
def test_windows_line_breaks_inside_cells_are_read_as_plain_ones_and_said(sep):
    """A cold review: a quoted CSV cell written by Excel on Windows ("line one\\r\\nline two") was trained with its
    \\r; each is read as a plain line break, in a note; the lines the rows start on are unchanged."""
    from ftlib.data import load_bytes

    text = f'prompt{sep}completion\r\n"line one\r\nline two"{sep}"answer\r\nsecond"\r\nHi{sep}Hello\r\n'
    loaded = load_bytes(text.encode(), "crlf.csv" if sep == "," else "crlf.tsv")
    turns = [[m["content"] for m in r["messages"]] for r in loaded.rows]
    assert turns == [["line one\nline two", "answer\nsecond"], ["Hi", "Hello"]]
    assert any(n.message.startswith("2 cells hold Windows line breaks") for n in loaded.notices)
    assert loaded.where(2).endswith("(line 5 of the file)")  # the record before it spans lines 2 to 4
