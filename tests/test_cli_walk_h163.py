"""Helper 163: rough edges of helper 152's CLI walk (tests/test_cli_walk_h152.py), each one `error:` line or one
plain sentence a newcomer acts on."""

from __future__ import annotations

import json

import pytest

from ftlib.cli import main
from tests.test_cli_errors import one_error_line

CHAT = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello there."}]}


@pytest.mark.parametrize("command", ["inspect", "split"])
def test_a_file_read_as_the_wrong_format_is_one_refusal_naming_its_own(tmp_path, capsys, command):
    """`data inspect chats.jsonl --format alpaca` printed a line per row ("the 'instruction' field is missing ...
    (this row looks like messages, not alpaca)") before an error: line saying the same of three of them."""
    path = tmp_path / "chats.jsonl"
    path.write_text("".join(json.dumps(CHAT) + "\n" for _ in range(12)))
    extra = ["--out", str(tmp_path / "split")] if command == "split" else []
    assert main(["data", command, str(path), "--format", "alpaca", *extra]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # no row lines
    assert captured.err == (
        f"error: {path} looks like chat messages (messages), not alpaca: none of its 12 rows reads as alpaca, all "
        "read as messages. Leave out --format to read it as detected, or give --format messages.\n"
    )


def test_a_file_no_format_reads_still_lists_its_rows(tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"messages": [{"role": "user", "content": "q"}]}\n')
    assert main(["data", "inspect", str(path), "--format", "messages"]) == 2
    captured = capsys.readouterr()
    assert "line 1:" in captured.out and captured.err.startswith("error: no valid rows in")


def test_stop_and_resume_take_a_shared_name_when_one_run_of_it_can_be_acted_on(capsys, no_training):
    """`runs stop ben` was refused ("Several runs are named 'ben'") where only one ben run was queued or running:
    stop acts on those only, so the name was not ambiguous. The same for resume, where one of them is resumable."""
    from ftlib import runs
    from ftlib.testing import make_run

    done, waiting = "20261201-090000-lora-ben-done", "20261201-091000-lora-ben-waits"
    make_run(done, {"name": "ben"}, max_steps=6)
    make_run(waiting, {"name": "ben"}, state="queued", max_steps=6)
    assert main(["runs", "stop", "ben"]) == 0
    assert capsys.readouterr().out.startswith(f"{waiting}: stopped")  # the id it stopped, first on its line
    assert runs.find(waiting).read_status()["state"] == "interrupted"
    assert runs.find(done).read_status()["state"] == "finished"
    assert main(["runs", "resume", "ben"]) == 0  # the stopped one is the only one that can resume
    assert capsys.readouterr().out.startswith(f"{waiting}: queued")
    make_run("20261201-092000-lora-ben-failed", {"name": "ben"}, state="failed", max_steps=6)
    make_run("20261201-093000-lora-ben-too", {"name": "ben"}, state="failed", max_steps=6)
    line = one_error_line(capsys, ["runs", "resume", "ben"])  # two can resume: which is not said by the name
    assert line.startswith("error: Several runs are named 'ben': "), line


@pytest.mark.parametrize("command", ["tokens", "batch", "data inspect"])
@pytest.mark.parametrize("length", ["0", "8"])
def test_a_max_length_a_run_cannot_have_is_refused_in_one_way(tmp_path, capsys, command, length):
    """`tokens --max-length 0` said "must be a positive number of tokens" (and took 8), where `batch` and `data
    inspect` say a run's max_length is at least 16: one rule, one message (commands.run_setting_int)."""
    path = tmp_path / "chats.jsonl"
    path.write_text(json.dumps(CHAT) + "\n")
    line = one_error_line(capsys, [*command.split(), str(path), "--max-length", length])
    assert line.startswith(
        f"error: {command}: argument --max-length: {length} is out of range: a run's max_length is at least 16 and at "
        "most 131072"
    ), line


# Since helper 171, the `tokens` command that shows the first row cut, read as the command read it.
CLI_SHOWS = (
    "`python -m ftlib tokens {file} --line 1 --model {model} --template hermes --max-length {n}` shows where training "
    "row 1 is cut."
)
PAGE_SHOWS = "the Tokens page shows where a row is cut."


def test_cut_rows_are_said_with_the_command_in_the_cli_and_the_page_on_the_train_page(
    tiny_model_dir, smol_tokenizer, tmp_path, capsys, no_training
):
    """`train` said "the Tokens page shows where a row is cut" to a CLI user: the page's words, from the message the
    Train page shares (row_cuts.cut_warnings, `shows=`)."""

    from tests.test_preflight_final_replies import WALK_CUT, tool_chat, walk_train_page

    path = tmp_path / "convert.jsonl"
    path.write_text("".join(json.dumps(tool_chat(n)) + "\n" for n in (3, 12, 27, 41, 58, 66)), encoding="utf-8")
    flags = ["--model", str(tiny_model_dir), "--dataset", str(path), "--template", "hermes", "--test-size", "2"]
    assert main(["train", *flags, "--max-length", str(WALK_CUT), "--detach"]) == 0
    err = capsys.readouterr().err
    cut = [line for line in err.splitlines() if "longer than the max length" in line]
    shows = CLI_SHOWS.format(file=path, model=tiny_model_dir, n=WALK_CUT)
    assert len(cut) == 1 and cut[0].endswith(shows) and "page" not in cut[0], err

    at = walk_train_page(tiny_model_dir)
    shown = [w.value for w in at.warning if "longer than the max length" in w.value]
    assert len(shown) == 1 and shown[0].endswith(PAGE_SHOWS) and "python -m ftlib" not in shown[0], shown


def test_cut_rows_are_said_with_the_command_by_batch_and_the_page_on_the_batches_page(
    tmp_path, capsys, tiny_model_dir
):
    from streamlit.testing.v1 import AppTest

    from ftlib import workspace
    from tests.test_walk_h104 import PLAIN, ROOT, tool_row

    data = tmp_path / "bus.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in (tool_row(), PLAIN)), encoding="utf-8")
    argv = ["batch", str(data), "--model", str(tiny_model_dir), "--template", "hermes", "--max-length", "200"]
    assert main(argv) == 0
    cut = [line for line in capsys.readouterr().err.splitlines() if "longer than the max length" in line]
    shows = CLI_SHOWS.format(file=data, model=tiny_model_dir, n=200)
    assert len(cut) == 1 and cut[0].endswith(shows) and "page" not in cut[0], cut

    workspace.save_split("bus-cut", [tool_row(), PLAIN], [PLAIN], {"format": "messages"})
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at = at.switch_page("pages/3_Batches.py").run()
    at.selectbox(key="batch_template").set_value("hermes").run()
    at.number_input(key="batch_max_length").set_value(200).run()
    shown = [w.value for w in at.warning if "longer than the max length" in w.value]
    assert len(shown) == 1 and shown[0].endswith(PAGE_SHOWS), shown


def test_a_model_without_a_tokenizer_is_not_told_of_pages_alone(tmp_path):
    """`no_tokenizer` said "Every page turns text into tokens with it first" to `train --model` and `sample` too."""
    from ftlib.model_files import no_tokenizer

    (tmp_path / "model.safetensors").write_bytes(b"")
    said = no_tokenizer(tmp_path, "my-model")
    assert "Every command and page turns text into tokens with it first." in said and "Every page" not in said


@pytest.mark.parametrize("under", ["x.jsonl", "deeper/x.jsonl"])
def test_pair_out_under_a_file_names_the_file(tmp_path, capsys, under):
    """`data pair --out notes/x.jsonl` with `notes` a file said "a file of that name is already there (at notes)":
    mkdir's EEXIST, read as if x.jsonl were there. Now the part that is a file is named, as `runs export --out`
    does."""
    answers = tmp_path / "answers.jsonl"
    rows = [{"prompt": "2+2?", "completion": c, "label": ok} for c, ok in (("4", True), ("5", False))]
    answers.write_text("".join(json.dumps(r) + "\n" for r in rows))
    taken = tmp_path / "notes"
    taken.write_text("mine\n")
    line = one_error_line(capsys, ["data", "pair", str(answers), "--out", str(taken / under)])
    assert line == (
        f"error: cannot write {taken / under}: {taken} is a file, not a folder, so nothing can be written under it; "
        "pick a writable path with --out"
    ), line
    assert taken.read_text() == "mine\n"
