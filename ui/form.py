"""The Train page's settings form, generated from `ftlib.config.RunConfig`'s fields.

    values, refused = config_form(fixed={"model": m, "dataset": d}, choices={"method": ("lora", "qlora", "full")})
    if not refused:        # labels of the settings whose typed value is out of range (each error is under its box)
        config = RunConfig.from_dict(values)

Every setting that applies (its `when` holds for the values chosen so far) gets one widget, labelled, with its
one-sentence help as a caption; `advanced` settings sit in a "More settings" expander, grouped. A widget's kind
follows the field's type: choices -> a select box (a radio for the method: every method, those the data cannot
train marked with what they need), bool -> a toggle, int/float -> a number input whose limits are checked here
(out of range: an error under the box, and the setting named in what `config_form` returns, so the page refuses to
start), text -> a text input (a list of mappings, GRPO's rewards: a text area). Widget keys are
`train_<setting>`; the learning rate's key also names the method, so switching methods shows that method's
proven default.

Streamlit drops a widget's state when its page is not drawn, so the form keeps a copy of every widget's value under
a session key of its own (`ui.labels.TRAIN_FORM`) and puts it back when the form is drawn again: a visit to Tokens
or Batches does not reset it, and those pages start their previews from the values set here (`ui.labels`).

The chat template, the mask policy and the max length are one choice on Tokens, Batches and Train
(`ui.kept.SHARED_SETTINGS`): their boxes here start from the choice last made on any of the three pages, and a change
here is that choice (`ui.kept.share`, as the box's callback), so Tokens and Batches start from it.

A new session (a browser refresh, a second tab, a server restart) starts from the settings of the run last *started*
in this workspace, from this page or the CLI alike, not from the defaults: `start_from_last_run` puts that run's own
settings (its config.json: `ftlib.last_run`) into that copy once per session, before the form is first drawn. Last
started rather than last edited: what a refresh brings back is a run that was really set up, and typing in a box
writes nothing to disk. A recorded value no longer valid (an unknown setting, a number out of its
limits, a choice this server does not offer) is left out, and its box shows its default; so is the run's name, which
names that run alone. The form says which run its settings came from, with a button back to the defaults
(`last_run_note`), and what it did not take from it: a run whose method the split cannot train gives the form
everything but its method and what only that method uses (its learning rate among them).

That run is the one on disk, not only when the session began: when it is deleted (on this page, in another tab, with
`runs delete`) or another run is started elsewhere, every box still holding the value taken from it starts from the
run last started now (none left: its default), as a new session would, and the note names that run. A box set in this
session keeps its value.
"""

from __future__ import annotations

import json
import re

import streamlit as st

from ftlib import runs
from ftlib.config import (
    METHOD_HELP,
    PREFERENCE_METHODS,
    FieldSpec,
    RunConfig,
    default_learning_rate,
    field_specs,
    tuning_of,
)
from ftlib.last_run import last_run_id, last_run_settings
from ftlib.loss_types import LOSS_TYPE_LABELS
from ftlib.methods import NEEDS, SHORT_NEEDS
from ftlib.run_picker import train_labels
from ui import alerts
from ui.kept import SHARED, SHARED_SETTINGS, share, show_shared
from ui.labels import FROM_RUN, POLICY_LABELS, TEMPLATE_LABELS, TRAIN_FORM, field_caption

KEY = "train"
GROUP_TITLES = {
    "method": "What to train",
    "tokens": "How rows become tokens",
    "optimisation": "Optimisation",
    "schedule": "Schedule",
    "lora": "Adapter (LoRA / QLoRA)",
    "preference": "Preference and reinforcement learning",
    "hardware": "Hardware and reproducibility",
}
CHOICE_LABELS = {
    "method": {
        "full": "Full",
        "lora": "LoRA",
        "qlora": "QLoRA",
        "dpo": "DPO",
        "reward": "Reward model",
        "kto": "KTO",
        "grpo": "GRPO",
    },
    "tuning": {"lora": "a LoRA adapter", "qlora": "a LoRA adapter on 4 bits", "full": "every weight"},
    "template": TEMPLATE_LABELS,
    "mask_policy": POLICY_LABELS,
    "sharding": {"none": "none: a whole copy per GPU (DDP)", "fsdp": "FSDP: split across the GPUs"},
    "packing_strategy": {
        "bfd": "bfd: cut it at the max length (TRL's default)",
        "bfd_split": "bfd_split: split it into pieces, every token kept",
    },
    **LOSS_TYPE_LABELS,
}
RADIOS = ("method", "tuning")
# A setting's help said otherwise for one method, where its general sentence would mislead: (setting, method) -> text.
CAPTIONS = {
    ("mask_policy", "reward"): "A reward model writes nothing: it reads each whole conversation and learns to score "
    "it, so this does not change what it learns. It only decides which pairs are kept: one whose answer is cut away "
    "entirely by the max length (or masked by this choice) is left out. Keep every assistant reply.",
}


def widget_key(name: str, values: dict) -> str:
    """The session-state key of a setting's widget (the learning rate's depends on the method)."""
    if name == "learning_rate":
        method = values.get("method")
        tuning = values.get("tuning") if method in PREFERENCE_METHODS else method
        return f"{KEY}_learning_rate_{method}_{tuning}"
    return f"{KEY}_{name}"


# Recorded with the run, but set elsewhere (the sidebar, the Tokens page), not a box of this form, or naming that run
# alone (a second run under its name would read as the first in the picker and the runs table).
NOT_RESTORED = ("model", "dataset", "template_source", "name")
_UNSET = object()  # `_draw_widget`'s `shown` not given
STARTED = "train_form_from_last_run"  # session key: the last started run's settings were put into TRAIN_FORM
DEFAULTED = "train_form_defaulted"  # session key: the boxes "Start from the defaults" dropped, to set in the browser
PICKED = "train_form_picked"  # session key: the boxes a one-click fix set (`pick`), drawn next on Streamlit's default
# FROM_RUN (ui.labels), a session key: that run, its words and the values taken from it, while the form starts from it.


def widget_value(spec: FieldSpec, value):
    """A setting's value as its widget holds it (a list of mappings as the text the Rewards box shows, a list of
    names as "a, b")."""
    if spec.kind is list and spec.item is dict:
        return "[\n" + ",\n".join(json.dumps(item) for item in value) + "\n]" if value else ""
    if spec.kind is list:
        return ", ".join(value)
    return value


def start_from_last_run() -> None:
    """Before the form is drawn (and before Data, Tokens and Batches read it): once per session, put the settings of
    the run last started in this workspace, from the page or the CLI (`ftlib.last_run.last_run_settings`, which leaves
    out what is no longer valid) into the form's kept values, as if they had been set on an earlier visit. A box
    already set in this session keeps its value; a choice this page does not offer is not put back when drawn
    (`_restore`).

    Later in the session, while the form starts from that run: when the run last started on disk is another one now
    (that run deleted, or a newer one started elsewhere), the boxes still holding what was taken from it start from
    the one on disk instead (`_follow`)."""
    if not st.session_state.get(STARTED):
        st.session_state[STARTED] = True
        _take(*last_run_settings())
        return
    origin = st.session_state.get(FROM_RUN)
    if origin is None:  # the form holds the defaults, or what was set or started in this session
        return
    if last_run_id() != origin["run"]:  # the settings are checked only then, not at every click
        _follow(origin, *last_run_settings())


def _take(run_id: str | None, settings: dict) -> None:
    """Put `settings` (of the run `run_id`) into the form's kept values where this session set no box, and remember
    what was taken (FROM_RUN) while anything was."""
    kept = st.session_state.setdefault(TRAIN_FORM, {})
    specs = field_specs()
    taken = {}
    for name, value in settings.items():
        if name in NOT_RESTORED or value is None:
            continue
        key = widget_key(name, settings)
        if key not in st.session_state and key not in kept:
            kept[key] = taken[key] = widget_value(specs[name], value)
    source = settings.get("template_source")
    put_source = settings.get("template") == "custom" and source
    if put_source and "template_source" not in st.session_state.get(SHARED, {}):
        # Its custom text is a choice of the Tokens page, kept in the session only: put back, so Custom is offered
        # (a cold test: a new session said "every setting but its name" and trained the model's own template).
        st.session_state.setdefault(SHARED, {})["template_source"] = (source, "Train")
        taken["template_source"] = source
    if taken:
        words = last_run_words(run_id)
        st.session_state[FROM_RUN] = {"run": run_id, "words": words, "method": settings.get("method"), "values": taken}
    else:
        st.session_state.pop(FROM_RUN, None)


def _follow(origin: dict, run_id: str | None, settings: dict) -> None:
    """The run the form started from (`origin`, FROM_RUN) is no longer the last started: every box still holding the
    value taken from it is dropped (live and kept, so its default applies), then the settings of the run last started
    now (`run_id`; None: no run left) are taken as a new session takes them."""
    for key, value in origin["values"].items():
        if key == "template_source":  # the custom text stays: it is the Tokens page's, written there
            continue
        if remembered(key) == value:  # nobody changed it in this session
            forget(key)  # a box on screen is told its new value (or default) when next drawn
    st.session_state.pop(FROM_RUN, None)
    _take(run_id, settings)


def form_source() -> str | None:
    """The id of the run the form's settings start from (`start_from_last_run`), None when they do not."""
    origin = st.session_state.get(FROM_RUN)
    return origin["run"] if origin else None


def run_method() -> str | None:
    """The method of the run the form's settings start from, None when they do not."""
    origin = st.session_state.get(FROM_RUN)
    return origin.get("method") if origin else None


def last_run_words(run_id: str | None) -> str:
    """The run the form's settings came from, as the run picker names it ("lora · chat_style · Dec 02 10:14"); ""
    when it is no longer listed (deleted since)."""
    return train_labels(runs.list_runs(refresh=False)).get(run_id, "") if run_id else ""


def last_run_note(shown_method: str | None = None, unfit: dict[str, str] | None = None) -> None:
    """Over the form, while its settings are those of the run last started (`start_from_last_run`): which run, what
    was not taken from it, and a button that puts every box back to its default. `shown_method`: the method the form
    shows; when it is not the run's (the split cannot train the run's method, or another was picked), its method, its
    learning rate (kept per method) and what only its method uses are not taken, and the note says so; `unfit`: the
    methods this split cannot train, each with what it needs."""
    origin = st.session_state.get(FROM_RUN)
    if origin is None:
        return
    words, method = origin["words"], origin.get("method")
    head = f"Settings start from the last run started in this workspace{f', {words}' if words else ''}"
    if method is None or shown_method in (None, method):
        text = f"{head} (every setting but its name)."
    else:
        label = CHOICE_LABELS["method"].get(method, method)
        text = f"{head}: every setting but its name, its method, its learning rate and those only {label} uses."
        if method in (unfit or {}):
            text += f" {label} needs {SHORT_NEEDS[method]}, which this split does not hold."
    st.caption(text)
    # Under the note at its own width: in a fifth of the row beside it, the label was cut ("Start from the defa...").
    st.button("Start from the defaults", key="train_form_defaults", on_click=start_from_defaults)


def start_from_defaults() -> None:
    """The callback of "Start from the defaults": every box of the form back to its default, its live value and the
    copy kept for it (`TRAIN_FORM`) dropped; the template, mask policy and max length too, which are one choice with
    Tokens and Batches (so they start from the defaults as well). The custom template's text written on Tokens
    stays."""
    boxes = {widget_key(name, {}) for name in field_specs()}
    shown = [k for k in st.session_state if k in boxes or k.startswith(f"{KEY}_learning_rate_")]
    for key in shown:
        del st.session_state[key]
    # The browser keeps each box's value by its key: a key dropped here is not told to it, so the boxes went on
    # showing (and the next click sent back) the values just dropped. Each box it shows is given its default through
    # session state when next drawn (`_widget`), which the browser is told.
    st.session_state[DEFAULTED] = set(shown)
    for name in field_specs():
        st.session_state.pop(f"{KEY}_{name}_typed", None)
    st.session_state[TRAIN_FORM] = {}
    for setting in SHARED_SETTINGS:
        st.session_state.get(SHARED, {}).pop(setting, None)
    st.session_state.pop(FROM_RUN, None)


def remember_started() -> None:
    """A run was just started from this form: the form no longer starts from an earlier run, so `last_run_note` says
    nothing more. (The next session's form starts from the new run's own config.json: nothing to record here.)"""
    st.session_state.pop(FROM_RUN, None)


class _Refused(Exception):
    """A setting's typed value is outside its limits (the error is already drawn under its box)."""


def out_of_range(spec: FieldSpec, value) -> str:
    """The sentence shown under a number box whose value is outside the setting's limits, naming it by its label,
    with the setting's hint as the CLI's refusal has it (why GRPO needs 2 answers per prompt); "" when the value is
    allowed."""
    if spec.within_limits(value):
        return ""
    hint = f"; {spec.hint}" if spec.hint else ""
    return f"**{spec.label}**: {value:g} is out of range; use a number {spec.limits_said()}{hint}."


def typed(name: str) -> bool:
    """Whether the user has typed in a text setting's box in this session (a hint, not an error, until then)."""
    return bool(st.session_state.get(f"{KEY}_{name}_typed"))


def _mark_typed(name: str) -> None:
    st.session_state[f"{KEY}_{name}_typed"] = True


def _changed(key: str, name: str | None = None) -> None:
    """A box's callback: keep its new value the moment it changes (and, given `name`, mark that setting typed).

    Why not only when the form is drawn: a value typed and not yet sent goes with the click that leaves the page, so
    the run that receives it is the next page's, and the Train script (which keeps its copies) never sees it; nor
    does a Train run stopped halfway by that click. Streamlit calls a changed widget's callback before any page runs.
    """
    if key in st.session_state:
        st.session_state.setdefault(TRAIN_FORM, {})[key] = st.session_state[key]
    if name:
        _mark_typed(name)


def _chosen(key: str, name: str) -> None:
    """A shared choice's callback (the template, the mask policy): kept, and made the choice Tokens and Batches start
    from."""
    _changed(key)
    share(key, name, "Train")


def pick(name: str, value) -> None:
    """A one-click fix's callback (the Train page's "Use the ... template" under a refusal): `value` becomes the
    setting's box value, kept as a change in the box is (and, for a shared choice, the one Tokens and Batches start
    from). A callback, as Streamlit runs it before the script: a keyed box's value cannot change once it is drawn."""
    key = widget_key(name, {})
    st.session_state[key] = value
    st.session_state.setdefault(PICKED, set()).add(key)  # drawn next on Streamlit's own default (`_widget`)
    if name in SHARED_SETTINGS:
        _chosen(key, name)
    else:
        _changed(key)


def remembered(key: str):
    """A form widget's value in this session: its live state, else the copy kept while another page was shown."""
    return st.session_state[key] if key in st.session_state else st.session_state.get(TRAIN_FORM, {}).get(key)


def forget(key: str) -> None:
    """Drop a form widget's value (live and kept), so its default applies on the next draw; a box on screen is set to
    it through session state (`_put_default`), which the browser is told: a key merely dropped kept its old value."""
    if st.session_state.pop(key, _UNSET) is not _UNSET:
        st.session_state.setdefault(DEFAULTED, set()).add(key)
    st.session_state.get(TRAIN_FORM, {}).pop(key, None)


def _restore(key: str, choices) -> bool:
    """Put back a widget's value that Streamlit dropped while another page was drawn (from the copy under
    TRAIN_FORM); True when it did, so the widget is drawn with Streamlit's own default (index 0, "min", "", False),
    not its own (a default beside a value set through session state makes Streamlit warn) and never None (a select box
    or a number box drawn with None can be emptied). A box new to the browser is drawn on the value as its own default
    instead (`_widget`)."""
    kept = st.session_state.get(TRAIN_FORM, {})
    if key in st.session_state or key not in kept or (choices is not None and kept[key] not in list(choices)):
        return False
    st.session_state[key] = kept[key]
    return True


def _put_default(key: str, spec: FieldSpec, default, choices) -> bool:
    """After "Start from the defaults" (`start_from_defaults`, DEFAULTED): set a box the browser shows to its
    `default` through session state, so the browser shows it too; True when it did (once per box)."""
    pending = st.session_state.get(DEFAULTED)
    if not pending or key not in pending or key in st.session_state:
        return False
    pending.discard(key)
    value = widget_value(spec, default)
    if value is None or (choices is not None and value not in list(choices)):
        return False  # drawn on its own default, as before
    st.session_state[key] = value
    return True


def _widget(spec: FieldSpec, values: dict, default, choices, where, placeholder: str | None = None, unfit=()):
    key = widget_key(spec.name, values)
    # False: a box new to the browser (a new session, back from a page); not one dropped on screen (DEFAULTED)
    drawn_before = key in st.session_state or key in st.session_state.get(DEFAULTED, ())
    # One choice on Tokens, Batches and Train: the one last made on any of them, else this form's own copy.
    restored = (spec.name in SHARED_SETTINGS and show_shared(key, spec.name, choices)) or _restore(key, choices)
    if key in st.session_state.get(PICKED, ()):  # set by a one-click fix (`pick`): a box drawn on another value
        st.session_state[PICKED].discard(key)  # than Streamlit's own default beside it makes Streamlit warn
        restored = True
    if not restored and _put_default(key, spec, default, choices):
        restored = drawn_before = True  # the browser shows this box: its default goes to it through session state
    st.session_state.get(DEFAULTED, set()).discard(key)  # put back by `_restore` or `show_shared`: told the same way
    shown = _UNSET
    if restored and not drawn_before:
        # A box the browser draws afresh paints its own default first and a value set through session state only
        # after it: a refresh while a run trained showed Max steps 0 (and Epochs 0) until then (a walk: ~3 s on a
        # busy server). The value put back is its default instead, and none is set through session state beside it
        # (which would make Streamlit warn).
        shown, restored = st.session_state.pop(key), False
    try:
        return _draw_widget(spec, key, default, choices, where, placeholder, unfit, restored, shown)
    finally:  # kept even when the value is refused: coming back shows what was typed, and its error
        if key in st.session_state:
            st.session_state.setdefault(TRAIN_FORM, {})[key] = st.session_state[key]


def _draw_widget(spec: FieldSpec, key: str, default, choices, where, placeholder, unfit, restored: bool, shown=_UNSET):
    """One setting's box, drawn on `default` (a config value), or on `shown` where given (a value as the box holds it:
    the text of a list); `restored`: its value is set through session state, the box drawn on Streamlit's own
    default."""
    label = spec.label
    held = shown is not _UNSET
    if choices is not None:
        options = list(choices)
        # Put back (`restored`): the box holds its value through session state and is drawn on index 0, Streamlit's
        # own default (no warning); index=None would give it a "Clear value" button, and nothing chosen is no setting.
        first = shown if held else default
        index = 0 if restored else options.index(first) if first in options else 0
        labels = dict(CHOICE_LABELS.get(spec.name, {}))
        # Streamlit cannot grey out one option of a radio: the methods this split cannot train say what they need.
        labels.update({m: f"{labels.get(m, m)} — needs {SHORT_NEEDS[m]}" for m in unfit})
        draw = where.radio if spec.name in RADIOS else where.selectbox
        kwargs = {"horizontal": True} if spec.name in RADIOS else {}
        shared = spec.name in SHARED_SETTINGS
        kwargs |= {"on_change": _chosen if shared else _changed, "args": (key, spec.name) if shared else (key,)}
        return draw(label, options, index=index, key=key, format_func=lambda v: str(labels.get(v, v)), **kwargs)
    if spec.kind is bool:
        value = False if restored else bool(shown if held else default)
        return where.toggle(label, value=value, key=key, on_change=_changed, args=(key,))
    if spec.kind in (int, float):
        # No min/max on the box: the browser would keep an out-of-range number on screen in red while the script
        # went on with the last good one. The typed value comes through and is refused here, under its box.
        cast = int if spec.kind is int else float
        shared = spec.name in SHARED_SETTINGS  # the max length: one choice with Tokens and Batches
        value = where.number_input(
            label,
            # Streamlit's own default, as index 0 above (None: clearable)
            value="min" if restored else cast(shown if held else default),
            step=cast(spec.step or (1 if spec.kind is int else 0.01)),
            key=key,
            on_change=_chosen if shared else _changed,
            args=(key, spec.name) if shared else (key,),
            **({} if spec.kind is int else {"format": spec.fmt or "%g"}),
        )
        problem = out_of_range(spec, value)
        if problem:
            where.error(problem, icon=alerts.ERROR)
            raise _Refused(spec.name)
        return cast(value)
    if spec.kind is list and spec.item is dict:  # a list of mappings (GRPO's rewards): JSON or YAML, one per line
        text = shown if held else widget_value(spec, default)
        return where.text_area(  # RunConfig parses it
            label,
            "" if restored else text,
            key=key,
            placeholder=placeholder or spec.hint,
            height=120,
            on_change=_changed,
            args=(key, spec.name),
        )
    if spec.kind is list:
        text = where.text_input(
            label,
            "" if restored else shown if held else widget_value(spec, default),
            key=key,
            on_change=_changed,
            args=(key,),
        )
        return [t.strip() for t in text.split(",") if t.strip()]
    first = "" if restored else shown if held else str(default)
    # The run's name: the box stops at the engine's limit (config_checks.MAX_RUN_NAME), not after a refusal
    return where.text_input(label, first, key=key, max_chars=spec.max_chars, on_change=_changed, args=(key,))


# Settings the Train page never draws (a saved split fixes its held-out part; a custom template is written on Tokens;
# machines beyond this one are the CLI's): their default applies, and no check may send the user to their box.
NOT_DRAWN = ("test_size", "template_source", "nnodes", "node_rank", "rdzv_endpoint")


def where_folded(message: str, config: RunConfig) -> str:
    """Where the settings a check names (each as `name`, the CLI's words) sit when the form folds them away: " **Weight
    of bad answers** is under **More settings** above (*Preference and reinforcement learning*)."; "" when it names
    none. A walk read KTO's "Set Weight of bad answers between 1.5 and 2" and found no such box: it is in the closed
    More settings expander, above the warning. Only the boxes drawn for `config` are named: not one this page never
    draws (NOT_DRAWN: early stopping's "a `test_size` above 0" pointed at a held-out box that is not there), nor one
    whose `when` leaves it out for these settings."""
    specs, values = field_specs(), config.to_dict()
    drawn = [specs[n] for n in dict.fromkeys(re.findall(r"`(\w+)`", message)) if n in specs and n not in NOT_DRAWN]
    folded = [spec for spec in drawn if spec.advanced and spec.applies(values)]
    if not folded:
        return ""
    named = " and ".join(f"**{spec.label}**" for spec in folded)
    groups = ", ".join(dict.fromkeys(f"*{GROUP_TITLES[spec.group]}*" for spec in folded if spec.group in GROUP_TITLES))
    verb = "is" if len(folded) == 1 else "are"
    return f" {named} {verb} under **More settings** above" + (f" ({groups})." if groups else ".")


def config_form(
    fixed: dict | None = None,
    choices: dict | None = None,
    defaults: dict | None = None,
    hidden: tuple[str, ...] = (),
    unfit: dict[str, str] | None = None,
    placeholders: dict[str, str] | None = None,
    after: dict | None = None,
) -> tuple[dict, list[str]]:
    """Draw the settings form; return ({setting: value} for RunConfig.from_dict, the labels of the settings whose
    typed number is out of range: each has its error under its box and no value in the dict).

    `fixed`: settings the page decides (model, dataset): not drawn. `choices`: narrower choices for a setting (the
    methods that fit the dataset, the devices present). `defaults`: starting values other than the config's
    (e.g. a method the split can train); the template and the mask policy start from the choice shared with Tokens
    and Batches (`ui.kept.shared`) instead. `hidden`: settings not drawn (their default applies). `unfit`:
    the methods offered that the data does not fit, each with one sentence saying what data it needs and how to get
    it: marked in the method choice ("DPO — needs preference pairs"); when one is chosen, that sentence is all the
    form shows after it (the caller starts nothing: `values["method"] in unfit`). `placeholders`: grey text of an
    empty box. `after`: setting -> a function drawn under its widget, given (where, value) (e.g. a button that
    fills the box); when it returns a refusal (a non-empty text it has drawn there), the setting is refused like a
    number out of range.
    """
    drawn = _form(fixed, choices, defaults, hidden, unfit, placeholders, after)
    # Each box drawn took its mark (`_widget`): a mark left is a box this run did not draw (a setting of another
    # method, once the defaults chose theirs), which the browser no longer shows. Left, it made that box, drawn later
    # as one new to the browser, be drawn on Streamlit's own default (0) and its value sent after it, painted late.
    # Not when the form stops half-drawn (an exception, a rerun): the boxes after it are still on screen.
    st.session_state.pop(DEFAULTED, None)
    return drawn


def _form(fixed, choices, defaults, hidden, unfit, placeholders, after) -> tuple[dict, list[str]]:
    """`config_form`'s drawing."""
    fixed, choices, defaults = dict(fixed or {}), dict(choices or {}), dict(defaults or {})
    unfit, placeholders, after = dict(unfit or {}), dict(placeholders or {}), dict(after or {})
    values = dict(fixed)
    refused: list[str] = []
    specs = [s for s in field_specs().values() if s.name not in fixed and s.name not in hidden]
    main = [s for s in specs if not s.advanced]
    advanced = [s for s in specs if s.advanced]

    def draw(spec: FieldSpec, where) -> None:
        if not spec.applies(values):
            return
        default = defaults.get(spec.name, spec.default)
        if spec.name == "learning_rate":
            default = default_learning_rate(values["method"], values.get("tuning", values["method"]))
        try:
            values[spec.name] = _widget(
                spec,
                values,
                default,
                choices.get(spec.name, spec.choices),
                where,
                placeholders.get(spec.name),
                unfit if spec.name == "method" else (),
            )
        except _Refused:
            refused.append(spec.label)
        if spec.name == "method" and values.get("method") not in PREFERENCE_METHODS:
            # The adapter's settings (rank, alpha, dropout, targets, 4-bit format) apply by `tuning`, which LoRA,
            # QLoRA and full fine-tuning give by their name (no box of its own is drawn for them).
            values["tuning"] = tuning_of(values["method"], None)
        if spec.name in after and after[spec.name](where, values.get(spec.name)):
            refused.append(spec.label)  # it drew why, under the box
        if spec.name != "method":  # the options, the box under them and "Which method?" say it in plain words
            where.caption(CAPTIONS.get((spec.name, values.get("method")), field_caption(spec.help, spec.label)))

    # The method first, on its own row, explained; then the main settings three to a row.
    for spec in [s for s in main if s.group == "method"]:
        draw(spec, st)
        if spec.name == "method":
            method = values["method"]
            st.info(METHOD_HELP[method] + ("" if method in unfit else f" It needs {NEEDS[method]}."), icon=alerts.INFO)
            if method in unfit:  # nothing else to set: this split cannot train it
                st.warning(unfit[method], icon=alerts.WARNING)
                return values, refused
            with st.expander("Which method?", expanded=False):
                for name in choices.get("method", spec.choices):
                    if name not in unfit:
                        label = CHOICE_LABELS["method"].get(name, name)
                        st.markdown(f"**{label}**: {METHOD_HELP[name]} *Needs {NEEDS[name]}.*")
                for name, why in unfit.items():
                    st.markdown(f"**{CHOICE_LABELS['method'].get(name, name)}** (not for this split): {why}")

    def three_a_row(specs: list[FieldSpec]) -> None:
        for i in range(0, len(specs), 3):
            for column, spec in zip(st.columns(3), specs[i : i + 3], strict=False):
                draw(spec, column)

    # Only the settings that apply, judged on what is chosen so far (the method): a setting this method does not use
    # (GRPO's What is trained) left an empty column in its row (helper 202's walk). `draw` still checks the rest.
    known = [
        s for s in main if s.group != "method" and all(values.get(k) in v for k, v in s.when.items() if k in values)
    ]
    three_a_row(known)
    with st.expander("More settings", expanded=False):
        for group, title in GROUP_TITLES.items():
            names = {s.name for s in advanced if s.group == group}
            # A setting that matters under another of its group (label smoothing under the DPO loss) is known to
            # apply only once that one is drawn: it gets a row of its own after them.
            later = [s for s in advanced if s.group == group and set(s.when) & names]
            members = [s for s in advanced if s.group == group and s not in later and s.applies(values)]
            if not members:
                continue
            st.markdown(f"**{title}**")
            three_a_row(members)
            three_a_row([s for s in later if s.applies(values)])  # now that what they depend on is drawn
    return values, refused


__all__ = [
    "config_form",
    "forget",
    "form_source",
    "last_run_note",
    "out_of_range",
    "remember_started",
    "remembered",
    "run_method",
    "start_from_defaults",
    "start_from_last_run",
    "typed",
    "widget_key",
]
