"""A table of two answers and a judge's verdict (an arena's CSV: `prompt`, `response_a`, `response_b`, `winner...`)
is read as preference pairs on the Data page, as `data inspect` reads it.

The page passes a table's fields it leaves unmapped as None ({"prompt": None}), and the engine read any mapping as
"given": the judged rows were then not paired, and the page asked for a Question and an Answer column where the CLI
read 6 pairs. The engine's own reading of such a table is now {"prompt": "prompt"}, which the page starts its
boxes from, and a mapping that renames nothing no longer stops the pairing. The content is ours.
"""

from __future__ import annotations

import io
import json

import pandas as pd

from ftlib.data import load_bytes
from tests.test_pages_data import data_page, with_path

ROWS = [
    {
        "prompt": json.dumps([f"Which knot for mooring line {i}?"]),
        "response_a": json.dumps(["A bowline."]),
        "response_b": json.dumps(["A granny knot."]),
        "winner_model_a": 1 - i % 2,
        "winner_model_b": i % 2,
        "winner_tie": 0,
    }
    for i in range(6)
]


def csv_bytes() -> bytes:
    buffer = io.BytesIO()
    pd.DataFrame(ROWS).to_csv(buffer, index=False)
    return buffer.getvalue()


def test_the_engine_reads_the_prompt_column_as_it_is_and_a_mapping_that_renames_nothing_still_pairs():
    result = load_bytes(csv_bytes(), "arena.csv")
    assert result.format == "preference" and result.valid_rows == 6
    assert result.column_map == {"prompt": "prompt"}
    again = load_bytes(csv_bytes(), "arena.csv", column_map={"prompt": "prompt"})
    assert again.format == "preference" and again.valid_rows == 6
    assert again.rows[1]["chosen"] == [{"role": "assistant", "content": "A granny knot."}]


def test_the_data_page_reads_the_table_as_pairs(tmp_path, monkeypatch):
    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))
    path = tmp_path / "arena.csv"
    path.write_bytes(csv_bytes())
    at = with_path(data_page(), path)
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Format"], metrics["Valid rows"]) == ("preference pairs", "6")
    assert any(i.value.startswith("6 rows judge two answers (`response_a`") for i in at.info)
