"""Draw what ftlib.data read: the file's report (format, counts, what is ignored, bad rows), its canonical rows as
chat turns (reasoning, tool calls, tool results and per-turn weights shown where they sit; every kind: sft,
preference, unpaired, text, prompt only) and the token-length histogram.

Texts are drawn with `st.text` (verbatim: no Markdown, so `*`, `_`, `<` and formulas show as written).
"""

from __future__ import annotations

import json

import streamlit as st

from ftlib.rows import as_turns, row_kind

COUNT_WORDS = {
    "tool_calls": "with tool calls",
    "tools": "with tool schemas",
    "reasoning": "with reasoning",
    "weight_0": "with a turn weighted 0 (not trained)",
}

AVATARS = {
    "system": ":material/settings:",
    "user": ":material/person:",
    "assistant": ":material/smart_toy:",
    "tool": ":material/build:",
}


def show_turns(turns: list[dict]) -> None:
    """One chat message per turn; reasoning, tool calls and a weight of 0 are labelled inside it."""
    for turn in turns:
        with st.chat_message(turn["role"], avatar=AVATARS.get(turn["role"])):
            if turn["role"] == "tool":
                st.caption("Tool result" + (f" of `{turn['name']}`" if turn.get("name") else ""))
            if turn.get("reasoning"):
                st.caption("Reasoning (before the answer)")
                st.text(turn["reasoning"])
            if turn.get("content"):
                st.text(turn["content"])
            for call in turn.get("tool_calls") or []:
                fn = call["function"]
                st.caption("Tool call")
                st.text(f"{fn['name']}({json.dumps(fn['arguments'], ensure_ascii=False)})")
            if turn.get("weight") == 0:
                st.caption("Weight 0: shown to the model as context, not trained.")


def show_tools(row: dict) -> None:
    tools = row.get("tools") or []
    if tools:
        names = [(t.get("function") if isinstance(t.get("function"), dict) else t).get("name") for t in tools]
        with st.expander(f"Tools the model may call: {', '.join(map(str, names))}"):
            st.json(tools)


def show_row(row: dict, number: int, raw: bool) -> None:
    """One row in a bordered box headed with its source row number; `raw` shows the canonical JSON instead."""
    with st.container(border=True):
        st.caption(f"Source row {number}")
        if raw:
            st.json(row)
            return
        kind = row_kind(row)
        show_tools(row)
        if kind == "text":
            st.caption("Plain text: every token is trained (next-token prediction, no chat template).")
            st.text(row["text"])
        elif kind == "prompt_only":
            show_turns(as_turns(row["prompt"], "user"))
            st.caption("A prompt without an answer: the model writes answers itself (online RL).")
        elif kind == "preference":
            show_turns(as_turns(row["prompt"], "user"))
            good, bad = st.columns(2)
            with good:
                st.markdown("**Chosen** ✅")
                show_turns(as_turns(row["chosen"]))
            with bad:
                st.markdown("**Rejected** ❌")
                show_turns(as_turns(row["rejected"]))
        elif kind == "unpaired":
            show_turns(as_turns(row["prompt"], "user"))
            st.markdown("**A good answer** ✅" if row["label"] else "**A bad answer** ❌ (learnt as what not to say)")
            show_turns(as_turns(row["completion"]))
        else:
            show_turns(row["messages"])


def show_report(result) -> None:
    """Metrics (good/bad answers for unpaired rows), what the rows hold, file-level notices, the skipped rows."""
    counts = result.summary()["counts"]
    metrics = {"Format": result.format, "Rows read": result.total, "Valid rows": result.valid_rows}
    metrics["Skipped rows"] = len(result.errors)
    if result.kind == "unpaired":
        metrics.update({"Good answers": counts["good"], "Bad answers": counts["bad"]})
    for column, (name, value) in zip(st.columns(len(metrics)), metrics.items(), strict=True):
        column.metric(name, value)
    held = [f"{counts[k]} {words}" for k, words in COUNT_WORDS.items() if counts[k]]
    if held:
        st.caption("Rows " + "; ".join(held) + ".")
    if result.notices:
        st.warning("\n".join(f"- {n.message}" for n in result.notices))
    if result.errors:
        st.warning(f"{len(result.errors)} of {result.total} rows cannot be used and are skipped; the rest are kept.")
        widths = {"row": st.column_config.NumberColumn("row", width="small")}
        widths["message"] = st.column_config.TextColumn("message", width="large")  # the reason is what matters
        st.dataframe([e.as_dict() for e in result.errors], hide_index=True, column_config=widths)
    if result.warnings:
        with st.expander(f"{len(result.warnings)} rows are kept but look odd"):
            st.dataframe([w.as_dict() for w in result.warnings], hide_index=True)


def length_figure(lengths: list[int], cutoff: int):
    """A histogram of token lengths with the max-length cutoff as a dashed line (when it is in view)."""
    import plotly.express as px

    longest = max(lengths)
    fig = px.histogram(
        x=lengths, nbins=min(60, max(10, len(set(lengths)))), labels={"x": "tokens per row", "count": "rows"}
    )
    # Scale to the data, not to a far-away cutoff, so short datasets still show their shape.
    x_max = max(longest, min(cutoff, 2 * longest)) * 1.08
    if cutoff <= x_max:
        fig.add_vline(x=cutoff, line_dash="dash", line_color="red", annotation_text=f"max length {cutoff}")
    fig.update_layout(
        height=320, margin={"t": 30, "b": 10}, yaxis_title="rows", showlegend=False, xaxis_range=[0, x_max]
    )
    return fig
