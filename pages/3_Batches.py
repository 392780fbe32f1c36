"""Batches: how a few encoded rows become one rectangle of numbers (right padding, left padding, packing), and what
each way of batching costs on the whole training split. Drawing only: batching is `ftlib.batching`, the grid and
the overview are `ui.batch_view`."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from ftlib import batching
from ftlib.templates import TEMPLATE_NAMES, get_template
from ftlib.tokens import POLICIES
from ui.batch_view import CAPTIONS, CSS, LEGEND, Shown, grid_html, overview
from ui.common import active_model, cached_split, cached_tokenizer, require_split, user_errors

MAX_COLUMNS = 320  # wider grids get a "first position" slider; a browser table of thousands of cells crawls
STATS_ROW_LIMIT = 3000  # whole-split statistics look at this many rows at most

WHY_PADDING = """
**Training (right padding).** Every row starts at position 0, so the model sees each example exactly as it
would alone. The padding comes after the last real token; because attention only looks backwards, no real
token ever looks at it, and its labels are -100 so the loss ignores it.

**Generation (left padding).** The model writes the next token after the *last* position of each row. With
right padding, short rows would end in padding and the model would continue from a pad. Padding on the left
makes every row end on its last real token, so all rows can grow together. The attention mask hides the pads,
and the position ids count only real tokens (the first real token is position 0), as `generate` does.

**The label shift.** Labels are not moved: the model's output at position *t* is scored against the label at
*t + 1*. So the first token of a sequence is never a target, and the end-of-turn token must carry a label
for the model to learn to stop.
"""
WHY_PACKING = """
**Saves:** padding. Whole examples are laid end to end in rows of up to the packed length, so almost every
computed position is a real token and the same data takes fewer, fuller steps.

**Costs:** examples share a row, so they could read each other (cross-contamination). It stays exact only
when (1) the position ids restart at 0 for every example, (2) attention is limited to each example
(flash-attention's variable-length kernels, or the block mask transformers builds from the position ids when
no attention mask is passed), and (3) the first token of each example has label -100 so the model is never
asked to predict one example's start from another's end. Examples longer than the row are cut (listed above).
"""


def draw(batch: batching.Batch, shown: Shown, original_labels: list[list[int]], key: str) -> None:
    s = batch.stats()
    a, b, c, d = st.columns(4)
    a.metric("Rows × positions", f"{batch.shape[0]} × {batch.shape[1]}")
    b.metric("Padding", f"{s.padded_positions} ({s.pad_fraction:.0%})")
    c.metric("Trained tokens", s.trained_tokens)
    d.metric(
        "Computed / trained",
        f"{s.computed_per_trained:.2f}",
        help="Positions the model computes (padding included) per token the loss scores.",
    )
    st.caption(CAPTIONS[batch.layout])
    st.plotly_chart(overview(batch, shown.names), width="stretch", key=f"{key}_overview")
    width, lo = batch.shape[1], 0
    if width > MAX_COLUMNS:
        lo = st.slider("First position shown", 0, width - MAX_COLUMNS, 0, step=16, key=f"{key}_lo")
    st.html(CSS + LEGEND + grid_html(batch, shown, original_labels, lo, min(width, lo + MAX_COLUMNS)))
    if batch.overflow:
        cut = ", ".join(f"{shown.names[o.example]} ({o.length} → {o.kept} tokens)" for o in batch.overflow)
        st.warning(f"Longer than the packed row length, cut to fit: {cut}. Raise the packed row length to keep them.")


@st.cache_data(max_entries=16, show_spinner="Batching the training split every way...")
def split_stats(
    split: str, model_spec: str, template: str, policy: str, batch_size: int, max_length: int, limit: int
) -> tuple[list[dict], int]:
    """`compare_strategies` over the first `limit` training rows, and how many rows failed to encode. Cached: the
    page reruns on every click and this takes about a second per few thousand rows."""
    tok = cached_tokenizer(model_spec)
    examples, _, failed = batching.encode_examples(
        cached_split(split)[0][:limit], tok, get_template(template, tok), policy
    )
    if not examples:
        return [], len(failed)
    return [s.as_dict() for s in batching.compare_strategies(examples, batch_size, max_length)], len(failed)


def whole_split(name: str, train: list[dict], model: str, template_name: str, policy: str) -> None:
    st.subheader(f"All of `{name}`: which batching wastes least")
    s1, s2 = st.columns(2)
    batch_size = s1.number_input("Batch size", 1, 512, 8)
    max_length = s2.number_input(
        "Max length",
        8,
        32768,
        512,
        help="Longer examples are cut to this for every strategy; it is also the packed row length.",
    )
    with user_errors("Could not compute the statistics"):
        stats, failed = split_stats(
            name, model, template_name, policy, int(batch_size), int(max_length), STATS_ROW_LIMIT
        )
    if not stats:
        st.warning("No training row could be encoded with these settings.")
        return
    table = pd.DataFrame(
        {
            "strategy": [batching.STRATEGY_LABELS[s["strategy"]] for s in stats],
            "batches (steps)": [s["batches"] for s in stats],
            "real tokens": [s["real_tokens"] for s in stats],
            "padded positions": [s["padded_positions"] for s in stats],
            "pad fraction": [s["pad_fraction"] for s in stats],
            "trained tokens": [s["trained_tokens"] for s in stats],
            "computed per trained token": [s["computed_per_trained"] for s in stats],
            "tokens cut": [s["dropped_tokens"] for s in stats],
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "pad fraction": st.column_config.NumberColumn(format="percent"),
            "computed per trained token": st.column_config.NumberColumn(format="%.2f"),
        },
    )
    note = f"{stats[0]['examples']} sequences from the training split"
    if len(train) > STATS_ROW_LIMIT:
        note += f" (the first {STATS_ROW_LIMIT} of {len(train)} rows)"
    if failed:
        note += f"; {failed} rows could not be encoded and were left out"
    st.caption(
        note + ". Packing uses best-fit decreasing, as TRL does; length grouping follows transformers' "
        "`group_by_length` sampler."
    )
    long_table = table.melt(id_vars="strategy", value_vars=["pad fraction", "computed per trained token"])
    fig = px.bar(
        long_table, x="strategy", y="value", color="strategy", facet_col="variable", text_auto=".2f", height=320
    )
    fig.update_yaxes(matches=None, showticklabels=True, title=None)
    fig.for_each_annotation(lambda a: a.update(text=a.text.split("=")[-1]))
    fig.update_layout(showlegend=False, margin=dict(t=30, b=10))
    st.plotly_chart(fig, width="stretch")


st.title("Batches")
st.caption(
    "A model trains on a rectangle: every row in a batch must have the same length. Here are three ways to make "
    "that rectangle from the same few examples, and what each one wastes."
)
name, train, test, meta = require_split()
model = active_model()
with user_errors("Could not load the tokenizer"):
    tokenizer = cached_tokenizer(model)

left, mid, right = st.columns(3)
templates = ["tokenizer", *[t for t in TEMPLATE_NAMES if t not in ("tokenizer", "custom")]]
template_name = left.selectbox("Chat template", templates, help="`tokenizer` is the model's own template.")
policy = mid.selectbox("What is trained", POLICIES, help="Which tokens get a label (the rest get -100).")
if not train:
    st.warning(f"The split `{name}` has no training rows. Save a split with some on the **Data** page.")
    st.stop()
if len(train) > 1:
    n_rows = right.slider("Rows", 1, min(16, len(train)), min(4, len(train)), help="How many rows to batch.")
else:
    n_rows = 1  # a slider needs two values to choose from
    right.caption("One training row: nothing to pad against, but packing still shows its layout.")
first = st.number_input("Starting at row", 0, max(0, len(train) - n_rows), 0, help="Row number in the training split.")

with user_errors("Could not encode the rows"):
    examples, names, _ = batching.encode_examples(
        train[first : first + n_rows],
        tokenizer,
        get_template(template_name, tokenizer),
        policy,
        first=first,
        strict=True,
    )
original_labels = [batching.as_dict(e)["labels"] for e in examples]  # as encoded, before padding or packing
lengths = [len(labels) for labels in original_labels]
pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id

c1, c2, c3, c4 = st.columns(4)
# Room for about two examples per row by default, so the packing view shows examples sharing a row.
default_pack = max(8, max(lengths), min(sum(lengths), 2 * max(lengths)))
pack_length = c1.number_input(
    "Packed row length",
    8,
    32768,
    -(-default_pack // 8) * 8,
    help="max_length for packing: examples are laid end to end in rows of at most this many tokens.",
)
shown = Shown(
    names=names,
    texts=[[t.text for t in e.tokens] for e in examples],
    attention=c2.toggle("Attention mask row", value=False),
    labels=c3.toggle("Label row", value=True),
    positions=c4.toggle("Position id row", value=False),
)
with user_errors("Could not batch the rows"):
    views = {
        "Right padding (training)": batching.collate(examples, pad_id, "right"),
        "Left padding (generation)": batching.collate(examples, pad_id, "left"),
        "Packing": batching.pack(examples, int(pack_length), pad_id),
    }
st.caption(
    f"Pad token id {pad_id} (`{tokenizer.pad_token}`). Hover a cell for its id, attention, label and position "
    "id."
    + (
        " The pad token is also the end-of-turn token here: labels are built before padding, so a real "
        "end-of-turn stays trained while padding is masked by the attention mask."
        if pad_id == tokenizer.eos_token_id
        else ""
    )
)
for tab, (title, batch) in zip(st.tabs(list(views)), views.items(), strict=True):
    with tab:
        draw(batch, shown, original_labels, title.split()[0].lower())
with st.expander("Why training pads on the right and generation on the left", expanded=True):
    st.markdown(WHY_PADDING)
with st.expander("What packing saves, and what it costs", expanded=True):
    st.markdown(WHY_PACKING)
whole_split(name, train, model, template_name, policy)
