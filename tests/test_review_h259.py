"""Helper 259's review of the commits since bf0035b5: faults found in them, each with the case that shows it."""

from __future__ import annotations

import json

import pytest

from ftlib.data import MappingNeeded, load_bytes

PROMPTS = ["Name a noble gas.", "What colour is a ripe lime?"]


def test_one_column_of_texts_under_its_own_name_is_still_a_column_a_mapping_reads():
    """`{"prompts": [...]}`, one column as `json.dump(df.to_dict(orient="list"))` writes it: read as GRPO's prompts
    with `--map prompts=prompt` (the Data page's field mapping), and without one asking for the mapping. d69691ac
    refused every such file as "holds only texts", mapping or not, where only a wrapper's key (`data`, `rows`) holds
    rows rather than naming a field."""
    text = json.dumps({"prompts": PROMPTS}).encode()
    loaded = load_bytes(text, "prompts.json", column_map={"prompt": "prompts"})
    assert loaded.format == "prompt_only" and len(loaded.rows) == 2
    with pytest.raises(MappingNeeded) as caught:
        load_bytes(text, "prompts.json")
    assert caught.value.fields == ["prompts"]
