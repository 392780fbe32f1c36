"""Helper 240's cold walk of the studio, the cases AppTest can check (the browser's are in test_walk_h240_browser).

Batches: each layout's overview chart paints its cells green, blue and grey with no key beside it; the colour key came
after the chart, its table-data expander and the position slider, above the token grid (shots/07_batches.png). The
key now comes before the chart, which it serves as well as the grid.
"""

from __future__ import annotations

from ftlib import workspace
from tests.test_pages_batches import run_page, sft_rows
from ui.batch_view import LEGEND


def test_each_batches_layout_shows_its_colour_key_before_its_overview_chart():
    workspace.save_split("chats-h240", sft_rows(12), sft_rows(2), {"format": "messages"})
    at = run_page()
    assert not at.exception, at.exception
    assert len(at.tabs) == 3
    for tab in at.tabs:
        kinds = []
        for node in tab:
            if node.type == "html" and LEGEND in node.proto.body:
                kinds.append("key")
            elif node.type == "plotly_chart":
                kinds.append("chart")
        assert "key" in kinds and "chart" in kinds, (tab.label, kinds)
        assert kinds.index("key") < kinds.index("chart"), (tab.label, kinds)  # the key first, then what it explains
