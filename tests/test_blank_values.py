"""A field empty ("", only spaces) or null in some rows of a file and filled in others is named, never passed over:
a field a row needs refuses the row (each named among the errors, with the fix); a field a row can do without (its
`system`, a prompt's `answer` for GRPO's rewards) keeps the row and is named once per file, with how many
rows, the first of them, what becomes of them and how to fix the file. `data inspect`, `train`'s warnings and the
Data page say it from the same list (`LoadResult.notices`)."""

from __future__ import annotations

import argparse
import json

import pytest

from ftlib.cli import main
from ftlib.commands import file_warnings
from ftlib.data import DataError, load_bytes


def _jsonl(*rows: dict) -> str:
    return "\n".join(json.dumps(r) for r in rows) + "\n"


ALPACA_CSV = "instruction,input,output\nSay hi,,Hi there.\nAdd 2 and 2,,4\nName a color,,\nName a fruit,,Apple.\n"
ALPACA_CSV += "Capital of France?,,\nSpell cat,,C-A-T\n"
PC = [
    {"prompt": "Say hi", "completion": "Hi there."},
    {"prompt": "Add 2 and 2", "completion": None},
    {"prompt": "Name a color", "completion": "Blue."},
    {"prompt": "Name a fruit", "completion": "   "},
]
PAIRS = [
    {"prompt": "Say hi", "chosen": "Hi there.", "rejected": "Go away."},
    {"prompt": "Add 2 and 2", "chosen": "4", "rejected": ""},
]
PROMPTS = [{"prompt": "Add 2 and 2", "answer": "4"}, {"prompt": "Add 3 and 3", "answer": None}, {"prompt": "1+1?"}]
SYSTEMS = [
    {"instruction": "Hi", "output": "Yo.", "system": "Be kind."},
    {"instruction": "Hey", "output": "Yo.", "system": ""},
    {"instruction": "Hello", "output": "Yo.", "system": " \n"},
]

# (id, file name, its text, a mapping, the rows refused as {row: words of its error}, the notice: its words or None)
CASES = [
    (  # a needed field: each row refused and named with its fix, as before
        "alpaca_csv_empty_output",
        "qa.csv",
        ALPACA_CSV,
        None,
        {3: "the 'output' cell is empty: fill it in"} | {5: "'output' cell is empty"},
        None,
    ),
    (  # a null said as null, with the fix an empty one gets (it said only what the format needs)
        "completion_null_and_spaces",
        "pc.jsonl",
        _jsonl(*PC),
        None,
        {
            2: "the 'completion' field is null: rows read as prompt and answer (prompt_completion) need 'prompt' and "
            "'completion'; fill it in, or leave the row out",
            4: "the 'completion' field is empty: write its text there",
        },
        None,
    ),
    ("rejected_empty", "pairs.jsonl", _jsonl(*PAIRS), None, {2: "the 'rejected' field is empty"}, None),
    (  # a pair's null prompt: not "need 'chosen' and 'rejected'", which the row has
        "prompt_of_a_pair_null",
        "pairs.jsonl",
        _jsonl(PAIRS[0], {**PAIRS[0], "prompt": None}),
        None,
        {2: "the 'prompt' field is null: fill it in, or leave the row out"},
        None,
    ),
    (  # kept, but GRPO's rewards get nothing for line 2 (line 3 has no `answer` key: the rewards' check names it)
        "grpo_answer_null",
        "prompts.jsonl",
        _jsonl(*PROMPTS),
        None,
        {},
        "The field `answer` is empty or null in 1 row (line 2), while 1 other row gives it a value: those prompts "
        "give GRPO's reward functions no `answer` to check their answers against, so a reward that reads it "
        '(`answer=` of a registered function, {"final_answer": "answer"} or {"contains_column": "answer"}) cannot '
        "score them. Fill in `answer` for those prompts, or leave them out of the file.",
    ),
    (
        "grpo_csv_blank_cell",
        "prompts.csv",
        "prompt,answer\n2+2?,4\n3+3?,\n1+1?,2\n",
        None,
        {},
        "The column `answer` is empty in 1 row (data row 2), while 2 other rows give it a value: those prompts",
    ),
    (
        "system_blank_in_some_rows",
        "sys.jsonl",
        _jsonl(*SYSTEMS),
        None,
        {},
        "The field `system` is empty or null in 2 rows (lines 2, 3), while 1 other row gives it a value: those rows "
        "are read without a system turn. Fill in `system` in those rows if they should have one;",
    ),
    (  # the file's own name of the field, and the rows past the first five counted
        "mapped_column_many_rows",
        "persona.csv",
        "question,answer,persona\nQ0,A0,Be kind.\n" + "".join(f"Q{i},A{i},\n" for i in range(1, 9)),
        {"instruction": "question", "output": "answer", "system": "persona"},
        {},
        "The column `persona` (read as the system) is empty in 8 rows (data rows 2, 3, 4, 5, 6 and 3 more), while 1",
    ),
    (  # empty everywhere, an empty list, a key a row does not have: nothing is lost
        "nothing_to_name",
        "chats.jsonl",
        _jsonl(
            {"instruction": "Hi", "output": "Yo.", "system": "", "tools": []},
            {
                "instruction": "Hey",
                "output": "Yo.",
                "system": None,
                "tools": [{"type": "function", "function": {"name": "add", "parameters": {}}}],
            },
            {"instruction": "Hello", "output": "Yo."},
        ),
        None,
        {},
        None,
    ),
]


@pytest.mark.parametrize(
    ("name", "text", "mapping", "refused", "said"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_field_empty_in_some_rows_is_named(name, text, mapping, refused, said):
    result = load_bytes(text.encode(), name, column_map=mapping)
    assert {e.row: e.message for e in result.errors}.keys() == refused.keys()
    for error in result.errors:
        assert refused[error.row] in error.message
    blank = [n for n in result.notices if "empty" in n.message and not n.ignored]
    if said is None:
        assert blank == []
    else:
        assert len(blank) == 1 and blank[0].message.startswith(said) and not blank[0].note
        assert result.valid_rows == result.total  # the rows are kept, not refused


def test_an_empty_alpaca_input_is_not_named():
    # Alpaca's own data leaves most inputs empty: an instruction alone, as the format means it (noise on every file).
    text = _jsonl({"instruction": "Sum these.", "input": "2, 3", "output": "5"}, {"instruction": "Hi", "input": ""})
    text += _jsonl({"instruction": "Hey", "input": None, "output": "Yo."})
    result = load_bytes(text.encode(), "alpaca.jsonl")
    assert [n.message for n in result.notices] == [] and [e.row for e in result.errors] == [2]  # no output: refused


def test_data_inspect_and_train_say_it_without_calling_it_an_unread_field(tmp_path, capsys):
    path = tmp_path / "prompts.jsonl"
    path.write_text(_jsonl(*PROMPTS))
    assert main(["data", "inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "warning:    The field `answer` is empty or null in 1 row (line 2)" in out
    assert main(["data", "inspect", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [w["field"] for w in report["warnings"] if "empty or null" in w["message"]] == ["answer"]

    args = argparse.Namespace(file=str(path), fmt=None, map=[])
    result = load_bytes(path.read_bytes(), path.name)
    said = file_warnings(result, args)
    assert said == [f"warning: {n.message}" for n in result.notices if not n.note]  # its own line
    assert not any("not read" in line for line in said)  # `answer` is read: it goes to the rewards


def test_a_json_file_read_by_line_names_its_rated_rows_by_line():
    rows = [{"prompt": f"Q{i}", "completion": "A", "label": v} for i, v in enumerate([1, 2, 3, 4, 5, 1])]
    with pytest.raises(DataError, match=r"lines 2, 3, 4, 5\)"):
        load_bytes(_jsonl(*rows).encode(), "kto.json")
