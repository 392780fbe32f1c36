"""Who started, stopped, took out of the queue and resumed a run, where it is known (ftlib.run_people): recorded in the
run's who.json, read back into its summary, said by `runs list` / `runs show` and the Train page; nothing invented
for a session without identity (the password alone, an open server), nothing shown for a run from before."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import runs, workspace
from ftlib.cli import main
from ftlib.run_people import WHO_FILE, Who, cli_user, people, record
from ftlib.testing import make_run
from tests.test_leftovers_ui_last_run import CHATS
from tests.test_runs import config, fake_runner  # noqa: F401 (a fixture)

APP = str(Path(__file__).resolve().parents[1] / "app.py")
ANA = Who(name="Ana Lima", email="ana@example.com")
BOB = Who(name="bob", via="cli")


def events(run_id: str) -> list[dict]:
    return json.loads((runs.find(run_id).path / WHO_FILE).read_text())["events"]


def test_who_started_stopped_and_resumed_a_run_is_kept_and_read_back(fake_runner):  # noqa: F811
    first = runs.submit(config("first"), by=BOB)  # trains (a stand-in): the CPU is busy
    waiting = runs.submit(config("waiting"), by=ANA)
    info = runs.find(waiting).summary()
    assert (info.state, info.started_by, info.last_action) == ("queued", "ana@example.com", "")
    # The queue names who started the run ahead: "after ... (training..., started by bob (command line))".
    assert "started by bob (command line)" in runs.queue_place(waiting)
    runs.stop(waiting, by=BOB)
    info = runs.find(waiting).summary()
    assert info.people_text == "started by ana@example.com · removed from the queue by bob (command line)"
    assert info.as_dict()["started_by"] == "ana@example.com"  # `runs list --json`
    # Resumed by a session without identity (the password alone): recorded as nobody, so bob is not shown as the
    # last to act, and nobody is made up.
    runs.resume(waiting, by=None)
    assert runs.find(waiting).summary().people_text == "started by ana@example.com"
    assert [(e["action"], e.get("by", {}).get("email")) for e in events(waiting)] == [
        ("start", "ana@example.com"),
        ("remove", ""),
        ("resume", None),
    ]
    runs.stop(first, by=ANA)  # a running run: asked to stop
    assert runs.find(first).summary().last_action == "stopped by ana@example.com"


def test_a_run_from_before_or_with_a_damaged_record_loads_and_names_nobody(fake_runner):  # noqa: F811
    old = make_run("r-old", state="interrupted", stopped_by="user")  # no who.json: made before runs kept one
    info = old.summary()
    assert (info.started_by, info.last_action, info.people_text, info.unreadable) == ("", "", "", [])
    (old.path / WHO_FILE).write_text('[{"action": "start"')  # cut short
    assert old.summary().people_text == ""
    (old.path / WHO_FILE).write_text(json.dumps({"events": [{"action": "start", "by": {"email": ["x"]}}]}))
    assert old.summary().people_text == ""  # a value of another kind: nobody, not a crash
    assert record(old.path, "resume", ANA)  # a record added to it starts afresh, whole
    assert people(old.path).last_action == "resumed by ana@example.com"
    runs.resume("r-old")  # the engine's default: nobody known
    assert old.summary().people_text == "" and (old.path / WHO_FILE).is_file()


def test_the_cli_records_the_os_account_and_lists_and_shows_who(fake_runner, monkeypatch, capsys):  # noqa: F811
    monkeypatch.setattr(getpass, "getuser", lambda: "bob")
    assert cli_user() == BOB
    busy = runs.submit(config("busy"), by=ANA)
    waiting = runs.submit(config("waiting"))  # queued by someone unknown
    assert main(["runs", "stop", waiting]) == 0
    capsys.readouterr()
    assert main(["runs", "list"]) == 0
    head, *rows = capsys.readouterr().out.splitlines()
    assert "started by" in head
    row = next(r for r in rows if r.startswith(busy))
    assert row.index("ana@example.com") == head.index("started by")  # the column under its heading
    assert main(["runs", "show", waiting]) == 0
    assert "people: removed from the queue by bob (command line)" in capsys.readouterr().out.splitlines()
    assert main(["runs", "resume", waiting]) == 0
    assert runs.find(waiting).summary().last_action == "resumed by bob (command line)"
    capsys.readouterr()
    assert main(["runs", "show", busy, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["started_by"] == "ana@example.com"


def test_a_run_listed_without_anyone_known_keeps_the_table_as_it_was(capsys):
    make_run("r-plain")
    assert main(["runs", "list"]) == 0
    assert "started by" not in capsys.readouterr().out


def test_train_on_the_command_line_records_the_os_account(tiny_model_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(getpass, "getuser", lambda: "carol")
    monkeypatch.setattr(runs, "launch_command", lambda run, config, **_: [sys.executable, "-c", "pass", str(run.path)])
    rows = tmp_path / "chats.jsonl"
    rows.write_text("".join(json.dumps(r) + "\n" for r in CHATS))
    flags = ["--model", str(tiny_model_dir), "--dataset", str(rows), "--max-steps", "2", "--device", "cpu"]
    assert main(["train", *flags, "--detach"]) == 0
    run_id = capsys.readouterr().out.strip()
    assert runs.find(run_id).summary().started_by == "carol (command line)"
    assert events(run_id)[0]["by"] == {"name": "carol", "email": "", "via": "cli"}


AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-long-random-secret",
    "client_id": "studio",
    "client_secret": "s3cret",
    "server_metadata_url": "https://id.example.com/.well-known/openid-configuration",
}


def train_page(model_dir, user: dict | None = None, **state) -> AppTest:
    """The Train page in a new session, signed in as `user` (Streamlit's `st.user`, faked as tests/test_auth.py
    does) or not, with the split `numbers` chosen."""
    at = AppTest.from_file(APP, default_timeout=120)
    if user is not None:
        at.secrets["auth"] = AUTH
        at.user = user
    at.session_state["active_model"] = str(model_dir)
    at.session_state["active_split"] = "numbers"
    for key, value in state.items():
        at.session_state[key] = value
    at.run().switch_page("pages/4_Train.py").run()
    assert not at.exception, at.exception
    return at


def test_the_train_page_records_and_shows_the_signed_in_person(tiny_model_dir, monkeypatch, no_training):
    import ui.auth

    monkeypatch.delenv("FTLIB_PASSWORD", raising=False)
    monkeypatch.setattr(ui.auth, "_authlib_installed", lambda: True)
    workspace.save_split("numbers", CHATS[:10], CHATS[10:])
    ana = {"is_logged_in": True, "name": "Ana Lima", "email": "ana@example.com"}
    at = train_page(tiny_model_dir, ana)
    at.button(key="train_start").click().run()
    assert not at.exception, at.exception
    (run_id,) = [r.id for r in runs.list_runs()]
    assert runs.find(run_id).summary().started_by == "ana@example.com"
    runs.wait(run_id, timeout=120)  # the stand-in ends at once: the run reads interrupted, resumable
    at = train_page(tiny_model_dir, ana, train_selected=run_id)
    assert at.dataframe[-1].value.set_index("id").loc[run_id, "started by"] == "ana@example.com"
    assert any("started by ana@example.com" in c.value for c in at.caption)
    at.button(key=f"resume_{run_id}").click().run()
    assert not at.exception, at.exception
    assert runs.find(run_id).summary().last_action == "resumed by ana@example.com"


def test_the_password_alone_names_nobody(tiny_model_dir, monkeypatch, no_training):
    import ui.auth

    monkeypatch.setenv("FTLIB_PASSWORD", "s3cret-7")
    workspace.save_split("numbers", CHATS[:10], CHATS[10:])
    at = train_page(tiny_model_dir, **{ui.auth._OK_KEY: True})  # past the gate: the password entered
    at.button(key="train_start").click().run()
    assert not at.exception, at.exception
    (run_id,) = [r.id for r in runs.list_runs()]
    assert [e.get("by") for e in events(run_id)] == [None]  # the start recorded, nobody named
    runs.wait(run_id, timeout=120)
    at = train_page(tiny_model_dir, **{ui.auth._OK_KEY: True}, train_selected=run_id)
    assert list(at.dataframe[-1].value["started by"]) == ["-"]  # a hidden column (`runs_table`)
    assert not any("started by" in c.value for c in at.caption)


@pytest.mark.parametrize(
    "user, expected",
    [
        ({"is_logged_in": True, "name": "Ana Lima", "email": "ana@example.com"}, ANA),
        ({"is_logged_in": True, "email": "ana@example.com"}, Who(email="ana@example.com")),
        ({"is_logged_in": False}, None),
        ({"is_logged_in": True}, None),  # an identity provider that gave neither: nobody, nothing invented
        ({}, None),  # an open server: Streamlit's user without a sign-in
    ],
)
def test_who_is_the_signed_in_person_or_nobody(monkeypatch, user, expected):
    from types import SimpleNamespace

    import ui.auth

    monkeypatch.setattr(ui.auth, "st", SimpleNamespace(user=SimpleNamespace(to_dict=lambda: user)))
    assert ui.auth.who() == expected


def test_a_queued_runs_caption_says_its_own_starter_before_the_runs_ahead(tiny_model_dir, fake_runner):  # noqa: F811
    """The queue's words name who started the run ahead; the run's own people come before them, so two "started by"
    of one person do not read as one run's starter said twice (ui.run_view.run_caption)."""
    workspace.save_split("numbers", CHATS[:10], CHATS[10:])
    runs.submit(config("first"), by=ANA)  # trains (a stand-in): the CPU is busy
    waiting = runs.submit(config("waiting"), by=ANA)
    at = train_page(tiny_model_dir, train_selected=waiting)
    (caption,) = [c.value for c in at.caption if "Queued: " in c.value]
    own, queue = caption.index("started by ana@example.com"), caption.index("Queued: ")
    assert own < queue and caption.count("started by ana@example.com") == 2, caption
