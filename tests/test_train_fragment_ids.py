"""The Train page's runs section: while it polls, its fragment has a new id on every run of the page; the section's
own runs (a timed poll, a click in it) keep it.

Why (pages/4_Train.py, above the call of `section`): the browser's timed polls race each page run (the section's last
poll rerunning the page, or a click outside the section); a poll that found a fragment of the same id in that page run
dropped the page run's section messages not yet sent but kept the charts sent as references to the browser's cache,
and Streamlit's browser side stopped for good ("Bad delta path index"). Polls for an id the page run did not register
are skipped and drop none of its messages (Streamlit 1.67: AppSession.request_rerun, ScriptRunner's
FragmentStorageKeyError).
"""

from __future__ import annotations

import time
from pathlib import Path

import streamlit.runtime.fragment as fragment_module
import streamlit.testing.v1.local_script_runner as local_runner
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


def section_ids(monkeypatch, name: str = "section"):
    """A function `ids(run)`: the fragment ids Streamlit gives the fragment function `name` (the runs section) while
    `run()` runs the page (one per run of the script: a page that reruns itself gives several; none in a run of the
    fragment alone, which keeps the id it was given)."""
    seen: list[str] = []
    real = fragment_module._make_fragment_identity

    def spy(func, **kwargs):
        identity = real(func, **kwargs)
        if func.__name__ == name:
            seen.append(identity.fragment_id)
        return identity

    monkeypatch.setattr(fragment_module, "_make_fragment_identity", spy)

    def ids(run) -> list[str]:
        seen.clear()
        run()
        return list(seen)

    return ids


def fragment_run(at: AppTest, fragment_id: str, monkeypatch) -> AppTest:
    """Run the fragment `fragment_id` alone, as the browser's timed poll asks the server to (AppTest by itself runs
    whole pages only: its runner's request is given the fragment's id). The elements drawn are the fragment's only;
    none when the session holds no fragment of that id (Streamlit skips it)."""
    real = local_runner.RerunData
    with monkeypatch.context() as patch:
        patch.setattr(local_runner, "RerunData", lambda **kw: real(**kw, fragment_id=fragment_id, is_auto_rerun=True))
        return at.run()


def drawn_picker(at: AppTest) -> bool:
    """Whether the last run drew the runs section (its run picker)."""
    return any(box.label == "Run" for box in at.selectbox)


def test_the_polling_runs_section_has_a_new_fragment_id_on_every_page_run_and_keeps_it_through_its_own_runs(
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
    assert len(polling) == 1 and drawn_picker(at), polling

    # A click outside the section (a field of the new run's form): the page reruns, still polling for the same run,
    # under a new id; the session keeps no fragment of the old one (a late poll for it finds none).
    clicked = ids(at.number_input(key="train_max_steps").set_value(7).run)
    assert not at.exception
    assert len(clicked) == 1 and clicked != polling, (polling, clicked)
    storage = at._fragment_storage  # AppTest's, as AppSession's: kept across the session's runs
    assert storage.contains(clicked[0]) and not storage.contains(polling[0])

    # The browser's timed poll: the section alone, under the same id (no new one), and again.
    for _ in range(2):
        assert ids(lambda: fragment_run(at, clicked[0], monkeypatch)) == []
        assert not at.exception
        assert drawn_picker(at) and not at.title  # the section, not the page
        assert storage.contains(clicked[0])
    # A late poll for the old id: skipped, it draws nothing.
    fragment_run(at, polling[0], monkeypatch)
    assert not at.exception and not drawn_picker(at)

    # A teammate starts a second run: the page reruns, still polling, under a new id again.
    second = make_run("r-second", config, state="running", started=time.time(), max_steps=10, metrics=steps)
    both = ids(at.run)
    assert not at.exception
    assert both and not set(both) & {*polling, *clicked}, (polling, clicked, both)

    # Both end: the page's run draws the finished section, which polls no more, under an id of its own.
    first.end_attempt(state="finished", message="")
    second.end_attempt(state="finished", message="")
    ended = ids(at.run)
    assert not at.exception
    assert ended and not set(ended) & {*polling, *clicked, *both}, (polling, clicked, both, ended)
    # A finished section keeps its id from run to run: nothing polls it, and a click in it reruns it alone.
    assert ids(at.run) == ended[-1:]
