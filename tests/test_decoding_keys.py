"""A decoding setting's key (its seed, Compare's cache and a custom setting's name) and the values Compare shows: the
usual values as short as people write them, and two distinct settings never one key (6 significant digits read
top_p 0.9999999 as 1, which is "off", and gave it the key and the samples of top_p 0.99999991)."""

from __future__ import annotations

import pytest

from ftlib import decoding as S
from ui.compare_view import setting_values

# (setting, its key): the presets' and the usual values keep the keys, and so the seeds, they always had.
KEPT = [
    (S.PRESETS["balanced"], "temperature=0.7,top_p=0.9"),
    (S.PRESETS["creative"], "temperature=1,top_p=0.95"),
    (S.PRESETS["precise"], "temperature=0.3,top_k=20"),
    (S.DecodingSetting(0.8, min_p=0.05, repetition_penalty=1.2), "temperature=0.8,min_p=0.05,repetition_penalty=1.2"),
    (S.DecodingSetting(0, repetition_penalty=1.15), "temperature=0,repetition_penalty=1.15"),
    (S.DecodingSetting(2, min_p=1e-05), "temperature=2,min_p=1e-05"),
]

# Pairs 6 significant digits gave one key: each value of a pair differs from the other past its 6th digit.
DISTINCT = [
    (S.DecodingSetting(1.0, top_p=0.9999999), S.DecodingSetting(1.0, top_p=0.99999991)),
    (S.DecodingSetting(0.7, top_p=0.9), S.DecodingSetting(0.7000001, top_p=0.9)),
    (S.DecodingSetting(1.0, min_p=0.05000001), S.DecodingSetting(1.0, min_p=0.05)),
    (S.DecodingSetting(0, repetition_penalty=1.0000001), S.DecodingSetting(0, repetition_penalty=1.00000012)),
]


@pytest.mark.parametrize(("setting", "key"), KEPT, ids=[k for _, k in KEPT])
def test_usual_values_keep_their_short_keys(setting, key):
    assert setting.key == key
    assert S.parse_setting(key).as_dict() == {**setting.as_dict(), "name": key}


@pytest.mark.parametrize(("a", "b"), DISTINCT, ids=["top_p", "temperature", "min_p", "repetition_penalty"])
def test_distinct_settings_get_distinct_keys_seeds_and_values_shown(a, b):
    assert a != b and a.key != b.key
    assert S.row_seed(0, a) != S.row_seed(0, b)
    assert setting_values(a) != setting_values(b)
    for setting in (a, b):  # each key reads back as the very setting it names
        assert S.parse_setting(setting.key).as_dict() == {**setting.as_dict(), "name": setting.key}


def test_a_top_p_just_under_1_is_not_shown_as_1():
    """top_p 1 means "off": a top_p of 0.9999999 filters (it drops a tail of at most 1e-7), so it is shown as it is."""
    setting = S.DecodingSetting(1.0, top_p=0.9999999)
    assert setting.key == "temperature=1,top_p=0.9999999"
    assert "top-p\u00a00.9999999" in setting_values(setting)


@pytest.mark.parametrize(
    ("value", "text"), [(0.9, "0.9"), (1.0, "1"), (1, "1"), (0.05, "0.05"), (1e-05, "1e-05"), (0.9999999, "0.9999999")]
)
def test_short_number(value, text):
    assert S.short_number(value) == text and float(text) == value
