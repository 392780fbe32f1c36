"""Split canonical rows into train and test: exact-duplicate removal, the test size (a ratio or a row count), a
seeded disjoint split that keeps a row's copies on one side and each label's share of unpaired good/bad answers
(stratified, as scikit-learn's `train_test_split(stratify=labels)`), and what a split too small or one-sided means.

    train, test = split_rows(rows, test_size=0.1, seed=0, dedupe=True)
    split_warnings(len(train), len(test))        # plain-words warnings for a tiny split, [] for a usable one
    split_warnings(len(train), len(test), "unpaired", train=train, test=test)  # + a part with one label only

Not known here: what a prompt is and which rows share one (prompt_groups, whose names are re-exported here), which
rows repeat an earlier one and the note naming them (row_copies, re-exported here too), files and formats (data.py,
which re-exports these), where splits are saved (workspace.py).
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter

from ftlib.errors import plural
from ftlib.near_duplicates import near_groups, near_warnings
from ftlib.prompt_groups import (  # re-exported: `from ftlib.splits import prompt_key, row_key, ...` as before
    KEPT_KEYS,
    PROMPT_UNITS,
    ROW_UNITS,
    SplitGroups,
    first_copies,
    prompt_groups,
    prompt_key,
    prompt_shown,
    prompt_turns,
    prompt_warnings,
    row_key,
    shared_prompts,
    split_groups,
    whole_prompt_held_out,
)
from ftlib.readers import DataError
from ftlib.row_copies import DEDUPE_SAID, dedupe_rows, duplicates_note  # re-exported: `from ftlib.splits import ...`
from ftlib.rows import RowShapeError, row_kind

# A part of a split more than this share copies of one row measures (or teaches) that row more than the data.
CROWDED_SHARE = 0.1
# ... and more than this share answers to one prompt: several answers per prompt are the norm in preference data
# (3 of 18 held-out pairs to one prompt is a usual file), so only "mostly one question" is said.
PROMPT_CROWDED_SHARE = 0.5


def most_copies(rows: list[dict]) -> int:
    """How many times the most repeated row is there (1: no copies; 0: no rows): see `may_crowd`.

    >>> most_copies([{"a": 1}, {"a": 2}, {"a": 1}]), most_copies([])
    (2, 0)
    """
    copies = Counter(first for first in first_copies(rows) if first is not None)
    return 1 + max(copies.values(), default=0) if rows else 0


def may_crowd(copies: int, n_train: int, n_test: int) -> bool:
    """Whether a row there `copies` times (`most_copies`) could crowd a part of a split of `n_train` and `n_test`
    rows (`crowded_warnings`); False spares splitting the rows to look. Against half the share: a part can end a few
    rows short of the size asked when whole groups of copies do not fit.

    >>> may_crowd(12, 28, 12), may_crowd(3, 90_000, 10_000), may_crowd(2, 8, 2)
    (True, False, False)
    """
    return copies >= 3 and copies > CROWDED_SHARE / 2 * min(n_train, n_test)


def crowded_warnings(train: list[dict], test: list[dict], keys: list[str] | None = None) -> list[str]:
    """Where one row's exact copies are more than CROWDED_SHARE of a part of a split (at least 3 of its rows): a
    split keeps a row's copies on one side, so a row repeated thousands of times can fill half the held-out rows
    (a 2026-12-04 review: 5,000 of 10,000 for 7 seeds of 80). `keys`: each row's `row_key`, train's then test's, where
    they are known (`SplitGroups.keys`).

    >>> crowded_warnings([{"t": i} for i in range(20)], [{"t": "hi"}] * 3 + [{"t": 99}])[0][:62]
    '3 of the 4 held-out rows are copies of one row ({"t": "hi"}): '
    >>> crowded_warnings([{"t": i} for i in range(20)], [{"t": i} for i in range(20, 30)])
    []
    """
    out = []
    n_train = len(train)
    for part, rows in (("held-out", test), ("training", train)):
        if len(rows) < 3:
            continue
        if keys is not None:  # train's keys then test's
            part_keys = keys[n_train:] if part == "held-out" else keys[:n_train]
        else:
            part_keys = (row_key(row) for row in rows)
        key, n = Counter(part_keys).most_common(1)[0]
        if n < 3 or n <= CROWDED_SHARE * len(rows):
            continue
        shown = _quoted_row(key)
        effect = (
            "the held-out loss and Evaluate would mostly measure that one example"
            if part == "held-out"
            else "a run would spend that share of its steps on one example"
        )
        out.append(
            f"{n:,} of the {len(rows):,} {part} rows are copies of one row ({shown}): {effect}. "
            + DEDUPE_SAID[0].upper()
            + DEDUPE_SAID[1:]
        )
    return out


def _quoted_row(key: str) -> str:
    """A row's `row_key` as a warning names it: a chat row by its last user turn (its JSON opens with the system
    message, alike in every row of a file: helper 105's walk read the same words for any row), else its JSON start.

    >>> _quoted_row('{"messages": [{"content": "Be kind.", "role": "system"}, {"content": "Hi", "role": "user"}]}')
    'the user turn "Hi"'
    """
    row = json.loads(key)
    turns = (row.get("messages") or row.get("prompt")) if isinstance(row, dict) else None
    said = [m.get("content") for m in turns or () if isinstance(m, dict) and m.get("role") == "user"]
    return f'the user turn "{_shortened(said[-1])}"' if said and isinstance(said[-1], str) else _shortened(key)


def _shortened(text: str) -> str:
    """`text` as a warning quotes it: at most 60 characters, cut with "..."."""
    return text if len(text) <= 60 else text[:57] + "..."


def crowded_prompt_warnings(
    train: list[dict], test: list[dict], kind: str = "sft", groups: SplitGroups | None = None
) -> list[str]:
    """Where one prompt's rows (`prompt_key`: answers, pairs or labelled answers to one question) are more than
    PROMPT_CROWDED_SHARE of a part of a split (at least 3 of its rows): a split keeps a prompt's rows on one side, so a
    question answered 40 times in a file of 48 rows fills most of the training rows. Not said where those rows are
    all copies of one row: `crowded_warnings` says them; nor of a test split of one whole prompt
    (`whole_prompt_held_out`): `prompt_warnings` says it, with what the held-out numbers judge. `groups`: the parts'
    `split_groups`, where they are known.

    >>> turn = lambda role, text: [{"role": role, "content": text}]
    >>> pair = lambda q, i: {"prompt": turn("user", q), "chosen": turn("assistant", str(i)), "rejected": []}
    >>> said = crowded_prompt_warnings([pair("2+2?", i) for i in range(7)] + [pair(f"q{i}", 0) for i in range(6)], [])
    >>> said[0][:56]
    '7 of the 13 training rows answer one prompt ("2+2?"): a '
    >>> crowded_prompt_warnings([pair("2+2?", i) for i in range(6)] + [pair(f"q{i}", 0) for i in range(7)], [])
    []
    >>> crowded_prompt_warnings([pair("2+2?", 0)] * 7 + [pair(f"q{i}", 0) for i in range(6)], [])  # copies: said there
    []
    """
    groups = split_groups(train, test) if groups is None else groups
    out = []
    for part, rows, part_groups in (("held-out", test, groups.test), ("training", train, groups.train)):
        if part == "held-out" and whole_prompt_held_out(train, test, groups):
            continue  # the test split is one whole prompt: said where its size is (prompt_warnings, split_warnings)
        group = max(part_groups, key=len, default=[])
        n = len(group)
        if n < 3 or n <= PROMPT_CROWDED_SHARE * len(rows) or len({row_key(rows[i]) for i in group}) == 1:
            continue
        shown = prompt_shown(rows[group[0]])
        effect = (
            "the held-out numbers would mostly judge answers to one question"
            if part == "held-out"
            else "a run would spend that share of its steps on one question"
        )
        verb = "are one prompt" if kind == "prompt_only" else "answer one prompt"
        out.append(
            f"{n:,} of the {len(rows):,} {part} rows {verb} ({shown}): {effect}. Add rows that ask other questions."
        )
    return out


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


def rows_to_hold_out_enough() -> int:
    """The fewest rows of which the default test share (`default_test_ratio`, at most a quarter) holds out
    TINY_TEST_ROWS: a smaller file is held out fewer by default, and holding out that many would take more than a
    quarter of its rows from training, so the too-few-held-out warning (`split_warnings`) asks it for more rows, not
    for a larger test size than the one it starts from (the Data page warned against its own default: a 16-row file
    held out 4 and was told "Keep at least 5 held out", helper 255's walk).

    >>> rows_to_hold_out_enough()
    17
    """
    return next(n for n in range(2, 4 * TINY_TEST_ROWS + 1) if math.ceil(n * default_test_ratio(n)) >= TINY_TEST_ROWS)


def run_test_size(setting: float | int | None, n: int) -> float | int:
    """What a run's `test_size` holds out of a data file of `n` rows, in the form `count_test_rows` reads: the setting
    as given (`as_test_size`), or, unset (None), the share the Data page and `data split` start from
    (`default_test_ratio`), so a small file trains and is evaluated on the rows it would be split into there.

    >>> run_test_size(None, 32), run_test_size(0.1, 32), run_test_size(20.0, 32), run_test_size(None, 500)
    (0.15, 0.1, 20, 0.1)
    """
    return default_test_ratio(n) if setting is None else as_test_size(setting)


def rows_in_words(n: int, kind: str = "sft", what: str = "") -> str:
    """`n` rows of `kind` (ftlib.rows.ROW_KINDS) counted in their own unit, with `what` before it.

    >>> rows_in_words(9, "preference", "training"), rows_in_words(1, "sft", "test")
    ('9 training pairs', '1 test row')
    """
    from ftlib.errors import plural

    return plural(n, f"{what} {ROW_UNITS.get(kind, 'row')}".strip())


def split_warnings(
    n_train: int,
    n_test: int,
    kind: str = "sft",
    train: list[dict] | None = None,
    test: list[dict] | None = None,
    groups: SplitGroups | None = None,
    asked: int | None = None,
) -> list[str]:
    """Plain-words warnings for a split too small to train or to judge on (none for a usable one), counting rows
    of `kind` (ftlib.rows.ROW_KINDS) in their own unit: preference pairs as pairs, prompts as prompts. Given the
    split's rows (`train`, `test`), also where a part holds answers of one label only (`label_warnings`), is crowded
    by one row's copies (`crowded_warnings`) or one prompt's rows (`crowded_prompt_warnings`), and where prompts with
    several rows were kept on one side (`prompt_warnings`). A test split of one whole prompt (`whole_prompt_held_out`)
    is said once: by `prompt_warnings`, or where it is too small too, by the too-few-held-out warning, with how many
    prompts to ask for. `groups`: the parts' `split_groups`, where the caller has them. `asked`: the test rows asked
    for (`count_test_rows`), where the caller has it: a test split of twice as many or more is said (`held_out_over`).

    >>> split_warnings(100, 10)
    []
    >>> [w.split(".")[0] for w in split_warnings(6, 1)]
    ['Only 6 training rows', 'Only 1 held-out row']
    >>> split_warnings(6, 8, kind="preference")[0].split(".")[0]
    'Only 6 training pairs'
    >>> split_warnings(9, 8, kind="unpaired")[0].split(".")[0]
    'Only 9 labelled answers for training'
    """
    from ftlib.errors import plural

    unit = ROW_UNITS.get(kind, "row")
    out = [over] if asked is not None and (over := held_out_over(asked, n_train, n_test, unit)) else []
    if n_train < TINY_TRAIN_ROWS:
        # "9 labelled answers for training", not "9 training labelled answers"
        counted = plural(n_train, unit) + " for training" if " " in unit else plural(n_train, "training " + unit)
        copies = "fits its answers to their rewards" if kind == "prompt_only" else "copies their wording"
        out.append(
            f"Only {counted}. A run shows the model these few examples over and over: it soon {copies} and learns "
            f"little it can use on new questions. Aim for at least {TINY_TRAIN_ROWS} (a few hundred is typical)."
        )
    if groups is None and train is not None and test is not None:
        groups = split_groups(train, test)
    if groups is not None and groups.keys is None:  # each row's key once: the copies' warnings, answers from copies
        groups = groups._replace(keys=[row_key(row) for row in groups.rows])
    # A test split of one whole prompt (no prompt has fewer rows) is said here, with why it is so few, not thrice.
    whole = n_test < TINY_TEST_ROWS and groups is not None and whole_prompt_held_out(train, test, groups)
    if n_test < TINY_TEST_ROWS:
        them = "it" if n_test == 1 else "them"
        said = (  # a GRPO run of prompts has no held-out loss: Evaluate scores its answers to the held-out prompts
            f"Evaluate scores the answers to {them} alone, so the reward change it measures jumps with each prompt "
            "and says little about new prompts."
            if kind == "prompt_only"
            else f"A run's held-out loss is measured on {them} alone, so it jumps with each example and "
            f"says little about new data, and Evaluate looks at only {plural(n_test, unit)}."
        )
        only, units = f"Only {plural(n_test, 'held-out ' + unit)}", PROMPT_UNITS.get(kind, "answers")
        # Whole prompts of n_test rows or more: asking for 5 held out of prompts of 4 holds out 4 again.
        more = f": ask for the {units} of {plural(-(-TINY_TEST_ROWS // n_test), 'prompt')} or more" if whole else ""
        # Holding out 5 of 5 rows or fewer leaves none to train on: the fix is more rows, not a larger test size.
        # The fix agrees with the default test size: where even the default cannot hold out 5 (it keeps three
        # quarters training), the fix is more rows, not a larger test size.
        enough = rows_to_hold_out_enough()
        fix = (
            f"Keep at least {TINY_TEST_ROWS} held out{more}."
            if n_train + n_test >= enough
            else f"Add rows: {TINY_TEST_ROWS} held out and some to train on need more than {TINY_TEST_ROWS} in all."
            if n_train + n_test <= TINY_TEST_ROWS
            else f"Add {plural(2, unit)[2:]}: from {plural(enough, unit)} on, {TINY_TEST_ROWS} are held out and about "
            f"three quarters still train (holding out {TINY_TEST_ROWS} of these {n_train + n_test} would leave "
            f"{plural(n_train + n_test - TINY_TEST_ROWS, unit)} to train on)."
        )
        if whole:  # 'Only 4 held-out pairs, all answers to one prompt ("2+2?"): the split holds out whole prompts ...'
            one = "all the same prompt" if kind == "prompt_only" else "all answers to one prompt"
            only += (
                f", {one} ({prompt_shown(test[0])}): the split holds out whole prompts, and none has fewer than "
                f"{n_test} {units}"
            )
        out.append(f"{only}. {said} {fix}")
    if groups is not None:  # each row's prompt read once (`split_groups`) for the warnings below
        out += label_warnings(train, test) + crowded_warnings(train, test, groups.keys)
        out += crowded_prompt_warnings(train, test, kind, groups) + prompt_warnings(train, test, kind, groups, whole)
        out += near_warnings(train, test, groups)  # prompts nearly one another's: across the split, or kept together
    return out


def held_out_over(asked: int, n_train: int, n_test: int, unit: str = "row") -> str | None:
    """Plain words for a test split that holds at least twice the rows asked for, and 3 or more above it (None
    otherwise): `split_rows` holds out whole sets of rows that share or nearly repeat a prompt, so a file of few,
    large sets (a question asked 20 times with a copy's tag, twice) can hold out half its rows where a tenth was
    asked. A few rows more (5 asked in prompts of 3: 6) is the split's normal rounding and is not said.

    >>> held_out_over(4, 20, 20)[:52]
    '20 rows held out where 4 were asked (half the file):'
    >>> held_out_over(5, 34, 6) is None
    True
    """
    if n_test < 2 * asked or n_test - asked < 3:
        return None
    share = (
        "half the file" if 2 * n_test == n_train + n_test else f"{100 * n_test / (n_train + n_test):.0f}% of the file"
    )
    were = "was" if asked == 1 else "were"
    return (
        f"{plural(n_test, unit)} held out where {asked} {were} asked ({share}): the split keeps the rows of a prompt, "
        "and of prompts that nearly repeat one another (a suffix or a few words changed), on one side, and the "
        f"sets here are large, so a run trains on {n_train} only. To hold out fewer, give the file more distinct "
        'prompts, or split it yourself: a .json file of "train" and "test" keys keeps its own test rows.'
    )


def split_rows(
    rows: list[dict], test_size: float | int = 0.1, seed: int = 0, dedupe: bool = False
) -> tuple[list[dict], list[dict]]:
    """(train, test): a seeded, reproducible, disjoint split; each keeps the rows' original order.

    `test_size` is a ratio in (0, 1) or a row count (`count_test_rows`). Unpaired answers (KTO: `label` good or bad)
    are split per label, stratified: each label keeps its share of the rows in both parts, rounded as scikit-learn's
    `train_test_split(stratify=labels)` rounds so that the test split holds exactly the rows asked for, and a label
    with a single row stays in train (`label_test_counts`). All rows with one prompt (`prompt_key`: several answers,
    pairs or labelled answers to one question; a row's exact copies among them) go to the same side, so no held-out
    prompt is also trained on, as scikit-learn's `GroupShuffleSplit` keeps a group; so do prompts that nearly repeat
    one another (`near_duplicates.near_groups`). The groups are placed whole, in
    the seeded shuffle's order, while each label's rows in them fit what that label still holds out (a prompt with a
    good and a bad answer takes one from each), then any group that fits the count, then one more where that lands
    nearer the count (5 asked in prompts of 3 rows: 6, not 3; in pairs: 4). The test split may so hold a few rows
    fewer or more than asked, or more when every group is larger than that (it then holds the smallest). Only a file
    of one prompt cannot be kept apart: its rows go to both sides (`rows_in_both` counts exact copies;
    `prompt_warnings` says it). With `dedupe`, exact duplicates are dropped
    first. Rows whose prompts are all different are split by the seeded shuffle they always were: the same seed gives
    the same split.

    >>> train, test = split_rows([{"i": i} for i in range(10)], test_size=2, seed=0)
    >>> len(train), len(test)
    (8, 2)
    >>> train, test = split_rows([{"i": 0}] * 3 + [{"i": 1}, {"i": 2}], test_size=2, seed=0)  # 3 copies of i=0
    >>> [r["i"] for r in train], [r["i"] for r in test]
    ([0, 0, 0], [1, 2])
    >>> kto = [{"prompt": [], "completion": [{"i": i}], "label": i < 6} for i in range(10)]  # 6 good, 4 bad
    >>> train, test = split_rows(kto, test_size=0.5, seed=0)
    >>> [r["label"] for r in train].count(True), [r["label"] for r in test].count(True)  # 3 good, 2 bad in each
    (3, 3)
    >>> turn = lambda text: [{"role": "user", "content": text}]
    >>> kto = [{"prompt": turn(f"q{i // 2}"), "completion": [], "label": i % 2 == 0} for i in range(20)]  # good+bad
    >>> train, test = split_rows(kto, test_size=5, seed=0)  # 3 good, 2 bad asked: 2 prompts fit, with both labels
    >>> [r["label"] for r in test].count(True), [r["label"] for r in test].count(False)
    (2, 2)
    >>> {r["prompt"][0]["content"] for r in test} & {r["prompt"][0]["content"] for r in train}
    set()
    """
    if dedupe:
        rows, _ = dedupe_rows(rows)
    count = count_test_rows(len(rows), test_size)
    # Without shared prompts or copies this is the shuffle of range(len(rows)) it always was: the same seed keeps the
    # same split. With copies only, the shuffle of their groups it was. Prompts that nearly repeat one another (a
    # suffix, a word, casing changed: ftlib.near_duplicates) are one group too; without them, the groups as before.
    order = near_groups(rows, prompt_groups(rows))
    random.Random(seed).shuffle(order)
    labels = unpaired_labels(rows) or [None] * len(rows)  # one stratum for rows without a label: as before
    strata = list(dict.fromkeys(labels[i] for group in order for i in group))  # shuffled order: it breaks ties
    sizes = Counter(labels)  # test rows each label still takes:
    room = dict(zip(strata, label_test_counts([sizes[label] for label in strata], count), strict=True))
    test_ids: set[int] = set()
    for group in order:  # whole groups, in shuffled order, while each of their labels' rows fit that label's share
        needs = Counter(labels[i] for i in group) if len(group) > 1 else {labels[group[0]]: 1}
        if all(n <= room[label] for label, n in needs.items()):
            test_ids.update(group)
            room.update((label, room[label] - n) for label, n in needs.items())
    for group in order:  # groups left a label short: whole groups of any label that still fit (none with one label)
        if group[0] not in test_ids and len(test_ids) + len(group) <= count:
            test_ids.update(group)
    short = count - len(test_ids)  # a default split asked 5 held out to judge on: 3 would warn of too few
    if test_ids and (nearer := next((g for g in order if g[0] not in test_ids and len(g) < 2 * short), None)):
        test_ids.update(nearer)
    if not test_ids:  # every group is larger than the test split: the smallest, or one prompt's rows (one prompt)
        test_ids.update(min(order, key=len) if len(order) > 1 else order[0][:count])
    return ([r for i, r in enumerate(rows) if i not in test_ids], [r for i, r in enumerate(rows) if i in test_ids])


def unpaired_labels(rows: list[dict]) -> list[bool] | None:
    """Each row's good (True) / bad (False) label when every row is an unpaired answer (ftlib.rows: prompt,
    completion, label), else None: only those are split per label.

    >>> unpaired_labels([{"prompt": [], "completion": [], "label": False}]), unpaired_labels([{"text": "Hi"}])
    ([False], None)
    """
    try:
        if rows and all(row_kind(row) == "unpaired" for row in rows):
            return [bool(row["label"]) for row in rows]
    except RowShapeError:  # hand-made rows of no canonical kind: split as they always were
        pass
    return None


def label_test_counts(sizes: list[int], n_test: int) -> list[int]:
    """How many of each label's rows (`sizes`, one per label) go to a test split of `n_test` rows, stratified as
    scikit-learn's `StratifiedShuffleSplit`: the training rows are shared out in proportion to the sizes, rounded
    down, and the rows still missing go to the labels with the largest remainders (a tie to the label given first);
    each label's test rows are the rest, so the test split holds exactly `n_test`. A label with a single row keeps
    it in train where another label can hold out one more instead (scikit-learn refuses such a split).

    >>> label_test_counts([6, 4], 5), label_test_counts([6, 4], 3), label_test_counts([7, 3], 5)
    ([3, 2], [2, 1], [3, 2])
    >>> label_test_counts([9, 1], 5), label_test_counts([1, 1], 1), label_test_counts([10], 3)
    ([5, 0], [0, 1], [3])
    """
    n = sum(sizes)
    n_train = n - n_test
    train = [size * n_train // n for size in sizes]
    # Largest remainder first (in whole numbers: floats would break a tie by rounding noise); sorted() is stable.
    by_remainder = sorted(range(len(sizes)), key=lambda i: -(sizes[i] * n_train % n))
    for i in by_remainder[: n_train - sum(train)]:
        train[i] += 1
    test = [size - t for size, t in zip(sizes, train, strict=True)]
    for single in [i for i, size in enumerate(sizes) if size == 1 and test[i] == 1]:
        others = [i for i, size in enumerate(sizes) if size > 1 and train[i] > 0]
        if others:  # the label with the most training rows holds out one more
            other = max(others, key=lambda i: train[i])
            test[single], train[single], test[other], train[other] = 0, 1, test[other] + 1, train[other] - 1
    return test


def label_warnings(train: list[dict], test: list[dict], own: bool = False) -> list[str]:
    """Plain-words warnings where a split of unpaired answers (KTO) leaves a part with answers of one label only
    ([] for other rows, and for a split with both labels on both sides). `own`: the test rows are the data's own test
    file (`ftlib.own_split`): the fix is to add rows to a file, not to hold out more or fewer.

    >>> row = lambda good: {"prompt": [], "completion": [], "label": good}
    >>> label_warnings([row(True), row(False)], [row(True)])[0].split(":")[0]
    'The test split holds only answers labelled good'
    >>> label_warnings([row(True), row(False)], [row(True), row(False)])
    []
    """
    train_labels, test_labels = unpaired_labels(train) or [], unpaired_labels(test) or []
    if not train_labels or not test_labels:
        return []
    every = train_labels + test_labels
    if all(every) or not any(every):
        one, other = ("good", "bad") if every[0] else ("bad", "good")
        return [
            f"Every answer in this file is labelled {one}: KTO learns by making good answers more likely and bad "
            f"ones less likely than the starting model does, so with no {other} answers it learns only half of "
            f"that. Add rows labelled {other}."
        ]
    out = []
    if all(train_labels) or not any(train_labels):
        one, other = ("good", "bad") if train_labels[0] else ("bad", "good")
        n_other = sum(label != train_labels[0] for label in test_labels)
        trained = (
            f"All {len(train_labels)} training answers are" if len(train_labels) > 1 else "The only training answer is"
        )
        half = "making good answers more likely" if other == "good" else "making bad answers less likely"
        out.append(
            f"{trained} labelled {one}: the file's {plural(n_other, other + ' answer')} "
            f"{'is' if n_other == 1 else 'are all'} in the test split, so a KTO run learns only half of what it is "
            f"for ({half}). "
            + (
                f"Add rows labelled {other} to the training file."
                if own
                else f"Hold out fewer rows or add rows labelled {other}."
            )
        )
    if all(test_labels) or not any(test_labels):
        one, other = ("good", "bad") if test_labels[0] else ("bad", "good")
        n_other = sum(label != test_labels[0] for label in train_labels)
        fix = (
            f"Add rows labelled {other} to the test file."
            if own
            else f"Add rows labelled {other}: a label needs at least 2 rows to be on both sides."
            if n_other == 1
            else "Hold out more rows."
        )
        out.append(
            f"The test split holds only answers labelled {one}: the file's {plural(n_other, other + ' answer')} "
            f"{'is' if n_other == 1 else 'are all'} in train, so the held-out loss and Evaluate judge only how the "
            f"model treats {one} answers. {fix}"
        )
    return out


def rows_in_both(train: list[dict], test: list[dict]) -> int:
    """How many test rows are exact copies of a training row (0 after `split_rows`, unless all rows are one row).

    >>> rows_in_both([{"q": 1}, {"q": 2}], [{"q": 2}, {"q": 3}])
    1
    """
    trained = {row_key(row) for row in train}
    return sum(row_key(row) in trained for row in test)


__all__ = [
    "as_test_size",
    "count_test_rows",
    "CROWDED_SHARE",
    "crowded_prompt_warnings",
    "crowded_warnings",
    "dedupe_rows",
    "DEDUPE_SAID",
    "default_test_ratio",
    "rows_to_hold_out_enough",
    "DEFAULT_TEST_RATIO",
    "duplicates_note",
    "first_copies",
    "KEPT_KEYS",
    "label_test_counts",
    "label_warnings",
    "may_crowd",
    "most_copies",
    "prompt_groups",
    "prompt_key",
    "prompt_turns",
    "prompt_warnings",
    "row_key",
    "PROMPT_UNITS",
    "ROW_UNITS",
    "rows_in_both",
    "rows_in_words",
    "run_test_size",
    "shared_prompts",
    "split_groups",
    "SplitGroups",
    "split_rows",
    "split_warnings",
    "TINY_TEST_ROWS",
    "TINY_TRAIN_ROWS",
    "unpaired_labels",
]
