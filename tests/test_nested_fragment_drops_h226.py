"""A timed poll of Train's runs section, cut short by the next one, leaves nothing of itself behind in the section.

What froze a Train page in CI (the sixteen-sessions browser test, "Bad delta path index 15 (should be between [0,
13])"): on a busy server a poll of the section runs longer than its 2 s period, so the next poll starts right after it,
before its messages went out, and Streamlit 1.67 drops those messages of the section (ForwardMsgQueue.clear with the
polled fragment's id) but keeps every message of another fragment's id. The poll that drew the finished run's Export
panel had that panel as a fragment nested in the section, 16th of the section's elements: its block was kept, the
section's elements before it dropped, and the browser, holding the 13 elements of the running run's section, could not
place it and stopped for good. Inside a polling fragment, `ui.fragments.polling_fragment` now draws a nested one in
place (ui/fragments.py).

The check runs the page and one poll of the section in AppTest (a finished run shown while a teammate's run trains, so
the section polls and draws the Export panel), then gives the poll's messages to Streamlit's own ForwardMsgQueue.clear
as the next poll's start does: nothing inside the section may be kept.
"""

from __future__ import annotations

import json
import time

import streamlit.testing.v1.local_script_runner as local_runner
from streamlit.runtime.forward_msg_queue import ForwardMsgQueue

from ftlib import workspace
from ftlib.testing import make_run
from tests.test_pages_train import fake_adapter
from tests.test_pages_train import page as train_page
from tests.test_train_fragment_ids import ROWS, fragment_run, section_ids

STEPS = [
    {"kind": "eval", "step": 0, "eval_loss": 2.5},
    *({"kind": "train", "step": s, "loss": 2.0 - 0.1 * s, "elapsed": 10.0 * s} for s in (1, 2)),
]


def captured_messages(monkeypatch) -> list:
    """A list that holds, after each AppTest run, the messages that run left queued for the browser."""
    held: list = []
    real = local_runner.LocalScriptRunner.run

    def run(self, *args, **kwargs):
        try:
            return real(self, *args, **kwargs)
        finally:
            held[:] = list(self.forward_msgs())

    monkeypatch.setattr(local_runner.LocalScriptRunner, "run", run)
    return held


def test_a_poll_cut_short_by_the_next_keeps_nothing_inside_the_section(tiny_model_dir, tmp_path, monkeypatch):
    workspace.save_split("numbers", ROWS[:10], ROWS[10:])
    config = {"model": str(tiny_model_dir), "dataset": "numbers", "max_steps": 10}
    make_run("r-done", config, state="finished", max_steps=10, step=2, metrics=STEPS, adapter=fake_adapter(tmp_path))
    # A teammate's run trains (no pid and just started: the queue takes it for one being launched): the section polls.
    make_run("r-live", config, state="running", started=time.time(), max_steps=10, metrics=STEPS)
    sections = section_ids(monkeypatch, "section")
    messages = captured_messages(monkeypatch)
    at = train_page(tiny_model_dir)
    at.session_state["train_selected"] = "r-done"  # the finished run shown, with its Export panel
    polled = sections(at.run)
    assert not at.exception, at.exception
    assert len(polled) == 1, polled  # a polling section (a new id on every page run)

    fragment_run(at, polled[0], monkeypatch)  # the browser's timed poll of the section
    assert not at.exception, at.exception
    assert any(m.value == "#### Export" for m in at.markdown), "the poll drew no Export panel"
    paths = [list(m.metadata.delta_path) for m in messages if m.WhichOneof("type") == "delta"]
    section = min(paths, key=len)  # the section's block, which the poll redraws first

    # The next poll starts before any of it went out: what Streamlit keeps of it inside the section.
    queue = ForwardMsgQueue()
    for message in messages:
        queue.enqueue(message)
    queue.clear(retain_lifecycle_msgs=True, fragment_ids_this_run=polled)
    kept = [
        (list(m.metadata.delta_path), m.delta.fragment_id)
        for m in queue._queue
        if m.WhichOneof("type") == "delta" and list(m.metadata.delta_path[: len(section)]) == section
    ]
    assert kept == [], f"kept inside the section {section} (a block the browser cannot place): {kept}"
    # Every element of the poll is the section's own: the Export panel is drawn in place, not as a nested fragment.
    assert {m.delta.fragment_id for m in messages if m.WhichOneof("type") == "delta"} == {polled[0]}


def section_layout(at) -> list[str]:
    """The kinds of the runs section's own elements, in order (the block holding the run picker)."""
    section = next(
        node for node in at.main.children.values() if any(box.label == "Run" for box in getattr(node, "selectbox", ()))
    )
    return [getattr(node, "type", type(node).__name__) for node in section.children.values()]


def test_a_click_that_opens_a_box_in_the_section_moves_none_of_its_elements(tiny_model_dir, tmp_path, monkeypatch):
    """Rename…'s box and Delete…'s question open in the controls' slot: every element after them keeps its place in
    the section. They moved the charts down one place, and a chart unchanged since the last poll went as a reference
    to the browser's cache, which a poll starting before that click's messages went out keeps while it drops the rest
    (ui/fragments.py): it landed in whatever the browser held at that place, another chart's row or an element
    ("'setIn' cannot be called on an ElementNode", the error the ARCHITECTURE's "Bad delta path" paragraph names)."""
    workspace.save_split("numbers", ROWS[:10], ROWS[10:])
    config = {"model": str(tiny_model_dir), "dataset": "numbers", "max_steps": 10}
    make_run("r-done", config, state="finished", max_steps=10, step=2, metrics=STEPS, adapter=fake_adapter(tmp_path))
    at = train_page(tiny_model_dir)
    assert not at.exception, at.exception
    before = section_layout(at)
    for key, opened in (("rename_ask_r-done", "New name"), ("delete_ask_r-done", "Delete r-done")):
        at.button(key=key).click().run()
        assert not at.exception, at.exception
        assert any(w.label == opened for w in (*at.text_input, *at.button)), f"{key} opened nothing"
        assert section_layout(at) == before, key


def as_sent(messages: list, cached: set[str]) -> list:
    """The messages as the server sends them to a browser holding `cached` (hashes of elements it was sent): a
    cacheable element (over 10 kB) it holds goes as a reference, with its place and no fragment id
    (ScriptRunContext.enqueue)."""
    from streamlit.runtime.forward_msg_cache import create_reference_msg

    return [create_reference_msg(m) if m.metadata.cacheable and m.hash in cached else m for m in messages]


def test_a_poll_at_the_first_step_cut_short_keeps_no_element_at_another_place(tiny_model_dir, tmp_path, monkeypatch):
    """The running run's first training step (after its step-0 held-out score) brings its live numbers and more
    charts (those with no points are left out before it: ui.charts.run_figures). Drawn in the section's own places,
    they moved the Compare runs section under them down, whose unchanged chart of two finished runs goes as a
    reference to the browser's cache: a poll starting before that step's poll went out keeps the reference, at its
    new place, where the browser holds step 0's section ("Bad delta path index", ui/fragments.py). In containers,
    whatever each holds, what follows them keeps its place."""
    workspace.save_split("numbers", ROWS[:10], ROWS[10:])
    config = {"model": str(tiny_model_dir), "dataset": "numbers", "max_steps": 10}
    # Two finished runs: Compare runs draws their losses on one chart, of 300 steps each (over 10 kB: cacheable).
    long = [{"kind": "train", "step": s, "loss": 2.0 - s / 200, "elapsed": 10.0 * s} for s in range(1, 301)]
    for run_id in ("r-one", "r-two"):
        make_run(run_id, config, state="finished", max_steps=300, step=300, metrics=long)
    live = make_run("r-live", config, state="running", started=time.time(), max_steps=10, metrics=STEPS[:1])
    sections = section_ids(monkeypatch, "section")
    messages = captured_messages(monkeypatch)
    at = train_page(tiny_model_dir)
    at.session_state["train_selected"] = "r-live"
    polled = sections(at.run)
    assert not at.exception, at.exception
    assert len(polled) == 1, polled

    fragment_run(at, polled[0], monkeypatch)  # a poll at step 0: what the browser holds
    assert not at.exception, at.exception
    held = {tuple(m.metadata.delta_path): m.hash for m in messages if m.WhichOneof("type") == "delta"}
    assert any(m.metadata.cacheable for m in messages), "nothing big enough to go as a reference"
    with live.metrics_file.open("a", encoding="utf-8") as out:  # the first training step
        out.write(json.dumps(STEPS[1]) + "\n")
    fragment_run(at, polled[0], monkeypatch)  # the step-1 poll
    assert not at.exception, at.exception
    assert at.metric, "no step-1 numbers drawn"
    sent = as_sent(messages, set(held.values()))
    assert any(m.HasField("ref_hash") for m in sent), "no reference sent: the case tests nothing"

    queue = ForwardMsgQueue()  # the next poll starts before any of the step-1 poll went out
    for message in sent:
        queue.enqueue(message)
    queue.clear(retain_lifecycle_msgs=True, fragment_ids_this_run=polled)
    kept = [m for m in queue._queue if m.WhichOneof("type") in ("delta", "ref_hash")]
    moved = [
        list(m.metadata.delta_path) for m in kept if held.get(tuple(m.metadata.delta_path)) != (m.ref_hash or m.hash)
    ]
    assert kept, "nothing kept: the case tests nothing"
    assert moved == [], f"kept where the browser holds another element: {moved}"
