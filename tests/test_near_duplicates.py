"""Prompts that nearly repeat another (ftlib/near_duplicates.py): the variants a newcomer's file held (the same
question with a suffix such as "(asked 2x, variant 12)", a word, casing or punctuation changed) landed on both sides
of a split, nothing warned, and Evaluate showed the tuned model "generalising" to questions it had trained on. The
table below is where the threshold comes from: each variant must be caught, each near miss must not."""

from __future__ import annotations

import json
import random

import pytest

from ftlib import splits
from ftlib.cli import main
from ftlib.near_duplicates import near_groups, near_pairs, near_warnings
from ftlib.prompt_groups import prompt_groups, split_groups
from ftlib.splits import prompt_warnings, split_rows, split_warnings

SPIDER = "How many legs does a spider have, and how does that compare with an insect?"  # 15 words
MOON = "Why does the moon look larger near the horizon at night?"  # 11 words
SPACE = "Explain why the year 1969 mattered for the space race between the two superpowers."

# (id, prompt, another prompt, whether they are one question)
CASES = [
    ("suffix", SPIDER, SPIDER + " (asked 2x, variant 12)", True),
    ("suffix on 11 words", MOON, MOON + " (asked 2x, variant 12)", True),
    ("two suffixes", SPIDER + " (asked 3x, variant 7)", SPIDER + " (asked 2x, variant 12)", True),
    # Numbers are content (helper 279): a year or a number changed is another question, with another answer.
    ("a year changed", SPACE, SPACE.replace("1969", "1957"), False),
    (
        "a number changed",
        "If I have 12 apples and eat 3 how many are left",
        "If I have 15 apples and eat 3 how many are left",
        False,
    ),
    ("a word inflected", SPACE, SPACE.replace("mattered", "matters"), True),
    ("casing", SPIDER, SPIDER.upper(), True),
    ("punctuation", SPIDER, SPIDER.replace(",", "").replace("?", "!!"), True),
    ("casing and a suffix", SPIDER.lower(), SPIDER + " [v2]", True),
    ("short, case and punctuation", "What is 2+2?", "what is 2 + 2", True),
    ("short template", "What is the capital of France?", "What is the capital of Peru?", False),
    ("short, a number changed", "What is 12 times 7?", "What is 13 times 7?", False),
    (
        "two 20-word questions sharing 5 words",
        "Describe how a steam engine converts heat into motion and why early factories in England adopted it so fast",
        "Describe how honey bees tell the hive where flowers are and why scientists were slow to accept it so fast",
        False,
    ),
    (
        "a template, another subject",
        "Write a short poem about the ocean at night for a young child",
        "Write a short poem about the mountains in winter for a young child",
        False,
    ),
    (
        "a template, every number changed",
        "A farmer has 12 cows and buys 7 more. How many cows does the farmer have now?",
        "A farmer has 30 cows and buys 4 more. How many cows does the farmer have now?",
        False,
    ),
    (  # 3 inside 23 and 4 inside 44 kept shingles such as "3 app" and "4 mor": 0.75 before numbers were whole
        "every number changed, each grown by a digit",
        "Tom has 3 apples and buys 4 more. How many apples does Tom have now?",
        "Tom has 23 apples and buys 44 more. How many apples does Tom have now?",
        False,
    ),
    ("a question extended into another", MOON, MOON + " Then explain how the tides follow the moon's phases.", False),
]


def filler(rng: random.Random, n: int) -> list[str]:
    """`n` different questions of 3 to 25 words from a 400-word made-up vocabulary: no two nearly alike."""
    vocab = ["".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(3)) for _ in range(400)]
    return [" ".join(rng.choice(vocab) for _ in range(rng.randint(3, 25))).capitalize() + "?" for _ in range(n)]


@pytest.mark.parametrize("a, b, same", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_variants_are_caught_and_near_misses_are_not(a, b, same):
    assert near_pairs([a, b]) == ([(0, 1)] if same else [])
    # Among 600 other questions too (the LSH buckets then hold more than the pair), either order.
    texts = filler(random.Random(3), 600)
    texts[100], texts[437] = b, a
    assert near_pairs(texts) == ([(100, 437)] if same else [])


def chat(question: str, answer: str = "Sure.") -> dict:
    return {"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]}


def test_exact_copies_are_the_old_paths_and_not_said_twice():
    # A prompt asked twice, word for word, with two answers: prompt_warnings says it, near_warnings does not.
    rows = [chat(SPIDER, "Eight."), chat(SPIDER, "Eight legs.")] + [chat(q) for q in filler(random.Random(1), 40)]
    train, test = split_rows(rows, 0.25, 0)
    groups = split_groups(train, test)
    assert near_warnings(train, test, groups) == []
    assert prompt_warnings(train, test, "sft", groups)
    assert not any("nearly" in w for w in split_warnings(len(train), len(test), "sft", train=train, test=test))


def test_a_held_out_variant_of_a_training_prompt_is_warned_of_with_both_rows_and_the_fix():
    train = [chat(q) for q in filler(random.Random(2), 30)] + [chat(SPIDER)]
    test = [chat("Name a colour?"), chat(SPIDER.upper() + " (asked 2x, variant 12)")]
    said = [w for w in split_warnings(len(train), len(test), "sft", train=train, test=test) if "nearly" in w]
    assert said == [
        '1 held-out prompt nearly repeats a training prompt (held-out row 2, "...DOES THAT COMPARE WITH AN '
        'INSECT? (asked 2x, variant 12)", and training row 31, "...a spider have, and how does that compare with an '
        'insect?"): the same question reworded, with a suffix, a word, casing or punctuation '
        "changed, so the held-out loss and Evaluate would score answers to questions the model trained on. Remove "
        "the variants from the file, or split it here (the Data page's split, `data split`): it keeps nearly equal "
        "prompts on one side."
    ]


def variant_file(seed: int, variants: int) -> list[dict]:
    """A seeded chat file of different questions, some asked twice with two answers, and `variants` of them asked
    again reworded (a suffix, casing, a number), anywhere in the file."""
    rng = random.Random(seed)
    questions = filler(rng, rng.randint(20, 80))
    rows = [chat(q, f"Answer {i}.") for i, q in enumerate(questions)]
    for _ in range(rng.randint(0, 5)):  # a prompt's second answer
        rows.insert(rng.randrange(len(rows) + 1), chat(rng.choice(questions), "Another answer."))
    long = [q for q in questions if len(q.split()) >= 12]
    for i in range(min(variants, len(long))):
        changed = rng.choice([f"{long[i]} (asked 2x, variant {rng.randint(1, 99)})", long[i].upper(), long[i] + " 7"])
        rows.insert(rng.randrange(len(rows) + 1), chat(changed, "A variant's answer."))
    return rows


@pytest.mark.parametrize("seed", range(40))
def test_a_file_without_near_duplicates_is_split_as_before(seed, monkeypatch):
    rows = variant_file(seed, 0)
    rng = random.Random(seed)
    size, split_seed = rng.choice([0.1, 0.25, 3, 7]), rng.randint(0, 5)
    new = split_rows(rows, size, split_seed)
    monkeypatch.setattr(splits, "near_groups", lambda rows, groups: groups)  # the split before this module
    assert new == split_rows(rows, size, split_seed)


@pytest.mark.parametrize("seed", range(20))
def test_near_duplicate_prompts_are_kept_on_one_side(seed):
    rows = variant_file(seed, 4)
    groups = near_groups(rows, prompt_groups(rows))
    merged = [g for g in groups if len({json.dumps(rows[i]["messages"][0]) for i in g}) > 1]
    assert merged, "the file holds variants"
    train, test = split_rows(rows, 0.3, seed)
    held = {id(row) for row in test}
    for group in merged:  # all of a merged group's rows on one side
        assert len({id(rows[i]) in held for i in group}) == 1
    said = split_warnings(len(train), len(test), "sft", train=train, test=test)
    assert not any("held-out prompt nearly" in w for w in said)
    assert sum("of prompts nearly repeat one another" in w for w in said) == 1


def test_data_split_keeps_variants_together_and_says_so_once(tmp_path, capsys):
    questions = filler(random.Random(5), 30)
    rows = [chat(q) for q in questions] + [chat(SPIDER), chat(MOON), chat(SPIDER + " (asked 2x, variant 12)")]
    rows += [chat(MOON.lower() + " (asked 3x, variant 4)")]
    path = tmp_path / "variants.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    for seed in range(4):
        out = tmp_path / f"o{seed}"
        assert main(["data", "split", str(path), "--test-size", "0.3", "--seed", str(seed), "--out", str(out)]) == 0
        printed = capsys.readouterr().err  # warnings on stderr
        said = [line for line in printed.splitlines() if "nearly" in line]
        assert len(said) == 1 and said[0].startswith("warning: 2 sets of prompts nearly repeat one another (")
        test_text = (out / "test.jsonl").read_text().lower()
        train_text = (out / "train.jsonl").read_text().lower()
        for question in (SPIDER, MOON):
            asked = question.lower()[:30]
            assert (asked in test_text) != (asked in train_text)


def test_one_question_with_two_tool_sets_is_two_prompts():
    """prompt_key holds two tool sets apart (the model is asked otherwise): so do near-duplicates."""
    tool = lambda name: [{"type": "function", "function": {"name": name}}]  # noqa: E731
    rows = [chat(SPIDER) | {"tools": tool("f")}, chat(SPIDER + " (asked 2x)") | {"tools": tool("g")}]
    rows += [chat(SPIDER.upper()) | {"tools": tool("f")}]
    assert near_groups(rows, prompt_groups(rows)) == [[0, 2], [1]]


def test_a_shared_system_prompt_does_not_make_short_questions_alike():
    """samples/pirate_prompts.jsonl: one long system prompt before each short question ("What is pi?", "What is
    DNA?") made every pair share most of its shingles; the question is compared, under the same turns before it."""
    system = {"role": "system", "content": "You are a pirate of the seven seas. Start every answer with 'Ahoy!'"}
    asked = lambda q, s=system: {"prompt": [s, {"role": "user", "content": q}]}  # noqa: E731
    rows = [asked("What is pi?"), asked("What is DNA?"), asked(SPIDER), asked(SPIDER + " (asked 2x, variant 12)")]
    rows.append(asked(SPIDER + " (asked 3x)", {"role": "system", "content": "Answer as a teacher would."}))
    assert near_groups(rows, prompt_groups(rows)) == [[0], [1], [2, 3], [4]]


def test_the_data_page_splits_a_file_of_variants_and_says_so_once(tmp_path, monkeypatch):
    """A file with no copies and no prompt asked twice word for word was not split to show its warnings (its sizes
    came from the count asked): its variants need the split itself, which keeps them together and says so."""
    from tests.test_pages_data import data_page, with_path

    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))
    rows = [chat(q) for q in filler(random.Random(8), 40)] + [chat(SPIDER), chat(SPIDER.lower() + " (asked 2x)")]
    path = tmp_path / "variants.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    at = with_path(data_page(), path)
    said = [w.value for w in at.warning if "nearly" in w.value]
    assert len(said) == 1 and said[0].startswith("1 set of prompts nearly repeat one another (")
    at.number_input(key="split_ratio").set_value(0.3).run()
    assert len([w.value for w in at.warning if "nearly" in w.value]) == 1


def test_the_data_pages_split_warnings_say_which_lines_of_the_file_they_name(tmp_path, monkeypatch):
    """A newcomer's walk: the page said "training row 23" of the split it would make, and line 23 of the file was
    another question (the variant was on line 26). The page says where the rows it names are, as a saved split does."""
    from tests.test_pages_data import data_page, with_path

    monkeypatch.setenv("FTLIB_DATA_DIRS", str(tmp_path))
    rows = [chat(q) for q in filler(random.Random(8), 40)] + [chat(SPIDER), chat(SPIDER.lower() + " (asked 2x)")]
    path = tmp_path / "variants.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    at = with_path(data_page(), path)
    [note] = [w.value for w in at.warning if w.value.startswith("The row numbers above count the split's")]
    assert "not the rows of variants.jsonl" in note and "is line 41" in note and "is line 42" in note


def test_each_prompt_is_read_once_as_its_question_and_context():
    from ftlib.near_duplicates import _questions, prompt_context, prompt_text

    system = {"role": "system", "content": "Be brief."}
    rows = [chat(SPIDER), {"messages": [system, *chat("Hi")["messages"]]}, {"text": "raw"}, {"prompt": "2+2?"}]
    rows.append(chat("Call f.") | {"tools": [{"type": "function", "function": {"name": "f"}}]})
    texts, context = _questions(rows)
    assert texts == [prompt_text(r) for r in rows]
    assert [context(i) for i in range(len(rows))] == [prompt_context(r) for r in rows]


def test_a_published_test_file_that_rewords_training_prompts_is_warned_of_by_line(tmp_path, capsys):
    """The data's own test split (`data split --test-file`) is kept as published: its variants of training prompts
    are named, by each file's line, with the fix in the training file."""
    train = [chat(q) for q in filler(random.Random(9), 12)] + [chat(SPIDER)]
    test = [chat("Name a colour?"), chat(SPIDER.upper() + " (asked 2x, variant 12)"), chat(SPIDER + "!")]
    for name, rows in (("train.jsonl", train), ("test.jsonl", test)):
        (tmp_path / name).write_text("".join(json.dumps(r) + "\n" for r in rows))
    argv = ["data", "split", str(tmp_path / "train.jsonl"), "--test-file", str(tmp_path / "test.jsonl")]
    assert main([*argv, "--out", str(tmp_path / "o")]) == 0
    printed = capsys.readouterr().err.replace(f"{tmp_path}/", "")  # the CLI names the files by their paths
    said = [line for line in printed.splitlines() if "nearly" in line]
    assert said == [
        'warning: 2 prompts of test.jsonl nearly repeat a prompt of train.jsonl (line 2, "...DOES THAT COMPARE '
        'WITH AN INSECT? (asked 2x, variant 12)", and line 13, "...a spider have, and how does that compare with '
        'an insect?"): the same question reworded (a suffix, a word, casing or punctuation changed), so the '
        "held-out loss and Evaluate would score answers to questions the model trained on. Take the variants out of "
        "train.jsonl; the test rows are kept as published."
    ]


def test_one_templates_prompts_are_not_variants_but_a_question_asked_15_times_is():
    """A long instruction with a short slot makes each prompt nearly every other (0.75 and more), as variants are: a
    set of more than 20 such prompts (or 1% of a file's) is a template's, not one question's."""
    rng = random.Random(4)
    words = "good bad phone battery screen love hate works broke fine great awful slow fast".split()
    instruction = "You are a careful assistant. Classify the sentiment of this product review as positive or negative."
    reviews = [f"{instruction} Review: {' '.join(rng.choice(words) for _ in range(4))}" for _ in range(30)]
    # Five share 0.75 of their shingles and more, as variants would, but their reviews' words differ (same_subject,
    # helper 179): of the 30, only two reviews of the same four words, reordered, are nearly one.
    assert near_pairs(reviews[:5] + filler(rng, 15)) == []
    assert near_pairs(reviews) == near_pairs(reviews[:20]) == [(13, 19)]
    asked = [f"{SPIDER} (asked {i}x, variant {i * 7})" for i in range(2, 17)] + reviews
    rows = [chat(q) for q in asked]
    assert near_groups(rows, prompt_groups(rows))[0] == list(range(15))


def test_a_small_file_of_one_template_is_split_without_a_warning(tmp_path, capsys):
    """A newcomer's walk: 20 prompts of one template (a long instruction, a short slot) were one set of variants, which
    no split can keep on one side; `data split` cut it anyway and warned that held-out prompts reworded training
    ones."""
    rng = random.Random(2)
    words = "late lost broken refund invoice login slow crash order parcel".split()
    ask = "You triage support messages. Label this customer message as billing, shipping or technical. Message:"
    rows = [chat(f"{ask} {' '.join(rng.choice(words) for _ in range(5))}") for _ in range(20)]
    path = tmp_path / "triage.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["data", "split", str(path), "--test-size", "0.25", "--out", str(tmp_path / "out")]) == 0
    assert "nearly" not in capsys.readouterr().out
    assert len((tmp_path / "out" / "test.jsonl").read_text().splitlines()) == 5


def test_texts_hashed_a_chunk_at_a_time_find_the_same_pairs(monkeypatch):
    from ftlib import near_duplicates

    texts = [q for seed in range(3) for q in filler(random.Random(seed), 200)]
    texts += [SPIDER, MOON, SPIDER.upper(), MOON + " (asked 2x, variant 3)"]
    texts += [SPACE, SPACE.replace("mattered", "matters")]
    whole = near_pairs(texts)
    assert len(whole) >= 3
    monkeypatch.setattr(near_duplicates, "CHUNK_CHARS", 500)
    assert near_pairs(texts) == whole


def test_the_candidates_shingles_are_hashed_a_chunk_at_a_time_too(monkeypatch):
    """The exact check hashed every candidate's text at once: in a file of one template's long prompts each text is a
    candidate, and 20,000 prompts of 1,000 characters peaked at 1.2 GB (250 MB a chunk at a time)."""
    from ftlib import near_duplicates

    rng = random.Random(6)
    words = "good bad phone battery screen love hate works broke fine great awful slow fast".split()
    instruction = "You are a careful assistant. Classify the sentiment of this product review as positive or negative."
    texts = [f"{instruction} Review: {' '.join(rng.choice(words) for _ in range(6))}" for _ in range(60)]
    texts += [SPIDER, SPIDER + " (asked 2x, variant 12)"]
    whole = near_pairs(texts)
    hashed = []
    shingles = near_duplicates._shingles
    monkeypatch.setattr(near_duplicates, "CHUNK_CHARS", 500)
    monkeypatch.setattr(near_duplicates, "_shingles", lambda part: hashed.append(part) or shingles(part))
    assert near_pairs(texts) == whole and (60, 61) in whole
    assert max(sum(len(t) + 1 for t in part) for part in hashed) <= 501  # each text and its separator
