"""A cold walk of the training lifecycle on a shared server (helper 118): two people behind the password alone, one
deleting the other's run while the other had it open on Train.

Stops and resumes from a browser without identity were recorded as such ("stopped in a browser by someone not signed
in"), but a delete was recorded as nobody's: the teammate's page guessed "Run `…` was deleted, perhaps from another
tab or the command line." when it was neither."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from ftlib import stored_people
from ftlib.run_people import UNNAMED_BROWSER
from ftlib.testing import make_run

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def test_a_removal_by_a_browser_without_identity_is_said_as_a_stop_is():
    stored_people.record_removal("run", "r-browser", UNNAMED_BROWSER)
    stored_people.record_removal("run", "r-nobody", None)
    assert stored_people.removal("run", "r-browser").by == UNNAMED_BROWSER
    assert stored_people.removed_by("run", "r-browser") == " in a browser by someone not signed in"
    assert stored_people.removed_by("run", "r-nobody") == ""  # nobody named: nothing invented


def session(model: Path, selected: str) -> AppTest:
    """A browser session that entered the shared password, on Train with the run `selected` open."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["_ftlib_authenticated"] = True
    at.session_state["active_model"] = str(model)
    at.session_state["train_selected"] = selected
    at = at.run().switch_page("pages/4_Train.py").run()
    assert not at.exception, at.exception
    return at


def test_a_run_deleted_by_a_teammate_behind_the_password_is_said_deleted_in_a_browser(tiny_model_dir, monkeypatch):
    monkeypatch.setenv("FTLIB_PASSWORD", "a-long-shared-password")
    make_run("r-bens", {"model": str(tiny_model_dir)})
    make_run("r-anas", {"model": str(tiny_model_dir)})
    ben = session(tiny_model_dir, "r-bens")
    ana = session(tiny_model_dir, "r-bens")
    ana.button(key="delete_ask_r-bens").click().run()
    ana.button(key="delete_r-bens").click().run()
    assert not ana.exception, ana.exception
    assert stored_people.removal("run", "r-bens").by == UNNAMED_BROWSER
    ben.run()
    assert not ben.exception, ben.exception
    said = [w.value for w in ben.warning if "`r-bens`" in w.value]
    # No sign-in on this server (the password alone): no one is named, the reader's own tab included (helper 247)
    assert said == ["Run `r-bens` was deleted in a browser (this server has no sign-in)."], said


def bar_text(model: Path, selected: str) -> str:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(model)
    at.session_state["train_selected"] = selected
    at = at.run().switch_page("pages/4_Train.py").run()
    assert not at.exception, at.exception
    return at.get("progress")[0].proto.text


def test_a_resumed_runs_time_is_said_in_all_not_training_as_it_holds_each_attempts_loading(tiny_model_dir):
    """The walk: stopped at step 7, the bar read "0:00:39 in all: 0:00:17 loading, 0:00:21 training"; once Resume
    was pressed, "0:00:39 training" (the same 39 s), and at the end "0:01:44 training (0:00:39 before the stop +
    0:01:05 after resuming)", each part with its model's loading in it."""
    steps = [{"kind": "train", "step": s, "loss": 1.0, "elapsed": 3.0 * s} for s in range(1, 8)]
    model = {"model": str(tiny_model_dir)}
    make_run("r-waits", model, state="queued", max_steps=12, parts_s=[39.0], metrics=steps)
    bar = bar_text(tiny_model_dir, "r-waits")
    assert bar.startswith("step 7 of 12 · 0:00:39 in all") and "training" not in bar, bar
    make_run("r-resumed", model, max_steps=7, parts_s=[39.0, 65.0], metrics=steps)
    bar = bar_text(tiny_model_dir, "r-resumed")
    assert bar.startswith("step 7 of 7 · 0:01:44 in all (0:00:39 before the stop + 0:01:05 after resuming)"), bar
