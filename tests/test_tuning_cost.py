"""What fine-tuning cost: forgetting on the shipped general prompts (agreeing with transformers' own loss), distinct
word pairs over sampled answers (distinct-2), the plain sentences, and the general prompts themselves."""

from __future__ import annotations

import pytest
import torch

from ftlib import evaluate as E
from ftlib import tuning_cost as C
from ftlib.demo_data import SAMPLES, general_rows
from ftlib.models import load_model
from ftlib.sampling import GREEDY

# The seed of this module's `varied_dir` (tests/conftest.py), kept from when it built its own.
VARIED_SEED = 2


def test_the_general_prompts_are_plain_and_unrelated_to_every_training_sample():
    rows = general_rows()
    assert len(rows) >= 20
    questions = [E.conversation(r)[-2]["content"] for r in rows]
    assert len(set(questions)) == len(questions)
    seen = set()
    for sample in SAMPLES.values():
        if sample.path.suffix == ".jsonl":
            seen |= set(sample.path.read_text(encoding="utf-8").split('"'))
    assert not set(questions) & seen, "a general prompt also appears in a training sample"
    assert not any(E.conversation(r)[-1]["content"].startswith("Ahoy") for r in rows)  # no trained style


@pytest.mark.parametrize(
    "texts, expected",
    [
        (["a b c", "a b d"], 0.75),
        (["the same answer", "the same answer", "the same answer"], 2 / 6),
        (["One, two; three!", "one two three"], 2 / 4),  # punctuation and case do not make pairs differ
        (["word"], None),  # no pair at all
        (["Don't stop", "don't stop"], 0.5),
    ],
)
def test_distinct_pairs_count_different_word_pairs_over_all_answers(texts, expected):
    assert C.distinct_pairs(texts) == expected


def test_forgetting_is_the_token_weighted_loss_transformers_computes(model_set, varied_dir):
    rows = general_rows()[:3]
    tuned = model_set.names[1]
    result = C.forgetting(model_set, tuned, rows)
    base = load_model(str(varied_dir), device="cpu").eval()
    total, tokens = 0.0, 0
    for row in rows:
        ref = E.encode_reference(E.conversation(row), model_set.tokenizer)
        n = sum(label != -100 for label in ref.labels)
        with torch.no_grad():
            loss = base(input_ids=torch.tensor([ref.input_ids]), labels=torch.tensor([ref.labels])).loss.item()
        total, tokens = total + loss * n, tokens + n
    assert result.base_loss == pytest.approx(total / tokens, rel=1e-4)
    assert result.tokens == tokens and result.rows == 3
    assert abs(result.tuned_loss - result.base_loss) > 1e-3  # the adapter really changes the scores


def test_diversity_is_low_for_greedy_answers_and_reproducible_for_sampled_ones(model_set):
    tuned = model_set.names[1]
    prompts = [E.conversation(r)[:-1] for r in general_rows()[:2]]
    greedy = C.diversity(model_set, tuned, prompts, samples=3, max_new_tokens=8, setting=GREEDY)
    for _, base_answers, tuned_answers in greedy.answers:
        assert len(set(base_answers)) == 1 and len(set(tuned_answers)) == 1  # greedy says the same thing each time
    one = C.distinct_pairs(greedy.answers[0][1][:1])
    assert greedy.answers[0][1][0].strip() and one is not None
    sampled = C.diversity(model_set, tuned, prompts, samples=3, max_new_tokens=8)
    again = C.diversity(model_set, tuned, prompts, samples=3, max_new_tokens=8)
    assert sampled == again  # the same seeds, the same answers
    assert sampled.base > greedy.base and sampled.tuned > greedy.tuned
    assert all(len(set(base_answers)) > 1 for _, base_answers, _ in sampled.answers)


@pytest.mark.parametrize(
    "base, tuned, words",
    [(2.0, 2.4, "forgotten some"), (2.0, 2.02, "about as likely"), (2.0, 1.7, "nothing was forgotten")],
)
def test_the_forgetting_sentence_says_what_the_numbers_mean(base, tuned, words):
    sentence = C.Forgetting(base, tuned, rows=24, tokens=400).sentence()
    assert words in sentence and f"{base:.2f} → {tuned:.2f}" in sentence


# (id, base loss, tuned loss, the grade said): relative to the base loss, under 5% small, 5-20% noticeable, else large.
GRADED = [
    ("small", 2.0, 2.08, "a small rise (+4%)"),
    ("noticeable", 2.0, 2.24, "a noticeable rise (+12%)"),
    ("large, the walk's", 2.26, 2.99, "a large rise (+32%)"),
    ("just over 20%", 2.0, 2.42, "a large rise (+21%)"),
]


@pytest.mark.parametrize("base, tuned, said", [c[1:] for c in GRADED], ids=[c[0] for c in GRADED])
def test_a_rise_in_everyday_loss_is_graded_in_words(base, tuned, said):
    sentence = C.Forgetting(base, tuned, rows=24, tokens=400).sentence()
    assert said in sentence and f"{base:.2f} → {tuned:.2f}" in sentence
    assert ("nothing needs changing" in sentence) == said.startswith("a small")
    assert "5%" in C.GRADE_HELP and "20%" in C.GRADE_HELP  # the thresholds, said where the number is shown


def tuned_with(**settings) -> C.TunedWith:
    from ftlib.config import RunConfig

    return C.TunedWith.from_config(RunConfig(dataset="x", **settings), steps=30)


# (id, the run's settings, advice it must get, advice it must not get)
ADVICE = [
    (
        "LoRA",
        {"method": "lora"},
        [
            "fewer steps (this run trained 30)",
            "lower LoRA rank (this run used 16; try 8)",
            "this run used 0.002; try 0.001",
            "everyday conversations mixed into",
        ],
        ["LoRA instead"],
    ),
    (
        "LoRA, rate far above the usual",
        {"method": "lora", "learning_rate": 0.5},
        ["this run used 0.5, above the usual 0.002"],
        ["LoRA instead"],
    ),
    ("LoRA at rank 4", {"method": "lora", "lora_r": 4}, ["fewer steps"], ["LoRA rank", "LoRA instead"]),
    (
        "full",
        {"method": "full"},
        ["LoRA instead of full fine-tuning", "this run used 0.00005; try 0.000025"],
        ["LoRA rank", "beta"],
    ),
    (
        "DPO on LoRA",
        {"method": "dpo", "tuning": "lora", "beta": 0.2},
        ["higher beta (this run used 0.2", "lower LoRA rank"],
        ["LoRA instead"],
    ),
    ("DPO on all weights", {"method": "dpo", "tuning": "full"}, ["LoRA instead", "higher beta"], ["LoRA rank"]),
]


@pytest.mark.parametrize("settings, said, unsaid", [c[1:] for c in ADVICE], ids=[c[0] for c in ADVICE])
def test_the_advice_for_a_rise_fits_the_runs_method_and_settings(settings, said, unsaid):
    sentence = C.Forgetting(2.26, 2.99, rows=24, tokens=400).sentence(tuned_with(**settings))
    assert sentence.count("train again with") == 1
    for words in said:
        assert words in sentence
    for words in unsaid:
        assert words not in sentence


def test_the_runs_settings_are_read_from_its_folder(tmp_path):
    from ftlib.testing import make_run

    config = {"dataset": "x", "method": "lora", "lora_r": 32, "learning_rate": 1e-3}
    steps = [{"kind": "train", "step": s, "loss": 1.0} for s in (1, 2, 3)]
    run = make_run("20260101-000000-lora-x", config, metrics=steps, root=tmp_path)
    assert C.TunedWith.from_run(run.path) == C.TunedWith("lora", "lora", 1e-3, 3, 32, 0.1)
    assert C.TunedWith.from_run(tmp_path / "nothing-here") is None  # the advice stays generic


@pytest.mark.parametrize(
    "base, tuned, words", [(0.8, 0.5, "more alike"), (0.8, 0.79, "about as much"), (0.5, 0.8, "vary more")]
)
def test_the_diversity_sentence_says_what_the_numbers_mean(base, tuned, words):
    said = C.Diversity(base, tuned, questions=8, samples=4).sentence()
    assert words in said
    # A cold review: a tuned model writing noise read "vary more", as if a gain.
    assert ("not better in itself" in said) == (words == "vary more")


def test_the_job_runs_both_in_the_background(model_set):
    job = C.CostJob(model_set, model_set.names[1], questions=1, samples=2, max_new_tokens=4).start()
    assert job.wait(timeout=300) and job.error is None, job.error
    assert job.result.forgetting.rows == len(general_rows()) and job.result.diversity.questions == 1
    assert len(job.result.sentences()) == 2


@pytest.mark.parametrize("base, tuned", [(2.0, 2.4), (2.0, 1.7)], ids=["a rise", "a fall"])
def test_the_forgetting_sentence_names_the_base_it_is_given(base, tuned):
    """A base the studio fine-tuned goes by its short name ("r7/merged"), as the Evaluate page's numbers name it."""
    lost = C.Forgetting(base, tuned, rows=24, tokens=400)
    said = lost.sentence(base_name="r7/merged")
    assert "likely than r7/merged did (loss" in said and "base model" not in said, said
    assert "likely than the base model did (loss" in lost.sentence()  # a model as published, as before


@pytest.mark.parametrize("base, tuned", [(0.8, 0.5), (0.8, 0.79), (0.5, 0.8)], ids=["alike", "same", "vary"])
def test_the_diversity_sentence_names_the_base_it_is_given(base, tuned):
    varied = C.Diversity(base, tuned, questions=8, samples=4)
    said = varied.sentence("r7/merged")
    assert f"{base:.0%} of the word pairs differ for r7/merged," in said and "base model" not in said, said
    assert "differ for the base model," in varied.sentence()
    cost = C.TuningCost(C.Forgetting(2.0, 2.4, rows=24, tokens=400), varied)
    assert cost.sentences(base_name="r7/merged") == [cost.forgetting.sentence(None, "r7/merged"), said]
