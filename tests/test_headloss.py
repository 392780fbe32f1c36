"""The fast LM head (ftlib.headloss) computes what TRL's fused head and the model's own loss compute: per-token
log-probabilities, entropy, top-1 flags, the loss and every gradient, and steps aside where it does not apply."""

from __future__ import annotations

import pytest
import torch

from ftlib import cpu_attention, headloss
from tests.test_fastpath import _lora_model, _relative_error
from tests.test_training import SFT_ROWS, tiny_config


def _reference(hidden, weight, bias, targets, temperature=1.0):
    """Per-row log p(target), entropy, top-1 flag and mean logit from the full fp64 logits divided by `temperature`."""
    logits = torch.nn.functional.linear(hidden.double(), weight.double(), None if bias is None else bias.double())
    logits = logits / temperature
    log_p = logits.log_softmax(-1)
    return (
        log_p.gather(1, targets[:, None]).squeeze(1),
        -(log_p.exp() * log_p).sum(-1),
        logits.argmax(-1) == targets,
        logits.mean(-1),
    )


@pytest.mark.parametrize(
    ("with_bias", "row_chunk", "temperature"), [(False, 256, 1.0), (True, 256, 1.0), (False, 3, 1.0), (True, 3, 0.7)]
)
def test_trained_log_probs_match_the_full_log_softmax_with_gradients(with_bias, row_chunk, temperature, monkeypatch):
    monkeypatch.setattr(headloss, "ROW_CHUNK", row_chunk)  # 3: rows scored in three chunks, the last one short
    gen = torch.Generator().manual_seed(0)
    hidden = torch.randn(7, 16, generator=gen, requires_grad=True)
    weight = torch.randn(50, 16, generator=gen, requires_grad=True)
    bias = torch.randn(50, generator=gen, requires_grad=True) if with_bias else None
    targets = torch.randint(0, 50, (7,), generator=gen)
    targets[0] = int(torch.nn.functional.linear(hidden[:1], weight, bias).argmax())  # at least one top-1 hit
    upstream = torch.randn(7, generator=gen)

    log_probs, entropy, is_top1, mean_logits = headloss.trained_log_probs(hidden, weight, bias, targets, temperature)
    ref_log_probs, ref_entropy, ref_top1, ref_mean = _reference(hidden, weight, bias, targets, temperature)
    torch.testing.assert_close(log_probs.double(), ref_log_probs, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(entropy.double(), ref_entropy, rtol=1e-5, atol=1e-5)
    assert is_top1.tolist() == ref_top1.tolist() and is_top1[0]
    torch.testing.assert_close(mean_logits.double(), ref_mean, rtol=1e-5, atol=1e-5)
    assert not entropy.requires_grad and not is_top1.requires_grad and not mean_logits.requires_grad

    leaves = [hidden, weight] + ([bias] if with_bias else [])
    ours = torch.autograd.grad((log_probs * upstream).sum(), leaves)
    theirs = torch.autograd.grad((ref_log_probs * upstream.double()).sum(), leaves)
    for mine, ref in zip(ours, theirs, strict=True):
        torch.testing.assert_close(mine, ref.float(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float32])
@pytest.mark.parametrize("row_chunk", [256, 3])
def test_a_tie_at_the_top_is_top1_only_for_the_first_tied_token_as_in_trls_head(row_chunk, dtype, monkeypatch):
    """bf16 logits tie often; top-1 means the argmax (the first maximal token), as TRL's head and torch.argmax have
    it. Counting every tie as top-1 raised SmolLM2's token accuracy on chat_style by ~1% of its value. In fp32 the
    scored chunk must be a copy: scoring the saved logits in place once hid the first tied token from the argmax."""
    monkeypatch.setattr(headloss, "ROW_CHUNK", row_chunk)
    gen = torch.Generator().manual_seed(0)
    weight = torch.randn(50, 16, generator=gen).to(dtype)
    weight[37] = weight[12]  # two tokens with the same head row: the same logit for every hidden state
    hidden = torch.randn(5, 16, generator=gen).to(dtype)
    hidden[:3] = (weight[12].float() * 4).to(dtype)  # 12 and 37 tie at the top of these rows
    logits = torch.nn.functional.linear(hidden, weight).float()
    assert (logits[:3, 12] == logits[:3, 37]).all() and (logits[:3].argmax(-1) == 12).all()
    second = int(logits[3].topk(2).indices[1])
    targets = torch.tensor([12, 37, 37, second, int(logits[4].argmax())])

    is_top1 = headloss.trained_log_probs(hidden, weight, None, targets)[2]

    from trl.kernels import ChunkedLogProbFunction

    trl_top1 = ChunkedLogProbFunction.apply(hidden, weight, None, targets, 1.0, 16, None, 1.0, ("is_top1",))[4]
    assert is_top1.tolist() == [True, False, False, False, True] == trl_top1.tolist()
    assert is_top1.tolist() == (logits.argmax(-1) == targets).tolist()


def _trl_headed_lora(model_dir, dtype=torch.float32, temperature=1.0):
    """A LoRA model whose base carries TRL's fused head, as SFTTrainer (or GRPOTrainer, at a temperature) prepares
    it."""
    from trl.trainer.utils import add_fused_lm_head

    torch.manual_seed(0)  # PEFT draws the A matrices from the global generator: the same adapter every call
    model = _lora_model(model_dir, dropout=0.0)
    for param in model.parameters():
        if not param.requires_grad:
            param.data = param.data.to(dtype)
    add_fused_lm_head(
        model.get_base_model(), temperature=temperature, outputs=("log_probs", "entropy", "is_top1", "mean_logits")
    )
    return model


def _batch():
    gen = torch.Generator().manual_seed(3)
    ids = torch.randint(100, 5000, (3, 19), generator=gen)
    mask = torch.ones_like(ids)
    mask[2, 13:] = 0  # a padded row
    labels = ids.clone()
    labels[:, :6] = -100  # the prompt
    labels[1, 9:12] = -100  # a second masked stretch
    labels[mask == 0] = -100
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def _fused_call(model, batch, **extra):
    model.zero_grad()
    out = model(**batch, fused_lm_head=True, **extra)
    out.loss.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}
    return out, grads


@pytest.mark.parametrize("temperature", [1.0, 0.8])  # 0.8: GRPO scores its answers at their sampling temperature
def test_fast_head_matches_trls_fused_head_on_a_lora_model(varied_model, temperature):
    model = _trl_headed_lora(varied_model(5), temperature=temperature)
    batch = _batch()
    trl_out, trl_grads = _fused_call(model, batch, num_items_in_batch=40)
    assert headloss.fuse_lm_head(model.get_base_model(), temperature=temperature)
    assert not headloss.fuse_lm_head(model.get_base_model(), temperature=temperature)  # once only
    calls = []
    original = headloss._TrainedLogProbs.apply
    headloss._TrainedLogProbs.apply = lambda *a: calls.append(a[0].shape) or original(*a)
    try:
        out, grads = _fused_call(model, batch, num_items_in_batch=40)
    finally:
        headloss._TrainedLogProbs.apply = original
    trained = int((batch["labels"][:, 1:] != -100).sum())
    assert calls == [torch.Size([trained, 64])]  # only the trained positions were scored
    torch.testing.assert_close(out.loss, trl_out.loss, rtol=1e-5, atol=1e-6)
    assert torch.equal(out.label_mask, trl_out.label_mask)
    torch.testing.assert_close(out.log_probs, trl_out.log_probs, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(out.entropy, trl_out.entropy, rtol=1e-4, atol=1e-5)  # sums of 49k terms
    torch.testing.assert_close(out.mean_logits, trl_out.mean_logits, rtol=1e-4, atol=1e-5)
    assert torch.equal(out.is_top1, trl_out.is_top1)
    assert grads.keys() == trl_grads.keys() and grads
    for name, grad in trl_grads.items():
        assert grad.abs().sum() > 0, name
        torch.testing.assert_close(grads[name], grad, rtol=1e-4, atol=1e-6, msg=name)


def _plain_loss_and_grads(model, batch):
    """The model's own `forward(labels=...)` loss (logits in the weights' dtype, fp32 loss) and its gradients."""
    model.zero_grad()
    loss = model(**batch).loss
    loss.backward()
    return loss.detach(), {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}


def test_fast_head_on_a_bf16_base_is_as_exact_as_the_models_own_loss(varied_model):
    """With bf16 weights the fast head lands as close to the all-fp32 result as the model's own bf16 loss does.
    (bf16 rounds at other points in the two, and the errors grow through this model's spread weights, so they are
    compared through the fp32 reference, as the fused LoRA layer is in test_fastpath.)"""
    reference_loss, reference = _plain_loss_and_grads(_trl_headed_lora(varied_model(5)), _batch())
    model = _trl_headed_lora(varied_model(5), dtype=torch.bfloat16)
    plain_loss, plain = _plain_loss_and_grads(model, _batch())
    assert headloss.fuse_lm_head(model.get_base_model())
    out, ours = _fused_call(model, _batch())
    torch.testing.assert_close(out.loss.detach(), plain_loss, rtol=1e-3, atol=1e-4)
    ours_loss_error = abs(float(out.loss.detach()) / float(reference_loss) - 1)
    assert ours_loss_error <= 2 * abs(float(plain_loss) / float(reference_loss) - 1) + 1e-3
    for name, grad in reference.items():
        ours_error, plain_error = _relative_error(ours[name], grad), _relative_error(plain[name], grad)
        assert ours_error <= 2 * plain_error + 2e-3, (name, ours_error, plain_error)


def test_fast_head_steps_aside_where_it_does_not_apply(varied_model, monkeypatch):
    model = _trl_headed_lora(varied_model(5))
    base = model.get_base_model()
    batch = _batch()
    trl_shifted = model(
        input_ids=batch["input_ids"],
        attention_mask=batch["attention_mask"],
        shift_labels=batch["labels"],
        fused_lm_head=True,
    )
    assert headloss.fuse_lm_head(base)
    calls = []
    original = headloss._TrainedLogProbs.apply
    monkeypatch.setattr(headloss._TrainedLogProbs, "apply", lambda *a: calls.append(1) or original(*a))
    shifted = model(
        input_ids=batch["input_ids"],
        attention_mask=batch["attention_mask"],
        shift_labels=batch["labels"],
        fused_lm_head=True,
    )
    torch.testing.assert_close(shifted.log_probs, trl_shifted.log_probs)  # TRL's own head, unchanged
    with torch.autocast("cpu", dtype=torch.bfloat16):
        model(**batch, fused_lm_head=True)
    assert model(**batch).logits.shape[-1] == base.config.vocab_size  # the plain forward keeps its logits
    default = headloss.MAX_SCORES
    monkeypatch.setattr(headloss, "MAX_SCORES", 10)
    big = model(**batch, fused_lm_head=True)
    assert calls == []
    monkeypatch.setattr(headloss, "MAX_SCORES", default)
    torch.testing.assert_close(model(**batch, fused_lm_head=True).loss, big.loss, rtol=1e-5, atol=1e-6)
    assert calls == [1]
    headloss.unfuse_lm_head(base)
    assert not hasattr(base, "_ftlib_trl_forward")


def test_an_all_masked_micro_batch_gives_a_differentiable_zero(varied_model):
    model = _trl_headed_lora(varied_model(5))
    headloss.fuse_lm_head(model.get_base_model())
    batch = _batch()
    batch["labels"] = torch.full_like(batch["labels"], -100)
    out = model(**batch, fused_lm_head=True, num_items_in_batch=5)
    out.loss.backward()
    assert float(out.loss.detach()) == 0.0 and not out.label_mask.any()


def test_sft_trainers_get_the_fast_head_unless_the_fast_path_is_off(varied_model, tmp_path, monkeypatch):
    from ftlib.training import build_trainer

    calls = []
    original = headloss._TrainedLogProbs.apply
    monkeypatch.setattr(headloss._TrainedLogProbs, "apply", lambda *a: calls.append(1) or original(*a))
    config = tiny_config(varied_model(6), batch_size=4, max_steps=1)
    fast = build_trainer(config, tmp_path / "fast", rows=(SFT_ROWS, []))
    assert hasattr(fast.trainer.model.get_base_model(), "_ftlib_trl_forward")
    fast.trainer.train()
    assert calls  # the training step's loss went through the fast head
    history = [h for h in fast.trainer.state.log_history if "loss" in h]
    assert history and 0 <= history[0]["mean_token_accuracy"] <= 1 and history[0]["entropy"] > 0
    monkeypatch.setenv("FTLIB_FAST_PATH", "0")
    plain = build_trainer(config, tmp_path / "plain", rows=(SFT_ROWS, []))
    assert not hasattr(plain.trainer.model.get_base_model(), "_ftlib_trl_forward")


def _trained(config, path, rows: list[dict]):
    """(the trainer, its logged steps, its trained weights) after a run of `config` on `rows` in `path`."""
    from ftlib.training import build_trainer

    trainer = build_trainer(config, path, rows=(rows, [])).trainer
    trainer.train()
    logs = [h for h in trainer.state.log_history if "loss" in h]
    weights = {n: p.detach().clone() for n, p in trainer.model.named_parameters() if p.requires_grad}
    return trainer, logs, weights


@pytest.mark.parametrize("tuning", ["lora", "full"])
def test_dpo_steps_match_with_the_fast_head_on_and_off(varied_model, tmp_path, monkeypatch, tuning):
    """DPO scores chosen and rejected completions (and, for full DPO, a reference copy) through the fast head:
    same losses, reward metrics and trained weights as with TRL's head."""
    from tests.test_training import PREF_ROWS

    config = tiny_config(
        varied_model(6),
        method="dpo",
        tuning=tuning,
        batch_size=2,
        max_steps=3,
        learning_rate=3e-2 if tuning == "lora" else 1e-3,
    )

    def train(name):
        return _trained(config, tmp_path / name, PREF_ROWS)

    monkeypatch.setenv("FTLIB_CPU_BF16", "0")  # fp32 on every machine: this compares the two heads exactly
    calls = []
    original = headloss._TrainedLogProbs.apply
    monkeypatch.setattr(headloss._TrainedLogProbs, "apply", lambda *a: calls.append(1) or original(*a))
    fast, fast_logs, fast_weights = train("fast")
    assert calls  # the fast head scored the completions
    if tuning == "full":
        assert hasattr(fast.ref_model, "_ftlib_trl_forward")
    monkeypatch.setattr(headloss, "fuse_lm_head", lambda model, **_: False)  # TRL's head only
    calls.clear()
    _, plain_logs, plain_weights = train("plain")
    assert calls == []
    for key in ("loss", "rewards/chosen", "rewards/margins", "logits/chosen", "mean_token_accuracy", "entropy"):
        assert [h[key] for h in fast_logs] == pytest.approx([h[key] for h in plain_logs], rel=1e-3, abs=1e-5), key
    assert plain_logs[0]["loss"] != plain_logs[-1]["loss"]  # it trained
    # Three Adam steps at lr 3e-2 turn the two heads' rounding-level differences (~1e-7 in the gradients: the same
    # fp32 log-softmax, formulated differently) into up to ~2e-5 on single weights: Adam moves a weight whose
    # gradient is near zero by about the learning rate, whichever sign its rounding gave.
    for name, value in plain_weights.items():
        torch.testing.assert_close(fast_weights[name], value, rtol=1e-3, atol=1e-4, msg=name)


def test_dpo_rows_run_padding_free_with_the_losses_and_weights_of_padded_rows(varied_model, tmp_path, monkeypatch):
    """DPO's right-padded chosen and rejected rows run end to end in one sequence (headloss.pack_padded_rows): the
    same losses, rewards and trained weights as the padded batch, with each pair's prompt computed once (a prefix
    the rows share); FTLIB_PADDING_FREE=0 pads them."""
    from tests.test_training import PREF_ROWS

    config = tiny_config(varied_model(6), method="dpo", batch_size=2, max_steps=3, learning_rate=3e-2)
    packed_batches, shared = [], []
    original = headloss.packed_batch

    def spy(kwargs, trained=None, **options):
        packed = original(kwargs, trained, **options)
        packed_batches.append(packed is not None and kwargs["attention_mask"].float().mean().item() < 1)
        shared.append(packed is not None and packed[0]["input_ids"].shape[1] < kwargs["attention_mask"].sum())
        return packed

    monkeypatch.setattr(headloss, "packed_batch", spy)
    monkeypatch.setenv("FTLIB_CPU_BF16", "0")  # fp32 on every machine: the two layouts compare to rounding

    def train(name):
        return _trained(config, tmp_path / name, PREF_ROWS)

    packed, packed_logs, packed_weights = train("packed")
    assert getattr(packed.model.get_base_model(), headloss.PACK_ROWS, False)
    assert packed_batches and all(packed_batches)  # policy and reference forwards, every step: padded rows, packed
    assert all(shared)
    monkeypatch.setenv("FTLIB_PADDING_FREE", "0")
    packed_batches.clear()
    padded, padded_logs, padded_weights = train("padded")
    assert not getattr(padded.model.get_base_model(), headloss.PACK_ROWS, False) and packed_batches == []
    for key in ("loss", "rewards/chosen", "rewards/margins", "logps/rejected", "mean_token_accuracy", "entropy"):
        assert [h[key] for h in packed_logs] == pytest.approx([h[key] for h in padded_logs], rel=1e-3, abs=1e-5), key
    assert padded_logs[0]["loss"] != padded_logs[-1]["loss"]  # it trained
    for name, value in padded_weights.items():  # see the test above for the tolerance
        torch.testing.assert_close(packed_weights[name], value, rtol=1e-3, atol=1e-4, msg=name)


def test_only_right_padded_batches_of_ids_are_packed():
    ids = torch.tensor([[5, 6, 7, 0], [8, 9, 0, 0], [1, 2, 3, 4]])
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1]])
    given = {"input_ids": ids, "attention_mask": mask, "use_cache": False, "inputs_embeds": None, "return_dict": True}
    inputs, index = headloss.packed_batch(given)
    assert inputs["input_ids"].tolist() == [[5, 6, 7, 8, 9, 1, 2, 3, 4]]
    assert inputs["position_ids"].tolist() == [[0, 1, 2, 0, 1, 0, 1, 2, 3]]
    assert inputs["cu_seq_lens_q"].tolist() == [0, 3, 5, 9] and inputs["max_length_q"] == 4
    assert index[mask.bool()].tolist() == list(range(9))
    assert headloss.packed_batch({"input_ids": ids, "attention_mask": torch.ones_like(mask)}) is None  # no padding
    left = torch.tensor([[0, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]])
    assert headloss.packed_batch({"input_ids": ids, "attention_mask": left}) is None  # left-padded
    empty = torch.tensor([[0, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 1]])
    assert headloss.packed_batch({"input_ids": ids, "attention_mask": empty}) is None  # an empty row
    assert headloss.packed_batch({"input_ids": ids, "attention_mask": mask, "pixel_values": torch.ones(2, 3)}) is None
    assert headloss.packed_batch({"input_ids": ids, "attention_mask": mask, "position_ids": torch.ones(3, 4)}) is None
    trained = torch.zeros(3, 3, dtype=torch.bool)
    trained[0, 1] = True  # predicts row 0's last token
    assert headloss.packed_batch({"input_ids": ids, "attention_mask": mask}, trained) is not None
    trained[1, 2] = True  # a label on row 1's padding: packed, it would be read from row 2's tokens
    assert headloss.packed_batch({"input_ids": ids, "attention_mask": mask}, trained) is None
    long_ids = torch.ones(2, headloss.PACKED_TOKENS, dtype=torch.long)
    long_mask = torch.ones_like(long_ids)
    long_mask[1, -1] = 0
    too_long = {"input_ids": long_ids, "attention_mask": long_mask}
    assert headloss.packed_batch(too_long) is None  # its [T, T] mask: too big


def test_grpo_at_a_sampling_temperature_scores_through_the_fast_head_as_trls_does(varied_model, tmp_path, monkeypatch):
    """GRPO's head divides the logits by the sampling temperature: with the fast head given that temperature, the
    same answers get the same per-token log-probabilities, loss and gradients as through TRL's own head."""
    import json

    from ftlib.training import build_trainer
    from tests.test_alignment import PROMPTS
    from tests.test_fastpath import _loss_and_grads_of, small_grpo_config

    monkeypatch.setenv("FTLIB_CPU_BF16", "0")  # fp32 on every machine: this compares the two heads exactly
    config = small_grpo_config(varied_model(6), grpo_temperature=0.7)
    trainer = build_trainer(config, tmp_path, rows=(PROMPTS, [])).trainer
    base = trainer.model.get_base_model()
    assert hasattr(base, "_ftlib_trl_forward")  # the fast head took over at temperature 0.7
    with torch.no_grad():  # B starts at zero, which would leave A's gradients zero
        gen = torch.Generator().manual_seed(11)
        for name, param in trainer.model.named_parameters():
            if "lora_B" in name:
                param.copy_(torch.randn(param.shape, generator=gen) * 0.05)
    prompts = [json.dumps(PROMPTS[0]["prompt"])] * 2 + [json.dumps(PROMPTS[1]["prompt"])] * 2
    answers = trainer.rollout_func(prompts, trainer)
    trainer.rollout_func = lambda prompts, trainer: answers  # both heads score the same answers
    inputs = [{"prompt": p} for p in prompts]
    calls = []
    original = headloss._TrainedLogProbs.apply
    monkeypatch.setattr(headloss._TrainedLogProbs, "apply", lambda *a: calls.append(a[4]) or original(*a))

    def score():
        trainer.model.train()
        scored = trainer._generate_and_score_completions(inputs)
        return scored, _loss_and_grads_of(trainer, scored)

    fast_scored, (fast_loss, fast_grads) = score()
    assert calls and set(calls) == {0.7}
    headloss.unfuse_lm_head(base)
    calls.clear()
    trl_scored, (trl_loss, trl_grads) = score()
    assert calls == []
    mask = trl_scored["completion_mask"].bool()
    for key in ("old_per_token_logps", "ref_per_token_logps"):
        if trl_scored.get(key) is not None:
            torch.testing.assert_close(fast_scored[key][mask], trl_scored[key][mask], rtol=1e-5, atol=1e-5)
    assert fast_loss == pytest.approx(trl_loss, rel=1e-4, abs=1e-6)
    assert fast_grads.keys() == trl_grads.keys() and any(g.abs().sum() > 0 for g in trl_grads.values())
    for name, grad in trl_grads.items():
        torch.testing.assert_close(fast_grads[name], grad, rtol=1e-3, atol=1e-6, msg=name)


def test_a_second_backward_through_the_head_raises_instead_of_reusing_overwritten_probabilities():
    """The backward turns the saved probabilities into the logits' gradient in place: a second pass through the same
    graph must fail loudly (torch's in-place check), not compute from the overwritten values."""
    gen = torch.Generator().manual_seed(0)
    hidden = torch.randn(5, 8, generator=gen, requires_grad=True)
    weight = torch.randn(30, 8, generator=gen)
    log_probs = headloss.trained_log_probs(hidden, weight, None, torch.tensor([1, 2, 3, 4, 5]))[0]
    log_probs.sum().backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        log_probs.sum().backward()


def test_kto_rows_run_padding_free_with_the_losses_and_weights_of_padded_rows(varied_model, tmp_path, monkeypatch):
    """KTO's right-padded rows (its completions and the KL sequences, policy and reference forwards) run end to end
    through the fast head as DPO's do: the same losses, KL estimates, rewards and trained weights as padded rows."""
    from tests.test_alignment import UNPAIRED

    config = tiny_config(
        varied_model(6),
        method="kto",
        batch_size=4,
        max_steps=3,
        learning_rate=3e-2,
        warmup_ratio=0.34,  # one warmup step (at lr 0), floor(3 x 0.34): the steps whose last one moved the KL
    )
    packed_batches = []
    original = headloss.packed_batch

    def spy(kwargs, trained=None, **options):
        packed = original(kwargs, trained, **options)
        packed_batches.append(packed is not None)
        return packed

    monkeypatch.setattr(headloss, "packed_batch", spy)
    monkeypatch.setenv("FTLIB_CPU_BF16", "0")

    def train(name):
        return _trained(config, tmp_path / name, UNPAIRED)

    packed, packed_logs, packed_weights = train("packed")
    assert getattr(packed.model.get_base_model(), headloss.PACK_ROWS, False)
    # Per step: the KL sequences and the completions, through the policy and the reference; most of them padded.
    assert len(packed_batches) >= 3 * 4 and sum(packed_batches) >= len(packed_batches) // 2
    monkeypatch.setenv("FTLIB_PADDING_FREE", "0")
    packed_batches.clear()
    padded, padded_logs, padded_weights = train("padded")
    assert packed_batches == []
    assert len(packed_logs) == len(padded_logs) == 3
    for step, (packed_log, padded_log) in enumerate(zip(packed_logs, padded_logs, strict=True)):
        # What a step logs depends on its rows (a step without a bad answer has no rejected log-probabilities).
        assert packed_log.keys() == padded_log.keys() and {"loss", "kl", "entropy"} <= packed_log.keys()
        for key in packed_log.keys() - {"epoch", "step", "learning_rate", "grad_norm"}:
            assert packed_log[key] == pytest.approx(padded_log[key], rel=1e-3, abs=1e-5), (step, key)
    assert padded_logs[-1]["kl"] > 0 and padded_logs[-1]["rewards/margins"] != 0  # the last step compared moved
    assert padded_logs[0]["loss"] != padded_logs[-1]["loss"]  # it trained
    for name, value in padded_weights.items():  # see the DPO test above for the tolerance
        torch.testing.assert_close(packed_weights[name], value, rtol=1e-3, atol=1e-4, msg=name)


def test_left_padded_rows_are_packed_only_when_asked_with_positions_from_each_rows_first_token():
    """GRPO's rows: a left-padded prompt, then a right-padded answer (0s, 1s, 0s in the mask)."""
    ids = torch.tensor([[0, 0, 5, 6, 7, 0], [8, 9, 10, 11, 0, 0], [0, 12, 13, 14, 15, 16]])
    mask = (ids != 0).long()
    assert headloss.packed_batch({"input_ids": ids, "attention_mask": mask}) is None  # right padding only, by default
    inputs, index = headloss.packed_batch({"input_ids": ids, "attention_mask": mask}, left_padding=True)
    assert inputs["input_ids"].tolist() == [[5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]]
    assert inputs["position_ids"].tolist() == [[0, 1, 2, 0, 1, 2, 3, 0, 1, 2, 3, 4]]
    assert inputs["cu_seq_lens_q"].tolist() == [0, 3, 7, 12] and inputs["max_length_q"] == 5
    assert index[mask.bool()].tolist() == list(range(12))
    gaps = torch.tensor([[5, 0, 6, 0], [7, 8, 0, 0]])
    assert headloss.packed_batch({"input_ids": gaps, "attention_mask": (gaps != 0).long()}, left_padding=True) is None
    trained = torch.zeros(3, 5, dtype=torch.bool)
    trained[0, 2] = trained[2, 3] = True  # predicts row 0's second token, row 2's fourth
    assert headloss.packed_batch({"input_ids": ids, "attention_mask": mask}, trained, left_padding=True) is not None
    trained[0, 1] = True  # predicts row 0's first token from a padding slot: packed, from row 2's last token
    assert headloss.packed_batch({"input_ids": ids, "attention_mask": mask}, trained, left_padding=True) is None


def test_only_rotary_models_pack_left_padded_rows(varied_model):
    from transformers import AutoModelForCausalLM, GPT2Config, GPT2LMHeadModel

    assert headloss.rotary_positions(AutoModelForCausalLM.from_pretrained(str(varied_model(3))))
    gpt2 = GPT2LMHeadModel(GPT2Config(n_layer=1, n_head=2, n_embd=16, vocab_size=64, n_positions=32))
    assert not headloss.rotary_positions(gpt2)  # a learned position table: a shifted row is another function
    config = AutoModelForCausalLM.from_pretrained(str(varied_model(3))).config
    config.rope_parameters = {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 10000.0}
    dynamic = AutoModelForCausalLM.from_config(config)
    assert not headloss.rotary_positions(dynamic)  # frequencies from the largest position: a shift changes them


def test_grpo_scores_left_and_right_padded_rows_packed_as_padded(varied_model, tmp_path, monkeypatch):
    """GRPO's answers (after prompts of different lengths, so left-padded, and of different lengths, so right-padded)
    score through the packed rows to the padded batch's log-probabilities, loss and gradients."""
    import json

    from ftlib.training import build_trainer
    from tests.test_alignment import PROMPTS
    from tests.test_fastpath import _loss_and_grads_of, small_grpo_config

    monkeypatch.setenv("FTLIB_CPU_BF16", "0")
    config = small_grpo_config(varied_model(6), grpo_temperature=0.7)
    longer = [{"role": "user", "content": "Tell me all you know about the number seven, in a few plain words."}]
    trainer = build_trainer(config, tmp_path, rows=(PROMPTS + [{"prompt": longer}], [])).trainer
    base = trainer.model.get_base_model()
    assert getattr(base, headloss.PACK_ROWS) and getattr(base, headloss.PACK_LEFT_PADDED)
    with torch.no_grad():  # B starts at zero, which would leave A's gradients zero
        gen = torch.Generator().manual_seed(11)
        for name, param in trainer.model.named_parameters():
            if "lora_B" in name:
                param.copy_(torch.randn(param.shape, generator=gen) * 0.05)
    prompts = [json.dumps(PROMPTS[0]["prompt"])] * 2 + [json.dumps(longer)] * 2
    answers = trainer.rollout_func(prompts, trainer)
    answers["completion_ids"][1] = answers["completion_ids"][1][:3]  # as if it had ended there: right padding
    trainer.rollout_func = lambda prompts, trainer: answers  # both layouts score the same answers
    inputs = [{"prompt": p} for p in prompts]
    packed_calls = []
    original = headloss.packed_batch

    def spy(kwargs, trained=None, **options):
        packed = original(kwargs, trained, **options)
        mask = kwargs["attention_mask"]
        packed_calls.append((packed is not None, bool((mask[:, 0] == 0).any()), bool((mask[:, -1] == 0).any())))
        return packed

    monkeypatch.setattr(headloss, "packed_batch", spy)

    def score():
        trainer.model.train()
        scored = trainer._generate_and_score_completions(inputs)
        return scored, _loss_and_grads_of(trainer, scored)

    packed_scored, (packed_loss, packed_grads) = score()
    assert packed_calls and all(packed for packed, _, _ in packed_calls)
    assert any(left for _, left, _ in packed_calls) and any(right for _, _, right in packed_calls)
    setattr(base, headloss.PACK_ROWS, False)
    padded_scored, (padded_loss, padded_grads) = score()
    mask = padded_scored["completion_mask"].bool()
    for key in ("old_per_token_logps", "ref_per_token_logps"):
        if padded_scored.get(key) is not None:
            torch.testing.assert_close(packed_scored[key][mask], padded_scored[key][mask], rtol=1e-5, atol=1e-5)
    assert packed_loss == pytest.approx(padded_loss, rel=1e-4, abs=1e-6)
    assert any(g.abs().sum() > 0 for g in padded_grads.values())
    # The packed rows' positions start at 0, the padded rows' after their left padding: the same attention scores
    # (rotary embeddings see only relative positions) with other rounding, ~1e-5 of a gradient's largest element.
    for name, grad in padded_grads.items():
        scale = float(grad.abs().max())
        torch.testing.assert_close(packed_grads[name], grad, rtol=1e-3, atol=1e-4 * scale + 1e-8, msg=name)


def test_a_prefix_rows_share_is_laid_once_and_each_row_reads_it_where_it_is():
    """DPO's chosen and rejected rows after one prompt, a row that is all prefix, and a row sharing nothing."""
    ids = torch.tensor([[1, 2, 3, 4, 0], [1, 2, 3, 5, 6], [1, 2, 0, 0, 0], [7, 8, 9, 0, 0]])
    mask = (ids != 0).long()
    inputs, index = headloss.packed_batch({"input_ids": ids, "attention_mask": mask}, shared=True)
    assert inputs["input_ids"].tolist() == [[1, 2, 3, 4, 5, 6, 7, 8, 9]]
    assert inputs["position_ids"].tolist() == [[0, 1, 2, 3, 3, 4, 0, 1, 2]]  # each token's place in its own row
    assert "cu_seq_lens_q" not in inputs  # rows overlap: transformers' packed mask cannot describe them
    assert index[mask.bool()].tolist() == [0, 1, 2, 3, 0, 1, 2, 4, 5, 0, 1, 6, 7, 8]
    layout = inputs[cpu_attention.LAYOUT]
    assert layout.scatter.tolist() == [0, 1, 2, 3, 8, 9, 15, 16, 17]  # each token's output from the row holding it


@pytest.mark.parametrize("left_padding", [False, True])
def test_rows_sharing_a_prefix_give_the_padded_rows_hidden_states_and_gradients(varied_model, left_padding):
    """A common prefix computed once (`packed_batch(shared=True)`, GRPO's left-padded prompts too) gives every row's
    tokens the hidden states and the weights the gradients the padded rows give: causal attention makes the prefix
    the same function in each row, and the rows reading it add up their gradients there."""
    from ftlib.models import load_model

    model = load_model(str(varied_model(6)), device="cpu")
    assert cpu_attention.use_for(model) and cpu_attention.reads_shared_rows(model)
    prompt, other = [5, 9, 14, 3, 22, 7], [31, 4, 18]
    rows = [prompt + [40, 41, 42], prompt + [43], other + [44, 45], prompt + [40]]
    width = max(map(len, rows))
    pad = [[0] * (width - len(r)) for r in rows]
    ids = torch.tensor([p + r if left_padding else r + p for r, p in zip(rows, pad, strict=True)])
    mask = (ids != 0).long()
    real = mask.bool()
    upstream = torch.randn(int(real.sum()), model.config.hidden_size, generator=torch.Generator().manual_seed(0))

    def run(**options):
        model.zero_grad()
        tokens = None
        if not options:  # the padded rows themselves
            hidden = model.model(input_ids=ids, attention_mask=mask).last_hidden_state[real]
        else:
            inputs, index = headloss.packed_batch({"input_ids": ids, "attention_mask": mask}, **options)
            hidden = model.model(**inputs).last_hidden_state[0][index[real]]
            tokens = inputs["input_ids"].shape[1]
        (hidden * upstream).sum().backward()
        return hidden.detach(), {n: p.grad.clone() for n, p in model.named_parameters()}, tokens

    padded_hidden, padded_grads, _ = run()
    shared_hidden, shared_grads, tokens = run(left_padding=left_padding, shared=True)
    assert tokens == len(prompt) + 3 + 1 + len(other) + 2  # the prompt once; row 4 is all row 1's first tokens
    torch.testing.assert_close(shared_hidden, padded_hidden, rtol=1e-4, atol=1e-5)
    for name, grad in padded_grads.items():
        torch.testing.assert_close(shared_grads[name], grad, rtol=1e-3, atol=1e-5 * float(grad.abs().max()), msg=name)


def test_only_models_that_read_the_shared_layout_in_every_layer_share_prefixes(varied_model):
    """`packed_rows.reads_shared_prefixes`: ftlib's attention in every layer, no sliding window, and, probed, the
    layout handed down to each layer (a model class that kept its forward's keywords to itself would attend the
    second row's own tokens without their prefix)."""
    from ftlib import packed_rows
    from ftlib.models import load_model

    model = load_model(str(varied_model(6)), device="cpu")
    assert not packed_rows.reads_shared_prefixes(model)  # sdpa: it would read the rows through transformers' mask
    cpu_attention.use_for(model)
    model.train()
    assert packed_rows.reads_shared_prefixes(model) and model.training
    model.config.sliding_window, model.config.use_sliding_window = 4, True
    assert not packed_rows.reads_shared_prefixes(model)  # a windowed layer keeps transformers' mask
    model.config.use_sliding_window = False  # Qwen2's configs: a window size, switched off
    assert packed_rows.reads_shared_prefixes(model)
    for layer in model.model.layers:  # as if the decoder layers passed no keywords on to their attention
        forward = layer.self_attn.forward
        layer.self_attn.forward = lambda *a, _f=forward, **k: _f(
            *a, **{n: v for n, v in k.items() if n != "ftlib_layout"}
        )
    assert not packed_rows.reads_shared_prefixes(model)


def test_a_padding_free_batch_is_laid_out_again_with_its_rows_common_prefixes_once():
    """TRL's padding-free SFT batch: rows end to end, positions restarting, the bounds as cu_seq_lens."""
    ids = torch.tensor([[1, 2, 3, 1, 2, 4, 5, 7, 8]])
    positions = torch.tensor([[0, 1, 2, 0, 1, 2, 3, 0, 1]])
    bounds = torch.tensor([0, 3, 7, 9], dtype=torch.int32)
    given = {"input_ids": ids, "position_ids": positions, "cu_seq_lens_q": bounds, "cu_seq_lens_k": bounds}
    inputs, index = headloss.shared_packed_batch({**given, "max_length_q": 4, "max_length_k": 4, "use_cache": False})
    assert inputs["input_ids"].tolist() == [[1, 2, 3, 4, 5, 7, 8]]
    assert inputs["position_ids"].tolist() == [[0, 1, 2, 2, 3, 0, 1]]
    assert index.tolist() == [0, 1, 2, 0, 1, 3, 4, 5, 6]  # each given token's place in the new sequence
    assert headloss.shared_packed_batch({**given, "input_ids": torch.tensor([[1, 2, 3, 6, 2, 4, 5, 7, 8]])}) is None
    assert headloss.shared_packed_batch({**given, "position_ids": torch.arange(9)[None]}) is None  # not restarting
    assert headloss.shared_packed_batch({**given, "labels": ids}) is None  # other inputs
    assert headloss.shared_packed_batch({**given, "cu_seq_lens_k": torch.tensor([0, 9])}) is None


def test_padding_free_sft_rows_share_their_common_prefix_with_the_losses_and_gradients_of_full_rows(
    varied_model, tmp_path, monkeypatch
):
    """An SFT micro-batch's rows (one sequence, TRL's padding-free collator) computed with the prefix they share
    once: the loss and every gradient of the rows computed in full (FTLIB_SHARE_PREFIXES=0)."""
    from ftlib.training import build_trainer
    from tests.test_fastpath import _loss_and_grads_of

    monkeypatch.setenv("FTLIB_CPU_BF16", "0")  # fp32: the two layouts compare to rounding
    rows = [
        {"messages": [{"role": "system", "content": "Answer as a pirate would."}, *r["messages"][1:]]}
        for r in SFT_ROWS
    ]
    config = tiny_config(varied_model(6), batch_size=4, max_steps=1, lora_dropout=0.0)
    seen = []
    original = headloss.shared_packed_batch
    monkeypatch.setattr(headloss, "shared_packed_batch", lambda kw: seen.append(original(kw)) or seen[-1])
    trainer = build_trainer(config, tmp_path / "shared", rows=(rows, [])).trainer
    assert getattr(trainer.model.get_base_model(), headloss.PACK_SHARED)
    with torch.no_grad():  # B starts at zero, which would leave A's gradients zero
        for name, param in trainer.model.named_parameters():
            if "lora_B" in name:
                param.normal_(0, 0.05, generator=torch.Generator().manual_seed(3))
    batch = next(iter(trainer.get_train_dataloader()))
    assert "cu_seq_lens_q" in batch
    shared_loss, shared_grads = _loss_and_grads_of(trainer, dict(batch))
    assert seen and seen[-1] is not None and seen[-1][0]["input_ids"].shape[1] < batch["input_ids"].shape[1]
    setattr(trainer.model.get_base_model(), headloss.PACK_SHARED, False)
    seen.clear()
    full_loss, full_grads = _loss_and_grads_of(trainer, dict(batch))
    assert seen == []
    assert shared_loss == pytest.approx(full_loss, rel=1e-5)
    for name, grad in full_grads.items():
        torch.testing.assert_close(shared_grads[name], grad, rtol=1e-4, atol=1e-5 * float(grad.abs().max()), msg=name)
    monkeypatch.setenv("FTLIB_SHARE_PREFIXES", "0")
    off = build_trainer(config, tmp_path / "off", rows=(rows, [])).trainer
    assert not getattr(off.model.get_base_model(), headloss.PACK_SHARED)


def test_rows_of_one_length_share_their_prefix_and_rows_sharing_nothing_stay_padded():
    """GRPO's group of answers that all reach max new tokens: no padding, one prompt. A cold review found it ran
    padded, its prompt computed once per answer."""
    prompt = [5, 9, 14, 3, 22, 7]
    ids = torch.tensor([prompt + [40, 41], prompt + [42, 43], prompt + [44, 45]])
    given = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
    assert headloss.packed_batch(given) is None  # nothing to skip without sharing
    inputs, index = headloss.packed_batch(given, shared=True)
    assert inputs["input_ids"].tolist() == [prompt + [40, 41, 42, 43, 44, 45]]
    assert index[1].tolist() == list(range(6)) + [8, 9]
    apart = torch.tensor([[1, 2], [3, 4]])
    assert headloss.packed_batch({"input_ids": apart, "attention_mask": torch.ones_like(apart)}, shared=True) is None


def test_many_rows_each_read_their_own_tokens_through_the_shared_prefixes():
    """Many rows, prefixes of every length in common (the trie that finds them walks each token once: comparing every
    pair of rows took rows^2 x length memory, 5.5 GB for a packed SFT batch of 436 rows)."""
    rows = [
        [1, 2, 3] + [10 + (r // 7) % 5, 20 + r % 3] + [30 + (r * 7 + i) % 900 for i in range(18)] for r in range(150)
    ]
    ids = torch.tensor(rows)
    inputs, index = headloss.packed_batch({"input_ids": ids, "attention_mask": torch.ones_like(ids)}, shared=True)
    assert inputs["input_ids"].shape[1] < ids.numel()
    assert torch.equal(inputs["input_ids"][0][index], ids)  # every row reads its own tokens
