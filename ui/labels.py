"""What templates and mask policies are called on every page (Tokens, Batches, Train): one name each, in plain
words, with the short name the CLI and config files use kept in brackets where an engineer needs it.

    st.selectbox("Chat template", TEMPLATE_NAMES, format_func=template_label)
    st.selectbox("What is trained", POLICIES, format_func=policy_label)
"""

from __future__ import annotations

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


__all__ = ["POLICY_LABELS", "TEMPLATE_LABELS", "policy_label", "template_label"]
