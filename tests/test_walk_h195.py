"""Preference data in published shapes, after helper 187's walk (UltraFeedback-binarized in JSONL and Parquet,
Dahoas' HH-RLHF copies, pairs made from labelled answers): what was left, each pinned here."""

from __future__ import annotations

import json

import pandas as pd

from ftlib.data import load_bytes, load_file
from ftlib.notices import shown_notices
from tests.test_pages_data import _allowed_data_dirs, data_page, with_path  # noqa: F401 (a fixture)


def _jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def _binarized(question: str, good: str, bad: str, **extra) -> dict:
    """A row in UltraFeedback-binarized's shape: the question as `prompt`, and again inside both conversations."""
    ask = {"role": "user", "content": question}
    return {
        "prompt": question,
        "chosen": [ask, {"role": "assistant", "content": good}],
        "rejected": [ask, {"role": "assistant", "content": bad}],
        **extra,
    }


ORCHARD = [
    _binarized("When do apples ripen?", "Mostly in early autumn.", "At midnight.", prompt_id="q-17", lang="en"),
    _binarized("Do pears ripen off the tree?", "Yes, picked firm they soften indoors.", "Never.", prompt_id="q-18"),
]


def test_a_parquet_rows_prompt_id_is_said_to_be_an_id_as_in_its_jsonl_copy(tmp_path):
    """A Parquet of UltraFeedback-style rows offered its `prompt_id` column "map it to `system`" on the Data page,
    while the JSONL copy of the same rows calls it an id (metadata, not read). The table now says what JSONL says,
    and offers the mapping only for a column that could hold a field (`lang`)."""
    path = tmp_path / "orchard.parquet"
    pd.DataFrame(ORCHARD).to_parquet(path)
    loaded = load_file(path)
    assert loaded.format == "preference" and len(loaded.rows) == 2
    notices, _ = shown_notices(loaded.notices, table=True, how="--map COLUMN=FIELD to use one")
    (unused,) = [n.message for n in notices if n.ignored]
    assert unused == (
        "Not used: prompt_id (an id of the rows: metadata, neither shown nor trained); lang (--map COLUMN=FIELD to "
        "use one)."
    )
    jsonl = load_bytes(_jsonl(ORCHARD), "orchard.jsonl")
    said = [n.message for n in shown_notices(jsonl.notices)[0] if n.ignored]
    assert "Not used: `prompt_id` (an id of the rows: metadata, neither shown nor trained)." in said

    at = with_path(data_page(), path)
    assert not at.exception and not at.error, [e.value for e in at.error]
    (line,) = [c.value for c in at.caption if "Not used:" in c.value]
    assert "prompt_id (an id of the rows: metadata, neither shown nor trained); lang (to use one, map it" in line
    assert "prompt_id (to use one" not in line
