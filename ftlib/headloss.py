"""The LM head's loss on CPU, scored at the trained positions only: part of the training fast path (fastpath.py).

TRL's SFTTrainer gets per-token log-probabilities from its fused LM head (`trl.trainer.utils.add_fused_lm_head`).
Off Triton devices that head scores *every* position, prompt and padding included, and in fp32: each call copies
the bf16 head weight to fp32 chunk by chunk ([32768, 576] copies) and runs fp32 products. For SmolLM2 (a 49,152-
token vocabulary on a 576-wide model) that was ~22% of a CPU step (BENCHMARKS.md). `fuse_lm_head` wraps that
forward: on CPU it gathers the hidden states whose next-token label is trained and runs one product in the
weights' dtype, like the model's own `forward(labels=...)` (its logits are in the weights' dtype too), with the
softmax, loss, entropy, mean logit and top-1 flag in fp32. The output is TRL's `FusedCausalLMOutput`, so
SFTTrainer's and DPOTrainer's losses and metrics are computed from it unchanged.

Steps aside (TRL's head runs) on GPUs (TRL's Triton kernel already scores only trained positions there), for
pre-shifted labels, logit scaling or soft-capping, and when the [trained tokens, vocabulary] logits it keeps
for the backward pass would exceed `MAX_SCORES` elements (its memory bound). It does not compute
`log_sum_sq_probs` (DPO's WPO weighting): callers leave such trainers on TRL's head. Not known here: the fused
LoRA layer, micro-batches (fastpath.py). GRPO passes its sampling temperature (TRL's head divides by it too).
"""

from __future__ import annotations

import functools
import math
import types

import torch
import torch.nn.functional as F

from ftlib import cpu_attention
from ftlib.cpu_attention import LOG2E
from ftlib.rows import IGNORE_INDEX

# The logits of the trained tokens are kept for the backward pass, in the weights' dtype: 2**27 elements (256 MiB
# in bf16) fits ~2,700 trained tokens of a 49k vocabulary, more than a CPU micro-batch holds (2048 tokens).
MAX_SCORES = 2**27
# Rows scored in fp32 at a time: the fp32 temporaries stay ROW_CHUNK x vocabulary (~3 MB at 16 x 49k), near the
# size of a core's cache, so the softmax's passes over them do not go out to memory. Single-thread, 400 trained
# tokens of SmolLM2's 49k vocabulary, forward + backward: 256 rows 256 ms, 64 rows 213 ms, 16 rows 197 ms (of which
# the two products take ~130 ms).
ROW_CHUNK = 16
LN2 = 1.0 / LOG2E


class _TrainedLogProbs(torch.autograd.Function):
    """(log p(target), entropy, is_top1, mean logit) per row of `hidden` [N, H], through the head `weight` [V, H]
    (+ bias), of the distribution softmax(logits / temperature).

    The logits [N, V] are computed in the weights' dtype (as the model's own forward does) and scored in fp32,
    ROW_CHUNK rows at a time; each chunk is then overwritten with its probabilities, in the same dtype: all the
    backward needs (d log p(t) / d z = (onehot(t) - p) / T), so no [N, V] buffer is made twice and the backward is one
    pass over it plus the product. The target's own entry, 1 - p(t), comes from the fp32 log-probability
    (`expm1`), not from the rounded probability. Entropy, the top-1 flag and the mean logit (of the scaled logits,
    as TRL reports it) carry no gradient. Gradients for the hidden states, and for the head when it trains. The
    backward writes into the saved probabilities: a second backward through the same graph (retain_graph) raises
    torch's in-place error instead of giving wrong gradients.
    """

    @staticmethod
    def forward(ctx, hidden, weight, bias, targets, temperature):
        scores = F.linear(hidden, weight, bias)  # [N, V], weights' dtype: logits, then probabilities, chunk by chunk
        log_probs = scores.new_empty(len(targets), dtype=torch.float32)
        entropy, mean_logits = torch.empty_like(log_probs), torch.empty_like(log_probs)
        is_top1 = torch.empty_like(targets, dtype=torch.bool)
        base2 = LOG2E / temperature  # GRPO scores answers at the temperature that wrote them (TRL's head)
        for rows in _chunks(len(targets)):
            # fp32 copies first: torch's CPU ops mixing bf16 and fp32 operands run far slower than a cast and a
            # same-dtype op (a [370, 49152] bf16 tensor times an fp32 column: 43 ms against 1.3 ms). A copy for fp32
            # weights too: the chunk is centred in place, and _first_of_ties reads the logits as they came.
            centred2 = scores[rows].to(torch.float32, copy=True)
            top = centred2.amax(dim=-1)  # amax, not max: max's indices cost ~15x amax on CPU
            target = centred2.gather(1, targets[rows, None]).squeeze(1)
            hit = is_top1[rows]  # a view: _first_of_ties corrects it in place
            torch.eq(target, top, out=hit)
            # c2 = (z - max) log2(e) / T, exactly 0 at the maximum; e = exp2(c2) = exp((z - max) / T). Then
            # log Z = max / T + log sum(e) and entropy = log sum(e) - E_p[c], one exponential pass serving both (the
            # same quantities as logsumexp and -sum(p log p)). Centred logits keep the fp32 dot small: with z itself,
            # log Z and E_p[z] are both large and their difference lost ~1e-4 of the entropy. Base 2: torch's CPU
            # exp2 is ~4x faster than exp (cpu_attention.LOG2E).
            centred2.sub_(top[:, None]).mul_(base2)
            shifted = centred2.exp2()
            total = shifted.sum(dim=-1)
            log_total = total.log()
            # A row-wise dot: vecdot, not a [1, V] @ [V, 1] bmm (8x slower on CPU, slower again on 2 threads).
            expected = torch.linalg.vecdot(shifted, centred2).div_(total).mul_(LN2)
            entropy[rows] = log_total - expected
            log_probs[rows] = (target - top) / temperature - log_total
            mean_logits[rows] = top / temperature + centred2.mean(dim=-1) * LN2
            _first_of_ties(hit, centred2, scores[rows], targets[rows])
            scores[rows] = shifted.div_(total[:, None])  # the probabilities, in the weights' dtype
        ctx.save_for_backward(hidden, weight, targets, scores, log_probs.clone())
        ctx.has_bias, ctx.temperature = bias is not None, temperature
        ctx.mark_non_differentiable(entropy, is_top1, mean_logits)
        return log_probs, entropy, is_top1, mean_logits

    @staticmethod
    def backward(ctx, grad_log_probs, _grad_entropy, _grad_top1, _grad_mean):
        hidden, weight, targets, probs, log_probs = ctx.saved_tensors
        scale = grad_log_probs.float() / ctx.temperature  # [N]
        # g (onehot(t) - p) / T, over the saved probabilities in place: -g p / T in fp32 chunk by chunk, then
        # g (1 - p(t)) / T at the target, from the fp32 log-probability rather than the rounded probability.
        target_grad = torch.expm1(log_probs).neg_().mul_(scale)
        for rows in _chunks(len(targets)):
            grad = probs[rows].float().mul_(-scale[rows, None])
            grad.scatter_(1, targets[rows, None], target_grad[rows, None])
            probs[rows] = grad
        grad_hidden = probs @ weight if ctx.needs_input_grad[0] else None
        grad_weight = probs.t() @ hidden if ctx.needs_input_grad[1] else None
        grad_bias = probs.sum(0) if ctx.has_bias and ctx.needs_input_grad[2] else None
        return grad_hidden, grad_weight, grad_bias, None, None


def _first_of_ties(hit: torch.Tensor, centred: torch.Tensor, scores: torch.Tensor, targets: torch.Tensor) -> None:
    """Clear `hit` [n] (the target scores its row's maximum) where an earlier token scores the same maximum: top-1
    means the argmax, the first maximal token, as in TRL's head and `torch.argmax`. bf16 logits tie often (at the
    top of 4% of SmolLM2's trained tokens on chat_style); counting each tie as top-1 raised its token accuracy by
    ~1% of its value. `centred` [n, V] (the scores minus the row's maximum: 0 exactly at the maximum) is overwritten;
    one amax over it finds the tied rows, and only those pay for an argmax (~15x amax on CPU)."""
    centred.scatter_(1, targets[:, None], -math.inf)
    tied = hit & (centred.amax(dim=-1) == 0)
    if tied.any():
        rows = tied.nonzero().squeeze(1)
        hit[rows] = scores[rows].argmax(dim=-1) == targets[rows]


def _chunks(count: int):
    return (slice(start, start + ROW_CHUNK) for start in range(0, count, ROW_CHUNK))


def trained_log_probs(
    hidden: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    targets: torch.Tensor,
    temperature: float = 1.0,
):
    """(log-probabilities, entropy, is_top1, mean logits) of `targets` [N] for the rows of `hidden` [N, H] under
    softmax(logits / temperature), each [N]; see `_TrainedLogProbs`. Raises ValueError for a temperature <= 0."""
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    return _TrainedLogProbs.apply(hidden, weight, bias, targets, float(temperature))


def _scaled_logits(config) -> bool:
    """Whether the model scales or soft-caps its logits (TRL's head handles those; this one does not)."""
    text = config.get_text_config()
    scale_names = ("logit_scale", "output_multiplier", "lm_head_multiplier", "logits_scaling")
    return getattr(text, "final_logit_softcapping", None) is not None or any(
        getattr(text, name, None) not in (None, 1, 1.0) for name in scale_names
    )


def _fast_head_output(model, args, kwargs, labels, num_items_in_batch, temperature=1.0):
    """TRL's FusedCausalLMOutput for `labels` (not shifted), scoring only the trained positions; None when the
    scores would exceed MAX_SCORES."""
    from trl.trainer.utils import FusedCausalLMOutput

    head = model.get_output_embeddings()
    shifted = labels[:, 1:]
    mask = shifted != IGNORE_INDEX
    if int(mask.sum()) * head.weight.shape[0] > MAX_SCORES:
        return None
    kwargs["use_cache"] = False
    packed = None
    if not args and getattr(model, PACK_ROWS, False):
        packed = packed_batch(
            kwargs,
            mask,
            left_padding=getattr(model, PACK_LEFT_PADDED, False),
            shared=getattr(model, PACK_SHARED, False),
        )
    if packed is None and not args and getattr(model, PACK_SHARED, False) and kwargs.get("cu_seq_lens_q") is not None:
        shared = shared_packed_batch(kwargs)  # padding-free SFT rows: their common prefixes once
        if shared is not None:
            inputs, index = shared
            packed = inputs, index[None]
    if packed is None:
        selected_hidden = model.base_model(*args, **kwargs).last_hidden_state[:, :-1][mask]
    else:  # padding-free: every layer skips the padding; the trained positions are read where each token went
        inputs, index = packed
        selected_hidden = model.base_model(**inputs).last_hidden_state[0][index[:, :-1][mask]]
    weight, bias = head.weight, head.bias
    dtype = getattr(model, "_ftlib_head_dtype", None)  # fastpath.bf16_products: a frozen head scores in bf16
    if dtype is not None and weight.dtype != dtype:
        if weight.requires_grad:  # a trained head (full fine-tuning): the cast passes the gradient to fp32
            weight, bias = weight.to(dtype), None if bias is None else bias.to(dtype)
        else:
            weight, bias = _cast_head(head, dtype)
        selected_hidden = selected_hidden.to(dtype)
    selected = trained_log_probs(selected_hidden, weight, bias, shifted[mask], temperature)
    # Back to [batch, seq - 1], zero where not trained; masked_scatter keeps an all-masked micro-batch differentiable.
    log_probs, entropy, is_top1, mean_logits = (x.new_zeros(mask.shape).masked_scatter(mask, x) for x in selected)
    denominator = mask.sum().clamp(min=1) if num_items_in_batch is None else num_items_in_batch
    return FusedCausalLMOutput(
        loss=-log_probs.sum() / denominator,
        log_probs=log_probs,
        entropy=entropy,
        is_top1=is_top1,
        mean_logits=mean_logits,
        label_mask=mask,
    )


# Set on a model by `pack_padded_rows`: whether its padded batches run packed, and also left-padded ones.
PACK_ROWS = "_ftlib_pack_rows"
PACK_LEFT_PADDED = "_ftlib_pack_left_padded"
# Set on a model by fastpath.fuse_head: whether the rows of its packed batches (padded ones packed here, padding-free
# SFT batches) compute their common prefixes once, for a model `packed_rows.reads_shared_prefixes` allows.
PACK_SHARED = "_ftlib_pack_shared"


def pack_padded_rows(model) -> None:
    """Let the fast head of `model` run padded batches (DPO's chosen and rejected rows, KTO's, GRPO's prompts and
    answers) padding-free: the rows laid end to end in one sequence, as padding-free SFT batches are (TRL 1.16's DPO
    `padding_free` is switched off). Left-padded rows too where `rotary_positions` allows. Only for a model whose
    attention keeps such rows apart (fastpath.padding_free probes it)."""
    setattr(model, PACK_ROWS, True)
    setattr(model, PACK_LEFT_PADDED, rotary_positions(model))


# Most tokens a packed batch may hold: transformers builds a [T, T] mask for the packed rows on every forward (unused
# by ftlib.cpu_attention's layout, read by sdpa's sliding-window layers): 16 MiB here. Bigger batches stay padded.
PACKED_TOKENS = 4096


def packed_batch(kwargs: dict, trained: torch.Tensor | None = None, left_padding: bool = False, shared=False):
    """A right-padded batch (`input_ids` [B, L] and an `attention_mask` [B, L] of 1s then 0s in each row, nothing
    else) as one padding-free sequence: (the model inputs for it: ids [1, T], position ids restarting at each row, the
    rows' bounds as flash attention's `cu_seq_lens`; each padded position's index in it [B, L], meaningful where the
    mask is 1). None for a batch without padding (unless `shared` finds a prefix rows share), padded otherwise, with
    an empty row, with other inputs, of more than PACKED_TOKENS tokens, or with a trained position of `trained`
    [B, L - 1] (shifted labels) on padding or predicted from padding.

    `left_padding`: rows may also start with padding (GRPO's left-padded prompts before right-padded answers: 0s, 1s,
    0s). Only for a model with rotary positions: the padded forward counts positions from the row's first slot, the
    packed one from its first token, and only relative positions make the two the same function.

    `shared`: tokens a row has in common with an earlier row from its start (the prompt of DPO's chosen and rejected
    answers, a GRPO group's prompt, a template's system prompt) are computed once, and the row reads them where they
    are (`cpu_attention.shared_layout` in the inputs, no `cu_seq_lens`). Only for a model whose attention reads that
    layout (`cpu_attention.reads_shared_rows`). Prefix sharing for DPO: Wang & Hegde, "Accelerating Direct
    Preference Optimization with Prefix Sharing" (2024, arXiv:2410.20305); causal attention makes it the same
    function, with gradients, except that dropout draws one mask for the shared tokens where the padded rows draw
    one per copy."""
    ids, attention = kwargs.get("input_ids"), kwargs.get("attention_mask")
    if ids is None or attention is None or ids.dim() != 2 or attention.shape != ids.shape:
        return None
    # PEFT's wrapper passes its other arguments explicitly, as None or their defaults: nothing else may be asked for.
    for name, value in kwargs.items():
        if name not in ("input_ids", "attention_mask", "use_cache") and value is not None and value is not False:
            if not (name == "return_dict" and value is True):
                return None
    lengths = attention.sum(1)
    firsts = attention.int().argmax(1) if left_padding else torch.zeros_like(lengths)  # each row's first token
    slots = torch.arange(ids.shape[1], device=ids.device)
    offsets = slots[None] - firsts[:, None]  # a slot's position in its row
    valid = (offsets >= 0) & (offsets < lengths[:, None])
    # Without padding there is nothing to skip, unless rows share a prefix (GRPO's answers of one length).
    if (bool(valid.all()) and not shared) or int(lengths.min()) == 0 or not torch.equal(valid, attention.bool()):
        return None
    # A label on padding would be read from the next row's tokens once the rows are packed, and one predicted from a
    # padding slot (the first token of a left-padded row) from the previous row's last.
    if trained is not None and bool((trained & ~(valid[:, 1:] & valid[:, :-1])).any()):
        return None
    if int(lengths.sum()) > PACKED_TOKENS:
        return None
    if shared:
        return _shared_prefix_batch(ids, valid, padded=not bool(valid.all()))
    starts = torch.cumsum(lengths, 0) - lengths
    bounds = torch.cat([starts, lengths.sum()[None]]).to(torch.int32)
    longest = int(lengths.max())
    inputs = {
        "input_ids": ids[valid][None],
        "position_ids": offsets[valid][None],
        "cu_seq_lens_q": bounds,
        "cu_seq_lens_k": bounds,
        "max_length_q": longest,
        "max_length_k": longest,
        "use_cache": False,
    }
    return inputs, starts[:, None] + offsets


def _shared_prefix_batch(ids: torch.Tensor, valid: torch.Tensor, padded: bool = True):
    """`packed_batch(shared=True)`'s result for a batch it accepted: each row's tokens after the longest prefix it has
    in common with an earlier row, laid end to end (positions counting on from that prefix). None for a batch without
    padding (`padded` False) in which no row shares a token: the padded forward computes it as well.

    The prefixes are found with a trie of the rows' tokens (time linear in the tokens; comparing every pair of rows
    took memory in rows^2 x length: 5.5 GB for a packed SFT batch of 436 rows)."""
    rows = [row[keep] for row, keep in zip(ids, valid, strict=True)]
    root: dict = {}  # token -> (its packed index, the trie below it)
    reads: list[list[int]] = []
    pieces, positions, count = [], [], 0
    for row in rows:
        tokens, node, read = row.tolist(), root, []
        for token in tokens:  # the longest prefix an earlier row laid: read where it lies
            if token not in node:
                break
            index, node = node[token]
            read.append(index)
        prefix = len(read)
        for token in tokens[prefix:]:  # the rest laid after what is there, for later rows to read too
            node[token] = (count, {})
            node = node[token][1]
            read.append(count)
            count += 1
        reads.append(read)
        pieces.append(row[prefix:])
        positions.append(torch.arange(prefix, len(tokens), device=ids.device))
    if not padded and count == sum(len(read) for read in reads):
        return None
    index = torch.zeros(ids.shape, dtype=torch.long, device=ids.device)
    index[valid] = torch.tensor([token for row in reads for token in row], device=ids.device)
    inputs = {
        "input_ids": torch.cat(pieces)[None],
        "position_ids": torch.cat(positions)[None],
        cpu_attention.LAYOUT: cpu_attention.shared_layout(reads),
        "use_cache": False,
    }
    return inputs, index


# What a padding-free batch (TRL's collator, `bfd` packing) may hold for `shared_packed_batch` to lay it out again.
_PACKED_KEYS = ("input_ids", "position_ids", "cu_seq_lens_q", "cu_seq_lens_k", "max_length_q", "max_length_k")


def shared_packed_batch(kwargs: dict):
    """A padding-free batch (`input_ids` [1, T] of rows end to end, `position_ids` counting 0, 1, ... in each row,
    the rows' bounds as `cu_seq_lens_q` = `cu_seq_lens_k`) laid out again with the rows' common prefixes once, as
    `packed_batch(shared=True)` lays padded rows: (the model inputs, each given token's index in them [T]). None for
    any other input, or when no row shares a first token with an earlier one."""
    ids, positions, bounds = kwargs.get("input_ids"), kwargs.get("position_ids"), kwargs.get("cu_seq_lens_q")
    if ids is None or positions is None or bounds is None or ids.dim() != 2 or ids.shape[0] != 1:
        return None
    for name, value in kwargs.items():  # seq_idx (TRL's) is one more form of the bounds
        if name not in (*_PACKED_KEYS, "seq_idx", "use_cache") and value is not None and value is not False:
            if not (name == "return_dict" and value is True):
                return None
    if not torch.equal(bounds, kwargs.get("cu_seq_lens_k", bounds)) or positions.shape != ids.shape:
        return None
    bounds = bounds.long()
    starts, lengths = bounds[:-1], bounds[1:] - bounds[:-1]
    if len(lengths) < 2 or int(bounds[-1]) != ids.shape[1] or int(lengths.min()) < 1:
        return None
    offsets = torch.arange(ids.shape[1], device=ids.device) - torch.repeat_interleave(starts, lengths)
    firsts = ids[0, starts]
    if not torch.equal(positions[0], offsets) or len(firsts.unique()) == len(firsts):
        return None  # positions of another kind, or nothing shared (every row starts with another token)
    slots = torch.arange(int(lengths.max()), device=ids.device)
    valid = slots[None] < lengths[:, None]
    rows = torch.zeros(valid.shape, dtype=ids.dtype, device=ids.device)
    rows[valid] = ids[0]
    shared = _shared_prefix_batch(rows, valid, padded=False)
    return None if shared is None else (shared[0], shared[1][valid])


# Rotary embeddings whose frequencies do not depend on the positions a forward is given: a row's attention is the same
# whatever its first position. Not "dynamic" NTK or "longrope", which pick frequencies from the largest position seen.
SHIFT_INVARIANT_ROPE = ("default", "linear", "llama3", "yarn")


def rotary_positions(model) -> bool:
    """Whether the decoder of `model` (a transformers causal LM) places tokens by rotary embeddings only (Llama,
    Qwen2, Mistral, Gemma: a `rotary_emb` module, no learned position table) of a kind in SHIFT_INVARIANT_ROPE, where
    a uniform shift of a row's positions leaves its attention unchanged: what `packed_batch(left_padding=True)`
    needs."""
    decoder = getattr(model, "base_model", model)
    learned = any(isinstance(m, torch.nn.Embedding) and "pos" in name for name, m in decoder.named_modules())
    if learned or not hasattr(decoder, "rotary_emb"):
        return False
    config = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
    rope = getattr(config, "rope_parameters", None) or getattr(config, "rope_scaling", None) or {}
    kinds = [rope] if not any(isinstance(v, dict) for v in rope.values()) else list(rope.values())  # per layer type
    return all(kind.get("rope_type", kind.get("type", "default")) in SHIFT_INVARIANT_ROPE for kind in kinds)


def _cast_head(head, dtype):
    """The frozen head's weight (and bias) in `dtype`, cast once and kept while the weight is unchanged."""
    key = (dtype, head.weight.data_ptr(), head.weight._version)
    cached = getattr(head, "_ftlib_cast", None)
    if cached is None or cached[0] != key:
        bias = None if head.bias is None else head.bias.detach().to(dtype)
        cached = (key, head.weight.detach().to(dtype), bias)
        head._ftlib_cast = cached
    return cached[1], cached[2]


def fuse_lm_head(model, temperature: float = 1.0) -> bool:
    """Route the `fused_lm_head=True` calls of a model TRL gave a fused head through `_fast_head_output` on CPU.

    `model` is the transformers model TRL patched (a PEFT model's base model); `temperature` must be the one TRL
    patched it with (GRPO's `args.temperature`; 1 for SFT, DPO and the rest). Returns whether it was wrapped: not
    when TRL did not patch it, the logits are scaled, or it is already wrapped.
    """
    trl_forward = getattr(model, "forward", None)
    function = getattr(trl_forward, "__func__", None)
    if function is None or hasattr(model, "_ftlib_trl_forward") or _scaled_logits(model.config):
        return False
    if "fused_lm_head" not in function.__code__.co_varnames:
        return False  # not TRL's patched forward

    @functools.wraps(function)  # keeps the signature `generate` validates its kwargs against
    def forward(self, *args, fused_lm_head=False, labels=None, shift_labels=None, num_items_in_batch=None, **kwargs):
        if (
            fused_lm_head
            and labels is not None
            and shift_labels is None
            # A mixture of experts' router loss (TRL asks for it: `output_router_logits`) comes from the model's own
            # forward: this path returns none, and TRL's `coef * outputs.aux_loss` failed on None (Mixtral, Qwen2-MoE).
            and not kwargs.get("output_router_logits")
            and self.get_output_embeddings().weight.device.type == "cpu"
            and not torch.is_autocast_enabled("cpu")
        ):
            output = _fast_head_output(self, args, dict(kwargs), labels, num_items_in_batch, temperature)
            if output is not None:
                return output
        return trl_forward(
            *args,
            fused_lm_head=fused_lm_head,
            labels=labels,
            shift_labels=shift_labels,
            num_items_in_batch=num_items_in_batch,
            **kwargs,
        )

    model._ftlib_trl_forward = trl_forward
    model.forward = types.MethodType(forward, model)
    return True


def unfuse_lm_head(model) -> None:
    """Undo `fuse_lm_head`."""
    if hasattr(model, "_ftlib_trl_forward"):
        model.forward = model._ftlib_trl_forward
        del model._ftlib_trl_forward


__all__ = [
    "MAX_SCORES",
    "PACKED_TOKENS",
    "PACK_LEFT_PADDED",
    "PACK_ROWS",
    "PACK_SHARED",
    "SHIFT_INVARIANT_ROPE",
    "fuse_lm_head",
    "pack_padded_rows",
    "packed_batch",
    "rotary_positions",
    "shared_packed_batch",
    "trained_log_probs",
    "unfuse_lm_head",
]
