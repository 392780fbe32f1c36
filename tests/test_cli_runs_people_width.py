"""`runs list`'s "started by" column is as wide as its heading: a short name (an identity provider giving a name
and no e-mail, "Ana") kept it narrower, which pushed the "dataset" heading out of line with its values."""

from __future__ import annotations

from ftlib.cli import main
from ftlib.run_people import Who, record
from ftlib.testing import make_run


def test_a_short_started_by_keeps_the_columns_under_their_headings(capsys):
    run = make_run("r-short", config={"dataset": "chats"})
    assert record(run.path, "start", Who("Ana"))
    assert main(["runs", "list"]) == 0
    head, row = capsys.readouterr().out.splitlines()[:2]
    by, dataset = head.index("started by"), head.index("dataset")
    assert row[by:].startswith("Ana ") and row[by + 3 : dataset].strip() == ""
    assert not row[dataset].isspace() and row[dataset - 1] == " "
