"""The Compare page's prompt: typed (with an optional system message), or a row of the active split's test part
(its reference answer kept apart, for the page to show beside the outputs, and its tool schemas, which the models
read as training showed them). What was typed or picked outlives a
visit to another page (`ui.kept`); the row picked is kept per split."""

from __future__ import annotations

import streamlit as st

from ftlib.evaluate import EvalError, conversation
from ui.kept import default_for, keep, restore


def conversation_or_row(row: dict) -> list[dict]:
    """A row's conversation; for a row without a reference answer, its messages as they are."""
    try:
        return conversation(row)
    except EvalError:
        return list(row.get("messages") or row.get("prompt") or [])


def choose_prompt(test_rows: list[dict], split_name: str | None) -> tuple[list[dict], dict | None, list | None]:
    """(messages ending with the user's turn, the reference answer's assistant message (its reasoning and tool calls
    included) or None, the row's `tools` or None: a typed prompt has none)."""
    sources = ["Type a prompt"] + (["Pick from the test split"] if test_rows else [])
    restore("compare_source", sources)
    source = st.radio("Prompt", sources, horizontal=True, label_visibility="collapsed", key="compare_source")
    keep("compare_source")
    if source == "Type a prompt":
        sea = default_for("compare_prompt", "Write a short poem about the sea.")
        # Kept by its callback too: typed and left with a click on another page, no Compare run ever draws it.
        prompt = st.text_area(
            "Your message", sea or "", height=80, key="compare_prompt", on_change=keep, args=("compare_prompt",)
        )
        keep("compare_prompt")
        restore("compare_system")
        system = st.text_input(
            "System message (optional)",
            key="compare_system",
            on_change=keep,
            args=("compare_system",),
            help="Empty: the template's default, if it has one.",
        )
        keep("compare_system")
        messages = [{"role": "user", "content": prompt}]
        if system.strip():
            messages.insert(0, {"role": "system", "content": system})
        return messages, None, None

    def label(i: int) -> str:
        user = next((m["content"] for m in reversed(conversation_or_row(test_rows[i])) if m["role"] == "user"), "")
        return f"{i + 1}: {user[:70]}"  # counted from 1, as the Data, Tokens and Evaluate pages count rows

    key = f"compare_row_{split_name}"  # row 3 of one split is not row 3 of another
    restore(key, range(len(test_rows)))
    index = st.selectbox(f"Test row (split `{split_name}`)", range(len(test_rows)), format_func=label, key=key)
    keep(key)
    messages, tools = conversation_or_row(test_rows[index]), test_rows[index].get("tools") or None
    if messages and messages[-1]["role"] == "assistant":
        return messages[:-1], messages[-1], tools
    return messages, None, tools


__all__ = ["choose_prompt", "conversation_or_row"]
