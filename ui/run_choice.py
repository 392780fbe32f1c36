"""The finished-run pickers of Compare and Evaluate: the run last chosen on either page comes first, unless a run on
the current dataset finished since; else the newest finished run trained on the current dataset (ftlib.run_picker).
Each run is named by its short label with its age, steps and last step's loss beside it. Before both, the run this
browser session last started on Train or chose on any of the three pages (`chosen_here`), while it is finished: on a
shared server, the newest run and the last pick are often a teammate's.

A run this session had chosen (in a picker, or started or picked on Train) that someone deleted since is said once,
above the picker, with who deleted it where the workspace's removals log knows (`gone_words`, which Train's
`ui.run_view.gone_note` says it with too): the picker quietly moving to another run read as a lost choice.

The last pick outlives the session (`ui.kept.ACROSS_SESSIONS`): a reload, a second tab or a server restart offers the
run the person was looking at (and so Evaluate's result kept with it), not the newest, checked against the runs
offered now (a run deleted since is not offered: the newest is). Its scope is the workspace's, as the active split's.

    name = pick_run("Run", runs, key="eval_run")                   # one run (Evaluate)
    names = pick_runs("Fine-tuned models", runs, key="cmp_runs")    # some runs (Compare)
"""

from __future__ import annotations

import time
from collections.abc import Callable

import streamlit as st

from ftlib import runs, stored_people
from ftlib.model_card import studio_export
from ftlib.run_picker import RunChoice, model_name, preselect, run_choices
from ui import alerts
from ui.auth import browser_said
from ui.common import active_split_name
from ui.kept import KEPT, default_for, keep, restore

# (name, when) of the run last chosen on Compare or Evaluate. Not a widget key: Streamlit drops a widget's state when
# its page is left, and this must outlive the page; recorded in the workspace too (ui.kept.ACROSS_SESSIONS).
LAST_PICK_KEY = "run_choice_last_pick"
# The run this session last started (Train) or chose (Train's, Compare's or Evaluate's picker): this session's only,
# never the workspace's, so a teammate's start or pick never takes its place.
OWN_KEY = "run_choice_own"
# Picker key -> the OWN_KEY run it last offered: a run started or chosen elsewhere since comes first on its next draw.
OWN_SEEN_KEY = "run_choice_own_seen"
# The runs this session was told were deleted (or deleted itself): each is said once, on whichever page comes first.
GONE_SAID_KEY = "run_choice_gone_said"
# The pickers' help on which run they start on, in `preselect`'s order (Compare's and Evaluate's alike).
CHOSEN_FIRST = (
    "Chosen first: the run you last started or picked, once it has finished; else the run last picked on Compare or "
    "Evaluate (in a new tab, by anyone on this server), unless a run on the current dataset finished since; else the "
    "newest one trained on the current dataset."
)


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


def chosen_here(name: str) -> None:
    """Record `name` as the run this session last started or chose: Compare and Evaluate offer it first once it has
    finished (Train calls this when a run is started or picked; the pickers here when one is picked)."""
    st.session_state[OWN_KEY] = name


def _own() -> str | None:
    own = st.session_state.get(OWN_KEY)
    return own if isinstance(own, str) else None


def gone_words(run_id: str) -> str:
    """Once a session: "Run `ID` was deleted by bob (command line)." (who, where the workspace's removals log names
    them; else "perhaps from another tab or the command line"); "" when this session was told already, or deleted it
    itself (`deleted_here`)."""
    said = st.session_state.setdefault(GONE_SAID_KEY, set())
    if run_id in said:
        return ""
    said.add(run_id)
    by = browser_said(stored_people.removed_by("run", run_id)) or ", perhaps from another tab or the command line"
    return f"Run `{run_id}` was deleted{by}."


def deleted_here(run_id: str) -> None:
    """This session deleted `run_id` (Train's Delete, which says so itself): no page tells it again."""
    st.session_state.setdefault(GONE_SAID_KEY, set()).add(run_id)


def _gone_notes(key: str, by_name: dict[str, RunChoice]) -> None:
    """Above a picker: each run this session had chosen (in this box, kept for it, or started or picked elsewhere,
    `OWN_KEY`) that is no longer offered because its folder is gone, said once (`gone_words`). A run still there but
    not offered (on another base model, not finished) is not gone."""
    chosen = [st.session_state.get(key), st.session_state.get(KEPT, {}).get(key), _own()]
    names = [n for value in chosen for n in (value if isinstance(value, list) else [value]) if isinstance(n, str)]
    for name in dict.fromkeys(n for n in names if n not in by_name):
        try:
            runs.find(name)
        except runs.RunError:
            if said := gone_words(name):
                st.warning(said, icon=alerts.WARNING)


def gone_notes(key: str) -> None:
    """`_gone_notes` where no picker is drawn: a page that stops at "No finished run yet" still says once that the run
    this session had chosen in the box `key` (or started or picked elsewhere) was deleted, and by whom; and that the
    run this session started or picked on Train is still training (`_unfinished_note`)."""
    _gone_notes(key, {})
    _unfinished_note({})


def _unfinished_note(by_name: dict[str, RunChoice], offers: Callable[[str], bool] | None = None) -> None:
    """Under a picker: the run this session last started or picked (`OWN_KEY`) while it is queued or training, so not
    offered yet, by its label and step. A person who resumed their run and opened Evaluate saw a teammate's finished
    run alone, and no word of theirs (helper 208's walk). `offers`: the picker's own rule on a run's base model (its
    config's model spec -> offered here; Compare's: the sidebar's model only), None where every base is offered; a run
    on a base it does not offer is said to be offered once it finishes with that base chosen in the sidebar."""
    own = _own()
    if not own or own in by_name:
        return
    try:
        info = runs.find(own).summary()
    except (runs.RunError, OSError):  # gone (said by `_gone_notes`) or unreadable: nothing to add
        return
    if info.state not in ("queued", "running", "stopping"):
        return
    doing = (
        "still queued" if info.state == "queued" else f"still training (step {info.step} of {info.max_steps or '?'})"
    )
    other_base = offers is not None and not offers(info.model)
    when = f", with {model_name(info.model)} chosen in the sidebar" if other_base else ""
    st.caption(
        f"The run you started or picked on Train, {info.label}, is {doing}: it is offered here once it finishes{when}."
    )


def _picked(key: str) -> None:
    """A picker's callback: the run chosen (of several, the one added last) is the one this session chose."""
    value = st.session_state.get(key)
    names = value if isinstance(value, list) else [value] if value else []
    if names:
        chosen_here(names[-1])
        st.session_state.setdefault(OWN_SEEN_KEY, {})[key] = names[-1]


def _choices(adapters, choices: list[RunChoice] | None = None) -> tuple[list[RunChoice], int | None]:
    """`choices` (`run_choices(adapters)` when None) and which of them is chosen first (`preselect`)."""
    choices = run_choices(adapters) if choices is None else choices
    return choices, preselect(choices, active_split_name(), _last_pick(), _own())  # offered only while among them


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


def pick_run(label: str, adapters, key: str, help: str | None = None, choices: list[RunChoice] | None = None) -> str:
    """One finished run's name (its id); the newest on the current dataset is chosen first. `choices`: the adapters'
    `run_choices`, where the page has them already (each a summary of a run's files, read again only when they
    change: `ftlib.run_picker.kept_summary`)."""
    choices, first = _choices(adapters, choices)
    by_name = {c.name: c for c in choices}
    _gone_notes(key, by_name)
    name = st.selectbox(
        label,
        list(by_name),
        index=first or 0,
        key=key,
        help=help,
        format_func=lambda n: describe(by_name[n]),
        on_change=_picked,
        args=(key,),
    )
    _ages(by_name, [name] if name else [])
    _unfinished_note(by_name)
    if name:
        _remember(name)
    return name


def pick_runs(
    label: str,
    adapters,
    key: str,
    help: str | None = None,
    choices: list[RunChoice] | None = None,
    offers: Callable[[str], bool] | None = None,
) -> list[str]:
    """Some finished runs' names; the newest on the current dataset is chosen first. The choice outlives a visit to
    another page (`ui.kept`), less the runs no longer among `adapters` (deleted, or on another base model).
    `choices`: as `pick_run`'s. `offers`: the rule that chose `adapters` by their base model (a model spec -> whether
    its runs are offered), for the note on a run still training (`_unfinished_note`)."""
    choices, first = _choices(adapters, choices)
    by_name = {c.name: c for c in choices}
    _gone_notes(key, by_name)
    if not choices:
        # Nothing to choose is no choice: an empty box kept (or left in the widget's state) said "No fine-tuned model
        # chosen" once a run had finished. Drawn under another key, the box's state goes; what was kept goes too.
        st.session_state.get(KEPT, {}).pop(key, None)
        # "of this model": runs of another base model are not offered here, and Compare says under the box that
        # they exist; "No finished run yet" above "8 finished run(s) were trained on another base model" read as
        # a contradiction (a newcomer's walk with a merged model in the sidebar).
        placeholder = "No finished run of this model yet"
        st.multiselect(label, [], key=f"{key}_none", help=help, disabled=True, placeholder=placeholder)
        _unfinished_note(by_name, offers)
        return []
    own, seen = _own(), st.session_state.setdefault(OWN_SEEN_KEY, {})
    if own in by_name and seen.get(key) != own:
        # A run this session started or chose elsewhere since the box was last drawn: it is what the box starts on,
        # put in through session state (`restore` below), which the browser is told. Its key merely dropped, a box on
        # screen (the run finished while Compare was open) kept showing its runs while this run used the new one.
        st.session_state.pop(key, None)
        st.session_state.setdefault(KEPT, {})[key] = [own]
    seen[key] = own if own in by_name else seen.get(key)
    # A kept run no longer offered: a deleted one is said above the box (`_gone_notes`), one of another base model
    # under it (Compare's count of them), not again by ui.kept
    default = default_for(key, [choices[first].name] if first is not None else [], by_name, say=False)
    names = st.multiselect(
        label,
        list(by_name),
        default=default,
        key=key,
        help=help,
        format_func=lambda n: describe(by_name[n]),
        on_change=_picked,
        args=(key,),
    )
    keep(key)
    _ages(by_name, names)
    _unfinished_note(by_name, offers)
    last = _last_pick()
    if names and (last is None or last[0] not in names):
        _remember(names[-1])  # the run added last
    if choices and not names:
        st.caption("No fine-tuned model chosen: the base model only.")
    return names


def choices_by_name(adapters, choices: list[RunChoice] | None = None, base: str | None = None) -> dict[str, RunChoice]:
    """Each finished run's RunChoice by its name: the short label and facts that stand for its long id. `choices`: as
    `pick_run`'s. With `base` (the sidebar's model spec), the model set's "base" too where that model is itself one
    the studio fine-tuned (`ftlib.model_card.studio_export`): named as the sidebar names it ("r7/merged"), not "base",
    which read as the model as published (helper 65's walk); a model as published stays "base"."""
    named = {c.name: c for c in (run_choices(adapters) if choices is None else choices)}
    made = studio_export(base) if base else ""
    if made:
        named["base"] = RunChoice("base", model_name(base), f"the sidebar's model: {made}", "", "", None)
    return named


__all__ = [
    "CHOSEN_FIRST",
    "chosen_here",
    "choices_by_name",
    "deleted_here",
    "describe",
    "gone_notes",
    "gone_words",
    "pick_run",
    "pick_runs",
]
