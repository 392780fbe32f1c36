"""One way to draw a fragment that polls (`st.fragment(run_every=...)`), safe from Streamlit 1.67's late-poll race.

Why (docs/ARCHITECTURE.md, "Bad delta path index"): a fragment's id is its function's `__qualname__` and its place.
The browser's timed polls race every run that draws the fragment again (a page run: the fragment's own last poll
rerunning the page, a click outside it; or, for a fragment nested in another, a run of the outer one). A poll that
found a fragment of the same id dropped that run's messages of the fragment not yet sent but kept the elements sent as
references to the browser's cache (over 10 kB, unchanged), and a later reference below the pruned block froze the
page for good. A poll for an id the run did not register is skipped and drops none of its messages
(AppSession.request_rerun; ScriptRunner's FragmentStorageKeyError).

The same start keeps the messages of a fragment nested in the polling one (they carry the nested one's id, not the
polled one's), and a poll's start drops the previous poll's unsent messages whenever polls come back to back (a
poll's run slower than its period, on a busy server): the Train section's poll that drew the Export panel (its run had
just finished) lost its own elements past the run's charts but kept the panel's nested block at index 15 of a section
the browser held 13 elements of, "Bad delta path index 15 (should be between [0, 13])" (CI, the sixteen-sessions
browser test). So inside a polling fragment, `polling_fragment` draws a nested one in place, as part of the polling
one: its elements carry the polling one's id and go or stay with the rest (tests/test_nested_fragment_drops_h226.py).

The rule for callers: poll only while something runs, and draw a finished result with the page, not inside the
fragment (in a `st.container()` where the fragment stood): a finished result is what can exceed 10 kB, and its page
run then has no fragment messages for a late poll to drop. tests/test_fragment_ids_all.py checks each caller.
"""

from __future__ import annotations

import contextvars
import functools
import uuid
from collections.abc import Callable

import streamlit as st

# True while a polling fragment's `draw` runs (in the page's run or its own): a fragment asked for inside it is drawn
# in place, not nested (module docstring).
_IN_POLLING = contextvars.ContextVar("in_polling_fragment", default=False)


def polling_fragment(draw: Callable[[], None], run_every: float | None) -> None:
    """Draw `draw()` here as a fragment, rerun alone every `run_every` seconds (None or 0: not polled, one stable id).

    While it polls, the fragment is registered under a name of its own for this call (`draw.__qualname__` and a
    nonce), so every run that draws it gets a new id and a late poll for the old one finds nothing (after a page run
    ended by `st.stop()`, which keeps old ids registered, it reruns the old fragment, whose start drops only messages
    of its own id: none of that run's); the fragment's own runs (a poll, a click in it) call the function Streamlit
    kept at registration, not this one, so they keep the id and rerun it alone.

    A new name per call, not per page run: a fragment nested in another (the Export panel in Train's runs section) is
    registered again by each run of the outer fragment, which re-sends its elements as a page run does, so its name
    must change with each outer run; the outer run drops the old child and stops its timer (ScriptRunner:
    clear_stale_descendants), and a page run that reaches its end keeps only the fragments it registered
    (FragmentStorage.clear), so old ids do not pile up. Not polling, the fragment keeps one name, so a click in it
    reruns it alone under the same id.

    Inside a polling fragment (the Export panel in Train's runs section while a run trains), `draw()` is called in
    place, not as a fragment of its own: a poll's start keeps a nested fragment's unsent elements while it drops the
    polling one's before them, which froze the page (module docstring). It is then redrawn by each run of the polling
    one, a poll included, and a click in it reruns that one.

    `draw` is called with no arguments; its `__name__` and module are kept (tests spy on them)."""
    if _IN_POLLING.get():
        draw()
        return

    @functools.wraps(draw)
    def fragment() -> None:
        if not run_every:
            draw()
            return
        token = _IN_POLLING.set(True)
        try:
            draw()
        finally:
            _IN_POLLING.reset(token)

    if run_every:
        fragment.__qualname__ = f"{draw.__qualname__}[{uuid.uuid4().hex[:12]}]"
    st.fragment(run_every=run_every or None)(fragment)()


__all__ = ["polling_fragment"]
