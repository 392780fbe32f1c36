"""A path typed with `~name` for a user this machine does not know (or `~` where no home folder can be found) is
read as typed, so the command's own check names it: `Path.expanduser()` raised RuntimeError, and `train --dataset
'~nosuchuser/x.jsonl'` ended in a traceback, as did `sample --model`, `evaluate` and the stored-files list."""

from __future__ import annotations

import pytest

from ftlib import stored_data
from ftlib.cli import main
from ftlib.user_paths import user_path

UNKNOWN = "~nosuchuser-ftlib"


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "--dataset", f"{UNKNOWN}/x.jsonl", "--max-steps", "1"],
        ["sample", "--model", f"{UNKNOWN}/m", "--prompt", "hi"],
        ["evaluate", f"{UNKNOWN}/run"],
        ["data", "inspect", f"{UNKNOWN}/x.jsonl"],
    ],
)
def test_an_unknown_users_home_is_one_error_line_naming_the_path(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and UNKNOWN in err, err


def test_no_home_folder_at_all_is_read_as_typed(monkeypatch):
    """A container's bare uid: no HOME, no password-database entry."""
    import pwd

    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.setattr(pwd, "getpwuid", lambda uid: (_ for _ in ()).throw(KeyError(uid)))
    assert str(user_path("~/x.jsonl")) == "~/x.jsonl"


def test_the_stored_files_list_reads_a_run_whose_data_names_an_unknown_users_home():
    from ftlib import runs
    from ftlib.config import RunConfig

    runs.create_run(RunConfig(dataset=f"{UNKNOWN}/x.jsonl", name="typo", device="cpu"))
    assert stored_data.list_stored() == []
