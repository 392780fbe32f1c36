"""A prompt whose rows crowd a part of a split is said, as one row's copies are (`splits.crowded_warnings`): a split
keeps a prompt's rows on one side (`split_rows`), so a file where one question is answered 40 times in 48 rows trains
mostly on that question, and nothing said so (`splits.crowded_prompt_warnings`). Exact copies are said once, by the
copies' warning."""

from __future__ import annotations

import json
from pathlib import Path

from ftlib.cli import main
from ftlib.splits import crowded_prompt_warnings, split_rows, split_warnings


def turn(role: str, text: str) -> list[dict]:
    return [{"role": role, "content": text}]


def pair(question: str, i: int) -> dict:
    return {
        "prompt": turn("user", question),
        "chosen": turn("assistant", f"Good {i}."),
        "rejected": turn("assistant", f"Bad {i}."),
    }


def crowded_file() -> list[dict]:
    """One prompt holding 40 of 48 pairs: 40 answers to one question, 8 other questions."""
    return [pair("What is the capital of France?", i) for i in range(40)] + [pair(f"Q{i}?", i) for i in range(8)]


def test_a_prompt_holding_40_of_48_rows_is_said_by_split_warnings():
    train, test = split_rows(crowded_file(), test_size=0.1, seed=0)
    assert (len(train), len(test)) == (43, 5)  # the 40 cannot be held out: they train, with 3 others
    said = [w for w in split_warnings(len(train), len(test), "preference", train, test) if "one prompt" in w]
    assert said == [
        '40 of the 43 training rows answer one prompt ("What is the capital of France?"): a run would spend that '
        "share of its steps on one question. Add rows that ask other questions."
    ]


def test_data_split_says_the_crowding_prompt(tmp_path: Path, capsys):
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in crowded_file()))
    assert main(["data", "split", str(path), "--seed", "0", "--out", str(tmp_path / "split")]) == 0
    printed = capsys.readouterr().err  # warnings on stderr
    assert printed.count("training rows answer one prompt") == 1
    assert "warning: 40 of the 43 training rows answer one prompt" in printed


def test_a_held_out_part_crowded_by_one_prompt_says_what_the_numbers_judge():
    test = [
        pair("Long question, with a long tail that the warning cuts short at sixty characters?", i) for i in range(4)
    ]
    said = crowded_prompt_warnings([pair(f"Q{i}?", i) for i in range(30)], test + [pair("Other?", 0)], "preference")
    assert said == [
        '4 of the 5 held-out rows answer one prompt ("Long question, with a long tail that the warning cuts sh...): '
        "the held-out numbers would mostly judge answers to one question. Add rows that ask other questions."
    ]


def test_a_prompt_crowding_by_exact_copies_is_said_once_by_the_copies_warning():
    rows = [pair("What is the capital of France?", 0)] * 40 + [pair(f"Q{i}?", i) for i in range(8)]
    train, test = split_rows(rows, test_size=0.1, seed=0)
    warned = split_warnings(len(train), len(test), "preference", train, test)
    assert any("are copies of one row" in w for w in warned)
    assert not any("one prompt" in w for w in warned)


def test_a_prompt_under_the_share_or_of_two_rows_is_not_said():
    spread = [pair(f"Q{i // 2}?", i) for i in range(40)]  # 20 prompts of 2 pairs: none crowds
    assert crowded_prompt_warnings(spread[:30], spread[30:], "preference") == []
    assert crowded_prompt_warnings([pair("Q?", 0), pair("Q?", 1)], [pair("R?", 0)], "preference") == []


def test_a_usual_preference_file_of_a_few_pairs_per_prompt_is_not_said_to_be_crowded():
    """3 or 4 pairs to each prompt is how preference files are published: 3 of 18 held-out pairs to one prompt is no
    "mostly one question" (it was said at a tenth of a part, the copies' share)."""
    for n_prompts, per_prompt in ((10, 4), (12, 3), (30, 3)):
        rows = [pair(f"Q{i}?", i * 10 + j) for i in range(n_prompts) for j in range(per_prompt)]
        for seed in range(3):
            train, test = split_rows(rows, test_size=0.2, seed=seed)
            assert crowded_prompt_warnings(train, test, "preference") == [], (n_prompts, per_prompt, seed)
