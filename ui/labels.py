"""What templates, mask policies and training settings are called on every page (Data, Tokens, Batches, Train): one
name each, in plain words, with the short name the CLI and config files use kept in brackets where an engineer needs
it; and the value a preview of a training setting starts from (the Train form's default, ftlib/config.py).

    st.selectbox("Chat template", TEMPLATE_NAMES, format_func=template_label)
    st.selectbox("What is trained", POLICIES, format_func=policy_label)
    st.slider(setting_label("max_length"), 16, 2048, training_default("max_length"))
    st.caption(as_in_training("max_length", value))
"""

from __future__ import annotations

from ftlib.config import field_specs
from ftlib.templates import BUILTIN_TEMPLATES

TEMPLATE_LABELS = {
    **{name: template.title for name, template in BUILTIN_TEMPLATES.items()},
    "tokenizer": "The model's own template",
    "custom": "Custom (your own Jinja template)",
}
POLICY_LABELS = {
    "all_assistant": "every assistant reply",
    "last_assistant": "the last assistant reply",
    "completion_only": "the completion only",
    "everything": "everything (prompt included)",
}


def template_label(name: str) -> str:
    return TEMPLATE_LABELS.get(name, name)


def policy_label(policy: str) -> str:
    return POLICY_LABELS.get(policy, policy.replace("_", " "))


def training_default(name: str):
    """The Train form's default for the run setting `name` (RunConfig in ftlib/config.py): what a page previewing
    that setting (a max length on Data, Tokens and Batches, a batch size on Batches) starts from, so a preview shows
    what training will do unless the user changes it."""
    return field_specs()[name].default


def setting_label(name: str) -> str:
    """The run setting's name as the Train form shows it ('Max length (tokens)', 'Batch size')."""
    return field_specs()[name].label


def as_in_training(name: str, value) -> str:
    """One line under a preview of a training setting: whether `value` is what training uses by default.

    >>> print(as_in_training("max_length", 384))
    Max length (tokens) 384, as in training (the Train page starts from 384).
    >>> print(as_in_training("batch_size", 4))
    Batch size 4 is for this preview only: training uses the Train page's value (8 unless you change it there).
    """
    label, default = setting_label(name), training_default(name)
    if value == default:
        return f"{label} {value:g}, as in training (the Train page starts from {default:g})."
    return (
        f"{label} {value:g} is for this preview only: training uses the Train page's value ({default:g} unless you "
        "change it there)."
    )


__all__ = [
    "POLICY_LABELS",
    "TEMPLATE_LABELS",
    "as_in_training",
    "policy_label",
    "setting_label",
    "template_label",
    "training_default",
]
