"""A path typed in the Data page's Local path and Test file boxes reads none of the workspace's own files that are
not data (ftlib/bookkeeping.py): the choices a new session starts from (Compare's prompt among them, what someone
typed) and a run's config.json, status.json, env.json and its other files, beside the records of who did what.
Uploads, saved splits, a run's own copy of its rows and a file someone put in the workspace's folder stay readable;
the CLI is not limited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import models, workspace
from ftlib.bookkeeping import bookkeeping_words, check_data_path
from ftlib.cli import main
from ftlib.data import load_file
from ftlib.rundir import RunDir
from ftlib.testing import make_run
from ftlib.workspace import PathNotAllowed

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PROMPT = "Draft the letter to Ana about her pay rise"  # typed in Compare's prompt box by someone else
ROWS = '{"prompt": "Hi?", "completion": "Hello."}\n'


def workspace_files() -> dict[str, Path]:
    """Each file the workspace keeps that is not data, as the engine writes it."""
    workspace.remember_choice("compare_prompt", PROMPT)
    workspace.save_split("sums", [{"text": "a"}], [{"text": "b"}])
    workspace.remember_active_split("sums")
    models.remember_model(workspace.workspace_dir(), "/srv/models/my-qwen")
    run = make_run("r-1", metrics=[{"kind": "train", "step": 1, "loss": 1.5}])
    RunDir(run.path).write_env({"FTLIB_THREADS": "2"})
    (run.path / "evaluations").mkdir()
    (run.path / "evaluations" / "kept.json").write_text("{}")
    root = workspace.workspace_dir()
    files = {
        "choice": root / workspace.CHOICES_DIR / "compare_prompt.json",
        "active split": root / workspace.ACTIVE_SPLIT_FILE,
        "last model": root / models.LAST_MODEL_FILE,
        "run config": run.path / "config.json",
        "run status": run.path / "status.json",
        "run env": run.path / "env.json",
        "run metrics": run.path / "metrics.jsonl",
        "run evaluation": run.path / "evaluations" / "kept.json",
    }
    assert all(p.is_file() for p in files.values()), [k for k, p in files.items() if not p.is_file()]
    return files


# kind -> (what the refusal says the file is, what it says to give instead)
REFUSED = {
    "choice": ("a choice kept for the sessions to come", "Give the path of a data file, or upload it."),
    "active split": ("the record of the split a new session starts from", "Give the path of a data file"),
    "last model": ("the record of the model a new session starts from", "Give the path of a data file"),
    "run config": ("a run's settings (its config.json)", "split/train.jsonl and split/test.jsonl in its folder"),
    "run status": ("a run's state and messages (its status.json)", "split/train.jsonl"),
    "run env": ("the server settings a run was queued with (its env.json)", "split/train.jsonl"),
    "run metrics": ("one of a run's own files (its metrics, log, kept results or weights)", "split/train.jsonl"),
    "run evaluation": ("one of a run's own files", "split/train.jsonl"),
}


@pytest.mark.parametrize("kind", list(REFUSED))
def test_a_typed_path_to_a_workspace_file_that_is_not_data_is_refused_saying_what_it_is_and_what_to_do(kind):
    path = workspace_files()[kind]
    assert workspace.check_browser_path(str(path), workspace.data_roots()) == path.resolve()  # an allowed folder
    with pytest.raises(PathNotAllowed) as refused:
        check_data_path(str(path), what="test file")
    said = str(refused.value)
    what, instead = REFUSED[kind]
    assert said.startswith(f"The test file '{path}' is {what}") and "one of this server's own files, not data" in said
    assert instead in said and "upload it." in said, said
    assert bookkeeping_words(path.resolve()).startswith(what)


def test_uploads_saved_splits_a_runs_rows_and_files_put_in_the_workspace_stay_readable():
    choice = workspace_files()["choice"]
    root = workspace.workspace_dir()
    upload = workspace.save_upload("config.json", b'[{"prompt": "Hi?", "completion": "Hello."}]')  # named so
    choices_upload = workspace.save_upload("choices.jsonl", ROWS.encode())
    split = workspace.save_split("pairs", [{"text": "a"}], [{"text": "b"}])
    run = make_run("r-2")
    kept = workspace.keep_run_split(run.path, [{"text": "a"}], [{"text": "b"}], {})
    own = [root / "team" / "config.json", root / "team" / "choices" / "chats.json", root / "runs" / "chats.jsonl"]
    for path in own:  # a teammate's own data, put in the workspace's folder and named as they like
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(ROWS if path.suffix == ".jsonl" else f"[{ROWS.strip()}]")
    readable = [upload, choices_upload, split / "train.jsonl", split / "test.jsonl", kept / "train.jsonl"]
    for path in [*readable, kept / "test.jsonl", *own]:
        assert check_data_path(str(path)) == path.resolve(), path
        assert bookkeeping_words(path.resolve()) == ""
    assert [len(load_file(check_data_path(str(p))).rows) for p in (upload, choices_upload, *own)] == [1] * 5
    link = root / "team" / "innocent.jsonl"  # a link in an allowed folder is judged where it leads
    link.symlink_to(choice)
    with pytest.raises(PathNotAllowed, match="a choice kept for the sessions to come"):
        check_data_path(str(link))


def test_the_command_line_still_reads_any_path(capsys):
    status = workspace_files()["run status"]
    main(["data", "inspect", str(status)])
    assert "one of this server's own files" not in capsys.readouterr().err


def test_the_data_pages_local_path_refuses_a_remembered_choice_and_shows_none_of_it():
    choice = workspace_files()["choice"]
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/1_Data.py").run()
    at.radio(key="data_source").set_value("Local path").run()
    at.text_input(key="data_path").input(str(choice)).run()
    assert not at.exception, at.exception
    said = " ".join(e.value for e in at.error)
    assert "a choice kept for the sessions to come" in said and "upload it" in said, said
    assert PROMPT not in " ".join(str(m.value) for m in (*at.markdown, *at.caption, *at.dataframe, *at.code))


def test_the_own_test_file_box_refuses_a_runs_env_json(tmp_path, monkeypatch):
    from tests.test_pages_data_own_split import TRAIN, data_page, own_test_file, write_jsonl

    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))
    env = workspace_files()["run env"]
    at = own_test_file(data_page(write_jsonl(tmp_path / "chats.jsonl", TRAIN)), env)
    errors = [e.value for e in at.error]
    assert errors == [
        f"**Test file**: The test file '{env}' is the server settings a run was queued with (its env.json): one of "
        "this server's own files, not data, which the browser may not read (a run's files hold the server's own "
        "settings, paths and messages). A run's rows are the files split/train.jsonl and split/test.jsonl in its "
        "folder; or give the path of a data file, or upload it."
    ], errors
    assert at.button(key="split_save").disabled
    json.loads(env.read_text())  # left as it was


def test_checking_a_path_makes_no_folder_in_the_workspace():
    """The check is a read: on a workspace with no runs yet it made `runs/` (`workspace.runs_dir()` creates it), which
    on a read-only workspace would fail with a PermissionError instead of reading the file."""
    root = workspace.workspace_dir()
    upload = root / "team" / "march" / "chats.jsonl"
    upload.parent.mkdir(parents=True, exist_ok=True)
    upload.write_text(ROWS, encoding="utf-8")
    before = sorted(p.name for p in root.iterdir())
    assert check_data_path(str(upload)) == upload.resolve()
    assert sorted(p.name for p in root.iterdir()) == before


def test_a_runs_folder_typed_is_said_to_be_a_folder_not_one_of_its_files():
    """`<ws>/runs/ID/split` was refused as "one of a run's own files (its metrics, log, ...)": it is the folder that
    holds the run's rows, and the reader says so ("is a folder; choose a ... file inside it")."""
    run = make_run("r-1", metrics=[{"kind": "train", "step": 1, "loss": 1.5}])
    folder = run.path / workspace.RUN_SPLIT_DIR
    folder.mkdir(exist_ok=True)
    assert check_data_path(str(folder)) == folder.resolve()
    with pytest.raises(Exception, match="is a folder; choose a"):
        load_file(folder)
    with pytest.raises(PathNotAllowed, match="a run's settings"):
        check_data_path(str(run.path / "config.json"))
