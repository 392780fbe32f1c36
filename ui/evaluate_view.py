"""Drawing on the Evaluate page: the answers side by side, one row at a time, and what fine-tuning cost.

Side by side means, for each held-out row: the prompt, then the reference, the base answer and the tuned answer
next to each other, in full and wrapping, each with its loss (the table stays as a download). Answers and prompts
are drawn with `st.text` (verbatim: no Markdown).
"""

from __future__ import annotations

import streamlit as st

ROWS_PER_PAGE = 8


def side_by_side(rows, key: str = "eval_side_page") -> None:
    """Each `ftlib.evaluate.EvalRow`: its prompt, then reference | base | tuned, with losses; paged."""
    pages = max(1, -(-len(rows) // ROWS_PER_PAGE))
    if pages > 1:
        page = st.number_input(f"Page (of {pages})", value=1, step=1, key=key)
        if not 1 <= page <= pages:
            st.error(f"**Page (of {pages})**: {page:g} is out of range. Use a number from 1 to {pages}.")
            return
    else:
        page = 1
    start = (int(page) - 1) * ROWS_PER_PAGE
    for row in rows[start : start + ROWS_PER_PAGE]:
        with st.container(border=True):
            st.caption(f"Held-out row {row.index} · the prompt")
            st.text(row.prompt)
            reference, base, tuned = st.columns(3)
            with reference:
                st.markdown("**Reference answer** (the test split's)")
                st.text(row.reference)
            with base:
                st.markdown(f"**Base model** · loss {row.base_loss:.3f}")
                st.text(row.base_output or "(nothing: it stopped at once)")
            with tuned:
                change = row.loss_change
                colour = "green" if change < 0 else "red" if change > 0 else "gray"
                st.markdown(f"**Tuned model** · loss {row.tuned_loss:.3f} :{colour}[({change:+.3f})]")
                st.text(row.tuned_output or "(nothing: it stopped at once)")
    st.caption(
        "Loss = how surprised a model is by the reference answer (lower is better); the change is tuned minus base. "
        "Answers are greedy: each model's single most likely reply."
    )


def cost_panel(cost) -> None:
    """What fine-tuning cost (an ftlib.tuning_cost.TuningCost): forgetting and variety, numbers and sentences."""
    lost, varied = cost.forgetting, cost.diversity
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Everyday loss, base", f"{lost.base_loss:.3f}", help="Mean loss of plain answers to general questions.")
    c2.metric("Everyday loss, tuned", f"{lost.tuned_loss:.3f}", f"{lost.change:+.3f}", delta_color="inverse")
    c3.metric("Variety, base", f"{varied.base:.0%}", help="Distinct word pairs over sampled answers to one question.")
    c4.metric("Variety, tuned", f"{varied.tuned:.0%}", f"{varied.tuned - varied.base:+.0%}")
    st.markdown(f"- {lost.sentence()}\n- {varied.sentence()}")
    with st.expander("The sampled answers behind the variety numbers"):
        for question, base, tuned in varied.answers:
            st.markdown(f"**{question}**")
            left, right = st.columns(2)
            left.caption("Base")
            right.caption("Tuned")
            for b, t in zip(base, tuned, strict=True):
                left.text(b.strip() or "(empty)")
                right.text(t.strip() or "(empty)")


__all__ = ["ROWS_PER_PAGE", "cost_panel", "side_by_side"]
