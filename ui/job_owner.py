"""A background job ends with the browser session that started it (a closed tab, an expired session), so a Compare
grid or a reward preview nobody will read stops computing and lets go of the device's lease for the teammates in line
(an evaluation, kept in its run's folder, finishes: below).

`install()` (ui.common calls it on import, once per process is enough) has `ftlib.jobs` note every job started in a
page's script run: `WATCH`, an `ftlib.job_owners.OwnerWatch`, then cancels it once its session is gone.

When a session is gone, as Streamlit sees it (streamlit/runtime/websocket_session_manager.py):
- a session is one browser tab: switching page (st.navigation) keeps it, so its jobs carry on and the pages show
  their results on the way back (`st.session_state`);
- a tab closed or its connection lost *disconnects* the session: Streamlit keeps it for `server.disconnectedSessionTTL`
  seconds (120 by default) and a tab that reconnects in that time (a network blip, a laptop lid) gets the same
  session back, its state and its jobs with it; after that nobody can reconnect to it;
- so a job's owner is gone when its session has not been connected (`Runtime.is_active_session`, safe from any
  thread) for that TTL on end, counted from the first of the watch's sweeps (every `SWEEP_S` seconds) that found it
  disconnected: a reconnectable session never loses its job. A reload of the page is a new session: the old one's
  job ends after the TTL, unless the new one follows it (a Compare grid: `ui.compare_follow`, `also_shown_in`);
- except a job that keeps its result in the run's folder (`outlives_its_tab`: the evaluations of `ftlib.eval_results`),
  which finishes: a reload, another tab or a teammate shows its result, as before. What ends is what only its tab
  would have shown: a Compare grid, a reward preview.

Jobs started outside a script run (no session) or under AppTest (its Runtime is a stand-in, with no browser to
lose) are not watched.
"""

from __future__ import annotations

import weakref

from streamlit import config
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ftlib import jobs
from ftlib.job_owners import OwnerWatch

SWEEP_S = 2.0  # seconds between the watch's looks at the sessions
WHY = "the browser session that started it has ended (its tab was closed or lost its connection)"
WATCH = OwnerWatch(every_s=SWEEP_S)


def session_ttl() -> float:
    """Seconds Streamlit keeps a disconnected session for its tab to reconnect (`server.disconnectedSessionTTL`)."""
    return float(config.get_option("server.disconnectedSessionTTL"))


# Job -> the browser sessions it is shown in: the one that started it, and any that follow it since (a reload of its
# tab, `ui.compare_follow`: `also_shown_in`). The job ends once none of them has been connected for the TTL.
_SESSIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_RUNTIMES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # job -> the Runtime its sessions are asked of


def watch_for_session(job, runtime, session_id: str, watch: OwnerWatch | None = None) -> None:
    """Have `watch` (None: `WATCH`) cancel `job` once `runtime` (a Streamlit `Runtime`) has had no connected session
    `session_id`, nor any session given it since by `also_shown_in`, for `session_ttl()` seconds."""
    sessions = _SESSIONS.setdefault(job, set())
    sessions.add(session_id)
    _RUNTIMES[job] = runtime
    (watch or WATCH).watch(
        job,
        alive=lambda: any(runtime.is_active_session(s) for s in tuple(sessions)),
        grace_s=session_ttl(),
        owner=f"browser session {session_id}",
        why=WHY,
    )


def also_shown_in(job, session_id: str | None = None) -> bool:
    """`job`, watched for the session that started it, is shown in session `session_id` too (None: the session of the
    script run calling this): it carries on while either is there. A reload is a new session, and its tab follows the
    grid it had started (`ui.compare_follow`): without this, the grid ended ~120 s after the reload, the old session's
    TTL, under the eyes of the tab that showed it. Returns False where `job` is not watched (started outside a page
    or under AppTest, or an evaluation, which ends with no tab)."""
    sessions, session_id = _SESSIONS.get(job), session_id or _calling_session()
    if sessions is None or session_id is None:
        return False
    sessions.add(session_id)
    return True


def shown_now(job) -> bool:
    """Whether a browser session showing `job` (the one that started it, or one following it since: `also_shown_in`)
    is connected now. False where none is, or where `job` is not watched (started outside a page, or under AppTest):
    Compare offers such a grid, nobody named, to a session where nobody is signed in (`ui.compare_follow.offer`)."""
    sessions, runtime = _SESSIONS.get(job), _RUNTIMES.get(job)
    return sessions is not None and runtime is not None and any(runtime.is_active_session(s) for s in tuple(sessions))


def let_go(job, session_id: str | None = None) -> bool:
    """Session `session_id` (None: the session of the script run calling this) no longer shows `job` (it starts
    another grid in its place): it no longer keeps the job going. Returns True where another session showing `job` is
    connected now (a duplicated tab, an address copied while the grid ran: `ui.compare_follow`), which goes on showing
    it, so the caller leaves it running; False where nobody else is there (the tab before a reload, gone), or where
    `job` is not watched (`also_shown_in`'s cases), and the caller ends it as before. A follower's Generate stopped
    the grid of the tab it was duplicated from (helper 218's review of 855b3981)."""
    sessions, runtime, session_id = _SESSIONS.get(job), _RUNTIMES.get(job), session_id or _calling_session()
    if sessions is None or runtime is None or session_id is None:
        return False
    sessions.discard(session_id)
    return any(runtime.is_active_session(s) for s in tuple(sessions))


def _calling_session() -> str | None:
    """The session of the script run calling this; None outside one (a thread of no page)."""
    ctx = get_script_run_ctx(suppress_warning=True)
    return None if ctx is None else ctx.session_id


def _own(job) -> None:
    """`ftlib.jobs`' start hook: watch a job started in a page's script run for its session."""
    if job.outlives_its_tab:  # an evaluation kept in its run's folder: a reload or a teammate reads it there
        return
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None or not Runtime.exists():
        return
    runtime = Runtime.instance()
    if type(runtime) is not Runtime:  # AppTest's MagicMock(spec=Runtime): no browser, and it says every session lives
        return
    watch_for_session(job, runtime, ctx.session_id)


def install() -> None:
    """Watch every job started in a page from now on (idempotent)."""
    jobs.on_start(_own)
