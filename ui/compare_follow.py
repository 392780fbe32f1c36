"""A Compare grid followed by a reload of the tab that started it.

A reload is a new browser session: the grid's job and labels in session_state are gone, and the page said "Press
Generate" while the grid kept its place in the device's line until Streamlit forgot the old session (~120 s,
`ui.job_owner`), so a teammate's evaluation or a training run waited behind a grid nobody would see (helper 208).
The tab's address outlives a reload, so the grid's token is written into it (`?grid=...`) while the grid runs
(`note_started`, `keep_in_address`), and a new session whose address names a running grid follows it (`follow`): the
grid's job and labels become the session's, the boxes it was made with are put back (as Evaluate's
`ui.evaluate_choices.follow_running` does for its boxes), and the session becomes one of the job's owners
(`ui.job_owner.also_shown_in`), so the grid runs on while the reloaded tab shows it: its progress, Stop, its result.

Only the address carries it: another tab or a teammate opening Compare starts on "Press Generate" as before (a grid
is its tab's own; nothing of it is kept anywhere else); an address copied while the grid runs shows the grid, and its
Stop stops it. The token is random (`secrets.token_urlsafe`), so no other grid is reached by guessing.
Not known here: the grid's drawing (pages/5_Compare.py), generation (`ftlib.modelset.GenerationJob`).
"""

from __future__ import annotations

import secrets
import weakref

import streamlit as st

from ui.job_owner import also_shown_in
from ui.kept import KEPT

PARAM = "grid"  # the address's query parameter naming the tab's running grid
TOKEN_KEY = "compare_grid_token"  # session key: the token of this session's grid (started or followed)
# The boxes a grid is made with, by their widget keys: Compare's own (runs, settings, seed, length, prompt, test row,
# template, Thinking) and the custom column's sliders. The next-token view's (`view_*`) are not the grid's.
BOX_PREFIXES = ("compare_", "custom_")

_GRIDS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()  # token -> its grid's job, while anything holds it
_SHOWN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # job -> (its labels, the boxes it was made with)


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


__all__ = ["PARAM", "follow", "grid_boxes", "keep_in_address", "note_started"]
