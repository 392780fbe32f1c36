"""Helper 208's walk of a shared server, long jobs on Compare and Evaluate (fixed by helper 214):

- Evaluate following an evaluation someone else started said nothing of whose it was (and offered Stop), and its
  time estimate then said "at the 160.8 s a row of your last evaluation": not theirs, and most of that pace was the
  time the evaluation waited in line for a training run (`BackgroundJob.waited_s` now keeps it, and the pace leaves it
  out).
- A reload of Compare while its grid filled lost the grid ("Press Generate") while the grid kept its place in the
  device's line for ~120 s: a reload of the tab now follows it (`ui.compare_follow`), and its browser sessions are
  all its owners (`ui.job_owner.also_shown_in`).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import lease
from ftlib.jobs import BackgroundJob
from tests.test_job_owner_sessions import Tabs, in_runtime, started, ttl  # noqa: F401 (fixtures)
from tests.test_pages_compare import finished_run  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[1]
DEADLINE_S = 120


@pytest.fixture
def held_grids(monkeypatch):
    """Grids decode only once the test sets the returned event; the lease off, so the new sessions' next-token views
    do not wait behind them (a page run waiting for the device would wait for the test)."""
    from ftlib import modelset as M

    monkeypatch.setenv("FTLIB_LEASE", "0")
    release, stream = threading.Event(), M.generate_stream

    def held(*args, **kwargs):
        assert release.wait(timeout=DEADLINE_S)
        yield from stream(*args, **kwargs)

    monkeypatch.setattr(M, "generate_stream", held)
    yield release
    release.set()


def until(predicate, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


class LendsItsTurn(BackgroundJob):
    """A job that, once told someone waits, reaches a safe point (hands the device over) and ends."""

    def __init__(self) -> None:
        super().__init__("a test job", device="cpu")
        self.ready, self.go_on = threading.Event(), threading.Event()

    def work(self) -> None:
        self.ready.set()
        assert self.go_on.wait(DEADLINE_S)
        lease.checkpoint()


def test_a_jobs_time_back_in_line_after_it_began_is_kept_apart(monkeypatch):
    monkeypatch.setenv("FTLIB_LEASE_MIN_TURN_S", "0")  # hand over at the first safe point someone waits at
    job = LendsItsTurn().start()
    assert job.ready.wait(DEADLINE_S)
    held, let_go = {}, threading.Event()

    def training() -> None:  # a training run's turn: from the handover until the test lets it go
        with lease.hold("cpu", "training", "20261207-lora-demo"):
            held["from"] = time.monotonic()
            assert let_go.wait(DEADLINE_S)
            held["to"] = time.monotonic()

    thread = threading.Thread(target=training, daemon=True)
    thread.start()
    until(lambda: lease.waiting("cpu"), "the training run to line up")
    job.go_on.set()
    until(lambda: job.waiting, "the job to wait for its turn back")
    let_go.set()
    assert job.wait(DEADLINE_S) and job.error is None, job.error
    thread.join(DEADLINE_S)
    assert job.waited_s >= held["to"] - held["from"] > 0  # in line the whole time the training run held the device
    assert job.ended_at - job.began - job.waited_s < job.ended_at - job.began


AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-long-random-secret",
    "client_id": "studio",
    "client_secret": "s3cret",
    "server_metadata_url": "https://id.example.com/.well-known/openid-configuration",
}
ANA = {"is_logged_in": True, "name": "Ana Lima", "email": "ana@example.com"}
BOB = {"is_logged_in": True, "name": "Bob Stone", "email": "bob@example.com"}


def evaluate_page(model: Path, user: dict | None) -> AppTest:
    """A new session on the Evaluate page, signed in as `user` with OIDC (st.user faked as tests/test_auth.py does)
    or on an open server (None)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if user is not None:
        at.secrets["auth"] = AUTH
        at.user = user
    at.session_state["active_model"] = str(model)
    at.run()
    at.switch_page("pages/6_Evaluate.py").run()
    assert not at.exception, at.exception
    return at


def captions(at) -> list[str]:
    return [c.value for c in at.caption]


def _evaluation_followed(varied_dir, adapter_template, monkeypatch, starter, follower):
    """`starter`'s session starts an evaluation of 2 rows that runs until released; `follower`'s new session on the
    run follows it. Returns (the job, the follower's page, the release)."""
    import ui.auth
    from ftlib import evaluate as E
    from ftlib import workspace
    from ftlib.testing import make_run
    from tests.test_pages_evaluate_kept import button

    monkeypatch.delenv("FTLIB_PASSWORD", raising=False)
    monkeypatch.setattr(ui.auth, "_authlib_installed", lambda: True)
    rows = [
        {"messages": [{"role": "user", "content": f"Say {w}."}, {"role": "assistant", "content": f"{w}!"}]}
        for w in ("yes", "no", "maybe")
    ]
    workspace.save_split("words", rows[:1], rows[1:], {"format": "messages"})
    config = {"model": str(varied_dir), "dataset": "words", "template": "tokenizer", "method": "lora"}
    make_run("20261207-000000-lora-words", config, adapter=adapter_template)
    release, measure = threading.Event(), E.evaluate

    def held(*args, **kwargs):  # the evaluation runs until the test lets it end
        assert release.wait(timeout=DEADLINE_S)
        return measure(*args, **kwargs)

    monkeypatch.setattr(E, "evaluate", held)
    first = evaluate_page(varied_dir, starter)
    next(n for n in first.number_input if n.label == "Rows to evaluate").set_value(2).run()
    first.slider(key="evaluate_max_new_20261207-000000-lora-words").set_value(8).run()
    button(first, "Evaluate").click().run()
    job = first.session_state["evaluate_job"]
    assert not job.done
    assert not any("started this evaluation" in c for c in captions(first))  # its own: nothing to say
    other = evaluate_page(varied_dir, follower)
    assert other.session_state["evaluate_job"] is job  # followed
    return job, other, release


def test_a_teammates_evaluation_followed_says_whose_it_is_and_its_pace_is_theirs_without_its_waits(
    varied_dir, adapter_template, monkeypatch
):
    job, bob, release = _evaluation_followed(varied_dir, adapter_template, monkeypatch, ANA, BOB)
    said = [c for c in captions(bob) if "started this evaluation" in c]
    assert said == ["ana@example.com started this evaluation, which this page follows: **Stop** ends it for them too."]
    assert next(b for b in bob.button if b.label == "Stop").help
    release.set()
    assert job.wait(DEADLINE_S)
    # As the walk measured it: 1000 s from its first turn to its end, 400 of them back in line for a training run.
    job.began, job.waited_s = job.ended_at - 1000.0, 400.0
    bob.run()
    assert not bob.exception, bob.exception
    assert bob.session_state["evaluate_rate"][0] == 300.0  # (1000 - 400) s over 2 rows
    notes = [c for c in captions(bob) if c.startswith("⏱")]
    # its 600 s of own work for 2 rows, by loops of answers and rows scored since helper 260 (a row's pace before)
    assert notes and "About 10 min 0 s for 2 rows, at the pace of ana@example.com's last evaluation" in notes[0], notes
    assert "your last evaluation" not in notes[0]


def test_an_evaluation_followed_on_an_open_server_names_nobody_and_one_of_the_same_person_is_theirs(
    varied_dir, adapter_template, monkeypatch
):
    job, other, release = _evaluation_followed(varied_dir, adapter_template, monkeypatch, None, None)
    said = [c for c in captions(other) if "started this evaluation" in c or "was started in" in c]
    assert len(said) == 1 and said[0].startswith("This evaluation was started in another browser session"), said
    ana_again = evaluate_page(varied_dir, ANA)  # signed in, but the starter was not: not known to be hers
    assert any(c.startswith("This evaluation was started in another") for c in captions(ana_again))
    release.set()
    assert job.wait(DEADLINE_S)
    job.began, job.waited_s = job.ended_at - 1000.0, 0.0
    other.run()
    notes = [c for c in captions(other) if c.startswith("⏱")]
    assert notes and "at the pace of the last evaluation:" in notes[0], notes


# ---------------------------------------------------------------------------------------------- Compare, reloaded


def test_a_grid_followed_after_a_reload_runs_on_while_either_session_is_there(ttl, started):  # noqa: F811
    from ftlib.job_owners import OwnerWatch
    from tests.test_job_owners import Spinning
    from ui import job_owner

    watch = OwnerWatch(every_s=None)

    def test(tabs: Tabs) -> None:
        tab = tabs.open()
        job = Spinning().start()
        started.append(job)
        job_owner.watch_for_session(job, tabs.runtime, tab, watch)
        tabs.lose(tab)  # the reload: the old session disconnects for good...
        reloaded = tabs.open()  # ... and the tab comes back as a new session, which follows the grid
        assert job_owner.also_shown_in(job, reloaded)
        assert watch.sweep(now=0) == [] and watch.sweep(now=2 * ttl) == [] and not job.cancelled
        tabs.lose(reloaded)  # then that tab is closed: nobody shows the grid
        assert watch.sweep(now=100) == [] and watch.sweep(now=100 + ttl) == [job]

    in_runtime(test)
    assert not job_owner.also_shown_in(Spinning(), "s"), "a job nobody watches is not said to be followed"


def test_a_reload_while_the_grid_fills_follows_it_with_its_boxes_and_shows_it_filled(
    finished_run,  # noqa: F811
    varied_dir,
    held_grids,
):
    from tests.test_pages_compare import GRID_TOKENS, button, cell_texts, infos, open_page, run_until_done

    release = held_grids  # the grid runs until the test lets it go on
    first = open_page("pages/5_Compare.py", varied_dir)
    try:
        first.number_input(key="compare_seed").set_value(7)
        first.slider(key="compare_max_new").set_value(GRID_TOKENS)
        button(first, "Generate").click()
        first.run()
        job = first.session_state["compare_job"]
        assert not job.done
        token = first.query_params.get("grid")
        assert token, "the tab's address names its grid"

        reloaded = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)  # the same address, a new session
        reloaded.session_state["active_model"] = str(varied_dir)
        reloaded.query_params["grid"] = token
        reloaded.run()
        reloaded.switch_page("pages/5_Compare.py").run()
        assert not reloaded.exception, reloaded.exception
        assert reloaded.session_state["compare_job"] is job  # followed: no "Press Generate", no second grid
        assert not any("Press **Generate**" in i for i in infos(reloaded)), infos(reloaded)
        assert any(b.label == "Stop" for b in reloaded.button)
        assert reloaded.number_input(key="compare_seed").value == 7  # the boxes it was made with
        assert reloaded.slider(key="compare_max_new").value == GRID_TOKENS

        teammate = open_page("pages/5_Compare.py", varied_dir)  # no grid in its address: nothing to follow
        assert "compare_job" not in teammate.session_state
        assert any("Press **Generate**" in i for i in infos(teammate))
    finally:
        release.set()
    run_until_done(reloaded, "compare_job")
    assert not reloaded.exception, reloaded.exception
    assert cell_texts(reloaded) == cell_texts(run_until_done(first, "compare_job")) and any(cell_texts(reloaded))
    assert not any("made with other models" in c.value for c in reloaded.caption)  # the boxes match the grid
    assert "grid" not in reloaded.query_params  # ended: a reload now starts afresh
