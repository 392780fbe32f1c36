"""Files as pandas writes them (`to_csv`, `to_parquet`, `to_json`) and as Excel saves them, read as what they hold.

Each file here is written by the real tool in the test, never by hand: a column of lists through `to_csv` (Python's
repr, or numpy's print for a DataFrame read from Parquet), list-of-struct columns through `to_parquet` (every object
gets the keys any row has, as null), `to_json`'s default column layout and its "index" and "split" orients, Excel's
`sep=;` first line. The rows must be exactly those of the same records written as JSONL, and how the file was read
is said in a note. The content is ours.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ftlib import cells
from ftlib.data import DataError, load_bytes, load_file, peek_fields
from ftlib.readers import read_table


def m(role: str, content: str, **extra) -> dict:
    return {"role": role, "content": content, **extra}


def call(name: str, arguments: dict) -> dict:
    return {"type": "function", "function": {"name": name, "arguments": arguments}}


def tool(name: str, properties: dict) -> dict:
    schema = {"type": "object", "properties": properties}
    return {"type": "function", "function": {"name": name, "parameters": schema}}


# Two rows whose tool calls and schemas have different keys (the union Parquet writes), text with quotes of both
# kinds, a newline and a backslash: what Python's repr escapes differently from JSON.
TOOL_ROWS = [
    {
        "messages": [
            m("user", 'What time is it in Oslo? It\'s late, "roughly".'),
            m("assistant", "", tool_calls=[call("clock_qv7", {"city": "Oslo"})]),
            m("tool", "14:05", tool_call_id="c1"),
            m("assistant", "It is 14:05 in Oslo.\nLate indeed: C:\\night."),
        ],
        "tools": [tool("clock_qv7", {"city": {"type": "string"}})],
    },
    {
        "messages": [
            m("user", "And in Rome, 24-hour, two digits?"),
            m("assistant", "", tool_calls=[call("clock_qv7", {"city": "Rome", "tz": "CET", "n": 2})]),
            m("tool", "15:05", tool_call_id="c2"),
            m("assistant", "15:05 in Rome."),
        ],
        "tools": [tool("clock_qv7", {"city": {"type": "string"}, "tz": {"type": "string"}})],
    },
]
PC_ROWS = [
    {
        "prompt": [m("system", "Answer in one word."), m("user", "Colour of grass?")],
        "completion": [m("assistant", "Green.")],
    },
    {"prompt": [m("user", "Opposite of 'up'?")], "completion": [m("assistant", "Down.")]},
]
PREFERENCE_ROWS = [
    {
        "prompt": [m("system", "Be brief."), m("user", "Largest planet?")],
        "chosen": [m("assistant", "Jupiter.")],
        "rejected": [m("assistant", "Mars.")],
    },
    {
        "prompt": [m("user", "Boiling point of water?")],
        "chosen": [m("assistant", "100 °C.")],
        "rejected": [m("assistant", "50 °C.")],
    },
]


def jsonl(records: list[dict]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def python_csv(tmp_path, records: list[dict], via_parquet: bool):
    """The records through pandas' `to_csv`; `via_parquet`: from a DataFrame read back from Parquet (numpy arrays)."""
    frame = pd.DataFrame(records)
    if via_parquet:
        frame.to_parquet(tmp_path / "through.parquet")
        frame = pd.read_parquet(tmp_path / "through.parquet")
    path = tmp_path / "export.csv"
    frame.to_csv(path, index=False)
    return path


# --- defect 1: lists in CSV cells written by Python ---------------------------------------------------------------


@pytest.mark.parametrize("via_parquet", [False, True], ids=["python-repr", "numpy-print"])
@pytest.mark.parametrize(
    "records, fields",
    [
        (TOOL_ROWS, ["messages", "tools"]),
        (PC_ROWS, ["prompt", "completion"]),
        (PREFERENCE_ROWS, ["prompt", "chosen", "rejected"]),
    ],
    ids=["messages-and-tools", "prompt-completion", "preference"],
)
def test_lists_pandas_wrote_into_csv_cells_are_read_as_the_lists_they_were(tmp_path, records, fields, via_parquet):
    path = python_csv(tmp_path, records, via_parquet)
    text = path.read_text()
    assert "'role': 'user'" in text and '"role"' not in text  # Python's repr, not JSON
    if via_parquet:
        assert "}\n {" in text  # numpy prints the elements of an array without commas
    result = load_file(path)
    assert [e.as_dict() for e in result.errors] == []
    assert result.rows == load_bytes(jsonl(records), "same.jsonl").rows  # exactly what the JSONL file gives
    notes = [n.message for n in result.notices if n.note]
    assert sorted(n.split("`")[1] for n in notes) == sorted(fields)  # one note per field, naming it
    assert all(n.startswith(f"In {len(records)} rows, `") for n in notes)
    assert all("written by Python, not JSON" in n and "to_csv" in n and "JSONL" in n and "Parquet" in n for n in notes)
    assert [n for n in result.notices if not n.note] == []


def test_an_alpaca_history_pandas_wrote_into_a_csv_cell_is_read_as_its_turns(tmp_path):
    records = [
        {"instruction": "And doubled?", "output": "Eight.", "history": [["What is 2+2?", "Four."]]},
        {"instruction": "Say hi.", "output": "Hi.", "history": []},
    ]
    result = load_file(python_csv(tmp_path, records, via_parquet=False))
    assert result.errors == [] and result.rows == load_bytes(jsonl(records), "same.jsonl").rows
    assert [n.message.split("`")[1] for n in result.notices] == ["history"]


@pytest.mark.parametrize(
    "completion",
    [
        "[1, 2, 3]",  # a JSON list
        '{"name": "Ada", "age": 36}',  # a JSON object
        "{'name': 'Ada', 'age': 36}",  # a Python dict
        "[{'name': 'Ada'}, {'name': 'Alan'}]",  # a Python list of objects that are not turns
        "[x * 2 for x in range(3)]",  # code
        "[print('hi')]",  # code that is a list of calls: never run
        "[1] Einstein, A. (1905).",  # a citation
    ],
)
def test_a_completion_that_is_json_or_code_stays_text(completion):
    result = load_bytes(jsonl([{"prompt": "Write it.", "completion": completion}]), "pc.jsonl")
    assert result.errors == [] and result.rows[0]["messages"][1] == m("assistant", completion)
    assert result.notices == []


def test_a_python_list_in_a_messages_cell_with_a_bad_turn_is_refused_by_name():
    data = b"messages\n\"[{'role': 'robot', 'content': 'beep'}, {'role': 'assistant', 'content': 'a'}]\"\n"
    (error,) = load_bytes(
        data + b"\"[{'role': 'user', 'content': 'q'}, {'role': 'assistant', 'content': 'a'}]\"\n", "m.csv"
    ).errors
    assert error.row == 1 and "the role 'robot', which is not supported" in error.message


@pytest.mark.parametrize(
    "cell, reason",
    [
        ("[__import__('os').system('touch PWNED')]", "is not valid JSON"),  # a call: refused, never run
        ("[{'role': 'user', 'content': 'Hi'}", "is not valid JSON"),  # cut short
        ("[" * 5000 + "]" * 5000, "nested too deeply"),  # too deep for either parser
    ],
    ids=["call", "unclosed", "deep"],
)
def test_a_messages_cell_that_is_not_a_literal_list_is_refused_and_never_run(tmp_path, monkeypatch, cell, reason):
    monkeypatch.chdir(tmp_path)
    result = load_bytes(b'messages\n"' + cell.encode() + b'"\n', "m.csv", fmt="messages")
    assert result.rows == [] and reason in result.errors[0].message, result.errors
    assert not (tmp_path / "PWNED").exists()


def test_a_python_cell_over_the_size_limit_is_not_parsed(monkeypatch):
    cell = "[{'role': 'user', 'content': 'Hi'}, {'role': 'assistant', 'content': 'Yo'}]"
    assert cells.python_value(cell) == [m("user", "Hi"), m("assistant", "Yo")]
    monkeypatch.setattr(cells, "MAX_CHARS", len(cell) - 1)
    assert cells.python_value(cell) is None


# --- defect 2: Parquet's union of keys ---------------------------------------------------------------------------


def test_to_parquet_nulls_of_keys_a_row_never_had_are_not_trained(tmp_path):
    """pandas writes a list-of-struct column with every key any row has: row 0's call reads back with "tz": null and
    "n": null, its schema with "tz": null. Those are left out, so each row is what was written, with a note."""
    path = tmp_path / "tools.parquet"
    pd.DataFrame(TOOL_ROWS).to_parquet(path)
    raw = read_table(path.read_bytes(), "parquet", path.name)
    assert raw.rows[0]["messages"][1]["tool_calls"][0]["function"]["arguments"] == {"city": "Oslo"}
    assert raw.rows[0]["tools"][0]["function"]["parameters"]["properties"] == {"city": {"type": "string"}}
    result = load_file(path)
    assert result.errors == [] and result.rows == load_bytes(jsonl(TOOL_ROWS), "same.jsonl").rows
    (note,) = [n for n in result.notices if n.note]
    assert "`n`" in note.message and "`tz`" in note.message and "null" in note.message
    assert "to_parquet" in note.message and "cannot be told" in note.message
    assert [n for n in result.notices if not n.note] == []


def test_a_parquet_file_whose_objects_all_have_the_same_keys_gets_no_note_and_top_level_nulls_stay(tmp_path):
    path = tmp_path / "plain.parquet"
    rows = [{"instruction": "Say hi.", "output": "Hi.", "system": None}, {"instruction": "Count.", "output": "1 2"}]
    pd.DataFrame(rows).to_parquet(path)
    table = read_table(path.read_bytes(), "parquet", path.name)
    assert table.notes == [] and table.rows[1] == {"instruction": "Count.", "output": "1 2", "system": None}
    assert len(load_file(path).rows) == 2


# --- defect 3: pandas' to_json layouts ---------------------------------------------------------------------------

ALPACA = [
    {"instruction": "Say hi.", "input": "", "output": "Hi."},
    {"instruction": "Count to three.", "input": "In French.", "output": "Un, deux, trois."},
    {"instruction": "Name a colour.", "input": "", "output": "Teal."},
]


@pytest.mark.parametrize(
    "orient, said",
    [
        (None, "laid out by column ({column: {row number: value}}), as pandas' `DataFrame.to_json(path)` writes it"),
        (
            "index",
            'by row number ({row number: {column: value}}), as pandas\' `DataFrame.to_json(path, orient="index")`',
        ),
        ("split", 'as "columns" and "data", as pandas\' `DataFrame.to_json(path, orient="split")` writes it'),
    ],
    ids=["columns-default", "index", "split"],
)
def test_pandas_to_json_layouts_are_read_as_their_rows(tmp_path, orient, said):
    path = tmp_path / "frame.json"
    pd.DataFrame(ALPACA).to_json(path, **({"orient": orient} if orient else {}))
    result = load_file(path)
    assert (result.format, [e.as_dict() for e in result.errors]) == ("alpaca", [])
    assert result.rows == load_bytes(jsonl(ALPACA), "same.jsonl").rows
    assert result.where(3) == "item 3"
    assert [(said in n.message, n.note) for n in result.notices] == [(True, True)]


def test_a_null_cell_of_a_column_layout_names_its_row(tmp_path):
    path = tmp_path / "gap.json"
    pd.DataFrame([*ALPACA[:1], {"instruction": "Say bye.", "output": None}]).to_json(path)
    result = load_file(path)
    assert len(result.rows) == 1 and [e.row for e in result.errors] == [2]
    assert "'output' field is null" in result.errors[0].message


# --- defect 4: Excel's sep= line ---------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter, named", [(";", "semicolons (;)"), (",", "commas (,)"), ("\t", "tabs")])
def test_excels_sep_line_names_the_delimiter_and_is_not_a_row(tmp_path, delimiter, named):
    d = delimiter
    body = f'sep={d}\r\nquestion{d}answer\r\nWhat is 2+2?{d}"Four;\r\nas 2+2=4."\r\nWhat is 3+3?{d}Six{d}really\r\n'
    path = tmp_path / "excel.csv"
    path.write_bytes(body.encode())
    table = read_table(path.read_bytes(), "csv", path.name)
    assert (table.delimiter, table.columns, table.lines) == (d, ["question", "answer"], [3, 5])
    (note,) = table.notes
    assert f"`sep={d}`" in note and named in note and "not a row" in note
    assert peek_fields(path) == (["question", "answer"], True)
    result = load_file(path)
    assert result.rows[0]["messages"][-1] == m("assistant", "Four;\nas 2+2=4.")  # Excel's \r\n read as \n
    assert any("Windows line breaks" in n.message for n in result.notices)
    (error,) = result.errors  # the row with a cell too many: its line is the file's own
    assert result.where(error.row) == "data row 2 (line 5 of the file)"


# --- defect 9: files without rows --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, write, said",
    [
        (
            "header.csv",
            lambda p: pd.DataFrame(columns=["question", "answer"]).to_csv(p, index=False),
            "a header but no rows",
        ),
        ("empty.json", lambda p: p.write_text("[]"), "no rows (an empty list)"),
        ("empty.jsonl", lambda p: p.write_text("[]\n"), "no rows (an empty list)"),  # a JSONL file has no header
        (
            "empty.parquet",
            lambda p: pd.DataFrame({"text": pd.Series([], dtype=str)}).to_parquet(p),
            "columns but no rows",
        ),
    ],
)
def test_a_file_without_rows_says_so_and_what_to_do(tmp_path, name, write, said):
    path = tmp_path / name
    write(path)
    with pytest.raises(DataError) as caught:
        load_file(path)
    assert str(caught.value) == f"{name} has {said}. Choose a file with at least one row, or add rows to this one."
