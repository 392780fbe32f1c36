"""A sweep of the data path with files in the shapes projects publish (helper 229).

- A ShareGPT turn's missing text is named by the key the file uses (`value`), not OpenAI's `content`.
- A tool call, or its arguments, that is not valid JSON says where in the text and the shape to write it in.
- A good/bad label under another name (`kto_label`, `is_desirable`) left unread by a prompt/completion read is warned
  of, with the mapping that reads it: read as answers to imitate, the bad ones would train as good.
- A file left with one usable row, its others refused, names the refused rows where train and `data split` say it
  cannot be split (train said "there is 1" of a file of 4 rows, none named; `data split` not even the file).
- A good/bad label refused under an answers-to-imitate read is quoted as the file writes it ('label': true), not
  as Python does (True).
- A few rows of another shape among a file's rows, refused, are told the other rows' way too: switching the format
  for them would leave the file's other rows unread, so writing them alike or leaving them out is said.
- A CSV/TSV cell that writes its line breaks as the two characters \\n (an export that escaped them) is said: the
  model would learn to write a backslash and an n.
- A null where a turn belongs is said as JSON says it ("null"), not as Python's type name ("NoneType").
- An empty cell of a pair's column says what that column holds in words ("the rejected answer"), not "the rejected".
"""

from __future__ import annotations

import csv
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ftlib.cli import main
from ftlib.data import load_bytes


def _jsonl(*rows: dict) -> bytes:
    return "\n".join(json.dumps(r) for r in rows).encode()


@pytest.mark.parametrize(
    ("turn", "said"),
    [
        ({"from": "gpt", "value": None}, "turn 2 (assistant) of 'conversations' has a null 'value' (give it"),
        ({"from": "gpt"}, "turn 2 (assistant) of 'conversations' has no 'value' (give it the turn's text)"),
        ({"from": "gpt", "text": "Hi"}, "has no 'value' (it has 'text': name that key 'value')"),
    ],
)
def test_a_sharegpt_turn_without_its_text_names_the_value_key(turn, said):
    asked = {"from": "human", "value": "Name a lake in Chile."}
    good = {"conversations": [asked, {"from": "gpt", "value": "Lago General Carrera."}]}
    result = load_bytes(_jsonl(good, {"conversations": [asked, turn]}), "chats.jsonl")
    assert result.format == "sharegpt" and len(result.rows) == 1
    assert [e.row for e in result.errors] == [2]
    assert said in result.errors[0].message, result.errors[0].message


@pytest.mark.parametrize("side", ["chosen", "rejected"])
def test_an_empty_cell_of_a_pair_says_which_answer_it_holds(side):
    asked = ["Name a river in Peru.", "Name a desert in Chile."]
    good = [[{"role": "user", "content": q}, {"role": "assistant", "content": "The Amazon."}] for q in asked]
    bad = [[{"role": "user", "content": q}, {"role": "assistant", "content": "The Nile."}] for q in asked]
    other, kept = ("rejected", bad) if side == "chosen" else ("chosen", good)
    out = io.BytesIO()
    pq.write_table(pa.table({"prompt": asked, side: [(good if side == "chosen" else bad)[0], None], other: kept}), out)
    result = load_bytes(out.getvalue(), "pairs.parquet")
    assert [e.row for e in result.errors] == [2]
    said = f"the '{side}' cell is empty (that column holds the {side} answer): fill it in"
    assert result.errors[0].message == said, result.errors[0].message


def test_a_tool_call_that_is_not_json_says_where_and_how_to_write_it():
    asked = {"from": "human", "value": "Weather in Lima?"}
    calls = [
        {
            "conversations": [
                asked,
                {"from": "function_call", "value": '{"name": "weather", "arguments": {"city": "Lima"}}'},
            ]
        },
        {"conversations": [asked, {"from": "function_call", "value": "weather(city='Lima')"}]},
    ]
    args = {
        "role": "assistant",
        "tool_calls": [{"type": "function", "function": {"name": "weather", "arguments": "{city: 'Lima'}"}}],
    }
    result = load_bytes(_jsonl(*calls), "calls.jsonl")
    assert [e.row for e in result.errors] == [2]
    said = result.errors[0].message
    assert "is not valid JSON (Expecting value at character 1 of `weather(city='Lima')`)" in said, said
    assert said.endswith('write it as {"name": ..., "arguments": {...}}'), said
    rows = [{"messages": [{"role": "user", "content": "Weather in Lima?"}, args]}]
    said = load_bytes(_jsonl(*rows), "calls.jsonl").errors[0].message
    assert "Expecting property name enclosed in double quotes at character 2 of `{city: 'Lima'}`" in said, said
    assert said.endswith('write them as a JSON object, its keys and texts in double quotes: {"city": "Paris"}'), said


@pytest.mark.parametrize("name", ["kto_label", "is_desirable", "label_kto"])
def test_a_label_under_another_name_is_not_left_unread_in_silence(name):
    rows = [
        {"prompt": "Name a bird that cannot fly.", "completion": "The emu.", name: True},
        {"prompt": "Name a bird that cannot fly.", "completion": "The swallow.", name: False},
    ]
    result = load_bytes(_jsonl(*rows), "feedback.jsonl")
    assert result.format == "prompt_completion"
    said = " ".join(n.message for n in result.notices)
    assert f"The '{name}' field is not read, though its name says it may judge each answer" in said, said
    assert f"`--map {name}=label`" in said, said


def test_a_file_split_to_one_row_names_the_rows_it_left_out(tmp_path, capsys):
    path = tmp_path / "answers.jsonl"
    rows = [
        {"prompt": "Name a moon of Mars.", "completion": "Phobos."},
        {"prompt": "Name a moon of Jupiter.", "completion": ""},
        {"prompt": "Name a moon of Saturn."},
    ]
    path.write_text(_jsonl(*rows).decode() + "\n", encoding="utf-8")
    assert main(["train", "--dataset", str(path), "--max-steps", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "needs at least 2 rows; there is 1. 2 of the 3 rows of answers.jsonl are left out: line 2: " in err, err
    assert "; line 3: the 'completion' field is missing" in err, err
    assert f"(see each with `python -m ftlib data inspect {path}`)" in err, err


def test_data_split_of_a_file_with_one_usable_row_says_which_and_the_way_on(tmp_path, capsys):
    path = tmp_path / "answers.jsonl"
    rows = [{"prompt": "Name a moon of Mars.", "completion": "Phobos."}, {"prompt": "Name a moon of Uranus."}]
    path.write_text(_jsonl(*rows).decode() + "\n", encoding="utf-8")
    assert main(["data", "split", str(path), "--out", str(tmp_path / "split")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path} has 1 usable row: a split needs at least 2 (one to train on, one held "), err
    assert "1 of the 2 rows of answers.jsonl is left out: line 2: the 'completion' field is missing" in err, err
    assert err.rstrip().endswith(f"none held out: python -m ftlib train --dataset {path} --test-size 0."), err
    assert err.count("\n") == 1, err
    path.write_text(_jsonl(rows[0], rows[0]).decode() + "\n", encoding="utf-8")  # copies, dropped by --dedupe
    assert main(["data", "split", str(path), "--dedupe", "--out", str(tmp_path / "split")]) == 2
    err = capsys.readouterr().err
    assert f"{path} has 1 usable row once --dedupe drops 1 copy: a split needs at least 2" in err, err


def test_a_null_turn_is_said_null_not_a_python_type():
    rows = [
        {"messages": [{"role": "user", "content": "Name a fjord."}, {"role": "assistant", "content": "Geiranger."}]},
        {"messages": [None, {"role": "assistant", "content": "Sognefjord."}]},
    ]
    result = load_bytes(_jsonl(*rows), "chats.jsonl")
    assert [e.message for e in result.errors] == [
        "turn 1 of 'messages' is null, not a message with a role and content"
    ]


def test_a_label_refused_under_a_forced_format_is_quoted_as_json_writes_it():
    rows = [{"prompt": "Name a glacier.", "completion": "Perito Moreno.", "label": v} for v in (True, 0, "thumbs_up")]
    result = load_bytes(_jsonl(*rows), "feedback.jsonl", fmt="prompt_completion")
    quoted = [e.message.split("): it is")[0].split("label (")[1] for e in result.errors]
    assert quoted == ["'label': true", "'label': 0", "'label': 'thumbs_up'"], quoted


def test_a_few_rows_of_another_shape_are_told_the_way_that_keeps_the_others():
    rows = [
        {"prompt": f"Name planet {i} from the sun.", "chosen": f"Planet {i}.", "rejected": "Pluto."} for i in range(5)
    ]
    rows.append({"prompt": "Name the largest planet.", "completion": "Jupiter."})
    result = load_bytes(_jsonl(*rows), "pairs.jsonl")
    assert result.format == "preference" and [e.row for e in result.errors] == [6]
    (said,) = [n.message for n in result.notices if "looks like prompt_completion" in n.message]
    assert said.endswith(
        "Pick the format 'prompt_completion' ('Read the file as' on the Data page, --format in the CLI) to read it as "
        "that; but the file's other 5 rows are preference: to keep them, write this row as preference too, or leave "
        "it out."
    ), said


def test_a_table_cell_with_escaped_line_breaks_is_said():
    table = "instruction\toutput\nList two rivers.\tNile\\nAmazon\nSay hi.\tHi!\nCount to 3.\tOne\\nTwo\\nThree\n"
    result = load_bytes(table.encode(), "answers.tsv")
    assert len(result.rows) == 3 and result.rows[0]["messages"][1]["content"] == "Nile\\nAmazon"  # read as written
    (said,) = [n.message for n in result.notices if "backslash" in n.message]
    assert said.startswith("2 cells (data rows 1, 3) hold the two characters \\n (a backslash and an n)"), said
    plain = load_bytes(b"instruction\toutput\nWrite a Python line.\tprint('a\\nb')\nSay hi.\tHi!\n", "code.tsv")
    # one line of code, its \n quoted: not an escaped line break (cells.escaped_breaks; tests/test_data_words_h236)
    assert len(plain.rows) == 2 and not [n for n in plain.notices if "backslash" in n.message]
    lines = load_bytes(b"instruction,output\nShow code.,\"print('a\\nb')\nprint(2)\"\n", "code.csv")
    assert not [n for n in lines.notices if "backslash" in n.message]  # a cell with real line breaks: as meant
    turns = json.dumps([{"role": "user", "content": "Two rivers?"}, {"role": "assistant", "content": "Nile\nAmazon"}])
    table = io.StringIO()
    csv.writer(table).writerows([["messages"], [turns]])
    cells = load_bytes(table.getvalue().encode(), "chats.csv")  # JSON's \n in a cell of turns: a line break
    assert len(cells.rows) == 1 and not [n for n in cells.notices if "backslash" in n.message]
