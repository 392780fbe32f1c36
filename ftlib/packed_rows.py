"""Rows laid end to end in one sequence: whether a model keeps them apart, and a reward model's right-padded batches
run that way on CPU. Part of the training fast path (fastpath.py).

`keeps_packed_rows_apart` probes a model for what padding-free SFT batches, packing and the alignment trainers'
packed rows need; `reads_shared_prefixes` for what computing the rows' common prefixes once needs.

TRL's `RewardTrainer` scores a batch of chosen rows followed by their rejected rows, each right-padded to the
longest (`DataCollatorForPreference`; 12.8% of the shipped pairs' positions are padding), and a sequence
classification model reads one score per row at the row's last token that is not the pad token (transformers'
`GenericForSequenceClassification`: `argmax(position * (ids != pad_token_id))`). `pack_score_rows` lays the rows end
to end in one sequence instead (`headloss.packed_batch`: position ids restarting at each row, flash attention's
`cu_seq_lens`, which ftlib.cpu_attention attends row by row), so every layer skips the padding, and reads each
row's score where transformers' rule puts it: the same scores as the padded batch, to rounding.

Only for models that keep packed rows apart (`fastpath.padding_free` probes the decoder with
`keeps_packed_rows_apart`) and whose class pools with transformers' generic rule; any other call (labels given, left
padding, a pooled position on padding because the batch was padded with another id, other inputs) runs the model's
own forward. The packing itself is `headloss.packed_batch`, shared with the fast LM head (DPO, KTO, GRPO); the
attention's padded layout for packed rows is cpu_attention's.
"""

from __future__ import annotations

import types

import torch

from ftlib.headloss import packed_batch

# Set on a model whose forward `pack_score_rows` wrapped: the forward it replaced, and whether rows share prefixes.
_ORIGINAL = "_ftlib_score_forward"
_SHARED = "_ftlib_score_shared"


def keeps_packed_rows_apart(model) -> bool:
    """Whether `model` attends rows laid end to end (position ids restarting at 0, no attention mask, flash
    attention's `cu_seq_lens` given) each on its own, as padding-free batches and packing need: the logits of a
    second row packed behind a first equal those of the row alone. Llama-style models do (transformers builds a
    block mask from the position ids); OPT (transformers 5) does not: its rows read each other's tokens. Two forwards
    of a few tokens, without gradients; compares the logits per token (a decoder without a head: its last hidden
    states; not a classifier's one score per row: probe its decoder, `decoder_of`); False when the probe fails."""
    config = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
    first, second = [5, 6, 7], [8, 9]
    vocab = int(getattr(config, "vocab_size", 0) or 0)
    if vocab <= max(first + second):
        return False
    device = next(model.parameters()).device
    ids = torch.tensor([first + second], device=device)
    positions = torch.tensor([[0, 1, 2, 0, 1]], device=device)
    bounds = torch.tensor([0, 3, 5], dtype=torch.int32, device=device)
    was_training = model.training
    model.eval()  # no dropout: the two forwards must be comparable
    try:
        with torch.no_grad():
            packed = _probed(
                model(
                    input_ids=ids,
                    position_ids=positions,
                    use_cache=False,
                    cu_seq_lens_q=bounds,
                    cu_seq_lens_k=bounds,
                    max_length_q=3,
                    max_length_k=3,
                )
            )[0, 3:]
            alone = _probed(model(input_ids=ids[:, 3:], use_cache=False))[0]
    except Exception:  # a model that takes no such arguments: pad its rows
        return False
    finally:
        model.train(was_training)
    if packed.shape != alone.shape or packed.numel() == 0:
        return False  # not one output per token (a classifier's pooled scores): nothing to compare
    # A row that read the other one's tokens differs by a good part of the logits' scale (0.3 of ~1 on random
    # weights); the same row computed in another shape differs by rounding only.
    tolerance = (1e-4 if packed.dtype == torch.float32 else 2e-2) * float(alone.abs().max()) + 1e-5
    return bool((packed.float() - alone.float()).abs().max() <= tolerance)


def reads_shared_prefixes(model) -> bool:
    """Whether `model` computes rows that share a prefix as `headloss.packed_batch(shared=True)` lays them out (the
    prefix once, each row reading it where it is): its attention takes the shared layout (`cpu_attention.
    reads_shared_rows`) and, probed, every layer is handed it (a model class that did not pass its forward's keywords
    down to attention would attend the second row's tokens without their prefix). Compares the second of two rows
    sharing three tokens with that row alone, as `keeps_packed_rows_apart` does; False when the probe fails."""
    from ftlib import cpu_attention

    if not cpu_attention.reads_shared_rows(model):
        return False
    config = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
    rows = [[5, 6, 7, 8], [5, 6, 7, 9, 10]]
    if int(getattr(config, "vocab_size", 0) or 0) <= 10:
        return False
    device = next(model.parameters()).device
    ids = torch.tensor([row + [0] * (5 - len(row)) for row in rows], device=device)
    mask = torch.tensor([[1] * len(row) + [0] * (5 - len(row)) for row in rows], device=device)
    was_training = model.training
    model.eval()  # no dropout: the two forwards must be comparable
    try:
        with torch.no_grad():
            inputs, index = packed_batch({"input_ids": ids, "attention_mask": mask}, shared=True)
            shared = _probed(model(**inputs))[0][index[1]]
            alone = _probed(model(input_ids=ids[1:], use_cache=False))[0]
    except Exception:  # a model that takes no such arguments (or refused the layout): compute every row in full
        return False
    finally:
        model.train(was_training)
    tolerance = (1e-4 if shared.dtype == torch.float32 else 2e-2) * float(alone.abs().max()) + 1e-5
    return shared.shape == alone.shape and bool((shared.float() - alone.float()).abs().max() <= tolerance)


def _probed(output) -> torch.Tensor:
    logits = getattr(output, "logits", None)
    return logits if logits is not None else output.last_hidden_state


def pools_like_transformers(model) -> bool:
    """Whether `model` is a sequence classifier scoring each row at its last non-pad token with transformers'
    generic forward (Llama, Qwen2, Mistral and most decoder models in transformers 5), not a forward of its own."""
    try:
        from transformers.modeling_layers import GenericForSequenceClassification
    except ImportError:  # an older transformers: no generic classifier to recognise
        return False
    return (
        isinstance(model, GenericForSequenceClassification)
        and type(model).forward is GenericForSequenceClassification.forward
    )


def decoder_of(model):
    """The decoder under a transformers model with a head (its `base_model_prefix` attribute: `model` for Llama,
    `transformer` for GPT-2); the model itself without one."""
    return getattr(model, getattr(model, "base_model_prefix", ""), model)


def is_sequence_classifier(model) -> bool:
    """Whether `model` is a transformers sequence classifier (one pooled score per row, whatever its pooling)."""
    return type(model).__name__.endswith("ForSequenceClassification")


def pack_score_rows(model, share_prefixes: bool = False) -> bool:
    """Route `model`'s right-padded calls (a transformers sequence classifier, a PEFT wrapper's base model) through
    `packed_scores`, with the prefix rows share computed once if `share_prefixes` (for a decoder
    `reads_shared_prefixes` allows). Returns whether it was wrapped: not for other classes, or when it already is."""
    if not pools_like_transformers(model) or hasattr(model, _ORIGINAL):
        return False
    original = model.forward
    setattr(model, _SHARED, share_prefixes)

    def forward(self, *args, **kwargs):
        output = None if args else packed_scores(self, kwargs)
        # The attribute, not a closure: a deep copy of the model falls back to its own forward.
        return output if output is not None else getattr(self, _ORIGINAL)(*args, **kwargs)

    setattr(model, _ORIGINAL, original)
    model.forward = types.MethodType(forward, model)
    return True


def unpack_score_rows(model) -> None:
    """Undo `pack_score_rows`."""
    if hasattr(model, _ORIGINAL):
        model.forward = getattr(model, _ORIGINAL)
        delattr(model, _ORIGINAL)


def packed_scores(model, kwargs: dict):
    """transformers' `SequenceClassifierOutputWithPast` (logits [B, num_labels]) for a right-padded batch of
    `input_ids` and `attention_mask` [B, L] computed padding-free; None where the padded forward must run instead
    (see the module docstring). Its `hidden_states` and `attentions` are None, as TRL asks for neither."""
    from transformers.modeling_outputs import SequenceClassifierOutputWithPast

    config = model.config.get_text_config()
    if kwargs.get("labels") is not None or kwargs.get("return_dict") is False:
        return None
    if getattr(model.config, "output_hidden_states", False) or getattr(model.config, "output_attentions", False):
        return None  # asked for by the config: only the model's own forward returns them
    pad = config.pad_token_id
    packed = packed_batch(kwargs, shared=getattr(model, _SHARED, False))
    if pad is None or packed is None:
        return None  # without a pad token transformers refuses batches of several rows: let it say so
    inputs, index = packed
    ids, attention = kwargs["input_ids"], kwargs["attention_mask"]
    positions = torch.arange(ids.shape[1], device=ids.device)
    last = (positions * (ids != pad)).argmax(-1)  # transformers' rule, on the padded ids
    if bool((last >= attention.sum(1)).any()):
        return None  # a row scored on padding (padded with another id): only the padded layout has that position
    hidden = decoder_of(model)(**inputs).last_hidden_state[0]  # [T, H]
    rows = torch.arange(ids.shape[0], device=ids.device)
    return SequenceClassifierOutputWithPast(logits=model.score(hidden[index[rows, last]]))


__all__ = [
    "decoder_of",
    "is_sequence_classifier",
    "keeps_packed_rows_apart",
    "pack_score_rows",
    "packed_scores",
    "pools_like_transformers",
    "unpack_score_rows",
]
