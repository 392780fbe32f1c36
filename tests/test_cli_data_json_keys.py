"""`data inspect --json` prints one JSON object whose every object holds each key once, whatever the file: empty (no
JSON, an `error:` line), every row refused (the report and an `error:` line), file-level notes beside the rows (a
note's own `"rows": 0`, the rows it concerns, inside `warnings`, is not the report's `rows`, the records read)."""

from __future__ import annotations

import json

import pytest

from ftlib.cli import main

TOP_KEYS = {
    "format",
    "rows",
    "valid_rows",
    "errors",
    "warnings",
    "columns",
    "column_map",
    "fields",
    "counts",
    "source",
    "keys",  # a .json file's own split's keys (null here), as `data split --json` gives them
}


def _unique(pairs: list[tuple]) -> dict:
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), f"a key written twice: {keys}"
    return dict(pairs)


# (id, file name, its bytes, exit code, the report's (rows, valid_rows) or None where no JSON is printed)
CASES = [
    ("empty", "empty.jsonl", b"", 2, None),
    ("blank lines", "blank.jsonl", b"\n\n", 2, None),
    ("every row refused", "bad.jsonl", b'{"messages": 3}\n{"messages": []}\n', 2, (2, 0)),
    (
        "every labelled row refused, with a delimiter note",
        "kto.csv",
        b"sep=;\nprompt;completion;label\nHi;Yo;maybe\nQ;A;perhaps\n",
        2,
        (2, 0),
    ),
    (
        "rows under a key, a note",
        "wrapped.json",
        json.dumps({"rows": [{"text": "The sky is blue."}]}).encode(),
        0,
        (1, 1),
    ),
]


@pytest.mark.parametrize(("case", "name", "data", "code", "counts"), CASES, ids=[c[0] for c in CASES])
def test_inspect_json_holds_each_key_once(case, name, data, code, counts, tmp_path, capsys):
    path = tmp_path / name
    path.write_bytes(data)
    assert main(["data", "inspect", str(path), "--json"]) == code
    out, err = capsys.readouterr()
    assert (err.startswith("error: ") and err.count("\n") == 1) if code else not err
    if counts is None:
        assert out == ""
        return
    report = json.loads(out, object_pairs_hook=_unique)  # exactly one object, each of its objects' keys once
    assert set(report) == TOP_KEYS | {"kind"}
    assert (report["rows"], report["valid_rows"]) == counts
    assert out.count('"rows":') == 1 + sum("rows" in w for w in report["warnings"])
