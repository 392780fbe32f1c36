"""Compare's Thinking choice (helper 189): by default each model is asked as it trained (a run by its training rows,
`ftlib.run_thinking.run_start`; the base as the first run, as `sample` and `evaluate` ask it), On or Off asks every
model so, the choice outlives a rerun and a visit to another page, and the caption and each model's heading say what
it is asked with. One toggle for all started every model as the first run trained: a second run trained the other
way was asked in a shape it never saw, and nothing said so."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import sampling as S
from ftlib.models import load_tokenizer
from tests.test_thinking_evaluate import PLAIN, REASONED, a_run, thinking_adapter, thinking_model  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def two_runs(thinking_model, thinking_adapter):  # noqa: F811 (fixtures)
    """A run trained on rows without reasoning (after the empty block: off) and one on rows with it (on)."""
    return a_run("plain", thinking_model, thinking_adapter, PLAIN), a_run(
        "reasoned", thinking_model, thinking_adapter, REASONED
    )


def open_compare(model: Path, runs) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(model)
    at.run()
    at = at.switch_page("pages/5_Compare.py").run()
    next(m for m in at.multiselect if m.label == "Fine-tuned models").set_value([r.id for r in runs]).run()
    assert not at.exception, at.exception
    return at


def thinking(at: AppTest):
    return next(r for r in at.radio if r.label == "Thinking")


def captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def asked(at: AppTest, model: Path) -> dict[str, bool]:
    """Generate the grid; each model's prompt: True where it is the thinking-on one, False the off one."""
    at.slider(key="compare_max_new").set_value(8)
    at.multiselect(key="compare_presets").set_value(["greedy"])
    next(b for b in at.button if b.label == "Generate").click()
    at.run()
    job = at.session_state["compare_job"]
    assert job.wait(timeout=300)
    tokenizer = load_tokenizer(str(model))
    typed = at.text_area(key="compare_prompt").value
    system = at.session_state["compare_system"] if "compare_system" in at.session_state else None
    on, off = (tuple(S.render_prompt(tokenizer, typed, system or None, thinking=v)[1]) for v in (True, False))
    assert on != off  # the sentinel: the two settings are two prompts
    by_prompt = {on: True, off: False}
    return {r.adapter or "base": by_prompt[tuple(r.input_ids)] for r in job.rows}


def test_two_runs_trained_differently_are_each_asked_as_they_trained(two_runs, thinking_model):  # noqa: F811
    plain, reasoned = two_runs
    at = open_compare(thinking_model, two_runs)
    assert thinking(at).value == "trained"
    assert thinking(at).options == ["As each run trained", "On", "Off"]
    said = captions(at)
    # Grouped by setting: the base as the first run (plain) and that run off, the run with reasoning on, each with
    # its reason (the base asked as the first run: base vs tuned answer one prompt, as `sample` asks them).
    off, on = said.split("Asked with thinking off: ")[1].split(" Asked with thinking on: ")
    assert on.startswith("run **lora · reasoned"), on
    assert "(as it trained: its training replies follow the prompt with no empty reasoning block)." in on, on
    assert off.startswith(
        "the base model (as the first run, so base and first run answer one prompt); run **lora · plain"
    ), off
    assert "(as it trained: its training replies follow the empty reasoning" in off
    # What each model sees, its setting in the heading; the plain run alone reads the empty block.
    sees = {e.label: e.code[0].value for e in at.expander if e.label.startswith("What the model sees")}
    assert len(sees) == 2, sees
    off = [label for label, text in sees.items() if text.endswith("<think>\n\n</think>↵↵")]
    assert len(off) == 1 and "thinking off" in off[0], sees
    assert "The models are asked with different Thinking settings" in said
    assert asked(at, thinking_model) == {"base": False, plain.id: False, reasoned.id: True}
    at.run()  # the finished grid, drawn by the page: each model's row says its setting
    headings = [m.value for m in at.markdown if " · thinking " in m.value]
    assert len(headings) == 3 and sum(h.endswith(" · thinking off") for h in headings) == 2, headings


def test_forcing_on_asks_every_run_on_and_the_choice_outlives_a_rerun_and_another_page(
    two_runs,
    thinking_model,  # noqa: F811
):
    plain, reasoned = two_runs
    at = open_compare(thinking_model, two_runs)
    thinking(at).set_value("on").run()
    assert not at.exception, at.exception
    assert "Asked with thinking on, whatever each model trained with." in captions(at)
    assert not [c for c in at.code if c.value.endswith("</think>↵↵")]  # nobody reads the empty block
    at.run()
    assert thinking(at).value == "on"
    at = at.switch_page("pages/0_Home.py").run()
    at = at.switch_page("pages/5_Compare.py").run()
    assert not at.exception, at.exception
    assert thinking(at).value == "on"  # put back (ui.kept), not "as each run trained" again
    assert asked(at, thinking_model) == {"base": True, plain.id: True, reasoned.id: True}
    thinking(at).set_value("off").run()
    assert all(c.value.endswith("</think>↵↵") for c in at.code if "<|im_start|>assistant" in c.value)
