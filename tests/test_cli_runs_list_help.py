"""`runs list --help` names the 'started by' column and the --json keys saying who started a run and what was done
to it since (`RunSummary.started_by`, `last_action`): both were in the output, neither in the help."""

from __future__ import annotations

import pytest

from ftlib.cli import main


def test_runs_list_help_names_who_started_each_run(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["runs", "list", "--help"])
    assert exit_.value.code == 0
    said = " ".join(capsys.readouterr().out.split())  # argparse wraps the help to the terminal's width
    assert "'started by' column names who started each run" in said
    assert "'started_by': who started it" in said and "'last_action': the last thing done to it since" in said
