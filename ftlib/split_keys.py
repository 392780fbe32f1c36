"""A .json file that holds its own split (`{"train": [...], "test": [...]}`, how many projects export a dataset with
its splits; "validation" too): its held-out key's rows as the test split, as published, the others' as the training
rows, made as `own_split` makes a split of two files.

    keyed = keyed_split(result, "data.json")     # None for a file without a key named as held out
    keyed.split.train, keyed.split.test         # an OwnSplit: canonical rows and warnings (copies taken out of train)
    keyed.said                                  # which key became which, in one sentence
    meta = keyed_meta(result, keyed, "data", dedupe=False)   # workspace.save_split's meta.json

Which key is which is `json_layout.key_roles`'s: 'test', else 'validation' ('valid', 'val', 'eval', 'dev'), is the
test split; another key named as held out beside it is left out (neither trained on nor held out) and said; a key
named neither way ('extra') trains with 'train', and is said. The file's rows are numbered on across its keys
(`LoadResult.from_keys`: each key's item count), so each row's key is the one its number falls in.

Not known here: reading the file (data.py, json_layout.py), the split of two files (own_split.py), the page and the
CLI around it.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, NamedTuple

from ftlib.errors import plural
from ftlib.json_layout import KeyRoles, key_roles
from ftlib.own_split import OwnSplit, own_split
from ftlib.readers import DataError
from ftlib.splits import ROW_UNITS

if TYPE_CHECKING:
    from ftlib.data import LoadResult


class KeyedSplit(NamedTuple):
    """What `keyed_split` returns: which key is which, the split, and both in words."""

    roles: KeyRoles
    split: OwnSplit  # train: the training keys' rows (without copies of test rows); test: the test key's rows
    rows: dict[str, int]  # each key's usable rows
    said: str  # which key became which (`roles_said`)


def file_roles(result: LoadResult) -> KeyRoles | None:
    """Which of the keys `result`'s rows were read from is the test split (`json_layout.key_roles`); None for a file
    that does not hold its own split."""
    return key_roles(result.from_keys)


def _key_of(result: LoadResult) -> dict[int, str]:
    """Each source row number of `result` (1-based, numbered on across its keys) -> the key it was read from."""
    out, start = {}, 0
    for key, items in result.from_keys:
        out.update(dict.fromkeys(range(start + 1, start + items + 1), key))
        start += items
    return out


def key_rows(result: LoadResult) -> dict[str, int]:
    """How many usable rows each key of `result` holds, in the file's order (0 for a key whose rows all failed).

    >>> from ftlib.data import LoadResult
    >>> key_rows(LoadResult("text", [{}, {}, {}], [], 4, [1, 3, 4], from_keys=(("train", 2), ("test", 2))))
    {'train': 1, 'test': 2}
    """
    of = _key_of(result)
    counts = dict.fromkeys((key for key, _ in result.from_keys), 0)
    for number in result.row_numbers:
        counts[of[number]] += 1
    return counts


def key_part(result: LoadResult, keys: tuple[str, ...]) -> LoadResult:
    """The part of `result` read from `keys`: its rows (the same objects), their numbers, its bad rows and warnings,
    and the items those keys hold as `total`; the file's notices stay with the file."""
    of = _key_of(result)
    pairs = [(row, n) for row, n in zip(result.rows, result.row_numbers, strict=True) if of[n] in keys]
    return dataclasses.replace(
        result,
        rows=[row for row, _ in pairs],
        row_numbers=[n for _, n in pairs],
        errors=[e for e in result.errors if of.get(e.row) in keys],
        warnings=[w for w in result.warnings if of.get(w.row) in keys],
        total=sum(items for key, items in result.from_keys if key in keys),
        notices=[],
    )


def _keys_named(keys: tuple[str, ...], name: str) -> str:
    return f"'{keys[0]}' of {name}" if len(keys) == 1 else f"the keys {', '.join(map(repr, keys))} of {name}"


def roles_said(roles: KeyRoles, rows: dict[str, int], kind: str, name: str) -> str:
    """Which key became which, in one sentence: the test key held out as published (in the place of a 'test' key the
    file does not have), the keys that train, a key named neither way trained too, a held-out key left out.

    >>> roles = KeyRoles("validation", ("train", "extra"), ("dev",), ("extra",))
    >>> print(roles_said(roles, {"train": 8, "validation": 2, "dev": 1, "extra": 1}, "sft", "d.json"))
    The file's own split: 'validation' (2 rows) of d.json is held out as published, as the test split (the file has \
no 'test' key with rows), and 'train' (8 rows) and 'extra' (1 row) train; 'extra' is named neither train nor test, so \
its rows are trained on with the rest; 'dev' (1 row) is left out, neither trained on nor held out: one key is the \
test split.
    """
    unit = ROW_UNITS.get(kind, "row")  # pairs counted as pairs

    def count(key: str) -> str:
        return f"'{key}' ({plural(rows[key], unit)})"

    place = "" if roles.test.lower() == "test" else ", as the test split (the file has no 'test' key with rows)"
    trained = [count(k) for k in roles.train]
    said = (
        f"The file's own split: {count(roles.test)} of {name} is held out as published{place}, and "
        f"{' and '.join([', '.join(trained[:-1]), trained[-1]] if len(trained) > 1 else trained)} "
        f"train{'s' if len(trained) == 1 else ''}"
    )
    if roles.unnamed:
        which = " and ".join(map(repr, roles.unnamed))
        said += f"; {which} {'is' if len(roles.unnamed) == 1 else 'are'} named neither train nor test, so "
        said += f"{'its' if len(roles.unnamed) == 1 else 'their'} rows are trained on with the rest"
    if roles.left_out:
        one = len(roles.left_out) == 1
        said += f"; {' and '.join(count(k) for k in roles.left_out)} {'is' if one else 'are'} left out, neither "
        said += "trained on nor held out: one key is the test split"
    return said + "."


def _none_usable(part: LoadResult, part_name: str, nothing: str) -> DataError:
    """The refusal of a file's own split whose training keys or test key (`part`, named `part_name`) hold no usable
    row: the first one's place and problem, and both ways on (fix them; a split drawn from all the file's rows, as
    before the keys were read, which `--test-size` and the Data page's 'split from this file' still draw)."""
    error = part.errors[0] if part.errors else None
    which = "The first left out" if len(part.errors) > 1 else "Left out"
    first = f" {which}, {part.where(error.row)}: {error.message.rstrip('.')}." if error else ""
    return DataError(
        f"No row of {part_name} can be used ({plural(part.total, 'row')} read), so the file's own split "
        f"has nothing {nothing}.{first} Fix those rows, or draw a split from all its rows instead ('split from this "
        "file' on the Data page, `--test-size` on the command line)."
    )


def keyed_split(result: LoadResult, name: str, dedupe: bool = False) -> KeyedSplit | None:
    """The split a file that holds its own split makes (`file_roles`; None for another file): the test key's usable
    rows kept as they are, the training keys' rows without exact copies of a test row (`own_split`: taken out and
    named; with `dedupe` their own later copies too). `name`: the file's, in messages. DataError when the training
    keys hold no usable row, or the test key none (`_none_usable`)."""
    roles = file_roles(result)
    if roles is None:
        return None
    rows = key_rows(result)
    train, test = key_part(result, roles.train), key_part(result, (roles.test,))
    train_name, test_name = _keys_named(roles.train, name), _keys_named((roles.test,), name)
    for part, part_name, nothing in ((train, train_name, "to train on"), (test, test_name, "to hold out")):
        if not part.rows:  # said as a key of this file, with the way a split of all its rows still takes
            raise _none_usable(part, part_name, nothing)
    split = own_split(train, test, train_name, test_name, dedupe=dedupe)
    return KeyedSplit(roles, split, rows, roles_said(roles, rows, result.kind, name))


def keyed_meta(result: LoadResult, keyed: KeyedSplit, label: str, dedupe: bool, file: str | None = None) -> dict:
    """A keyed split's meta.json (workspace.save_split's `meta`): the file as `LoadResult.split_meta` records it,
    without a seed or test size (nothing was drawn), `split` "own" (the data's own test rows, as with a test file of
    their own) and the keys: `test_key`, `train_keys`, `left_out_keys`. Each row's place in the file is kept
    (`train_lines`, `test_lines`; the file named `file`, `label` by default)."""
    meta = result.split_meta(label, 0, 0, dedupe, train=keyed.split.train, test=keyed.split.test, file=file)
    del meta["seed"], meta["test_size"]
    roles = keyed.roles
    keys = {"test_key": roles.test, "train_keys": list(roles.train), "left_out_keys": list(roles.left_out)}
    return meta | {"split": "own"} | keys


def part_order_said(meta: dict, part: str) -> str:
    """The order a saved split's `part` ("train" or "test") keeps its rows in, as the Tokens page's row caption says it
    (`meta`: the split's meta.json): a drawn split's, the file's; the data's own split's test part, the test file's;
    one made from a .json file's keys (`keyed_meta`), the order of its test key, or of its training keys one after
    another.

    >>> part_order_said({}, "test"), part_order_said({"split": "own"}, "test")
    ("the file's order", "the test file's order")
    >>> part_order_said({"split": "own", "test_key": "validation", "train_keys": ["train", "extra"]}, "train")
    "the order of the file's keys 'train' and 'extra', one after the other,"
    """
    own = meta.get("split") == "own"
    keys = [meta.get("test_key")] if part == "test" else meta.get("train_keys") or []
    keys = [f"'{k}'" for k in keys if isinstance(k, str) and k] if own and meta.get("test_key") else []
    if not keys:
        return "the test file's order" if own and part == "test" else "the file's order"
    if len(keys) == 1:
        return f"the order of the file's {keys[0]} key"
    return f"the order of the file's keys {', '.join(keys[:-1])} and {keys[-1]}, one after the other,"


__all__ = [
    "KeyedSplit",
    "file_roles",
    "key_part",
    "key_rows",
    "keyed_meta",
    "keyed_split",
    "part_order_said",
    "roles_said",
]
