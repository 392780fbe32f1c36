"""A reward model's right-padded batches run padding-free (ftlib.packed_rows): the scores transformers' own forward
gives the padded batch, the same training run, and the padded forward wherever packing cannot say the same."""

from __future__ import annotations

import pytest
import torch

from ftlib import fastpath, packed_rows
from tests.test_training import PREF_ROWS, tiny_config

PAD = 2  # the tiny model's pad token is the tokenizer's end of text: rows may end with it


@pytest.fixture(scope="module")
def classifier(varied_model):
    """A tiny Llama sequence classifier (one score per row), pad id PAD, spread weights, eval mode, fp32."""
    from transformers import AutoModelForSequenceClassification

    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_pretrained(
        str(varied_model(3)), num_labels=1, pad_token_id=PAD, attn_implementation="sdpa"
    )
    with torch.no_grad():
        model.score.weight.normal_(0, 0.5)
    return model.eval()


def _right_padded(rows: list[list[int]]) -> dict:
    width = max(map(len, rows))
    ids = torch.full((len(rows), width), PAD)
    mask = torch.zeros(len(rows), width, dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, : len(row)], mask[i, : len(row)] = torch.tensor(row), 1
    return {"input_ids": ids, "attention_mask": mask}


def test_packed_scores_equal_transformers_padded_forward_with_its_pooling_rule(classifier):
    # Row 2 ends with the pad id (an end-of-text token kept in the row): transformers scores it one token earlier,
    # at its last token that is not the pad id; so must the packed rows.
    # Row 4 is nothing but pad ids (attended all the same): transformers scores it at its first slot.
    batch = _right_padded([[5, 6, 7, 8, 9, 10], [11, 12], [13, 14, 15, PAD], [16, 17, 18, 19, 20], [PAD, PAD]])
    batch["attention_mask"][4, :2] = 1
    with torch.no_grad():
        padded = classifier(**batch, use_cache=False).logits
        packed = packed_rows.packed_scores(classifier, dict(batch, use_cache=False, labels=None, return_dict=True))
    assert packed is not None and packed.logits.shape == padded.shape == (5, 1)
    assert padded.std() > 1e-2  # the rows score differently: a mixed-up row would show
    torch.testing.assert_close(packed.logits, padded, rtol=1e-5, atol=1e-5)


def test_calls_packing_cannot_reproduce_run_the_padded_forward(classifier):
    batch = _right_padded([[5, 6, 7], [8, 9]])
    assert packed_rows.packed_scores(classifier, dict(batch, labels=torch.tensor([1.0, 0.0]))) is None
    left = {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"].flip(1)}
    assert packed_rows.packed_scores(classifier, left) is None  # left padding
    other_pad = dict(batch, input_ids=batch["input_ids"].masked_fill(batch["attention_mask"] == 0, 0))
    # Padded with another id than the model's: transformers scores row 1 on its padding, which packing drops.
    assert packed_rows.packed_scores(classifier, other_pad) is None
    assert packed_rows.packed_scores(classifier, _right_padded([[5, 6], [7, 8]])) is None  # no padding


def test_only_classifiers_with_transformers_generic_pooling_are_wrapped(classifier, varied_model):
    from transformers import AutoModelForCausalLM, GPT2Config, GPT2ForSequenceClassification

    causal = AutoModelForCausalLM.from_pretrained(str(varied_model(3)))
    assert not packed_rows.pack_score_rows(causal)
    # GPT-2's classifier pools with a forward of its own: probed (on its decoder) without failing, never wrapped.
    config = GPT2Config(n_layer=1, n_head=2, n_embd=16, vocab_size=64, n_positions=32, num_labels=1, pad_token_id=0)
    gpt2 = GPT2ForSequenceClassification(config)
    assert packed_rows.is_sequence_classifier(gpt2) and not packed_rows.pools_like_transformers(gpt2)
    fastpath.padding_free(gpt2)  # the probe reads its decoder: it answers instead of raising on pooled scores
    assert not fastpath.pack_score_rows(gpt2)
    assert packed_rows.pack_score_rows(classifier) and not packed_rows.pack_score_rows(classifier)  # once
    calls = []
    original = packed_rows.packed_scores
    try:
        packed_rows.packed_scores = lambda model, kwargs: calls.append(1) or original(model, kwargs)
        batch = _right_padded([[5, 6, 7], [8, 9]])
        with torch.no_grad():
            wrapped = classifier(**batch).logits
            packed_rows.unpack_score_rows(classifier)
            plain = classifier(**batch).logits
    finally:
        packed_rows.packed_scores = original
        packed_rows.unpack_score_rows(classifier)
    assert calls == [1]
    torch.testing.assert_close(wrapped, plain, rtol=1e-5, atol=1e-5)


def test_the_probe_reads_a_classifiers_decoder(classifier):
    """The classifier's logits are one score per row; the probe compares its decoder's hidden states, and says no
    (rather than failing) when handed the classifier itself."""
    assert packed_rows.keeps_packed_rows_apart(packed_rows.decoder_of(classifier))
    assert not packed_rows.keeps_packed_rows_apart(classifier)
    assert fastpath.padding_free(classifier)


def test_packing_steps_aside_for_outputs_only_the_models_forward_gives(classifier):
    batch = _right_padded([[5, 6, 7], [8, 9]])
    assert packed_rows.packed_scores(classifier, dict(batch, return_dict=False)) is None
    classifier.config.output_hidden_states = True
    try:
        assert packed_rows.packed_scores(classifier, dict(batch)) is None
    finally:
        classifier.config.output_hidden_states = False
    assert packed_rows.packed_scores(classifier, dict(batch)) is not None


def test_a_deep_copy_of_a_wrapped_classifier_falls_back_to_its_own_forward(classifier):
    import copy

    assert packed_rows.pack_score_rows(classifier)
    try:
        twin = copy.deepcopy(classifier)
        with torch.no_grad():
            twin.score.weight.mul_(2)
            batch = _right_padded([[5, 6, 7], [8, 9, 10]])  # no padding: both take their own forward
            torch.testing.assert_close(twin(**batch).logits, 2 * classifier(**batch).logits, rtol=1e-5, atol=1e-6)
    finally:
        packed_rows.unpack_score_rows(classifier)


def _reward_trainer(model_dir, path):
    from ftlib.training import build_trainer

    # No dropout: packed rows draw their masks over fewer elements, so the two layouts would drop different ones.
    config = tiny_config(model_dir, method="reward", batch_size=2, max_steps=3, learning_rate=3e-2, lora_dropout=0.0)
    return build_trainer(config, path, rows=(PREF_ROWS, [])).trainer


def test_a_reward_models_loss_and_gradients_are_the_padded_batchs(varied_model, tmp_path):
    trainer = _reward_trainer(varied_model(6), tmp_path)
    base = trainer.model.get_base_model()
    assert hasattr(base, "_ftlib_score_forward")  # the run packs its rows (CPU, fast path on, a Llama classifier)
    assert base._ftlib_score_shared  # with the prompt a pair's rows share computed once
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(4)])
    assert batch["attention_mask"].float().mean() < 1  # rows of different lengths: there is padding to skip
    given = {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"]}
    assert packed_rows.packed_batch(given, shared=True)[0]["input_ids"].shape[1] < batch["attention_mask"].sum()

    def loss_and_grads():
        trainer.model.zero_grad()
        loss = trainer.compute_loss(trainer.model, dict(batch))
        loss.backward()
        return loss.detach(), {n: p.grad.clone() for n, p in trainer.model.named_parameters() if p.requires_grad}

    packed_loss, packed_grads = loss_and_grads()
    packed_rows.unpack_score_rows(base)
    padded_loss, padded_grads = loss_and_grads()
    torch.testing.assert_close(packed_loss, padded_loss, rtol=1e-5, atol=1e-6)
    assert any(float(g.abs().max()) > 1e-3 for g in padded_grads.values())
    for name, grad in padded_grads.items():
        torch.testing.assert_close(packed_grads[name], grad, rtol=1e-4, atol=1e-6, msg=name)


def test_a_reward_run_packs_its_rows_and_logs_what_padded_rows_give(varied_model, tmp_path, monkeypatch):
    """A reward model's run lays TRL's right-padded chosen and rejected rows end to end, every step: the same losses,
    accuracies and margins as the padded batches; FTLIB_PADDING_FREE=0 pads them."""
    packed_calls = []
    original = packed_rows.packed_scores

    def spy(model, kwargs):
        output = original(model, kwargs)
        packed_calls.append(output is not None)
        return output

    monkeypatch.setattr(packed_rows, "packed_scores", spy)

    def logs(name):
        trainer = _reward_trainer(varied_model(6), tmp_path / name)
        trainer.train()
        return [h for h in trainer.state.log_history if "loss" in h]

    packed_logs = logs("packed")
    assert len(packed_calls) == 3 and all(packed_calls)  # every step's batch (its rows have different lengths)
    monkeypatch.setenv("FTLIB_PADDING_FREE", "0")
    packed_calls.clear()
    padded_logs = logs("padded")
    assert packed_calls == []
    for key in ("loss", "accuracy", "margin", "mean_reward"):
        assert [h[key] for h in packed_logs] == pytest.approx([h[key] for h in padded_logs], rel=1e-3, abs=1e-5), key
    assert padded_logs[0]["loss"] != padded_logs[-1]["loss"]  # it trained
