"""`python -m ftlib data split TRAIN --test-file TEST`: a dataset's own test split (data published already split)
kept as published; what cannot be that split refused before anything is written, with one `error:` line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftlib.cli import main


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def chat(question: str, answer: str) -> dict:
    return {"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# Alpaca training rows (one of them a row the test file holds too, one a line that is not JSON) and messages test
# rows (one without an answer): two formats of one kind of data.
ALPACA_TRAIN = [
    {"instruction": "Which gas do plants breathe in?", "output": "Carbon dioxide."},
    {"instruction": "How many legs has a spider?", "output": "Eight."},
    {"instruction": "Translate 'gato' to English.", "output": "Cat."},
    {"instruction": "What melts at 0 °C?", "output": "Ice."},
    {"instruction": "How many legs has a spider?", "output": "Eight."},  # a second copy of the test row
    "{this line is not JSON",
    {"instruction": "Name the longest river in Africa.", "output": "The Nile."},
]
MESSAGES_TEST = [
    chat("How many legs has a spider?", "Eight."),
    chat("What is the chemical symbol of gold?", "Au."),
    {"messages": [{"role": "user", "content": "An unanswered question?"}]},
    chat("Who wrote Hamlet?", "Shakespeare."),
]


@pytest.fixture
def files(tmp_path):
    return write_jsonl(tmp_path / "train.jsonl", ALPACA_TRAIN), write_jsonl(tmp_path / "test.jsonl", MESSAGES_TEST)


def test_the_test_files_rows_are_the_test_split_and_a_copy_in_train_is_taken_out(files, tmp_path, capsys):
    train_file, test_file = files
    out = tmp_path / "split"
    assert main(["data", "split", str(train_file), "--test-file", str(test_file), "--out", str(out)]) == 0
    captured = capsys.readouterr()  # the result on stdout, what it warns of and notes on stderr
    printed = captured.out + captured.err
    train, test = read_jsonl(out / "train.jsonl"), read_jsonl(out / "test.jsonl")
    # Every valid test row, as published and in its order; the Alpaca rows as canonical chats, without the two
    # copies of the spider question (lines 2 and 5 of the training file).
    assert test == [MESSAGES_TEST[0], MESSAGES_TEST[1], MESSAGES_TEST[3]]
    assert [row["messages"][0]["content"] for row in train] == [
        "Which gas do plants breathe in?",
        "Translate 'gato' to English.",
        "What melts at 0 °C?",
        "Name the longest river in Africa.",
    ]
    assert train[0]["messages"][1] == {"role": "assistant", "content": "Carbon dioxide."}
    assert not {json.dumps(r, sort_keys=True) for r in train} & {json.dumps(r, sort_keys=True) for r in test}
    assert (
        f"warning: 2 rows of {train_file} are also in {test_file} (exact copies of 1 of its rows): line 2, line 5. "
        "They are taken out of train" in printed
    )
    # Each file's bad rows, the test file's said as its own.
    assert "rows left out (1):\n  line 6: this line is not valid JSON" in printed
    assert f"test file {test_file}: format chat messages (messages): 3 valid of 4 rows" in printed
    assert f"rows left out in {test_file} (1):\n  line 3: there is no assistant turn" in printed
    assert captured.out.endswith(f"train: 4 rows -> {out / 'train.jsonl'}\ntest:  3 rows -> {out / 'test.jsonl'}\n")
    meta = json.loads((out / "meta.json").read_text())
    assert (meta["format"], meta["valid_rows"], meta["total_rows"], meta["errors"]) == ("alpaca", 6, 7, 1)
    assert meta["split"] == "own" and "seed" not in meta and "test_size" not in meta
    assert meta["test_file"] == {
        "source": "test.jsonl",
        "path": str(test_file),
        "format": "messages",
        "errors": 1,
        "warnings": 0,
        "valid_rows": 3,
        "total_rows": 4,
        "column_map": None,
    }
    assert (meta["train_rows"], meta["test_rows"], meta["name"]) == (4, 3, "split")


def test_dedupe_drops_copies_within_train_and_never_touches_the_test_rows(tmp_path, capsys):
    train_file = write_jsonl(
        tmp_path / "train.jsonl", [chat("Hi", "Hello!")] * 3 + [chat("Bye", "See you.")] + [chat("Hey", "Yo.")]
    )
    test_file = write_jsonl(tmp_path / "test.jsonl", [chat("Ciao", "Ciao!")] * 2 + [chat("Bye", "See you.")])
    out = tmp_path / "o"
    argv = ["data", "split", str(train_file), "--test-file", str(test_file), "--out", str(out), "--dedupe"]
    assert main(argv) == 0
    printed = "".join(capsys.readouterr())  # the result on stdout, what it warns of on stderr
    assert "format chat messages (messages): 5 valid of 5 rows, 2 duplicates dropped" in printed
    assert read_jsonl(out / "train.jsonl") == [chat("Hi", "Hello!"), chat("Hey", "Yo.")]
    assert read_jsonl(out / "test.jsonl") == [chat("Ciao", "Ciao!")] * 2 + [chat("Bye", "See you.")]
    assert f"1 row of {train_file} is also in {test_file} (exact copies of 1 of its rows): line 4. It is" in printed
    assert json.loads((out / "meta.json").read_text())["dedupe"] is True


def test_a_kto_file_with_its_own_test_file_counts_good_and_bad_answers(tmp_path, capsys):
    def answer(prompt: str, completion: str, label) -> dict:
        return {"prompt": prompt, "completion": completion, "label": label}

    train_file = write_jsonl(
        tmp_path / "kto_train.jsonl",
        [
            answer("Greet me.", "Hello there!", True),
            answer("Greet me.", "Go away.", False),
            answer("Thank me.", "You're welcome... not.", False),
            answer("Thank me.", "Thank you kindly!", True),
            answer("Cheer me up.", "You've got this!", True),
        ],
    )
    # The published test file writes its labels as words: the same kind of data (answers labelled good or bad).
    test_file = write_jsonl(
        tmp_path / "kto_test.jsonl",
        [answer("Wish me luck.", "Good luck!", "good"), answer("Wish me luck.", "Whatever.", "bad")],
    )
    out = tmp_path / "o"
    assert main(["data", "split", str(train_file), "--test-file", str(test_file), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"train: 5 labelled answers (3 good, 2 bad) -> {out / 'train.jsonl'}" in printed
    assert f"test:  2 labelled answers (1 good, 1 bad) -> {out / 'test.jsonl'}" in printed
    assert [row["label"] for row in read_jsonl(out / "test.jsonl")] == [True, False]
    meta = json.loads((out / "meta.json").read_text())
    assert meta["format"] == meta["test_file"]["format"] == "unpaired_preference"


def test_format_and_map_read_both_files(tmp_path, capsys):
    train_file = tmp_path / "train.csv"
    train_file.write_text("ask,reply\nWhat is 2+2?,4\nWhat is 3+3?,6\nWhat is 5+5?,10\n", encoding="utf-8")
    test_file = tmp_path / "test.csv"
    test_file.write_text("ask,reply\nWhat is 4+4?,8\n", encoding="utf-8")
    out = tmp_path / "o"
    argv = ["data", "split", str(train_file), "--test-file", str(test_file), "--out", str(out)]
    argv += ["--map", "ask=prompt", "--map", "reply=completion"]
    assert main(argv) == 0
    capsys.readouterr()  # its notes (on stderr) are not the refusal's below
    assert read_jsonl(out / "test.jsonl") == [chat("What is 4+4?", "8")]
    meta = json.loads((out / "meta.json").read_text())
    assert meta["test_file"]["column_map"] == {"prompt": "ask", "completion": "reply"}
    assert meta["test_file"]["format"] == "prompt_completion"
    # A test file without the mapped columns is refused by name, before anything is written.
    other = write_jsonl(tmp_path / "other.jsonl", [chat("What is 4+4?", "8")])
    argv = ["data", "split", str(train_file), "--test-file", str(other), "--out", str(tmp_path / "o2")]
    assert main(argv + ["--map", "ask=prompt", "--map", "reply=completion"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: --test-file {other}: other.jsonl has no field 'ask'"), err
    assert not (tmp_path / "o2").exists()


PAIRS = [{"prompt": "Say hi.", "chosen": "Hi!", "rejected": "No."}]


@pytest.mark.parametrize(
    "extra, test_rows, match",
    [
        (
            ["--test-size", "0.2"],
            MESSAGES_TEST,
            "error: --test-size chooses which rows of {train} are held out; with --test-file the test rows are "
            "{test}'s, as published. Leave out --test-size, or leave out --test-file to split {train}.",
        ),
        (["--seed", "4"], MESSAGES_TEST, "error: --seed chooses which rows of {train}"),
        (["--seed", "4", "--test-size", "3"], MESSAGES_TEST, "error: --test-size and --seed choose which rows"),
        (
            [],
            PAIRS,
            "error: {test} holds pairs of a chosen and a rejected answer to the same prompt (read as preference), "
            "but {train} holds conversations (messages) to imitate (read as alpaca): a run trains and is judged on "
            "one kind of data.",
        ),
        ([], [], "error: --test-file {test}: test.jsonl is empty."),
        (
            [],
            [{"messages": [{"role": "user", "content": "No answer here."}]}],
            "error: The test file {test} has no valid rows (1 row read, read as messages), so it cannot be the "
            "held-out split. line 1: there is no assistant turn",
        ),
        (
            [],
            ALPACA_TRAIN,  # the same rows: nothing would be left to train on
            "error: Every row of {train} is also in {test} (exact copies): nothing is left to train on",
        ),
    ],
    ids=["test-size", "seed", "both", "another-kind", "empty", "no-valid-row", "all-in-test"],
)
def test_what_cannot_be_the_test_split_is_refused_before_anything_is_written(
    files, tmp_path, capsys, extra, test_rows, match
):
    train_file, test_file = files
    write_jsonl(test_file, test_rows) if test_rows else test_file.write_text("")
    out = tmp_path / "never"
    assert main(["data", "split", str(train_file), "--test-file", str(test_file), "--out", str(out), *extra]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(match.format(train=train_file, test=test_file)), captured.err
    assert captured.err.count("\n") == 1 and captured.out == ""
    assert not out.exists()


def test_the_training_file_given_as_its_own_test_file_is_refused(files, tmp_path, capsys):
    train_file, _ = files
    argv = ["data", "split", str(train_file), "--test-file", str(train_file), "--out", str(tmp_path / "o")]
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith(f"error: --test-file {train_file} is FILE itself")
    assert not (tmp_path / "o").exists()


def test_the_help_names_the_test_file_option(capsys):
    with pytest.raises(SystemExit):
        main(["data", "split", "--help"])
    said = " ".join(capsys.readouterr().out.split())
    assert "--test-file TEST_FILE" in said and "no --test-size or --seed" in said


def test_the_test_files_unread_fields_and_odd_rows_are_named_as_its_own(tmp_path, capsys):
    train_file = write_jsonl(tmp_path / "train.jsonl", [chat(f"Question {i}?", f"Answer {i}.") for i in range(4)])
    call = {"type": "function", "function": {"name": "weather", "arguments": {}}}
    tools = [{"type": "function", "function": {"name": "clock", "parameters": {}}}]
    test_file = write_jsonl(
        tmp_path / "test.jsonl",
        [
            chat("Question 9?", "Answer 9.") | {"origin": "forum"},
            {
                "messages": [
                    {"role": "user", "content": "Is it sunny?"},
                    {"role": "assistant", "content": "", "tool_calls": [call]},
                ],
                "tools": tools,
            },
        ],
    )
    argv = ["data", "split", str(train_file), "--test-file", str(test_file), "--out", str(tmp_path / "o")]
    assert main(argv) == 0
    printed = capsys.readouterr().err  # warnings on stderr
    assert f"warning in {test_file}: ignored field: `origin` in 1 row (line 1)" in printed
    assert f"warning in {test_file}: line 2: turn 2 calls 'weather'" in printed
    assert "also in" not in printed  # no training row is a test row


def test_a_kto_split_with_one_label_on_a_side_says_to_add_rows_to_that_file():
    from ftlib.data import LoadResult
    from ftlib.own_split import own_split

    def answer(i: int, good: bool) -> dict:
        return {
            "prompt": [{"role": "user", "content": f"Q{i}"}],
            "completion": [{"role": "assistant", "content": f"A{i}"}],
            "label": good,
        }

    train = LoadResult("unpaired_preference", [answer(i, True) for i in range(4)], [], 4, [1, 2, 3, 4])
    test = LoadResult("unpaired_preference", [answer(9, False), answer(8, True)], [], 2, [1, 2])
    said = " ".join(own_split(train, test, "train.jsonl", "test.jsonl").warnings)
    # A published test file is not drawn: "hold out fewer rows" cannot be done; adding rows to a file can.
    assert "Add rows labelled bad to the training file." in said and "Hold out" not in said
    test = LoadResult("unpaired_preference", [answer(9, True)], [], 1, [1])
    train = LoadResult("unpaired_preference", [answer(1, True), answer(2, False)], [], 2, [1, 2])
    said = " ".join(own_split(train, test, "train.jsonl", "test.jsonl").warnings)
    assert "Add rows labelled bad to the test file." in said and "Hold out" not in said


def test_split_json_gives_the_test_files_report_and_names_it_in_its_warnings(tmp_path, capsys):
    """`data split --test-file --json`: the test file's own rows left out, and its warnings named by file, as the text
    says them ("warning in test.jsonl: ...")."""
    train_file = write_jsonl(tmp_path / "train.jsonl", ALPACA_TRAIN)
    test_file = write_jsonl(tmp_path / "test.jsonl", [dict(r, source="quiz") for r in MESSAGES_TEST])  # not read
    out = tmp_path / "split"
    assert main(["data", "split", str(train_file), "--test-file", str(test_file), "--out", str(out), "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert (said["train"], said["train_rows"], said["test_rows"]) == (str(out / "train.jsonl"), 4, 3)
    assert [r["where"] for r in said["rows_left_out"]] == ["line 6"]
    tested = said["test_file"]
    assert (tested["path"], tested["format"], tested["rows_read"], tested["valid_rows"]) == (
        str(test_file),
        "messages",
        4,
        3,
    )
    assert [(r["row"], r["where"]) for r in tested["rows_left_out"]] == [(3, "line 3")]
    assert tested["rows_left_out"][0]["message"].startswith("there is no assistant turn")
    assert said["warnings"][0].startswith(f"{test_file}: ignored field: `source` in 3 rows"), said["warnings"]
    assert said["warnings"][1].startswith(f"2 rows of {train_file} are also in {test_file}"), said["warnings"]
    assert read_jsonl(out / "test.jsonl") == [MESSAGES_TEST[0], MESSAGES_TEST[1], MESSAGES_TEST[3]]
