"""Leftovers of the session's walks (helper 244): `runs resume --help` points to what the progress lines say."""

from __future__ import annotations

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
