"""Helper 211's walk: a DPO run on 6 preference pairs was told 'Batch size 8 is more than the 6 training rows' and
'40 passes over 6 training rows' beside 'one pass over the 6 training pairs' and 'Only 6 training pairs' (the split's
words). A run of a method that trains on pairs (DPO, a reward model) counts them as pairs in the schedule warnings
too; every other method keeps 'rows'."""

import pytest

from ftlib.config import RunConfig
from ftlib.overfitting import schedule_warnings

CASES = [
    # (method, the unit the warnings must count in)
    ("dpo", "pairs"),
    ("reward", "pairs"),
    ("lora", "rows"),
    ("kto", "rows"),  # KTO reads a pair as two labelled answers: its count is not the file's pairs
]


@pytest.mark.parametrize(("method", "unit"), CASES)
def test_a_batch_bigger_than_the_split_and_many_passes_count_the_methods_unit(method, unit):
    said = schedule_warnings(RunConfig(method=method, batch_size=8, epochs=40), 6)
    first = f"Batch size 8 is more than the 6 training {unit}: a step cannot hold more {unit} than there are"
    assert said[0].startswith(first), said
    assert said[1].startswith(f"40 passes over 6 training {unit}: the model will memorise them"), said


def test_one_pair_is_one_pair_and_the_fix_asks_for_pairs():
    """Helper 212's review: 'more than the 1 training pairs' and, for a DPO run, 'Add training rows.'."""
    (said, *_) = schedule_warnings(RunConfig(method="dpo", batch_size=8), 1)
    assert said.startswith("Batch size 8 is more than the 1 training pair: "), said
    assert said.endswith("Add training pairs."), said
    (said, *_) = schedule_warnings(RunConfig(method="lora", batch_size=8), 1)
    assert said.startswith("Batch size 8 is more than the 1 training row: ") and said.endswith("Add training rows.")
