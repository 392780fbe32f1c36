"""Helper 171: `tokens --line N` shows the row that `data inspect`, `train` and `batch` name "line N" (item N of a
JSON array, data row N of a table), where `--row N` counts valid rows from 0 and so cannot name it; the hints that
point at a row now give `--line` with that very row, and train's with the run's --model and --template."""

from __future__ import annotations

import json
import shlex

import pytest

from ftlib.cli import build_parser, main


def chat(i: int, reply: str = "") -> dict:
    answer = reply or f"Answer {i}."
    return {"messages": [{"role": "user", "content": f"Question {i}?"}, {"role": "assistant", "content": answer}]}


@pytest.fixture
def chats(tmp_path):
    """Line 2 fails to load, line 4 is blank: line 3 is the second valid row (--row 1), line 5 the third."""
    path = tmp_path / "chats.jsonl"
    lines = [json.dumps(chat(0)), '{"messages": [', json.dumps(chat(1)), "", json.dumps(chat(2))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def one_error(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert captured.out == "" and len(lines) == 1 and lines[0].startswith("error: "), captured.err
    return lines[0]


def test_line_shows_the_row_at_that_line_past_a_row_set_aside(chats, capsys):
    assert main(["tokens", str(chats), "--line", "3", "--template", "chatml", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "Question 1?" in out["text"] and (out["file_row"], out["where"]) == (3, "line 3")
    # --row 3 (what a user pasting "line 3" as --row would run) is off by one and more: out of range here, and
    # --row 2 is line 5.
    assert main(["tokens", str(chats), "--row", "2", "--template", "chatml", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["where"] == "line 5"
    assert main(["tokens", str(chats), "--line", "3", "--template", "chatml"]) == 0
    captured = capsys.readouterr()
    # not "--line 3 is line 3" (helper 267): the --row it is, which shows the same row
    assert captured.out.splitlines()[0] == f"--line 3 of {chats} is --row 1, counted from 0 among 3 valid rows"
    assert main(["tokens", str(chats), "--row", "1", "--template", "chatml", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["where"] == "line 3"
    assert main(["tokens", str(chats), "--line", "3", "--template", "chatml"]) == 0
    captured = capsys.readouterr()
    # The rows set aside are still named, without "--row N is ..." (which --line does not need).
    assert "1 of 4 rows" in captured.err and "--row" not in captured.err


def test_line_of_a_csv_is_its_data_row(tmp_path, capsys):
    """A table's rows are named "data row N (line L of the file)": --line takes N, the row's number, as the warnings
    write it; a quoted cell over two lines makes the two differ."""
    path = tmp_path / "pairs.csv"
    path.write_text('prompt,completion\nq0,a0\n"q1\nstill q1",a1\n,\nq3,a3\n', encoding="utf-8")
    assert main(["tokens", str(path), "--line", "2", "--template", "chatml", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "still q1" in out["text"] and out["where"] == "data row 2 (line 3 of the file)"
    said = one_error(capsys, ["tokens", str(path), "--line", "3", "--template", "chatml"])
    assert said == (
        f"error: --line 3 is no row of {path} (blank lines and rows are skipped): the nearest valid rows are --line 2 "
        "(data row 2 at line 3 of the file) and --line 4 (data row 4 at line 6 of the file)."
    )


def test_line_refusals_are_one_line_each(chats, capsys):
    base = ["tokens", str(chats), "--template", "chatml"]
    said = one_error(capsys, [*base, "--line", "3", "--row", "1"])
    assert said.startswith("error: give --row or --line, not both: --row 1 counts")
    # A row set aside: why, in the words `data inspect` lists it with, not "out of range".
    assert main(["data", "inspect", str(chats), "--json"]) == 0
    (why,) = [e["message"] for e in json.loads(capsys.readouterr().out)["errors"]]
    said = one_error(capsys, [*base, "--line", "2"])
    assert said.startswith(f"error: --line 2 of {chats} was set aside, not read as a row: {why}")  # not "line 2" twice
    assert "out of range" not in said and "data inspect" in said
    said = one_error(capsys, [*base, "--line", "4"])
    assert said.endswith("the nearest valid rows are line 3 and line 5.")
    said = one_error(capsys, [*base, "--line", "9"])
    assert said == f"error: --line 9 is past the end of {chats}: its last row is line 5."
    assert "must be at least 1" in one_error(capsys, [*base, "--line", "0"])


def test_the_last_row_set_aside_is_named_with_the_last_valid_one(tmp_path, capsys):
    path = tmp_path / "chats.jsonl"
    path.write_text(json.dumps(chat(0)) + "\n{broken\n", encoding="utf-8")
    said = one_error(capsys, ["tokens", str(path), "--line", "7", "--template", "chatml"])
    assert said == f"error: --line 7 is past the end of {path}: its last row is line 2; the last valid row is line 1."


def pasted(hint: str) -> list[str]:
    """The command between the last backticks of `hint`, as the argv after `python -m ftlib`."""
    command = hint.rsplit("`", 2)[-2]
    words = shlex.split(command)
    assert words[:3] == ["python", "-m", "ftlib"], command
    return words[3:]


def test_trains_cut_hint_is_the_command_showing_that_row(tmp_path, capsys, tiny_model_dir, no_training):
    """train's cut warning said "`python -m ftlib tokens FILE --row N --max-length L` shows where a row is cut":
    no row, and --row counts otherwise than "training row 5" (line 6 here, past a row set aside). Now the command
    shows that very row, read with the run's model and template; it parses and runs as pasted."""
    long = chat(5, "a long reply that the max length cuts " * 12)
    rows = [json.dumps(chat(0)), "{broken", *(json.dumps(chat(i)) for i in (2, 3, 4)), json.dumps(long)]
    path = tmp_path / "chats.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    flags = ["--model", str(tiny_model_dir), "--dataset", str(path), "--template", "chatml", "--test-size", "0"]
    assert main(["train", *flags, "--max-length", "64", "--detach"]) == 0
    err = capsys.readouterr().err
    (cut,) = [line for line in err.splitlines() if "longer than the max length" in line]
    assert "(training row 5)" in cut and cut.endswith("shows where training row 5 is cut."), cut
    argv = pasted(cut)
    args = build_parser().parse_args(argv)
    assert (args.command, args.line, args.row, args.max_length) == ("tokens", 6, None, 64)
    assert (args.model, args.template, args.file) == (str(tiny_model_dir), "chatml", str(path))
    assert main([*argv, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["where"] == "line 6" and "Question 5?" in out["text"] and len(out["input_ids"]) == 64


def test_batchs_hints_name_the_row_by_its_line(chats, capsys, tiny_model_dir):
    """`batch` named a row "line 5" and gave `tokens ... --row 2`; now --line 5, the words it says."""
    long = chat(9, "a long reply that the max length cuts " * 12)
    text = chats.read_text(encoding="utf-8") + json.dumps(long) + "\n"  # line 6
    chats.write_text(text, encoding="utf-8")
    assert main(["batch", str(chats), "--model", str(tiny_model_dir), "--max-length", "64"]) == 0
    (cut,) = [line for line in capsys.readouterr().err.splitlines() if "longer than the max length" in line]
    args = build_parser().parse_args(pasted(cut))
    assert (args.line, args.model, args.max_length) == (6, str(tiny_model_dir), 64) and "training row 6" in cut


def test_a_split_without_its_file_gets_the_command_for_any_row_with_the_runs_flags():
    from ftlib.config import RunConfig
    from ftlib.row_cuts import run_shows
    from ftlib.run_data import DatasetRows

    config = RunConfig(dataset="my-split", template="chatml", max_length=64)
    said = run_shows(config, DatasetRows([chat(0)], [], {"kept_from": "split"}))
    assert said.startswith("`python -m ftlib tokens FILE --line N --max-length 64 --template chatml` shows where")
    assert "give it this command's" not in said
    custom = RunConfig(dataset="my-split", template="custom", template_source="{{ messages }}")
    assert "give it this command's --model and --template" in run_shows(custom, DatasetRows([], [], {}))


def test_the_run_flags_read_the_row_as_the_run_did_and_parse():
    """--format, --map, a custom template's file and a policy other than the default go with the row's command."""
    from ftlib.config import RunConfig
    from ftlib.row_cuts import run_flags

    config = RunConfig(dataset="x", template="custom", template_source="{{ messages }}", mask_policy="last_assistant")
    flags = run_flags(config, "my template.jinja", "preference", ["good=chosen"])
    assert flags == [
        *("--format", "preference", "--map", "good=chosen", "--template-file", "my template.jinja"),
        *("--policy", "last_assistant"),
    ]
    args = build_parser().parse_args(["tokens", "f.jsonl", "--line", "2", *flags])
    assert (args.fmt, args.map, args.template_file, args.policy) == (
        "preference",
        ["good=chosen"],
        "my template.jinja",
        "last_assistant",
    )
    assert run_flags(RunConfig(dataset="x")) == []
