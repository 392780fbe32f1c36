"""Leftovers of the session's walks (helper 244): `runs resume --help` points to what the progress lines say, and
`tokens --line` on a .jsonl file of one JSON array spread over several lines finds the row whose text holds it."""

from __future__ import annotations

import json

import pytest

from ftlib.cli import main


def _help(capsys, *command: str) -> str:
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    return " ".join(capsys.readouterr().out.split())


def test_resume_help_says_wait_prints_train_s_lines_and_where_they_are_explained(capsys):
    resume = _help(capsys, "runs", "resume")
    assert "printing the progress lines `train` prints (what each says: the end of `train --help`)" in resume
    assert "page" not in resume  # a terminal's help, not the app's
    assert "What each progress line says" in _help(capsys, "train")  # the pointer is true


def chat(question: str, answer: str) -> dict:
    return {"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]}


def _array_file(tmp_path):
    """A .jsonl file of one JSON array, each item pretty-printed over several lines (json.dumps(indent=2) of a list
    of rows, as a notebook writes it): line 1 '[', the rows, the last line ']'. The second row's answer is empty."""
    rows = [
        chat("Which bulbs flower first in spring?", "Snowdrops, then crocuses."),
        chat("Can tulips stay in the ground?", ""),
        chat("How deep should garlic be planted?", "About five centimetres."),
    ]
    path = tmp_path / "bulbs.jsonl"
    path.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    lines = path.read_text(encoding="utf-8").splitlines()
    starts = [n for n, line in enumerate(lines, 1) if line == "  {"]
    ends = [n for n, line in enumerate(lines, 1) if line in ("  },", "  }")]
    return path, lines, list(zip(starts, ends, strict=True))


def test_tokens_line_inside_a_row_of_a_jsonl_array_is_that_row(tmp_path, capsys):
    """Each item is a row named by the line it starts on; a line inside its text was refused as 'no row' between
    two rows, and one in the last row's text as 'past the end of FILE: its last row is line N'."""
    path, lines, spans = _array_file(tmp_path)
    (first, first_end), _, (last, last_end) = spans
    garlic = next(n for n, line in enumerate(lines, 1) if "garlic" in line)
    assert last < garlic < last_end
    assert main(["tokens", str(path), "--line", str(garlic), "--template", "chatml", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "garlic" in out["text"] and out["where"] == f"line {last}", out["where"]
    assert main(["tokens", str(path), "--line", str(first + 2), "--template", "chatml"]) == 0
    head = capsys.readouterr().out.splitlines()[0]
    assert head == f"--line {first + 2} is line {first} of {path} (lines {first} to {first_end} of the file)", head


def test_tokens_line_of_a_bracket_or_a_row_set_aside_in_a_jsonl_array_says_so(tmp_path, capsys):
    path, lines, spans = _array_file(tmp_path)
    (first, first_end), (tulip, tulip_end), (last, last_end) = spans
    closing = len(lines)  # ']': a line of the file, not past its end
    assert main(["tokens", str(path), "--line", str(closing), "--template", "chatml"]) == 2
    err = capsys.readouterr().err
    assert "past the end" not in err, err
    assert f"--line {closing} of {path} is no row's: the file is one JSON value, its rows the items in it" in err
    assert f"that line is past them; the nearest row is the row on lines {last} to {last_end}." in err, err
    assert main(["tokens", str(path), "--line", "1", "--template", "chatml"]) == 2  # '['
    err = capsys.readouterr().err
    assert "blank lines" not in err, err
    assert f"before them; the nearest row is the row on lines {first} to {first_end}." in err, err
    # A line inside the row set aside (its empty answer): refused with why, as its first line is
    assert main(["tokens", str(path), "--line", str(tulip_end), "--template", "chatml"]) == 2
    err = capsys.readouterr().err
    assert f"--line {tulip_end}: the row on lines {tulip} to {tulip_end} of {path} was set aside" in err, err


# A preference table with a reasoning column (an export of pairs scored with the judge's reasoning beside them)
PAIRS = [
    {
        "prompt": "Is a tomato a fruit?",
        "chosen": "Botanically, yes: it grows from the flower.",
        "rejected": "No, it is a vegetable.",
        "reasoning": "The botanical sense is what was asked.",
    },
    {
        "prompt": "How many legs has a spider?",
        "chosen": "Eight.",
        "rejected": "Six.",
        "reasoning": "Insects have six; spiders eight.",
    },
]
WHY = "as a pair has two answers and it does not say whose reasoning it is (give each answer its own"


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_a_preference_table_s_reasoning_column_says_why_it_is_not_read(tmp_path, capsys, suffix):
    """The JSONL file's warning said why (a pair has two answers); a CSV or Parquet file's note named the column among
    those 'Not used' and offered --map for it, which no field takes."""
    path = tmp_path / f"judged.{suffix}"
    if suffix == "csv":
        import csv

        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(PAIRS[0]))
            writer.writeheader()
            writer.writerows(PAIRS)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(PAIRS), path)
    jsonl = tmp_path / "judged.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in PAIRS), encoding="utf-8")
    assert main(["data", "inspect", str(jsonl)]) == 0
    assert WHY in capsys.readouterr().out  # the reference: the same reason in a JSON file's words
    assert main(["data", "inspect", str(path)]) == 0
    out = capsys.readouterr().out
    [note] = [line for line in out.splitlines() if "reasoning" in line]
    assert note.startswith("note:       The column reasoning is not read, " + WHY), note
    assert "Not used" not in note and "--map" not in note, note


# GSM8K's shape, its question as the prompt: a worked answer ending "#### N"
GSM = [
    {"prompt": f"Tom has {a} apples and buys {b} more. How many apples does he have?", "answer": f"{a} + {b} = "
     f"{a + b}. #### {a + b}"}
    for a, b in ((3, 4), (6, 2), (5, 5), (7, 1), (2, 9), (8, 3))
]  # fmt: skip


def test_train_grpo_on_prompts_with_an_answer_field_asks_no_longer_whether_sft_was_meant(
    tmp_path, capsys, no_training, tiny_model_dir
):
    """The file is guessed to hold prompts, and the warning asks whether `answer` is the answer to imitate ('map it to
    `completion`'); `train --method grpo` says GRPO was meant: a note of what the rewards read of it instead."""
    path = tmp_path / "gsm.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in GSM), encoding="utf-8")
    assert main(["data", "inspect", str(path)]) == 0  # the method unknown: the doubt is said
    assert "map it to `completion`" in capsys.readouterr().out
    argv = ["train", "--model", str(tiny_model_dir), "--dataset", str(path), "--method", "grpo", "--detach"]
    argv += ["--rewards", '[{"final_answer": "answer"}]', "--test-size", "0", "--batch-size", "2", "--max-steps", "1"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "completion" not in err and "(SFT, DPO)" not in err and "read as prompts without answers" not in err, err
    [note] = [line for line in err.splitlines() if "`answer`" in line]
    assert note.startswith("note: `answer` in 6 rows is not part of the prompt: GRPO passes it to the reward "), note
    assert '{"final_answer": "answer"} rewards an answer whose final answer equals its own' in note, note


# GRPO answers written over several lines: a worked sum and a list, beside one on a line of its own
ANSWERS = [
    {"prompt": "What is 12 + 30?", "answer": "12 + 30\n= 42", "regex": 1.0, "total": 1.0, "advantage": 0.5},
    {"prompt": "What is 12 + 30?", "answer": "- twelve\n- thirty\n\n42", "regex": 1.0, "total": 1.0, "advantage": 0.5},
    {"prompt": "What is 12 + 30?", "answer": "Forty", "regex": 0.0, "total": 0.0, "advantage": -1.0},
]


def _draw_preview(rows):
    from ui.alignment_view import preview_table

    preview_table(rows)


def _draw_latest(run_id):
    from ftlib import runs
    from ui.alignment_view import completions_table

    completions_table(runs.find(run_id))


def test_the_grpo_preview_keeps_each_answer_s_line_breaks():
    """The preview's HTML table drew '12 + 30\\n= 42' as '12 + 30 = 42', a list as a sentence: its cells keep the
    answer's breaks now (white-space: pre-wrap); the numbers' cells stay on one line."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_draw_preview, args=(ANSWERS,)).run()
    assert not at.exception, at.exception
    [table] = [h.proto.body for h in at.get("html") if "<th>advantage</th>" in h.proto.body]
    assert '<td class="ft-pre">12 + 30\n= 42</td>' in table, table
    assert '<td class="ft-pre">- twelve\n- thirty\n\n42</td>' in table, table
    assert "td.ft-pre{white-space:pre-wrap;}" in table and '<td class="ft-num">0.5</td>' in table


def test_the_live_grpo_answers_mark_line_breaks_and_say_so():
    """st.dataframe draws a break as a space: the live table showed '- twelve - thirty 42'. Each run of breaks is ⏎,
    as the reward model's scores are (b597fd76), with the caption under the table saying what it marks."""
    from streamlit.testing.v1 import AppTest

    from ftlib.testing import make_run
    from ui.tables import BREAKS_SAID

    config = {"method": "grpo", "rewards": [{"regex": "42"}], "grpo_max_new_tokens": 16}
    run = make_run("20261207-120000-grpo-breaks", config, state="running", max_steps=10)
    run.append_completions(1, ANSWERS)
    at = AppTest.from_function(_draw_latest, args=(run.id,)).run()
    assert not at.exception, at.exception
    [table] = [d for d in at.dataframe if "answer" in d.value]
    assert list(table.value["answer"]) == ["12 + 30 ⏎ = 42", "- twelve ⏎ - thirty ⏎⏎ 42", "Forty"]
    assert BREAKS_SAID in [c.value for c in at.caption]
    # The sentinel: answers on one line each are shown as written, and nothing is said of breaks
    one = [{**row, "answer": row["answer"].replace("\n", " ")} for row in ANSWERS]
    other = make_run("20261207-120001-grpo-one-line", config, state="running", max_steps=10)
    other.append_completions(1, one)
    at = AppTest.from_function(_draw_latest, args=(other.id,)).run()
    assert list(next(d for d in at.dataframe if "answer" in d.value).value["answer"]) == [r["answer"] for r in one]
    assert BREAKS_SAID not in [c.value for c in at.caption]
