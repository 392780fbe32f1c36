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


def _home(model_dir, user: dict | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if user is not None:
        from tests.test_run_people import AUTH

        at.secrets["auth"] = AUTH
        at.user = user
    at.session_state["active_model"] = str(model_dir)
    return at.run()  # the first run only: AppTest draws app.py's sidebar on a session's first run alone


def _signed_in_note():
    from ui.auth import signed_in_note

    signed_in_note()


ANA_SIGNED_IN = {"is_logged_in": True, "name": "Ana Lima", "email": "ana@example.com"}


def test_the_sidebar_says_who_is_signed_in(tiny_model_dir, monkeypatch):
    import ui.auth

    monkeypatch.delenv("FTLIB_PASSWORD", raising=False)
    monkeypatch.setattr(ui.auth, "_authlib_installed", lambda: True)
    at = _home(tiny_model_dir, ANA_SIGNED_IN)
    assert not at.exception, at.exception
    # Nothing said which identity a start, stop or rename is recorded under, and no page could sign out (a shared
    # computer, a second account): the walk's two people could not tell.
    assert any(c.value.startswith("Signed in as ana@example.com") for c in at.sidebar.caption)
    assert [b.label for b in at.sidebar.button] == ["Sign out"]
    # The password alone, or an open server: nobody to name, nothing to sign out of.
    at = _home(tiny_model_dir, None)
    assert not at.exception, at.exception
    assert not any("Signed in as" in c.value for c in at.sidebar.caption)
    assert not at.sidebar.button


def test_sign_out_forgets_the_sign_in(monkeypatch):
    import streamlit as st

    signed_out = []
    monkeypatch.setattr(st, "logout", lambda: signed_out.append(True))
    at = AppTest.from_function(_signed_in_note, default_timeout=60)
    at.user = ANA_SIGNED_IN
    at.run()
    assert [c.value for c in at.caption] == [
        "Signed in as ana@example.com: the runs you start, stop, resume or rename say so."
    ]
    at.button(key="auth_sign_out").click().run()  # the browser is sent to Streamlit's logout, then to the gate
    assert not at.exception, at.exception
    assert signed_out == [True]
    at = AppTest.from_function(_signed_in_note, default_timeout=60)
    at.user = {"is_logged_in": False}
    assert not at.run().caption and not at.button


def _evaluate_picker():
    import streamlit as st

    from ftlib import modelset as M
    from ui.run_choice import gone_notes, pick_run, pick_runs

    finished = M.list_run_adapters()
    if st.session_state.get("several"):
        pick_runs("Fine-tuned models", finished, key="compare_pick")
    elif finished:
        pick_run("Run", finished, key="evaluate_pick")
    else:
        gone_notes("evaluate_pick")


def test_compare_and_evaluate_say_your_own_run_is_still_training(tiny_model_dir, tmp_path):
    """Ana resumed her run on Train and opened Evaluate (and Compare) while it trained: the pickers offered bob's
    finished run alone, with no word of hers, as if it were lost."""
    from tests.test_run_picker import empty_adapter
    from ui.run_choice import OWN_KEY

    config = {"model": str(tiny_model_dir), "dataset": "chat_style", "max_steps": 10, "name": "ana pirate run"}
    steps = [{"kind": "train", "step": s, "loss": 2.0 - 0.1 * s} for s in (1, 2, 3)]
    make_run("r-ana", config, state="running", step=3, max_steps=10, metrics=steps)
    at = AppTest.from_function(_evaluate_picker, default_timeout=60)
    at.session_state[OWN_KEY] = "r-ana"  # started (or picked) on Train in this session
    at.run()
    assert not at.exception, at.exception
    said = [c.value for c in at.caption]
    assert any("ana pirate run" in c and "still training (step 3 of 10)" in c for c in said), said
    make_run("r-bob", {**config, "name": "bob quick test"}, adapter=empty_adapter(tmp_path))
    for several in (False, True):  # Evaluate's picker, then Compare's
        at.session_state["several"] = several
        at.run()
        assert not at.exception, at.exception
        assert any("ana pirate run" in c.value and "offered here once it finishes" in c.value for c in at.caption)
    runs_module_state("r-ana", "stopped")  # stopped, not training: nothing said
    at.run()
    assert not any("still training" in c.value for c in at.caption)


def runs_module_state(run_id: str, state: str) -> None:
    from ftlib import runs

    runs.find(run_id).update_status(state=state)
