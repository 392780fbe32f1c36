"""The Evaluate page's words on its choices count their items with `ftlib.errors.plural`, not a plural made by hand:
a kept result measured 1 row a batch said "with 1 rows per batch, not 4"."""

from __future__ import annotations


def test_the_choices_a_kept_result_differs_by_agree_with_their_count():
    from ui.evaluate_choices import differing_choices, evaluation_time_note

    common = {"limit": 3, "max_new_tokens": 64}
    assert differing_choices(common | {"batch_size": 1}, common | {"batch_size": 4}) == ["with 1 row per batch, not 4"]
    pairs = {"kind": "pairs", **common}
    assert differing_choices(pairs | {"batch_size": 2}, pairs | {"batch_size": 16}) == [
        "with 2 pairs per batch, not 16"
    ]
    assert "for 2 replies of 1 row," in evaluation_time_note(1, 64, (40.0, 64, "reply"), items=2)
