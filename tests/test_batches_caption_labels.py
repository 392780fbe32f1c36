"""The Batches grid's hidden caption (what a screen reader hears first) says that the label row tells which tokens are
trained only while the Label row is shown; with it switched off it said so all the same, of a row not drawn."""

from __future__ import annotations

import re

from ftlib import batching
from ui.batch_view import Shown, grid_html


def _caption(labels: bool) -> tuple[str, str]:
    batch = batching.collate([{"input_ids": [5, 6, 7], "labels": [-100, 6, 7]}, {"input_ids": [8], "labels": [8]}], 3)
    shown = Shown(["row 1", "row 2"], [list("abc"), list("d")], labels=labels)
    out = grid_html(batch, shown, [list(r) for r in batch.labels], 0, 3)
    (caption,) = re.findall(r"<caption>(.*?)</caption>", out)
    return caption, out


def test_the_caption_names_the_label_row_as_under_each_sequence_only_while_it_is_drawn():
    caption, out = _caption(labels=True)
    assert "the label row under a sequence says which tokens are trained" in caption and "<th>label</th>" in out
    caption, out = _caption(labels=False)
    assert "<th>label</th>" not in out
    assert "label row under a sequence says" not in caption and "turned off now" in caption
