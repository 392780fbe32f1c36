"""A saved split keeps where each of its rows is in the file it was read from (meta.json's `train_lines` and
`test_lines`, ftlib.split_lines), so a refusal or warning naming "held-out row 2" of the split also names the line of
the file the user has. Before, only a run on a data file said it; a saved split's rows were named by their place in
the split alone, which is not their line (held-out rows, blank and bad lines, a header, a cell over two lines)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import workspace
from ftlib.cli import main
from ftlib.data import load_file
from ftlib.split_lines import lines_note, pack, row_place, unpack
from ftlib.splits import split_rows

ROOT = Path(__file__).resolve().parents[1]
LONG = " ".join(["word"] * 300)  # past a max length of 64: every answer token cut


def chat(question: str, answer: str = "Yes.") -> dict:
    return {"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]}


def write_lines(path: Path, rows: list) -> dict[str, int]:
    """Write `rows` one a line, a str as it is (a blank or broken line), a dict as JSON; returns each JSON line's text
    -> its first line number, 1-based."""
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    first: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        first.setdefault(line, number)
    return first


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# Blank lines, a broken line and a duplicate (line 9 repeats line 3): row N of the file is not line N.
CHATS = [chat(f"Question {i}?", f"Answer {i}.") for i in range(8)]
GAPPY = [CHATS[0], "", CHATS[1], "{not json", CHATS[2], CHATS[3], "", CHATS[4], CHATS[1], CHATS[5], CHATS[6], CHATS[7]]


def test_a_split_saved_from_a_jsonl_file_keeps_each_rows_line_a_duplicate_its_kept_copys(tmp_path, capsys):
    path = tmp_path / "chats.jsonl"
    first_line = write_lines(path, GAPPY)
    out = tmp_path / "split"
    assert main(["data", "split", str(path), "--test-size", "3", "--seed", "1", "--dedupe", "--out", str(out)]) == 0
    capsys.readouterr()
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert set(meta) >= {"train_lines", "test_lines"}
    for side in ("train", "test"):
        rows = read_jsonl(out / f"{side}.jsonl")
        assert "line" not in json.dumps(rows)  # the places are in meta.json, never a field of a row
        for n, row in enumerate(rows, 1):  # each row's line holds that very row (a duplicate: its first, kept)
            assert row_place(meta, side, n, len(rows)) == f"line {first_line[json.dumps(row)]} of chats.jsonl"


def test_a_csv_splits_rows_count_the_header_and_a_cell_over_two_lines_as_the_loader_does():
    """The Data page's save: a table's row is named as every message names it, "data row 3 (line 5 of the file)"."""
    text = 'instruction,output\nQ0,A0\n"Q1\nits second line",A1\nQ2,A2\nQ3,A3\nQ4,A4\nQ5,A5\n'
    path = Path(workspace.uploads_dir()) / "qa.csv"
    path.write_text(text, encoding="utf-8")
    result = load_file(path)
    train, test = split_rows(result.rows, test_size=2, seed=0)
    workspace.save_split("qa", train, test, result.split_meta("qa.csv", 0, 2, False, train=train, test=test))
    train, test, meta = workspace.load_split("qa")
    for side, rows in (("train", train), ("test", test)):
        for n, row in enumerate(rows, 1):
            data_row = int(row["messages"][0]["content"][1]) + 1  # Q3 is data row 4
            line = data_row + 1 + (data_row > 2)  # the header is line 1; Q1's cell takes two lines
            assert row_place(meta, side, n, len(rows)) == f"data row {data_row} of qa.csv (line {line} of the file)"


def test_a_csvs_blank_rows_skipped_leave_each_saved_rows_line_its_own():
    """Blank rows the loader skips (`,`, `,,,` past the header's columns, an empty line) count in the data rows and
    lines a saved row is named by, as the blank-rows note counts them: each row's place is the line holding it."""
    text = "instruction,output\nQ0,A0\n,\nQ1,A1\n\n,,,\nQ2,A2\nQ3,A3\n,\nQ4,A4\nQ5,A5\n,,\n"
    path = Path(workspace.uploads_dir()) / "gaps.csv"
    path.write_text(text, encoding="utf-8")
    result = load_file(path)
    assert result.errors == [] and len(result.rows) == 6
    train, test = split_rows(result.rows, test_size=2, seed=0)
    workspace.save_split("gaps", train, test, result.split_meta("gaps.csv", 0, 2, False, train=train, test=test))
    train, test, meta = workspace.load_split("gaps")
    lines = text.split("\n")
    for side, rows in (("train", train), ("test", test)):
        for n, row in enumerate(rows, 1):
            question = row["messages"][0]["content"]
            line = lines.index(f"{question},A{question[1]}") + 1
            place = row_place(meta, side, n, len(rows))
            assert place.endswith(f"of gaps.csv (line {line} of the file)"), (question, place)


def test_a_preference_split_with_its_own_test_file_names_each_sides_file(tmp_path, capsys):
    """`data split --test-file`: the training rows' lines are train.jsonl's (one taken out as a copy of a test row),
    the held-out rows' are test.jsonl's."""
    pairs = [{"prompt": f"Pick {i}?", "chosen": f"Good {i}.", "rejected": f"Bad {i}."} for i in range(7)]
    train_path, test_path = tmp_path / "train.jsonl", tmp_path / "test.jsonl"
    write_lines(train_path, ["", pairs[0], pairs[5], "[1, 2]", pairs[1], pairs[2], pairs[3]])  # pairs[5] also tested
    write_lines(test_path, ["", "", pairs[4], pairs[5], pairs[6]])
    out = tmp_path / "own"
    assert main(["data", "split", str(train_path), "--test-file", str(test_path), "--out", str(out)]) == 0
    capsys.readouterr()
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    said = ["In 1 of 4 training rows (rows 2, 4): something.", "Held-out row 3 scores no token."]
    assert lines_note(meta, said, (meta["train_rows"], meta["test_rows"])) == (
        "The row numbers above count the split's training and held-out rows, not the rows of train.jsonl and "
        "test.jsonl: training row 2 is line 5 of train.jsonl; training row 4 is line 7 of train.jsonl; held-out row "
        "3 is line 5 of test.jsonl."
    )


SMALL = ["--max-steps", "1", "--warmup-ratio", "0", "--batch-size", "2", "--max-length", "64", "--save-every", "0"]
SMALL += ["--device", "cpu", "--detach"]


def saved_with_lines(tmp_path: Path, rows: list, test_at: list[int], name: str = "chats", lines: bool = True):
    """Save a split of the JSONL file of `rows` (`test_at`: the indexes of its rows held out, in order), as the Data
    page saves it; with `lines` False, as a version before this one saved it (no places in meta.json)."""
    path = tmp_path / f"{name}.jsonl"
    first_line = write_lines(path, rows)
    result = load_file(path)
    test = [result.rows[i] for i in test_at]
    train = [row for row in result.rows if all(row is not t for t in test)]
    given = {"train": train, "test": test} if lines else {}
    workspace.save_split(name, train, test, result.split_meta(path.name, 0, len(test), False, **given))
    return first_line


def test_train_on_a_saved_split_names_the_file_line_of_each_row_its_warnings_name(
    tmp_path, capsys, tiny_model_dir, no_training
):
    """The defect: `train --dataset chats` warned "Held-out row 2 scores no token" and "Training row 5 will be left
    out" of a saved split, and nothing said where those rows are in chats.jsonl."""
    rows = [*CHATS[:3], "", chat(LONG), "{broken", *CHATS[3:6], chat(LONG + " again"), CHATS[6]]
    first_line = saved_with_lines(tmp_path, rows, test_at=[1, 7])  # held out: Question 1 and the second long row
    args = ["train", "--model", str(tiny_model_dir), "--dataset", "chats", *SMALL]
    assert main(args) == 0
    err = capsys.readouterr().err
    (note,) = [line for line in err.splitlines() if line.startswith("note: The row numbers above")]
    assert note.startswith("note: The row numbers above count the split's training and held-out rows, not the rows of")
    named = re.findall(r"(training|held-out) row (\d+) is line (\d+)", note)
    assert {side for side, _, _ in named} == {"training", "held-out"}
    train, test, _ = workspace.load_split("chats")
    for side, n, line in named:  # each named row is the long row on that line of the file
        row = (train if side == "training" else test)[int(n) - 1]
        assert first_line[json.dumps(row)] == int(line) and LONG in row["messages"][0]["content"]
    assert ("held-out", "2", "10") in named and ("training", "3", "5") in named


def test_a_split_saved_before_its_rows_had_places_is_named_as_before(tmp_path, capsys, tiny_model_dir, no_training):
    """An older split's meta.json has no places (nor a hand-edited one that no longer fits its rows): the warnings
    are said as they were, with no note and no error; the same split saved now gets the note."""
    rows = [*CHATS[:3], chat(LONG), *CHATS[3:6]]
    args = ["train", "--model", str(tiny_model_dir), *SMALL, "--dataset"]
    for name, lines in (("old", False), ("new", True)):
        saved_with_lines(tmp_path, rows, test_at=[3], name=name, lines=lines)
        assert main([*args, name]) == 0
        err = capsys.readouterr().err
        assert "warning: Held-out row 1 scores no token" in err
        assert ("note: The row numbers above" in err) is lines, err
    meta = json.loads((workspace.split_folder("new") / "meta.json").read_text(encoding="utf-8"))
    said = ["Held-out row 1 scores no token."]
    assert lines_note(meta, said, (6, 1)).endswith("held-out row 1 is line 4.")
    assert lines_note(meta, said, (6, 2)) == ""  # a test.jsonl edited since: its places no longer fit, not said
    assert lines_note(dict(meta, test_lines={"file": "x", "rows": "not packed"}), said, (6, 1)) == ""


def test_a_refusal_of_a_saved_splits_row_names_its_line(tmp_path, capsys, tiny_model_dir, no_training):
    """`train` refused "In 1 of 3 training rows (row 2): ... leaves out the tool calls" and said no line."""
    call = {
        "messages": [
            {"role": "user", "content": "Tide at Dover?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"type": "function", "function": {"name": "tide", "arguments": "{}"}}],
            },
            {"role": "tool", "content": "High at noon."},
            {"role": "assistant", "content": "High tide is at noon."},
        ]
    }
    saved_with_lines(tmp_path, [CHATS[0], "", "{broken", CHATS[1], call, CHATS[2]], test_at=[1])
    args = ["train", "--model", str(tiny_model_dir), "--dataset", "chats", "--template", "tokenizer", *SMALL]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "training rows (row 2)" in err, err
    assert err.rstrip().endswith("not the rows of chats.jsonl: training row 2 is line 5."), err


def test_the_places_of_100000_rows_keep_meta_json_small():
    """Packed, a 90/10 split of 100,000 rows takes about 60 KB of meta.json (plain JSON lists: 890 KB)."""
    rows = [{"text": str(i)} for i in range(100_000)]
    from ftlib.data import LoadResult

    loaded = LoadResult("text", rows, [], 100_000, list(range(1, 100_001)), file_type="jsonl")
    train, test = split_rows(rows, test_size=0.1, seed=0)
    meta = loaded.split_meta("big.jsonl", 0, 0.1, False, train=train, test=test)
    size = len(json.dumps(meta, indent=2))
    assert size < 80_000, size
    assert unpack(meta["test_lines"]["rows"]) == [int(row["text"]) + 1 for row in test]
    assert row_place(meta, "train", 90_000, len(train)) == f"line {int(train[-1]['text']) + 1} of big.jsonl"


@pytest.mark.parametrize("numbers", [[], [1], [7], [1, 2, 3], [3, 4, 9, 10, 11, 20], [5, 2, 3, 1, 100]])
def test_packed_numbers_read_back_as_written(numbers):
    assert unpack(pack(numbers)) == numbers


def test_the_tokens_page_says_the_line_of_the_row_it_shows(tmp_path):
    rows = [CHATS[0], "", CHATS[1], "{broken", CHATS[2], CHATS[3]]
    saved_with_lines(tmp_path, rows, test_at=[1])
    at = AppTest.from_file(str(ROOT / "pages" / "2_Tokens.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    at.number_input(key="tok_row").set_value(2).run()  # training row 2: Question 2, on line 5
    assert any(c.value.endswith("row 2 is line 5 of chats.jsonl.") for c in at.caption), [c.value for c in at.caption]


def test_the_train_page_names_the_line_of_a_row_its_warnings_name(tmp_path, tiny_model_dir):
    rows = [*CHATS[:3], "", "{broken", chat(LONG), *CHATS[3:6]]
    saved_with_lines(tmp_path, rows, test_at=[0, 3])  # held out: Question 0 and the long row, on line 6
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at = at.run().switch_page("pages/4_Train.py").run()
    at.number_input(key="train_max_length").set_value(64).run()
    assert not at.exception, at.exception
    assert any(w.value.startswith("Held-out row 2 scores no token") for w in at.warning)
    assert any(c.value.endswith("held-out row 2 is line 6.") for c in at.caption), [c.value for c in at.caption]


def test_the_batches_page_names_the_line_of_a_row_train_refuses():
    """Batches said "Train refuses these rows: In 1 of 3 training rows (row 2): ..." of the split and no line."""
    call = {"id": "c0", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}
    tool = {
        "messages": [
            {"role": "user", "content": "Time?"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "c0", "content": "noon"},
            {"role": "assistant", "content": "Noon."},
        ]
    }
    path = Path(workspace.uploads_dir()) / "tools.jsonl"
    write_lines(path, [CHATS[0], "", CHATS[1], "{broken", tool, CHATS[2]])
    result = load_file(path)
    train, test = [result.rows[0], result.rows[2], result.rows[3]], [result.rows[1]]
    workspace.save_split("tools", train, test, result.split_meta("tools.jsonl", 0, 1, False, train=train, test=test))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run().switch_page("pages/3_Batches.py").run()
    assert not at.exception, at.exception
    assert any(e.value.startswith("Train refuses these rows: In 1 of 3 training rows (row 2)") for e in at.error)
    assert any(c.value.endswith("rows of tools.jsonl: training row 2 is line 5.") for c in at.caption), [
        c.value for c in at.caption
    ]


def test_the_data_pages_saves_keep_each_rows_line_drawn_or_with_the_datas_own_test_file(tmp_path, monkeypatch):
    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))  # the Local path boxes read only allowed folders
    train_path, test_path = tmp_path / "facts.jsonl", tmp_path / "facts_test.jsonl"
    first_line = write_lines(train_path, [CHATS[0], "", *CHATS[1:4], "{broken", *CHATS[4:]])
    test_lines = write_lines(test_path, ["", chat("Other?", "Yes."), CHATS[2]])  # CHATS[2] comes out of train
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run().switch_page("pages/1_Data.py").run()
    at.radio(key="data_source").set_value("Local path").run()
    at.text_input(key="data_path").input(str(train_path)).run()
    for name in ("drawn", "own"):
        if name == "own":
            at.radio(key="split_test_from").set_value("file").run()
            at.radio(key="split_test_source").set_value("Local path").run()
            at.text_input(key="split_test_path").input(str(test_path)).run()
        at.text_input(key="split_name").input(name).run()
        at.button(key="split_save").click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        train, test, meta = workspace.load_split(name)
        for side, rows, lines, file in (
            ("train", train, first_line, "facts.jsonl"),
            ("test", test, test_lines if name == "own" else first_line, "facts_test.jsonl" if name == "own" else ""),
        ):
            for n, row in enumerate(rows, 1):
                place = f"line {lines[json.dumps(row)]} of {file or 'facts.jsonl'}"
                assert row_place(meta, side, n, len(rows)) == place, (name, side, n)


def test_rows_each_at_the_line_of_their_own_number_are_not_listed():
    # A walk's train note read "training row 1 is line 1; training row 2 is line 2; ..." (helper 197): nothing to say.
    from ftlib.split_lines import pack, places_note

    meta = {"train_lines": {"file": "chats.jsonl", "file_type": "jsonl", "rows": pack([1, 2, 3, 5])}}
    assert places_note(meta, [("train", 1), ("train", 2)], {"train": 4}, "training", "the") == (
        "The row numbers above count the training rows; here each is the line of chats.jsonl with its number."
    )
    said = places_note(meta, [("train", 1), ("train", 4)], {"train": 4}, "training", "the")
    assert said.endswith("training row 1 is line 1; training row 4 is line 5."), said
