"""Split canonical rows into train and test: exact-duplicate removal, the test size (a ratio or a row count), a
seeded disjoint split that keeps a row's copies on one side, and what a split too small means for a run.

    train, test = split_rows(rows, test_size=0.1, seed=0, dedupe=True)
    split_warnings(len(train), len(test))        # plain-words warnings for a tiny split, [] for a usable one

Not known here: files and formats (data.py, which re-exports these), where splits are saved (workspace.py).
"""

from __future__ import annotations

import json
import math
import random

from ftlib.errors import plural
from ftlib.readers import DataError


def _key(row: dict) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False)


def dedupe_rows(rows: list[dict]) -> tuple[list[dict], int]:
    """(rows without exact duplicates, first kept, how many were dropped)."""
    seen: set[str] = set()
    out = []
    for row in rows:
        key = _key(row)
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out, len(rows) - len(out)


def count_test_rows(n: int, test_size: float | int) -> int:
    """How many of `n` rows go to the test split; raises DataError for impossible sizes."""
    if isinstance(test_size, bool) or not isinstance(test_size, (int, float)):
        raise DataError(f"The test size must be a ratio like 0.1 or a row count like 20, not {test_size!r}.")
    if n < 2:
        raise DataError(f"A train/test split needs at least 2 rows; there {'is' if n == 1 else 'are'} {n}.")
    if isinstance(test_size, float):
        if not 0 < test_size < 1:
            raise DataError(
                f"A test ratio must be between 0 and 1 (e.g. 0.1), not {test_size}. "
                "For a number of rows, give a whole number like 20."
            )
        # Round up like scikit-learn, so a small ratio still gives a non-empty test split.
        count = math.ceil(n * test_size)
    else:
        count = test_size
    if not 1 <= count <= n - 1:
        raise DataError(
            f"A test split of {plural(count, 'row')} is impossible with {plural(n, 'row')}: choose between 1 and "
            f"{n - 1} rows (or a ratio like 0.1) so both splits keep at least one row."
        )
    return count


def as_test_size(value: float | int) -> float | int:
    """A test size stored as one number (a run's `test_size`, which JSON and YAML may give as 20.0) in the form
    `count_test_rows` reads: below 1 a ratio, a whole number of 1 or more a row count; anything else is left as it is
    (and refused there, with the rule).

    >>> as_test_size(0.1), as_test_size(20.0), as_test_size(3), as_test_size(2.5)
    (0.1, 20, 3, 2.5)
    """
    if not isinstance(value, bool) and isinstance(value, (int, float)) and value >= 1 and float(value).is_integer():
        return int(value)
    return value


TINY_TRAIN_ROWS = 20  # fewer training rows than this: the run mostly memorises them
TINY_TEST_ROWS = 5  # fewer held-out rows than this: the held-out loss is noise


DEFAULT_TEST_RATIO = 0.1


def default_test_ratio(n: int) -> float:
    """The test ratio a split of `n` rows starts from: 0.1, or where that holds out fewer than TINY_TEST_ROWS the
    smallest multiple of 0.05 that holds out that many, at most 0.25 (three quarters of the rows still train).

    >>> [default_test_ratio(n) for n in (200, 50, 32, 12, 1)]
    [0.1, 0.1, 0.15, 0.25, 0.1]
    """
    if n < 2 or math.ceil(n * DEFAULT_TEST_RATIO) >= TINY_TEST_ROWS:
        return DEFAULT_TEST_RATIO
    for twentieths in range(3, 6):  # 0.15, 0.2, 0.25
        if math.ceil(n * twentieths / 20 - 1e-9) >= TINY_TEST_ROWS:
            return twentieths / 20
    return 0.25


# What one row of each kind (ftlib.rows.ROW_KINDS) is called where a split is counted.
ROW_UNITS = {"preference": "pair", "unpaired": "labelled answer", "text": "text", "prompt_only": "prompt"}


def rows_in_words(n: int, kind: str = "sft", what: str = "") -> str:
    """`n` rows of `kind` (ftlib.rows.ROW_KINDS) counted in their own unit, with `what` before it.

    >>> rows_in_words(9, "preference", "training"), rows_in_words(1, "sft", "test")
    ('9 training pairs', '1 test row')
    """
    from ftlib.errors import plural

    return plural(n, f"{what} {ROW_UNITS.get(kind, 'row')}".strip())


def split_warnings(n_train: int, n_test: int, kind: str = "sft") -> list[str]:
    """Plain-words warnings for a split too small to train or to judge on (none for a usable one), counting rows
    of `kind` (ftlib.rows.ROW_KINDS) in their own unit: preference pairs as pairs, prompts as prompts.

    >>> split_warnings(100, 10)
    []
    >>> [w.split(".")[0] for w in split_warnings(6, 1)]
    ['Only 6 training rows', 'Only 1 held-out row']
    >>> split_warnings(6, 8, kind="preference")[0].split(".")[0]
    'Only 6 training pairs'
    """
    from ftlib.errors import plural

    unit = ROW_UNITS.get(kind, "row")
    out = []
    if n_train < TINY_TRAIN_ROWS:
        out.append(
            f"Only {plural(n_train, 'training ' + unit)}. A run shows the model these few examples over and over: it "
            "copies their wording within a few steps and learns little it can use on new questions. Aim for at least "
            f"{TINY_TRAIN_ROWS} (a few hundred is typical)."
        )
    if n_test < TINY_TEST_ROWS:
        them = "it" if n_test == 1 else "them"
        out.append(
            f"Only {plural(n_test, 'held-out ' + unit)}. The held-out loss on the Train page is measured on {them} "
            f"alone, so it jumps with each example and says little about new data, and Evaluate looks at only "
            f"{plural(n_test, unit)}. Keep at least {TINY_TEST_ROWS} held out."
        )
    return out


def split_rows(
    rows: list[dict], test_size: float | int = 0.1, seed: int = 0, dedupe: bool = False
) -> tuple[list[dict], list[dict]]:
    """(train, test): a seeded, reproducible, disjoint split; each keeps the rows' original order.

    `test_size` is a ratio in (0, 1) or a row count (`count_test_rows`). All exact copies of a row go to the same
    side, so no held-out row is also trained on. The test split may then hold a few rows fewer than asked when the
    copies do not add up to the count, or more when every row has more copies than that (it then holds the copies
    of one row). Only a file of one row over and over cannot be kept apart: its copies go to both sides
    (`rows_in_both` counts them). With `dedupe`, exact duplicates are dropped first. Without copies the split is the
    seeded shuffle it always was: the same seed gives the same split.

    >>> train, test = split_rows([{"i": i} for i in range(10)], test_size=2, seed=0)
    >>> len(train), len(test)
    (8, 2)
    >>> train, test = split_rows([{"i": 0}] * 3 + [{"i": 1}, {"i": 2}], test_size=2, seed=0)  # 3 copies of i=0
    >>> [r["i"] for r in train], [r["i"] for r in test]
    ([0, 0, 0], [1, 2])
    """
    if dedupe:
        rows, _ = dedupe_rows(rows)
    count = count_test_rows(len(rows), test_size)
    copies: dict[str, list[int]] = {}  # a row's positions, its copies included, in order of first appearance
    for i, row in enumerate(rows):
        copies.setdefault(_key(row), []).append(i)
    # Without copies this is the shuffle of range(len(rows)) it always was: the same seed keeps the same split.
    order = list(copies.values())
    random.Random(seed).shuffle(order)
    test_ids: set[int] = set()
    for group in order:  # whole groups, in shuffled order, while they fit
        if len(test_ids) + len(group) <= count:
            test_ids.update(group)
        if len(test_ids) == count:
            break
    if not test_ids:  # every row has more copies than the test split holds: the smallest group, or one row's copies
        test_ids.update(min(order, key=len) if len(order) > 1 else order[0][:count])
    return ([r for i, r in enumerate(rows) if i not in test_ids], [r for i, r in enumerate(rows) if i in test_ids])


def rows_in_both(train: list[dict], test: list[dict]) -> int:
    """How many test rows are exact copies of a training row (0 after `split_rows`, unless all rows are one row).

    >>> rows_in_both([{"q": 1}, {"q": 2}], [{"q": 2}, {"q": 3}])
    1
    """
    trained = {_key(row) for row in train}
    return sum(_key(row) in trained for row in test)
