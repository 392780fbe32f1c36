"""Helper 174's walk (a team demo in a real browser: two runs queued, one stopped and resumed, a second tab).

A second tab left on the Train page while nothing ran there showed a teammate's run, resumed in another tab, as
"stopped — resumable" in its runs table after it had finished: with no run live when the page was drawn, the page
polled only whether the run it showed was still on disk. Its timed look now also redraws the page once any run was
created, deleted, started, stopped, resumed or ended elsewhere.
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from ftlib import runs
from ftlib.testing import make_run

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _states(at: AppTest) -> dict[str, str]:
    """The runs table's state of each run, by id."""
    return at.dataframe[-1].value.set_index("id")["state"].to_dict()


def test_an_idle_train_page_follows_a_run_resumed_and_finished_in_another_tab(tiny_model_dir, monkeypatch):
    from tests.test_train_fragment_ids import fragment_run, section_ids

    config = {"model": str(tiny_model_dir), "max_steps": 4}
    make_run("r-ana", {**config, "name": "ana"}, planned_steps=4, step=4)
    make_run("r-ben", {**config, "name": "ben"}, state="interrupted", stopped_by="user", planned_steps=4, step=2)
    ids = section_ids(monkeypatch, "rerun_if_deleted")
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at.session_state["train_selected"] = "r-ana"
    at.run()
    watching = ids(at.switch_page("pages/4_Train.py").run)
    assert not at.exception, at.exception
    assert len(watching) == 1, watching  # nothing runs: only the small look polls
    assert _states(at) == {"r-ana": "✅ finished", "r-ben": "⏸️ stopped — resumable"}

    fragment_run(at, watching[0], monkeypatch)  # a look with nothing changed: nothing redrawn
    assert not at.exception and not at.title

    # The other tab resumed r-ben and it finished there (what the worker leaves in its status.json).
    runs.find("r-ben").update_status(state="finished", stopped_by=None, step=4, message="Finished.")
    fragment_run(at, watching[0], monkeypatch)  # the next look: the whole page again, with the run's true state
    assert not at.exception, at.exception
    assert at.title  # the page, not the fragment alone
    assert _states(at) == {"r-ana": "✅ finished", "r-ben": "✅ finished"}


def test_compares_typed_prompt_starts_on_a_question_that_stands_alone_not_a_follow_up(tiny_model_dir):
    """A ShareGPT split whose first held-out row is a two-question conversation: Compare's typed prompt started on
    its last question, "Anything shorter?", which means nothing without the turns before it. It starts on the first
    row asking one question; a split of follow-ups only still starts on the first row's last question."""
    from ftlib import workspace

    def chat(*turns: str) -> dict:
        roles = ["user", "assistant"] * len(turns)
        return {"messages": [{"role": r, "content": c} for r, c in zip(roles, turns, strict=False)]}

    system = {"role": "system", "content": "You are a terse librarian."}
    follow_up = chat("What book should I read about owls?", "Owls 101.", "Anything shorter?", "A leaflet on owls.")
    follow_up["messages"].insert(0, system)
    alone = chat("What book should I read about clocks?", "Clocks 101.")
    workspace.save_split("librarian", [alone] * 4, [follow_up, alone], {"format": "sharegpt"})
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at.run()
    at.switch_page("pages/5_Compare.py").run()
    assert not at.exception, at.exception
    assert at.text_area(key="compare_prompt").value == "What book should I read about clocks?"

    workspace.save_split("follow-ups", [alone] * 4, [follow_up], {"format": "sharegpt"})
    at.session_state["active_split"] = "follow-ups"  # the box, untouched, follows the split
    at.run()
    assert at.text_area(key="compare_prompt").value == "Anything shorter?"
