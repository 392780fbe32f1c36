"""The table of each reward's part of the total leaves the total row's weight and mean score blank, since the total
has none of its own: the grid drew them as a grey "None" beside the total (helper 60's cold walk, a GRPO run's
'Each reward's part of the total'). Its numbers stay numbers (the table's data), shown to 3 decimals."""

from __future__ import annotations

import pyarrow as pa
from streamlit.testing.v1 import AppTest


def draw():
    from ui.alignment_view import reward_parts

    specs = [{"regex": "a"}, {"length": {"target": 4}, "weight": 0.5}]
    reward_parts(specs, {"step 2": ({"regex": 0.5, "length": 0.25}, 0.625)})


def test_the_total_rows_weight_and_mean_score_are_blank_not_none():
    at = AppTest.from_function(draw).run()
    assert not at.exception, at.exception
    frame = at.dataframe[0]
    assert frame.value["step 2: × weight"].tolist() == [0.5, 0.125, 0.625]  # numbers in the data
    shown = pa.ipc.open_stream(frame.proto.arrow_data.styler.display_values).read_pandas()  # what the grid draws
    assert shown.values.tolist() == [
        ['regex "a"', "1", "0.500", "0.500"],
        ['length {"target": 4}', "0.5", "0.250", "0.125"],
        ["total (weighted sum)", "", "", "0.625"],
    ]


def test_the_grid_draws_the_missing_cells_blank():
    """Streamlit's grid draws a missing value as its `placeholder` ("None" unless set), whatever the Styler's display
    value says: helper 89's walk still saw grey "None" under the total's weight and mean score."""
    at = AppTest.from_function(draw).run()
    assert not at.exception, at.exception
    proto = at.dataframe[0].proto
    assert proto.HasField("placeholder") and proto.placeholder == "", proto.placeholder
