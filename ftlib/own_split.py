"""A dataset's own test split: the training rows of one file and the held-out rows of another, as projects publish
their data (`train.jsonl` + `test.jsonl`, `data/train-*.parquet` + `data/test-*.parquet`), kept as published so a
run's held-out numbers compare with others' on the same test rows.

    train_file, test_file = load_file("train.jsonl"), load_file("test.jsonl")   # each read as any data file
    split = own_split(train_file, test_file, "train.jsonl", "test.jsonl", dedupe=False)
    split.train, split.test, split.warnings      # canonical rows, and what the split means in plain words
    meta = own_split_meta(train_file, test_file, "train", "test.jsonl", False, split.train)  # workspace.save_split's

The two files may be written in different formats of one kind of data (Alpaca train, `messages` test: both are
canonical chat rows); a test file of another kind (preference pairs beside chats) is refused, naming both. A training
row that is an exact copy of a test row (as canonical rows) would be trained on and then judged as new: it is taken
out of train and said, as `splits.split_rows` keeps its own splits disjoint. The test rows are never changed. A
training row that answers a test row's prompt (another answer or pair, `splits.prompt_key`) is kept, as the data's
authors split it, and said: `split_rows` would have kept the two on one side.

Not known here: reading files (data.py), where a split is saved (workspace.py), the page and the CLI around it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from ftlib.errors import plural
from ftlib.near_duplicates import near_across, quoted_pair
from ftlib.readers import DataError
from ftlib.rows import KIND_HELP
from ftlib.split_lines import flat_place
from ftlib.splits import crowded_warnings, label_warnings, prompt_key, row_key, split_warnings

if TYPE_CHECKING:
    from ftlib.data import LoadResult

SHOWN = 3  # training rows named in the warning before "and N more"


class OwnSplit(NamedTuple):
    """What `own_split` returns: each split's canonical rows, how many training rows were taken out, the warnings."""

    train: list[dict]  # the training file's rows, without the copies of test rows (and its duplicates: dedupe)
    test: list[dict]  # the test file's rows, as they are
    removed: int  # training rows taken out: exact copies of a test row
    dropped: int  # training rows dropped as exact copies of an earlier training row (dedupe)
    warnings: list[str]  # the rows taken out (first), those sharing a test prompt, then a split too small, ...


def kind_said(result: LoadResult) -> str:
    """What a file holds, in words, with the format it was read as.

    >>> from ftlib.data import LoadResult
    >>> kind_said(LoadResult("preference", [], [], 0, []))
    'pairs of a chosen and a rejected answer to the same prompt (read as preference)'
    """
    return f"{KIND_HELP.get(result.kind, result.kind)} (read as {result.format})"


def check_test_file(train: LoadResult, test: LoadResult, train_name: str, test_name: str) -> None:
    """Refuse a test file that cannot be the held-out part of `train`'s data: no valid row, or rows of another kind
    than the training file's (`LoadResult.kind`), naming both files. A format of the same kind is fine.

    >>> from ftlib.data import LoadResult
    >>> chats, pairs = LoadResult("alpaca", [{}], [], 1, [1]), LoadResult("preference", [{}], [], 1, [1])
    >>> check_test_file(chats, LoadResult("messages", [{}], [], 1, [1]), "train.csv", "test.jsonl")  # both chats
    >>> try:
    ...     check_test_file(chats, pairs, "train.csv", "test.jsonl")
    ... except DataError as exc:
    ...     print(str(exc)[:75])
    test.jsonl holds pairs of a chosen and a rejected answer to the same prompt
    """
    if not test.rows:
        first = "; ".join(f"{test.where(e.row)}: {e.message}" for e in test.errors[:3])
        raise DataError(
            f"The test file {test_name} has no valid rows ({plural(test.total, 'row')} read, read as "
            f"{test.format}), so it cannot be the held-out split. {first}".rstrip()
        )
    if test.kind != train.kind:
        raise DataError(
            f"{test_name} holds {kind_said(test)}, but {train_name} holds {kind_said(train)}: a run trains and is "
            "judged on one kind of data. Give a test file of the same kind; if one of them was read as the wrong "
            "kind, choose the format that reads it right ('Read the file as' on the Data page, `--format` on the "
            "command line)."
        )


def own_split(train: LoadResult, test: LoadResult, train_name: str, test_name: str, dedupe: bool = False) -> OwnSplit:
    """The split of `train`'s rows and `test`'s rows (`check_test_file` first): every test row kept as it is; each
    training row that is an exact copy of a test row taken out (all its copies), named in the first warning; with
    `dedupe`, a training row's later exact copies dropped too; a training row with a test row's prompt but another
    answer kept and named in the next. DataError when no training row is left.

    >>> from ftlib.data import LoadResult
    >>> rows = [{"text": t} for t in "abcab"]
    >>> train = LoadResult("text", rows, [], 5, [1, 2, 3, 4, 5], file_type="jsonl")
    >>> split = own_split(train, LoadResult("text", [{"text": "b"}], [], 1, [1]), "train.jsonl", "test.jsonl")
    >>> [r["text"] for r in split.train], split.removed
    (['a', 'c', 'a'], 2)
    >>> split.warnings[0][:92]
    '2 rows of train.jsonl are also in test.jsonl (exact copies of 1 of its rows): line 2, line 5'
    >>> pair = lambda q, a: {"prompt": [{"role": "user", "content": q}], "chosen": a, "rejected": []}
    >>> train = LoadResult("preference", [pair("q1", "a"), pair("q2", "b")], [], 2, [1, 2], file_type="jsonl")
    >>> test = LoadResult("preference", [pair("q2", "c")], [], 1, [1])
    >>> own_split(train, test, "t.jsonl", "h.jsonl").warnings[0][:65]
    '1 row of t.jsonl shares its prompt with a row of h.jsonl: line 2.'
    """
    check_test_file(train, test, train_name, test_name)
    held_out = {row_key(row) for row in test.rows}
    kept, numbers, seen, removed, dropped = [], [], set(), [], 0
    for row, number in zip(train.rows, train.row_numbers, strict=True):
        key = row_key(row)
        if key in held_out:
            removed.append((number, key))
        elif dedupe and key in seen:
            dropped += 1
        else:
            seen.add(key)
            kept.append(row)
            numbers.append(number)
    if not kept:
        raise DataError(
            f"Every row of {train_name} is also in {test_name} (exact copies): nothing is left to train on that is "
            "not held out. Is the test file the training file itself? Give the data's test file."
        )
    warnings = []
    if removed:
        places = [train.where(number) for number, _ in removed]
        more = f" and {len(places) - SHOWN} more" if len(places) > SHOWN else ""
        copied = len({key for _, key in removed})
        warnings.append(
            f"{plural(len(removed), 'row')} of {train_name} {'is' if len(removed) == 1 else 'are'} also in "
            f"{test_name} (exact copies of {copied} of its rows): {', '.join(places[:SHOWN])}{more}. "
            f"{'It is' if len(removed) == 1 else 'They are'} taken out of train, so no held-out row is trained on "
            "and then judged as new; the test rows are kept as published."
        )
    warnings += _shared_prompts_said(train, test.rows, kept, numbers, (train_name, test_name))
    warnings += _near_prompts_said(train, test, kept, numbers, (train_name, test_name))
    # The test rows are the data's own: only the training part can be crowded by one row's copies (--dedupe).
    warnings += split_warnings(len(kept), len(test.rows), train.kind)
    warnings += label_warnings(kept, test.rows, own=True) + crowded_warnings(kept, [])
    return OwnSplit(kept, list(test.rows), len(removed), dropped, warnings)


def _near_prompts_said(train: LoadResult, test: LoadResult, kept: list[dict], numbers: list[int], names) -> list:
    """The warning on the `test` prompts that nearly repeat a `kept` training row's (ftlib.near_duplicates: a suffix, a
    number, casing or punctuation changed), naming one pair by its rows in each file; [] for none. `numbers`: the
    kept rows' rows in `train`'s file; `names`: (the training file's, the test file's)."""
    across = near_across(kept, test.rows)
    if not across:
        return []
    trained, held = across[0]
    one, said = len(across) == 1, quoted_pair(test.rows[held], kept[trained])
    return [
        f"{plural(len(across), 'prompt')} of {names[1]} nearly {'repeats' if one else 'repeat'} a prompt of "
        f"{names[0]} ({flat_place(test.where(test.row_numbers[held]))}, {said[0]}, and "
        f"{flat_place(train.where(numbers[trained]))}, {said[1]}): the same question reworded (a suffix, a word, "
        "casing or punctuation changed), so the held-out loss and Evaluate would score answers to questions the "
        f"model trained on. Take the variants out of {names[0]}; the test rows are kept as published."
    ]


def _shared_prompts_said(train: LoadResult, test: list[dict], kept: list[dict], numbers: list[int], names) -> list:
    """The warning naming the `kept` training rows (`numbers`: their rows in `train`'s file) that answer a `test` row's
    prompt (`prompt_key`), [] for none: they stay, as published, but the held-out numbers then judge answers to
    prompts the model trained on. `names`: (the training file's, the test file's)."""
    prompts = {prompt_key(row) for row in test}
    places = [train.where(n) for row, n in zip(kept, numbers, strict=True) if prompt_key(row) in prompts]
    if not places:
        return []
    more = f" and {len(places) - SHOWN} more" if len(places) > SHOWN else ""
    one = len(places) == 1
    return [
        f"{plural(len(places), 'row')} of {names[0]} {'shares its' if one else 'share their'} prompt with a row "
        f"of {names[1]}: {', '.join(places[:SHOWN])}{more}. {'It is' if one else 'They are'} another answer to a "
        "held-out prompt, kept as the data's authors split it, so the held-out numbers judge answers to prompts the "
        "model also trained on."
    ]


def own_split_meta(
    train: LoadResult,
    test: LoadResult,
    train_label: str,
    test_label: str,
    dedupe: bool,
    kept: list | None = None,
    train_file: str | None = None,
) -> dict:
    """A split's meta.json (workspace.save_split's `meta`) when its test rows are the data's own: the training
    file as `LoadResult.split_meta` records it, without a seed or test size (nothing was drawn), `split` "own", and
    `test_file` recording where the test rows came from as the training file's own entries do. Each side's rows are
    placed in their own file (`test_lines`: every row of `test`; `train_lines`: those of `kept`, the split's training
    rows, `OwnSplit.train`, when given; the training file named `train_file`, `train_label` by default), so a warning
    naming the split's rows names each file's line."""
    meta = train.split_meta(train_label, 0, 0, dedupe, train=kept, file=train_file)
    del meta["seed"], meta["test_size"]
    test_meta = test.split_meta(test_label, 0, 0, False, test=test.rows)
    keep = ("source", "path", "format", "errors", "warnings", "valid_rows", "total_rows", "column_map")
    own = {"split": "own", "test_file": {k: test_meta[k] for k in keep}}
    return meta | own | ({"test_lines": test_meta["test_lines"]} if "test_lines" in test_meta else {})
