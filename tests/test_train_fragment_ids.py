"""The Train page's runs section: its fragment has a new id whenever a page run changes what it polls for.

Why (pages/4_Train.py, above the call of `section`): the section's last timed poll reruns the page while the
browser's next polls are on their way; a poll that found a fragment of the same id in that page run dropped the page
run's section messages not yet sent but kept the charts sent as references to the browser's cache, and Streamlit's
browser side stopped for good ("Bad delta path index"). Polls for an id the page run did not register are skipped
and drop none of its messages (Streamlit 1.67: AppSession.request_rerun, ScriptRunner's FragmentStorageKeyError).
"""

from __future__ import annotations

import time
from pathlib import Path

import streamlit.runtime.fragment as fragment_module
from streamlit.testing.v1 import AppTest

from ftlib import workspace
from ftlib.testing import make_run

APP = str(Path(__file__).resolve().parents[1] / "app.py")
ROWS = [
    {
        "messages": [
            {"role": "user", "content": f"What is {i} plus {i}?"},
            {"role": "assistant", "content": f"It is {2 * i}."},
        ]
    }
    for i in range(12)
]


def section_ids(monkeypatch):
    """A function `ids(run)`: the fragment ids Streamlit gives the runs section while `run()` runs the page (one per
    run of the script: a page that reruns itself gives several)."""
    seen: list[str] = []
    real = fragment_module._make_fragment_identity

    def spy(func, **kwargs):
        identity = real(func, **kwargs)
        if func.__name__ == "section":
            seen.append(identity.fragment_id)
        return identity

    monkeypatch.setattr(fragment_module, "_make_fragment_identity", spy)

    def ids(run) -> list[str]:
        seen.clear()
        run()
        return list(seen)

    return ids


def test_the_runs_section_has_a_new_fragment_id_when_polling_stops_or_polls_for_other_runs(
    tiny_model_dir, monkeypatch
):
    workspace.save_split("numbers", ROWS[:10], ROWS[10:])
    config = {"model": str(tiny_model_dir), "dataset": "numbers", "max_steps": 10}
    steps = [{"kind": "train", "step": s, "loss": 2.0 - 0.1 * s, "elapsed": 10.0 * s} for s in (1, 2)]
    # No pid and just started: the queue takes each for a run being launched, so it counts as running.
    first = make_run("r-first", config, state="running", started=time.time(), max_steps=10, metrics=steps)
    ids = section_ids(monkeypatch)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at.run()
    polling = ids(at.switch_page("pages/4_Train.py").run)
    assert not at.exception
    assert len(set(polling)) == 1, polling
    # Nothing changed: the same id, so the browser's timed polls find the fragment they poll.
    assert ids(at.run) == polling[-1:]

    # A teammate starts a second run: the page reruns, still polling, but for other runs.
    second = make_run("r-second", config, state="running", started=time.time(), max_steps=10, metrics=steps)
    both = ids(at.run)
    assert not at.exception
    assert both and polling[0] not in both, (polling, both)

    # Both end: the page's run draws the finished section, which polls no more, under an id of its own.
    first.end_attempt(state="finished", message="")
    second.end_attempt(state="finished", message="")
    ended = ids(at.run)
    assert not at.exception
    assert ended and not set(ended) & {*polling, *both}, (polling, both, ended)
    # A finished section keeps its id from run to run (a click in it reruns that fragment alone).
    assert ids(at.run) == ended[-1:]
