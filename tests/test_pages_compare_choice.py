"""Which runs Compare's "Fine-tuned models" box starts on, for two teammates on one server (a cold walk): the run
this browser session started (or chose) before a teammate's newer one, and no "none chosen" left over from a visit
while nothing had finished yet."""

from __future__ import annotations

import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ftlib import runs, workspace
from ftlib.testing import make_run

APP = str(Path(__file__).resolve().parents[1] / "app.py")
ROWS = [
    {
        "messages": [
            {"role": "user", "content": f"What is {i} plus {i}?"},
            {"role": "assistant", "content": f"{2 * i}."},
        ]
    }
    for i in range(12)
]
NONE_CHOSEN = "No fine-tuned model chosen: the base model only."


def session(model: Path, page: str) -> AppTest:
    """A new browser session on `page`."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(model)
    at = at.run().switch_page(page).run()
    assert not at.exception, at.exception
    return at


def config(model: Path) -> dict:
    return {"model": str(model), "dataset": "sums", "template": "tokenizer", "method": "lora"}


def test_compare_starts_on_the_run_this_session_started_not_a_teammates_newer_one(
    varied_dir, adapter_template, monkeypatch
):
    """A fresh session that started a run on Train found Compare on a teammate's run, finished after it."""
    workspace.save_split("sums", ROWS[:10], ROWS[10:])
    mine = "20260101-000000-lora-mine"

    def submit(run_config, **kw):  # queued, trained and finished at once: Compare lists it
        make_run(mine, run_config.to_dict(), adapter=adapter_template, created=time.time() - 120)
        return mine

    monkeypatch.setattr(runs, "submit", submit)
    at = session(varied_dir, "pages/4_Train.py")
    at.button(key="train_start").click().run()
    assert not at.exception, at.exception
    theirs = make_run("20260102-000000-lora-ana", config(varied_dir), adapter=adapter_template, created=time.time())
    theirs = theirs.path
    # The sentinel: a session that started nothing starts on the newest run, as before (and records that pick).
    other = session(varied_dir, "pages/5_Compare.py")
    assert other.multiselect(key="compare_runs").value == [theirs.name]
    at.switch_page("pages/5_Compare.py").run()
    assert not at.exception, at.exception
    assert at.multiselect(key="compare_runs").value == [mine]

    # A run picked on Train is chosen too: Compare starts on it after a visit there.
    other.switch_page("pages/4_Train.py").run()
    run_box = next(s for s in other.selectbox if s.label == "Run")
    run_box.set_value(mine).run()
    other.switch_page("pages/5_Compare.py").run()
    assert not other.exception, other.exception
    assert other.multiselect(key="compare_runs").value == [mine]


def test_no_run_chosen_while_none_had_finished_does_not_stick(varied_dir, adapter_template):
    """Compare opened while the only run still trained ("No finished runs yet"), then again once it had finished,
    said "No fine-tuned model chosen": the empty box of the first visit was kept as if the user had emptied it."""
    workspace.save_split("sums", ROWS[:10], ROWS[10:])
    make_run("20260101-000000-lora-first", config(varied_dir), state="running")
    at = session(varied_dir, "pages/5_Compare.py")
    assert any("No finished runs yet" in c.value for c in at.caption)
    at.switch_page("pages/0_Home.py").run()
    first = make_run("20260101-000000-lora-first", config(varied_dir), adapter=adapter_template).path  # finished
    at.switch_page("pages/5_Compare.py").run()
    assert not at.exception, at.exception
    assert at.multiselect(key="compare_runs").value == [first.name]
    assert NONE_CHOSEN not in at.caption.values

    # Emptied by the user while there were runs to choose: that choice stays.
    at.multiselect(key="compare_runs").set_value([]).run()
    at.switch_page("pages/0_Home.py").run()
    at.switch_page("pages/5_Compare.py").run()
    assert at.multiselect(key="compare_runs").value == []
    assert NONE_CHOSEN in at.caption.values


def test_a_run_finishing_while_compare_stays_open_is_offered(varied_dir, adapter_template):
    workspace.save_split("sums", ROWS[:10], ROWS[10:])
    make_run("20260101-000000-lora-first", config(varied_dir), state="running")
    at = session(varied_dir, "pages/5_Compare.py")
    assert any("No finished runs yet" in c.value for c in at.caption)
    first = make_run("20260101-000000-lora-first", config(varied_dir), adapter=adapter_template).path
    at.run()  # any click on the page
    assert not at.exception, at.exception
    assert at.multiselect(key="compare_runs").value == [first.name]
    assert NONE_CHOSEN not in at.caption.values


def test_the_run_picked_on_train_finishing_while_compare_is_open_is_put_in_the_box_in_the_browser_too(
    varied_dir, adapter_template
):
    """Helper 257's real-browser audit: a run picked on Train (stopped, not offered yet) finished while Compare stayed
    open on another run; at the next click this page run used the picked run (the caption under the box named it)
    while Chromium's box kept showing the other, and the click after sent that one back. The box's key was only
    dropped, which the browser is not told; the run now goes in through session state (`proto.set_value`)."""
    workspace.save_split("sums", ROWS[:10], ROWS[10:])
    other = make_run("20260101-000000-lora-other", config(varied_dir), adapter=adapter_template).path
    mine = "20260102-000000-lora-mine"
    make_run(mine, config(varied_dir), state="stopped")
    at = session(varied_dir, "pages/4_Train.py")
    run_box = next(s for s in at.selectbox if s.label == "Run")
    run_box.set_value(other.name).run()
    next(s for s in at.selectbox if s.label == "Run").set_value(mine).run()  # picked: the run Compare starts on
    at.switch_page("pages/5_Compare.py").run()
    assert at.multiselect(key="compare_runs").value == [other.name]  # the picked one is not offered yet
    make_run(mine, config(varied_dir), adapter=adapter_template)  # it finished
    at.run()  # any click on the page
    assert not at.exception, at.exception
    box = at.multiselect(key="compare_runs")
    assert box.value == [mine]
    assert box.proto.set_value  # set through session state: the browser shows it too
