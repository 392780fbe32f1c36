"""A CLI account the OS gives no name (`run_people.cli_user`: a container's bare uid) is recorded as the command line,
and read back so: it was written as {"name": "", "via": "cli"} and read as nobody, so `runs show` said nothing of a
stop from the command line and named whoever acted before it as the last to act."""

from __future__ import annotations

import getpass

from ftlib.run_people import Who, cli_user, people, record
from ftlib.testing import make_run


def test_an_unnamed_os_account_is_said_as_the_command_line(monkeypatch):
    def nameless():
        raise KeyError("getpwuid(): uid not found: 12345")

    monkeypatch.setattr(getpass, "getuser", nameless)
    run = make_run("r-unnamed", state="interrupted", stopped_by="user")
    assert record(run.path, "start", Who("Ana Lima", "ana@example.com"))
    assert record(run.path, "stop", cli_user())
    said = people(run.path)
    assert said.last_action == "stopped by an unnamed account (command line)"
    assert said.started_by == "ana@example.com"
