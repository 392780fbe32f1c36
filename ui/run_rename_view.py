"""The Train page's "Rename…" of the run it shows: a box with the run's name and a Rename button under its controls;
the engine is `ftlib.run_rename.rename`, which `python -m ftlib runs rename ID NAME` calls too.

    rename_control(b3, info)   # in `ui.run_view.controls`: the button in a column, the box under the controls

The name is what the picker, the runs table, Compare and Evaluate show for the run; its id (its folder) stays, so a
link, a command or a GRPO run that names it by id still finds it. Two clicks, as Delete…: the box belongs to the run
it was opened for and closes when the picker shows another. What the rename did (or why it was refused) is said under
the controls while the picker shows that run, until the next "Rename…" or Cancel, and a rename's while the run keeps
that name: said once, the next poll of a page following an active run (about every second) took it away unread.
"""

from __future__ import annotations

import streamlit as st

from ftlib.config_checks import name_length
from ftlib.errors import UserError
from ftlib.run_people import UNNAMED_BROWSER
from ftlib.run_picker import with_base
from ftlib.run_rename import MAX_NAME, rename
from ftlib.rundir import RunSummary
from ui import alerts
from ui.auth import who
from ui.common import os_failure

RENAMING = "train_renaming"  # session key: the run whose "Rename…" was clicked, its box open
# Session key: what the last Rename click did, {"run": ID, "name": the new name (None: refused), "said": [(kind,
# sentence), ...]}, said while the picker shows that run (and it keeps that name), until the next Rename… or Cancel.
SAID = "train_rename_said"


def _ask(run_id: str) -> None:
    st.session_state[RENAMING] = run_id
    st.session_state.pop(SAID, None)


def _cancel() -> None:
    st.session_state.pop(RENAMING, None)
    st.session_state.pop(SAID, None)


def _rename(run_id: str) -> None:
    """The Rename button's callback: it runs before the redraw, so the picker and the runs table show the new name.
    Refused, the box stays open with what was typed, and why is said under it."""
    try:
        # The signed-in person, where there is one; else a browser that named no one (as Stop and Delete record it)
        done = rename(run_id, st.session_state.get(f"rename_to_{run_id}", ""), by=who() or UNNAMED_BROWSER)
    except (UserError, OSError) as exc:
        said = os_failure(exc) if isinstance(exc, OSError) else exc
        st.session_state[SAID] = {
            "run": run_id,
            "name": None,
            "said": [("error", f"Could not rename the run: {said}")],
        }
        return
    st.session_state.pop(RENAMING, None)
    said = [("success", done.sentence()), *(("warning", w) for w in done.warnings)]
    st.session_state[SAID] = {"run": run_id, "name": done.new, "said": said}


def box_limit(name: str) -> int:
    """The New name box's `max_chars` for a run named `name`: the rule's `MAX_NAME`, or for a run named before names
    were checked (longer, `config_checks.run_name`) its name's own length, so the box holds it whole and can shorten
    it. At MAX_NAME such a name was cut by Streamlit to its first 100 characters, which the Rename button took
    without a word, and the browser took no key in the box (each Backspace still left it over the limit). Counted in
    UTF-16 units, as the browser counts a box's characters and the rule counts a name's (`name_length`: an emoji
    outside the BMP is two).

    >>> box_limit("pirate v2"), box_limit("k" * 147), box_limit("🏴" * 80)
    (100, 147, 160)
    """
    return max(MAX_NAME, name_length(name))


def rename_control(column, info: RunSummary) -> None:
    """The "Rename…" button of run `info` in `column` (of the controls' row), and under the controls, while it is
    open for this run, the box with its name and the Rename and Cancel buttons; what the last click did, while it
    is about this run as the picker shows it."""
    column.button(
        "Rename…",
        key=f"rename_ask_{info.id}",
        help="Another name for this run, the one the picker, the runs table, Compare and Evaluate show; its id stays.",
        on_click=_ask,
        args=(info.id,),
    )
    if st.session_state.get(RENAMING, info.id) != info.id:
        st.session_state.pop(RENAMING)  # opened for another run: switching runs closes it
    last = st.session_state.get(SAID)
    if last and (last["run"] != info.id or last["name"] not in (None, info.name.strip())):
        st.session_state.pop(SAID)  # another run shown, or renamed since (a teammate, the CLI): no longer true
        last = None
    for kind, sentence in last["said"] if last else ():
        alerts.show(kind, sentence)
    if st.session_state.get(RENAMING) != info.id:
        return
    name = info.name.strip()
    with st.container(border=True):
        st.text_input(
            "New name",
            value=name,
            # A run with no name: what the picker calls it now, not an empty box (helper 208's walk)
            placeholder=with_base(info, info.template),
            max_chars=box_limit(name),
            key=f"rename_to_{info.id}",
            help="One line. The run keeps its id, so links and commands that name it by id still find it.",
        )
        yes, no, _ = st.columns([3, 1, 2])
        yes.button("Rename", key=f"rename_{info.id}", type="primary", on_click=_rename, args=(info.id,))
        no.button("Cancel", key=f"rename_cancel_{info.id}", on_click=_cancel)


__all__ = ["RENAMING", "SAID", "box_limit", "rename_control"]
