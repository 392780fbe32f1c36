"""A record of who did what that the CLI cannot write is one `warning:` line on stderr, the action done (README:
"one `warning:` line from the CLI"), for `data remove` as for `runs stop`, `resume` and `delete`
(tests/test_run_removals.py): without it the line reached only the log's last-resort handler, with no `warning:`."""

from __future__ import annotations

import getpass
import json
import sys

from ftlib import runs, stored_people, workspace
from ftlib.cli import main
from ftlib.run_people import WHO_FILE
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


def test_train_with_a_who_json_it_cannot_write_warns_and_queues_the_run(
    unwritable,  # noqa: F811
    capsys,
    monkeypatch,
    tmp_path,
    tiny_model_dir,
):
    monkeypatch.setattr(getpass, "getuser", lambda: "bob")
    monkeypatch.setattr(
        runs, "launch_command", lambda run, config, **_: [sys.executable, "-c", "pass", str(run.path)]
    )  # a stand-in process: --detach only queues and returns
    data = tmp_path / "chats.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in ROWS * 4))
    config = tmp_path / "run.json"
    config.write_text(json.dumps({"dataset": str(data), "device": "cpu"}))
    unwritable.add(WHO_FILE)
    assert main(["train", str(config), "--model", str(tiny_model_dir), "--detach"]) == 0
    out, err = capsys.readouterr()
    run_id = out.strip()
    assert runs.find(run_id)  # queued all the same
    said = [line for line in err.splitlines() if WHO_FILE in line]
    assert len(said) == 1 and said[0].startswith(f"warning: run {run_id} started, but its record of who"), err
