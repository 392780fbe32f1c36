"""Unpaired answers (KTO: `label` good/bad) are split per label, stratified as scikit-learn's
`train_test_split(stratify=labels)`: each label keeps its share in both parts, the test size asked for is kept exactly,
a label with a single row stays in train. Every other kind of row splits exactly as it did before (recorded below),
and a part left with one label only is said in words (`split_warnings`, `data split`)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from ftlib.cli import main
from ftlib.splits import count_test_rows, label_test_counts, rows_in_both, split_rows, split_warnings


def kto(n_good: int, n_bad: int) -> list[dict]:
    """Unpaired rows, good and bad mixed through the file (TTTFFTTTFF for 6 and 4)."""
    labels = [True] * n_good + [False] * n_bad
    labels = labels[0::2] + labels[1::2]
    return [
        {
            "prompt": [{"role": "user", "content": f"Question {i}?"}],
            "completion": [{"role": "assistant", "content": f"Answer {i}."}],
            "label": good,
        }
        for i, good in enumerate(labels)
    ]


def goods(rows: list[dict]) -> tuple[int, int]:
    """(good, bad) among `rows`."""
    n = sum(r["label"] for r in rows)
    return n, len(rows) - n


# (id, good rows, bad rows, test size, (good, bad) in test): scikit-learn's StratifiedShuffleSplit rounding, worked
# by hand: n_test = ceil(ratio * n); the n - n_test training rows are shared in proportion, rounded down, the rest to
# the largest remainders; each label's test rows are what is left.
CASES = [
    ("tester-6-4-half", 6, 4, 0.5, (3, 2)),  # the tester's file: 5 good + 0 bad in train before
    ("6-4-ratio-0.3", 6, 4, 0.3, (2, 1)),  # train 4.2 / 2.8 -> 4 / 3
    ("6-4-three-rows", 6, 4, 3, (2, 1)),  # a row count, not a ratio
    ("20-5-ratio-0.2", 20, 5, 0.2, (4, 1)),
    ("3-9-quarter", 3, 9, 0.25, (1, 2)),  # train 2.25 / 6.75 -> 2 / 7
    ("101-37-ratio-0.15", 101, 37, 0.15, (15, 6)),  # 21 held out; train 85.6 / 31.4 -> 86 / 31
    ("9-1-half-single-bad-stays-in-train", 9, 1, 0.5, (5, 0)),
    ("1-9-half-single-good-stays-in-train", 1, 9, 0.5, (0, 5)),
    ("7-2-one-row", 7, 2, 1, (1, 0)),  # train 6.2 / 1.8 -> 6 / 2: one row cannot hold both labels
    ("40-60-twenty-rows", 40, 60, 20, (8, 12)),
    ("all-good", 8, 0, 0.25, (2, 0)),
]


@pytest.mark.parametrize("n_good, n_bad, test_size, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
@pytest.mark.parametrize("seed", [0, 1, 7, 2026])
def test_each_label_keeps_its_share_in_both_parts(n_good, n_bad, test_size, expected, seed):
    rows = kto(n_good, n_bad)
    train, test = split_rows(rows, test_size=test_size, seed=seed)
    assert goods(test) == expected, "the test split's good/bad counts are not the stratified ones"
    assert goods(train) == (n_good - expected[0], n_bad - expected[1])
    # The Data page counts the test rows with count_test_rows before it splits: the split must hold exactly that.
    assert len(test) == count_test_rows(len(rows), test_size)
    assert not rows_in_both(train, test)
    assert [r for r in rows if r in train] == train and [r for r in rows if r in test] == test  # file order kept
    assert (train, test) == split_rows(rows, test_size=test_size, seed=seed)  # the same seed, the same split


def test_a_tie_in_rounding_goes_either_way_with_the_seed_but_the_test_size_is_kept():
    rows = kto(50, 50)  # 89 training rows: 44.5 each, one label gets the extra row
    seen = set()
    for seed in range(12):
        train, test = split_rows(rows, test_size=11, seed=seed)
        assert goods(test) in {(5, 6), (6, 5)} and len(test) == 11
        seen.add(goods(test))
    assert seen == {(5, 6), (6, 5)}, "a tie always went to the same label"


def test_seeds_choose_different_rows_within_each_label():
    rows = kto(12, 8)
    tests = {json.dumps(split_rows(rows, test_size=0.25, seed=s)[1]) for s in range(8)}
    assert len(tests) >= 6


@pytest.mark.parametrize(
    "sizes, n_test, expected",
    [([6, 4], 5, [3, 2]), ([7, 3], 5, [3, 2]), ([3, 7], 5, [1, 4]), ([1, 1], 1, [0, 1]), ([9, 1], 5, [5, 0])],
)
def test_label_test_counts_keep_the_test_size_exactly(sizes, n_test, expected):
    counts = label_test_counts(sizes, n_test)
    assert counts == expected and sum(counts) == n_test


def test_copies_of_an_answer_stay_on_one_side_and_the_labels_still_split():
    rows = kto(10, 6)
    rows = rows + rows[:3]  # three answers twice
    for seed in range(6):
        train, test = split_rows(rows, test_size=0.25, seed=seed)
        assert not rows_in_both(train, test)
        assert len(test) <= count_test_rows(len(rows), 0.25) and len(train) + len(test) == len(rows)
        assert all(goods(part)[0] and goods(part)[1] for part in (train, test)), "a part lost a label"


# --- other kinds of rows: the same rows for the same seed as before this change -----------------------------------


def _other_cases():
    """The rows the split of other kinds was recorded on, before unpaired rows were stratified."""
    sft = [
        {"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]}
        for i in range(23)
    ]
    sft_dup = sft[:5] + [sft[1], sft[1], sft[3]] + sft[5:12]
    pref = [
        {
            "prompt": [{"role": "user", "content": f"p{i}"}],
            "chosen": [{"role": "assistant", "content": "y"}],
            "rejected": [{"role": "assistant", "content": f"n{i}"}],
        }
        for i in range(17)
    ]
    text = [{"text": f"t{i}"} for i in range(11)]
    prompts = [{"prompt": [{"role": "user", "content": f"p{i}"}], "answer": str(i % 3)} for i in range(13)]
    for name, rows in [("sft", sft), ("sft_dup", sft_dup), ("pref", pref), ("text", text), ("prompts", prompts)]:
        for size in (0.1, 0.25, 0.5, 1, 3, 7):
            for seed in (0, 1, 7, 123):
                yield f"{name}|{size}|{seed}", rows, size, seed


def _positions(rows, part):
    return [rows.index(r) for r in part]


# Test-row positions the code before this change chose (recorded by running it).
RECORDED = {
    "sft|0.25|0": [0, 10, 11, 14, 20, 21],
    "pref|3|7": [2, 3, 13],
    "text|0.5|1": [3, 5, 6, 7, 8, 10],
    "prompts|0.1|123": [5, 8],
    "sft_dup|7|0": [1, 1, 1, 8, 11, 12, 13],  # row 1 and its two copies (positions named by their first)
}
# sha256 of every case's (train, test) positions, 120 cases, as recorded from the code before this change.
RECORDED_ALL = "70dbd3a71aaf7983150eab85d2577bbfc9d994176421c2108d51b00df88be52f"


def test_conversations_pairs_texts_and_prompts_split_exactly_as_before():
    got = {}
    for key, rows, size, seed in _other_cases():
        train, test = split_rows(rows, test_size=size, seed=seed)
        got[key] = [_positions(rows, train), _positions(rows, test)]
    for key, test_positions in RECORDED.items():
        assert got[key][1] == test_positions, key
    assert hashlib.sha256(json.dumps(got, sort_keys=True).encode()).hexdigest() == RECORDED_ALL


# --- a part with one label only is said ----------------------------------------------------------------------------


def test_a_single_bad_answer_stays_in_train_and_the_test_split_says_it_has_good_ones_only():
    rows = kto(5, 1)
    train, test = split_rows(rows, test_size=0.5, seed=0)
    assert goods(train) == (2, 1) and goods(test) == (3, 0)
    warnings = split_warnings(len(train), len(test), "unpaired", train=train, test=test)
    said = [w for w in warnings if w.startswith("The test split holds only answers labelled good")]
    assert said and "the file's 1 bad answer is in train" in said[0] and "at least 2 rows" in said[0]


def test_a_training_part_with_one_label_names_where_the_other_went():
    rows = kto(5, 1)
    train, test = split_rows(rows, test_size=5, seed=0)  # one training row: the single bad one
    assert goods(train) == (0, 1)
    warnings = split_warnings(len(train), len(test), "unpaired", train=train, test=test)
    assert any(
        w.startswith("The only training answer is labelled bad: the file's 5 good answers are all in")
        for w in warnings
    )


def test_no_label_warning_when_both_parts_hold_both_labels_or_rows_have_no_label():
    train, test = split_rows(kto(30, 20), test_size=0.2, seed=3)
    assert split_warnings(len(train), len(test), "unpaired", train=train, test=test) == []
    sft = [{"messages": [{"role": "user", "content": f"q{i}"}]} for i in range(40)]
    train, test = split_rows(sft, test_size=0.2, seed=3)
    assert split_warnings(len(train), len(test), "sft", train=train, test=test) == []


# --- everywhere a split is made ------------------------------------------------------------------------------------


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_data_split_keeps_each_labels_share_and_counts_them(tmp_path, capsys):
    """The tester's case: 6 good and 4 bad, half held out, gave 5 good + 0 bad in train, 1 good + 4 bad in test."""
    path = _write(
        tmp_path / "kto.jsonl",
        [{"prompt": r["prompt"], "completion": r["completion"], "label": r["label"]} for r in kto(6, 4)],
    )
    out = tmp_path / "split"
    assert main(["data", "split", str(path), "--test-size", "0.5", "--seed", "0", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "train: 5 labelled answers (3 good, 2 bad) -> " in printed
    assert "test:  5 labelled answers (3 good, 2 bad) -> " in printed
    assert "labelled good:" not in printed  # no one-label warning
    train, test = ([json.loads(x) for x in (out / f"{s}.jsonl").read_text().splitlines()] for s in ("train", "test"))
    assert goods(train) == (3, 2) and goods(test) == (3, 2)


def test_data_split_says_when_the_test_split_has_one_label(tmp_path, capsys):
    path = _write(
        tmp_path / "one_bad.jsonl", [{"prompt": f"Q{i}", "completion": f"A{i}", "label": i != 3} for i in range(6)]
    )
    assert main(["data", "split", str(path), "--test-size", "0.5", "--out", str(tmp_path / "o")]) == 0
    printed = "".join(capsys.readouterr())  # the parts on stdout, the warning on stderr
    assert "warning: The test split holds only answers labelled good: the file's 1 bad answer is in train" in printed
    assert "test:  3 labelled answers (3 good, 0 bad)" in printed


def test_meta_counts_the_warnings_data_split_printed(tmp_path, capsys):
    """meta.json's `warnings` said 0 where `data split` had printed 2 ignored-field warnings. A row's `id`, said in a
    note (helper 178), is not counted; the split's own warnings (too few rows, here) are (helper 250)."""
    rows = [
        {
            "messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}],
            "id": i,
            "lang": "en",
        }
        for i in range(6)
    ]
    rows[0]["source"] = "web"  # a second field nothing reads
    path = _write(tmp_path / "chats.jsonl", rows)
    out = tmp_path / "o"
    assert main(["data", "split", str(path), "--test-size", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().err  # warnings and notes on stderr
    file_warnings = [line for line in printed.splitlines() if line.startswith("warning: ignored field")]
    assert len(file_warnings) == 2
    assert "note: Not used: `id` (an id of the rows: metadata, neither shown nor trained)." in printed.splitlines()
    warned = [line for line in printed.splitlines() if line.startswith("warning: ")]
    meta = json.loads((out / "meta.json").read_text())
    assert len(warned) == 4 and meta["warnings"] == 4  # 2 ignored fields, then 4 training and 2 held-out rows only
    assert [f"warning: {w}" for w in meta["split_warnings"]] == warned[2:]


def test_a_run_queued_on_a_data_file_is_split_per_label(tmp_path):
    from ftlib.config import RunConfig
    from ftlib.run_data import read_dataset

    path = _write(
        tmp_path / "kto.jsonl", [{"prompt": f"Q{i}", "completion": f"A{i}", "label": i % 5 < 3} for i in range(20)]
    )
    rows = read_dataset(RunConfig(dataset=str(path), method="kto", test_size=0.5, seed=0))
    assert goods(rows.train) == (6, 4) and goods(rows.test) == (6, 4)
