"""Helper 152's cold walk of the command line, error paths first: each input a newcomer gets wrong is one `error:`
line (exit 2) saying what, where and the fix, never a traceback or a sentence about something else."""

from __future__ import annotations

import codecs
import gzip
import json

import pytest

from ftlib.cli import main
from tests.test_cli_errors import one_error_line

SETTINGS = "method: lora\ndataset: chat_style\nmax_steps: 3\n"
CHAT = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello there."}]}
CHAT_LINE = json.dumps(CHAT)


@pytest.mark.parametrize(
    "name, data, says",
    [
        # Each a UnicodeDecodeError traceback (exit 1) before
        ("utf16.yaml", codecs.BOM_UTF16_LE + SETTINGS.encode("utf-16-le"), "is saved as UTF-16: save it again as"),
        ("packed.yaml", gzip.compress(SETTINGS.encode()), "is compressed (gzip), and a config file is plain text"),
        ("noise.yaml", b"method: lora\nnote: caf\xe9\n", "is not UTF-8 text (byte 0xe9 at byte 23): save it again"),
    ],
    ids=["utf-16", "gzip", "latin-1"],
)
def test_a_config_file_that_is_not_utf8_text_is_one_line(tmp_path, capsys, name, data, says):
    path = tmp_path / name
    path.write_bytes(data)
    line = one_error_line(capsys, ["train", str(path)])
    assert f"'{path}' {says}" in line, line


def test_a_config_folder_is_not_said_missing(tmp_path, capsys):
    """`train configs/` said "The config file 'configs' does not exist." of a folder that does."""
    line = one_error_line(capsys, ["train", str(tmp_path)])
    assert line == (
        f"error: '{tmp_path}' is a folder, not a config file: give the .yaml, .yml or .json file of settings in it."
    )


def test_a_json_config_with_a_bom_reads(tmp_path):
    """Notepad's UTF-8 JSON starts with a BOM: it was refused as "Unexpected UTF-8 BOM ... It reads as YAML: name it
    run.yaml", a rename that fixes nothing."""
    from ftlib.config import ConfigError
    from ftlib.fields import settings_file_data

    path = tmp_path / "run.json"
    path.write_bytes(codecs.BOM_UTF8 + b'{"method": "dpo", "max_steps": 3}')
    assert settings_file_data(path, ConfigError) == {"method": "dpo", "max_steps": 3}


@pytest.mark.parametrize("given", ["./mydata.jsonl", "qa.csv.gz", "data/chats.jsonl"])
def test_a_mistyped_dataset_path_is_said_missing(tmp_path, capsys, monkeypatch, given):
    """`train --dataset ./mydata.jsonl` (a typo) said "is neither a saved split, a split folder, a data file nor a
    shipped sample ... give the path of a .jsonl file": a path of a .jsonl file was what the user gave."""
    monkeypatch.chdir(tmp_path)
    line = one_error_line(capsys, ["train", "--dataset", given])
    looked = tmp_path / given.removeprefix("./")
    assert line == (
        f"error: `dataset` '{given}' does not exist (looked for {looked}). Check the path (it is read on the machine "
        "running the app)."
    ), line
    assert "neither a saved split" in one_error_line(capsys, ["train", "--dataset", "chat_styel"])  # a name: as before


def test_evaluate_data_that_is_missing_a_folder_or_no_split_says_which(tmp_path, capsys, varied_dir, adapter_template):
    """`evaluate RUN --data` of a missing file, or of a folder, said "'X' is neither a data file nor a saved split
    name (No saved dataset split named 'X' in /ws/datasets.)": a sentence inside another, naming no fix."""
    from ftlib import workspace
    from ftlib.testing import make_run

    workspace.save_split("chats", [CHAT], [CHAT])
    make_run("walk-run", {"model": str(varied_dir), "dataset": "chats"}, adapter=adapter_template)
    missing = tmp_path / "held.jsonl"
    line = one_error_line(capsys, ["evaluate", "walk-run", "--data", str(missing)])
    assert line.startswith(f"error: --data '{missing}' does not exist. Check the path (it is read on"), line
    line = one_error_line(capsys, ["evaluate", "walk-run", "--data", str(tmp_path)])
    assert line.startswith(f"error: --data '{tmp_path}' is a folder without meta.json, so not a saved split"), line
    line = one_error_line(capsys, ["evaluate", "walk-run", "--data", "chatz"])
    assert line == (
        f"error: --data 'chatz' is neither a data file nor a saved split in {workspace.datasets_dir()}: give a file's "
        "path or a saved split's name (`python -m ftlib data files` lists them)."
    ), line


def test_evaluate_csv_under_a_file_is_one_sentence(tmp_path, capsys):
    """The words "the folder X is a file, not a folder, or pass another --csv path." ended in half a sentence."""
    from ftlib.commands.evaluate_checks import check_csv_path
    from ftlib.errors import UserError

    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(UserError) as refused:
        check_csv_path(str(tmp_path / "notes.txt" / "eval.csv"))
    assert str(refused.value).endswith(f"{tmp_path / 'notes.txt'} is a file, not a folder: pass another --csv path.")
    with pytest.raises(UserError) as refused:
        check_csv_path(str(tmp_path / "new" / "eval.csv"))
    assert str(refused.value).endswith("does not exist: create it first, or pass another --csv path.")


@pytest.mark.parametrize(
    "out, says",
    [
        (lambda tmp: tmp / "notes.txt" / "model", "notes.txt is a file, not a folder, so"),
        (lambda tmp: "/proc/1/model", "cannot be written to"),
        (lambda tmp: tmp / "full", "is already a folder that is not empty, and the export's folder would replace"),
        (lambda tmp: tmp / "notes.txt", "is already a file, and the export's folder would replace it"),
    ],
    ids=["under-a-file", "not-writable", "not-empty", "a-file"],
)
@pytest.mark.parametrize("how", [[], ["--merged"], ["--gguf", "f16"]])
def test_runs_export_out_is_refused_before_the_export_is_built(tmp_path, capsys, monkeypatch, out, says, how):
    """`runs export ID --gguf --out /read-only/x` converted the model (minutes for a large one), then refused the
    --out folder: what can be known before the work is refused before it."""
    from ftlib import export
    from ftlib.testing import make_run

    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine", encoding="utf-8")
    make_run("to-export", {"model": "default", "dataset": "chat_style"})
    for build in ("export_adapter", "export_merged", "export_gguf", "export_model"):
        monkeypatch.setattr(export, build, lambda *a, **k: pytest.fail("built before --out was checked"))
    line = one_error_line(capsys, ["runs", "export", "to-export", *how, "--out", str(out(tmp_path))])
    assert line.startswith("error: --out: ") and says in line, line
    assert (tmp_path / "notes.txt").read_text() == "mine" and (tmp_path / "full" / "keep.txt").read_text() == "mine"


def test_models_info_says_counts_and_bytes_with_their_units(capsys, tiny_model_dir):
    """`models info` printed the JSON's fields as they are: `memory_bytes: 538060288`, `trainable_parameters: ...`."""
    from ftlib.models import load_model, model_info

    assert main(["models", "info", str(tiny_model_dir)]) == 0
    out = capsys.readouterr().out
    info = model_info(load_model(str(tiny_model_dir))).as_dict()
    count = info["parameters"]
    assert out.splitlines()[1] == f"parameters: {count / 1e6:.1f}M ({count:,}), all trainable", out
    assert out.splitlines()[2].startswith("weights: float32 on cpu, ") and out.rstrip().endswith(("KiB", "MiB"))
    assert "_bytes" not in out and "trainable_parameters" not in out, out


@pytest.mark.parametrize(
    "name, data, says",
    [
        ("chat.jinja", codecs.BOM_UTF16_LE + "{{ messages }}".encode("utf-16-le"), "is saved as UTF-16: save it"),
        ("chat.jinja", b"{{ messages }} \xff\xfe\x00", "is not UTF-8 text (byte 0xff at byte 16): save it again as"),
        ("folder", None, "is a folder: give the chat template's Jinja file, e.g. chat.jinja."),
    ],
    ids=["utf-16", "binary", "folder"],
)
@pytest.mark.parametrize("command", ["train", "tokens"])
def test_a_template_file_that_is_no_text_is_one_line(tmp_path, capsys, name, data, says, command):
    """`train --template-file` of a UTF-16 or binary file was a UnicodeDecodeError traceback (`tokens` said the
    codec's words), and of a folder 'does not exist'."""
    path = tmp_path / name
    path.mkdir() if data is None else path.write_bytes(data)
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]}\n')
    given = ["--dataset", "chat_style"] if command == "train" else [str(rows), "--model", "default"]
    line = one_error_line(capsys, [command, *given, "--template-file", str(path)])
    assert line.startswith(f"error: Template file {path} {says}"), line


def test_a_template_file_with_a_bom_reads_without_it(tmp_path):
    from ftlib.commands import template_file_text

    path = tmp_path / "chat.jinja"
    path.write_bytes(codecs.BOM_UTF8 + b"{{ messages }}")
    assert template_file_text(str(path)) == "{{ messages }}"  # the BOM would open every prompt


def test_score_says_how_to_read_its_numbers(capsys, monkeypatch):
    """`score` printed bare numbers (`-2.5230  'go away'`): nothing said higher is preferred, nor that a reward
    model's scale means nothing on its own. The note is on stderr: stdout stays the scores."""
    from ftlib import rewards
    from ftlib.testing import make_run

    class Scorer:
        def score(self, prompt, answers):
            return [float(len(a)) for a in answers]

    monkeypatch.setattr(rewards, "load_reward_model", lambda run, device=None: Scorer())
    make_run("rm-walk", {"method": "reward", "dataset": "preference_pairs"})
    assert main(["score", "rm-walk", "--prompt", "Hi", "--response", "Yo", "--response", "Hello there"]) == 0
    out, err = capsys.readouterr()
    assert out == "+11.0000  'Hello there'\n+2.0000  'Yo'\n", out
    assert err.startswith("note: Best first. A higher score is an answer the reward model prefers;"), err
    assert main(["score", "rm-walk", "--prompt", "Hi", "--response", "Yo"]) == 0
    assert "give two --response or more" in capsys.readouterr().err
    assert main(["score", "rm-walk", "--prompt", "Hi", "--response", "Yo", "--json"]) == 0
    assert capsys.readouterr().err == ""  # --json: the scores alone


def test_train_warns_before_queueing_a_name_other_runs_have(tmp_path, capsys, tiny_model_dir, no_training):
    """A second `train --name tiny1` queued without a word; then `runs show tiny1`, `sample --adapter tiny1` and
    `runs stop tiny1` all refused "Several runs are named 'tiny1'"."""
    rows = tmp_path / "rows.jsonl"
    rows.write_text(("\n".join([CHAT_LINE] * 12)) + "\n", encoding="utf-8")
    argv = ["train", "--model", str(tiny_model_dir), "--dataset", str(rows), "--max-steps", "1", "--detach"]
    assert main([*argv, "--name", "tiny1"]) == 0
    first = capsys.readouterr()
    assert "already named" not in first.err
    assert main([*argv, "--name", "tiny1"]) == 0
    second = capsys.readouterr()
    assert f"warning: 1 other run already named 'tiny1' ({first.out.strip()}): this one will be found by its id " in (
        second.err
    ), second.err
    assert main([*argv, "--name", "tiny2"]) == 0
    assert "already named" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, says",
    [
        (["--map", "question=instrucion"], "'instrucion' in the field mapping. Did you mean `instruction`?"),
        (["--format", "mesages"], "Unknown format 'mesages'. Did you mean `messages`? Choose one of: messages,"),
    ],
    ids=["map-field", "format"],
)
def test_a_misspelt_field_or_format_names_the_one_meant(tmp_path, capsys, argv, says):
    """`--map question=instrucion` and `--format mesages` listed every choice without the one meant, as a misspelt
    setting (`Did you mean max_steps?`) and reward kind are told it."""
    path = tmp_path / "qa.csv"
    path.write_text("question,answer\nHi?,Hello.\n", encoding="utf-8")
    assert says in one_error_line(capsys, ["data", "inspect", str(path), *argv])


@pytest.mark.parametrize(
    "argv, says",
    [
        (["data", "inspekt", "x.jsonl"], "(choose from 'inspect', 'split', 'files', 'remove', 'pair'), did you mean "),
        (["trian"], "invalid choice: 'trian' (choose from"),
        (["data", "inspect", "x.jsonl", "--jsn"], "data inspect: unknown option --jsn, did you mean `--json`? ("),
        (["runs", "list", "--jsno"], "runs list: unknown option --jsno, did you mean `--json`? (python -m ftlib"),
        (["sample", "--prompt", "Hi", "--temperature", "0.5"], "a decoding setting: give it as --setting temperature"),
        (["sample", "--prompt", "Hi", "--top-p=0.9"], "--top-p=0.9, a decoding setting: give it as --setting top_p="),
    ],
    ids=["action", "command", "option", "option-2", "decoding", "decoding-2"],
)
def test_a_misspelt_command_or_option_names_the_one_meant(capsys, argv, says):
    """`data inspekt`, `trian`, `--jsn` listed the choices (or none) without the one meant; `sample --temperature 0.5`
    was 'unknown option' with no word of --setting, where every decoding setting goes."""
    line = one_error_line(capsys, argv)
    assert says in line, line
    if argv[0] != "sample":
        assert "did you mean `" in line and "?;" not in line, line  # the --help aside in brackets after the question


def test_a_far_option_gets_no_guess(capsys):
    """`evaluate --temperature` (evaluate answers greedily) is not `--template`: no guess that leads astray."""
    line = one_error_line(capsys, ["evaluate", "--temperature", "0.5"])
    assert line == "error: evaluate: unknown option --temperature (python -m ftlib evaluate --help lists them)"


def test_evaluate_text_leaves_out_what_is_not_known(capsys, varied_dir, adapter_template):
    """One held-out row has no interval: the text printed `row_change_low: None` and `row_change_high: None`. --json
    keeps them (null), a script's fields."""
    from ftlib import workspace
    from ftlib.testing import make_run

    workspace.save_split("one-row", [CHAT], [CHAT], {"format": "messages"})
    config = {"model": str(varied_dir), "dataset": "one-row", "template": "tokenizer", "method": "lora"}
    make_run("walk-one", config, adapter=adapter_template)
    assert main(["evaluate", "walk-one", "--max-new-tokens", "2"]) == 0
    out = capsys.readouterr().out
    assert "how sure: " in out and "too few rows to tell" in out and ": None" not in out, out
    assert main(["evaluate", "walk-one", "--max-new-tokens", "2", "--json"]) == 0
    agg = json.loads(capsys.readouterr().out)
    assert agg["row_change_low"] is None and agg["row_change_high"] is None


@pytest.mark.parametrize(
    "argv, says",
    [
        (["data", "split", "{rows}", "--out", ""], "data split: --out is empty"),
        (["data", "split", "{rows}", "--out="], "data split: --out is empty"),
        (["tokens", ""], "tokens: FILE is empty"),
        (["data", "inspect", "{rows}", "--model", ""], "data inspect: --model is empty"),
        (["sample", "--model", "", "--prompt", "Hi"], "sample: --model is empty"),
        (["evaluate", "some-run", "--csv", ""], "evaluate: --csv is empty"),
        (["runs", "show", ""], "runs show: ID is empty"),
        (["train", ""], "train: CONFIG is empty"),
    ],
    ids=["split-out", "split-out-equals", "file", "model", "sample-model", "csv", "run", "config"],
)
def test_an_empty_path_is_refused_not_read_as_here(tmp_path, capsys, monkeypatch, argv, says):
    """`data split FILE --out "$DIR"` with DIR unset wrote train.jsonl, test.jsonl and meta.json into the folder the
    command ran in; `tokens ""` said ". is a folder"; `sample --model ""` sampled the default model; `evaluate
    --csv ""` wrote no CSV without a word."""
    monkeypatch.chdir(tmp_path)
    rows = tmp_path / "rows.jsonl"
    rows.write_text(CHAT_LINE + "\n" + CHAT_LINE.replace("Hi", "Hey") + "\n", encoding="utf-8")
    line = one_error_line(capsys, [a.replace("{rows}", str(rows)) for a in argv])
    assert line == f"error: {says} (a shell variable not set?): give a path or a name", line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rows.jsonl"]  # nothing written here


def test_an_empty_system_prompt_is_still_allowed(capsys):
    """Only paths, runs and models are refused empty: `--system ""` is no system message, as before."""
    from ftlib.cli import build_parser

    args = build_parser().parse_args(["sample", "--prompt", "Hi", "--system", ""])
    assert args.system == ""
