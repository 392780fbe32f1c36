"""The reward model's Score panel (Train page, AppTest) says which answer boxes it left out: `ftlib score` refuses an
empty --response, and the page, whose boxes are fixed, scores the others and names the empty ones, never dropping a
box without a word."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_pages_alignment import _reward_run
from ui.tables import one_line

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def scored(run, box: int, answer: str) -> AppTest:
    """The Train page open on reward-model `run`, its Score panel's answer box `box` set to `answer` and scored."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.run().switch_page("pages/4_Train.py")
    at.session_state["train_selected"] = run.id
    at.run()
    at.text_area(key=f"score_answer_{run.id}_{box}").set_value(answer)
    at.button(key=f"score_button_{run.id}").click().run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("empty", [0, 1])
def test_the_score_panel_names_the_empty_answer_box_it_left_out(tiny_model_dir, tmp_path, empty):
    run = _reward_run(tiny_model_dir, tmp_path)
    at = scored(run, empty, "  ")
    (table,) = [d.value for d in at.dataframe if "score" in d.value]
    kept = at.text_area(key=f"score_answer_{run.id}_{1 - empty}").value
    assert table["answer"].tolist() == [one_line(kept)]  # its line break shown as ⏎
    notes = [i.value for i in at.info if "left out of the scores" in i.value]
    assert notes and notes[0].startswith(f"Answer {empty + 1} is empty"), [i.value for i in at.info]
    assert f"Answer {2 - empty} " not in notes[0]  # the box it scored is not named

    at.text_area(key=f"score_answer_{run.id}_{empty}").set_value("Sleep more.")
    at.button(key=f"score_button_{run.id}").click().run()
    assert len(next(d.value for d in at.dataframe if "score" in d.value)) == 2
    assert not [i.value for i in at.info if "left out of the scores" in i.value]  # both scored: nothing to say
