"""ftlib.model_card: an export's README.md says what the run was (PEFT left an adapter a blank template, and a full or
merged model had no card at all: a cold review)."""

from __future__ import annotations

import os

import pytest

from ftlib.model_card import card_text, write_card
from ftlib.testing import make_run

STEPS = [{"kind": "train", "step": s, "loss": 2.0 / s, "elapsed": float(s)} for s in (1, 2, 3)]


def test_a_full_models_card_is_made_whole_with_the_runs_facts(tmp_path):
    run = make_run("r-full", {"method": "full", "model": "org/base", "dataset": "/d/math.jsonl", "name": "Math"},
                   root=tmp_path, metrics=STEPS, max_steps=3)  # fmt: skip
    card = card_text(run, "model")
    front, body = card.split("---\n")[1], card.split("---\n", 2)[2]
    assert "base_model: org/base\n" in front and "library_name: transformers" in front and "- full\n" in front
    assert body.startswith("\n# Math\n\nA fine-tuned model of `org/base`, trained with ftlib.")
    assert "- **Steps:** 3 of 3" in body and "- **Data:** `math.jsonl`" in body and "LoRA rank" not in body
    assert "- **Last training value:** loss 0.6667" in body and "Q4_1" not in body  # not the default model
    assert 'AutoModelForCausalLM.from_pretrained("path/to/this/folder")' in body and "peft" not in body


def test_an_adapters_card_keeps_peft_front_matter_and_says_a_4_bit_base(tmp_path):
    run = make_run("r-q", {"method": "qlora", "model": "org/base"}, root=tmp_path, metrics=STEPS)
    folder = tmp_path / "adapter"
    folder.mkdir()
    (folder / "README.md").write_text("---\nbase_model: org/base\nlibrary_name: peft\ntags:\n- lora\n---\n\n# Model "
                                      "Card for Model ID\n\n[More Information Needed]\n")  # fmt: skip
    card = write_card(run, folder, "adapter").read_text(encoding="utf-8")
    os.utime(folder / "README.md", ns=(10**9, 10**9))  # a time no write now would leave
    assert write_card(run, folder, "adapter").stat().st_mtime_ns == 10**9  # the same card: not written again
    assert card.startswith("---\nbase_model: org/base\nlibrary_name: peft\ntags:\n- lora\n---\n\n# r-q\n")
    assert "A QLoRA adapter (LoRA trained on a 4-bit base) of `org/base`" in card
    assert "More Information Needed" not in card and "PeftModel.from_pretrained" in card
    merged = card_text(run, "merged")
    assert "with its LoRA adapter merged into the weights" in merged and "PeftModel" not in merged
    with pytest.raises(ValueError, match="kind must be one of"):
        card_text(run, "checkpoint")


def test_a_reward_models_card_says_it_scores_and_loads_as_a_sequence_classifier(tmp_path):
    """A reward model outputs one score; its card said `pipeline_tag: text-generation` and loaded it with
    AutoModelForCausalLM, which drops the trained score head (a cold review)."""
    steps = [
        {"kind": "train", "step": 1, "loss": 0.7, "accuracy": 0.5},
        {"kind": "eval", "step": 1, "eval_accuracy": 1.0},
    ]
    run = make_run("r-rm", {"method": "reward", "model": "org/base"}, root=tmp_path, metrics=steps)
    full = card_text(run, "model")
    assert "pipeline_tag: text-classification" in full and "text-generation" not in full and "- reward-model" in full
    assert "A reward model of `org/base`" in full
    assert "- **Last training value:** accuracy 50%" in full and "- **Held-out value:** accuracy 100%" in full
    assert 'AutoModelForSequenceClassification.from_pretrained("path/to/this/folder")' in full
    assert "AutoModelForCausalLM" not in full
    adapter = card_text(run, "adapter", front="base_model: org/base\nlibrary_name: peft")
    assert "A reward model's LoRA adapter and score head of `org/base`" in adapter
    assert 'AutoModelForSequenceClassification.from_pretrained("org/base", num_labels=1)' in adapter


def test_a_card_rewritten_on_a_full_disk_keeps_the_one_there_before(tmp_path):
    """write_card rewrote README.md in place: a full disk midway left a truncated card (the first bytes of the new one)
    where a whole one was. The fault is real: a file-size limit (RLIMIT_FSIZE) makes the write fail in the OS, as a
    full disk does (EFBIG instead of ENOSPC)."""
    import resource
    import signal

    from ftlib.workspace import DiskFullError

    run = make_run("r-disk", {"method": "full", "model": "org/base"}, root=tmp_path, metrics=STEPS)
    folder = tmp_path / "model"
    folder.mkdir()
    old = "---\nbase_model: org/base\n---\n\n# An earlier card\n"
    (folder / "README.md").write_text(old, encoding="utf-8")
    assert len(card_text(run, "model")) > 4 * len(old)  # the new card cannot fit under the limit below
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (2 * len(old), hard))
    try:
        with pytest.raises(DiskFullError) as caught:
            write_card(run, folder, "model")
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)
    assert str(folder / "README.md") in str(caught.value) and "untouched" in str(caught.value)
    assert (folder / "README.md").read_text(encoding="utf-8") == old  # whole, byte for byte
    assert sorted(p.name for p in folder.iterdir()) == ["README.md"]  # no temporary file left beside it
    assert "# r-disk" in write_card(run, folder, "model").read_text(encoding="utf-8")  # space back: written
