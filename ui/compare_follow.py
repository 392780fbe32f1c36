"""A Compare grid followed by a reload of the tab that started it.

A reload is a new browser session: the grid's job and labels in session_state are gone, and the page said "Press
Generate" while the grid kept its place in the device's line until Streamlit forgot the old session (~120 s,
`ui.job_owner`), so a teammate's evaluation or a training run waited behind a grid nobody would see (helper 208).
The tab's address outlives a reload, so the grid's token is written into it (`?grid=...`) while the grid runs
(`note_started`, `keep_in_address`), and a new session whose address names a running grid follows it (`follow`): the
grid's job and labels become the session's, the boxes it was made with are put back (as Evaluate's
`ui.evaluate_choices.follow_running` does for its boxes), and the session becomes one of the job's owners
(`ui.job_owner.also_shown_in`), so the grid runs on while the reloaded tab shows it: its progress, Stop, its result.

The address carries it into a reload of the tab; a reload while the tab was on another page (whose sidebar link drops
`?grid=`), or another tab of the same person, is *offered* the grid instead (`offer`, `offer_view`): Compare opened
with no grid of its own says a grid this person started is still running, when and with what, and follows it only on
**Follow it**. This person: the one signed in with OIDC (`ui.auth.who`), only their own grids; where nobody is signed
in (an open server, the password alone: people cannot be told apart), a grid started so that no open tab shows any more
(`ui.job_owner.shown_now`: a reload's, a closed tab's, which ends once the session TTL is over), said to be perhaps a
teammate's: a teammate's grid shown in their tab is never offered, and none is followed unasked. A teammate opening
Compare otherwise starts on "Press Generate" as before. The token is random
(`secrets.token_urlsafe`), so no other grid is reached by guessing.

A grid shown in several tabs is stopped by any of their Stop buttons (`stop`): the others say who stopped it, from
which tab, and what was kept (`stopped_elsewhere_said`), and a tab following a grid it did not start says whose it is
and that its Stop ends it there too (`started_elsewhere_said`). A tab is named by a random mark in its session
(`SESSION_KEY`), not Streamlit's session id, which a reload changes and AppTest shares.
Not known here: the grid's drawing (pages/5_Compare.py), generation (`ftlib.modelset.GenerationJob`).
"""

from __future__ import annotations

import secrets
import time
import weakref
from dataclasses import dataclass

import streamlit as st

from ftlib.errors import plural
from ftlib.run_people import Who
from ftlib.run_picker import age_words
from ui import alerts
from ui.auth import who
from ui.job_owner import also_shown_in, session_ttl, shown_now
from ui.kept import KEPT

PARAM = "grid"  # the address's query parameter naming the tab's running grid
TOKEN_KEY = "compare_grid_token"  # session key: the token of this session's grid (started or followed)
# The boxes a grid is made with, by their widget keys: Compare's own (runs, settings, seed, length, prompt, test row,
# template, Thinking) and the custom column's sliders. The next-token view's (`view_*`) are not the grid's.
BOX_PREFIXES = ("compare_", "custom_")

SESSION_KEY = "compare_tab"  # session key: this tab's random mark (`_tab`), for who started and who stopped a grid
OFFER_KEY = "compare_follow_offer"  # the offer's Follow it button

_GRIDS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()  # token -> its grid's job, while anything holds it
_SHOWN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # job -> (its labels, the boxes it was made with)


@dataclass(frozen=True)
class Act:
    """Who did something to a grid: the tab (`SESSION_KEY`'s mark), the person signed in there (None: nobody known)
    and when (`time.time()`)."""

    tab: str
    who: Who | None
    at: float


_STARTED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # job -> its start's Act
_STOPPED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # job -> the Act of the Stop that ended it


def _tab() -> str:
    """This browser session's random mark (kept in session_state: a reload is a new one)."""
    return st.session_state.setdefault(SESSION_KEY, secrets.token_hex(8))


def _act() -> Act:
    return Act(_tab(), who(), time.time())


def grid_boxes() -> dict:
    """The values of the boxes the grid is made with (`BOX_PREFIXES`), as this page run left them: `ui.kept`'s copies,
    made as each box was drawn."""
    return {k: v for k, v in st.session_state.get(KEPT, {}).items() if k.startswith(BOX_PREFIXES)}


def note_started(job, labels: dict, boxes: dict) -> str:
    """Note `job` (a grid just started in this session) with its `labels` (the page's LABELS_KEY dict) and the `boxes`
    it was made with (`grid_boxes`), under a new token written into the tab's address, for a reload to follow it.
    Returns the token."""
    token = secrets.token_urlsafe(9)
    _GRIDS[token] = job
    _SHOWN[job] = (labels, dict(boxes))
    _STARTED[job] = _act()
    st.session_state[TOKEN_KEY] = token
    st.query_params[PARAM] = token
    return token


def follow(job_key: str, labels_key: str):
    """Before the page draws its boxes: where this session has no grid of its own running and the address names one
    that runs (a reload of the tab that started it), make it this session's grid (`job_key`, `labels_key` of
    session_state), put the boxes it was made with back (`ui.kept.restore` puts them into the boxes as they are drawn)
    and have it run on while this session is there (`also_shown_in`). Returns the grid followed, or None."""
    own = st.session_state.get(job_key)
    if own is not None and not own.done:  # its own grid is never displaced
        return None
    token = st.query_params.get(PARAM)
    job = _GRIDS.get(token) if token else None
    if job is None or job.done or job is own or job not in _SHOWN:
        return None
    labels, boxes = _SHOWN[job]
    kept = st.session_state.setdefault(KEPT, {})
    for key, value in boxes.items():
        kept[key] = value
        st.session_state.pop(key, None)
    st.session_state[job_key], st.session_state[labels_key] = job, labels
    st.session_state[TOKEN_KEY] = token
    also_shown_in(job)
    return job


def keep_in_address(job) -> None:
    """After the grid, on each page run: the address names this session's grid (`job`) while it runs (put back after
    a visit to another page, whose link drops it), and no grid once it has ended (a reload then starts afresh)."""
    token = st.session_state.get(TOKEN_KEY)
    if job is not None and not job.done and token is not None and _GRIDS.get(token) is job:
        if st.query_params.get(PARAM) != token:
            st.query_params[PARAM] = token
    elif PARAM in st.query_params:
        del st.query_params[PARAM]


def stop(job) -> None:
    """The grid's Stop, pressed in this tab: noted as this tab's and this person's (the first Stop only), so the other
    tabs showing `job` say who stopped it (`stopped_elsewhere_said`); then `job` is cancelled."""
    if not job.cancelled:
        _STOPPED[job] = _act()
    job.cancel()


def _kept_said(job) -> str:
    """What a stopped grid kept, in words: its finished cells, and what the others had written."""
    p = job.progress()
    if p.finished == 0:
        return "what each cell had written when it stopped (none had finished)"
    rest = p.answers - p.finished
    kept = f"the {plural(p.finished, 'cell')} that had finished" if rest else f"all {p.answers} cells"
    return kept + (f", and what the other {rest} had written when it stopped" if rest else "")


def stopped_elsewhere_said(job) -> str | None:
    """Above a grid that a Stop in another tab ended (a tab following it: this tab reloaded, duplicated, its address
    opened elsewhere): who stopped it (you, in another tab; a teammate signed in, by name; else another tab, nobody
    named) and what was kept (the cells finished). None where it was not so stopped, or stopped in this tab. Before,
    this tab said only "Stopped: 3 of 9 answers", as if its own Stop had been pressed."""
    stopped = _STOPPED.get(job)
    if not job.done or not job.cancelled or stopped is None or stopped.tab == _tab():
        return None
    me, when = who(), age_words(time.time() - stopped.at)
    if stopped.who is not None and stopped.who == me:
        by = f"You stopped this grid {when} from another tab."
    elif stopped.who is not None:
        by = f"{stopped.who.text()} stopped this grid {when} from their tab, which showed it too."
    else:
        by = (
            f"This grid was stopped {when} from another tab that showed it too (the server knows no names without a "
            "sign-in)."
        )
    return f"{by} Kept below: {_kept_said(job)}."


def started_elsewhere_said(job) -> str | None:
    """Above a running grid this tab follows but did not start: whose it is and that its **Stop** ends it there too
    (as Evaluate says of an evaluation followed, `ui.evaluate_choices.started_elsewhere_said`); None for this tab's
    own grid, or one whose start was not noted."""
    started = _STARTED.get(job)
    if job.done or started is None or started.tab == _tab():
        return None
    me = who()
    if started.who is not None and started.who == me:
        return "You started this grid in another tab, or in this one before a reload: **Stop** ends it there too."
    if started.who is not None:
        return f"{started.who.text()} started this grid, which this page follows: **Stop** ends it for them too."
    return (
        "This grid was started in another browser session (another tab, this tab before a reload, or a teammate's; "
        "the server knows no names without a sign-in): **Stop** ends it there too."
    )


def offer(job_key: str) -> tuple[str, object] | None:
    """The running grid this session may follow though its address names none (a reload while the tab was on another
    page, whose link dropped `?grid=`; another tab of the same person): where this session has no grid
    (`job_key` of session_state), the newest running grid started by the person signed in here, or, where nobody is
    signed in here, by a session where nobody was (the server cannot tell its people apart) and shown by no open tab
    now (`shown_now`: a teammate watching theirs is not offered it). (token, job), or None."""
    if st.session_state.get(job_key) is not None:
        return None
    me, found = who(), None
    for token, job in list(_GRIDS.items()):
        started = _STARTED.get(job)
        if job.done or started is None or started.who != me or started.tab == _tab():
            continue
        if me is None and shown_now(job):  # nobody named: only a grid no open tab shows (a reload's, a closed tab's)
            continue
        if found is None or started.at > _STARTED[found[1]].at:
            found = (token, job)
    return found


def offer_said(job) -> str:
    """The offer of a running grid (`offer`) in words: who started it and when, its models and settings, its answers'
    length and seed (the boxes of a tab that has not followed it show its own, after a reload the values last set
    there: "Max new tokens 96" beside a grid of 512), the start of its prompt, and what following it does (its boxes
    put back)."""
    started, (labels, boxes) = _STARTED[job], _SHOWN[job]
    models, settings = len(labels.get("models", ())), len(labels.get("settings", ()))
    prompt = next((str(m.get("content") or "") for m in reversed(labels.get("prompt", [])) if m), "")
    prompt = " ".join(prompt.split())
    quoted = f"; the prompt: “{prompt[:60]}{'…' if len(prompt) > 60 else ''}”" if prompt else ""
    made = [
        f"answers of up to {boxes['compare_max_new']} tokens" if boxes.get("compare_max_new") is not None else "",
        f"seed {boxes['compare_seed']}" if boxes.get("compare_seed") is not None else "",
    ]
    made_said = "".join(f", {m}" for m in made if m)
    what = f"({plural(models, 'model')} × {plural(settings, 'setting')}{made_said}{quoted})"
    when = age_words(time.time() - started.at)
    if started.who is not None:
        head = f"A grid you started {when} is still running {what}, in another tab or in this one before a reload."
    else:
        ends = max(1, round(session_ttl() / 60))
        head = (
            f"A grid started {when} is still running with no tab showing it {what}: yours from this tab before a "
            "reload, or a teammate's whose tab closed (the server knows no names without a sign-in). Unfollowed, it "
            f"ends about {plural(ends, 'minute')} after its tab went. **Follow it** to see it here, with its "
            "settings, progress and result."
        )
        return head
    follow = "**Follow it** to see it here, with its settings, progress and result"
    return f"{head} {follow}; its **Stop** ends it there too."


def _follow_offered(token: str) -> None:
    st.query_params[PARAM] = token  # the page's `follow`, at the top of the run this click starts, follows it


def offer_view(job_key: str) -> None:
    """Where this session has no grid and one is offered (`offer`): the offer in words and a **Follow it** button,
    which follows it (its token put into the address, as a reload's). Draws nothing otherwise."""
    found = offer(job_key)
    if found is None:
        return
    token, job = found
    st.info(offer_said(job), icon=alerts.INFO)
    st.button("Follow it", key=OFFER_KEY, on_click=_follow_offered, args=(token,))


__all__ = [
    "PARAM",
    "follow",
    "grid_boxes",
    "keep_in_address",
    "note_started",
    "offer",
    "offer_said",
    "offer_view",
    "started_elsewhere_said",
    "stop",
    "stopped_elsewhere_said",
]
