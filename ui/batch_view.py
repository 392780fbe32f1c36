"""Drawing a batch on the Batches page: the token grid (HTML), the whole-batch overview (a heatmap), the legend.

Pure functions of an `ftlib.batching.Batch` and the examples it was made from; the page only chooses and lays out.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass

import plotly.graph_objects as go

from ftlib import batching
from ftlib.batch_costs import STRATEGY_LABELS, work_shares
from ui.charts import readable_text

# Each kind has a cue besides its colour, for readers who do not tell the colours apart: a bar under a trained cell,
# the word "pad" in italics for padding (a masked cell has neither). Pad text #595959 on its grey: 5.5:1 (WCAG AA).
COLORS = {
    "trained": "background:rgba(46,160,67,.35);box-shadow:inset 0 -3px 0 #1b5e20",
    "masked": "background:rgba(56,139,253,.2)",
    "pad": "background:rgba(128,128,128,.22);color:#595959;font-style:italic",
}
CSS = """
<style>
.ftgrid{overflow-x:auto;padding-bottom:.4rem}
.ftgrid table{border-collapse:collapse;font-family:ui-monospace,monospace;font-size:12px}
.ftgrid td{border:1px solid rgba(128,128,128,.25);padding:2px 4px;white-space:pre;text-align:center;min-width:1.6em}
.ftgrid th{font-weight:500;padding:2px 6px;text-align:right;white-space:nowrap;font-size:11px;color:#666}
.ftgrid td.start{border-left:3px solid #d29922}
.ftgrid tr.aux td{font-size:10px;color:#666;border-top:none}
.ftgrid .legend span{display:inline-block;padding:1px 6px;margin:0 6px 3px 0;border-radius:3px}
.ftgrid caption,.ftgrid .ftsr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);
  white-space:nowrap}
.ftgrid td sup{font:700 9px sans-serif;margin-left:1px}
.ftgrid .ftnotes{font-size:13px;margin:.3rem 0 0}
.ftgrid .ftnotes ol{margin:.1rem 0 0 1.4rem;padding:0}
</style>
"""
LEGEND = (
    "<div class='ftgrid'><div class='legend'>"
    f"<span style='{COLORS['trained']}'>trained (bar under it): label = token id (the model learns to predict it)"
    "</span>"
    f"<span style='{COLORS['masked']}'>attended, not trained (-100; no bar)</span>"
    f"<span style='{COLORS['pad']}'>pad: padding</span>"
    "<span style='border-left:3px solid #d29922'>start of a packed example</span>"
    "</div></div>"
)
CAPTIONS = {
    "right": "Each row starts at position 0; padding fills the end of the shorter rows.",
    "left": "Each row ends on its last real token, ready for the next one to be generated. (In generation only the "
    "prompt is fed; the whole training sequence is shown here to compare.)",
    "packed": "Whole examples laid end to end, the longest first, each into the fullest row it still fits; the "
    "position count starts again at each orange bar.",
}
# The left-padded view of GRPO's prompts: each row is the whole prompt, not a training sequence cut to its prompt.
PROMPTS_LEFT_CAPTION = (
    "Each prompt ends on its last real token, ready for its answer to be generated, as GRPO pads its prompts (the "
    "answers the model writes then follow each prompt, padded on the right)."
)
# The batch's cost in plain words (the metric above each grid, the whole-split table's column and chart); the
# engineer's name and formula are in the help. Most of a chat's work is its prompt, which the model reads but does
# not learn from: not waste any batching setting removes, so the words keep it apart from padding (walk: a lead read
# "1.00 wastes nothing" beside 5.48 for padding and 5.47 for packing).
WORK_LABEL = "Work per trained token"
# What a row reads but is not trained on (the "only read" share), by the rows' kind: raw texts have no prompt, only
# each text's first token, which no earlier token predicts (a walk read "prompts, system text" under rows of neither).
READ_ONLY = "prompts, system text, earlier turns"
TEXT_READ_ONLY = "each text's first token, which no earlier token predicts"


def read_only_what(texts: bool = False) -> str:
    """What rows read but are not trained on, in words: `texts` (raw texts alone) their first token, else prompts."""
    return TEXT_READ_ONLY if texts else READ_ONLY


def work_help(texts: bool = False) -> str:
    """The help of "Work per trained token" (a grid's metric, the whole-split table's column), its read-only part in
    the rows' own terms (`read_only_what`).

    >>> "(prompts, system text, earlier turns)" in work_help() and "prompts" not in work_help(texts=True)
    True
    """
    return (
        "How many positions the model works through for each token it learns from. Two things make it more than "
        "1.00: padding, which the batching settings here change, and the tokens the model reads but does not learn "
        f"from ({read_only_what(texts)}), which no batching setting removes: the model needs them as context. For "
        "engineers: computed positions ÷ trained tokens (compute per trained token)."
    )


WORK_HELP = work_help()
WORK_UNIT = "positions"  # its unit: positions computed (real tokens and padding) per trained token
# The whole-split chart's work facet, headed with its unit (the table's cells say it: "3.22 positions").
WORK_CHART_TITLE = f"work per trained token ({WORK_UNIT})"
# Beside the number, in one plain sentence (under the whole-split table; each grid's metric has `work_said`).
WORK_SAID = (
    "Positions the model computes for each token it learns from: padding (which batching changes) and the prompts it "
    "reads but does not learn from (which it does not) both raise it."
)
# The same of raw texts, which have no prompt.
TEXT_WORK_SAID = (
    "Positions the model computes for each token it learns from: padding (which batching changes) and each text's "
    "first token, which it reads but cannot learn (no earlier token predicts it; batching does not change that), both "
    "raise it."
)


def work_said(stats, texts: bool = False) -> str:
    """Under a grid's work metric: its unit first (positions computed per trained token: "2.87 positions" as the
    metric's value was cut to "2.87 positi…" in a quarter of the page), then where its computed positions go
    (ftlib.batch_costs.work_shares of a ftlib.batching.BatchStats), padding apart from what is read but not trained,
    in percent. `texts`: the rows are raw texts, which have no prompt: what they read untrained is each text's first
    token, which no earlier token predicts (a walk read "prompts, system text 5%" under rows that have neither).

    >>> from ftlib.batching import BatchStats
    >>> said = work_said(BatchStats("packing", 8, 1, 1, 30, 7, 37, 8))  # 7 pads, 22 read only, 8 trained of 37
    >>> "padding 19%" in said and "(prompts, system text) 59%" in said and "learned from 22%" in said
    True
    >>> said = work_said(BatchStats("packing", 8, 1, 1, 30, 0, 30, 28), texts=True)
    >>> "(each text's first token, which no earlier token predicts) 7%" in said and "prompts" not in said
    True
    """
    shares = work_shares(stats)
    what = TEXT_READ_ONLY if texts else "prompts, system text"
    return (
        f"Positions computed per trained token. Of the work: padding {shares['padding']:.0%} (the batching settings "
        f"change this); read but not trained ({what}) {shares['read_only']:.0%} (no batching setting "
        f"removes this); learned from {shares['trained']:.0%}."
    )


def bar_text(column: str, value: float | None, strategy: str = "") -> str:
    """The label on a bar of the whole-split chart (`column` "padding share (%)" or "work per trained token", as the
    table names them; `strategy` the table's label of the bar's row). A bar of 0% has no height to carry a number,
    so its label says what the 0 means: no padding (packing: its rows laid end to end; `<br>`, plotly's line break);
    a work bar where nothing is trained (prompts for GRPO, None or NaN) says so.

    >>> bar_text("padding share (%)", 36.321), bar_text("padding share (%)", 0.0, "Packing")
    ('36.32%', '0%: no padding,<br>rows end to end')
    >>> bar_text("padding share (%)", 0.0, "Padding, shuffled"), bar_text("work per trained token", 3.2)
    ('0%: no padding', '3.20')
    >>> bar_text("work per trained token", float("nan"))
    'nothing trained'
    """
    if value is None or value != value:  # NaN: the table's empty cell
        return "nothing trained"
    if column != "padding share (%)":
        return f"{value:.2f}"
    if value:
        return f"{value:.2f}%"
    # In two lines, as wide as a bar: on one, it ran over the next bar at 1280 px.
    return "0%: no padding,<br>rows end to end" if strategy == STRATEGY_LABELS["packing"] else "0%: no padding"


def padding_free_runs(kinds) -> str:
    """Who, on a CPU server, lays right-padded rows of these kinds (ftlib.rows.row_kind) end to end: SFT's collator,
    and the alignment trainers' packed rows (ftlib.training.ALIGNMENT_PACKED; KTO reads pairs as good and bad rows).

    >>> [padding_free_runs({kind}) for kind in ("preference", "unpaired", "sft", "prompt_only")]
    ['DPO, KTO and reward-model runs', 'KTO runs', 'SFT runs', 'GRPO runs']
    """
    if "preference" in kinds:
        return "DPO, KTO and reward-model runs"
    if "unpaired" in kinds:
        return "KTO runs"
    return "GRPO runs" if kinds == {"prompt_only"} else "SFT runs"


def padding_said(layout: str, drawn, trained_as, padding_free: bool = False, runs: str = "SFT runs") -> str:
    """What the padding number beside it counts (statistics are ftlib.batching.BatchStats: `drawn` of the picture,
    `trained_as` of what training computes). For packing they differ: the picture squares its rows off, training
    lays them end to end as one row, so the number is training's and the caption names the grey cells.
    `padding_free`: this server's runs lay right-padded rows end to end too (on CPU): then, as for packing, the
    numbers are training's and the caption gives the picture's (what a GPU run computes). `runs`: who does
    (`padding_free_runs`)."""
    if layout == "packed" and not drawn.padded_positions:
        return "No padding: the examples lie end to end, and training computes them just so."
    if layout == "packed":
        return (
            f"Training joins these {drawn.rows} rows into one of {trained_as.computed_positions} tokens: it computes "
            f"no padding. The {drawn.padded_positions} grey cells only fill out this picture."
        )
    if layout == "left":
        return "Grey cells before each prompt: computed in generation, never read (the attention mask hides them)."
    if padding_free and not drawn.padded_positions:
        return "No padding: no row is shorter than the longest."
    if padding_free:
        cost = f"{drawn.pad_fraction:.0%} of the positions"
        if drawn.trained_tokens:
            cost += f", {drawn.computed_per_trained:.2f} positions per trained token"
        return (
            f"Grey cells after each row: this server's {runs} (on CPU) do not compute them: they lay these "
            f"{drawn.rows} rows end to end (padding-free), {trained_as.computed_positions} tokens in one row, so the "
            f"numbers here count no padding. A GPU run computes the {drawn.padded_positions} grey cells ({cost}) "
            "and never learns from them (label -100)."
        )
    return "Grey cells after each row: computed in training, never learned from (label -100)."


def steps_help(grad_accum: int) -> str:
    """The help of the whole-split table's steps column, for the Train page's gradient accumulation.

    >>> steps_help(1)
    'Optimizer steps in one pass: one batch a step (gradient accumulation 1, as on the Train page).'
    """
    per = "one batch" if grad_accum == 1 else f"{grad_accum} batches"
    return f"Optimizer steps in one pass: {per} a step (gradient accumulation {grad_accum}, as on the Train page)."


# Under the whole-split table, in plain words; the method's names are in TABLE_FOR_ENGINEERS.
STRATEGIES_SAID = (
    "Grouping by length puts rows of similar length in the same batch; packing fills each row as full as it can, "
    "longest examples first."
)
TABLE_FOR_ENGINEERS = """
- **steps**: optimizer steps in one pass: batches of *batch size* examples, *gradient accumulation* batches a step
  (the Train page's), a last shorter group counting as a step, as transformers' Trainer counts them. An example is
  one sequence, except a preference pair: a batch takes *batch size* pairs and runs both answers of each, the chosen
  ones then the rejected, as TRL's DPOTrainer and RewardTrainer stack them, so 8 pairs a batch are 16 sequences.
- **Padding, shuffled**: what a run without *group by length* computes: its sampler shuffles the rows
  every epoch, so the padding is the one expected over every random order (computed exactly, not sampled; rounded
  to whole positions), not that of the file's order (a file sorted by length would look grouped).
- **Padding, grouped by length**: the Train form's *group by length*, transformers' `get_length_grouped_indices`,
  for one shuffle of the seed: the rows shuffled, cut into chunks of up to 50 optimizer steps' rows (fewer when
  there are under 200 steps), the chunks in random order, each sorted longest first, the longest row moved to the
  very front (a sawtooth in the loss curve). KTO and GRPO order their rows themselves, so it is not offered for
  their rows.
- **Packing**: best-fit decreasing (BFD) into rows of *max length*, as TRL packs (`SFTConfig(packing=True)`, its
  default `packing_strategy="bfd"`); TRL then runs a batch of packed rows padding-free, as one flattened row.
- **work per trained token**, in positions: computed positions (real tokens and padding) ÷ tokens whose label is not
  -100.
- **tokens**: real tokens computed, every position but padding.
- **only read** (read, not trained): real tokens whose label is -100 (prompts, system text, earlier turns, each
  row's first token) as a share of the computed positions: the context the model reads, which no batching removes.
- **cut**: tokens past *max length*, truncated.
"""
GRPO_PADDING = (
    "GRPO pads its prompts on the left, not the right (TRL's GRPOTrainer): to write the answers, and again when it "
    "trains on them, each prompt then its answer, the answers padded on the right. The Left padding tab draws the "
    "prompts as GRPO pads them."
)
WHY_PADDING = """
**Training (right padding).** Every row starts at position 0, so the model sees each example exactly as it
would alone. The padding comes after the last real token; because attention only looks backwards, no real
token ever looks at it, and its labels are -100 so the loss ignores it. GRPO is the exception: it trains on answers
it generated, so its prompts stay padded on the left, as in generation, and only the answers after them on the right.

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

**Costs:** examples share a row, so they could read each other. Training keeps them apart: each example's
positions restart at 0, each one sees only itself, and the first token of each is never a target, so the model is
never asked to guess one example's start from another's end. Examples longer than the row are cut (listed above).
"""
PACKING_FOR_ENGINEERS = """
Packing stays exact only when (1) the position ids restart at 0 for every example, (2) attention is limited to
each example (flash-attention's variable-length kernels, or the block mask transformers builds from the position
ids when no attention mask is passed and `use_cache=False`), and (3) the first token of each example has label
-100. The packing tab lays examples out by best-fit decreasing (BFD), TRL's default `packing_strategy`; in training
TRL's collator joins a batch of packed rows into one padding-free row.
"""
_KINDS = {"pad": 0, "masked": 1, "trained": 2}
# Discrete colours for 0 = pad, 1 = attended but not trained, 2 = trained (the same as the grid's).
_HEAT_COLORS = [
    [0, "#d9d9d9"],
    [1 / 3, "#d9d9d9"],
    [1 / 3, "#d4e5fd"],
    [2 / 3, "#d4e5fd"],
    [2 / 3, "#9fd5aa"],
    [1, "#9fd5aa"],
]


@dataclass
class Shown:
    """What the grid shows besides the batch: each example's name and token texts, and the extra rows asked for."""

    names: list[str]  # per example, e.g. "row 3 · chosen"
    texts: list[list[str]]  # per example, each token's piece of the rendered text
    attention: bool = False
    labels: bool = True
    positions: bool = False
    ids: bool = False  # the token ids, otherwise in each cell's hover text only (no keyboard reaches a hover)


def overview_rows(batch: batching.Batch, names: list[str]) -> list[dict]:
    """The overview's numbers, for its "Chart data" table (`ui.chart_data`): per row of the batch, its examples and
    how many positions are trained, only read and padding, counted as the chart colours them.

    >>> b = batching.collate([{"input_ids": [5, 6, 7], "labels": [-100, 6, 7]}, {"input_ids": [8], "labels": [8]}], 3)
    >>> [list(r.values()) for r in overview_rows(b, ["a", "b"])]  # row, trained, only read, padding
    [['a', 2, 1, 0], ['b', 0, 1, 2]]
    """
    out = []
    for r, segs in enumerate(batch.segments):
        kinds = [_kind(batch, r, j) for j in range(batch.shape[1])]
        row = " + ".join(names[s.example] for s in segs)
        counts = {"trained": kinds.count("trained"), "only read": kinds.count("masked"), "padding": kinds.count("pad")}
        out.append({"row": row, **counts})
    return out


def cell_text(text: str) -> str:
    """A token's text for a narrow cell: line breaks and tabs as ↵ and ⇥, blank tokens visible, long ones cut."""
    text = text.replace("\n", "↵").replace("\t", "⇥")
    # A later byte piece of a multi-byte character has no text of its own (the first piece shows the character).
    text = text if text.strip() else text.replace(" ", "␣") or "·"
    return html.escape(text if len(text) <= 14 else text[:13] + "…")


def _kind(batch: batching.Batch, r: int, j: int) -> str:
    if not batch.attention_mask[r][j]:
        return "pad"
    # Position 0 is never scored, whatever its label: the loss predicts each token from the one before it (a raw-text
    # row or the `everything` policy keeps its first label; a review counted 30 green cells beside 27 trained tokens).
    return "trained" if batch.labels[r][j] != batch.label_pad and j > 0 else "masked"


# The reasons a cell's colour does not tell (a trained token of the example left untrained here): each such cell is
# numbered, its reason listed under the grid and said in the cell to a screen reader (a hover reaches neither a
# keyboard, a screen reader nor a touch screen).
NEVER_SCORED = "never scored: the loss predicts each token from the one before it, and position 0 has none"
PACKED_START = (
    "start of a packed example: position id back to 0, label -100 so it is never predicted from the previous example"
)
UNTRAINED_HERE = "label -100 here although the example trains it"
NOTED = (NEVER_SCORED, PACKED_START, UNTRAINED_HERE)
NOTED_PLACES = 6  # the cells a note names; past them it counts the rest


def _why(batch: batching.Batch, kind: str, at_start: bool, original_label: int, position: int = 1) -> str:
    if kind == "pad":
        return "padding: not attended, not trained"
    if position == 0 and original_label != batch.label_pad:
        return NEVER_SCORED
    if batch.layout == "packed" and at_start:
        return PACKED_START
    if kind == "masked" and original_label != batch.label_pad:
        return UNTRAINED_HERE
    return "trained: the loss scores this token" if kind == "trained" else "attended, label -100"


def notes_html(notes: dict[str, list[str]]) -> str:
    """The numbered reasons under the grid, in the order of their numbers: `notes` maps each reason (one of NOTED) to
    the places of the cells it marks (the first NOTED_PLACES named, the rest counted); "" without any.

    >>> notes_html({UNTRAINED_HERE: ["row 2 at position 3", "row 5 at position 0"]})[44:]
    'label -100 here although the example trains it (row 2 at position 3; row 5 at position 0)</li></ol></div>'
    """
    if not notes:
        return ""
    items = []
    for why, places in notes.items():
        named = "; ".join(places[:NOTED_PLACES])
        if len(places) > NOTED_PLACES:
            named += f" and {len(places) - NOTED_PLACES} more"
        items.append(f"<li>{html.escape(why)} ({html.escape(named)})</li>")
    return f"<div class='ftnotes'>Numbered cells:<ol>{''.join(items)}</ol></div>"


def grid_html(batch: batching.Batch, shown: Shown, original_labels: list[list[int]], lo: int, hi: int) -> str:
    """The batch as an HTML table of token cells, positions `lo`..`hi`, with a tooltip per cell. A cell whose reason
    its colour does not tell (NOTED) carries a number, and the numbered reasons follow the table (`notes_html`)."""
    owner = batch.seq_idx()
    # A caption and header scopes for a screen reader, which reads each cell with its row and position (the caption
    # is hidden on screen: the page's heading and legend say it there); the label row says trained or -100 in words.
    labels = (
        "the label row under a sequence says which tokens are trained (their label is their id) and which are not "
        "(-100)"
        if shown.labels
        else "which tokens are trained is said by the label row, turned off now (the Label row switch above the grid)"
    )
    out = [
        '<div class="ftgrid"><table>',
        f"<caption>Tokens of the batch, one row per sequence, positions {lo} to {hi - 1}; {labels}, a padding cell "
        "reads pad, and a cell with a note says why it is not trained (the notes are listed after the table too)"
        "</caption>",
        "<tr><th scope='col'>position</th>",
    ]
    out += [f"<th scope='col' style='text-align:center'>{j}</th>" for j in range(lo, hi)]
    out.append("</tr>")
    notes: dict[str, list[str]] = {}  # each noted reason, numbered in the order first met: the cells it marks
    for r in range(len(batch.input_ids)):
        row_names = " + ".join(shown.names[s.example] for s in batch.segments[r])
        out.append(f"<tr><th scope='row' title='{html.escape(row_names)}'>{html.escape(row_names[:40])}</th>")
        for j in range(lo, hi):
            tid, pos, lab, k = batch.input_ids[r][j], batch.position_ids[r][j], batch.labels[r][j], owner[r][j]
            kind = _kind(batch, r, j)
            text, why, start = "pad", _why(batch, "pad", False, 0), False
            if kind != "pad":
                seg = next(s for s in batch.segments[r] if s.start <= j < s.end)
                start = j == seg.start
                text = shown.texts[k][j - seg.start]
                why = _why(batch, kind, start, original_labels[k][j - seg.start], j)
            tip = f"position {j} · id {tid} · attention {batch.attention_mask[r][j]} · label {lab} · position id {pos}"
            cls = " class='start'" if start and batch.layout == "packed" else ""
            note = ""
            if why in NOTED:
                notes.setdefault(why, []).append(f"{shown.names[k]} at position {j}")
                n = list(notes).index(why) + 1
                # The number on screen; its reason in words for a screen reader, which reads the cell's text.
                note = f"<sup aria-hidden='true'>{n}</sup><span class='ftsr'> (note {n}: {html.escape(why)})</span>"
            title = html.escape(f"{tip} · {why}")
            out.append(f"<td{cls} style='{COLORS[kind]}' title='{title}'>{cell_text(text)}{note}</td>")
        out.append("</tr>")
        for label, values, on in (
            ("token id", batch.input_ids[r], shown.ids),
            ("attention", batch.attention_mask[r], shown.attention),
            ("label", batch.labels[r], shown.labels),
            ("position id", batch.position_ids[r], shown.positions),
        ):
            if on:
                cells = "".join(f"<td>{v}</td>" for v in values[lo:hi])
                # No scope: a header cell opening a row is read as the row's header anyway.
                out.append(f"<tr class='aux'><th>{label}</th>{cells}</tr>")
    out.append("</table>")
    out.append(notes_html(notes))
    out.append("</div>")
    return "".join(out)


# The overview draws at most this many columns: a wider batch is drawn in spans of positions (a review measured
# 18.5 MB of chart sent on every rerun for 16 rows of 4,096 positions, one hover text per cell).
OVERVIEW_COLUMNS = 512


def drawn_from(batch: batching.Batch, names: list[str]) -> str:
    """A digest of everything `overview(batch, names)` draws (every position's id, attention, label and position id,
    the rows' examples and the names): the key its figure is kept under, so a batch that differs anywhere is drawn
    again.

    >>> b = batching.collate([{"input_ids": [5, 6], "labels": [-100, 6]}], 0)
    >>> drawn_from(b, ["a"]) == drawn_from(b, ["a"]) != drawn_from(b, ["b"])
    True
    """
    drawn = (
        batch.layout,
        batch.label_pad,
        batch.input_ids,
        batch.attention_mask,
        batch.labels,
        batch.position_ids,
        [[tuple(s) for s in segs] for segs in batch.segments],
        list(names),
    )
    return hashlib.sha256(repr(drawn).encode("utf-8")).hexdigest()


def overview(batch: batching.Batch, names: list[str]) -> go.Figure:
    """The whole batch at a glance: one cell per position, coloured like the grid, token and labels on hover. Past
    OVERVIEW_COLUMNS positions a cell is a span of positions, coloured by its most common kind, its counts on hover."""
    width = batch.shape[1]
    span = -(-width // OVERVIEW_COLUMNS) if width > OVERVIEW_COLUMNS else 1
    z, hover = [], []
    for r in range(batch.shape[0]):
        kinds = [_kind(batch, r, j) for j in range(width)]
        if span == 1:
            z.append([_KINDS[k] for k in kinds])
            hover.append(
                [
                    f"position {j}<br>id {batch.input_ids[r][j]}<br>attention {batch.attention_mask[r][j]}"
                    f"<br>label {batch.labels[r][j]}<br>position id {batch.position_ids[r][j]}<br>{kinds[j]}"
                    for j in range(width)
                ]
            )
            continue
        row_z, row_hover = [], []
        for lo in range(0, width, span):
            part = kinds[lo : lo + span]
            counts = {k: part.count(k) for k in ("trained", "masked", "pad") if k in part}
            row_z.append(_KINDS[max(counts, key=counts.get)])
            said = ", ".join(f"{n} {k}" for k, n in counts.items())
            row_hover.append(f"positions {lo}-{lo + len(part) - 1}<br>{said}")
        z.append(row_z)
        hover.append(row_hover)
    rows = [" + ".join(names[s.example] for s in segs) for segs in batch.segments]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(range(0, width, span)) if span > 1 else None,
            y=rows,
            zmin=0,
            zmax=2,
            colorscale=_HEAT_COLORS,
            showscale=False,
            hovertext=hover,
            hoverinfo="text",
            xgap=1 if span == 1 else 0,
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
    return readable_text(fig)


__all__ = [
    "CAPTIONS",
    "COLORS",
    "CSS",
    "LEGEND",
    "GRPO_PADDING",
    "OVERVIEW_COLUMNS",
    "PACKING_FOR_ENGINEERS",
    "STRATEGIES_SAID",
    "TABLE_FOR_ENGINEERS",
    "READ_ONLY",
    "TEXT_READ_ONLY",
    "TEXT_WORK_SAID",
    "WORK_HELP",
    "WORK_LABEL",
    "WORK_CHART_TITLE",
    "WORK_SAID",
    "WORK_UNIT",
    "WHY_PACKING",
    "WHY_PADDING",
    "Shown",
    "bar_text",
    "cell_text",
    "drawn_from",
    "grid_html",
    "notes_html",
    "overview",
    "padding_free_runs",
    "padding_said",
    "read_only_what",
    "work_help",
]
