"""Accessibility of the teaching views: no meaning by colour alone, text contrast, header cells, chart lines.

For readers who are colour-blind (about 1 man in 12), use a screen reader, or cannot hover. Every colour number is
computed from the colours the code writes (tests/colour_vision.py: WCAG 2.1 contrast; Machado et al. 2009
simulation of protanopia, deuteranopia and tritanopia; CIE76 distance). tests/test_accessibility_browser.py checks
the same views as Chromium paints them.
"""

from __future__ import annotations

import itertools
import re

import pandas as pd
import pytest

from ftlib import batching
from ftlib.rows import IGNORE_INDEX
from ftlib.sampling import TokenInfo
from tests.colour_vision import contrast, distance, over, simulate
from ui import batch_view, charts, compare_view, tables, token_view
from ui.batch_view import Shown, grid_html
from ui.compare_view import next_token_figure, token_html
from ui.token_view import legend_html, tokens_html

VISIONS = ("protanopia", "deuteranopia", "tritanopia")
TEXT_AA = 4.5  # WCAG 2.1 SC 1.4.3, normal text
# Two fills a reader must tell apart at a glance (CIE76 ΔE, in every simulated vision): ~2.3 is barely noticeable.
APART = 9.0
STREAMLIT_TEXT = "#31333f"  # Streamlit's light theme text colour, which the batch grid's cells inherit


def rules(css: str) -> dict[str, dict[str, str]]:
    """`selector -> {property: value}` of a <style> block (each selector of a comma list gets the declarations)."""
    out: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", css.replace("<style>", "")):
        decls = dict(
            (k.strip(), v.strip()) for k, v in (d.split(":", 1) for d in body.replace("\n", "").split(";") if ":" in d)
        )
        for sel in selectors.split(","):
            out.setdefault(sel.strip(), {}).update(decls)
    return out


TOKEN_CSS = rules(token_view.CSS)
# Each pill kind: (its rule, the rule its text colour comes from when it sets none: special trained inherits).
PILLS = {
    "trained": (".ft-trained", ".ft-trained"),
    "masked": (".ft-masked", ".ft-masked"),
    "special masked": (".ft-special.ft-masked", ".ft-special.ft-masked"),
    "special trained": (".ft-special.ft-trained", ".ft-trained"),
    "pushed": (".ft-pushed", ".ft-pushed"),
    "special pushed": (".ft-special.ft-pushed", ".ft-pushed"),
    "cut": (".ft-cut", ".ft-cut"),
}


def pill_colours(kind: str) -> tuple[str, str]:
    rule, text_rule = PILLS[kind]
    return TOKEN_CSS[text_rule]["color"], TOKEN_CSS[rule]["background"]


def text_pairs() -> list[tuple[str, str, str]]:
    """(where, text colour, background) for every text the views colour, as the code writes them."""
    pairs = []
    for kind in PILLS:
        fg, bg = pill_colours(kind)
        pairs += [
            (f"{kind} pill", fg, bg),
            (f"ids under a {kind} pill", TOKEN_CSS[".ft-tok .ft-sub"]["color"], bg),
            (f"· ↵ marks in a {kind} pill", TOKEN_CSS[".ft-ws"]["color"], bg),
        ]
    stripes = re.findall(r"#[0-9a-f]{6}|#fff\b", TOKEN_CSS[".ft-padding"]["background"])
    pairs += [("padding pill", TOKEN_CSS[".ft-padding"]["color"], stripe) for stripe in stripes]
    text_bg = TOKEN_CSS[".ft-text"]["background"]
    pairs += [
        ("· ↵ marks in rendered text", TOKEN_CSS[".ft-ws"]["color"], text_bg),
        ("trained rendered text", STREAMLIT_TEXT, TOKEN_CSS[".ft-text .ft-on"]["background"]),
        ("template difference", STREAMLIT_TEXT, TOKEN_CSS[".ft-diff"]["background"]),
        ("cut tokens not drawn", TOKEN_CSS[".ft-more"]["color"], "#ffffff"),
    ]
    pad = dict(d.split(":") for d in batch_view.COLORS["pad"].split(";"))
    grid = rules(batch_view.CSS)
    pairs += [
        ("batch pad cell", pad["color"], over(pad["background"])),
        ("batch trained cell", STREAMLIT_TEXT, over(batch_view.COLORS["trained"].split(";")[0].split(":")[1])),
        ("batch masked cell", STREAMLIT_TEXT, over(batch_view.COLORS["masked"].split(":")[1])),
        ("batch headers", grid[".ftgrid th"]["color"], "#ffffff"),
        ("batch label rows", grid[".ftgrid tr.aux td"]["color"], "#ffffff"),
    ]
    gen = rules(compare_view.CSS)
    pairs += [
        ("end of an answer", gen[".ftgen .end"]["color"], "#ffffff"),
        ("note under an answer", gen[".ftgen .end[data-note]"]["color"], "#ffffff"),
        ("hover card note", gen[".ftgen .card .note"]["color"], gen[".ftgen .card"]["background"]),
        ("table headers", rules(tables.CSS)[".ft-table th"]["color"], "#ffffff"),
    ]
    return pairs


@pytest.mark.parametrize(("where", "fg", "bg"), text_pairs(), ids=[p[0] for p in text_pairs()])
def test_text_meets_wcag_aa_contrast(where, fg, bg):
    assert contrast(fg, bg) >= TEXT_AA, f"{where}: {fg} on {bg} is {contrast(fg, bg):.2f}:1, under {TEXT_AA}:1"


def _apart(a: str, b: str) -> float:
    return min([distance(a, b)] + [distance(simulate(a, v), simulate(b, v)) for v in VISIONS])


# Fills that tell meanings apart, pairwise, in every simulated vision.
FILLS = {
    "token pills": [pill_colours(k)[1] for k in ("trained", "masked", "pushed")],
    "special token pills": [pill_colours(k)[1] for k in ("special trained", "special masked")],
    "batch cells": [
        over(batch_view.COLORS[k].split(";")[0].split(":")[1].strip()) for k in ("trained", "masked", "pad")
    ],
    "batch overview": sorted({c for _, c in batch_view._HEAT_COLORS}),
}


@pytest.mark.parametrize("where", FILLS)
def test_fills_stay_apart_for_colour_blind_readers(where):
    for a, b in itertools.combinations(FILLS[where], 2):
        assert _apart(a, b) >= APART, f"{where}: {a} and {b} are ΔE {_apart(a, b):.1f} apart in some vision"


def test_pill_kinds_have_a_cue_besides_colour():
    """A bar under a trained token (solid) and a pushed-down one (dotted); a masked one's bar is its own fill."""
    base = TOKEN_CSS[".ft-tok"]
    assert base["border-bottom-width"] == "3px"
    for kind, style in (("trained", "solid"), ("special trained", "solid"), ("pushed", "dotted")):
        rule = TOKEN_CSS[PILLS[kind][0]]
        assert rule["border-bottom-style"] == style, kind
        assert _apart(rule["border-bottom-color"], rule["background"]) >= 30, kind
    for kind in ("masked", "special masked", "cut"):
        rule = TOKEN_CSS[PILLS[kind][0]]
        assert rule["border-bottom-color"] == rule["background"], f"a {kind} pill shows no bar"
    assert "line-through" in TOKEN_CSS[".ft-cut"]["text-decoration"]
    assert TOKEN_CSS[".ft-special"]["border-style"] == "dashed"
    assert "border-bottom" in TOKEN_CSS[".ft-text .ft-on"]  # trained characters in the rendered text: underlined
    # A template difference is boxed as well as yellow; the box a mark that holds 3:1 on the text's ground (1.4.11).
    box = TOKEN_CSS[".ft-diff"]["box-shadow"].split()[-1]
    assert contrast(box, TOKEN_CSS[".ft-text"]["background"]) >= 3.0, box


def test_every_coloured_token_carries_a_text_alternative():
    tokens = [
        {"index": 0, "text": "Hi", "id": 17, "trained": False, "label": IGNORE_INDEX, "reason": "user: masked"},
        {"index": 1, "text": " there", "id": 42, "trained": True, "label": 42, "reason": "assistant reply — trained"},
        {"index": 2, "text": "", "id": 0, "role": "padding", "label": IGNORE_INDEX},
    ]
    cut = [{"index": 3, "text": "bye", "id": 9, "trained": True, "label": 9}]
    html_out = tokens_html(tokens, cut_tokens=cut)
    pills = re.findall(r'<span class="ft-tok ([^"]*)" title="([^"]*)"', html_out)
    assert len(pills) == html_out.count('class="ft-tok') == 4
    titles = dict((cls, title) for cls, title in pills)
    assert "trained" in titles["ft-trained"] and "masked" in titles["ft-masked"]
    assert titles["ft-cut"].endswith("cut by the max length: not in the training sequence"), titles["ft-cut"]
    legend = legend_html()
    # The legend names each cue in words, a cut pill among its samples.
    for said in ("solid bar", "dotted bar", "no bar", "dashed outline", "striped", "struck through"):
        assert said in legend, said
    assert 'class="ft-tok ft-cut"' in legend


def _batch() -> batching.Batch:
    examples = [
        {"input_ids": [5, 6, 7, 8], "labels": [IGNORE_INDEX, IGNORE_INDEX, 7, 8]},
        {"input_ids": [5, 9], "labels": [IGNORE_INDEX, 9]},
    ]
    return batching.collate(examples, pad_id=3)


def test_the_batch_grid_has_header_cells_a_caption_and_a_cue_per_kind():
    batch = _batch()
    shown = Shown(names=["row 1", "row 2"], texts=[["a", "b", "c", "d"], ["a", "e"]])
    out = grid_html(batch, shown, [list(r) for r in batch.labels], 0, 4)
    assert "<caption>" in out and "positions 0 to 3" in out
    assert out.count("<th scope='col'") == 5  # the corner and one per position
    assert out.count("<th scope='row'") == 2  # a row name per sequence (its label row's header opens that row)
    cells = re.findall(r"<td style='([^']*)' title='([^']*)'>([^<]*)</td>", out)
    assert len(cells) == 8
    for style, title, text in cells:
        kind = "pad" if "padding" in title else "trained" if title.endswith("scores this token") else "masked"
        assert ("box-shadow" in style) == (kind == "trained"), (style, title)  # the bar under a trained cell
        assert (text == "pad") == (kind == "pad")
    assert "bar under it" in batch_view.LEGEND and "no bar" in batch_view.LEGEND


def test_why_a_batch_cell_is_not_trained_is_said_outside_its_hover_text():
    """Where a cell's colour does not say why it is not trained (a trained first token, a packed example's start),
    the reason was in its hover text only, which no keyboard, screen reader or touch screen reaches (WCAG 1.3.1,
    2.1.1). Such a cell carries a number, says its reason to a screen reader, and the numbered reasons, with the
    cells they mark, follow the table on screen."""
    examples = [{"input_ids": [5, 6, 7], "labels": [5, 6, 7]}, {"input_ids": [8, 9], "labels": [8, 9]}]
    batch = batching.pack(examples, 8, pad_id=3)  # row 1 at positions 0-2, row 2 at 3-4
    shown = Shown(names=["row 1", "row 2"], texts=[list("abc"), list("de")])
    out = grid_html(batch, shown, [e["labels"] for e in examples], 0, batch.shape[1])
    shown_text = re.sub(r" title='[^']*'", "", out)  # what a reader gets without a hover
    first, start = batch_view.NEVER_SCORED, batch_view.PACKED_START
    cells = re.findall(
        r"<td[^>]*>([^<]*)<sup aria-hidden='true'>(\d)</sup><span class='ftsr'>([^<]*)</span></td>", out
    )
    assert cells == [("a", "1", f" (note 1: {first})"), ("d", "2", f" (note 2: {start})")]
    assert f"<ol><li>{first} (row 1 at position 0)</li><li>{start} (row 2 at position 3)</li></ol>" in shown_text
    assert shown_text.index("</table>") < shown_text.index("<ol>")
    hidden = rules(batch_view.CSS)[".ftgrid .ftsr"]  # said, not shown: the number and the list below show it
    assert hidden["position"] == "absolute" and hidden["clip-path"] == "inset(50%)"
    # A grid whose colours say it all has no numbers and no list.
    plain = _batch()
    out = grid_html(plain, Shown(["row 1", "row 2"], [list("abcd"), list("ae")]), plain.labels, 0, 4)
    assert "<sup" not in out and "<ol>" not in out


def test_html_tables_have_column_header_cells():
    out = tables.html_table([{"row": 3, "reason": "no assistant turn"}])
    # Header cells in the table's head: a screen reader names each cell's column (a simple table needs no scope).
    assert re.search(r"<thead><tr><th[^>]*>row</th><th[^>]*>reason</th></tr></thead>", out)


def test_unlikely_generated_tokens_are_underlined_as_well_as_red():
    tokens = [
        TokenInfo(id=5, text="Ahoy", prob=0.92, sample_prob=1.0, alternatives=[("Ahoy", 0.92)]),
        TokenInfo(id=6, text=" matey", prob=0.31, sample_prob=1.0, alternatives=[(" matey", 0.31)]),
    ]
    out = token_html(tokens, "stop")
    spans = re.findall(r'<span class="tok"( data-low)? style', out)
    assert spans == ["", " data-low"]
    assert "border-bottom" in rules(compare_view.CSS)[".ftgen .tok[data-low]"]


def test_tokens_a_filter_removed_are_hatched_as_well_as_red():
    frame = pd.DataFrame(
        {
            "token": ["'a'", "'b'", "'c'"],
            "model": [0.6, 0.3, 0.1],
            "after penalty and temperature": [0.7, 0.25, 0.05],
            "kept by min-p": [True, True, False],
            "final": [0.74, 0.26, 0.0],
        }
    )
    final = next_token_figure(frame).data[2]
    assert list(final.marker.pattern.shape) == ["", "", "x"]
    assert "hatched" in final.name


ROWS = [
    {"kind": "train", "step": s, "loss": 2.0 - s / 10, "rewards_chosen": 0.1 * s, "rewards_rejected": -0.1 * s}
    | {"reward_margin": 0.2 * s, "reward": 0.5, "reward_format": 0.3, "reward_length": 0.2, "tokens_per_s": 900.0}
    | {"trained_tokens_per_s": 300.0}
    for s in range(1, 6)
] + [{"kind": "eval", "step": 5, "eval_loss": 1.8, "eval_reward_margin": 0.9, "eval_reward": 0.4}]


@pytest.mark.parametrize(
    "figure",
    [
        charts.loss_figure(ROWS),
        charts.reward_figure(ROWS),
        charts.speed_figure(ROWS),
        charts.kto_figures(ROWS)[0],
        charts.grpo_figures(ROWS)[0],
    ],
    ids=["loss", "dpo rewards", "speed", "kto rewards", "grpo rewards"],
)
def test_chart_lines_differ_by_dash_not_only_colour(figure):
    lines = [t for t in figure.data if t.mode != "none"]  # GRPO's shaded spread is a band, not a line
    assert len(lines) >= 2
    dashes = [t.line.dash for t in lines]
    assert len(set(dashes)) == len(dashes), dashes
    marked = [t.marker.symbol for t in lines if "markers" in t.mode]
    assert len(set(marked)) == len(marked), marked
    assert figure.layout.title.text and figure.layout.xaxis.title.text == "step"


def _figures():
    from ftlib.evaluate import TokenLosses
    from ui.data_view import length_figure
    from ui.evaluate_view import token_loss_figure

    batch = _batch()
    frame = pd.DataFrame(
        {"token": ["'a'"], "model": [1.0], "after penalty and temperature": [1.0], "kept by min-p": [True]}
        | {"final": [1.0]}
    )
    losses = TokenLosses(
        tokens=["Hi", " there"], scored=[False, True], losses={"base": [None, 2.1], "tuned": [None, 0.4]}
    )
    return {
        "loss": charts.loss_figure(ROWS),
        "batch overview": batch_view.overview(batch, ["row 1", "row 2"]),
        "next token": next_token_figure(frame),
        "token losses": token_loss_figure(losses),
        "lengths": length_figure([12, 40, 33, 57], 48),
    }


@pytest.mark.parametrize(("name", "figure"), _figures().items())
def test_chart_text_meets_aa_contrast(name, figure):
    """Streamlit's chart theme greys ticks and axis titles to #808495 (3.7:1) unless the figure sets their colour."""
    layout = figure.layout
    axes = [layout[k] for k in layout if k.startswith(("xaxis", "yaxis"))]
    assert axes
    for axis in axes:
        for colour in (axis.tickfont.color, axis.title.font.color):
            assert colour and contrast(colour, "#ffffff") >= TEXT_AA, (name, colour)
    assert contrast(layout.legend.font.color, "#ffffff") >= TEXT_AA
    for note in layout.annotations:  # the length histogram's "max length" label
        assert contrast(note.font.color, "#ffffff") >= TEXT_AA, (name, note.text)
    if name == "lengths":
        assert layout.annotations


def test_each_check_says_its_severity_with_a_symbol_not_only_the_box_colour():
    from streamlit.testing.v1 import AppTest

    def page():
        from types import SimpleNamespace as Check

        from ui.token_panels import show_checks

        show_checks(
            [
                Check(severity=s, message=f"A {s}", fix="Do this.", for_engineers=False)
                for s in ("error", "warning", "info")
            ]
        )

    at = AppTest.from_function(page).run()
    assert not at.exception, at.exception
    icons = {box.value.split("**")[1]: box.icon for kind in ("error", "warning", "info") for box in at.get(kind)}
    assert icons == {"A error": ":material/error:", "A warning": ":material/warning:", "A info": ":material/info:"}
