"""Where every prompt has more rows than the test split asked, `split_rows` holds out one whole prompt (its fallback):
a file of two prompts of 500 pairs, 100 asked, holds out 500. `prompt_warnings` said the test split "may hold a few
rows more or fewer than asked"; it now says the size it holds."""

from __future__ import annotations

from ftlib.prompt_groups import prompt_warnings
from ftlib.splits import split_rows, split_warnings


def turn(role: str, text: str) -> list[dict]:
    return [{"role": role, "content": text}]


def pairs(n_prompts: int, per_prompt: int) -> list[dict]:
    return [
        {
            "prompt": turn("user", f"Q{i}?"),
            "chosen": turn("assistant", f"Good {j}."),
            "rejected": turn("assistant", ""),
        }
        for i in range(n_prompts)
        for j in range(per_prompt)
    ]


def test_a_test_split_of_one_whole_prompt_larger_than_asked_says_its_size():
    train, test = split_rows(pairs(2, 500), test_size=100, seed=0)
    assert (len(train), len(test)) == (500, 500)
    said = [w for w in split_warnings(len(train), len(test), "preference", train, test) if "have several" in w]
    assert said == [
        "2 prompts have several pairs each: each prompt's rows are kept on one side of the split, so no held-out "
        'prompt is trained on, and the test split holds one whole prompt ("Q0?"), its 500 pairs (no prompt has '
        "fewer): the held-out numbers judge answers to that one question."
    ]
    assert not any("a few rows more or fewer" in w for w in said)


def test_the_common_wording_stays_where_several_prompts_are_held_out():
    rows = pairs(12, 3)
    train, test = split_rows(rows, test_size=8, seed=0)
    [said] = prompt_warnings(train, test, "preference")
    assert said.endswith("and the test split may hold a few rows more or fewer than asked.")
    # one prompt held out beside smaller ones in train: that is not the fallback, the common wording is kept
    rows = pairs(1, 4) + pairs(3, 2)[2:]
    [said] = prompt_warnings(rows[4:], rows[:4], "preference")
    assert said.endswith("and the test split may hold a few rows more or fewer than asked.")
