"""Behaviours of the fused LM head, the batched decoding loop, prompt rendering and top-p that a mutation review found
no test pinned down, each checked against its reference: transformers' own forward, `generate` and logits warpers,
and the tokenizer's own decode."""

from __future__ import annotations

import types

import pytest
import torch
import transformers
from transformers import TopPLogitsWarper

from ftlib import fastpath, nucleus
from ftlib import sampling as S
from ftlib.models import load_model, load_tokenizer

# ---------------------------------------------------------------- the fused LM head on scaled / soft-capped logits

_TINY = {
    "vocab_size": 300,
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 16,
}
_SCALED = {
    "gemma2_softcap": lambda: transformers.Gemma2ForCausalLM(
        transformers.Gemma2Config(final_logit_softcapping=2.0, **_TINY)
    ),
    "cohere_logit_scale": lambda: transformers.CohereForCausalLM(transformers.CohereConfig(logit_scale=0.25, **_TINY)),
    "granite_logits_scaling": lambda: transformers.GraniteForCausalLM(
        transformers.GraniteConfig(logits_scaling=4.0, **_TINY)
    ),
}


def _spread(model):
    """Widely spread weights: logits large enough that a missing soft-cap or scale changes the loss a lot."""
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() == 2:
                p.normal_(0, 0.3, generator=gen)
    return model.train()


def _head_batch():
    gen = torch.Generator().manual_seed(3)
    ids = torch.randint(0, 300, (2, 12), generator=gen)
    mask = torch.ones_like(ids)
    mask[1, 9:] = 0
    labels = ids.clone()
    labels[:, :4] = -100
    labels[mask == 0] = -100
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def _loss_and_grads(model, **extra):
    model.zero_grad()
    out = model(**_head_batch(), **extra)
    out.loss.backward()
    return out.loss.detach(), {n: p.grad.clone() for n, p in model.named_parameters()}


@pytest.mark.parametrize("kind", sorted(_SCALED))
def test_fused_head_on_scaled_or_soft_capped_logits_gives_the_models_own_loss_and_gradients(kind, monkeypatch):
    """Gemma-2 (soft-capped logits), Cohere and Granite (scaled logits) must not train on CPU with an unscaled loss."""
    from trl.trainer.utils import add_fused_lm_head

    monkeypatch.setenv("FTLIB_FAST_PATH", "1")
    torch.manual_seed(0)
    model = _spread(_SCALED[kind]())
    own_loss, own_grads = _loss_and_grads(model)  # transformers' forward(labels=...): scaling and soft-cap applied
    add_fused_lm_head(model)
    fastpath.fuse_head(model)  # what training calls: ftlib's head where it applies, TRL's (which scales) otherwise
    loss, grads = _loss_and_grads(model, fused_lm_head=True)
    torch.testing.assert_close(loss, own_loss, rtol=1e-5, atol=1e-6)
    for name, grad in own_grads.items():
        torch.testing.assert_close(grads[name], grad, rtol=1e-4, atol=1e-5, msg=name)


# ---------------------------------------------------------------- the batched decoding loop


@pytest.fixture(scope="module")
def tok():
    return load_tokenizer("default")


@pytest.fixture(scope="module")
def gpt2(tok):
    """A tiny GPT-2: learned absolute positions, so a left-padded row must be given its own positions."""
    config = transformers.GPT2Config(vocab_size=len(tok), n_positions=128, n_embd=64, n_layer=2, n_head=4)
    torch.manual_seed(0)
    return _spread(transformers.GPT2LMHeadModel(config)).eval()


def _generate(model, ids, max_new_tokens):
    x = torch.tensor([list(ids)])
    out = model.generate(
        input_ids=x, attention_mask=torch.ones_like(x), do_sample=False, max_new_tokens=max_new_tokens, pad_token_id=2
    )
    return out[0, x.shape[1] :].tolist()


def test_a_short_prompt_beside_a_long_one_decodes_as_alone_on_a_model_with_absolute_positions(gpt2, tok):
    """A short prompt batched beside a long one must read positions from its first token, not from the padding."""
    short = tuple(S.render_prompt(tok, "Hi")[1])
    long = tuple(S.render_prompt(tok, "Tell me a long story about a dragon who guards a library of old maps.")[1])
    assert len(long) > len(short) + 10
    rows = [S.GenRow(long), S.GenRow(short)]
    batched = S.generate(gpt2, tok, rows, max_new_tokens=8, stop_ids=set())
    alone = S.generate(gpt2, tok, [S.GenRow(short)], max_new_tokens=8, stop_ids=set())
    assert batched[1].ids == alone[0].ids == _generate(gpt2, short, 8)
    assert batched[0].ids == _generate(gpt2, long, 8)


@pytest.fixture(scope="module")
def llama(varied_model):
    return load_model(str(varied_model(0)), device="cpu").eval()


def test_with_a_repetition_penalty_the_reported_probabilities_are_the_models_own(llama, tok):
    """TokenInfo.prob and the alternatives promise the model's own probabilities, not the penalised ones."""
    ids = tuple(S.render_prompt(tok, "Say it again: the cat sat on the mat, the cat sat on the mat.")[1])
    penalty = 3.0
    rows = [
        S.GenRow(ids, S.DecodingSetting(temperature=0, repetition_penalty=penalty)),
        S.GenRow(ids, S.DecodingSetting(temperature=1.0, repetition_penalty=penalty)),
    ]
    results = S.generate(llama, tok, rows, max_new_tokens=6, stop_ids=set(), top_alternatives=5)
    differed = 0
    for result in results:
        context = list(ids)
        for info in result.tokens:
            with torch.no_grad():
                logits = llama(input_ids=torch.tensor([context])).logits[0, -1].float()
            own = logits.softmax(-1)
            penalized = transformers.RepetitionPenaltyLogitsProcessor(penalty)(
                torch.tensor([context]), logits[None].clone()
            )[0].softmax(-1)
            assert info.prob == pytest.approx(float(own[info.id]), rel=1e-4, abs=1e-7)
            top = torch.topk(own, 5)
            assert [p for _, p in info.alternatives] == pytest.approx(top.values.tolist(), rel=1e-4, abs=1e-7)
            assert [t for t, _ in info.alternatives] == [S.token_text(tok, int(i)) for i in top.indices]
            if not result.row.setting.greedy:  # what it was drawn from: the penalised distribution (temperature 1)
                assert info.sample_prob == pytest.approx(float(penalized[info.id]), rel=1e-4, abs=1e-7)
            differed += abs(float(penalized[info.id]) / float(own[info.id]) - 1) > 1e-3  # 10x the tolerance
            context.append(info.id)
    assert differed  # the penalty changed the probabilities, so reporting the penalised ones would show


def test_a_system_turn_is_not_added_to_a_conversation_that_already_has_one(tok):
    """A conversation prompt with its own system turn must not get the default system prompt as a second one."""
    conversation = [{"role": "system", "content": "You are a pirate."}, {"role": "user", "content": "Hi"}]
    text, ids = S.render_prompt(tok, conversation, system="You are a helpful assistant.")
    assert text == S.render_prompt(tok, conversation)[0]
    assert text.count("<|im_start|>system") == 1 and "You are a pirate." in text and "helpful" not in text
    plain, _ = S.render_prompt(tok, "Hi", system="You are a helpful assistant.")
    assert plain.count("<|im_start|>system") == 1 and "You are a helpful assistant." in plain


class _Scripted(torch.nn.Module):
    """A stand-in causal LM that writes `script` (token ids) greedily, one per step, whatever the prompt."""

    def __init__(self, script, vocab):
        super().__init__()
        self.script, self.vocab, self.step = list(script), vocab, 0
        self.anchor = torch.nn.Parameter(torch.zeros(1))

    def forward(self, input_ids=None, attention_mask=None, position_ids=None, past_key_values=None, **_):
        logits = torch.zeros(input_ids.shape[0], 1, self.vocab)
        logits[:, 0, self.script[self.step]] = 10.0
        self.step += 1
        return types.SimpleNamespace(logits=logits, past_key_values=object())


@pytest.mark.parametrize("cut", [1, 2, 3, 4])
def test_a_reply_cut_at_max_new_tokens_inside_a_character_keeps_its_whole_text(tok, cut):
    """A reply cut mid-way through a multibyte character must not lose the text before it (the space, here)."""
    script = tok("Hi 🦙", add_special_tokens=False)["input_ids"]  # "Hi", " " + the llama's first byte, 2 more bytes
    assert len(script) == 4 and tok.decode(script[:2]).endswith("\ufffd")
    model = _Scripted(script, len(tok))
    (result,) = S.generate(model, tok, [S.GenRow((1, 2, 3))], max_new_tokens=cut, stop_ids=set())
    assert result.ids == script[:cut] and result.finish_reason == "length"
    assert result.text == tok.decode(script[:cut], clean_up_tokenization_spaces=False)
    if cut >= 2:
        assert result.text.startswith("Hi ")


# ---------------------------------------------------------------- top-p


def test_equal_logits_at_the_top_p_boundary_keep_the_tokens_transformers_keeps(monkeypatch):
    """Equally likely tokens, some kept and some cut by top-p: sampling must keep the ones `generate` keeps."""
    monkeypatch.setattr(nucleus, "CANDIDATES", 64)  # the candidates' fast path on a 5000-token vocabulary
    designed = torch.full((4, 5000), -30.0)
    for row, tied in enumerate([(3, 900), (40, 41), (10, 20, 30), (100, 4999)]):
        designed[row, 5] = 1.0  # p = 0.58 alone, under top_p = 0.6: one of the tied tokens (0.21 each) is kept
        designed[row, list(tied)] = 0.0
    gen = torch.Generator().manual_seed(0)
    rounded = (torch.randn(12, 5000, generator=gen) * 2).round()  # logits on a few levels: ties everywhere
    scores = torch.cat([designed, rounded])
    top_p = torch.tensor([0.6] * 4 + [0.3, 0.4, 0.5, 0.6, 0.7, 0.8] * 2)
    removed = nucleus.top_p_remove(scores, top_p)
    tied_rows = []
    for row in range(len(scores)):
        reference = torch.isinf(TopPLogitsWarper(float(top_p[row]))(None, scores[row][None].clone())[0])
        assert torch.equal(removed[row], reference), row
        if float(scores[row][~reference].min()) == float(scores[row][reference].max()):
            tied_rows.append(row)  # the boundary falls between equal logits
    assert tied_rows[:4] == [0, 1, 2, 3] and len(tied_rows) >= 10, tied_rows
