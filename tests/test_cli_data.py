"""`python -m ftlib data inspect|split`: JSON output, written splits and exit codes."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ftlib.cli import main

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "data"


def test_inspect_json_in_a_real_subprocess():
    # One real process: proves `python -m ftlib data` is wired; the rest call cli.main in-process (faster).
    proc = subprocess.run(
        [sys.executable, "-m", "ftlib", "data", "inspect", str(FIXTURES / "chat_mixed.jsonl"), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)  # exactly one JSON object on stdout
    assert (report["format"], report["rows"], report["valid_rows"]) == ("messages", 8, 4)
    assert [e["row"] for e in report["errors"]] == [3, 4, 5, 7]
    assert "not valid JSON" in report["errors"][0]["message"]
    assert "no assistant turn" in report["errors"][2]["message"]
    assert "'robot'" in report["errors"][3]["message"]


def test_inspect_table_with_guessed_and_explicit_mapping(capsys):
    assert main(["data", "inspect", str(FIXTURES / "qa.csv"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["format"] == "alpaca" and report["column_map"] == {"instruction": "question", "output": "answer"}
    assert (report["rows"], report["valid_rows"], [e["row"] for e in report["errors"]]) == (5, 4, [4])

    assert (
        main(
            [
                "data",
                "inspect",
                str(FIXTURES / "qa.csv"),
                "--json",
                "--map",
                "question=prompt",
                "--map",
                "answer=completion",
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["format"] == "prompt_completion" and report["valid_rows"] == 4


def test_inspect_readable_summary(capsys):
    assert main(["data", "inspect", str(FIXTURES / "chat_mixed.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "format:     chat messages (messages)" in out and "valid rows: 4" in out and "line 7:" in out


@pytest.mark.parametrize(
    "setup, args, match",
    [
        (lambda d: None, ["missing.jsonl"], "does not exist"),
        (
            lambda d: (d / "bad.jsonl").write_text('{"messages": [{"role": "user", "content": "q"}]}\n'),
            ["bad.jsonl"],
            "no valid rows",
        ),
        (lambda d: (d / "x.bin").write_bytes(b"\x00\x01\x02"), ["x.bin"], "unsupported file type"),
        (lambda d: (d / "empty.jsonl").write_text(""), ["empty.jsonl"], "is empty"),
        (lambda d: None, [str(FIXTURES / "qa.csv"), "--map", "question"], "should look like COLUMN=FIELD"),
        (lambda d: None, [str(FIXTURES / "qa.csv"), "--format", "chatml"], "Unknown format 'chatml'"),
    ],
)
def test_inspect_failures_exit_2_with_a_message(tmp_path, capsys, setup, args, match):
    setup(tmp_path)
    argv = [str(tmp_path / args[0]) if not Path(args[0]).is_absolute() else args[0], *args[1:]]
    assert main(["data", "inspect", *argv, "--json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and match in err


def test_no_valid_rows_still_prints_the_json_report(tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"messages": [{"role": "user", "content": "q"}]}\n')
    assert main(["data", "inspect", str(path), "--json"]) == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out)["valid_rows"] == 0 and "no valid rows" in captured.err


@pytest.mark.parametrize(
    "test_size, n_test, said",
    [
        ("0.25", 1, ("train: 3 rows -> ", "test:  1 row -> ")),
        ("2", 2, ("train: 2 rows", "test:  2 rows")),
        ("0.5", 2, ("train: 2 rows", "test:  2 rows")),
    ],
)
def test_split_writes_canonical_files(tmp_path, capsys, test_size, n_test, said):
    out = tmp_path / "split"
    argv = [
        "data",
        "split",
        str(FIXTURES / "chat_mixed.jsonl"),
        "--test-size",
        test_size,
        "--seed",
        "5",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    train = [json.loads(line) for line in (out / "train.jsonl").read_text().splitlines()]
    test = [json.loads(line) for line in (out / "test.jsonl").read_text().splitlines()]
    assert (len(train), len(test)) == (4 - n_test, n_test)
    assert all(line in printed for line in said), printed  # "1 row", never "1 rows"
    assert all(set(r) == {"messages"} for r in train + test)
    # Same seed, same files.
    assert main([*argv[:-1], str(tmp_path / "again")]) == 0
    assert (tmp_path / "again" / "test.jsonl").read_text() == (out / "test.jsonl").read_text()


def test_split_of_pairs_counts_pairs_and_warns_when_too_small(tmp_path, capsys):
    """The Data page warns when a split is too small to train or judge on; the CLI said nothing, and counted pairs
    as rows."""
    path = tmp_path / "pairs.jsonl"
    rows = [{"prompt": f"Q{i}?", "chosen": f"Good {i}.", "rejected": f"Bad {i}."} for i in range(5)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["data", "split", str(path), "--test-size", "1", "--out", str(tmp_path / "o")]) == 0
    captured = capsys.readouterr()  # the result on stdout, the warnings on stderr
    assert "train: 4 pairs -> " + str(tmp_path / "o" / "train.jsonl") in captured.out.splitlines()
    warned = [line for line in captured.err.splitlines() if line.startswith("warning: ")]
    assert [w.split(".")[0] for w in warned] == ["warning: Only 4 training pairs", "warning: Only 1 held-out pair"]


def test_split_dedupe_and_impossible_size(tmp_path, capsys):
    path = tmp_path / "dups.jsonl"
    row = json.dumps({"prompt": "p", "completion": "c"})
    path.write_text("\n".join([row] * 4 + [row.replace('"c"', '"d"')]) + "\n")
    assert main(["data", "split", str(path), "--test-size", "1", "--out", str(tmp_path / "o"), "--dedupe"]) == 0
    printed = capsys.readouterr().out
    assert "3 duplicates dropped" in printed and "train: 1 row -> " in printed
    assert "repeat an earlier one" not in printed  # dropped already: not advised to drop them (a cold review)
    assert len((tmp_path / "o" / "train.jsonl").read_text().splitlines()) == 1
    assert main(["data", "split", str(path), "--test-size", "5", "--out", str(tmp_path / "o")]) == 2
    assert "between 1 and 4 rows" in capsys.readouterr().err


def test_inspect_json_reports_unpaired_counts_and_ignored_fields(tmp_path, capsys):
    path = tmp_path / "kto.jsonl"
    rows = [
        {"prompt": "6 x 7?", "completion": c, "label": ok, "id": i}
        for i, (c, ok) in enumerate([("42.", True), ("It is 42.", True), ("48.", False)])
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["data", "inspect", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    # Today's keys keep their meaning; format, kind and counts say what the rows are.
    assert {"format", "rows", "valid_rows", "errors", "warnings", "columns", "column_map", "source"} <= set(report)
    assert (report["format"], report["kind"], report["valid_rows"]) == ("unpaired_preference", "unpaired", 3)
    assert (report["counts"]["good"], report["counts"]["bad"]) == (2, 1)
    assert report["warnings"] == [
        {
            "row": None,
            "message": "ignored field: `id` in 3 rows; the studio does not read it, so it is neither shown nor "
            "trained",
            "field": "id",
            "rows": 3,
        }
    ]
    assert main(["data", "inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert (
        "format:     answers marked good or bad (unpaired_preference)" in out
        and "good 2, bad 1" in out
        and "note:       Not used: `id` (an id of the rows" in out  # metadata: a note, as a table's id column
    )


def test_map_works_for_jsonl(tmp_path, capsys):
    path = tmp_path / "qa.jsonl"
    path.write_text('{"ask": "6 x 7?", "say": "42."}\n')
    assert main(["data", "inspect", str(path), "--json"]) == 2
    assert "Field mapping" in capsys.readouterr().err  # names a control the Data page has, and --map
    assert main(["data", "inspect", str(path), "--json", "--map", "ask=instruction", "--map", "say=output"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["format"], report["column_map"]) == ("alpaca", {"instruction": "ask", "output": "say"})
    assert main(["data", "inspect", str(path), "--map", "x=instruction", "--map", "say=output"]) == 2
    assert "has no field 'x' (mapped to 'instruction')" in capsys.readouterr().err


PARQUET_RUNS = 30


def test_parquet_inspect_never_aborts_at_exit(tmp_path):
    # 17.4: pyarrow's threaded reader aborted `data inspect` at interpreter exit ("terminate called without an
    # active exception", exit 134) in 3-5 runs of 10 on a 2-row file. Each run is a fresh process. With
    # single-threaded reads it still did in 1 run of 30 on a busy machine (2026-11-30): ftlib/__main__.py now
    # leaves without the interpreter's teardown once pyarrow is loaded; the JSON read here shows nothing is lost.
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "tiny.parquet"
    pq.write_table(pa.table({"instruction": ["6 x 7?", "Half of 10?"], "output": ["42.", "5."]}), path)
    command = [sys.executable, "-m", "ftlib", "data", "inspect", str(path), "--json"]
    failures = []
    for attempt in range(PARQUET_RUNS):
        proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=dict(os.environ), timeout=120)
        if proc.returncode != 0 or json.loads(proc.stdout)["valid_rows"] != 2:
            failures.append((attempt, proc.returncode, proc.stderr[-300:]))
    assert failures == []


_FILE_LOADERS = {"read_parquet", "load_dataset", "from_parquet", "load_from_disk", "ParquetFile"}


def _parquet_reads(source: str) -> list[int]:
    """The lines of `source` that import pyarrow.parquet, use `pq.`, or call a file loader of pandas/datasets."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            lines += [node.lineno for alias in node.names if alias.name.startswith("pyarrow.parquet")]
        elif isinstance(node, ast.ImportFrom):
            parquet = node.module == "pyarrow" and any(a.name == "parquet" for a in node.names)
            if parquet or (node.module or "").startswith("pyarrow.parquet"):
                lines.append(node.lineno)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "pq":
            lines.append(node.lineno)
        elif isinstance(node, ast.Call):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if called in _FILE_LOADERS:
                lines.append(node.lineno)
    return sorted(set(lines))


def test_the_parquet_read_search_sees_code_not_messages():
    assert _parquet_reads("import pyarrow.parquet as pq\nt = pq.read_table(p)\n") == [1, 2]
    assert _parquet_reads("from pyarrow import parquet\nimport pandas as pd\ndf = pd.read_parquet(p)\n") == [1, 3]
    assert _parquet_reads("from datasets import load_from_disk\nd = load_from_disk(p)\n") == [2]
    assert _parquet_reads('said = "run `d = load_from_disk(sys.argv[1])` first"\n') == []


def test_every_parquet_read_goes_through_the_single_threaded_reader():
    # The whole kind of 17.4: no module but ftlib/readers.py reads Parquet (or loads files through `datasets`).
    # The code is searched, not its text: a message may print a `load_from_disk(...)` command for the user to run.
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "ftlib").rglob("*.py"))
        if path.name != "readers.py"
        for n in _parquet_reads(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    source = (ROOT / "ftlib" / "readers.py").read_text(encoding="utf-8")
    assert source.count(".read(use_threads=False)") == 1 and "pq.read_table" not in source


def test_inspect_reads_a_1_0_label_as_good_and_bad(tmp_path, capsys):
    from tests.test_data_shapes import JUDGED

    path = tmp_path / "kto.jsonl"
    path.write_text(
        "".join(json.dumps({"prompt": p, "completion": c, "label": int(ok)}) + "\n" for p, c, ok in JUDGED)
    )
    assert main(["data", "inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert (
        "format:     answers marked good or bad (unpaired_preference)" in out
        and "good 3, bad 2" in out
        and "ignored field" not in out
    )
    # Read as prompts and answers, the bad answers would be trained: every row is refused, exit 2.
    assert main(["data", "inspect", str(path), "--format", "prompt_completion"]) == 2
    captured = capsys.readouterr()
    assert "valid rows: 0" in captured.out and "this row has a good/bad label ('label': 0)" in captured.out


def test_inspect_names_a_skipped_csv_row_with_its_file_line_as_the_page_does(tmp_path, capsys):
    path = tmp_path / "faq.csv"
    path.write_text('question,answer\nFirst?,One.\nSecond?,"Two,\nstill two."\nThird?\nFourth?,Four.\n')
    assert main(["data", "inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "  data row 3 (line 5 of the file): the 'answer' cell is empty" in out
    assert "\nrows left out (1):\n" in out  # headed as `data split` heads them (it read "errors (1):")
    assert main(["data", "inspect", str(path), "--json"]) == 0  # the JSON says it too (it gave the row number only)
    (error,) = json.loads(capsys.readouterr().out)["errors"]
    assert (error["row"], error["where"]) == (3, "data row 3 (line 5 of the file)")


def test_inspect_says_how_transcripts_and_wrapped_json_were_read(tmp_path, capsys):
    from tests.test_data_shapes import TRANSCRIPTS

    path = tmp_path / "hh.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for _, r, _ in TRANSCRIPTS))
    assert main(["data", "inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "valid rows: 3" in out and "note:       In 3 rows, `chosen` and `rejected` are whole Human/Assistant" in out
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"version": "1", "data": [{"text": "Once upon a tide."}], "meta": {"n": 1}}))
    assert main(["data", "inspect", str(wrapped)]) == 0
    assert "note:       The rows are read from the key 'data'; the keys 'version', 'meta'" in capsys.readouterr().out


# --- rows left out, copies, --map on every command that reads a data file ----------------------------------------


def _jsonl(path: Path, lines: list) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def test_split_names_every_row_it_leaves_out_up_to_ten_then_points_at_inspect(tmp_path, capsys):
    """`data split` said "5 valid of 6 rows" and never which row was not written, nor why."""
    good = [{"prompt": f"Tide {i}?", "completion": f"At {i}:05."} for i in range(6)]
    path = _jsonl(tmp_path / "tides.jsonl", [good[0], "{broken", *good[1:]])
    assert main(["data", "split", str(path), "--test-size", "1", "--out", str(tmp_path / "o")]) == 0
    captured = capsys.readouterr()  # what was read on stdout, the rows left out on stderr
    assert captured.out.splitlines()[0] == "format prompt and answer (prompt_completion): 6 valid of 7 rows"
    err = captured.err.splitlines()
    assert err[0] == "rows left out (1):" and err[1].startswith("  line 2: this line is not valid JSON")
    # Fourteen broken lines: ten named, then how many more and the command that lists them all.
    path = _jsonl(tmp_path / "many.jsonl", good + [{"prompt": f"Lost {i}?"} for i in range(14)])
    assert main(["data", "split", str(path), "--out", str(tmp_path / "o2"), "--format", "prompt_completion"]) == 0
    out = capsys.readouterr().err.splitlines()
    named = [line for line in out if line.startswith("  line ")]
    assert [line.split(":")[0] for line in named] == [f"  line {n}" for n in range(7, 17)]
    # the command reads the file as the split did (here: with --format)
    assert f"  ... and 4 more; see `python -m ftlib data inspect {path} --format prompt_completion`" in out
    clean = _jsonl(tmp_path / "clean.jsonl", good)
    assert "rows left out" not in "".join(
        split_said(capsys, ["data", "split", str(clean), "--out", str(tmp_path / "o3")])
    )


def main_out(capsys, argv: list[str]) -> str:
    assert main(argv) == 0
    return capsys.readouterr().out


def split_said(capsys, argv: list[str]) -> tuple[str, str]:
    """`data split`'s (stdout, stderr): the result, and what it warns of and notes."""
    assert main(argv) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


@pytest.mark.parametrize("seed", range(6))
def test_split_keeps_a_rows_copies_on_one_side_and_says_so(tmp_path, capsys, seed):
    """Without --dedupe, copies of one row could land in train and in test: a held-out row the run trained on."""
    rows = [{"prompt": f"Q{i}?", "completion": f"A{i}."} for i in range(12)]
    path = _jsonl(tmp_path / "dups.jsonl", rows + rows[:4])  # rows 0-3 twice
    out = tmp_path / "o"
    _, printed = split_said(
        capsys, ["data", "split", str(path), "--test-size", "0.25", "--seed", str(seed), "--out", str(out)]
    )
    train, test = ((out / f"{side}.jsonl").read_text().splitlines() for side in ("train", "test"))
    assert not set(train) & set(test), "a test row is also a training row"
    assert len(train) + len(test) == 16
    assert "note: 4 rows are exact copies of other rows: each row's copies stay on one side" in printed
    assert "--dedupe keeps one copy of each" in printed


def test_split_warns_when_copies_cannot_be_kept_apart_and_when_the_test_size_moves(tmp_path, capsys):
    one = _jsonl(tmp_path / "one.jsonl", [{"text": "The same line."}] * 4)
    _, said = split_said(capsys, ["data", "split", str(one), "--test-size", "1", "--out", str(tmp_path / "o")])
    assert "warning: 1 test row is also in train (exact copies: the file holds one row over and over)" in said
    pairs = _jsonl(tmp_path / "twice.jsonl", [{"text": f"Line {i}."} for i in range(10)] * 2)
    printed, said = split_said(
        capsys, ["data", "split", str(pairs), "--test-size", "3", "--out", str(tmp_path / "o2")]
    )
    assert "so the test split has 2 rows, not 3" in said and "test:  2 texts -> " in printed
    printed, said = split_said(
        capsys, ["data", "split", str(pairs), "--test-size", "3", "--out", str(tmp_path / "o3"), "--dedupe"]
    )
    assert "10 duplicates dropped" in printed and "exact cop" not in printed + said and "test:  3 texts" in printed


def test_split_folder_is_a_dataset_train_takes_with_its_mapping(tmp_path, capsys):
    """`train` has no --map: a CSV whose columns need one is split with the mapping, and the folder (now with
    meta.json, as the Data page saves a split) is what the run trains on."""
    from ftlib.config import ConfigError, RunConfig
    from ftlib.training import load_rows

    path = tmp_path / "faq.csv"
    path.write_text("ask,reply\nWhat is 7 x 6?,42.\nLargest planet?,Jupiter.\nRed planet?,Mars.\nSky colour?,Blue.\n")
    with pytest.raises(ConfigError, match=r"data split .*faq.csv --map COLUMN=FIELD --out DIR`\) and train on it"):
        load_rows(RunConfig(dataset=str(path)))
    out = tmp_path / "faq_split"
    argv = ["data", "split", str(path), "--map", "ask=instruction", "--map", "reply=output", "--out", str(out)]
    main_out(capsys, [*argv, "--test-size", "1"])
    meta = json.loads((out / "meta.json").read_text())
    assert meta["column_map"] == {"instruction": "ask", "output": "reply"} and meta["format"] == "alpaca"
    assert (meta["train_rows"], meta["test_rows"], meta["name"]) == (3, 1, "faq_split")
    train, test, _ = load_rows(RunConfig(dataset=str(out)))
    assert (len(train), len(test)) == (3, 1) and all("messages" in r or "prompt" in r for r in train + test)


@pytest.mark.parametrize("command", [["tokens"], ["batch"], ["data", "inspect"]])
def test_map_and_format_are_options_of_every_command_that_reads_a_file(tmp_path, capsys, command):
    """The loading errors say "`--map question=instruction` in the CLI"; `tokens` answered "unknown option --map"."""
    path = _jsonl(tmp_path / "qa.jsonl", [{"ask": "Capital of Peru?", "reply": "Lima."}])
    assert main([*command, str(path), "--json"]) == 2
    assert "--map" in capsys.readouterr().err  # the message names the option ...
    mapped = ["--map", "ask=instruction", "--map", "reply=output"]
    assert main([*command, str(path), *mapped, "--json"]) == 0  # ... and the command has it
    report = json.loads(capsys.readouterr().out)
    if command == ["tokens"]:
        assert "Capital of Peru?" in report["text"] and report["skipped_rows"] == []
    elif command == ["batch"]:
        assert (report["rows"], report["skipped_rows"]) == (1, [])
    # --format too: prompts only (GRPO's data: `tokens` says so as info, exit 0)
    code = main([*command, str(path), "--map", "ask=prompt", "--format", "prompt_only", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report.get("kind", "prompt_only") == "prompt_only" and report.get("format", "prompt_only") == "prompt_only"
    assert main([*command, str(path), "--map", "ask"]) == 2
    assert "should look like COLUMN=FIELD" in capsys.readouterr().err


def test_a_partial_map_is_completed_by_the_guess_and_says_so(tmp_path, capsys):
    """A cold review: `--map response=output` on a {question, response} file (read as alpaca without any --map) failed
    "Could not recognise the format": a --map replaced the guess whole. The guess now fills the fields not given."""
    data = tmp_path / "qa.jsonl"
    data.write_text("".join(json.dumps({"question": f"Q{i}?", "response": f"A{i}."}) + "\n" for i in range(3)))
    assert main(["data", "inspect", str(data), "--map", "response=output", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["format"] == "alpaca" and report["valid_rows"] == 3
    assert report["column_map"] == {"output": "response", "instruction": "question"}
    notes = [w["message"] for w in report["warnings"] if w.get("note")]
    assert "The mapping given was completed by the guess for the other fields: question -> instruction." in notes
    # A mapping that fits a format alone is taken as it is: nothing guessed beside it.
    assert (
        main(["data", "inspect", str(data), "--map", "question=prompt", "--map", "response=completion", "--json"]) == 0
    )
    assert json.loads(capsys.readouterr().out)["format"] == "prompt_completion"


def test_split_warns_when_one_rows_copies_crowd_the_held_out_rows(tmp_path, capsys):
    """A review: one boilerplate row copied 5,000 times filled half a 10,000-row test split with only the copies note
    said. The copies stay on one side; when that side is mostly them, the split says so."""
    from ftlib.data import load_file, split_rows

    rows = [{"prompt": "hi", "completion": "Hello!"}] * 30 + [
        {"prompt": f"Q{i}?", "completion": f"A{i}."} for i in range(70)
    ]
    path = _jsonl(tmp_path / "boilerplate.jsonl", rows)
    loaded = load_file(str(path)).rows
    seed = next(s for s in range(200) if sum('"hi"' in json.dumps(r) for r in split_rows(loaded, 30, s)[1]) == 30)
    _, said = split_said(
        capsys, ["data", "split", str(path), "--test-size", "30", "--seed", str(seed), "--out", str(tmp_path / "o")]
    )
    assert "warning: 30 of the 30 held-out rows are copies of one row" in said
    assert "The row at line 1 is there 30 times." in main_out(capsys, ["data", "inspect", str(path)])


def test_hundreds_of_ignored_fields_are_said_in_ten_lines_and_one(tmp_path, capsys):
    """A review: a file of 400 varying keys printed 400 `warning:` lines (and the Data page one box of 400 bullets).
    The ten in most rows are said one by one, the rest in one line; `--json` still lists each."""
    rows = [{"prompt": f"Q{i}?", "completion": f"A{i}.", f"extra_{i % 40}": i, "source": "web"} for i in range(80)]
    path = _jsonl(tmp_path / "keys.jsonl", rows)
    printed = main_out(capsys, ["data", "inspect", str(path)])
    ignored = [line for line in printed.splitlines() if "ignored field" in line]
    assert len(ignored) == 11 and "`source` in 80 rows" in ignored[0]
    assert ignored[-1].startswith("warning:    ... and 31 more ignored fields, not read: `extra_")
    assert ignored[-1].endswith("and 23 others (--json lists each)")
    listed = json.loads(main_out(capsys, ["data", "inspect", str(path), "--json"]))
    assert sum(w["message"].startswith("ignored field") for w in listed["warnings"]) == 41
    _, said = split_said(capsys, ["data", "split", str(path), "--out", str(tmp_path / "o")])
    assert sum("ignored field" in line for line in said.splitlines()) == 11


def _warnings_of(printed: str) -> tuple[list[str], list[str]]:
    """The `warning:` and `note:` sentences of `data split`'s text (its stderr)."""
    lines = printed.splitlines()
    return (
        [line.removeprefix("warning: ") for line in lines if line.startswith("warning: ")],
        [line.removeprefix("note: ") for line in lines if line.startswith("note: ")],
    )


def test_split_json_prints_one_object_with_the_files_counts_and_the_texts_warnings(tmp_path, capsys):
    """`data split` had no --json where `data inspect` and `data files` have one: a script read its text."""
    path = tmp_path / "copies.jsonl"
    rows = [{"prompt": f"Question {i}?", "completion": f"Answer {i}."} for i in range(6)] * 2  # each row twice
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "[1, 2]\n")
    args = ["data", "split", str(path), "--test-size", "2", "--seed", "3"]
    assert main([*args, "--out", str(tmp_path / "text")]) == 0
    warnings, notes = _warnings_of(capsys.readouterr().err)
    assert main([*args, "--out", str(tmp_path / "o"), "--json"]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 1
    said = json.loads(captured.out)  # one object: the whole of stdout
    out = tmp_path / "o"
    assert {k: said[k] for k in ("out", "train", "test", "meta")} == {
        "out": str(out),
        "train": str(out / "train.jsonl"),
        "test": str(out / "test.jsonl"),
        "meta": str(out / "meta.json"),
    }
    for part in ("train", "test"):  # the counts are the files'
        assert said[f"{part}_rows"] == len((out / f"{part}.jsonl").read_text().splitlines())
    assert said["train_rows"] + said["test_rows"] == 12 and said["unit"] == "row"
    assert (said["format"], said["kind"], said["rows_read"], said["valid_rows"]) == (
        "prompt_completion",
        "sft",
        13,
        12,
    )
    assert said["rows_left_out"] == [{"row": 13, "where": "line 13", "message": said["rows_left_out"][0]["message"]}]
    assert said["test_file"] is None and said["duplicates_dropped"] == 0
    # The same sentences as the text, which said each row's copies stay on one side.
    assert (said["warnings"], said["notes"]) == (warnings, notes) and any("copies" in n for n in notes), notes
    assert main([*args, "--out", str(tmp_path / "d"), "--dedupe", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["duplicates_dropped"] == 6


def test_split_json_refusals_are_one_error_line_and_nothing_on_stdout(tmp_path, capsys):
    argv = ["data", "split", str(FIXTURES / "chat_mixed.jsonl"), "--test-size", "9", "--out", str(tmp_path / "o")]
    assert main([*argv, "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.splitlines()) == 1 and captured.err.startswith("error: ")
