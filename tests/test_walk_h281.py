"""Two findings of a browser walk (helper 281).

1. Evaluate on a KTO run whose held-out answers are all labelled bad: the page said "6 held-out labelled answers",
   drew the Evaluate button, and only after pressing it (both models loaded) refused with "None of the 6 test rows can
   be evaluated: its answer is labelled bad ..." (one row's words said of six). Now the refusal comes before the
   button, which is disabled, in words that agree with the count, and says what to do.
2. Train, GRPO, "Latest answers": the model's answer column started at the right edge at 1280 px once a "row's
   answer" column was shown. The table now gives its columns widths, the answer's the widest.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ftlib import workspace
from ftlib.testing import make_random_adapter, make_run

ROOT = Path(__file__).resolve().parents[1]
RUN_ID = "20260101-000000-kto-allbad"


def turns(role: str, text: str) -> list[dict]:
    return [{"role": role, "content": text}]


def kto(prompt: str, answer: str, good: bool) -> dict:
    return {"prompt": turns("user", prompt), "completion": turns("assistant", answer), "label": good}


BAD = [kto(f"Name a fruit {i}.", "Go away.", False) for i in range(21)]  # the page evaluates 20 rows at first


@pytest.fixture
def adapter(tiny_model_dir, tmp_path):
    """The run's adapter, made before `no_model` refuses any load."""
    return make_random_adapter(str(tiny_model_dir), tmp_path / "adapter" / "adapter", seed=1)


def open_evaluate(tiny_model_dir, adapter, test_rows):
    from streamlit.testing.v1 import AppTest

    workspace.save_split("ktobad", [kto("Name a tree.", "An oak.", True)] + BAD[:2], test_rows)
    settings = {"model": str(tiny_model_dir), "dataset": "ktobad", "method": "kto", "max_length": 128}
    make_run(RUN_ID, settings, adapter=adapter)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at = at.run().switch_page("pages/6_Evaluate.py").run()
    assert not at.exception, at.exception
    return at


def test_every_held_out_answer_labelled_bad_is_refused_before_the_button(tiny_model_dir, adapter, no_model):
    at = open_evaluate(tiny_model_dir, adapter, BAD[:6])
    errors = [e.value for e in at.error]
    said = next((e for e in errors if e.startswith("None of the ")), None)
    assert said is not None, errors
    assert said.startswith("None of the 6 test rows can be evaluated: each one's answer is labelled bad"), said
    assert "its answer" not in said and "it is not" not in said, said  # one row's words, of six
    assert "No held-out answer of this run is labelled good: on the **Data** page, save the split again" in said
    assert next(b for b in at.button if b.label == "Evaluate").disabled
    assert not [i.value for i in at.info if i.value.startswith("Press **Evaluate**")]


def test_a_later_good_answer_is_pointed_to_and_more_rows_lift_the_refusal(tiny_model_dir, adapter, no_model):
    at = open_evaluate(tiny_model_dir, adapter, BAD + [kto("Name a tree.", "An oak.", True)])
    said = next(e.value for e in at.error if e.value.startswith("None of the "))
    assert said.endswith("Set **Rows to evaluate** to 22 or more: held-out row 22's answer is labelled good."), said
    next(n for n in at.number_input if n.label == "Rows to evaluate").set_value(22).run()
    assert not [e.value for e in at.error], [e.value for e in at.error]
    assert not next(b for b in at.button if b.label == "Evaluate").disabled


# 2. The GRPO "Latest answers" table: the columns before the model's answer leave it room at 1280 px.
GRPO_ROW = {
    "prompt": "What is 12 times 7? Show your working.",
    "length": 0.5,
    "correct": 1.0,
    "total": 1.5,
    "advantage": 0.707,
    "cut": "✂",
    "row's answer": "84",
    "answer": "12 times 7 is 84, since 10 times 7 is 70 and 2 times 7 is 14. " * 3,
}
TABLE_AT_1280 = 780  # the table's width at 1280 px with the sidebar open (wide layout)


def test_the_latest_answers_table_leaves_the_answer_in_view_at_1280_px(monkeypatch):
    from ui import alignment_view

    drawn = {}
    monkeypatch.setattr(alignment_view.st, "dataframe", lambda frame, **kwargs: drawn.update(kwargs))
    alignment_view._table([GRPO_ROW, GRPO_ROW], ("row's answer",))
    order, config = drawn["column_order"], drawn["column_config"]
    documented = ["prompt", "length", "correct", "total", "advantage", "cut", "row's answer", "answer"]
    assert order == documented
    widths = {c: config[c]["width"] for c in order}
    assert all(isinstance(w, int) for w in widths.values()), widths  # pixels, not streamlit's "medium" and auto
    before = sum(widths[c] for c in order[:-1])
    assert TABLE_AT_1280 - before >= 200, widths  # the answer begins in view, 200 px of it at least
    assert widths["answer"] == max(widths.values())  # the widest, as documented
