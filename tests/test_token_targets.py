"""What the Tokens page says is trained is what the loss scores: the first token is never a target (the loss shifts
the labels by one), and a preference pair's rejected answer is scored, never imitated."""

from __future__ import annotations

import torch

from ftlib import masks
from ftlib.rows import IGNORE_INDEX
from ftlib.tokens import encode_row

PAIR = {
    "prompt": [{"role": "user", "content": "Suggest a name for a grey cat."}],
    "chosen": [{"role": "assistant", "content": "Ash."}],
    "rejected": [{"role": "assistant", "content": "Dog."}],
}


def test_the_trained_count_is_what_the_models_own_loss_averages_over(smol_tokenizer, tiny_model_dir):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()
    for row, policy in (
        ({"text": "Tides turn twice a day, pulled by the moon."}, "all_assistant"),
        ({"messages": PAIR["prompt"] + PAIR["chosen"]}, "everything"),
        ({"messages": PAIR["prompt"] + PAIR["chosen"]}, "all_assistant"),
    ):
        enc = encode_row(row, smol_tokenizer, "tokenizer", policy)
        ids, labels = torch.tensor([enc.input_ids]), torch.tensor([enc.labels])
        with torch.no_grad():
            logits = model(ids).logits
            mean = model(ids, labels=labels).loss
        summed = torch.nn.functional.cross_entropy(
            logits[0, :-1], labels[0, 1:], ignore_index=IGNORE_INDEX, reduction="sum"
        )
        # transformers' loss is the mean over the positions it scores: the count the page shows.
        assert torch.allclose(summed / enc.counts()["trained"], mean, atol=1e-5), (row, policy)
        assert enc.counts()["trained"] == sum(v["trained"] for v in enc.counts()["per_role"].values())


def test_the_first_token_keeps_its_label_and_is_shown_as_never_a_target(smol_tokenizer):
    enc = encode_row({"text": "Tides turn twice a day."}, smol_tokenizer, "tokenizer")
    first, second = enc.tokens[:2]
    assert enc.labels[0] == enc.input_ids[0] == first.label  # the batch's labels, as TRL's collator builds them
    assert not first.trained and first.reason == masks.FIRST_TOKEN  # ... but never scored: shown so, and counted so
    assert second.trained and second.reason == masks.TEXT_REASONS["text"]
    assert enc.counts()["trained"] == len(enc.input_ids) - 1 == sum(t.trained for t in enc.tokens)
    chat = encode_row({"messages": PAIR["prompt"] + PAIR["chosen"]}, smol_tokenizer, "tokenizer")
    assert not chat.tokens[0].trained and chat.tokens[0].reason != masks.FIRST_TOKEN  # masked anyway: its own reason


def test_a_rejected_answer_is_shown_pushed_down_never_imitated(smol_tokenizer):
    enc = encode_row(PAIR, smol_tokenizer, "tokenizer")
    rejected = [t for t in enc.rejected.tokens if t.trained]
    chosen = [t for t in enc.chosen.tokens if t.trained]
    assert rejected and all(t.pushed_down and t.reason.startswith("the rejected answer's ") for t in rejected)
    assert {t.reason.split(" — ")[0] for t in rejected} == {
        "the rejected answer's reply",
        "the rejected answer's end-of-turn token",
    }
    assert not any("trained" in t.reason for t in rejected)  # never "trained so the model learns to stop"
    assert chosen and not any(t.pushed_down or "rejected" in t.reason for t in chosen)
    # Said, not changed: DPO scores the rejected tokens with the same labels.
    assert [t.label for t in rejected] == [t.id for t in rejected]
    assert enc.rejected.rejected and not enc.chosen.rejected
