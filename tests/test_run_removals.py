"""Who did what on a shared server, three leftovers: who deleted a run is kept in the workspace's removals log (a run's
who.json goes with its folder) and told once to a session that had the run chosen on Train, Compare or Evaluate; a
record of who did what that cannot be written says so (a CLI `warning:` line, a server log line), the action done;
and a path typed in the browser reads none of the workspace's records (who.json, the hidden records, the locks)."""

from __future__ import annotations

import getpass
import logging
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import run_people, runs, stored_people, workspace
from ftlib.bookkeeping import check_data_path
from ftlib.cli import main
from ftlib.run_people import WHO_FILE, Who
from ftlib.testing import make_run
from ftlib.workspace import PathNotAllowed
from tests.test_run_people import AUTH
from tests.test_runs import fake_runner  # noqa: F401 (a fixture)

APP = str(Path(__file__).resolve().parents[1] / "app.py")
ANA = Who(name="Ana Lima", email="ana@example.com")
BOB = Who(name="bob", via="cli")
BOB_DELETED = "was deleted by bob (command line)."


def session(model: Path, page: str, **state) -> AppTest:
    """A new browser session on `page`, with `state` set before its first run."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(model)
    for key, value in state.items():
        at.session_state[key] = value
    at = at.run().switch_page(page).run()
    assert not at.exception, at.exception
    return at


def warnings_said(at: AppTest, about: str = "") -> list[str]:
    """The page's warnings (those naming the run `about`: "`r-1`")."""
    return [w.value for w in at.warning if about in w.value]


# ------------------------------------------------------------------------------------------------------------------
# 1. Who deleted a run
# ------------------------------------------------------------------------------------------------------------------


def test_a_deleted_run_is_in_the_removals_log_with_who_deleted_it_and_a_refused_one_is_not():
    make_run("r-gone")
    make_run("r-busy", state="running")
    runs.delete("r-gone", by=BOB)
    said = stored_people.removal("run", "r-gone")
    assert said is not None and said.by == BOB and said.at > time.time() - 60
    assert stored_people.removed_by("run", "r-gone") == " by bob (command line)"
    with pytest.raises(runs.RunError, match="still running"):
        runs.delete("r-busy", by=BOB)
    assert stored_people.removal("run", "r-busy") is None  # nothing recorded for a delete that did not happen
    make_run("r-anon")
    runs.delete("r-anon")  # a session without identity: recorded, naming nobody
    assert stored_people.removal("run", "r-anon").by is None and stored_people.removed_by("run", "r-anon") == ""


def test_runs_delete_on_the_command_line_records_the_os_account(monkeypatch, capsys):
    monkeypatch.setattr(getpass, "getuser", lambda: "bob")
    make_run("r-cli")
    assert main(["runs", "delete", "r-cli", "--yes"]) == 0
    assert capsys.readouterr().err == ""
    assert stored_people.removal("run", "r-cli").by == BOB


def test_the_train_page_records_who_deleted_and_tells_a_session_that_had_the_run_open(tiny_model_dir, monkeypatch):
    """Ana (signed in) deletes r-shared on her Train page; Bob had it open in his: his page says who deleted it,
    once, where it said "perhaps from another tab or the command line"."""
    import ui.auth

    monkeypatch.delenv("FTLIB_PASSWORD", raising=False)
    monkeypatch.setattr(ui.auth, "_authlib_installed", lambda: True)
    make_run("r-shared", {"model": str(tiny_model_dir)})
    make_run("r-other", {"model": str(tiny_model_dir)})
    bob = session(tiny_model_dir, "pages/4_Train.py", train_selected="r-shared")
    ana = AppTest.from_file(APP, default_timeout=120)
    ana.secrets["auth"] = AUTH
    ana.user = {"is_logged_in": True, "name": "Ana Lima", "email": "ana@example.com"}
    ana.session_state["active_model"] = str(tiny_model_dir)
    ana.session_state["train_selected"] = "r-shared"
    ana.run().switch_page("pages/4_Train.py").run()
    ana.button(key="delete_ask_r-shared").click().run()
    ana.button(key="delete_r-shared").click().run()
    assert not ana.exception, ana.exception
    assert stored_people.removal("run", "r-shared").by == ANA
    assert warnings_said(ana, "`r-shared`") == []  # her own delete: its success message says it
    bob.run()
    assert not bob.exception, bob.exception
    assert warnings_said(bob, "`r-shared`") == ["Run `r-shared` was deleted by ana@example.com."]
    bob.run()
    assert warnings_said(bob, "`r-shared`") == []  # said once


def config(model: Path) -> dict:
    return {"model": str(model), "dataset": "sums", "template": "tokenizer", "method": "lora"}


def test_compare_and_evaluate_say_who_deleted_the_chosen_run_once(varied_dir, adapter_template):
    """A run chosen on Compare (and one on Evaluate) deleted from the command line: the box quietly moved to another
    run, or to none; now a line above it says which run went and who deleted it, once."""
    make_run("20260101-000000-lora-keep", config(varied_dir), adapter=adapter_template, created=time.time() - 60)
    make_run("20260102-000000-lora-mine", config(varied_dir), adapter=adapter_template, created=time.time())
    make_run("20260103-000000-lora-eval", config(varied_dir), adapter=adapter_template, created=time.time() - 30)
    compare = session(varied_dir, "pages/5_Compare.py")
    compare.multiselect(key="compare_runs").set_value(["20260102-000000-lora-mine"]).run()
    evaluate = session(varied_dir, "pages/6_Evaluate.py")
    evaluate.selectbox(key="evaluate_pick").set_value("20260103-000000-lora-eval").run()
    assert not compare.exception and not evaluate.exception
    runs.delete("20260102-000000-lora-mine", by=BOB)
    runs.delete("20260103-000000-lora-eval", by=BOB)
    compare.run()
    assert not compare.exception, compare.exception
    assert f"Run `20260102-000000-lora-mine` {BOB_DELETED}" in warnings_said(compare)
    evaluate.run()
    assert not evaluate.exception, evaluate.exception
    assert f"Run `20260103-000000-lora-eval` {BOB_DELETED}" in warnings_said(evaluate)
    compare.run()
    evaluate.run()
    assert not any(BOB_DELETED in w for w in warnings_said(compare) + warnings_said(evaluate))  # once
    compare.switch_page("pages/6_Evaluate.py").run()  # the run this session chose: told on Compare, not again here
    assert not compare.exception, compare.exception
    assert warnings_said(compare, "lora-mine") == []


def test_evaluate_says_who_deleted_the_last_finished_run_before_saying_there_is_none(varied_dir, adapter_template):
    """The only finished run deleted while Evaluate had it chosen: the page stops at "No finished run yet", and says
    first which run went and who deleted it (it stopped before its picker, which says it otherwise)."""
    make_run("20260104-000000-lora-only", config(varied_dir), adapter=adapter_template, created=time.time())
    evaluate = session(varied_dir, "pages/6_Evaluate.py")
    assert evaluate.selectbox(key="evaluate_pick").value == "20260104-000000-lora-only"
    runs.delete("20260104-000000-lora-only", by=BOB)
    evaluate.run()
    assert not evaluate.exception, evaluate.exception
    assert any("No finished run yet" in i.value for i in evaluate.info)
    assert f"Run `20260104-000000-lora-only` {BOB_DELETED}" in warnings_said(evaluate)


# ------------------------------------------------------------------------------------------------------------------
# 2. A record that cannot be written says so, the action done
# ------------------------------------------------------------------------------------------------------------------


@pytest.fixture
def unwritable(monkeypatch):
    """Writes of the named files fail as on a folder this account may not write (the tests run as root, which a
    read-only folder does not stop); every other write goes through."""
    names: set[str] = set()
    write = workspace.write_files

    def refuse(files, **kw):
        for path in files:
            if Path(path).name in names:
                raise PermissionError(13, "Permission denied", str(path))
        return write(files, **kw)

    monkeypatch.setattr(workspace, "write_files", refuse)
    return names


def test_a_who_json_that_cannot_be_written_is_one_warning_line_and_the_stop_is_done(
    unwritable,
    capsys,
    fake_runner,  # noqa: F811
):
    fake_runner["code"] = "pass"  # the resume below starts it: a stand-in that ends at once
    make_run("r-queued", state="queued")
    unwritable.add(WHO_FILE)
    assert main(["runs", "stop", "r-queued"]) == 0
    err = capsys.readouterr().err.splitlines()
    where = runs.find("r-queued").path / WHO_FILE
    assert err == [
        f"warning: run r-queued removed from the queue, but its record of who did what ({WHO_FILE}) is not updated: "
        f"cannot write {where}: permission denied."
    ]
    assert runs.find("r-queued").summary().state == "interrupted"  # the stop is done all the same
    assert main(["runs", "resume", "r-queued"]) == 0
    assert capsys.readouterr().err.startswith("warning: run r-queued resumed, but its record")


def test_a_removals_log_that_cannot_be_written_warns_and_the_run_is_deleted(unwritable, capsys, monkeypatch):
    monkeypatch.setattr(getpass, "getuser", lambda: "bob")
    make_run("r-del")
    unwritable.add(stored_people.REMOVALS_FILE)
    assert main(["runs", "delete", "r-del", "--yes"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("deleted r-del")
    assert err.splitlines() == [
        "warning: run r-del deleted, but who did it is not recorded in the workspace's removals log: cannot write "
        f"{workspace.workspace_dir() / stored_people.REMOVALS_FILE}: permission denied."
    ]
    assert not (workspace.runs_dir() / "r-del").exists()


def test_on_the_server_an_unwritten_record_is_a_log_line(unwritable, caplog):
    """The pages call the engine as the CLI does: the server's log says it (the person's action is done)."""
    run = make_run("r-page", state="queued")
    unwritable.update({WHO_FILE, ".chats.jsonl.by.json"})
    with caplog.at_level(logging.WARNING, logger="ftlib.people"):
        runs.stop("r-page", by=ANA)
        upload = workspace.uploads_dir() / "chats.jsonl"
        upload.parent.mkdir(parents=True, exist_ok=True)
        upload.write_text("{}\n")
        assert not stored_people.record_upload(upload, ANA)
    said = [r.getMessage() for r in caplog.records if r.name == "ftlib.people"]
    assert len(said) == 2, said
    assert said[0].startswith("run r-page removed from the queue, but its record of who did what")
    assert str(run.path / WHO_FILE) in said[0]
    assert said[1].startswith("upload chats.jsonl stored, but who uploaded it is not recorded: cannot write")
    assert run.summary().state == "interrupted"


def test_a_record_written_says_nothing(caplog):
    make_run("r-fine", state="queued")
    with caplog.at_level(logging.WARNING, logger="ftlib.people"):
        runs.stop("r-fine", by=ANA)
    assert [r for r in caplog.records if r.name == "ftlib.people"] == []
    assert run_people.people(runs.find("r-fine").path).last_action == "removed from the queue by ana@example.com"


# ------------------------------------------------------------------------------------------------------------------
# 3. A typed path reads none of the workspace's records
# ------------------------------------------------------------------------------------------------------------------


def bookkeeping_files() -> dict[str, Path]:
    """Each kind of file the workspace keeps for itself, as the engine writes it."""
    make_run("r-rec", state="queued")
    runs.stop("r-rec", by=ANA)  # its who.json, and its lock
    upload = workspace.uploads_dir() / "20261205-150301-ab12cd-chats.jsonl"
    upload.write_text('{"messages": []}\n')
    stored_people.record_upload(upload, ANA)
    stored_people.record_removal("split", "old", ANA)
    partial = workspace.runs_dir() / ".r-new.partial"
    partial.mkdir()
    (partial / "config.json").write_text("{}")
    files = {
        "who": workspace.runs_dir() / "r-rec" / WHO_FILE,
        "removals": workspace.workspace_dir() / stored_people.REMOVALS_FILE,
        "uploader": stored_people.record_path(upload),
        "lock": workspace.runs_dir() / "r-rec" / ".who.lock",
        "hidden folder": partial / "config.json",
    }
    assert all(p.is_file() for p in files.values()), [k for k, p in files.items() if not p.is_file()]
    return files


@pytest.mark.parametrize("kind", ["who", "removals", "uploader", "lock", "hidden folder"])
def test_a_typed_path_to_a_workspace_record_is_refused_saying_what_it_is_and_what_to_do(kind):
    path = bookkeeping_files()[kind]
    with pytest.raises(PathNotAllowed) as refused:
        check_data_path(str(path))
    said = str(refused.value)
    assert said.startswith(f"The data file '{path}' is ") and "one of this server's own files, not data" in said
    assert "Give the path of a data file, or upload it." in said
    assert workspace.check_browser_path(str(path), workspace.data_roots()) == path.resolve()  # allowed before


def test_data_files_stay_readable_also_hidden_ones_outside_the_workspace(tmp_path, monkeypatch):
    files = bookkeeping_files()
    upload = workspace.uploads_dir() / "20261205-150301-ab12cd-chats.jsonl"
    split = workspace.save_split("sums", [{"text": "a"}], [{"text": "b"}])
    own = tmp_path / "team-data"
    (own / ".hidden").mkdir(parents=True)
    for name in (".hidden/chats.jsonl", ".chats.jsonl", WHO_FILE):  # the user's own files, named as they like
        (own / name).write_text('{"text": "a"}\n')
    monkeypatch.setenv("FTLIB_DATA_DIRS", str(own))
    for path in (upload, split / "train.jsonl", own / ".hidden/chats.jsonl", own / ".chats.jsonl", own / WHO_FILE):
        assert check_data_path(str(path)) == path.resolve()
    link = own / "innocent.jsonl"  # a link in an allowed folder is judged where it leads
    link.symlink_to(files["who"])
    with pytest.raises(PathNotAllowed, match="who started, stopped and resumed it"):
        check_data_path(str(link))


def test_the_data_pages_path_boxes_refuse_a_who_json():
    who = bookkeeping_files()["who"]
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/1_Data.py").run()
    at.radio(key="data_source").set_value("Local path").run()
    at.text_input(key="data_path").input(str(who)).run()
    assert not at.exception, at.exception
    said = " ".join(e.value for e in at.error)
    assert "a run's record of who started, stopped and resumed it" in said and "upload it" in said, said
    assert "ana@example.com" not in " ".join(str(m.value) for m in (*at.markdown, *at.caption, *at.dataframe))


def test_the_own_test_file_box_refuses_the_removals_log(tmp_path, monkeypatch):
    from tests.test_pages_data_own_split import TRAIN, data_page, own_test_file, write_jsonl

    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))
    removals = bookkeeping_files()["removals"]
    at = own_test_file(data_page(write_jsonl(tmp_path / "chats.jsonl", TRAIN)), removals)
    errors = [e.value for e in at.error]
    assert errors == [
        f"**Test file**: The test file '{removals}' is the record of who removed which upload, split and run: one of "
        "this server's own files, not data, which the browser may not read (its records name the people working "
        "here). Give the path of a data file, or upload it."
    ], errors
    assert at.button(key="split_save").disabled
