"""Batches: how a few encoded rows become one rectangle of numbers (right padding, left padding, packing), and what
each way of batching costs on the whole training split. Drawing only; the work is in `ftlib.batching`."""

from __future__ import annotations

import html

import pandas as pd
import plotly.express as px
import streamlit as st

from ftlib import batching
from ftlib.errors import UserError
from ftlib.templates import TEMPLATE_NAMES, get_template
from ftlib.tokens import POLICIES, encode_row
from ui.common import active_model, cached_tokenizer, require_split, user_errors

MAX_COLUMNS = 320  # wider grids get a "first position" slider; a browser table of thousands of cells crawls
STATS_ROW_LIMIT = 3000  # whole-split statistics look at this many rows at most

COLORS = {
    "trained": "background:rgba(46,160,67,.35)",
    "masked": "background:rgba(56,139,253,.16)",
    "pad": "background:rgba(128,128,128,.22);color:#888;font-style:italic",
}
CSS = """
<style>
.ftgrid{overflow-x:auto;padding-bottom:.4rem}
.ftgrid table{border-collapse:collapse;font-family:ui-monospace,monospace;font-size:12px}
.ftgrid td{border:1px solid rgba(128,128,128,.25);padding:2px 4px;white-space:pre;text-align:center;min-width:1.6em}
.ftgrid th{font-weight:500;padding:2px 6px;text-align:right;white-space:nowrap;font-size:11px;color:#666}
.ftgrid td.start{border-left:3px solid #d29922}
.ftgrid tr.aux td{font-size:10px;color:#666;border-top:none}
.ftgrid .legend span{padding:1px 6px;margin-right:6px;border-radius:3px}
</style>
"""

st.title("Batches")
st.caption(
    "A model trains on a rectangle: every row in a batch must have the same length. Here are three ways to make "
    "that rectangle from the same few examples, and what each one wastes."
)

name, train, test, meta = require_split()
model = active_model()
with user_errors("Could not load the tokenizer"):
    tokenizer = cached_tokenizer(model)

# ------------------------------------------------------------------------------------------------ the settings

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
    template = get_template(template_name, tokenizer)
    chosen_rows = train[first : first + n_rows]
    encoded = [encode_row(row, tokenizer, template, policy, None) for row in chosen_rows]

# A preference pair is two sequences (chosen and rejected): DPO runs both.
names, examples = [], []
for i, enc in enumerate(encoded, start=first):
    parts = batching.expand_pairs([enc])
    suffixes = ["chosen", "rejected"] if len(parts) == 2 else [""]
    for part, suffix in zip(parts, suffixes, strict=True):
        names.append(f"row {i}" + (f" · {suffix}" if suffix else ""))
        examples.append(part)

pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
plain = [batching.as_dict(e) for e in examples]  # labels as given, before any padding or packing
lengths = [len(p["input_ids"]) for p in plain]

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
show_mask = c2.toggle("Attention mask row", value=False)
show_label = c3.toggle("Label row", value=True)
show_pos = c4.toggle("Position id row", value=False)


# ------------------------------------------------------------------------------------------------------ the grid


def _records(example):
    recs = getattr(example, "tokens", None)
    if recs is None and isinstance(example, dict):
        recs = example.get("tokens")
    return recs or []


def _token_text(example, index: int, token_id: int) -> str:
    recs = _records(example)
    if index < len(recs):
        rec = recs[index]
        text = rec.get("text") if isinstance(rec, dict) else getattr(rec, "text", None)
        if text is not None:
            return text
    return tokenizer.convert_ids_to_tokens(token_id) or ""


def _show(text: str) -> str:
    text = text.replace("\n", "↵").replace("\t", "⇥")
    # A later byte piece of a multi-byte character has no text of its own (the first piece shows the character).
    text = text if text.strip() else text.replace(" ", "␣") or "·"
    return html.escape(text if len(text) <= 14 else text[:13] + "…")


def grid_html(batch: batching.Batch, lo: int, hi: int) -> str:
    owner = batch.seq_idx()
    starts = {(r, s.start) for r, row in enumerate(batch.segments) for s in row}
    out = ['<div class="ftgrid"><table>', "<tr><th>position</th>"]
    out += [f"<th style='text-align:center'>{j}</th>" for j in range(lo, hi)]
    out.append("</tr>")
    for r in range(len(batch.input_ids)):
        row_names = " + ".join(names[s.example] for s in batch.segments[r])
        out.append(f"<tr><th title='{html.escape(row_names)}'>{html.escape(row_names[:40])}</th>")
        for j in range(lo, hi):
            tid, m = batch.input_ids[r][j], batch.attention_mask[r][j]
            lab, pos, k = batch.labels[r][j], batch.position_ids[r][j], owner[r][j]
            if not m:
                kind, text, why = "pad", "pad", "padding: not attended, not trained"
            else:
                seg = next(s for s in batch.segments[r] if s.start <= j < s.end)
                text = _token_text(examples[k], j - seg.start, tid)
                original = plain[k]["labels"][j - seg.start]
                kind = "trained" if lab != batch.label_pad else "masked"
                if batch.layout == "packed" and j == seg.start:
                    why = (
                        "start of a packed example: position id back to 0, label -100 so it is never predicted "
                        "from the previous example"
                    )
                elif kind == "masked" and original != batch.label_pad:
                    why = "label -100 here although the example trains it"
                else:
                    why = "trained: the loss scores this token" if kind == "trained" else "attended, label -100"
            tip = f"position {j} · id {tid} · attention {m} · label {lab} · position id {pos} · {why}"
            cls = " class='start'" if (r, j) in starts and batch.layout == "packed" else ""
            out.append(f"<td{cls} style='{COLORS[kind]}' title='{html.escape(tip)}'>{_show(text)}</td>")
        out.append("</tr>")
        extra = [
            ("attention", batch.attention_mask[r], show_mask),
            ("label", batch.labels[r], show_label),
            ("position id", batch.position_ids[r], show_pos),
        ]
        for label, values, on in extra:
            if on:
                cells = "".join(f"<td>{v}</td>" for v in values[lo:hi])
                out.append(f"<tr class='aux'><th>{label}</th>{cells}</tr>")
    out.append("</table></div>")
    return "".join(out)


LEGEND = (
    "<div class='ftgrid'><div class='legend'>"
    f"<span style='{COLORS['trained']}'>trained (label = next token)</span>"
    f"<span style='{COLORS['masked']}'>attended, not trained (-100)</span>"
    f"<span style='{COLORS['pad']}'>padding</span>"
    "<span style='border-left:3px solid #d29922'>start of a packed example</span>"
    "</div></div>"
)


KINDS = {"pad": 0, "masked": 1, "trained": 2}
# Discrete colours for 0 = pad, 1 = attended but not trained, 2 = trained (same as the table's).
HEAT_COLORS = [
    [0, "#d9d9d9"],
    [1 / 3, "#d9d9d9"],
    [1 / 3, "#d4e5fd"],
    [2 / 3, "#d4e5fd"],
    [2 / 3, "#9fd5aa"],
    [1, "#9fd5aa"],
]


def overview(batch: batching.Batch):
    """The whole batch at a glance: one cell per position, coloured like the table, token and labels on hover."""
    import plotly.graph_objects as go

    z, hover = [], []
    for r in range(batch.shape[0]):
        zr, hr = [], []
        for j, (m, lab) in enumerate(zip(batch.attention_mask[r], batch.labels[r], strict=True)):
            kind = "pad" if not m else ("trained" if lab != batch.label_pad else "masked")
            zr.append(KINDS[kind])
            hr.append(
                f"position {j}<br>id {batch.input_ids[r][j]}<br>attention {m}<br>label {lab}"
                f"<br>position id {batch.position_ids[r][j]}<br>{kind}"
            )
        z.append(zr)
        hover.append(hr)
    rows = [" + ".join(names[s.example] for s in segs) for segs in batch.segments]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            y=rows,
            zmin=0,
            zmax=2,
            colorscale=HEAT_COLORS,
            showscale=False,
            hovertext=hover,
            hoverinfo="text",
            xgap=1,
            ygap=2,
        )
    )
    if batch.layout == "packed":  # a bar where each packed example starts
        for r, segs in enumerate(batch.segments):
            for seg in segs[1:]:
                fig.add_shape(
                    type="line",
                    x0=seg.start - 0.5,
                    x1=seg.start - 0.5,
                    y0=r - 0.5,
                    y1=r + 0.5,
                    line={"color": "#d29922", "width": 3},
                )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title="position")
    fig.update_layout(height=90 + 28 * batch.shape[0], margin={"t": 10, "b": 10, "l": 10, "r": 10})
    return fig


CAPTIONS = {
    "right": "Each row starts at position 0; padding fills the end of the shorter rows.",
    "left": "Each row ends on its last real token, ready for the next one to be generated. (In generation only the "
    "prompt is fed; the whole training sequence is shown here to compare.)",
    "packed": "Whole examples laid end to end (best-fit decreasing); position ids restart at each orange bar. In "
    "training, TRL lays a batch of packed rows end to end in a single row, with no padding at all.",
}


def draw(batch: batching.Batch, key: str) -> None:
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
    st.plotly_chart(overview(batch), width="stretch", key=f"{key}_overview")
    width = batch.shape[1]
    lo = 0
    if width > MAX_COLUMNS:
        lo = st.slider("First position shown", 0, width - MAX_COLUMNS, 0, step=16, key=f"{key}_lo")
    st.html(CSS + LEGEND + grid_html(batch, lo, min(width, lo + MAX_COLUMNS)))
    if batch.overflow:
        cut = ", ".join(f"{names[o.example]} ({o.length} → {o.kept} tokens)" for o in batch.overflow)
        st.warning(f"Longer than the packed row length, cut to fit: {cut}. Raise the packed row length to keep them.")


with user_errors("Could not batch the rows"):
    views = {
        "Right padding (training)": batching.collate(examples, pad_id, "right"),
        "Left padding (generation)": batching.collate(examples, pad_id, "left"),
        "Packing": batching.pack(examples, int(pack_length), pad_id),
    }

st.caption(
    f"Pad token id {pad_id} (`{tokenizer.pad_token}`). Hover a cell for its id, attention, "
    "label and position id."
    + (
        " The pad token is also the end-of-turn token here: labels are built before padding, so a real "
        "end-of-turn stays trained while padding is masked by the attention mask."
        if pad_id == tokenizer.eos_token_id
        else ""
    )
)
for tab, (title, batch) in zip(st.tabs(list(views)), views.items(), strict=True):
    with tab:
        draw(batch, title.split()[0].lower())

with st.expander("Why training pads on the right and generation on the left", expanded=True):
    st.markdown(
        """
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
    )

with st.expander("What packing saves, and what it costs", expanded=True):
    st.markdown(
        """
**Saves:** padding. Whole examples are laid end to end in rows of up to the packed length, so almost every
computed position is a real token and the same data takes fewer, fuller steps.

**Costs:** examples share a row, so they could read each other (cross-contamination). It stays exact only
when (1) the position ids restart at 0 for every example, (2) attention is limited to each example
(flash-attention's variable-length kernels, or the block mask transformers builds from the position ids when
no attention mask is passed), and (3) the first token of each example has label -100 so the model is never
asked to predict one example's start from another's end. Examples longer than the row are cut (listed above).
"""
    )

# ---------------------------------------------------------------------------------------- the whole split


@st.cache_data(max_entries=16, show_spinner="Batching the training split every way...")
def split_stats(
    split: str, model_spec: str, template: str, policy: str, batch_size: int, max_length: int, limit: int
) -> tuple[list[dict], int]:
    """`compare_strategies` over the first `limit` training rows, and how many rows failed to encode. Cached: the
    page reruns on every click and this takes about a second per few thousand rows."""
    from ui.common import cached_split

    tok = cached_tokenizer(model_spec)
    tpl = get_template(template, tok)
    examples, failed = [], 0
    for row in cached_split(split)[0][:limit]:
        try:
            examples += batching.expand_pairs([encode_row(row, tok, tpl, policy, None)])
        except UserError:
            failed += 1
    if not examples:
        return [], failed
    return [s.as_dict() for s in batching.compare_strategies(examples, batch_size, max_length)], failed


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
    stats, failed = split_stats(name, model, template_name, policy, int(batch_size), int(max_length), STATS_ROW_LIMIT)
if not stats:
    st.warning("No training row could be encoded with these settings.")
    st.stop()

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
fig = px.bar(long_table, x="strategy", y="value", color="strategy", facet_col="variable", text_auto=".2f", height=320)
fig.update_yaxes(matches=None, showticklabels=True, title=None)
fig.for_each_annotation(lambda a: a.update(text=a.text.split("=")[-1]))
fig.update_layout(showlegend=False, margin=dict(t=30, b=10))
st.plotly_chart(fig, width="stretch")
