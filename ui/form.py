"""The Train page's settings form, generated from `ftlib.config.RunConfig`'s fields.

    values = config_form(fixed={"model": m, "dataset": d}, choices={"method": ("lora", "qlora", "full")})
    config = RunConfig.from_dict(values)

Every setting that applies (its `when` holds for the values chosen so far) gets one widget, labelled, with its
one-sentence help as a caption; `advanced` settings sit in a "More settings" expander, grouped. A widget's kind
follows the field's type: choices -> a select box (a radio for the method), bool -> a toggle, int/float -> a
number input within the field's limits, text -> a text input. Widget keys are `train_<setting>`; the learning
rate's key also names the method, so switching methods shows that method's proven default.
"""

from __future__ import annotations

import json

import streamlit as st

from ftlib.config import METHOD_HELP, PREFERENCE_METHODS, FieldSpec, default_learning_rate, field_specs
from ftlib.methods import NEEDS
from ui.labels import POLICY_LABELS, TEMPLATE_LABELS

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
}
RADIOS = ("method", "tuning")
_EPS = {"learning_rate": 1e-7, "epochs": 0.0, "beta": 1e-3}


def widget_key(name: str, values: dict) -> str:
    """The session-state key of a setting's widget (the learning rate's depends on the method)."""
    if name == "learning_rate":
        method = values.get("method")
        tuning = values.get("tuning") if method in PREFERENCE_METHODS else method
        return f"{KEY}_learning_rate_{method}_{tuning}"
    return f"{KEY}_{name}"


def _bounds(spec: FieldSpec) -> tuple[float | None, float | None]:
    low = spec.minimum if spec.minimum is not None else spec.above
    if spec.above is not None:
        low = _EPS.get(spec.name, spec.above)  # an exclusive bound: the smallest value the input may take
    high = spec.maximum
    if spec.below is not None:
        high = spec.below - (spec.step or 0.01)
    return low, high


def _widget(spec: FieldSpec, values: dict, default, choices, where):
    key = widget_key(spec.name, values)
    label = spec.label
    if choices is not None:
        options = list(choices)
        index = options.index(default) if default in options else 0
        labels = CHOICE_LABELS.get(spec.name, {})
        draw = where.radio if spec.name in RADIOS else where.selectbox
        kwargs = {"horizontal": True} if spec.name in RADIOS else {}
        return draw(label, options, index=index, key=key, format_func=lambda v: str(labels.get(v, v)), **kwargs)
    if spec.kind is bool:
        return where.toggle(label, value=bool(default), key=key)
    if spec.kind in (int, float):
        low, high = _bounds(spec)
        if spec.kind is int:
            return int(
                where.number_input(
                    label,
                    min_value=None if low is None else int(low),
                    max_value=None if high is None else int(high),
                    value=int(default),
                    step=int(spec.step or 1),
                    key=key,
                )
            )
        return where.number_input(
            label,
            min_value=low,
            max_value=high,
            value=float(default),
            step=float(spec.step or 0.01),
            format=spec.fmt or "%g",
            key=key,
        )
    if spec.kind is list and spec.item is dict:  # a list of mappings (GRPO's rewards): JSON or YAML, one per line
        text = "[\n" + ",\n".join(json.dumps(item) for item in default) + "\n]" if default else ""
        return where.text_area(label, text, key=key, placeholder=spec.hint, height=120)  # RunConfig parses it
    if spec.kind is list:
        text = where.text_input(label, ", ".join(default), key=key)
        return [t.strip() for t in text.split(",") if t.strip()]
    return where.text_input(label, str(default), key=key)


def config_form(
    fixed: dict | None = None,
    choices: dict | None = None,
    defaults: dict | None = None,
    hidden: tuple[str, ...] = (),
    unfit: dict[str, str] | None = None,
) -> dict:
    """Draw the settings form; return {setting: value} for RunConfig.from_dict.

    `fixed`: settings the page decides (model, dataset): not drawn. `choices`: narrower choices for a setting (the
    methods that fit the dataset, the devices present). `defaults`: starting values other than the config's
    (e.g. the template chosen on the Tokens page). `hidden`: settings not drawn (their default applies). `unfit`:
    the methods the data does not fit, with why and what to do (shown beside the ones that fit).
    """
    fixed, choices, defaults = dict(fixed or {}), dict(choices or {}), dict(defaults or {})
    values = dict(fixed)
    specs = [s for s in field_specs().values() if s.name not in fixed and s.name not in hidden]
    main = [s for s in specs if not s.advanced]
    advanced = [s for s in specs if s.advanced]

    def draw(spec: FieldSpec, where) -> None:
        if not spec.applies(values):
            return
        default = defaults.get(spec.name, spec.default)
        if spec.name == "learning_rate":
            default = default_learning_rate(values["method"], values.get("tuning", values["method"]))
        values[spec.name] = _widget(spec, values, default, choices.get(spec.name, spec.choices), where)
        where.caption(spec.help)

    # The method first, on its own row, explained; then the main settings three to a row.
    for spec in [s for s in main if s.group == "method"]:
        draw(spec, st)
        if spec.name == "method":
            st.info(f"{METHOD_HELP[values['method']]} It needs {NEEDS[values['method']]}.")
            with st.expander("Which method?", expanded=False):
                for name in choices.get("method", spec.choices):
                    label = CHOICE_LABELS["method"].get(name, name)
                    st.markdown(f"**{label}**: {METHOD_HELP[name]} *Needs {NEEDS[name]}.*")
                for name, why in (unfit or {}).items():
                    st.markdown(f"**{CHOICE_LABELS['method'].get(name, name)}** (not for this split): {why}")
    rest = [s for s in main if s.group != "method"]
    for i in range(0, len(rest), 3):
        for column, spec in zip(st.columns(3), rest[i : i + 3], strict=False):
            draw(spec, column)
    with st.expander("More settings", expanded=False):
        for group, title in GROUP_TITLES.items():
            members = [s for s in advanced if s.group == group and s.applies(values)]
            if not members:
                continue
            st.markdown(f"**{title}**")
            for i in range(0, len(members), 3):
                for column, spec in zip(st.columns(3), members[i : i + 3], strict=False):
                    draw(spec, column)
    return values


__all__ = ["config_form", "widget_key"]
