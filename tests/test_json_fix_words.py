"""What the JSON readers tell a person to do works on their file.

A .json file of objects separated by commas, without the [ ] around them, was told to "Put [ before the first object
and ] after the last to make it valid JSON" even when it ended on a comma, where that gives `[{...}, {...},]`: still
not JSON. A .jsonl file whose lines are JSON arrays was refused as "not one JSON value", which a .jsonl file never is:
each of its lines is one JSON value, an array where an object belongs. Each fix is followed here as it is written (the
brackets put, the comma deleted, jq run as given) and Python's json module, or the studio's reader, has the last word.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from ftlib.data import load_bytes
from ftlib.readers import DataError


def pc(prompt: str, answer: str) -> dict:
    return {"prompt": prompt, "completion": answer}


ROWS = [pc("Q1", "A1"), pc("Q2", "A2"), pc("Q3", "A3")]
ONE_PER_LINE = [json.dumps(row) for row in ROWS]
PRETTY = [json.dumps(row, indent=2) for row in ROWS]


def follow(advice: str, text: str) -> str:
    """`text` changed as `advice` says: the comma after the last object deleted, the brackets put around it."""
    said = advice.lower()
    if "delete the comma after the last object" in said:
        text = text.rstrip()
        assert text.endswith(","), "told to delete a comma that is not there"
        text = text[:-1]
    if "put [ before the first object and ] after the last" in said:
        text = "[" + text + "]"
    return text


# (id, the file's text): objects separated by commas, with and without one after the last
COMMAS = [
    ("one_per_line_ending_on_a_comma", ",\n".join(ONE_PER_LINE) + ",\n"),
    ("pretty_ending_on_a_comma", ",\n".join(PRETTY) + ",\n\n"),
    ("one_per_line", ",\n".join(ONE_PER_LINE) + "\n"),
    ("pretty", ",\n".join(PRETTY) + "\n"),
]


@pytest.mark.parametrize("text", [c[1] for c in COMMAS], ids=[c[0] for c in COMMAS])
def test_the_note_on_comma_separated_objects_makes_valid_json_when_followed(text):
    result = load_bytes(text.encode(), "c.json")
    assert result.rows and result.row_numbers[0] == 1 and not result.errors
    (note,) = [n.message for n in result.notices if n.note and "separated by commas" in n.message]
    assert json.loads(follow(note, text)) == ROWS, note  # the fix, done as said, gives the rows as one JSON array
    trailing = text.rstrip().endswith(",")
    assert ("comma after the last object" in note) is trailing, note  # said only where there is one


def test_the_refusal_of_comma_separated_objects_that_are_not_valid_json_names_a_last_comma_too():
    """The object on line 2 lacks its closing brace; once that is fixed, the same advice applies as to the note."""
    broken = [ONE_PER_LINE[0], ONE_PER_LINE[1][:-1], ONE_PER_LINE[2]]
    for ending, told in ((",\n", True), ("\n", False)):
        with pytest.raises(DataError) as caught:
            load_bytes((",\n".join(broken) + ending).encode(), "c.json")
        said = str(caught.value)
        assert "separated by commas without the [ ] around them" in said and "line 3" in said, said
        fixed = ",\n".join(ONE_PER_LINE) + ending  # the JSON fixed where the message points
        assert json.loads(follow(said, fixed)) == ROWS, said
        assert ("comma after the last object" in said) is told, said


CONVERSATIONS = [
    [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}],
    [{"role": "user", "content": "Bye"}, {"role": "assistant", "content": "Goodbye."}],
]
# (id, the .jsonl file's text)
ARRAY_LINES = [
    ("one_array_per_line", "".join(json.dumps(turns) + "\n" for turns in CONVERSATIONS)),
    ("pretty_arrays", "".join(json.dumps(turns, indent=2) + "\n" for turns in CONVERSATIONS)),
]


@pytest.mark.parametrize("text", [c[1] for c in ARRAY_LINES], ids=[c[0] for c in ARRAY_LINES])
def test_a_jsonl_file_of_arrays_is_told_its_values_are_arrays_not_objects(text):
    with pytest.raises(DataError) as caught:
        load_bytes(text.encode(), "t.jsonl")
    said = str(caught.value)
    assert "not one JSON value" not in said, said  # each line is one JSON value: that was never the problem
    assert said.startswith("t.jsonl holds 2 JSON arrays [...] (starting on lines 1, ") and "not objects" in said
    assert "one JSON object {...} per line" in said  # what a .jsonl file needs
    assert "jq -c '{messages: .}' t.jsonl > fixed.jsonl" in said and "jq -c '.[]' t.jsonl > fixed.jsonl" in said
    # A .json file of the same arrays is one JSON value too few: its words stay as they were.
    with pytest.raises(DataError, match=r"t.json holds 2 JSON arrays one after another .* not one JSON value"):
        load_bytes(text.encode(), "t.json")


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")
def test_the_jq_commands_a_jsonl_file_of_arrays_is_given_give_rows(tmp_path):
    """Run as written: '{messages: .}' makes each array a conversation, '.[]' each item a row."""
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(turns, indent=2) + "\n" for turns in CONVERSATIONS))
    with pytest.raises(DataError) as caught:
        load_bytes(path.read_bytes(), "t.jsonl")
    said = str(caught.value)
    for program, rows in (("{messages: .}", 2), (".[]", 4)):
        assert f"jq -c '{program}' t.jsonl > fixed.jsonl" in said, said
        out = subprocess.run(["jq", "-c", program, str(path)], capture_output=True, text=True, check=True).stdout
        lines = [json.loads(line) for line in out.splitlines()]
        assert len(lines) == rows and all(isinstance(line, dict) for line in lines)
    conversations = load_bytes(
        subprocess.run(["jq", "-c", "{messages: .}", str(path)], capture_output=True, check=True).stdout, "f.jsonl"
    )
    assert [r["messages"] for r in conversations.rows] == CONVERSATIONS and not conversations.errors


# --- trailing commas: said as such, and the comma removed where the message points gives the rows -----------------


def without_comma(text: str, line: int, column: int | None = None) -> str:
    """`text` with the last comma before `column` of `line` (1-based; None: the line's end) deleted."""
    lines = text.split("\n")
    head = lines[line - 1][: None if column is None else column - 1]
    before = "\n".join(lines[: line - 1] + [head])
    cut = before.rindex(",")
    return text[:cut] + text[cut + 1 :]


# (id, file name, its text, the words the refusal or each bad row uses); ROWS again once each comma is removed
TRAILING = [
    (
        "jsonl_every_line",
        "c.jsonl",
        "".join(line + ",\n" for line in ONE_PER_LINE),
        "ends with a comma after its object",
    ),
    ("jsonl_some_lines", "c.jsonl", ",\n".join(ONE_PER_LINE) + "\n", "ends with a comma after its object"),
    ("jsonl_inside_an_object", "c.jsonl", ONE_PER_LINE[0][:-1] + ",}\n" + "\n".join(ONE_PER_LINE[1:]), "closing }"),
    ("json_array_on_one_line", "c.json", "[" + ", ".join(ONE_PER_LINE) + ",]", "closing ]"),
    ("json_array_pretty", "c.json", "[\n" + ",\n".join(PRETTY) + ",\n]\n", "closing ]"),
    ("jsonl_holding_a_pretty_array", "c.jsonl", "[\n" + ",\n".join(PRETTY) + ",\n]\n", "closing ]"),
]


@pytest.mark.parametrize("name, text, words", [c[1:] for c in TRAILING], ids=[c[0] for c in TRAILING])
def test_a_trailing_comma_is_named_and_removing_it_gives_the_rows(name, text, words):
    """A cold review: a JSONL file whose lines end in `},` was told "Extra data (column 37)", and `[{...},]` in a
    .json file "Expecting value ... If it has one JSON object per line, name it .jsonl", which would not help. The
    comma is named, with where it is; deleting it there gives the rows."""
    try:
        result = load_bytes(text.encode(), name)
    except DataError as exc:  # the whole file: where the comma is, as "line L, column C"
        said = str(exc)
        assert words in said and ".jsonl." not in said and "Extra data" not in said, said
        if said.startswith("No row of"):  # every line refused: the first are given by line, as per-row errors are
            assert said.startswith(f"No row of {name} could be read. line 1: this line ends with a comma after its"), (
                said
            )
            fixed = text
            for line in range(len(ROWS), 0, -1):
                fixed = without_comma(fixed, line)
        else:
            line, column = map(int, re.search(r"at line (\d+), column (\d+)", said).groups())
            fixed = without_comma(text, line, column)
    else:  # bad lines of a JSONL file: each says what to remove
        if not result.errors:  # every line a comma after it (h263): read as a JSON array's items, with the sed fix
            said = " ".join(n.message for n in result.notices)
            assert "remove the commas at the line ends" in said and result.rows == load_bytes(text.encode(), name).rows
            fixed = re.sub(r",[ \t]*$", "", text, flags=re.M)  # the note's `sed 's/,[[:space:]]*$//'`
            assert load_bytes(fixed.encode(), name).rows == result.rows
            return
        fixed = text
        for error in reversed(result.errors):
            assert words in error.message and "remove" in error.message, error.message
            column = re.search(r"\(column (\d+)\)", error.message)
            fixed = without_comma(fixed, error.row, int(column.group(1)) if column else None)
    assert load_bytes(fixed.encode(), name).rows == [
        {"messages": [{"role": "user", "content": r["prompt"]}, {"role": "assistant", "content": r["completion"]}]}
        for r in ROWS
    ]
