"""Files whose shape would lose data without a word: a header naming a column twice, a JSON key written twice, a
pretty-printed JSON array or objects in a .jsonl file. Each is read whole, or refused with where and the fix."""

from __future__ import annotations

import io
import json

import pytest

from ftlib.cli import main
from ftlib.data import load_bytes
from ftlib.readers import DataError, jsonl_records, text_records


def pc(prompt: str, answer: str) -> dict:
    return {"prompt": prompt, "completion": answer}


PRETTY_ARRAY = '[\n  {"prompt": "Q1", "completion": "A1"},\n  {"prompt": "Q2", "completion": "A2"}\n]\n'
PRETTY_OBJECTS = '{\n  "prompt": "Q1",\n  "completion": "A1"\n}\n{\n  "prompt": "Q2",\n  "completion": "A2"\n}\n'

# (id, file name, its text, the prompts read, their row numbers, {bad row: words in its error}, words in the notes)
READ_CASES = [
    ("pretty_array_jsonl", "a.jsonl", PRETTY_ARRAY, ["Q1", "Q2"], [2, 3], {}, "one JSON array spread over several"),
    (
        "pretty_array_with_a_bad_item",
        "a.jsonl",
        '\n[\n  {"prompt": "Q1", "completion": "A1"},\n  "not a row",\n  {"prompt": "Q3", "completion": "A3"}\n]',
        ["Q1", "Q3"],
        [3, 5],
        {4: "is text, not an object"},
        "numbered by the line it starts on",
    ),
    (
        "one_line_array_jsonl",
        "a.jsonl",
        json.dumps([pc("Q1", "A1"), pc("Q2", "A2"), pc("Q3", "A3")]) + "\n",
        ["Q1", "Q2", "Q3"],
        [1, 2, 3],
        {},
        "numbered by their place in it",
    ),
    ("pretty_objects_jsonl", "o.jsonl", PRETTY_OBJECTS, ["Q1", "Q2"], [1, 5], {}, "JSON objects spread over several"),
    (
        "one_pretty_object_jsonl",
        "o.jsonl",
        json.dumps(pc("Q1", "A1"), indent=2),
        ["Q1"],
        [1],
        {},
        "one JSON object spread over several lines (pretty-printed): it is read as one row",
    ),
    (
        "pretty_wrapper_object_jsonl",
        "w.jsonl",
        json.dumps({"data": [pc("Q1", "A1"), pc("Q2", "A2")], "version": 2}, indent=2),
        ["Q1", "Q2"],
        [1, 2],
        {},
        "The rows are read from the key 'data'",
    ),
    (
        "duplicate_key_jsonl_row_refused",
        "d.jsonl",
        '{"prompt": "First", "completion": "A1", "prompt": "Second"}\n{"prompt": "Q2", "completion": "A2"}\n',
        ["Q2"],
        [2],
        {1: "the key 'prompt' is written twice in this line; JSON readers keep only the last value"},
        "",
    ),
    (
        "duplicate_key_inside_a_turn",
        "m.jsonl",
        json.dumps(pc("Q0", "A0")) + '\n{"prompt": "Q2", "completion": [{"role": "assistant", "content": "a", '
        '"content": "b"}]}\n',
        ["Q0"],
        [1],
        {2: "the key 'content' is written twice in an object inside this line"},
        "",
    ),
    (
        "duplicate_key_json_array_entry",
        "d.json",
        '[{"prompt": "Q1", "completion": "A1"}, {"prompt": "Q2", "completion": "x", "completion": "A2"}]',
        ["Q1"],
        [1],
        {2: "the key 'completion' is written twice in this entry"},
        "",
    ),
    (
        "duplicate_key_in_pretty_array_jsonl",
        "d.jsonl",
        '[\n  {"prompt": "Q1", "completion": "A1"},\n  {"prompt": "Q2", "prompt": "Q2b", "completion": "A2"}\n]',
        ["Q1"],
        [2],
        {3: "the key 'prompt' is written twice in this entry"},
        "one JSON array",
    ),
    # JSON text inside a row (a CSV cell, a tool call's arguments, a tools string) is JSON too: a cold review found a
    # key written twice there kept its last value without a word.
    (
        "duplicate_key_in_json_text_of_a_csv_cell",
        "c.csv",
        'messages\n"[{""role"": ""user"", ""content"": ""Q1""}, {""role"": ""assistant"", ""content"": ""A1""}]"\n'
        '"[{""role"": ""user"", ""content"": ""first"", ""content"": ""second""}, '
        '{""role"": ""assistant"", ""content"": ""A2""}]"\n',
        ["Q1"],
        [1],
        {2: "the 'messages' field cannot be read: the key 'content' is written twice in one object; JSON readers"},
        "",
    ),
    (
        "duplicate_key_in_tool_call_arguments_text",
        "t.jsonl",
        json.dumps({"messages": [{"role": "user", "content": "Q1"}, {"role": "assistant", "content": "A1"}]})
        + "\n"
        + json.dumps(
            {
                "messages": [
                    {"role": "user", "content": "Q2"},
                    {
                        "role": "assistant",
                        "tool_calls": [{"function": {"name": "w", "arguments": '{"c": "Oslo", "c": "Rome"}'}}],
                    },
                    {"role": "tool", "content": "12C"},
                    {"role": "assistant", "content": "12C."},
                ]
            }
        )
        + "\n",
        ["Q1"],
        [1],
        {2: "the arguments of tool call 1 (`w`) of turn 2 (assistant) of 'messages' cannot be read: the key 'c' is "},
        "",
    ),
    (
        "duplicate_key_in_tools_text",
        "t.jsonl",
        json.dumps(pc("Q1", "A1"))
        + "\n"
        + json.dumps({**pc("Q2", "A2"), "tools": '[{"name": "w", "name": "v", "parameters": {}}]'})
        + "\n",
        ["Q1"],
        [1],
        {2: "the key 'name' is written twice in one object"},
        "",
    ),
    (  # a cold review: refused item by item as "a list, not an object", with no fix
        "json_array_of_bare_conversations",
        "c.json",
        json.dumps(
            [
                [{"role": "user", "content": "Q1"}, {"role": "assistant", "content": "A1"}],
                [{"from": "human", "value": "Q2"}, {"from": "gpt", "value": "A2"}],
            ]
        ),
        ["Q1", "Q2"],
        [1, 2],
        {},
        "Each item of the array is a list of turns: each is read as one conversation (`messages`).",
    ),
    (  # a cold review was told "the 'output' field is null": a name the file does not use, for a key it lacks
        "guessed_keys_a_row_lacks_are_its_own",
        "qa.jsonl",
        '{"question": "Q1", "answer": "A1"}\n{"question": "Q2", "response": "A2"}\n',
        ["Q1"],
        [1],
        {2: "the 'answer' field is missing or empty (it is read as the output); the row also has 'response', which"},
        "",
    ),
    (  # a cold review: every row refused as "not valid JSON (Extra data)"
        "jsonl_with_carriage_returns_alone",
        "mac.jsonl",
        json.dumps(pc("Q1", "A1")) + "\r" + json.dumps(pc("Q2", "A2")) + "\r",
        ["Q1", "Q2"],
        [1, 2],
        {},
        "The lines of mac.jsonl end with a carriage return alone (old Mac OS line ends): read as lines.",
    ),
    (
        "jsonl_named_json_still_line_by_line",
        "l.json",
        json.dumps(pc("Q1", "A1")) + "\n" + json.dumps(pc("Q2", "A2")) + "\n",
        ["Q1", "Q2"],
        [1, 2],
        {},
        "holds one JSON object per line (JSONL)",
    ),
    (
        "jsonl_with_broken_first_line_keeps_the_rest",
        "b.jsonl",
        '{"prompt": "Q1", "compl\n' + json.dumps(pc("Q2", "A2")) + "\n",
        ["Q2"],
        [2],
        {1: "not valid JSON"},
        "",
    ),
    (
        "jsonl_with_an_array_line_is_not_a_document",
        "b.jsonl",
        json.dumps([pc("Q1", "A1")]) + "\n" + json.dumps(pc("Q2", "A2")) + "\n",
        ["Q2"],
        [2],
        {1: "holds a list"},
        "",
    ),
]


@pytest.mark.parametrize(
    "name,text,prompts,numbers,bad,note", [c[1:] for c in READ_CASES], ids=[c[0] for c in READ_CASES]
)
def test_every_row_is_read_or_named(name, text, prompts, numbers, bad, note):
    result = load_bytes(text.encode(), name)
    assert [r["messages"][0]["content"] for r in result.rows] == prompts
    assert result.row_numbers == numbers
    assert {e.row: e.message for e in result.errors}.keys() == bad.keys()
    for error in result.errors:
        assert bad[error.row] in error.message, error.message
    notes = " ".join(n.message for n in result.notices)
    assert note in notes, notes
    assert result.total == len(prompts) + len(bad)  # nothing vanished between the file and the report


# (id, file name, its bytes, words the one-line refusal holds)
REFUSED = [
    (
        "csv_header_names_a_column_twice",
        "dup.csv",
        b"instruction,output,output\nSay hi,Hello,Howdy\n",
        ["'output' more than once in its header (line 1): columns 2 and 3", "rename the others (e.g. 'output_2')"],
    ),
    (
        "csv_with_excel_hint_counts_the_hint_line",
        "dup.csv",
        b"sep=;\ninstruction;output;instruction\nSay hi;Hello;Hi\n",
        ["'instruction' more than once in its header (line 2): columns 1 and 3"],
    ),
    (
        "tsv_two_names_twice",
        "dup.tsv",
        b"prompt\tcompletion\tprompt\tcompletion\nQ\tA\tQ2\tA2\n",
        ["columns 'prompt' and 'completion'", "'prompt' in columns 1 and 3; 'completion' in columns 2 and 4"],
    ),
    (
        "columnar_json_names_a_column_twice",
        "c.json",
        b'{"prompt": ["Q1"], "completion": ["A1"], "prompt": ["Q9"]}',
        ["the key 'prompt' is written twice", "(written twice on line 1)", "Keep one of them"],
    ),
    (
        "wrapper_json_with_the_rows_key_twice",
        "w.json",
        b'{\n"data": [{"prompt": "Q1", "completion": "A1"}],\n"data": [{"prompt": "Q2", "completion": "A2"}]\n}',
        ["the key 'data' is written twice", "(written on lines 2, 3)"],
    ),
    (
        "pretty_objects_not_valid_json",
        "p.jsonl",
        b'{\n  "prompt": "Q1",\n  "completion": "A1"\n}\n{\n  "prompt": "Q2"\n  "completion": "A2"\n}\n',
        ["looks pretty-printed", "line 7, column 3", "jq -c . p.jsonl > fixed.jsonl"],
    ),
]


@pytest.mark.parametrize("name,data,words", [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_a_file_that_would_lose_data_is_refused_in_one_line(tmp_path, capsys, name, data, words):
    with pytest.raises(DataError) as caught:
        load_bytes(data, name)
    for word in words:
        assert word in str(caught.value), str(caught.value)
    path = tmp_path / name
    path.write_bytes(data)
    assert main(["data", "inspect", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and words[0] in err, err


def test_parquet_with_a_column_twice_is_refused():
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    # pyarrow writes and reads two columns of one name; its rows as dicts keep the last ("Howdy"), losing "Hello".
    table = pa.table(
        [pa.array(["Say hi"]), pa.array(["Hello"]), pa.array(["Howdy"])], ["instruction", "output", "output"]
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    assert table.to_pylist() == [{"instruction": "Say hi", "output": "Howdy"}]
    with pytest.raises(DataError, match=r"'output' more than once among its columns: columns 2 and 3"):
        load_bytes(buffer.getvalue(), "dup.parquet")


def test_the_tester_files_as_the_cli_reports_them(tmp_path, capsys):
    """The shapes found by a tester: the row with a key twice is named by line; the pretty array is read whole."""
    dupkey = tmp_path / "dupkey.jsonl"
    dupkey.write_text(
        '{"prompt": "First prompt", "completion": "A1", "prompt": "Second prompt"}\n'
        '{"prompt": "Q2", "completion": "A2"}\n'
    )
    assert main(["data", "inspect", str(dupkey), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["valid_rows"], [e["where"] for e in report["errors"]]) == (1, ["line 1"])
    assert "'prompt' is written twice" in report["errors"][0]["message"]

    pretty = tmp_path / "pretty_array.jsonl"
    pretty.write_text(PRETTY_ARRAY)
    assert main(["data", "inspect", str(pretty), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["rows"], report["valid_rows"], report["errors"]) == (2, 2, [])
    assert "not one object per line: it is read as JSON" in report["warnings"][0]["message"]


def test_a_plain_jsonl_file_is_read_line_by_line():
    text = "".join(json.dumps(pc(f"Q{i}", f"A{i}")) + "\n" for i in range(1, 4))
    records, errors, notes, _ = text_records(text.encode(), "jsonl", "plain.jsonl")
    assert ([n for n, _ in records], errors, notes) == ([1, 2, 3], [], [])
    assert jsonl_records(text) == (records, [])


def test_a_jsonl_file_whose_first_line_is_cut_short_reads_its_other_lines():
    """A cold review: a broken first line (cut short) refused the whole JSONL file as "pretty-printed", pointing at
    line 2, with a `jq -c .` fix that fails on it too; the same line anywhere else is one bad row."""
    good = b'{"prompt": "Q1", "completion": "A1"}\n{"prompt": "Q2", "completion": "A2"}\n'
    cut = b'{"prompt": "Q0", "completion": "A\n'
    result = load_bytes(cut + good, "cut.jsonl")
    assert ["Q1" in str(result.rows[0]), "Q2" in str(result.rows[1]), len(result.rows)] == [True, True, 2]
    assert [e.row for e in result.errors] == [1] and "cut short" in result.errors[0].message
    assert load_bytes(good[:37] + cut + good[37:], "cut.jsonl").errors[0].row == 2  # the same line, elsewhere
