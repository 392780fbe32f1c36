"""Every CLI failure a user can cause is one `error:` line on stderr and exit code 2: never argparse's usage block,
never a traceback, never an errno ("[Errno 2] ...")."""

from __future__ import annotations

import errno
import json
import re
from pathlib import Path

import pytest

from ftlib.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "data"
CHATS = str(FIXTURES / "chat_mixed.jsonl")


def one_error_line(capsys, argv: list[str]) -> str:
    """Run the CLI in-process; the one line it printed, after checking it is all it printed and the exit code is 2."""
    code = main(argv)
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert (code, len(lines), captured.out) == (2, 1, ""), (code, captured.err, captured.out)
    assert lines[0].startswith("error: ") and "usage:" not in lines[0] and "[Errno" not in lines[0], lines[0]
    return lines[0]


# (id, argv, what the line must say): each argparse path of each command, refused by argparse before any work.
ARGPARSE_CASES = [
    (
        "unknown-option",
        ["train", "--bogus"],
        "error: train: unknown option --bogus (python -m ftlib train --help lists them)",
    ),
    (
        "unknown-option-of-an-action",
        ["data", "split", CHATS, "--out", "o", "--bogus"],
        "error: data split: unknown option --bogus (python -m ftlib data split --help lists them)",
    ),
    (
        "unexpected-argument",
        ["train", "run.yaml", "extra.yaml"],
        "error: train: unexpected argument 'extra.yaml' (python -m ftlib train --help lists them)",
    ),
    ("bad-choice", ["tokens", CHATS, "--template", "nosuch"], "tokens: argument --template: invalid choice: 'nosuch'"),
    ("bad-choice-of-policy", ["tokens", CHATS, "--policy", "most"], "'all_assistant'"),
    ("missing-file", ["tokens"], "tokens: the following arguments are required: file"),
    ("missing-action", ["data"], "data: the following arguments are required: ACTION"),
    ("missing-command", [], "the following arguments are required: COMMAND; see python -m ftlib --help"),
    ("unknown-command", ["trian"], "invalid choice: 'trian'"),
    ("missing-value", ["sample", "--prompt"], "sample: argument --prompt: expected one argument"),
    ("missing-required-option", ["score", "run-1", "--response", "a"], "score: the following arguments are required"),
    ("bad-int", ["runs", "log", "some-run", "-n", "abc"], "runs log: argument -n: 'abc' is not a whole number"),
    ("bad-test-size", ["data", "split", CHATS, "--out", "o", "--test-size", "abc"], "'abc' is neither a ratio"),
    (
        "bad-batch-size",
        ["batch", CHATS, "--batch-size", "0"],
        "batch: argument --batch-size: 0 is out of range: a run's batch_size is at least 1 and at most 1024",
    ),
    # A cold review: `batch` took a max length `train` refuses (and counted rows cut to 8 tokens). `tokens` still shows
    # a row cut anywhere: it teaches what a cut does.
    (
        "short-batch-max-length",
        ["batch", CHATS, "--max-length", "8"],
        "batch: argument --max-length: 8 is out of range: a run's max_length is at least 16 and at most 131072",
    ),
    ("long-batch-max-length", ["batch", CHATS, "--max-length", "200000"], "200000 is out of range: a run's"),
    # Not "line 1 (and 1 other row) cannot be encoded: Unknown mask policy", with a `tokens` command to try (a cold
    # review): a policy no row can have is refused before any row is read.
    (
        "bad-choice-of-batch-policy",
        ["batch", CHATS, "--policy", "bogus"],
        "batch: argument --policy/--mask-policy: invalid choice",
    ),
    # A cold review: torch's own RuntimeError traceback, from midway through loading (train already refused these).
    ("bad-device-sample", ["sample", "--prompt", "Hi", "--device", "gpu"], "sample: argument --device: 'gpu' is not"),
    ("bad-device-evaluate", ["evaluate", "some-run", "--device", "mps"], "evaluate: argument --device: 'mps' is not"),
    (
        "bad-device-score",
        ["score", "r", "--prompt", "a", "--response", "b", "--device", "meta"],
        "use auto, cpu, cuda",
    ),
    ("bad-device-models", ["models", "info", "--device", "cuda:x"], "models info: argument --device: 'cuda:x' is not"),
    # A cold review: a reward model scored an empty prompt and answer without a word.
    ("empty-score-prompt", ["score", "r", "--prompt", " ", "--response", "b"], "score: --prompt is empty"),
    (
        "empty-score-answer",
        ["score", "r", "--prompt", "a", "--response", "b", "--response", ""],
        "--response 2 is empty",
    ),
]


@pytest.mark.parametrize("argv, says", [c[1:] for c in ARGPARSE_CASES], ids=[c[0] for c in ARGPARSE_CASES])
def test_a_refused_command_line_is_one_error_line(capsys, argv, says):
    line = one_error_line(capsys, argv)
    assert says in line, line
    if "invalid choice" in says:
        assert "(choose from '" in line  # the allowed values are named


def test_a_negative_number_in_e_notation_is_a_value_not_an_option(capsys):
    """A cold review: `--learning-rate -1e-3` said "expected one argument" (argparse took it for an option)."""
    line = one_error_line(capsys, ["train", "--method", "lora", "--dataset", "chat_style", "--learning-rate", "-1e-3"])
    assert line.startswith("error: `learning_rate` must be above 0") and "(got -0.001)" in line, line


def test_bad_choice_names_the_allowed_values_and_the_help(capsys):
    line = one_error_line(capsys, ["tokens", CHATS, "--template", "nosuch"])
    assert line.endswith("; see python -m ftlib tokens --help"), line
    for name in ("chatml", "llama3", "mistral", "gemma", "alpaca", "plain", "hermes", "tokenizer"):
        assert f"'{name}'" in line


def test_split_out_at_an_existing_file_says_so(tmp_path, capsys):
    taken = tmp_path / "notes.txt"
    taken.write_text("mine\n")
    line = one_error_line(capsys, ["data", "split", CHATS, "--out", str(taken)])
    assert line == (
        f"error: --out points at an existing file {taken}: give a folder for train.jsonl and test.jsonl "
        "(a new one is created)."
    )
    assert taken.read_text() == "mine\n"


def test_split_out_under_a_file_says_which_part_is_a_file(tmp_path, capsys):
    taken = tmp_path / "notes.txt"
    taken.write_text("mine\n")
    line = one_error_line(capsys, ["data", "split", CHATS, "--out", str(taken / "splits")])
    assert line == (
        f"error: cannot create the folder {taken / 'splits'}: {taken} is a file, not a folder, so nothing can be "
        "written under it; pick a writable folder with --out"
    )


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc, where no folder can be made")
def test_split_out_where_no_folder_can_be_made(capsys):
    line = one_error_line(capsys, ["data", "split", CHATS, "--out", "/proc/nope"])
    assert line == (
        "error: cannot create the folder /proc/nope: no such file or folder; pick a writable folder with --out"
    )


def test_split_out_without_permission(tmp_path, capsys, monkeypatch):
    # Tests may run as root, who may write anywhere: the refusal a user without rights gets is raised by hand.
    def refuse(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    out = tmp_path / "splits"
    line = one_error_line(capsys, ["data", "split", CHATS, "--out", str(out)])
    assert line == f"error: cannot create the folder {out}: permission denied; pick a writable folder with --out"


def test_split_files_that_cannot_be_written(tmp_path, capsys):
    out = tmp_path / "splits"
    (out / "test.jsonl").mkdir(parents=True)  # a folder where the file goes: the rename into place fails
    line = one_error_line(capsys, ["data", "split", CHATS, "--out", str(out)])
    assert line == (
        f"error: cannot write train.jsonl and test.jsonl in {out}: that is a folder, not a file; "
        "pick a writable folder with --out"
    )


def test_evaluate_csv_at_a_folder_is_refused_before_any_model_loads(tmp_path, capsys):
    line = one_error_line(
        capsys, ["evaluate", "--model", "default", "--adapter", "r", "--data", "d.jsonl", "--csv", str(tmp_path)]
    )
    assert line == f"error: --csv points at the folder {tmp_path}: give a file name, e.g. {tmp_path / 'eval.csv'}."


def test_an_os_error_no_command_words_is_still_a_sentence(capsys, monkeypatch):
    from ftlib import runs

    def unreadable(run_id):
        raise PermissionError(errno.EACCES, "Permission denied", "/srv/ftlib/runs/r1/train.log")

    monkeypatch.setattr(runs, "find", unreadable)
    line = one_error_line(capsys, ["runs", "log", "r1"])
    assert line == (
        "error: cannot use /srv/ftlib/runs/r1/train.log: permission denied; "
        "check the path and that you may read and write there"
    )


def test_train_help_shows_no_empty_defaults(capsys):
    with pytest.raises(SystemExit) as done:
        main(["train", "--help"])
    assert done.value.code == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps help lines
    assert "Default: ." not in text
    dataset = text.split("--dataset DATASET A saved split", 1)[1].split("--test-size", 1)[0]
    assert "a data file" in dataset and "Default" not in dataset
    assert "relative to the others of its group (TRL: num_generations). Default: 4." in text  # a real default stays
    # A "%" in a setting's help was read by argparse as a format: "~20{'option_strings': ...}lower" was printed.
    assert "less memory, ~20% slower." in text and "option_strings" not in text


def _train_help(capsys) -> dict[str, str]:
    """`train --help`, one flag -> its help text (argparse's wrapping undone)."""
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    options = text.split("options:", 1)[1]
    # Up to the next option ("--dtype DTYPE "), not a flag its help names ("`... --template NAME` shows each").
    return {
        flag: re.split(r" --[a-z-]+ [A-Z_]+ ", options.split(f"{flag} {flag[2:].replace('-', '_').upper()} ", 1)[1])[0]
        for flag in ("--rewards", "--template", "--device")
    }


def test_train_help_names_every_value_a_setting_takes(capsys):
    """A cold reader: `--rewards` listed every reward but `function`, `--template` named only `tokenizer`, and
    `--device` said "auto, cpu or cuda" though `cuda:1` is accepted."""
    from ftlib.config import RunConfig
    from ftlib.methods import REWARD_KINDS
    from ftlib.templates import TEMPLATE_NAMES

    helps = _train_help(capsys)
    assert [k for k in REWARD_KINDS if f"{{{k}:" not in helps["--rewards"]] == [], helps["--rewards"]
    assert [n for n in TEMPLATE_NAMES if n not in helps["--template"]] == [], helps["--template"]
    assert all(d in helps["--device"] for d in ("auto", "cpu", "cuda", "cuda:N")), helps["--device"]
    assert RunConfig(device="cuda:1").device == "cuda:1"  # what the help offers is accepted


def test_a_good_split_still_works_after_all_this(tmp_path, capsys):
    out = tmp_path / "new" / "splits"
    assert main(["data", "split", CHATS, "--test-size", "1", "--out", str(out)]) == 0
    assert len((out / "test.jsonl").read_text().splitlines()) == 1
    assert [json.loads(line) for line in (out / "train.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("kind", ["jsonl", "parquet"])
def test_a_reader_that_stops_early_ends_the_command_quietly(tmp_path, kind):
    """`python -m ftlib data inspect FILE | head`: the closed pipe printed "error: cannot use: broken pipe; check the
    path ..." (and, once pyarrow was loaded, could trace back in the last flush)."""
    import subprocess
    import sys

    import pandas as pd

    rows = pd.DataFrame({"prompt": [f"Q{i}?" for i in range(50)], "completion": [f"A{i}." for i in range(50)]})
    path = tmp_path / f"qa.{kind}"
    rows.to_json(path, orient="records", lines=True) if kind == "jsonl" else rows.to_parquet(path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ftlib", "data", "inspect", str(path), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[1],
    )
    proc.stdout.close()  # the reader is gone before anything is written
    assert proc.wait(timeout=120) == 0
    assert proc.stderr.read() == b""


@pytest.mark.parametrize(
    "name, text, says",
    [
        # PyYAML's own message spans four lines and names "<unicode string>", not the file
        ("bad.yaml", "method: lora\n  bad: [\n", "as YAML: mapping values are not allowed here (line 2, column 6)."),
        ("run.json", "method: lora\nmax_steps: 3\n", "as JSON: Expecting value (line 1, column 1). It reads as YAML"),
        ("run.txt", '{"method": "lora"}', "is not a config file the studio reads: name it .yaml, .yml or .json"),
    ],
)
def test_a_config_file_that_does_not_read_is_one_line_naming_it(tmp_path, capsys, name, text, says):
    """A cold review: a YAML error was four lines naming no file, a .txt file was read as JSON and said 'as txt',
    and YAML in a .json file had no hint."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    line = one_error_line(capsys, ["train", str(path)])
    assert str(path) in line and says in line, line
    if name == "run.json":
        assert line.endswith("name it run.yaml."), line


def test_a_misspelt_key_in_a_config_file_names_the_file(tmp_path, capsys):
    """A cold review: the same typo in a file and in --set read alike, so with both the user could not tell where."""
    path = tmp_path / "typo.yaml"
    path.write_text("lerning_rate: 0.01\n", encoding="utf-8")
    line = one_error_line(capsys, ["train", str(path)])
    assert line == f"error: Unknown setting `lerning_rate` in {path}. Did you mean `learning_rate`?", line
    path.write_text("dpo_tuning: lora\n", encoding="utf-8")  # an old name is still read (with a warning), not refused
    assert main(["train", str(path)]) == 2
    err = capsys.readouterr().err
    assert "is now called `tuning`" in err and "Unknown setting" not in err, err


def test_a_file_too_small_to_split_is_told_of_test_size_0(tmp_path, capsys):
    """A cold review: one row refused with "needs at least 2 rows" and no way on, while `--test-size 0` trains it."""
    path = tmp_path / "one.jsonl"
    path.write_text('{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]}\n')
    line = one_error_line(capsys, ["train", "--dataset", str(path), "--max-steps", "1"])
    assert "`test_size` 0.1 cannot split 'one.jsonl': A train/test split needs at least 2 rows; there is 1." in line
    assert line.endswith("test_size 0 (`--test-size 0`) to train on every row with none held out (no held-out loss).")


def test_every_option_has_help_and_presets_say_their_values(capsys):
    """A cold review: `sample --seed`, `--max-new-tokens`, `--json` and `runs list --json` had no help, the presets
    were names without values, and the mask policy was `tokens --policy` but `train --mask-policy` (both work now)."""
    from ftlib.cli import build_parser

    def options(parser, path=""):
        for action in parser._actions:
            if getattr(action, "choices", None) and isinstance(action.choices, dict):  # subcommands
                for name, sub in action.choices.items():
                    yield from options(sub, f"{path} {name}")
            elif action.option_strings and action.dest != "help":
                yield f"{path} {action.option_strings[0]}", action.help

    missing = [name for name, said in options(build_parser()) if not said]
    assert not missing, missing
    with pytest.raises(SystemExit):
        main(["sample", "--help"])
    assert "precise (temperature=0.3,top_k=20)" in " ".join(capsys.readouterr().out.split())
    parser = build_parser()
    for command in ("tokens", "batch"):
        assert parser.parse_args([command, CHATS, "--mask-policy", "last_assistant"]).policy == "last_assistant"


@pytest.mark.parametrize("env", [{"LC_ALL": "C", "PYTHONUTF8": "0"}, {"PYTHONIOENCODING": "latin-1"}])
def test_non_ascii_prints_as_escapes_where_the_terminal_cannot_show_it(tmp_path, env):
    """Under `LC_ALL=C` without UTF-8 mode (stdout ASCII) or a Latin-1 PYTHONIOENCODING, a row's CJK word in a bad
    row's reason stopped `data inspect` midway with a UnicodeEncodeError traceback (exit 1); it prints escaped."""
    import os
    import subprocess
    import sys

    path = tmp_path / "roles.jsonl"
    bad = {"messages": [{"role": "用户", "content": "你好"}, {"role": "assistant", "content": "Hi."}]}
    good = {"messages": [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hello."}]}
    path.write_text(json.dumps(bad, ensure_ascii=False) + "\n" + json.dumps(good) + "\n", encoding="utf-8")
    said = ("LC_", "LANG", "PYTHONIOENCODING", "PYTHONUTF8")  # what picks the encoding: only `env` does
    clean = {k: v for k, v in os.environ.items() if not k.startswith(said)}
    proc = subprocess.run(
        [sys.executable, "-m", "ftlib", "data", "inspect", str(path)],
        capture_output=True,
        env={**clean, **env},
        cwd=Path(__file__).resolve().parents[1],
        timeout=120,
    )
    assert proc.returncode == 0 and b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")[-500:]
    assert b"role '\\u7528\\u6237'" in proc.stdout, proc.stdout[-500:]
