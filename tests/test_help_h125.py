"""`--help` says what today's refusals refuse, where a user reads the flag (h125)."""

import pytest

from ftlib.cli import main


def test_sample_help_says_system_is_refused_for_a_raw_text_run(capsys):
    with pytest.raises(SystemExit):
        main(["sample", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "refused for a run trained on raw text and under --template text" in help_text
    assert "put its text at the start of --prompt" in help_text


def test_batch_help_max_length_says_bfd_split_splits_rather_than_cuts(capsys):
    with pytest.raises(SystemExit):
        main(["batch", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "cut to this for every strategy" not in help_text
    assert "split into pieces of it by packing under --packing-strategy bfd_split" in help_text


def test_the_top_help_names_data_pair_among_the_data_actions(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "pair good/bad answers" in help_text
