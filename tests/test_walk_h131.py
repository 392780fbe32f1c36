"""Helper 131's walk: what a browser paints first on the Train page, and a finished run deleted elsewhere.

A browser paints a box's own default first and a value set through session state only after it: a refresh while a
run trained showed the form's Max steps as 0 (the box's "min") for about 3 s before the run's 40. A box drawn afresh
(a new session, back from another page) now has the value put back as its default, so what is painted first is it.
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from ftlib import workspace
from ftlib.config import RunConfig
from ftlib.testing import make_run
from tests.test_pages_train import SFT_ROWS

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _first_painted(at: AppTest, key: str):
    """(what the browser paints first, the value the box holds) of a number box: its proto's default, and its value."""
    box = at.number_input(key=key)
    return box.proto.default, box.value


def test_a_new_session_paints_the_last_runs_numbers_first_not_zero(tiny_model_dir, duplicate_warnings):
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    config = RunConfig(model=str(tiny_model_dir), dataset="numbers", max_steps=40, epochs=3.0, batch_size=2)
    make_run("r-going", config.to_dict(), state="running", planned_steps=40)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at.run().switch_page("pages/4_Train.py").run()  # a refresh: a new session, on the run last started
    assert not at.exception, at.exception
    assert _first_painted(at, "train_max_steps") == (40, 40)  # (0, 40) before: 0 painted until the value came
    assert _first_painted(at, "train_epochs") == (3.0, 3.0)
    assert _first_painted(at, "train_batch_size") == (2, 2)
    at.switch_page("pages/2_Tokens.py").run()
    at.switch_page("pages/4_Train.py").run()  # back from another page: the boxes are drawn afresh too
    assert not at.exception, at.exception
    assert _first_painted(at, "train_max_steps") == (40, 40)
    at.number_input(key="train_max_steps").set_value(12).run()  # a box typed in keeps what was typed
    at.switch_page("pages/2_Tokens.py").run()
    at.switch_page("pages/4_Train.py").run()
    assert _first_painted(at, "train_max_steps") == (12, 12)
    assert not duplicate_warnings, duplicate_warnings


def test_a_finished_runs_view_notices_a_teammate_deleting_it_at_its_next_look(tiny_model_dir, monkeypatch):
    """Nothing runs, so the runs section does not poll: a teammate deleting the finished run shown (another browser,
    the CLI) went unsaid until a click. A small fragment looks every few seconds whether the run's folder is still
    there (one folder, not a listing of every run) and redraws the page when it is not, which says so."""
    from ftlib import runs
    from tests.test_train_fragment_ids import fragment_run, section_ids

    make_run("r-ana", {"model": str(tiny_model_dir), "name": "ana"})
    make_run("r-ben", {"model": str(tiny_model_dir), "name": "ben"})
    ids = section_ids(monkeypatch, "rerun_if_deleted")
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at.session_state["train_selected"] = "r-ana"
    at.run()
    watching = ids(at.switch_page("pages/4_Train.py").run)
    assert not at.exception, at.exception
    assert len(watching) == 1, watching

    listed = []
    real_list = runs.list_runs
    monkeypatch.setattr(runs, "list_runs", lambda *a, **kw: listed.append(1) or real_list(*a, **kw))
    fragment_run(at, watching[0], monkeypatch)  # the browser's timed look while the run is there: nothing else
    assert not at.exception and not at.warning and not at.title and listed == []

    runs.delete("r-ana")  # a teammate, from another browser or the command line
    fragment_run(at, watching[0], monkeypatch)  # the next look: the page is drawn again, saying so
    assert not at.exception, at.exception
    said = [w.value for w in at.warning]  # (r-ben's own warning follows: a finished run here has no adapter)
    assert said[0] == "Run `r-ana` was deleted, perhaps from another tab or the command line.", said
    assert at.title  # the whole page, not the fragment alone
    assert any("r-ben" in m.value for m in at.markdown if m.value.startswith("####"))  # the run left is shown
