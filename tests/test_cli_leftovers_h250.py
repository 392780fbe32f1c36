"""CLI leftovers (helper 250): `data split` says its warnings on stderr and counts them in meta.json, no option is
taken abbreviated, `batch` takes a saved split as `train --dataset` does, `score` runs where `sample` and `evaluate`
run by default, a split folder is named as a folder, and `sample` says an answer of whitespace in words."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from ftlib.cli import build_parser, main


def chat(user: str, answer: str) -> dict:
    return {"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]}


def tides(n: int) -> list[dict]:
    """`n` tide questions, each its own prompt."""
    return [chat(f"When is high tide at pier {i}?", f"At {i}:15, then again about 12 hours later.") for i in range(n)]


TIDES = tides(6)  # a split of 6 holds out too few to judge on, which `data split` warns of


def _write(path: Path, lines: list) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines), encoding="utf-8")
    return path


def test_data_split_says_its_warnings_and_left_out_rows_on_stderr_and_only_its_result_on_stdout(tmp_path, capsys):
    """Every other command says `warning:` and `note:` lines on stderr; `data split` printed them on stdout, in among
    the result a script reads (`data split ... > log` kept them out of sight on the terminal, too)."""
    path = _write(tmp_path / "tides.jsonl", [*TIDES[:3], "{not json", *TIDES[3:]])
    out = tmp_path / "split"
    assert main(["data", "split", str(path), "--test-size", "2", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "format chat messages (messages): 6 valid of 7 rows",
        f"train: 4 rows -> {out / 'train.jsonl'}",
        f"test:  2 rows -> {out / 'test.jsonl'}",
    ]
    said = captured.err.splitlines()
    assert said[0] == "rows left out (1):" and said[1].startswith("  line 4: this line is not valid JSON"), said
    warned = [line for line in said if line.startswith("warning: ")]
    assert [w.split(".")[0] for w in warned] == ["warning: Only 4 training rows", "warning: Only 2 held-out rows"]
    # --json: one object on stdout, the same sentences in it and nothing said twice on stderr
    assert main(["data", "split", str(path), "--test-size", "2", "--out", str(tmp_path / "j"), "--json"]) == 0
    captured = capsys.readouterr()
    said = json.loads(captured.out)
    assert [f"warning: {w}" for w in said["warnings"]] == warned and captured.err == ""
    assert [r["row"] for r in said["rows_left_out"]] == [4]


def test_meta_json_counts_the_split_warnings_it_printed_beside_the_files(tmp_path, capsys):
    """meta.json recorded `warnings: 0` beside the warnings `data split` had printed of the split itself (too few rows
    held out, a test split larger than asked): its count is the lines said, and their text is kept."""
    path = _write(tmp_path / "tides.jsonl", TIDES)
    assert main(["data", "split", str(path), "--test-size", "2", "--out", str(tmp_path / "o")]) == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning: ")]
    meta = json.loads((tmp_path / "o" / "meta.json").read_text())
    assert len(warned) == 2 and meta["warnings"] == 2
    assert [f"warning: {w}" for w in meta["split_warnings"]] == warned
    # The data's own test file: its warnings of the split (2 held-out rows) are counted, the test file's own apart
    test = _write(tmp_path / "test.jsonl", [chat("When is low tide?", "At 6:30."), chat("Why tides?", "The moon.")])
    out = tmp_path / "own"
    assert main(["data", "split", str(path), "--test-file", str(test), "--out", str(out)]) == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning: ")]
    meta = json.loads((out / "meta.json").read_text())
    assert warned and meta["warnings"] == len(warned) and meta["test_file"]["warnings"] == 0
    assert [f"warning: {w}" for w in meta["split_warnings"]] == warned


def _parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, (*path, name))


def test_no_parser_takes_an_abbreviated_option():
    """argparse's `allow_abbrev` is not passed down to subparsers: each one is made without it (`cli.Parser`)."""
    parsers = dict(_parsers(build_parser()))
    assert {"batch", "data split", "runs export", "train"} <= {" ".join(p) for p in parsers}
    assert [" ".join(path) for path, parser in parsers.items() if parser.allow_abbrev] == []


@pytest.mark.parametrize(
    ("argv", "meant"),
    [
        # read as --packing-strategy, which then wanted a value: `train --packing` is another thing
        (["batch", "{rows}", "--packing"], "--packing-strategy"),
        (["data", "split", "{rows}", "--out", "{out}", "--test-s", "2"], "--test-size"),  # split as asked before
        (["data", "inspect", "{rows}", "--js"], "--json"),
    ],
)
def test_an_abbreviated_option_is_refused_in_one_line_naming_the_whole_one(tmp_path, capsys, argv, meant):
    rows = _write(tmp_path / "tides.jsonl", TIDES)
    argv = [a.format(rows=rows, out=tmp_path / "o") for a in argv]
    assert main(argv) == 2
    captured = capsys.readouterr()
    (line,) = captured.err.splitlines()
    given = next(a for a in argv if a.startswith("--") and a != "--out")
    assert line.startswith(f"error: {' '.join(argv[: 2 if argv[0] == 'data' else 1])}: unknown option {given}, ")
    assert f"did you mean `{meant}`? (options are not taken shortened;" in line, line
    assert captured.out == "" and not (tmp_path / "o").exists()


def test_batch_takes_a_split_folder_and_a_saved_splits_name_as_train_does(tmp_path, capsys):
    """`train --dataset DIR` trains on a split `data split --out DIR` wrote; `batch DIR` said "DIR is a folder; choose
    a file inside it". It measures the split's training rows, as a run steps over them, as it measures that file."""
    from ftlib import workspace

    path = _write(tmp_path / "tides.jsonl", tides(13))
    folder = tmp_path / "split"
    assert main(["data", "split", str(path), "--test-size", "3", "--out", str(folder)]) == 0
    capsys.readouterr()
    assert main(["batch", str(folder / "train.jsonl"), "--max-length", "24", "--json"]) == 0
    of_file = json.loads(capsys.readouterr().out)
    assert main(["batch", str(folder), "--max-length", "24", "--json"]) == 0
    of_folder = json.loads(capsys.readouterr().out)
    assert of_folder == of_file and of_folder["rows"] == 10, of_folder
    # Its text says whose rows they are; a row cut (at 24 tokens, each answer is) is shown with `tokens` on the split's
    # train.jsonl, by its line
    assert main(["batch", str(folder), "--max-length", "24"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"10 rows (the training rows of the split in {folder}), 10 sequences")
    assert f"python -m ftlib tokens {folder / 'train.jsonl'} --line " in captured.err, captured.err
    # A split saved in the workspace, by its name, as `train --dataset NAME` takes it
    train, test, _ = workspace.load_split(str(folder))
    workspace.save_split("tides", train, test)
    assert main(["batch", "tides", "--max-length", "24", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["strategies"] == of_file["strategies"]
    # --format and --map read a data file, as `train` refuses them beside a split
    assert main(["batch", str(folder), "--format", "messages"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line == (
        f"error: --format and --map read a data file; the split in {folder} was read with its own format and mapping "
        "when it was saved. Drop them, or give the data file."
    )


def test_score_runs_on_a_gpu_by_default_as_sample_and_evaluate_do(tmp_path, monkeypatch, capsys):
    """`score --device` defaulted to cpu where `sample` and `evaluate` take auto (a GPU when there is one); `--device
    cpu` still runs on the CPU."""
    import torch

    from ftlib import rewards
    from ftlib.models import pick_device

    run = tmp_path / "run"
    run.mkdir()
    for name in ("config.json", "status.json"):
        (run / name).write_text("{}")
    asked = []

    class Scorer:
        def score(self, prompt, responses):
            return [0.5 for _ in responses]

    monkeypatch.setattr(rewards, "load_reward_model", lambda run, device: asked.append(device) or Scorer())
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # a machine with a GPU
    for device in ([], ["--device", "cpu"]):
        assert main(["score", str(run), "--prompt", "Hi?", "--response", "Hello.", *device, "--json"]) == 0
    assert [pick_device(d) for d in asked] == ["cuda", "cpu"]
    assert "(a GPU when there is one; the default)" in " ".join(build_parser_help("score").split())


def build_parser_help(command: str) -> str:
    parser = dict(_parsers(build_parser()))[(command,)]
    return parser.format_help()


def test_a_run_on_a_split_folder_names_the_folder_not_a_saved_split(tmp_path, capsys, tiny_model_dir, no_training):
    """`train --dataset /path/to/split` said "saved split 'split'" (a name the workspace does not keep) in the run's
    `[ftlib] ... rows from` line and "a saved split has its own held-out rows"; a split saved in the workspace is
    still "the saved split 'NAME'"."""
    from ftlib import runs, workspace
    from ftlib.config import RunConfig
    from ftlib.training import load_rows

    path = _write(tmp_path / "tides.jsonl", tides(12))
    folder = tmp_path / "split"
    assert main(["data", "split", str(path), "--test-size", "3", "--out", str(folder)]) == 0
    capsys.readouterr()
    argv = ["train", "--model", str(tiny_model_dir), "--dataset", str(folder), "--test-size", "0.2", "--detach"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    said = f"`test_size` 0.2 (it splits a data file; the split in {folder} has its own 3 held-out rows)"
    assert said in captured.err, captured.err
    run = runs.find(captured.out.strip())
    assert load_rows(run.config(), run.path)[2] == f"the split in {folder} as it was when the run was queued"
    assert load_rows(RunConfig(dataset=str(folder)))[2] == f"the split in {folder}"
    workspace.save_split("tides", *workspace.load_split(str(folder))[:2])
    assert load_rows(RunConfig(dataset="tides"))[2] == "the saved split 'tides'"


def test_sample_says_an_answer_of_whitespace_alone_in_words(capsys, varied_dir, monkeypatch):
    """An answer of spaces and line breaks printed as blank lines under its heading: no answer, or a broken command?
    It is said as Compare and Evaluate say it (`answer_notes.whitespace_said`); --json keeps the text itself."""
    from ftlib import sampling

    monkeypatch.setattr(sampling.RowResult, "text", property(lambda self: "   \n"))
    argv = ["sample", "--model", str(varied_dir), "--prompt", "Hi", "--max-new-tokens", "2"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"=== base ({varied_dir.name}) | greedy (") and lines[1:] == [
        "(only whitespace: 3 spaces and 1 newline)",
        "",
    ]
    assert main([*argv, "--json"]) == 0
    assert [r["text"] for r in json.loads(capsys.readouterr().out)["results"]] == ["   \n"]


def test_sample_help_says_a_raw_text_runs_prompt_is_the_beginning_of_a_text(capsys):
    """A raw-text run given a request ("Write a short poem about the sea.") answers nothing at once, base and tuned
    alike: its prompt is text to continue, which --prompt's help said only as "the user message" (helper 262)."""
    with pytest.raises(SystemExit):
        main(["sample", "--help"])
    said = " ".join(capsys.readouterr().out.split())
    assert "--prompt PROMPT the user message; for a run trained on raw text" in said
    assert "the beginning of a text, which the models continue" in said
