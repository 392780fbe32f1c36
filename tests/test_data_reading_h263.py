"""Data-reading findings of helper 256's shape sweep (helper 263): each case is a file shape that was refused without
a fix, read without a word, or said in the wrong words, and what it says now."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pandas as pd
import pytest

from ftlib.batch_costs import grouping_said
from ftlib.cli import main
from ftlib.data import DataError, load_bytes

ROWS = [
    {"prompt": "Name a red fruit.", "completion": "A cherry."},
    {"prompt": "Name a green fruit.", "completion": "A lime."},
    {"prompt": "Name a yellow fruit.", "completion": "A banana."},
]


def turn(role: str, content: str) -> dict:
    return {"role": role, "content": content}


def said(result) -> str:
    return " ".join(n.message for n in result.notices)


@pytest.mark.parametrize("last_comma", [True, False], ids=["every_line", "all_but_the_last"])
def test_jsonl_whose_lines_end_in_commas_is_read_as_an_arrays_items_with_the_fix(last_comma):
    """Every line `{...},`: every row was refused, three listed, with no count and no fix; the same bytes named .json
    were read with a note. Now read the .json way, each row named by its line, the note giving the sed that fixes
    it."""
    lines = [json.dumps(r) + "," for r in ROWS]
    text = "\n".join(lines if last_comma else [*lines[:-1], lines[-1][:-1]]) + "\n"
    result = load_bytes(text.encode(), "fruit.jsonl")
    assert result.errors == [] and [r["messages"][0]["content"] for r in result.rows] == [r["prompt"] for r in ROWS]
    assert result.row_numbers == [1, 2, 3] and result.where(2) == "line 2"
    note = said(result)
    assert "one JSON object per line with a comma after each" in note and "remove the commas at the line ends" in note
    sed = re.search(r"`(sed '[^']+') fruit\.jsonl > fixed\.jsonl`", note).group(1)
    fixed = subprocess.run([*sed.split(" ", 1)[:1], sed.split("'")[1]], input=text, capture_output=True, text=True)
    again = load_bytes(fixed.stdout.encode(), "fixed.jsonl")
    assert again.rows == result.rows and not said(again)


def test_a_line_with_a_comma_among_good_lines_is_still_that_lines_refusal():
    """Only a file of comma lines is read as an array's items: one stray comma stays its line's own refusal."""
    text = "".join(json.dumps(r) + ("," if i == 1 else "") + "\n" for i, r in enumerate(ROWS))
    result = load_bytes(text.encode(), "fruit.jsonl")
    assert [(e.row, e.message.split(":")[0]) for e in result.errors] == [
        (2, "this line ends with a comma after its object")
    ]


TEXTS = ["The kettle sang on the stove.", "Rain drummed on the tin roof."]
ONLY_TEXTS = [
    ("json_array", "notes.json", json.dumps(TEXTS), ".[] | {text: .}"),
    ("jsonl_lines", "notes.jsonl", "".join(json.dumps(t) + "\n" for t in TEXTS), "{text: .}"),
    ("wrapped_in_data", "notes.json", json.dumps({"data": TEXTS}), ".data[] | {text: .}"),
    ("wrapped_beside_a_version", "notes.json", json.dumps({"version": 3, "rows": TEXTS}), ".rows[] | {text: .}"),
]


@pytest.mark.parametrize("name, text, jq", [c[1:] for c in ONLY_TEXTS], ids=[c[0] for c in ONLY_TEXTS])
def test_a_file_of_texts_alone_is_refused_once_with_the_fix(name, text, jq):
    """`["a", "b"]`, `"a"` a line, `{"data": ["a", ...]}`: each text was refused on its own ("this entry is text, not
    an object {...}") with no fix, and the wrapper was read as a column ("its rows have the fields data"). A text
    alone may be a document or a question, so it is not guessed: one refusal, counted, with the jq that fixes it."""
    with pytest.raises(DataError) as caught:
        load_bytes(text.encode(), name)
    message = str(caught.value)
    assert message.startswith(f'{name} holds only texts, 2 of them (the first "The kettle sang on the stove."), not')
    assert "fields data" not in message and "item 1" not in message and "line 1" not in message
    assert f"`jq -c '{jq}' {name} > fixed.jsonl`" in message
    if shutil.which("jq") is None:  # the words are checked above; running the fix needs jq (as test_json_fix_words)
        return
    fixed = subprocess.run(["jq", "-c", jq], input=text, capture_output=True, text=True, check=True).stdout
    assert [r["text"] for r in load_bytes(fixed.encode(), "fixed.jsonl").rows] == TEXTS


def test_texts_that_each_hold_a_json_object_are_offered_fromjson():
    text = json.dumps([json.dumps(r) for r in ROWS[:2]])
    with pytest.raises(DataError, match=r"written as a string: .*`jq -c '\.\[\] \| fromjson' rows\.json"):
        load_bytes(text.encode(), "rows.json")


def test_a_column_of_texts_named_as_a_field_is_still_read_as_that_column():
    """`{"text": [...]}` is a column of plain text, not a wrapper of texts."""
    assert load_bytes(json.dumps({"text": TEXTS}).encode(), "t.json").rows == [{"text": t} for t in TEXTS]


def test_alpaca_history_that_is_not_json_says_how_to_write_it():
    row = {"instruction": "And after that?", "output": "Lunch.", "history": "breakfast, then a walk"}
    (error,) = load_bytes(json.dumps(row).encode() + b"\n", "a.jsonl").errors
    assert error.message.startswith("'history' is not valid JSON (")
    assert error.message.endswith(
        ': write it as a list of [instruction, response] pairs (`[["Hi", "Hello!"]]`), or leave it empty'
    )


def test_a_pair_of_conversations_ending_on_a_user_turn_says_it_has_no_answer_first():
    """Both sides end on the user's turn: it said they "differ at turn 2, before their last answers (chosen's turn 3
    is a user turn...)", not that there is no final answer to prefer."""
    ask = turn("user", "Pick a colour.")
    row = {
        "chosen": [ask, turn("assistant", "Teal."), turn("user", "Why?")],
        "rejected": [ask, turn("assistant", "Grey."), turn("user", "Why?")],
    }
    (error,) = load_bytes(json.dumps(row).encode() + b"\n", "p.jsonl", fmt="preference").errors
    assert error.message.startswith("chosen and rejected both end with a user turn, so they hold no final answer")
    assert "differ at turn" not in error.message
    row["chosen"] = row["chosen"][:2]
    (error,) = load_bytes(json.dumps(row).encode() + b"\n", "p.jsonl", fmt="preference").errors
    assert error.message.startswith("rejected ends with a user turn, so it holds no final answer to prefer")


def test_several_keys_read_together_say_how_to_keep_them_apart_without_nested_brackets():
    value = {"part_a": [{"text": "Snow fell."}], "part_b": [{"text": "Ice formed."}]}
    note = said(load_bytes(json.dumps(value).encode(), "parts.json"))
    assert "keep them apart, for example `python -c" in note and note.endswith(']"`).')
    assert "))." not in note


@pytest.mark.parametrize(
    "prompt", ["Which planet is red?", [turn("user", "Which planet is red?")]], ids=["text", "turns"]
)
def test_a_prompt_written_again_at_the_start_of_both_conversations_is_said_and_counted(prompt):
    ask = turn("user", "Which planet is red?")
    row = {
        "prompt": prompt,
        "chosen": [ask, turn("assistant", "Mars.")],
        "rejected": [ask, turn("assistant", "Venus.")],
    }
    other = {"prompt": "Say no.", "chosen": [turn("assistant", "No.")], "rejected": [turn("assistant", "Yes.")]}
    text = "".join(json.dumps(r) + "\n" for r in (row, row, other))
    result = load_bytes(text.encode(), "pairs.jsonl")
    assert result.rows[0]["prompt"] == [ask] and result.rows[0]["chosen"] == [turn("assistant", "Mars.")]
    (note,) = [n for n in result.notices if "written again" in n.message]
    assert note.rows == 2 and note.message.startswith("In 2 rows, the 'prompt' is written again at the start of")


def responses_row(result: dict) -> dict:
    return {
        "tools": [{"type": "function", "name": "lamp_state", "parameters": {"type": "object", "properties": {}}}],
        "input": [
            {"role": "user", "content": "Is the lamp on?"},
            {"type": "function_call", "call_id": "k9", "name": "lamp_state", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "k9", **result},
        ],
        "output": [{"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "It is."}]}],
    }


def test_a_responses_function_output_without_its_output_key_is_refused_with_its_place():
    """A missing `output` was taken silently as an empty result; a null one is "" on purpose (9b1cc7bc), and a chat
    tool turn with no content key is refused as having none: the item now is too, by its turn."""
    text = "".join(json.dumps(responses_row(r)) + "\n" for r in ({}, {"output": None}, {"output": "on"}))
    result = load_bytes(text.encode(), "calls.jsonl")
    assert [(e.row, e.message) for e in result.errors] == [
        (1, "turn 3 (tool) of 'messages' has no 'content' (give it the turn's text)")
    ]
    assert [r["messages"][2]["content"] for r in result.rows] == ["", "on"]


def test_tokens_says_an_unread_parquet_column_in_a_note_as_data_inspect_does(tmp_path, capsys):
    path = tmp_path / "fruit.parquet"
    pd.DataFrame([r | {"source": "orchard"} for r in ROWS]).to_parquet(path)
    assert main(["data", "inspect", str(path)]) == 0
    inspect = capsys.readouterr().out
    (line,) = [ln for ln in inspect.splitlines() if "source" in ln]
    assert line.split()[0] == "note:"
    assert main(["tokens", str(path), "--template", "chatml"]) == 0
    err = capsys.readouterr().err
    assert "note: Not used: source (--map COLUMN=FIELD to use one)." in err.splitlines()
    assert not [ln for ln in err.splitlines() if ln.startswith("warning:") and "source" in ln]
    assert main(["tokens", str(path), "--template", "chatml", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert "Not used: source (--map COLUMN=FIELD to use one)." in report["notes"] and report["file_warnings"] == []


def test_batch_prints_why_grouping_pads_more_than_shuffling_as_the_batches_page_does(tmp_path, capsys):
    """On a small file grouping sorts nothing and can pad more than the shuffled average: the page says why under its
    table; `ftlib batch` printed the table alone."""
    words = ["tide", "moss", "kelp", "reef", "gull"]
    rows = [
        {"prompt": f"Say {words[i % 5]}.", "completion": " ".join(words[: 1 + (i * 7) % 5] * (1 + (i * 3) % 9))}
        for i in range(19)
    ]
    path = tmp_path / "shore.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    for seed in range(12):  # a seed whose one shuffle pads more than the average over every shuffle
        args = ["batch", str(path), "--batch-size", "4", "--seed", str(seed), "--template", "chatml"]
        assert main([*args, "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        expected = grouping_said(report["strategies"], 19, 4, 1, seed, "row")
        assert report["grouping"] == expected
        if expected:
            break
    assert (
        expected.startswith('"Padding, grouped by length" pads more than "Padding, shuffled" here')
        and "seed" in expected
    )
    assert main(args) == 0
    assert expected in capsys.readouterr().out.splitlines()
