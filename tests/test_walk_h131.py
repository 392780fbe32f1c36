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
