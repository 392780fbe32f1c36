"""A record of who did what that the CLI cannot write is one `warning:` line on stderr, the action done (README:
"one `warning:` line from the CLI"), for `data remove` as for `runs stop`, `resume` and `delete`
(tests/test_run_removals.py): without it the line reached only the log's last-resort handler, with no `warning:`."""

from __future__ import annotations

import getpass

from ftlib import stored_people, workspace
from ftlib.cli import main
from tests.test_run_removals import unwritable  # noqa: F401 (a fixture)

ROWS = [{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]}]


def test_data_remove_with_a_removals_log_it_cannot_write_warns_and_removes(
    unwritable,  # noqa: F811
    capsys,
    monkeypatch,
):
    monkeypatch.setattr(getpass, "getuser", lambda: "bob")
    workspace.save_split("chats", ROWS, ROWS, {"format": "messages"})
    unwritable.add(stored_people.REMOVALS_FILE)
    assert main(["data", "remove", "chats"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("removed split chats (")
    assert err.splitlines() == [
        "warning: split chats removed, but who did it is not recorded in the workspace's removals log: cannot write "
        f"{workspace.workspace_dir() / stored_people.REMOVALS_FILE}: permission denied."
    ]
    assert not workspace.split_folder("chats").exists()
