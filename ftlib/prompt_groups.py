"""What a row's prompt is and which rows share one: a row's key (its copies, in Unicode NFC, have the same), its
prompt's key (the turns before the answer, tools with them, whitespace runs as one space), the rows of each prompt in
order (held by hash, not by key: `first_copies`), and what a split that kept each prompt's rows on one side means.

    prompt_key(row) == prompt_key(other)         # two answers (pairs, labelled answers) to one question
    prompt_groups(rows)                          # [[0, 2], [1]]: the rows of each prompt, by position
    shared_prompts(rows)                         # (prompts with several rows, prompts)
    split_groups(train, test)                    # the groups of train + test and of each part, in one pass
    prompt_warnings(train, test, "preference")   # plain words for a split that kept prompts whole, [] for none

Not known here: how a split places the groups (splits.split_rows) and its other warnings (splits), files (data.py).
"""

from __future__ import annotations

import json
import unicodedata
from bisect import bisect_left
from collections.abc import Iterator
from typing import NamedTuple

from ftlib.errors import plural
from ftlib.rows import RowShapeError, as_turns, row_kind

# What one row of each kind (ftlib.rows.ROW_KINDS) is called where a split is counted.
ROW_UNITS = {"preference": "pair", "unpaired": "labelled answer", "text": "text", "prompt_only": "prompt"}
# ... and a prompt's rows, where prompts are counted ("4 pairs", else "4 answers").
PROMPT_UNITS = {"preference": "pairs", "unpaired": "labelled answers", "prompt_only": "rows"}


def row_key(row: dict, spaced: bool = False) -> str:
    """A row as one comparable string: exact copies (as canonical rows) have the same key, and so do rows whose text
    differs only in Unicode normalisation ("Café" typed on a Mac, NFD, and on Windows, NFC): both are compared in NFC.
    Only the key is normalised; the rows, and the text trained, are kept as the file has them. `spaced`: whitespace
    too (`_nfc`), for `prompt_key`.

    >>> row_key({"t": "Cafe\u0301"}) == row_key({"t": "Caf\u00e9"})
    True
    """
    return json.dumps(_nfc(row, spaced), sort_keys=True, ensure_ascii=False)


def _nfc(value, spaced: bool = False):
    """`value` with every string in it (keys too) in Unicode's NFC form, for comparing only; `spaced`: its values
    stripped and their whitespace runs made one space too ("2+2? " pasted with a trailing space is one prompt)."""
    if isinstance(value, str):
        value = unicodedata.normalize("NFC", value)
        return " ".join(value.split()) if spaced else value
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v, spaced) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nfc(v, spaced) for v in value]
    return value


def prompt_key(row: dict) -> str:
    """The `row_key` of a row's prompt: rows with the same key are answers (pairs, labelled answers) to one prompt, and
    a split keeps them on one side (`split_rows`). The prompt is the `prompt` turns of a preference, unpaired or
    prompt-only row, and the messages before the last assistant message of a chat row, its `tools` with it. A system
    prompt is one of those turns: one question under two system prompts is two prompts (the model is asked otherwise),
    as are two tool sets. Prompts are compared in Unicode NFC (`row_key`) and but for whitespace at their ends or in
    runs (a trailing or doubled space pasted into one copy of a question). A row with no prompt (raw text, a chat with
    no assistant message, an empty `prompt`) is its own key: only its exact copies share it.

    >>> chat = lambda q, a: {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}
    >>> prompt_key(chat("Hi", "Hello")) == prompt_key(chat("Hi", "Hey")), prompt_key(chat("Hi", "Hey")) == prompt_key(
    ...     {"messages": [{"role": "system", "content": "Be brief."}, *chat("Hi", "Hey")["messages"]]})
    (True, False)
    """
    prompt = prompt_turns(row)
    if not prompt:
        return row_key(row)
    return row_key({"prompt": prompt, "tools": row.get("tools") or []}, spaced=True)


def prompt_turns(row: dict) -> list:
    """The turns of a row's prompt as `prompt_key` reads them ([] for a row with none: raw text, a chat with no
    assistant message, a row of no canonical kind).

    >>> ask = [{"role": "user", "content": "2+2?"}]
    >>> prompt_turns({"prompt": ask, "chosen": [{"role": "assistant", "content": "4"}], "rejected": []}) == ask
    True
    >>> prompt_turns({"text": "Hello"})
    []
    """
    try:
        kind = row_kind(row)
    except RowShapeError:  # hand-made rows of no canonical kind: each its own prompt, as copies were split
        return []
    if kind == "sft":
        turns = row["messages"]
        last = max((i for i, t in enumerate(turns) if isinstance(t, dict) and t.get("role") == "assistant"), default=0)
        return turns[:last]
    return as_turns(row.get("prompt"), "user") if kind != "text" else []


KEPT_KEYS = 1024  # the most first rows' keys `first_copies` holds at once


def first_copies(rows: list[dict], key_of=row_key) -> Iterator[int | None]:
    """For each row in turn, the index of the earlier row it is a copy of (the same `row_key`), or None for the first
    of its kind. With `key_of` (`prompt_key`), the earlier row it has that key in common with.

    Each row's key is as long as the row's text, so only its hash is kept (a dict of 100,000 chat rows' keys took as
    much memory as the file: BENCHMARKS, "Hostile input at scale", 2026-12-05); a matching hash is checked against
    the first row's key, so two rows are copies only when their keys are equal, as in a dict of the keys. The keys of
    the last KEPT_KEYS first rows matched are kept for their next copies (every matched one was half the file again
    for a file written twice over), and that of the last first row: the key of a row whose copies follow it (a
    prompt's answers, one after another) is not computed again.

    >>> list(first_copies([{"a": 1}, {"a": 2}, {"a": 1}, {"a": 2}]))
    [None, None, 0, 1]
    """
    first: dict[int, int] = {}  # a key's hash -> the first row with it
    keys: dict[int, str] = {}  # the keys of the last first rows a later row's hash matched
    collided: dict[str, int] = {}  # rows whose hash is an earlier row's but their key is not: by their key
    latest = (-1, "")  # the last first row and its key: its copies often follow it (a prompt's answers)
    for i, row in enumerate(rows):
        key = key_of(row)
        j = first.setdefault(hash(key), i)
        if j != i:
            if (earlier := keys.get(j)) is None:
                earlier = keys[j] = latest[1] if latest[0] == j else key_of(rows[j])
                if len(keys) > KEPT_KEYS:
                    del keys[next(iter(keys))]  # the oldest
            if earlier != key:
                j = collided.setdefault(key, i)
        else:
            latest = (i, key)
        yield None if j == i else j


def prompt_groups(rows: list[dict]) -> list[list[int]]:
    """The rows of each prompt (`prompt_key`; a row's exact copies among them), by position, in order of first
    appearance. Held by `first_copies`, not by key: every row's key held is the file again.

    >>> prompt_groups([{"prompt": "a"}, {"text": "b"}, {"prompt": "a", "columns": {"n": 2}}])
    [[0, 2], [1]]
    """
    groups: dict[int, list[int]] = {}
    for i, first in enumerate(first_copies(rows, prompt_key)):
        groups.setdefault(i if first is None else first, []).append(i)
    return list(groups.values())


class SplitGroups(NamedTuple):
    """The prompt groups (`prompt_groups`) of a split's parts, from one pass over their rows: `rows` is train + test,
    `both` its groups (a prompt in both parts is one group, a test row i at len(train) + i), `train` and `test` each
    part's own (by position in the part, in order of first appearance: as `prompt_groups` of the part gives them)."""

    rows: list[dict]
    both: list[list[int]]
    train: list[list[int]]
    test: list[list[int]]
    keys: list[str] | None = None  # each row's `row_key`, where splits.split_warnings computed them once for all


def split_groups(train: list[dict], test: list[dict]) -> SplitGroups:
    """The prompt groups of `train` + `test` and of each part, each row's `prompt_key` computed once: the warnings on
    a split (`shared_prompts`, `prompt_warnings`, splits.crowded_prompt_warnings) read them all, and each grouping
    was a pass of its own (4 s of warnings for 100,000 chat rows, 2.6 s now: BENCHMARKS, "Hostile input at scale").

    >>> groups = split_groups([{"prompt": "a"}, {"prompt": "b"}], [{"prompt": "c"}, {"prompt": "a", "n": 2}])
    >>> groups.both, groups.train, groups.test
    ([[0, 3], [1], [2]], [[0], [1]], [[0], [1]])
    """
    rows = [*train, *test]
    both = prompt_groups(rows)
    n, parts = len(train), []
    for group in both:
        cut = bisect_left(group, n)  # a group's rows are in order: its training rows first
        parts.append((group[:cut], [i - n for i in group[cut:]]))
    # A group's test rows after those of the groups that first appear in test before it: sorted by their first row.
    test_groups = sorted((t for _, t in parts if t), key=lambda t: t[0])
    return SplitGroups(rows, both, [t for t, _ in parts if t], test_groups)


def shared_prompts(
    rows: list[dict], groups: list[list[int]] | None = None, keys: list[str] | None = None
) -> tuple[int, int]:
    """(how many prompts, `prompt_key`, have several rows that are not all exact copies of one row; how many prompts
    there are): see `prompt_warnings`. `groups`: `prompt_groups(rows)` where it is known (`split_groups`); `keys`:
    each row's `row_key`, where they are known (`SplitGroups.keys`).

    >>> good, bad = ({"prompt": "a", "completion": c, "label": c == "x"} for c in "xy")
    >>> shared_prompts([good, bad, good]), shared_prompts([good, good, {"text": "b"}])
    ((1, 1), (0, 2))
    """
    groups = prompt_groups(rows) if groups is None else groups
    several = (g for g in groups if len(g) > 1)  # a file of different prompts: only copies' groups are read again
    key = keys.__getitem__ if keys is not None else (lambda i: row_key(rows[i]))
    firsts = ((g, key(g[0])) for g in several)
    return sum(any(key(i) != first for i in g[1:]) for g, first in firsts), len(groups)


def prompt_shown(row: dict) -> str:
    """A row's prompt as a warning quotes it: its last turn's text, or its turns, as JSON of at most 60 characters.

    >>> prompt_shown({"prompt": [{"role": "user", "content": "2+2?"}], "chosen": [], "rejected": []})
    '"2+2?"'
    """
    prompt = prompt_turns(row)
    last = prompt[-1].get("content") if prompt and isinstance(prompt[-1], dict) else None
    text = json.dumps(last if isinstance(last, str) else prompt, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def whole_prompt_held_out(train: list[dict], test: list[dict], groups: SplitGroups | None = None) -> bool:
    """Whether the test split is `split_rows`' fallback where every prompt has more rows than asked: one prompt's rows
    (two or more), no training prompt with fewer, not every row one prompt's, and some prompt with rows that are not
    all copies of one row (`shared_prompts`). `prompt_warnings` then says the test split's size and what it judges
    (or, with its `whole_said`, splits.split_warnings' too-few-held-out warning does), and
    splits.crowded_prompt_warnings says nothing of the held-out part. `groups`: the parts' `split_groups`.

    >>> pair = lambda q, a: {"prompt": [{"role": "user", "content": q}], "chosen": a, "rejected": []}
    >>> rows = [pair(f"q{i}", str(j)) for i in range(3) for j in range(4)]  # 3 prompts of 4 pairs
    >>> whole_prompt_held_out(rows[4:], rows[:4]), whole_prompt_held_out(rows[4:10], rows[:4])  # q2 has 2 in train
    (True, False)
    """
    groups = split_groups(train, test) if groups is None else groups
    if len(test) < 2 or len(groups.test) != 1 or any(len(g) < len(test) for g in groups.train):
        return False
    if train and len(groups.both) == 1:  # one prompt on both sides: said otherwise
        return False
    keys, n = groups.keys, len(train)
    key = (lambda i: keys[n + i]) if keys is not None else (lambda i: row_key(test[i]))
    first = key(0)
    return any(key(i) != first for i in range(1, len(test))) or shared_prompts(groups.rows, groups.both, keys)[0] > 0


def prompt_warnings(
    train: list[dict],
    test: list[dict],
    kind: str = "sft",
    groups: SplitGroups | None = None,
    whole_said: bool = False,
) -> list[str]:
    """Where prompts have several rows (answers, pairs, labelled answers to one question) that `split_rows` kept on one
    side, which may move the test split's size off the one asked (a few rows, or where every prompt has more rows than
    asked, to one whole prompt's: its size is then said); or where the rows are all one prompt's, on both sides. []
    when every prompt has one row (copies are said by `duplicates_note` and `rows_in_both`). `groups`: the parts'
    `split_groups`, where they are known. `whole_said`: a test split of one whole prompt (`whole_prompt_held_out`) is
    said elsewhere (splits.split_warnings' too-few-held-out warning): its size is not said again.

    >>> turn = lambda text: [{"role": "user", "content": text}]
    >>> pairs = [{"prompt": turn(f"q{i // 2}"), "chosen": turn(str(i)), "rejected": []} for i in range(8)]
    >>> prompt_warnings(pairs[:6], pairs[6:], "preference")[0][:33]
    '4 prompts have several pairs each'
    >>> prompt_warnings(pairs[:1], pairs[1:2], "preference")[0][:60]
    'Every pair has the same prompt, so the split holds it on bot'
    """
    groups = split_groups(train, test) if groups is None else groups
    shared, prompts = shared_prompts(groups.rows, groups.both, groups.keys)
    if not shared:
        return []
    unit = PROMPT_UNITS.get(kind, "answers")
    if prompts == 1 and train and test:
        row = ROW_UNITS.get(kind, "row")
        return [
            f"Every {row} has the same prompt, so the split holds it on both sides: the held-out numbers judge "
            "answers to a prompt the model trained on. Add rows with other prompts."
        ]
    several = f"has several {unit}" if shared == 1 else f"have several {unit} each"  # not "1 prompt has ... each"
    size = ", and the test split may hold a few rows more or fewer than asked"
    if len(test) > 1 and len(groups.test) == 1 and all(len(g) >= len(test) for g in groups.train):
        # split_rows' fallback where every prompt has more rows than asked: 500 held out where 100 were, not "a few";
        # nor "more than asked": as many, where every prompt has as many rows as asked. What the held-out numbers
        # then judge is said here, not again by splits.crowded_prompt_warnings.
        size = (
            ""
            if whole_said
            else f", and the test split holds one whole prompt ({prompt_shown(test[0])}), its {len(test):,} {unit} "
            "(no prompt has fewer): the held-out numbers judge answers to that one question"
        )
    return [
        f"{plural(shared, 'prompt')} {several}: each prompt's rows are kept on one side of the split, so no held-out "
        f"prompt is trained on{size}."
    ]
