"""The next-token view: the model's distribution for the token after a prompt, and what the repetition penalty,
temperature, top-k, top-p and min-p do to it, token by token (the Compare page's chart and table).

    logits = next_token_logits(model, prompt_ids)                    # [V] float32: one forward, no cache
    view = next_token_view(logits, tokenizer, setting, prompt_ids)   # the top tokens with each filter's verdict
    percent(view.rows[0].prob)                             # "12.3%", "0.0020%": how every page prints a probability

The filters are `ftlib.decoding`'s `penalize_repeats` and `process_logits`, the very ones the decoding loop
applies, so the view shows what sampling does. Not known here: Streamlit, the device lease (the caller holds it
around the forward).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

from ftlib.decoding import DecodingSetting, SamplingError, penalize_repeats, process_logits
from ftlib.sampling import adapter_kwargs, model_device, token_text


@dataclass
class NextTokenRow:
    """One of `NextTokenView.rows`: a token, its probability (0..1) at each stage, and which filters keep it."""

    id: int
    text: str
    prob: float  # the model's own probability (temperature 1)
    prob_temperature: float  # after the repetition penalty and temperature
    kept_top_k: bool
    kept_top_p: bool  # survives top-k and then top-p
    final_prob: float  # renormalized over the kept set (0 when removed)
    kept_min_p: bool = True  # survives top-k, top-p and then min-p: every filter
    repeated: bool = False  # in the prompt, so the repetition penalty applies to it (when one is set)


@dataclass
class NextTokenView:
    """`next_token_view`'s answer: the top tokens by the model's probability, how many of the `output_size` tokens each
    filter keeps, and the entropies in bits."""

    setting: DecodingSetting
    rows: list[NextTokenRow]
    vocab_size: int  # len(tokenizer): the tokens there are, added ones included
    output_size: int  # the logits' length: the embedding's rows, often padded past vocab_size (to a multiple of 64)
    kept_after_top_k: int
    kept_after_top_p: int
    kept_after_min_p: int
    entropy_bits: float  # of the model's own distribution (temperature 1, no filter): how unsure the model is
    sampled_entropy_bits: float  # of the distribution this setting draws from (after every filter)


def next_token_logits(model, input_ids: Sequence[int], adapter: str | None = None, lock=None):
    """The model's raw logits [V] (float32, cpu) for the token after `input_ids`. SamplingError when the prompt
    leaves no room in the model's context (`max_position_embeddings`) for that token, as the grid refuses it
    (`modelset.check_context`): past it the distribution is read from positions the model never saw."""
    import torch

    limit = getattr(getattr(model, "config", None), "max_position_embeddings", None)
    if isinstance(limit, int) and len(input_ids) + 1 > limit:
        raise SamplingError(
            f"The prompt is {len(input_ids)} tokens, over the model's context of {limit} tokens with the next one: "
            "shorten the prompt."
        )

    device = model_device(model)
    ids = torch.tensor([list(input_ids)], dtype=torch.long, device=device)
    kwargs = adapter_kwargs(model, [adapter])
    with torch.inference_mode(), lock or contextlib.nullcontext():
        out = model(input_ids=ids, attention_mask=torch.ones_like(ids), use_cache=False, logits_to_keep=1, **kwargs)
    return out.logits[0, -1].float().cpu()


def next_token_view(
    logits, tokenizer, setting: DecodingSetting, prompt_ids: Sequence[int] = (), top_n: int = 20
) -> NextTokenView:
    """The `top_n` most likely tokens and what the repetition penalty, temperature, top-k, top-p and min-p do to each
    of them. `logits`: [V] with V the model's output size, which may exceed len(tokenizer) by rows of padding (kept:
    sampling draws from them too, and the kept counts include them). `prompt_ids`: the prompt's tokens, which the
    repetition penalty applies to (as the decoding loop's first step does). Entropies are in bits: `entropy_bits`
    of the model's own distribution, `sampled_entropy_bits` of the one the setting draws from (0 for greedy,
    log2(n) for n equally likely tokens)."""
    import torch

    logits = logits.float().reshape(1, -1)
    vocab = logits.shape[-1]
    probs = logits.softmax(-1)[0]
    seen = torch.zeros((1, vocab), dtype=torch.bool)
    if prompt_ids:
        seen[0, torch.tensor(list(prompt_ids), dtype=torch.long)] = True
    penalized = penalize_repeats(logits, seen, setting.repetition_penalty)
    temperature = 1.0 if setting.greedy else setting.temperature
    k = 1 if setting.greedy else setting.top_k  # greedy keeps exactly the argmax
    after_t = (penalized / temperature).softmax(-1)[0]
    after_k = process_logits(penalized, temperature, k, 1.0)[0]
    after_p = process_logits(penalized, temperature, k, 1.0 if setting.greedy else setting.top_p)[0]
    final_scores = process_logits(penalized, temperature, k, setting.top_p, setting.min_p)[0]
    if setting.greedy:  # ties aside, greedy keeps only the argmax
        final_scores = torch.full_like(final_scores, -math.inf)
        final_scores[int(penalized.argmax())] = 0.0
        after_p = final_scores
    final = final_scores.softmax(-1)
    top = torch.topk(probs, min(top_n, vocab)).indices.tolist()
    rows = [
        NextTokenRow(
            id=i,
            text=token_text(tokenizer, i),
            prob=float(probs[i]),
            prob_temperature=float(after_t[i]),
            kept_top_k=bool(torch.isfinite(after_k[i])),
            kept_top_p=bool(torch.isfinite(after_p[i])),
            final_prob=float(final[i]),
            kept_min_p=bool(torch.isfinite(final_scores[i])),
            repeated=bool(seen[0, i]),
        )
        for i in top
    ]
    return NextTokenView(
        setting=setting,
        rows=rows,
        vocab_size=len(tokenizer),
        output_size=vocab,
        kept_after_top_k=int(torch.isfinite(after_k).sum()),
        kept_after_top_p=int(torch.isfinite(after_p).sum()),
        kept_after_min_p=int(torch.isfinite(final_scores).sum()),
        entropy_bits=_entropy_bits(probs),
        sampled_entropy_bits=_entropy_bits(final),
    )


def _entropy_bits(probs) -> float:
    """-sum p log2 p over a distribution [V]; a removed token (p = 0) adds 0, as in the limit p log p -> 0."""
    # max: a one-token distribution sums to -0.0, which prints as "-0.00 bits".
    return max(0.0, float(-(probs * probs.clamp_min(1e-30).log2()).sum()))


def percent(probability: float) -> str:
    """A probability as a person reads it, with the digits a small one needs: one decimal from 1%, two significant
    digits below, "<0.001%" under that; 0 and 1 exactly as "0%" and "100%", and just under 1 as ">99.9%".

    >>> [percent(p) for p in (0.123, 0.0047, 1 / 49152, 3e-9, 0.0, 0.99996, 1.0)]
    ['12.3%', '0.47%', '0.0020%', '<0.001%', '0%', '>99.9%', '100%']
    """
    if probability <= 0:
        return "0%"
    if probability >= 1:
        return "100%"
    shown = probability * 100
    if shown < 0.001:
        return "<0.001%"
    if shown < 1:
        # A near-uniform model gives every token about 1/V (0.002% for SmolLM2): one decimal read "0.0%".
        return f"{shown:#.2g}%"
    text = f"{shown:.1f}"
    return ">99.9%" if text == "100.0" else f"{text}%"  # never "100.0%" for a token that is not certain


__all__ = ["NextTokenRow", "NextTokenView", "next_token_logits", "next_token_view", "percent"]
