"""Numbers are content (ftlib/near_duplicates.py, `same_numbers`): a GRPO prompts file of 24 word problems that
differ only in their numbers was grouped as prompts that "nearly repeat" one another, sets of 6 kept on one side, so
the split held out more than asked and warned of reworded prompts; on a GSM8K-like file of 2,000 problems, 99 sets
of unrelated problems. Two prompts whose words match but whose numbers differ are two problems (their answers
differ); a question asked again with a word changed, extra whitespace or other casing is still one."""

from __future__ import annotations

import json
import random

import pytest

from ftlib.cli import main
from ftlib.near_duplicates import near_groups, near_pairs
from ftlib.prompt_groups import prompt_groups

INSTRUCTION = "Solve the problem and give only the final number as your answer."
TEMPLATES = [
    "A farmer has {a} cows and buys {b} more. How many cows does the farmer have now?",
    "A train goes {a} miles per hour for {b} hours. How far does the train go in that time?",
    "Sara had {a}.5 dollars and spent {b} dollars on lunch. How much money does Sara have left?",
    "A box holds {a} pens. How many pens are there in {b} boxes of the same size?",
]
WORD = TEMPLATES[0].format(a=12, b=7)

# (id, prompt, another prompt, whether they are one question)
CASES = [
    ("one number changed", WORD, TEMPLATES[0].format(a=15, b=7), False),
    ("two numbers swapped", WORD, TEMPLATES[0].format(a=7, b=12), False),
    (
        "a decimal changed",
        "Sara had 3.5 dollars and spent 2 dollars on lunch. How much does she have left?",
        "Sara had 3.75 dollars and spent 2 dollars on lunch. How much does she have left?",
        False,
    ),
    (
        "a long instruction, the sum changed",
        f"{INSTRUCTION} What is 4 + 10?",
        f"{INSTRUCTION} What is 16 + 10?",
        False,
    ),
    ("short, the sum changed", "What is 4 + 10?", "What is 16 + 10?", False),
    (
        "a year changed",
        "Explain why the year 1969 mattered for the space race between the two superpowers.",
        "Explain why the year 1957 mattered for the space race between the two superpowers.",
        False,
    ),
    ("a word changed", WORD, WORD.replace("How many", "How many total"), True),
    ("extra whitespace", WORD, WORD.replace(" ", "  ").replace("cows and", "cows\n and"), True),
    ("other casing", WORD, WORD.upper(), True),
    ("short, casing and spacing", "What is 4 + 10?", "what is 4+10", True),
    (
        "one value written otherwise",
        "A shop sells 1,000 pens at 2.50 dollars each. What do the pens cost in total?",
        "A shop sells 1000 pens at 2.5 dollars each. What do the pens cost in total?",
        True,
    ),
    ("a tag after the question", WORD + " (asked 2x, variant 12)", WORD + " (asked 3x, variant 7)", True),
]


@pytest.mark.parametrize("a, b, same", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_prompts_whose_numbers_differ_are_two_problems(a, b, same):
    assert near_pairs([a, b]) == ([(0, 1)] if same else [])
    assert near_pairs([b, a]) == ([(0, 1)] if same else [])


def test_numbers_are_read_as_values_less_a_copys_tag():
    from ftlib.near_duplicates import numbers

    assert numbers("It costs 2.50, or 1,000.0 for 400. (variant 12)") == ["2.5", "1000", "400"]
    assert numbers("What is 3.5 + 2?") != numbers("What is 3 5 + 2?")


def grpo_file(path, n: int, seed: int) -> list[dict]:
    """`n` GRPO rows (prompt + answer) of the templates above, each with numbers of its own."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        a, b = rng.randint(2, 999), rng.randint(2, 99)
        rows.append({"prompt": f"{INSTRUCTION} {TEMPLATES[i % len(TEMPLATES)].format(a=a, b=b)}", "answer": str(a)})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return rows


def test_a_grpo_file_of_24_problems_is_split_as_asked_without_near_repeats(tmp_path, capsys):
    """Before: 4 sets of 6 problems, 6 held out where 5 were asked, and a warning naming two unrelated problems."""
    grpo_file(tmp_path / "grpo.jsonl", 24, 3)
    for seed in range(4):
        out = tmp_path / f"o{seed}"
        argv = ["data", "split", str(tmp_path / "grpo.jsonl"), "--test-size", "5", "--seed", str(seed)]
        assert main([*argv, "--out", str(out)]) == 0
        assert "nearly" not in capsys.readouterr().err
        assert len((out / "test.jsonl").read_text().splitlines()) == 5


def test_a_gsm8k_like_file_groups_only_its_true_near_repeats(tmp_path):
    """2,000 problems with different numbers (before: 99 sets of them), and 30 asked again with a word changed,
    extra whitespace or other casing: each of the 30 is grouped with its problem, and nothing else is."""
    rows = grpo_file(tmp_path / "gsm.jsonl", 2000, 5)
    rows = list({r["prompt"]: r for r in rows}.values())  # no exact copies: a copy is prompt_groups'
    rng = random.Random(1)
    asked = rng.sample(range(len(rows)), 30)
    for k, i in enumerate(asked):
        p = rows[i]["prompt"]
        changed = [p.upper(), p.replace(" ", "   ", 4), p.replace("How many", "How many in all", 1)][k % 3]
        rows.append({"prompt": changed.replace("How far", "How far in all", 1), "answer": rows[i]["answer"]})
    merged = [g for g in near_groups(rows, prompt_groups(rows)) if len(g) > 1]
    n = len(rows) - 30
    assert sorted(merged) == sorted([i, n + k] for k, i in enumerate(asked))
