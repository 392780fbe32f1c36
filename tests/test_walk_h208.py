"""Helper 208's walk of a team server (two people signed in with OIDC, one workspace): bob stopped ana's run, then
renamed it, and every page and `runs show` then said "started by ana · renamed by bob": who stopped the run was no
longer said anywhere but in who.json. And the Train page's "Rename…" said what it did once, so the next poll of a page
following an active run (every second or so) took the sentence away before it could be read."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from ftlib.cli import main
from ftlib.run_people import UNNAMED_BROWSER, Who, people, record
from ftlib.run_rename import rename
from ftlib.testing import make_run

APP = str(Path(__file__).resolve().parents[1] / "app.py")
ANA = Who(name="Ana Lima", email="ana@example.com")
BOB = Who(name="Bob Stone", email="bob@example.com")


def test_a_rename_keeps_who_stopped_the_run_said(capsys):
    run = make_run("r-ana", state="interrupted", stopped_by="user")
    record(run.path, "start", ANA)
    record(run.path, "stop", BOB)
    rename("r-ana", "bob took this", by=BOB)
    # Both said, in the order they were done: the stop is what the run's state is about.
    assert run.summary().people_text == (
        "started by ana@example.com · stopped by bob@example.com · renamed by bob@example.com"
    )
    assert main(["runs", "show", "r-ana"]) == 0
    assert "people: started by ana@example.com · stopped by bob@example.com · renamed by bob@example.com" in (
        capsys.readouterr().out.splitlines()
    )
    record(run.path, "resume", ANA)  # a later stop or resume is said with the rename before it
    assert people(run.path).last_action == "renamed by bob@example.com · resumed by ana@example.com"
    rename("r-ana", "ana's again", by=UNNAMED_BROWSER)  # by nobody known: the rename before it is not kept as the last
    assert people(run.path).last_action == "resumed by ana@example.com · renamed in a browser by someone not signed in"


def test_a_rename_alone_is_said_as_before():
    run = make_run("r-solo")
    record(run.path, "start", ANA)
    rename("r-solo", "solo", by=BOB)
    rename("r-solo", "solo 2", by=ANA)  # the last rename is the one said
    assert people(run.path).last_action == "renamed by ana@example.com"


def _page(model_dir) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(model_dir)
    at.run().switch_page("pages/4_Train.py").run()
    at.session_state["train_selected"] = "r-pirates"
    return at.run()


def _said(at: AppTest) -> list[str]:
    return [s.value for s in (*at.success, *at.error, *at.warning)]


def test_what_rename_did_is_still_said_on_the_next_run_of_the_page(tiny_model_dir):
    make_run("r-pirates", {"model": str(tiny_model_dir), "name": "pirates"})
    make_run("r-other", {"model": str(tiny_model_dir), "name": "other"})
    at = _page(tiny_model_dir)
    at.button(key="rename_ask_r-pirates").click().run()
    at.text_input(key="rename_to_r-pirates").set_value("r-other").run()
    at.button(key="rename_r-pirates").click().run()
    refused = [s for s in _said(at) if s.startswith("Could not rename the run: 'r-other' is the id of another run")]
    assert refused
    at.run()  # the next poll of a page following an active run (a fragment's rerun) redraws the controls
    assert not at.exception, at.exception
    assert refused[0] in _said(at)  # still said beside the box it is about
    at.text_input(key="rename_to_r-pirates").set_value("pirate v2").run()
    at.button(key="rename_r-pirates").click().run()
    done = "Run `r-pirates` is now named 'pirate v2' (it was 'pirates'); its id stays."
    assert done in _said(at) and refused[0] not in _said(at)
    at.run()
    assert done in _said(at)  # it was gone here
    rename("r-pirates", "ana's name", by=ANA)  # renamed again elsewhere: the sentence is no longer true
    at.run()
    assert done not in _said(at)
    at.button(key="rename_ask_r-pirates").click().run()
    at.text_input(key="rename_to_r-pirates").set_value("pirate v3").run()
    at.button(key="rename_r-pirates").click().run()
    assert any("now named 'pirate v3'" in s for s in _said(at))
    at.session_state["train_selected"] = "r-other"  # another run shown: nothing said of the first
    at.run()
    assert not any("now named" in s for s in _said(at))
    at.session_state["train_selected"] = "r-pirates"
    at.run()
    assert not any("now named" in s for s in _said(at))
