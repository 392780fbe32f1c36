"""Helper 163: rough edges of helper 152's CLI walk (tests/test_cli_walk_h152.py), each one `error:` line or one
plain sentence a newcomer acts on."""

from __future__ import annotations

import json

import pytest

from ftlib.cli import main

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
