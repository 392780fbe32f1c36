"""A split that holds out far more rows than asked says so (h245's CLI walk): an Alpaca file of two instructions
filled with 20 numbers each was two sets of nearly repeating prompts, each kept whole on one side, so the default
share (6 rows) held out 20, half the file, and only "each set is kept on one side" was said. Numbers are content now
(near_duplicates.same_numbers, helper 279): the sets here are two questions each asked 20 times with a copy's tag."""

from __future__ import annotations

import json

from ftlib.cli import main
from ftlib.splits import count_test_rows, run_test_size, split_rows, split_warnings

ASKS = (
    ("Convert the given amount of kilometres to miles.", "kilometres"),
    ("Convert the given amount of litres to gallons.", "litres"),
)
TOPICS = (
    "Why do tides rise twice a day?",
    "Name a volcano in Iceland.",
    "How long should bread dough proof?",
    "What is castling in chess?",
    "Which string on a violin is lowest?",
    "Where do glaciers form?",
    "Can eggshells go in compost?",
    "Who kept lighthouses lit before electricity?",
    "How do bees make wax?",
    "When was the typewriter invented?",
)


def _rows() -> list[dict]:
    return [
        {"instruction": f"{ask} (asked {n}x)", "input": "", "output": f"{n} {unit} is about {n * 0.6:.1f} of them."}
        for ask, unit in ASKS
        for n in range(3, 23)
    ]


def test_half_the_file_held_out_is_said_with_the_count_asked(tmp_path, capsys):
    path = tmp_path / "units.json"
    path.write_text(json.dumps(_rows()))
    assert main(["data", "split", str(path), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr()
    said = err.out + err.err
    asked = count_test_rows(40, run_test_size(None, 40))
    assert f"20 rows held out where {asked} were asked (half the file)" in said, said
    assert "a run trains on 20 only" in said


def test_a_few_more_than_asked_is_the_splits_rounding_and_not_said():
    # 10 prompts of 3 pairs each: 5 asked gives 6 (two prompts), as split_rows' docstring says; no warning for it.
    rows = [
        {
            "prompt": [{"role": "user", "content": topic}],
            "chosen": [{"role": "assistant", "content": f"A careful answer {j}."}],
            "rejected": [{"role": "assistant", "content": f"No idea {j}."}],
        }
        for topic in TOPICS
        for j in range(3)
    ]
    train, test = split_rows(rows, test_size=5, seed=0)
    assert len(test) == 6
    words = split_warnings(len(train), len(test), "preference", train, test, asked=count_test_rows(len(rows), 5))
    assert not [w for w in words if "were asked" in w], words


def test_train_says_it_of_the_split_it_draws(tmp_path, capsys, tiny_model_dir, no_training):
    from tests.test_cli_train_data import SMALL, warnings_of

    path = tmp_path / "units.json"
    path.write_text(json.dumps(_rows()))
    assert main(["train", "--model", str(tiny_model_dir), "--dataset", str(path), *SMALL, "--detach"]) == 0
    (said,) = [w for w in warnings_of(capsys.readouterr().err) if "were asked" in w]
    assert said.startswith(
        f"warning: 20 rows held out where {count_test_rows(40, run_test_size(None, 40))} were asked (half the file)"
    )


def test_the_rule_says_twice_as_many_and_three_more():
    from ftlib.splits import held_out_over

    assert held_out_over(4, 20, 20) and held_out_over(4, 33, 7) is None and held_out_over(2, 36, 4) is None
    assert held_out_over(1, 1, 4).startswith("4 rows held out where 1 was asked (80% of the file)")


def test_the_data_page_says_it_of_the_split_its_save_button_makes(tmp_path):
    from ftlib.file_stamps import file_stamp
    from ui.data_files import split_outcome_cached

    path = tmp_path / "units.json"
    path.write_text(json.dumps(_rows()))
    key = (str(path), file_stamp(str(path)), None, None, "units.json")
    n_train, n_test, warnings = split_outcome_cached(key, False, run_test_size(None, 40), 0)
    assert (n_train, n_test) == (20, 20)
    assert [w for w in warnings if w.startswith(f"20 rows held out where {count_test_rows(40, 0.15)} were asked")]
