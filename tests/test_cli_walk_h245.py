"""Helper 245's cold walk of the command line, README and `--help` only: what a newcomer could not follow."""

from __future__ import annotations

import pytest

from ftlib.cli import build_parser

# (command path, positional argument): each stood bare in its `--help`, a name with no words under it.
BARE_POSITIONALS = [
    (("models", "prepare"), "model"),
    (("models", "info"), "model"),
    (("runs", "export"), "id"),
]


def _subparser(path):
    parser = build_parser()
    for name in path:
        action = next(a for a in parser._actions if isinstance(getattr(a, "choices", None), dict))
        parser = action.choices[name]
    return parser


@pytest.mark.parametrize(("path", "dest"), BARE_POSITIONALS, ids=[" ".join(p) for p, _ in BARE_POSITIONALS])
def test_a_positional_argument_says_what_it_takes(path, dest):
    action = next(a for a in _subparser(path)._actions if a.dest == dest and not a.option_strings)
    assert action.help, f"`{' '.join(path)} --help` shows {dest} without a word of what it takes"


def test_an_unknown_dataset_names_the_shipped_samples_and_the_near_one(capsys, tmp_path, monkeypatch):
    """No command lists the shipped samples that `train --dataset NAME` takes: a slip ('chat_styel') was told only
    'neither a saved split, a split folder, a data file nor a shipped sample'."""
    from ftlib.demo_data import sample_choices
    from tests.test_cli_errors import one_error_line

    monkeypatch.chdir(tmp_path)
    said = one_error_line(capsys, ["train", "--dataset", "chat_styel", "--max-steps", "1"])
    assert "Did you mean 'chat_style'?" in said, said
    assert f"The shipped samples are {', '.join(sample_choices())}." in said
    far = one_error_line(capsys, ["train", "--dataset", "my_chats", "--max-steps", "1"])
    assert "Did you mean" not in far and "The shipped samples are chat_style," in far
