"""`ftlib.splits.split_rows`: a row's exact copies stay on one side, and a file without copies splits as it always
did (a seeded shuffle of the row positions, checked against that reference implementation)."""

from __future__ import annotations

import json
import random

import pytest

from ftlib.splits import count_test_rows, rows_in_both, split_rows


def reference_split(rows, test_size, seed):
    """The split before copies were kept together: the first `count` positions of a seeded shuffle go to test."""
    count = count_test_rows(len(rows), test_size)
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    test_ids = set(order[:count])
    return [r for i, r in enumerate(rows) if i not in test_ids], [r for i, r in enumerate(rows) if i in test_ids]


def qa(i: int) -> dict:
    return {"prompt": f"Question {i}?", "completion": f"Answer {i}."}


# (id, rows, test size, test rows expected): copies of row 0 and row 1 in various amounts.
COPY_CASES = [
    ("a-few-copies", [qa(0)] * 3 + [qa(i) for i in range(1, 20)], 0.1, 3),
    ("every-row-twice", [qa(i) for i in range(15)] * 2, 5, 4),  # pairs cannot make 5: one row fewer, never split
    ("copies-bigger-than-test", [qa(0)] * 6 + [qa(1)] * 4, 1, 4),  # no group fits: the smallest group whole
    ("copies-at-the-end", [qa(i) for i in range(30)] + [qa(7)] * 5, 0.2, 7),
]


@pytest.mark.parametrize("rows, test_size, n_test", [c[1:] for c in COPY_CASES], ids=[c[0] for c in COPY_CASES])
@pytest.mark.parametrize("seed", range(8))
def test_copies_of_a_row_never_land_on_both_sides(rows, test_size, n_test, seed):
    train, test = split_rows(rows, test_size=test_size, seed=seed)
    assert rows_in_both(train, test) == 0, "a held-out row is also a training row"
    assert len(test) == n_test and len(train) + len(test) == len(rows)
    assert sorted(map(json.dumps, train + test)) == sorted(map(json.dumps, rows))  # nothing lost, nothing added
    assert (train, test) == split_rows(rows, test_size=test_size, seed=seed)  # same seed, same split


def test_copies_that_landed_on_both_sides_before_no_longer_do():
    """The reference split put copies of a row on both sides for some seeds: a test row the run had trained on."""
    rows = [qa(i) for i in range(10)] * 2
    leaked = [s for s in range(20) if rows_in_both(*reference_split(rows, 0.3, s))]
    assert leaked  # the defect was real
    assert not [s for s in range(20) if rows_in_both(*split_rows(rows, 0.3, seed=s))]


@pytest.mark.parametrize("n", [2, 3, 10, 57, 400])
@pytest.mark.parametrize("test_size", [0.1, 0.5, 1])
def test_rows_without_copies_split_exactly_as_before(n, test_size):
    rows = [qa(i) for i in range(n)]
    for seed in range(4):
        assert split_rows(rows, test_size=test_size, seed=seed) == reference_split(rows, test_size, seed)


def test_one_row_over_and_over_cannot_be_kept_apart_and_says_so():
    train, test = split_rows([qa(0)] * 4, test_size=1, seed=0)
    assert (len(train), len(test), rows_in_both(train, test)) == (3, 1, 1)


def test_seeds_still_choose_different_test_rows_with_copies():
    rows = [qa(i) for i in range(20)] * 2
    assert len({json.dumps(split_rows(rows, 0.2, seed=s)[1]) for s in range(6)}) == 6
