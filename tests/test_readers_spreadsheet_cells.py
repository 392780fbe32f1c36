"""A spreadsheet's export of chats: a `messages` column of JSON text, semicolons between cells, and the cells a sheet
leaves behind where a row has no conversation (pandas writes `NaN`, Excel `#N/A`). Such a row is set aside, named
with its line, and its reason says the cell holds only a placeholder: a cold walk (helper 191) was told "'messages'
must be a list of messages ..., but it is text" of a cell holding `NaN`."""

from __future__ import annotations

import json

import pytest

from ftlib.data import load_bytes


def _chat(question: str, answer: str) -> str:
    return json.dumps(
        [{"role": "user", "content": question}, {"role": "assistant", "content": answer}], ensure_ascii=False
    )


def _sheet(cell: str) -> bytes:
    rows = [
        "id;messages;Notes",
        f'1;"{_chat("Hallo; wie geht es?", "Gut, danke! 😊").replace(chr(34), chr(34) * 2)}";ok',
        f"2;{cell};leer",
        f'3;"{_chat("你好", "你好！").replace(chr(34), chr(34) * 2)}";',
    ]
    return ("\r\n".join(rows) + "\r\n").encode()


@pytest.mark.parametrize("cell", ["NaN", "#N/A", "-"])
def test_a_messages_cell_holding_a_placeholder_is_named_as_one(cell):
    result = load_bytes(_sheet(cell), "chats_export.csv")
    assert (result.format, result.valid_rows) == ("messages", 2)
    assert [m["content"] for m in result.rows[1]["messages"]] == ["你好", "你好！"]
    (error,) = result.errors
    assert error.row == 2
    assert f"holds only `{cell}`, a placeholder for an empty cell" in error.message
    assert "but it is text" not in error.message


def test_a_messages_cell_of_other_text_is_still_said_to_be_text():
    result = load_bytes(_sheet("Hello there"), "chats_export.csv")
    (error,) = result.errors
    assert "must be a list of messages" in error.message and "but it is text" in error.message


def test_an_answer_cell_holding_a_placeholder_is_kept_and_the_warning_quotes_its_own_value():
    """A sheet's `Output` column holding `NaN` (and `#N/A`) is kept with a warning that says the model learns to
    answer `NaN`: it said 'N/A', which is not what the file holds."""
    sheet = "Instruction ;Input;Output\r\nTranslate to German;Thank you;Danke\r\nName a colour;;NaN\r\n"
    sheet += "Write 3 in Chinese;;三\r\nA fourth;;#N/A\r\nA fifth;;=A1+1\r\n"
    result = load_bytes(sheet.encode(), "Tabelle1.csv")
    assert (result.format, result.valid_rows) == ("alpaca", 5)
    (notice,) = [n for n in result.notices if "spreadsheet placeholder or formula" in n.message]
    assert "so the model learns to answer `NaN` or `#N/A` and to write the formula." in notice.message
    assert "'N/A'" not in notice.message
    only_nan = load_bytes(sheet.split("A fourth")[0].encode(), "Tabelle1.csv")
    (notice,) = [n for n in only_nan.notices if "spreadsheet placeholder or formula" in n.message]
    assert "so the model learns to answer `NaN`. Fill in the real text" in notice.message
