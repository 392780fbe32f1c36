"""Widget values that outlive a visit to another page.

Streamlit drops the state of every widget a run does not draw, so Compare -> Train -> Compare would find every box
back at its default. A page copies a box's value under a plain session key after drawing it (`keep`) and puts it
back before drawing it again if Streamlit dropped it (`restore`):

    restore("compare_source", SOURCES)                       # before the box
    source = st.radio("Prompt", SOURCES, key="compare_source")
    keep("compare_source")                                   # after it

    # a box with a default of its own: that default, or None when the kept value was put back
    chosen = st.multiselect("Settings", PRESETS, default_for("presets", ["greedy"], PRESETS), key="presets")
    keep("presets")

A widget given both a default and a value through session state makes Streamlit warn ("created with a default value
but also had its value set via the Session State API"), so a box whose value `restore` put back is drawn with
Streamlit's own default (index 0, "min", "", False), which does not warn; never with None, which gives a select box
or a number box a "Clear value" button: emptied, it holds no choice at all. A kept choice no longer offered (a file,
split or run gone) is not put back: the box shows its default; of a kept list, the items still offered are put back.
Either way `keep`, after the box, says so in one line under it, with what the box shows instead ("Max new tokens:
1000, chosen earlier, is no longer offered; 96 is used instead.": `gone_said`), once.

A box someone types in and then leaves with a click on another page also passes `on_change=keep, args=(key,)`: the
value typed goes with that click, so the run that receives it is the other page's and never draws the box; the
callback runs first, whatever page runs.

A box whose default follows something else (a preview of the Train page's batch size, a packed length that fits the
rows shown) is kept with `keep_unless(key, default)`: only once the user set it to something else, so an untouched
box follows what it previews again after a visit elsewhere, and a value chosen for the preview stays.

The Train form keeps its values its own way (`ui.form`, under `ui.labels.TRAIN_FORM`).

A few boxes outlive the session too (`ACROSS_SESSIONS`): what the Data page had open (the source, the sample, the
upload reopened, the path typed; and, by `recorded_dict`/`record_dict`, each file's field mapping and Format), the row
the Tokens page shows (or the conversation typed there), Compare's prompt, Thinking choice, decoding settings (the
presets and the custom column), Seed and Max new tokens, the run last picked on Compare or Evaluate (`ui.run_choice`)
and Evaluate's rows, answer length, batch, Answer at and Thinking (each per run), a reward model's pairs and a GRPO
run's prompts too (so a refresh shows the run it showed and asks for the evaluation kept with it:
`ftlib.eval_results`). A change to one is recorded in the workspace (`ftlib.workspace.remember_choice`), and a new
session (a refresh, a second tab, a server restart) starts its kept values from those records before its first box is
drawn, so `restore` puts them back as after a visit to another page, checked against what is offered now (an upload
deleted since is not put back). Their scope is the workspace's, as the split made active, the model chosen and the run
last started are: on a shared server, the last change anyone made. A value is recorded when it differs from what this
session last read or wrote there, so a session that changed nothing does not undo what another chose since.

One choice on three pages. The chat template, the mask policy ("What is trained") and the max length are the same
choice on Tokens, Batches and Train, not a box per page: whichever of these pages the user last changed it on, the
others start from it and say so under the box ("Chat template: ChatML, as set on the Train page.", `say_where_set`;
"Max length (tokens) 128, as set on the Tokens page.", `ui.labels.as_in_training`; a value the Train form took from the
run last started and nobody changed: "..., from the last run started (...), which the Train page starts from."). Last
changed, not last shown: merely drawing a page never moves the choice, so a page the user did not touch always shows
what was set elsewhere.
A number a run would refuse (outside the setting's limits, such as the Tokens page's 0 = no limit) is not the choice:
it is that box's preview of its own, said so under the box beside what training uses, and kept for the session
(`PREVIEWS`): a visit to another page brings it back, until the choice itself changes after it was typed (on any of
the pages: the last change wins, as always), when the box shows the new choice. The rule in code:

    restored = show_shared("batch_template", "template", options)   # before the box: the choice, where it differs
    name = st.selectbox("Chat template", options, index=0 if restored else start, key="batch_template",
                        on_change=share, args=("batch_template", "template", "Batches"))   # a change is the choice
    say_where_set(st, "template", name, "Batches")

`share` is the box's callback, so only a change the user makes counts (and one made and left with a click counts
too: Streamlit runs the callback before any page). Nothing chosen in this session yet: the pages start from the Train
form's value when it has one of its own (`ui.labels.set_on_train`, e.g. the run last started), else the setting's
default. A choice a page does not offer (Custom, on a page where no custom template was written) leaves its box at its
default. The custom template's Jinja text is written on Tokens only and kept under the shared setting
`template_source` (`custom_source`) until it is rewritten, whichever template is chosen meanwhile: Batches and Train
offer Custom while there is one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import streamlit as st

from ftlib import workspace
from ftlib.config import field_specs
from ftlib.file_lock import locked
from ui import alerts
from ui.labels import LAST_RUN, SHARED, as_set_on, chosen_for_training

KEPT = "kept_widgets"  # widget key -> its last value; not a widget key, so Streamlit never drops it
# SHARED (ui.labels): run setting -> (value, the page it was last changed on); not a widget key either.
SHARED_SETTINGS = ("template", "mask_policy", "max_length")  # a box on each of Tokens, Batches and Train: one choice
# Session key: widget key -> (a value typed there that a run would refuse, the shared choice it was typed over): a
# preview of that box's own (Tokens' 0 = no limit), put back after a visit elsewhere while the choice is unchanged.
PREVIEWS = "shared_previews"
# Kept across sessions as well (in the workspace, see above): these keys, and Compare's test row of each split.
ACROSS_SESSIONS = (
    *("data_source", "data_sample", "data_earlier", "data_path"),
    *("tok_source", "tok_part", "tok_row", "tok_conversation"),
    *("compare_source", "compare_prompt", "compare_system"),
    "compare_thinking",  # Compare's Thinking choice: a reload had it back at "As each run trained" (helper 205)
    # Compare's Seed and Max new tokens: a reload had them back at 0 and 96 beside the prompt kept (helper 253)
    *("compare_seed", "compare_max_new"),
    # ... and its decoding settings (the presets picked, the custom column and its sliders): a reload had them back at
    # greedy, balanced and creative beside the seed and length kept (helper 271's brief)
    *("compare_presets", "compare_custom", "custom_t", "custom_k", "custom_p", "custom_min_p", "custom_penalty"),
    "run_choice_last_pick",  # ui.run_choice.LAST_PICK_KEY: a refresh shows the run it showed, not the newest
)
# Per run: Evaluate's rows, answer length and batch (what finds its kept result after a reload; the length and batch
# are part of every kept result's key: one run's must not hide another's result), a reward model's pairs, a GRPO
# run's prompts and answer length.
ACROSS_PREFIXES = ("compare_row_", "evaluate_rows_", "evaluate_pairs_rows_", "evaluate_answers_rows_")
ACROSS_PREFIXES += ("evaluate_answer_tokens_", "evaluate_batch_", "evaluate_max_new_")
# ... and its Answer at and Thinking, part of that key too: a reload had Answer at back at the last reply (helper 174).
ACROSS_PREFIXES += ("evaluate_answer_at_", "evaluate_thinking_")
# Session key: widget key -> (what `restore` could not put back as no longer offered, the box's name or None), said
# by `keep` under the box once it is drawn, with what it shows instead (`gone_said`).
GONE = "kept_gone"
# Session key: key -> its value as last read from or written to the workspace (present once the session read them).
ON_DISK = "kept_on_disk"
DICTS_ON_DISK = "kept_dicts_on_disk"  # the same for `recorded_dict`'s dicts: key -> item -> its JSON text


@dataclass(frozen=True)
class Between:
    """A slider's range as `restore`'s `options`: a kept number from `least` to `most` is put back (of a range of
    whole numbers, a whole number only). A value recorded by a server whose slider went further, put back as it is,
    stops the page with an exception.

    >>> 0.9 in Between(0.0, 2.0), 2.5 in Between(0.0, 2.0), 3 in Between(0, 200), 3.5 in Between(0, 200)
    (True, False, True, False)
    >>> True in Between(0, 200), "1" in Between(0.0, 2.0)
    (False, False)
    """

    least: float
    most: float

    def __contains__(self, value) -> bool:
        kind = int if isinstance(self.least, int) and isinstance(self.most, int) else int | float
        return isinstance(value, kind) and not isinstance(value, bool) and self.least <= value <= self.most


def across_sessions(key: str) -> bool:
    """Whether a box's kept value is recorded in the workspace, for a new session to start from."""
    return key in ACROSS_SESSIONS or key.startswith(ACROSS_PREFIXES)


def _from_workspace() -> dict:
    """Once per session, before its first box is kept or put back: the values recorded in the workspace become the
    session's kept values (a new session starts from them); returns what is on disk, as this session knows it."""
    known = st.session_state.get(ON_DISK)
    if known is None:
        known = {k: v for k, v in workspace.remembered_choices().items() if across_sessions(k)}
        kept = st.session_state.setdefault(KEPT, {})
        for key, value in known.items():
            kept.setdefault(key, value)
        st.session_state[ON_DISK] = known
    return known


def restore(key: str, options=None, what: str | None = None, say: bool = True) -> bool:
    """Put back a box's value that Streamlit dropped while another page was shown (call before drawing the box);
    True when it did, so the caller draws the box with Streamlit's own default (index 0, "min"), not one of its own.
    `options`: what the box offers (a list, a range, a slider's `Between`). A kept value not among `options` is left
    out (of a list, the items not among them; none left of a non-empty list: nothing is put back), and said under the
    box by `keep` with what it shows instead (`what`: the box's name in that line; `say=False`: the page says it
    its own way, as the run pickers say a run deleted)."""
    _from_workspace()
    kept = st.session_state.get(KEPT, {})
    if key in st.session_state or key not in kept:
        return False
    value = kept[key]
    if options is not None:
        offered = options if isinstance(options, Between) else list(options)
        if isinstance(value, list):
            gone = [v for v in value if v not in offered]
            value = [v for v in value if v in offered]
            if gone and say:
                st.session_state.setdefault(GONE, {})[key] = (gone, what)
            if kept[key] and not value:
                return False
        elif value not in offered:
            if say:
                st.session_state.setdefault(GONE, {})[key] = (value, what)
            return False
    st.session_state[key] = value
    return True


def gone_said(old, new, what: str | None = None) -> str:
    """The line under a box whose kept choice `old` is no longer offered (a file deleted, a run of another model),
    `new` what the box shows instead; `what`: the box's name.

    >>> gone_said("notes.jsonl", "chat.jsonl", "Earlier upload")
    'Earlier upload: notes.jsonl, chosen earlier, is no longer offered; chat.jsonl is used instead.'
    >>> gone_said(["r1", "r2"], ["r3"])
    'Chosen earlier here, r1 and r2 are no longer offered; r3 is used instead.'
    >>> gone_said(["r1"], [])
    'Chosen earlier here, r1 is no longer offered; nothing is used instead.'
    >>> gone_said(["r1"], ["r2", "r3"], "Runs")
    'Runs: r1, chosen earlier, is no longer offered; r2 and r3 are used instead.'
    """

    def said(value) -> str:
        items = [str(v) for v in (value if isinstance(value, list) else [value])]
        if len(items) > 1:
            return f"{', '.join(items[:-1])} and {items[-1]}"
        return items[0] if items else "nothing"

    def verb(value) -> str:
        return "are" if isinstance(value, list) and len(value) > 1 else "is"

    head = (
        f"{what}: {said(old)}, chosen earlier, {verb(old)}"
        if what
        else f"Chosen earlier here, {said(old)} {verb(old)}"
    )
    return f"{head} no longer offered; {said(new)} {verb(new)} used instead."


def _say_gone(key: str) -> None:
    """Under a box just drawn: its kept choice that `restore` found no longer offered, with what it shows instead."""
    gone = st.session_state.get(GONE, {}).pop(key, None)
    if gone is not None and key in st.session_state:
        st.info(gone_said(gone[0], st.session_state[key], gone[1]), icon=alerts.INFO)


def default_for(key: str, default, options=None, what: str | None = None, say: bool = True):
    """`restore(key, options, what, say)`, then the default to draw the box with: `default`, or None when its kept
    value was put back."""
    return None if restore(key, options, what, say) else default


def keep(key: str, value=None) -> None:
    """Copy a box's value (or `value`) under KEPT, for `restore` after a visit to another page; a box kept across
    sessions (`ACROSS_SESSIONS`) also into the workspace, when it differs from what this session last read or wrote
    there (a full disk: this session keeps it, only a new one will not start from it)."""
    if value is None and key not in st.session_state:
        return
    _say_gone(key)
    value = st.session_state[key] if value is None else value
    st.session_state.setdefault(KEPT, {})[key] = value
    if not across_sessions(key):
        return
    known = _from_workspace()
    if key not in known or known[key] != value:
        known[key] = value
        try:
            workspace.remember_choice(key, value)
        except (OSError, TypeError, ValueError):  # a full disk, or a value JSON cannot write: kept in this session
            pass


def recorded_dict(key: str) -> dict:
    """A session's dict of choices per item (the Data page's field mapping and Format of each file it opened), under
    the plain session key `key`: a new session starts it, once, from the workspace's record of it (`record_dict`),
    so a refresh finds each file read as it was set. Returns the session's dict, for the page to change in place."""
    if key not in st.session_state:
        recorded = workspace.remembered_choices().get(key)
        recorded = recorded if isinstance(recorded, dict) else {}
        st.session_state[key] = recorded  # read from JSON: this session's own objects
        known = st.session_state.setdefault(DICTS_ON_DISK, {})
        known[key] = {item: json.dumps(value) for item, value in recorded.items()}
    return st.session_state[key]


def record_dict(key: str, item: str, limit: int = 20) -> None:
    """Record the session's choice for `item` (of its dict under `key`) in the workspace, when it differs from what
    this session last read or wrote there for it: merged into the record as it is on disk now, so another session's
    choices for other items stay (and one this session did not change is not undone); the `limit` items changed last
    are kept. A full disk keeps it in this session only."""
    value = st.session_state.get(key, {}).get(item)
    if value is None:
        return
    text = json.dumps(value)
    known = st.session_state.setdefault(DICTS_ON_DISK, {}).setdefault(key, {})
    if known.get(item) == text:
        return
    known[item] = text
    try:
        # Read, merged and written by one session at a time: two teammates setting two files' mappings at once each
        # read the record before the other wrote it, and the second write dropped the first's file.
        with locked(workspace.workspace_dir() / workspace.CHOICES_DIR / f".{key}.lock"):
            recorded = workspace.remembered_choices().get(key)
            recorded = recorded if isinstance(recorded, dict) else {}
            recorded.pop(item, None)  # re-inserted last: the record drops the items changed longest ago
            recorded[item] = value
            workspace.remember_choice(key, dict(list(recorded.items())[-limit:]))
    except (OSError, TypeError, ValueError):  # a workspace this account may only read: kept in this session
        pass


def keep_unless(key: str, default) -> None:
    """`keep(key)`, or, while the box shows `default` (what it starts from: another page's setting, a length that
    fits the rows shown), drop its kept copy, so that after a visit elsewhere it starts from that default again."""
    if key in st.session_state and st.session_state[key] == default:
        _say_gone(key)
        st.session_state.get(KEPT, {}).pop(key, None)
    else:
        keep(key)


def shared(setting: str) -> tuple | None:
    """(value, page) of a choice made on several pages: the last change in this session, else the Train form's own
    value (the run last started, a value set there) as (value, "Train"); None when neither."""
    return chosen_for_training(setting)


def allowed(setting: str, value) -> bool:
    """Whether a run takes `value` for `setting` (a number within the setting's limits; any other value: yes), so
    that it can be the choice shared by Tokens, Batches and Train.

    >>> allowed("max_length", 128), allowed("max_length", 0)
    (True, False)
    """
    spec = field_specs().get(setting)
    if spec is None or spec.kind not in (int, float) or isinstance(value, bool):
        return True
    return isinstance(value, int | float) and spec.within_limits(value)


def shared_value(setting: str, default=None):
    """The value of a choice made on several pages (`shared`), or `default`."""
    chosen = shared(setting)
    return default if chosen is None else chosen[0]


def custom_source() -> str:
    """The custom template's Jinja text as last written on the Tokens page ("" when none was)."""
    return shared_value("template_source", "") or ""


def share(key: str, setting: str, page: str) -> None:
    """The callback of a box for a shared choice (also called after drawing one that has no other way to be set):
    its value becomes the choice, set on `page`; a number a run would refuse (`allowed`) does not: it is the box's
    own preview, kept with the choice it was typed over (`PREVIEWS`, put back by `show_shared`)."""
    if key not in st.session_state:
        return
    previews = st.session_state.setdefault(PREVIEWS, {})
    if allowed(setting, st.session_state[key]):
        st.session_state.setdefault(SHARED, {})[setting] = (st.session_state[key], page)
        previews.pop(key, None)
    else:
        previews[key] = (st.session_state[key], shared(setting))


def show_shared(key: str, setting: str, options=None) -> bool:
    """Before drawing a box for a shared choice: put the choice into it when the box shows another value a run would
    take (or none, after a visit elsewhere) and the choice is among `options`; True when it did, so the box is drawn
    with Streamlit's own default (index 0, "min"; never None). A value a run would refuse stays: it was typed here (a
    preview's own, or refused under the box); after a visit elsewhere that preview is put back while the choice is the
    one it was typed over (`PREVIEWS`), and dropped for a choice made since."""
    chosen = shared(setting)
    previews = st.session_state.get(PREVIEWS, {})
    if key not in st.session_state and key in previews:
        value, over = previews[key]
        if over == chosen:  # the choice has not changed since the preview was typed: it is still this box's
            st.session_state[key] = value
            return True
        del previews[key]  # a choice made since wins, as the last change does
    if chosen is None or (options is not None and chosen[0] not in list(options)):
        return False
    if key in st.session_state and (st.session_state[key] == chosen[0] or not allowed(setting, st.session_state[key])):
        return False
    st.session_state[key] = chosen[0]
    return True


def set_elsewhere(setting: str, value, here: str) -> str | None:
    """The page the shown `value` of a shared choice was set on (or `LAST_RUN`: taken from the run last started),
    when that is not `here`; else None. On Train, a value taken from the last run is said once, over the form."""
    chosen = shared(setting)
    if chosen is None or chosen[0] != value or chosen[1] == here or (chosen[1] == LAST_RUN and here == "Train"):
        return None
    return chosen[1]


def say_where_set(where, setting: str, value, here: str) -> None:
    """Under a shared choice's box (on `where`: st or a column): where its value was set, when on another page."""
    page = set_elsewhere(setting, value, here)
    if page:
        where.caption(as_set_on(setting, value, page))


__all__ = [
    "ACROSS_SESSIONS",
    "Between",
    "KEPT",
    "PREVIEWS",
    "SHARED",
    "SHARED_SETTINGS",
    "across_sessions",
    "allowed",
    "custom_source",
    "default_for",
    "gone_said",
    "keep",
    "keep_unless",
    "restore",
    "say_where_set",
    "set_elsewhere",
    "share",
    "shared",
    "shared_value",
    "show_shared",
]
