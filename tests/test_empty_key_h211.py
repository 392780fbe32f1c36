"""Helper 211's walk: a .json file shaped as its own split whose held-out key is an empty list (`{"train": [...],
"test": []}`, a placeholder some exports leave), or whose training key is, was read from its one key with 'The rows
are read from the key 'train'.' and a split drawn from those rows, the empty key never named: a user who published
a test split was not told it was not used. The note now names the empty key and what is done instead."""

import pytest

from ftlib.json_layout import json_layout

ROW = {"prompt": "Name a prime number.", "completion": "Seven."}

CASES = [
    # (the file, what its note must say)
    (
        {"train": [ROW, ROW], "test": []},
        "The rows are read from the key 'train'. The key 'test' holds no rows, so the file has no split of its own: "
        "a train/test split is drawn from the rows of 'train'.",
    ),
    (
        {"train": [], "validation": [ROW], "meta": {"v": 1}},
        "The rows are read from the key 'validation'; the key 'meta' is not rows and is ignored. The key 'train' "
        "holds no rows, so the file has no split of its own: a train/test split is drawn from the rows of "
        "'validation'.",
    ),
    ({"data": [ROW], "extra": []}, "The rows are read from the key 'data'."),  # no split was meant: nothing more
]


@pytest.mark.parametrize(("value", "said"), CASES)
def test_an_empty_key_of_a_files_own_split_is_named(value, said):
    rows, note = json_layout(value)
    assert rows == [r for v in value.values() if isinstance(v, list) for r in v]
    assert note == said


def test_a_validation_key_held_out_beside_an_empty_test_key_is_not_said_to_have_no_test_key():
    """`{"train": [...], "validation": [...], "test": []}`: 'validation' is the test split, and the note said '(the
    file has no 'test' key)' of a file that has one, empty."""
    import json

    from ftlib.data import load_bytes
    from ftlib.split_keys import keyed_split

    held = {"prompt": "Name an even prime.", "completion": "Two."}
    document = {"train": [ROW] * 6, "validation": [held], "test": []}
    said = keyed_split(load_bytes(json.dumps(document).encode(), "splits.json"), "splits.json").said
    assert "as the test split (the file has no 'test' key with rows)" in said, said
