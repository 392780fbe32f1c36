"""The finished-run pickers of Compare and Evaluate: the run last chosen on either page comes first, unless a run on
the current dataset finished since; else the newest finished run trained on the current dataset (ftlib.run_picker).
Each run is named by its short label with its age, steps and last step's loss beside it.

The last pick outlives the session (`ui.kept.ACROSS_SESSIONS`): a reload, a second tab or a server restart offers the
run the person was looking at (and so Evaluate's result kept with it), not the newest, checked against the runs
offered now (a run deleted since is not offered: the newest is). Its scope is the workspace's, as the active split's.

    name = pick_run("Run", runs, key="eval_run")                   # one run (Evaluate)
    names = pick_runs("Fine-tuned models", runs, key="cmp_runs")    # some runs (Compare)
"""

from __future__ import annotations

import time

import streamlit as st

from ftlib.run_picker import RunChoice, preselect, run_choices
from ui.common import active_split_name
from ui.kept import default_for, keep, restore

# (name, when) of the run last chosen on Compare or Evaluate. Not a widget key: Streamlit drops a widget's state when
# its page is left, and this must outlive the page; recorded in the workspace too (ui.kept.ACROSS_SESSIONS).
LAST_PICK_KEY = "run_choice_last_pick"


def describe(choice: RunChoice) -> str:
    return f"{choice.label} — {choice.facts}"


def _last_pick() -> tuple[str, float] | None:
    """(name, when) of the run last chosen, in this session or, for a new one, as the workspace recorded it; None when
    none was or the record does not read as one (JSON gives a list back)."""
    restore(LAST_PICK_KEY)  # a new session: the workspace's record, as ui.kept puts back any kept choice
    last = st.session_state.get(LAST_PICK_KEY)
    if isinstance(last, list | tuple) and len(last) == 2:
        name, when = last
        if isinstance(name, str) and isinstance(when, int | float) and not isinstance(when, bool):
            return name, float(when)
    return None


def _choices(adapters) -> tuple[list[RunChoice], int | None]:
    choices = run_choices(adapters)  # preselect offers the last pick only while it is among them
    return choices, preselect(choices, active_split_name(), _last_pick())


def _remember(name: str) -> None:
    last = _last_pick()
    if last is None or last[0] != name:
        st.session_state[LAST_PICK_KEY] = (name, time.time())
        keep(LAST_PICK_KEY, [name, st.session_state[LAST_PICK_KEY][1]])  # as JSON reads it back: compared equal


def _ages(by_name: dict[str, RunChoice], names: list[str]) -> None:
    """When the chosen runs finished, under the picker (not in its option text, which must not change over time)."""
    ages = [f"{by_name[n].label}: finished {by_name[n].age}" for n in names if n in by_name and by_name[n].age]
    if ages:
        st.caption(" · ".join(ages))


def pick_run(label: str, adapters, key: str, help: str | None = None) -> str:
    """One finished run's name (its id); the newest on the current dataset is chosen first."""
    choices, first = _choices(adapters)
    by_name = {c.name: c for c in choices}
    name = st.selectbox(
        label, list(by_name), index=first or 0, key=key, help=help, format_func=lambda n: describe(by_name[n])
    )
    _ages(by_name, [name] if name else [])
    if name:
        _remember(name)
    return name


def pick_runs(label: str, adapters, key: str, help: str | None = None) -> list[str]:
    """Some finished runs' names; the newest on the current dataset is chosen first. The choice outlives a visit to
    another page (`ui.kept`), less the runs no longer among `adapters` (deleted, or on another base model)."""
    choices, first = _choices(adapters)
    by_name = {c.name: c for c in choices}
    default = default_for(key, [choices[first].name] if first is not None else [], by_name)
    names = st.multiselect(
        label, list(by_name), default=default, key=key, help=help, format_func=lambda n: describe(by_name[n])
    )
    keep(key)
    _ages(by_name, names)
    last = _last_pick()
    if names and (last is None or last[0] not in names):
        _remember(names[-1])  # the run added last
    if choices and not names:
        st.caption("No fine-tuned model chosen: the base model only.")
    return names


def choices_by_name(adapters) -> dict[str, RunChoice]:
    """Each finished run's RunChoice by its name: the short label and facts that stand for its long id."""
    return {c.name: c for c in run_choices(adapters)}


__all__ = ["choices_by_name", "describe", "pick_run", "pick_runs"]
