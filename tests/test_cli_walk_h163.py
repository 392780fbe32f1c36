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
