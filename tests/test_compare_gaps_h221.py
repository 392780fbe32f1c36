"""Compare's three gaps with a running grid (helper 221):

1. A tab following a grid (this tab reloaded, duplicated, its address opened elsewhere) pressed Stop, and the tab that
   started the grid said only "Stopped: 0 of 6 answers", as if its own Stop had been pressed: it now says who stopped
   it, from where, and what was kept (`ui.compare_follow.stop`, `stopped_elsewhere_said`).
2. A new grid on a busy CPU showed "0 of at most N tokens" for ~25 s while the models read the prompts (prefill), and
   its first time left, a pace over that wait, was many times too long: the bar says the prompts are being read, and
   a time left comes only from the pace of the writing since the first tokens, once measured over a few seconds
   (`GenerationJob.first`, `ui.compare_view.progress_line`).
3. A reload while the tab was on another page (whose sidebar link drops `?grid=`) lost the grid: Compare opened with
   no grid of its own offers the running grid this person started (anyone's where nobody is signed in, said so),
   with when and what, and follows it only on **Follow it** (`ui.compare_follow.offer_view`).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_followed_jobs_h214 import ANA, AUTH, BOB, DEADLINE_S, ROOT, held_grids  # noqa: F401 (a fixture)
from tests.test_job_owner_sessions import Tabs, in_runtime, started, ttl  # noqa: F401 (fixtures)
from tests.test_pages_compare import GRID_TOKENS, button, finished_run, infos  # noqa: F401 (a fixture)


@pytest.fixture
def sign_in(monkeypatch):
    """Tabs may be opened signed in with OIDC (st.user faked, as tests/test_auth.py does)."""
    import ui.auth

    monkeypatch.delenv("FTLIB_PASSWORD", raising=False)
    monkeypatch.setattr(ui.auth, "_authlib_installed", lambda: True)


def tab(model: Path, user: dict | None = None, grid: str | None = None) -> AppTest:
    """A new browser session on Compare: signed in as `user` (None: nobody), its address naming `grid` (None: none)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if user is not None:
        at.secrets["auth"] = AUTH
        at.user = user
    at.session_state["active_model"] = str(model)
    if grid is not None:
        at.query_params["grid"] = grid
    at.run()
    at.switch_page("pages/5_Compare.py").run()
    assert not at.exception, at.exception
    return at


def start_grid(model: Path, user: dict | None = None) -> AppTest:
    """A tab that starts a grid (seed 7, GRID_TOKENS new tokens), held until the test releases it."""
    first = tab(model, user)
    first.number_input(key="compare_seed").set_value(7)
    first.slider(key="compare_max_new").set_value(GRID_TOKENS)
    button(first, "Generate").click()
    first.run()
    assert not first.exception, first.exception
    assert not first.session_state["compare_job"].done
    return first


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


# ------------------------------------------------------------------------------------ 1. Stop in another tab


@pytest.mark.parametrize(
    ("starter", "stopper", "said"),
    [
        (None, None, "This grid was stopped just now from another tab that showed it too (the server knows no names"),
        (ANA, BOB, "bob@example.com stopped this grid just now from their tab, which showed it too."),
        (ANA, ANA, "You stopped this grid just now from another tab."),
    ],
    ids=["open server", "a teammate", "the same person"],
)
def test_a_stop_in_a_tab_following_the_grid_is_said_in_the_tab_that_started_it(
    finished_run,  # noqa: F811
    varied_dir,
    held_grids,  # noqa: F811
    sign_in,
    starter,
    stopper,
    said,
):
    first = start_grid(varied_dir, starter)
    job = first.session_state["compare_job"]
    follower = tab(varied_dir, stopper, grid=first.query_params.get("grid"))
    assert follower.session_state["compare_job"] is job
    whose = [c for c in captions(follower) if "started this grid" in c or "This grid was started" in c]
    assert len(whose) == 1 and "**Stop** ends it" in whose[0], captions(follower)  # the follower is told first
    assert not any("started this grid" in c or "This grid was started" in c for c in captions(first))  # its own
    button(follower, "Stop").click()
    follower.run()
    held_grids.set()
    assert job.wait(DEADLINE_S) and job.cancelled

    first.run()
    assert not first.exception, first.exception
    notes = [i for i in infos(first) if "stopped this grid" in i or "This grid was stopped" in i]
    assert len(notes) == 1 and notes[0].startswith(said), infos(first)
    assert ". Kept below: " in notes[0]
    finished = job.progress().finished
    kept = "(none had finished)" if not finished else f"the {finished} cell"
    assert kept in notes[0], notes[0]
    follower.run()  # the tab whose Stop it was says nothing of the kind: its own Stop
    assert not any("stopped this grid" in i or "This grid was stopped" in i for i in infos(follower))


def test_what_a_stopped_grid_kept_is_said_by_its_finished_cells():
    from types import SimpleNamespace

    from ui.compare_follow import _kept_said

    def job(finished: int, answers: int = 9):
        return SimpleNamespace(progress=lambda: SimpleNamespace(finished=finished, answers=answers))

    assert _kept_said(job(0)) == "what each cell had written when it stopped (none had finished)"
    assert _kept_said(job(1)) == "the 1 cell that had finished, and what the other 8 had written when it stopped"
    assert _kept_said(job(9)) == "all 9 cells"


# ------------------------------------------------------------------------------- 2. reading the prompts first


def test_a_grid_reading_its_prompts_says_so_and_quotes_no_time_left_until_its_writing_pace_is_measured(
    finished_run,  # noqa: F811
    varied_dir,
    held_grids,  # noqa: F811
):
    from ui.compare_view import duration

    first = start_grid(varied_dir)
    job = first.session_state["compare_job"]
    until = time.monotonic() + DEADLINE_S
    while job.started is None:  # the device held, the prompts' first forward not yet done
        assert time.monotonic() < until
        time.sleep(0.02)
    first.run()
    (bar,) = first.get("progress")
    assert bar.proto.text.startswith("Reading the prompts (prefill) before the first of at most 144 tokens · ")
    assert bar.proto.text.endswith("the time left is said once the answers are being written"), bar.proto.text
    held_grids.set()
    assert job.wait(DEADLINE_S) and job.error is None, job.error
    assert job.first is not None and job.first[1] == 6  # the first tokens: one for each of the 6 answers
    assert job.progress().prefill_s == job.first[0] <= job.progress().elapsed_s

    # The walk's grid mid-way, drawn by hand (AppTest runs no timer), 26 s of decoding on the clock: 25 s to read the
    # prompts, then 2 tokens an answer.
    full = job.snapshot()
    try:
        job.tokens[:] = [t[:2] for t in full]
        job.done, job.first = False, (25.0, 6)
        job.ended = job.started + 26.0  # its clock stopped there (a running job's is now's)
        first.run()
        (bar,) = first.get("progress")
        assert bar.proto.text.startswith("12 of at most 144 tokens written · 0 of 6 answers finished · 26 s")
        assert bar.proto.text.endswith("time left: measuring the writing pace"), bar.proto.text  # 1 s of writing
        job.first = (21.0, 6)  # 5 s of writing since the first tokens, but one step (6 more tokens): not a pace yet
        first.run()
        (bar,) = first.get("progress")
        assert bar.proto.text.endswith("time left: measuring the writing pace"), bar.proto.text
        job.tokens[:] = [t[:5] for t in full]  # 4 steps in those 5 s: 24 more tokens
        first.run()
        (bar,) = first.get("progress")
        left = duration((144 - 30) * 5.0 / 24)  # 24 s; over the whole 26 s (the prefill in it) it said 1 min 39 s
        assert (
            bar.proto.text
            == f"30 of at most 144 tokens written · 0 of 6 answers finished · 26 s · at most about {left} left"
        )
    finally:
        job.tokens[:], job.done = full, True


# ------------------------------------------------------------------------- 3. a reload while on another page


def test_compare_opened_without_the_grids_address_offers_the_running_grid_and_follows_it_only_when_asked(
    finished_run,  # noqa: F811
    varied_dir,
    held_grids,  # noqa: F811
    monkeypatch,
):
    import ui.compare_follow

    first = start_grid(varied_dir)
    job, token = first.session_state["compare_job"], first.query_params.get("grid")
    # Nobody is signed in: a grid an open tab shows (a teammate's, watching it) is not offered to another session.
    monkeypatch.setattr(ui.compare_follow, "shown_now", lambda job: True)
    assert not any("still running" in i for i in infos(tab(varied_dir)))
    monkeypatch.setattr(ui.compare_follow, "shown_now", lambda job: False)  # the tab that showed it was reloaded
    reloaded = tab(varied_dir)  # the tab reloaded on the Train page: its address names no grid
    assert "compare_job" not in reloaded.session_state  # offered, not adopted
    (offered,) = [i for i in infos(reloaded) if "still running" in i]
    assert offered.startswith("A grid started just now is still running with no tab showing it (2 models × ")
    assert "a teammate's whose tab closed (the server knows no names without a sign-in)" in offered
    assert "Unfollowed, it ends about 2 minutes after its tab went." in offered  # Streamlit's 120 s session TTL
    # Its answers' length and seed, which the boxes here show only once it is followed (helper 238)
    assert f"3 settings, answers of up to {GRID_TOKENS} tokens, seed 7; the prompt: “" in offered, offered
    assert "**Follow it** to see it here, with its settings" in offered
    assert any("Press **Generate**" in i for i in infos(reloaded))
    reloaded.slider(key="compare_max_new").set_value(200).run()  # moved here before following the grid
    reloaded.number_input(key="compare_seed").set_value(3).run()
    button(reloaded, "Follow it").click()
    reloaded.run()
    assert not reloaded.exception, reloaded.exception
    assert reloaded.session_state["compare_job"] is job
    assert reloaded.query_params.get("grid") == token  # a reload of this tab now follows it by its address
    assert reloaded.number_input(key="compare_seed").value == 7  # the boxes it was made with
    assert reloaded.slider(key="compare_max_new").value == GRID_TOKENS  # its answers' length too (helper 238)
    assert not any("still running" in i for i in infos(reloaded))  # followed: nothing more to offer
    assert any(b.label == "Stop" for b in reloaded.button)
    held_grids.set()
    assert job.wait(DEADLINE_S)
    assert not any("still running" in i for i in infos(tab(varied_dir)))  # ended: nothing is offered


def test_a_signed_in_person_is_offered_their_own_running_grid_and_never_a_teammates(
    finished_run,  # noqa: F811
    varied_dir,
    held_grids,  # noqa: F811
    sign_in,
    monkeypatch,
):
    import ui.compare_follow

    start_grid(varied_dir, ANA)
    monkeypatch.setattr(ui.compare_follow, "shown_now", lambda job: True)  # her first tab is open: hers all the same
    bob = tab(varied_dir, BOB)
    assert not any("still running" in i for i in infos(bob)) and not any(b.label == "Follow it" for b in bob.button)
    anonymous = tab(varied_dir)  # nobody signed in here: not Ana's grid to offer either
    assert not any("still running" in i for i in infos(anonymous))
    ana = tab(varied_dir, ANA)
    (offered,) = [i for i in infos(ana) if "still running" in i]
    assert offered.startswith(
        f"A grid you started just now is still running (2 models × 3 settings, answers of up to {GRID_TOKENS} tokens, "
        "seed 7; the prompt: “"
    ), offered
    assert any(b.label == "Follow it" for b in ana.button)


def test_shown_now_says_whether_a_connected_tab_still_shows_the_grid(ttl, started):  # noqa: F811
    from ftlib.job_owners import OwnerWatch
    from tests.test_job_owners import Spinning
    from ui import job_owner

    def test(tabs: Tabs) -> None:
        first = tabs.open()
        job = Spinning().start()
        started.append(job)
        job_owner.watch_for_session(job, tabs.runtime, first, OwnerWatch(every_s=None))
        assert job_owner.shown_now(job), "its tab is open: a teammate's grid they watch, not offered to others"
        tabs.lose(first)  # a reload: the old session is gone, and no new one follows it yet
        assert not job_owner.shown_now(job)
        assert job_owner.also_shown_in(job, tabs.open())  # followed (by its address, or Follow it)
        assert job_owner.shown_now(job)

    in_runtime(test)
    assert not job_owner.shown_now(Spinning()), "a job nobody watches (AppTest's) is shown by no tab known"
