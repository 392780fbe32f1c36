"""A small split of few prompts said one fact three times: 10 prompts of 4 pairs with 4 asked warned "Only 4 held-out
pairs ...", "4 of the 4 held-out rows answer one prompt ..." and "... the test split holds one whole prompt, its 4
pairs (no prompt has fewer)". Where the test split is one whole prompt (`whole_prompt_held_out`), the held-out
crowded-prompt warning is not said (the prompt warning says what the held-out numbers judge), and where it is too
small too, the too-few-held-out warning says why and how to hold out more; the training side's are unchanged."""

from __future__ import annotations

import json
from pathlib import Path

from ftlib.cli import main
from ftlib.splits import prompt_warnings, split_rows, split_warnings


def turn(role: str, text: str) -> list[dict]:
    return [{"role": role, "content": text}]


def pairs(n_prompts: int, per_prompt: int) -> list[dict]:
    return [
        {
            "prompt": turn("user", f"Q{i}?"),
            "chosen": turn("assistant", f"Good {j}."),
            "rejected": turn("assistant", "No."),
        }
        for i in range(n_prompts)
        for j in range(per_prompt)
    ]


def chat(question: str, answer: str) -> dict:
    return {"messages": turn("user", question) + turn("assistant", answer)}


def test_ten_prompts_of_four_pairs_with_four_asked_say_the_one_prompt_once():
    train, test = split_rows(pairs(10, 4), test_size=4, seed=0)
    assert (len(train), len(test)) == (36, 4)
    shown = f'"{test[0]["prompt"][0]["content"]}"'
    assert split_warnings(len(train), len(test), "preference", train, test) == [
        f"Only 4 held-out pairs, all answers to one prompt ({shown}): the split holds out whole prompts, and none has "
        "fewer than 4 pairs. A run's held-out loss is measured on them alone, so it jumps with each "
        "example and says little about new data, and Evaluate looks at only 4 pairs. Keep at least 5 held out: ask "
        "for the pairs of 2 prompts or more.",
        "10 prompts have several pairs each: each prompt's rows are kept on one side of the split, so no held-out "
        "prompt is trained on.",
    ]
    # the advice holds: asking for 2 prompts' pairs holds out 8, and nothing is said of a too small test split
    train, test = split_rows(pairs(10, 4), test_size=8, seed=0)
    assert len(test) == 8 and not any(w.startswith("Only") for w in split_warnings(32, 8, "preference", train, test))


def test_prompts_of_two_pairs_ask_for_three_prompts():
    train, test = split_rows(pairs(12, 2), test_size=2, seed=0)
    said = split_warnings(len(train), len(test), "preference", train, test)
    assert said[0].endswith(
        "none has fewer than 2 pairs. A run's held-out loss is measured on them alone, so it jumps with "
        "each example and says little about new data, and Evaluate looks at only 2 pairs. Keep at least 5 held out: "
        "ask for the pairs of 3 prompts or more."
    )
    assert len(said) == 2 and not any("held-out rows answer one prompt" in w for w in said)


def test_a_large_test_split_of_one_whole_prompt_says_what_it_judges_without_the_crowded_warning():
    rows = [chat(f"Topic {q}?", f"Reply {a}.") for q in range(3) for a in range(6 + q)]  # 6, 7 and 8 answers
    train, test = split_rows(rows, test_size=3, seed=0)
    assert (len(train), len(test)) == (15, 6)
    said = split_warnings(len(train), len(test), "sft", train, test)
    assert [w.split(":")[0] for w in said] == [
        "Only 15 training rows. A run shows the model these few examples over and over",  # unchanged
        '8 of the 15 training rows answer one prompt ("Topic 2?")',  # unchanged
        "3 prompts have several answers each",
    ]
    assert said[2].endswith(
        'and the test split holds one whole prompt ("Topic 0?"), its 6 answers (no prompt has fewer): the held-out '
        "numbers judge answers to that one question."
    )


def test_a_test_split_of_one_prompt_among_smaller_ones_keeps_its_crowded_warning():
    """Not split_rows' fallback (a training prompt has fewer rows): the crowded-prompt warning is said as before."""
    rows = pairs(1, 4) + pairs(13, 2)[2:]  # Q0's 4 pairs held out, 12 prompts of 2 pairs in train
    said = split_warnings(len(rows) - 4, 4, "preference", rows[4:], rows[:4])
    assert said[0].startswith("Only 4 held-out pairs. A run's held-out loss")
    assert any(w.startswith('4 of the 4 held-out rows answer one prompt ("Q0?")') for w in said)
    assert prompt_warnings(rows[4:], rows[:4], "preference")[0].endswith("a few rows more or fewer than asked.")


def test_data_split_says_the_one_prompt_once(tmp_path: Path, capsys):
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in pairs(10, 4)))
    assert main(["data", "split", str(path), "--test-size", "4", "--out", str(tmp_path / "split")]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2 and warnings[0].startswith("warning: Only 4 held-out pairs, all answers to one prompt")
    assert sum("one prompt" in w for w in warnings) == 1
