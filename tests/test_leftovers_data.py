"""A .json file that is several JSON values one after another, not one: pretty-printed objects, JSONL, objects
separated by commas without their array's brackets are read as a .jsonl file of them is read (rows numbered by the
line each starts on, a note saying how); JSON arrays one after another are refused with the fix. Nothing is lost
without a word, in `data inspect`, `train` and the Data page, which share `ftlib.readers`."""

from __future__ import annotations

import json

import pytest

from ftlib import runs
from ftlib.cli import main
from ftlib.data import load_bytes
from ftlib.readers import DataError


def pc(prompt: str, answer: str) -> dict:
    return {"prompt": prompt, "completion": answer}


# The shape the defect names: pretty-printed objects one after another, as `json.dump(row, f, indent=2)` in a loop
# writes them. Before, it was read line by line as JSONL: "No row of c.json could be read. row 1: this line is not
# valid JSON ...".
PRETTY = "".join(json.dumps(pc(f"Q{i}", f"A{i}"), indent=2) + "\n" for i in (1, 2, 3))
ONE_PER_LINE_COMMAS = "".join(json.dumps(pc(f"Q{i}", f"A{i}")) + ",\n" for i in (1, 2, 3))
PRETTY_COMMAS = ",\n".join(json.dumps(pc(f"Q{i}", f"A{i}"), indent=2) for i in (1, 2, 3)) + "\n"

# (id, its text, the prompts read, their row numbers, {bad row: words in its error}, words in the note)
READ = [
    ("pretty_objects", PRETTY, ["Q1", "Q2", "Q3"], [1, 5, 9], {}, "JSON objects one after another, spread over"),
    (
        "objects_separated_by_commas_one_per_line",
        ONE_PER_LINE_COMMAS,
        ["Q1", "Q2", "Q3"],
        [1, 2, 3],
        {},
        "separated by commas without the [ ] around them",
    ),
    (
        "pretty_objects_separated_by_commas",
        PRETTY_COMMAS,
        ["Q1", "Q2", "Q3"],
        [1, 5, 9],
        {},
        "Put [ before the first object and ] after the last",
    ),
    (
        "pretty_objects_with_a_value_that_is_not_an_object",
        json.dumps(pc("Q1", "A1"), indent=1) + '\n"a stray line"\n' + json.dumps(pc("Q3", "A3"), indent=1),
        ["Q1", "Q3"],
        [1, 6],
        {5: "this entry is text, not an object"},
        "named by the line it starts on",
    ),
    (
        "pretty_object_writing_a_key_twice",
        '{\n "prompt": "Q0",\n "completion": "A1",\n "prompt": "Q1"\n}\n' + json.dumps(pc("Q2", "A2"), indent=1),
        ["Q2"],
        [6],
        {1: "the key 'prompt' is written twice in this entry"},
        "spread over several lines",
    ),
    (  # as before: one object per line, a broken line a bad row and the others read
        "jsonl_with_a_broken_line",
        json.dumps(pc("Q1", "A1")) + '\n{"prompt": "Q2", "compl\n' + json.dumps(pc("Q3", "A3")) + "\n",
        ["Q1", "Q3"],
        [1, 3],
        {2: "this line is not valid JSON"},
        "holds one JSON object per line (JSONL)",
    ),
    (
        "one_array_and_a_comma_after_it",
        json.dumps([pc("Q1", "A1"), pc("Q2", "A2")]) + ",\n",
        ["Q1", "Q2"],
        [1, 2],
        {},
        "one JSON value and a comma after it, which is left out",
    ),
]


@pytest.mark.parametrize("text,prompts,numbers,bad,note", [c[1:] for c in READ], ids=[c[0] for c in READ])
def test_several_json_values_in_a_json_file_are_each_a_row(text, prompts, numbers, bad, note):
    result = load_bytes(text.encode(), "c.json")
    assert [r["messages"][0]["content"] for r in result.rows] == prompts
    assert result.row_numbers == numbers
    assert {e.row: e.message for e in result.errors}.keys() == bad.keys()
    for error in result.errors:
        assert bad[error.row] in error.message, error.message
    notes = " ".join(n.message for n in result.notices if n.note)
    assert note in notes, notes
    assert result.total == len(prompts) + len(bad)  # nothing vanished between the file and the report


def test_an_array_among_pretty_objects_is_refused_not_read_as_one_bad_row():
    """A cold review: an array of two conversations, then an object, read as "1 of the file's 2 rows cannot be used"
    (the array one bad row): three conversations, two lost under a vague count."""
    text = json.dumps([pc("Q1", "A1"), pc("Q2", "A2")]) + "\n" + json.dumps(pc("Q3", "A3"), indent=1)
    with pytest.raises(DataError, match="with a JSON array among them .starting on line 1.: whether an array holds"):
        load_bytes(text.encode(), "m.json")


def test_the_same_text_reads_the_same_rows_named_json_or_jsonl():
    as_json, as_jsonl = load_bytes(PRETTY.encode(), "c.json"), load_bytes(PRETTY.encode(), "c.jsonl")
    assert (as_json.rows, as_json.row_numbers) == (as_jsonl.rows, as_jsonl.row_numbers)
    # Rows numbered by line are named by line, as a .jsonl file's are; an array's items stay "item N".
    assert as_json.where(5) == as_jsonl.where(5) == "line 5"
    array = load_bytes(json.dumps([pc("Q1", "A1"), pc("Q2", "A2")]).encode(), "a.json")
    assert array.where(2) == "item 2"


ARRAYS = json.dumps([pc("Q1", "A1")], indent=2) + "\n" + json.dumps([pc("Q2", "A2"), pc("Q3", "A3")], indent=2)
TURNS = (json.dumps([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Ho"}]) + "\n") * 2

# (id, file name, its text, words the one-line refusal holds)
REFUSED = [
    (
        "pretty_arrays_one_after_another",
        "a.json",
        ARRAYS,
        ["a.json holds 2 JSON arrays one after another (starting on lines 1, 7)", "jq -s add a.json > fixed.json"],
    ),
    ("arrays_one_per_line", "t.json", TURNS, ["holds 2 JSON arrays", "jq -c '{messages: .}' t.json > fixed.jsonl"]),
    (  # each value is one JSON value, an array where an object belongs (tests/test_json_fix_words.py)
        "pretty_arrays_in_a_jsonl_file",
        "a.jsonl",
        ARRAYS,
        ["a.jsonl holds 2 JSON arrays [...] (starting on lines 1, 7), not objects", "jq -c '.[]' a.jsonl"],
    ),
    (
        "pretty_objects_not_valid_json",
        "p.json",
        '{\n  "prompt": "Q1",\n  "completion": "A1"\n}\n{\n  "prompt": "Q2"\n  "completion": "A2"\n}\n',
        ["p.json holds JSON objects spread over several lines", "line 7, column 3", "Fix the JSON there"],
    ),
    (
        "objects_separated_by_commas_but_one",
        "m.json",
        json.dumps(pc("Q1", "A1")) + ",\n" + json.dumps(pc("Q2", "A2")) + "\n" + json.dumps(pc("Q3", "A3")),
        ["separated by commas without the [ ] around them", "line 3, column 1 (Expecting ',' delimiter)"],
    ),
]


@pytest.mark.parametrize("name,text,words", [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_values_that_cannot_be_read_whole_are_refused_in_one_line(tmp_path, capsys, name, text, words):
    with pytest.raises(DataError) as caught:
        load_bytes(text.encode(), name)
    for word in words:
        assert word in str(caught.value), str(caught.value)
    path = tmp_path / name
    path.write_text(text)
    assert main(["data", "inspect", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and words[0] in err, err


def test_data_inspect_reads_the_pretty_json_file_of_the_report(tmp_path, capsys):
    path = tmp_path / "c.json"
    path.write_text('{\n  "prompt": "hi",\n  "completion": "there"\n}\n{\n  "prompt": "a",\n  "completion": "b"\n}\n')
    assert main(["data", "inspect", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["format"], report["valid_rows"], report["errors"]) == ("prompt_completion", 2, [])
    assert "named by the line it starts on" in report["warnings"][0]["message"]


def test_train_reads_the_pretty_json_file(tmp_path, capsys, tiny_model_dir, no_training):
    rows = [pc(f"Question {i}?", f"Answer {i}.") for i in range(6)]
    path = tmp_path / "pretty.json"
    path.write_text("\n".join(json.dumps(r, indent=2) for r in rows))
    args = ["train", "--model", str(tiny_model_dir), "--dataset", str(path), "--test-size", "2", "--max-steps", "1"]
    assert main([*args, "--device", "cpu", "--detach"]) == 0
    run_id = capsys.readouterr().out.strip()
    data = runs.get(run_id)["data"]
    assert (data["train_rows"], data["test_rows"], data.get("rows_left_out")) == (4, 2, 0)


def test_the_data_page_reads_the_pretty_json_file(tmp_path, monkeypatch):
    from tests.test_pages_data import data_page, texts, with_path

    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))
    path = tmp_path / "pretty.json"
    path.write_text(PRETTY)
    at = with_path(data_page(), path)
    assert not at.error, [e.value for e in at.error]
    assert "JSON objects one after another" in texts(at) + " ".join(i.value for i in at.info)
