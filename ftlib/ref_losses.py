"""Per-token losses of a held-out row's reference answer (`references.Reference`) under several models of a model set:
the scoring `ftlib.evaluate`, `ftlib.kto_eval` and `ftlib.tuning_cost` share (teacher forcing, nats per token).

A reference split in pieces (`Reference.split`: a run packing with packing_strategy bfd_split, which TRL trained in
pieces of its max length, each read without what came before it) is scored piece by piece, each in a forward of its
own, so each token is scored in the context training read it in.

Not known here: which rows are evaluated, generation, Streamlit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ftlib.eval_runs import EvalError
from ftlib.references import Reference, row_reference
from ftlib.rows import IGNORE_INDEX
from ftlib.sampling import adapter_kwargs


def reference_token_losses(model, ref: Reference, adapters: Sequence[str | None], lock=None) -> list[list[float]]:
    """Per-token loss (nats) of the reference tokens, one list per adapter (None/"__base__" = base).

    All adapters score the same sequence in one forward (PEFT mixed batch); only the positions from
    the first reference token on get logits, which keeps memory flat for long prompts. A reference split in pieces
    (`Reference.split`) is scored a piece at a time, each piece read on its own as training read it, the losses of
    its pieces' reference tokens in order.
    """
    import contextlib

    import torch

    if len(pieces := ref.pieces()) > 1:
        out: list[list[float]] = [[] for _ in adapters]
        for piece in pieces:
            if any(label != IGNORE_INDEX for label in piece.labels):  # a piece of prompt only: nothing to score
                for losses, more in zip(out, reference_token_losses(model, piece, adapters, lock), strict=True):
                    losses += more
        return out
    labels = torch.tensor(ref.labels)
    positions = (labels != IGNORE_INDEX).nonzero().squeeze(1)
    if len(positions) == 0:
        raise EvalError("No reference tokens in this row (all labels are -100).")
    first = int(positions[0])
    if first == 0:
        raise EvalError("The reference starts at the first token; there is no prompt to condition on.")
    device = next(model.parameters()).device
    ids = torch.tensor([ref.input_ids] * len(adapters), device=device)
    kwargs = adapter_kwargs(model, adapters)
    keep = ids.shape[1] - first + 1  # logits at position t predict token t+1: start one before the first label
    with torch.inference_mode(), lock or contextlib.nullcontext():
        logits = model(
            input_ids=ids, attention_mask=torch.ones_like(ids), use_cache=False, logits_to_keep=keep, **kwargs
        ).logits.float()
    logits = logits[:, :-1]  # the last position predicts past the end
    targets = labels[first:].to(device)
    logp = torch.log_softmax(logits, dim=-1)
    safe = targets.clamp(min=0)
    nll = -logp.gather(2, safe[None, :, None].expand(len(adapters), -1, 1))[..., 0]
    mask = (targets != IGNORE_INDEX).cpu()
    return [row[mask].tolist() for row in nll.cpu()]


@dataclass
class TokenLosses:
    """Per-token view of one row: every token's text, whether it is scored, and its loss per model."""

    tokens: list[str]
    scored: list[bool]
    losses: dict[str, list[float | None]]  # model label -> loss per token (None where not scored)


def losses_with_set(model_set, ref: Reference, names: Sequence[str | None]) -> list[list[float]]:
    """`reference_token_losses` for models of a ModelSet (None/"base", adapters, full fine-tunes), one list per
    name: the base and its adapters score in one mixed forward, each full fine-tune in its own."""
    out: list[list[float] | None] = [None] * len(names)
    for model, indices, adapters in model_set.by_model(names):
        for i, losses in zip(indices, reference_token_losses(model, ref, adapters, model_set.lock), strict=True):
            out[i] = losses
    return out


def token_losses(
    model_set,
    row: dict,
    tuned: str | None,
    template: str = "tokenizer",
    max_length: int | None = None,
    answer_at: str = "last",
    reply: int | None = None,
    split_long: bool = False,
) -> TokenLosses:
    """Per-token loss of one row's reference (the reply `answer_at` chooses, or reply number `reply`: an item of
    "every") under the base and (when given) the tuned model `tuned`, an adapter or a full fine-tune of `model_set`;
    cut at `max_length` as `evaluate` cuts it (the tokens shown end there), or with `split_long` (a bfd_split run)
    every token shown, scored in pieces of `max_length` as `evaluate` scores them (each later piece's first not)."""
    ref = row_reference(row, model_set.tokenizer, template, answer_at, reply)[1]
    ref = ref.split(max_length)[0] if split_long else ref.cut(max_length)[0]
    names = ["base"] + ([tuned] if tuned else [])
    per = losses_with_set(model_set, ref, names)
    scored = [lab != IGNORE_INDEX for lab in ref.labels]
    out: dict[str, list[float | None]] = {}
    for name, values in zip(names, per, strict=True):
        it = iter(values)
        out[name] = [next(it) if s else None for s in scored]
    return TokenLosses(tokens=ref.token_texts, scored=scored, losses=out)


__all__ = ["TokenLosses", "losses_with_set", "reference_token_losses", "token_losses"]
