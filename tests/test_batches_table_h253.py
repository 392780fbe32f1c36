"""The Batches page's whole-split table and chart, helper 253's brief: why grouping by length can pad more than the
shuffled order on a small split (said where it does), the 0% packing bar labelled, the table's nine columns inside a
1280 px window, and the work per trained token with its unit (positions)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import workspace
from ftlib.batch_costs import STRATEGY_LABELS, grouping_said

ROOT = Path(__file__).resolve().parents[1]
GROUPED, SHUFFLED = STRATEGY_LABELS["length_grouped"], STRATEGY_LABELS["right_padding"]
# The whole-split table's width in a 1280 px window with the sidebar open (measured in Chromium: 820 px), and what a
# heading or a value takes there: 6.3 px a character (measured 6.0-6.2 in the table's font: "Padding, grouped by
# length" 161 px) and 16 px of the cell's padding, 8 each side.
TABLE_PX, CHAR_PX, CELL_PX = 820, 6.3, 16


def tide_rows(n: int) -> list[dict]:
    """Chats whose answers run from 1 to 11 phrases, in an order with no pattern of length."""
    return [
        {
            "messages": [
                {"role": "user", "content": f"Name a tide pool animal, number {i}."},
                {"role": "assistant", "content": "A crab " + "scuttles sideways " * ((i * 7) % 11)},
            ]
        }
        for i in range(n)
    ]


def open_batches(monkeypatch, split: str, rows: list[dict]) -> AppTest:
    """The Batches page on `rows` as the training split, a batch size of 8 and seed 0 (the Train page's defaults,
    pinned: the caption names them)."""
    defaults = {"batch_size": 8, "grad_accum": 1, "seed": 0, "max_length": 384}
    from ui import labels

    real = labels.training_default
    monkeypatch.setattr("ui.labels.training_default", lambda name: defaults.get(name, real(name)))
    workspace.save_split(split, rows, rows[:2], {"format": "messages"})
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at = at.switch_page("pages/3_Batches.py").run()
    assert not at.exception, at.exception
    return at


def padding_by_strategy(at: AppTest) -> dict[str, int]:
    table = at.dataframe[0].value
    return dict(zip(table["strategy"], table["padding"], strict=True))


def test_a_small_split_says_why_grouping_by_length_pads_more_than_shuffling(monkeypatch):
    """12 chats in batches of 8: transformers sorts each chunk of a quarter of the rows (here one batch), so grouping
    regroups nothing and its one shuffle padded more than the shuffled order's average, unexplained on the page."""
    at = open_batches(monkeypatch, "tide-small", tide_rows(12))
    padding = padding_by_strategy(at)
    assert padding[GROUPED] > padding[SHUFFLED], padding  # what the sentence is about
    said = [c.value for c in at.caption if c.value.startswith(f'"{GROUPED}" pads more than "{SHUFFLED}"')]
    assert len(said) == 1, [c.value for c in at.caption]
    assert "12 rows in batches of 8 make chunks of one batch" in said[0] and "(seed 0)" in said[0]


def test_a_split_where_grouping_saves_padding_says_nothing_of_it(monkeypatch):
    at = open_batches(monkeypatch, "tide-large", tide_rows(200))
    padding = padding_by_strategy(at)
    assert padding[GROUPED] < padding[SHUFFLED], padding
    assert not [c.value for c in at.caption if "pads more than" in c.value]


@pytest.mark.parametrize(
    ("units", "batch_size", "grad_accum", "unit", "expected"),
    [
        (40, 2, 1, "row", "40 rows in batches of 2 make chunks of 5 batches, too few"),
        (27, 4, 2, "pair", "27 pairs in batches of 4, 2 a step, make chunks of 2 batches"),
        (27, 8, 1, "row", "chunks of one batch, so grouping regroups nothing"),
    ],
)
def test_the_sentence_names_the_chunks_transformers_sorts(units, batch_size, grad_accum, unit, expected):
    rows = [
        {"strategy": "right_padding", "padded_positions": 10},
        {"strategy": "length_grouped", "padded_positions": 11},
    ]
    assert expected in grouping_said(rows, units, batch_size, grad_accum, 3, unit)
    assert "(seed 3)" in grouping_said(rows, units, batch_size, grad_accum, 3, unit)


def test_the_packing_bar_of_no_padding_is_labelled_and_the_work_has_its_unit(monkeypatch):
    """The chart's packing bar of 0% had no height and no label; the work facet and the table's cells said no unit."""
    from ui.batch_view import WORK_CHART_TITLE

    at = open_batches(monkeypatch, "tide-chart", tide_rows(12))
    (chart,) = [json.loads(c.proto.spec) for c in at.get("plotly_chart") if "padding share" in c.proto.spec]
    padding_trace = next(t for t in chart["data"] if "padding share" in t["hovertemplate"])
    shares = dict(zip(padding_trace["x"], padding_trace["text"], strict=True))
    assert shares["Packing"].startswith("0%: no padding"), shares
    packing_at = list(padding_trace["x"]).index("Packing")
    assert padding_trace["textposition"][packing_at] == "outside"  # above the axis: inside a bar of 0 it was not drawn
    assert any(
        a["text"] == WORK_CHART_TITLE == "work per trained token (positions)" for a in chart["layout"]["annotations"]
    )
    config = json.loads(at.dataframe[0].proto.columns)
    assert config["work per trained token"]["type_config"]["format"] == "%.2f positions"


def test_every_column_of_the_table_fits_a_1280_px_window(monkeypatch):
    """At 1280 px the table's last two columns ("trained", "cut") began past its right edge, seen only by scrolling
    the table sideways. Each column now has a width that holds its heading and its values, nine in 820 px."""
    at = open_batches(monkeypatch, "tide-widths", tide_rows(12))
    frame = at.dataframe[0]
    config = json.loads(frame.proto.columns)
    shown = list(frame.proto.column_order)
    assert len(shown) == 9 and set(shown) <= set(frame.value.columns)
    widths = {name: config[name]["width"] for name in shown}
    assert all(isinstance(w, int) for w in widths.values()), widths
    assert sum(widths.values()) <= TABLE_PX, widths
    for name in shown:
        heading = config[name].get("label") or name
        values = [f"{v:.2f} positions" if name == "work per trained token" else str(v) for v in frame.value[name]]
        if name in ("padding share (%)", "read, not trained (%)"):
            values = [f"{v:.2f}%" for v in frame.value[name]]
        widest = max([heading, *values], key=len)
        assert len(widest) * CHAR_PX + CELL_PX <= widths[name], (name, widest, widths[name])
