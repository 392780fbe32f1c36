"""A prompt pasted twice with other whitespace (a trailing space, a doubled space, a newline at its end) is one prompt
to a reader, so a split keeps its rows on one side as it keeps Unicode NFC/NFD variants (helper 51's cold try: a
prompt/completion file's "... café?" and "... café? " answers went to both sides); the warning on one prompt with
several answers reads without a stray "each"."""

from __future__ import annotations

import json
import unicodedata

from ftlib.data import load_bytes
from ftlib.splits import prompt_groups, prompt_key, prompt_warnings, split_rows


def turn(text: str, role: str = "user") -> list[dict]:
    return [{"role": role, "content": text}]


def test_prompts_that_differ_only_in_whitespace_are_one_prompt():
    def pair(q, a):
        return {"prompt": turn(q), "chosen": turn(a, "assistant"), "rejected": turn("no", "assistant")}

    assert prompt_key(pair("What is a comet?", "Ice.")) == prompt_key(pair("  What is  a comet?\n", "Dust."))
    assert prompt_key(pair("What is a comet?", "Ice.")) != prompt_key(pair("What is a planet?", "Ice."))
    # The rows themselves are kept as written: only the key is compared so.
    assert pair("What is a comet? ", "x")["prompt"][0]["content"].endswith(" ")


def test_a_prompt_completion_file_with_spacing_and_accent_variants_splits_each_prompt_to_one_side():
    lines = []
    for i in range(12):
        question = f"Qu'est-ce que le café numéro {i}?"
        lines += [
            {"prompt": unicodedata.normalize("NFC", question), "completion": f"A {i}."},
            {"prompt": unicodedata.normalize("NFD", question), "completion": f"B {i}."},
            {"prompt": question + " ", "completion": f"C {i}."},
        ]
    result = load_bytes("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines).encode(), "qa.jsonl")
    assert sorted(len(g) for g in prompt_groups(result.rows)) == [3] * 12
    for seed in range(4):
        train, test = split_rows(result.rows, test_size=6, seed=seed)
        asked = [{unicodedata.normalize("NFC", r["messages"][0]["content"]).strip() for r in p} for p in (train, test)]
        assert not asked[0] & asked[1] and len(test) == 6


def test_one_prompt_with_several_answers_is_said_without_each():
    def chat(q, a):
        return {"messages": turn(q) + turn(a, "assistant")}

    rows = [chat("Write a haiku.", f"Haiku {i}") for i in range(3)] + [chat(f"Name {i}.", "x") for i in range(4)]
    said = prompt_warnings(rows[:5], rows[5:], "sft")
    assert said[0].startswith("1 prompt has several answers: each prompt's rows are kept on one side")
