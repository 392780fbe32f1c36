"""Helper 270's real-world shapes: UltraFeedback's raw rated completions read as pairs, a {prompt, bad, good} file's
pair offered the right way round, a generic `preference` column read only as the preferred answer's number, and the
Data page's split writing the same meta.json as `data split`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ftlib.data import load_bytes
from ftlib.file_bytes import DataError
from tests.test_pages_data import _allowed_data_dirs, data_page, with_path, write_jsonl

ROOT = Path(__file__).resolve().parents[1]


def _jsonl(*rows: dict) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def _cli(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "FTLIB_WORKSPACE": str(tmp / "ws"), "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "ftlib", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_bad_and_good_columns_are_offered_with_good_as_chosen(tmp_path):
    """The offer read "Where `bad` is the better answer and `good` the worse one ... --map bad=chosen": the file's
    order, whatever the names said."""
    rows = [
        {"prompt": "What is two plus two?", "bad": "It is five, as everyone knows.", "good": "Two plus two is four."},
        {"prompt": "Name the capital of France.", "bad": "The capital is Lyon.", "good": "The capital is Paris."},
    ]
    said = " ".join(n.message for n in load_bytes(_jsonl(*rows), "bg.jsonl").notices)
    assert "Where `good` is the better answer and `bad` the worse one" in said, said
    assert "--map good=chosen --map bad=rejected" in said, said
    path = tmp_path / "bg.jsonl"
    path.write_bytes(_jsonl(*rows))
    out = _cli("data", "inspect", str(path), tmp=tmp_path)
    assert out.returncode == 0 and "--map good=chosen --map bad=rejected" in out.stdout, out.stdout + out.stderr


def _scored(text: str, **ratings) -> dict:
    return {"model": "m", "response": text, **ratings}


def _aspects(*ratings: str) -> dict:
    names = ("honesty", "helpfulness", "instruction_following", "truthfulness")
    return {"annotations": {n: {"Rating": r, "Rationale": "..."} for n, r in zip(names, ratings, strict=False)}}


# UltraFeedback's raw shape, own content: an `instruction`, its `completions` rated three ways, ties and unrated rows
ULTRA = [
    {  # fine-grained_score first: overall_score says the opposite
        "instruction": "Why is the sea salty?",
        "source": "own",
        "completions": [
            _scored("Rivers carry dissolved minerals into it.", **{"fine-grained_score": 4.75, "overall_score": 3}),
            _scored("Because fish cry a lot.", **{"fine-grained_score": 1.25, "overall_score": 9}),
            _scored("Salt from the rocks.", **{"fine-grained_score": 3.5, "overall_score": 8}),
        ],
    },
    {  # annotations' Ratings, their mean ("N/A" not counted); `text` for the answer, `prompt` for the question
        "prompt": "Name a mammal that flies.",
        "completions": [
            {"text": "A sparrow.", **_aspects("2", "1", "N/A")},
            {"text": "The bat.", **_aspects("5", "4", "5")},
        ],
    },
    {  # overall_score alone
        "instruction": "What is 3 times 4?",
        "completions": [_scored("It is 12.", overall_score=9.0), _scored("It is 7.", overall_score="2")],
    },
    {
        "instruction": "Say hello.",
        "completions": [_scored("Hello!", overall_score=5), _scored("Hi!", overall_score=5)],
    },
    {
        "instruction": "Count to two.",
        "completions": [_scored("One, two.", overall_score=6), _scored("1 2", overall_score=None)],
    },
]


def test_ultrafeedback_raw_rows_are_read_as_pairs_best_against_lowest_rated(tmp_path):
    """They were refused ("the studio does not make pairs of itself"): read as ultrafeedback_binarized pairs them,
    the highest-rated chosen, the lowest-rated rejected (deterministic, said), ties and unrated rows left out,
    each named and counted in a warning."""
    result = load_bytes(_jsonl(*ULTRA), "uf.jsonl")
    assert result.format == "preference"
    pairs = [(r["prompt"][-1]["content"], r["chosen"][0]["content"], r["rejected"][0]["content"]) for r in result.rows]
    assert pairs == [
        ("Why is the sea salty?", "Rivers carry dissolved minerals into it.", "Because fish cry a lot."),
        ("Name a mammal that flies.", "The bat.", "A sparrow."),
        ("What is 3 times 4?", "It is 12.", "It is 7."),
    ]
    assert {e.row: e.message for e in result.errors} == {
        4: "every rated completion is rated 5 (`overall_score`), so none is preferred and the row makes no pair",
        5: "1 of its 2 completions has a rating (`overall_score`), so none is preferred and the row makes no pair",
    }
    notes = " ".join(n.message for n in result.notices)
    assert "5 rows rate several completions (`instruction` (or `prompt`), `completions`" in notes, notes
    assert "the rejected one is the lowest-rated (the first of equals)" in notes, notes
    warned = [n.message for n in result.notices if "rated completions" in n.message and not n.note]
    assert warned == [
        "2 rows of rated completions make no pair (1 whose completions are all rated alike and 1 with fewer than two "
        "completions rated): no completion is preferred, so they are left out (named with the rows left out)"
    ], notes
    path = tmp_path / "uf.jsonl"
    path.write_bytes(_jsonl(*ULTRA))
    seen = _cli("data", "inspect", str(path), tmp=tmp_path)
    assert seen.returncode == 0 and "valid rows: 3" in seen.stdout, seen.stdout + seen.stderr
    assert "line 4: every rated completion is rated 5" in seen.stdout + seen.stderr
    split = _cli("data", "split", str(path), "--out", str(tmp_path / "split"), "--test-size", "1", tmp=tmp_path)
    assert split.returncode == 0, split.stderr
    assert "warning: 2 rows of rated completions make no pair" in split.stderr, split.stderr
    written = [
        json.loads(line) for name in ("train", "test") for line in (tmp_path / "split" / f"{name}.jsonl").open()
    ]
    assert sorted(r["chosen"][0]["content"] for r in written) == [
        "It is 12.",
        "Rivers carry dissolved minerals into it.",
        "The bat.",
    ]


def test_one_ultrafeedback_row_typed_on_the_data_page_is_its_pair():
    from ftlib.typed_row import read_row

    done = read_row(ULTRA[0])
    assert done.row["chosen"][0]["content"] == "Rivers carry dissolved minerals into it.", done.row
    assert done.row["rejected"][0]["content"] == "Because fish cry a lot."


def test_a_column_named_preference_is_read_only_as_the_preferred_answers_number(tmp_path):
    """`preference` was read as a -3..3 strength: 1 beside `response_1`/`response_2` chose `response_2`, the answer
    the 1 names as worse where it is the preferred answer's number; a 0 beside `response_0` was a tie."""
    ids = [
        {"prompt": "2+2?", "response_1": "4", "response_2": "5", "preference": 1},
        {"prompt": "3+3?", "response_1": "7", "response_2": "6", "preference": "2"},
    ]
    zero = [
        {"prompt": "2+2?", "response_0": "4", "response_1": "5", "preference": 0},
        {"prompt": "3+3?", "response_0": "7", "response_1": "6", "preference": 1},
    ]
    for rows in (ids, zero):
        read = load_bytes(_jsonl(*rows), "p.jsonl")
        assert [r["chosen"][0]["content"] for r in read.rows] == ["4", "6"], read.errors
    # Other values: the column is a guess (a strength? which way?): read in no row, each named, one warning
    strengths = [*ids, {"prompt": "4+4?", "response_1": "9", "response_2": "8", "preference": -2}]
    read = pytest.raises(DataError, load_bytes, _jsonl(*strengths), "s.jsonl").value
    assert "line 1: `preference` is 1 here and -2 in another row: a column of that name is read only as" in str(read)
    mixed = [*strengths, {"prompt": "Hi", "chosen": "Hello.", "rejected": "Go away."}]
    read = load_bytes(_jsonl(*mixed), "m.jsonl")
    assert len(read.rows) == 1 and [e.row for e in read.errors] == [1, 2, 3]
    assert read.errors[2].message.startswith(
        "`preference` is -2: a column of that name is read only as the "
        "preferred answer's number, 1 (`response_1`) or 2 (`response_2`)"
    )
    (warned,) = [n.message for n in read.notices if n.message.startswith("`preference` is not read")]
    assert "(3 rows judged by it)" in warned and "(-2, for one)" in warned, warned
    path = tmp_path / "m.jsonl"
    path.write_bytes(_jsonl(*mixed))
    seen = _cli("data", "inspect", str(path), tmp=tmp_path)
    assert seen.returncode == 0 and "`preference` is not read (3 rows judged by it)" in seen.stdout + seen.stderr


@pytest.mark.usefixtures(_allowed_data_dirs.__name__)  # the path box reads this test's tmp_path
def test_the_data_pages_split_writes_its_warnings_in_meta_json_as_data_split_does(tmp_path):
    """The page's Save wrote meta.json with `warnings` of the file alone and no `split_warnings`, while `data split`
    of the same file and settings counted and kept them: one engine function writes both (split_lines.counted_meta)."""
    from ftlib import workspace

    data = [{"prompt": f"Q{i}?", "chosen": f"Good {i}.", "rejected": f"Bad {i}."} for i in range(8)]
    path = write_jsonl(tmp_path / "pairs.jsonl", data)
    at = with_path(data_page(), path)
    at.radio(key="split_mode").set_value("rows").run()
    at.number_input(key="split_count").set_value(1).run()
    at.text_input(key="split_name").input("page").run()
    at.button(key="split_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    page = workspace.load_split("page")[2]
    out = tmp_path / "cli"
    done = _cli("data", "split", str(path), "--test-size", "1", "--seed", "0", "--out", str(out), tmp=tmp_path)
    assert done.returncode == 0, done.stderr
    cli = json.loads((out / "meta.json").read_text())
    assert [w.split(".")[0] for w in page["split_warnings"]] == ["Only 7 training pairs", "Only 1 held-out pair"]
    assert (page["split_warnings"], page["warnings"]) == (cli["split_warnings"], cli["warnings"])
