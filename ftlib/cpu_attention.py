"""Causal attention for bf16 training on CPU with short rows: part of the training fast path (fastpath.py).

torch's CPU flash-attention kernel (what `sdpa` runs there) is built for long sequences: on the rows a chat fine-tune
trains on (tens to a couple of hundred tokens) its backward pass was ~16% of a LoRA step on SmolLM2 (bench/
profile_train.py, BENCHMARKS.md), and with a padding mask transformers first copies the keys and values of every
query group (`repeat_kv`). `attention_forward` computes the same function, softmax(q k^T * scaling + mask) v, as a
few batched products: the queries of one key/value group share their keys (grouped-query attention without copies),
the scores are computed and normalized in fp32 (as torch's flash kernel keeps them), and the probabilities are kept
in the inputs' dtype for the backward pass (at these lengths they are small; flash attention recomputes them).

It runs for bf16 queries on CPU with gradients on, a causal mask (plus padding) and at most `MAX_LENGTH` positions: it
measured 1.1-5x faster than the flash kernel forward + backward there (single-thread timings, 8 rows x 9 heads,
bench/bench_attention.py); longer rows keep the kernel, whose memory does not grow with S^2. In fp32 it runs only in
models `use_in_fp32` marked (an fp32 stream over bf16 products with LoRA: DPO, reward, KTO, GRPO), with or without
gradients. Everything else (other fp32 models, generation with a cache, longer rows, attention dropout, soft-capping,
sliding windows) goes to transformers' `sdpa` function unchanged. The softmax's exponentials are exp2 of base-2 scores
(see `LOG2E`).

Rows laid end to end in one sequence (a padding-free batch: transformers' `cu_seq_lens_q`, from TRL's padding-free
collator and `bfd` packing) are attended in a right-padded layout of their own (`_Layout`): the same outputs and
gradients, bit for bit, as the padded rows give, while every other layer of the model skips the padding. Rows that
share a prefix laid once (`shared_layout`, handed to every layer as the `LAYOUT` keyword: headloss.packed_batch's
`shared`) are attended the same way, each row reading the prefix where it lies.

Installed per model by `use_for(model)` (the attention implementation named `NAME`, registered with transformers'
AttentionInterface; the mask is `sdpa`'s). Not known here: the LoRA layer and the LM head (fastpath.py, headloss.py).
"""

from __future__ import annotations

import math

import torch

NAME = "ftlib_sdpa"
# Longest rows (positions) the batched products handle. They stay faster than torch's flash kernel to 384 and beyond
# (BENCHMARKS.md), but the probabilities kept for the backward grow as S^2: past this, memory is worth more.
MAX_LENGTH = 192
# The model-forward keyword that hands every attention layer a padding-free batch's `_Layout` (`shared_layout`).
LAYOUT = "ftlib_layout"
# Set on an attention module by `use_in_fp32`: fp32 queries run the batched products too (fastpath.bf16_products).
FP32_STREAM = "_ftlib_fp32_attention"
# The softmax runs in base 2: exp(s) = exp2(s * log2 e), with log2 e folded into the product's scale. On CPU, torch's
# exp2 is ~4x faster than its exp (1 thread, 262k fp32 values: 34 vs 156 us), and exp slows down 2.7x more on the
# -inf of masked positions (415 us), which exp2 does not (BENCHMARKS.md); both are within 1e-7 of float64.
LOG2E = 1.0 / math.log(2.0)
# fp32 scores per chunk of rows: small enough to stay in a core's L2 cache (1-2 MiB on the team's machines).
CHUNK_BYTES = 1 << 20


class _CausalAttention(torch.autograd.Function):
    """softmax(q k^T * scale + bias) v for q [B, H, S, D], k and v [B, KV, S, D] (H a multiple of KV) and an additive
    fp32 bias [B or 1, 1, 1, S, S] (0 where attended, -inf elsewhere). The scores and their softmax in fp32 (see
    `_scores`), the other products in the inputs' dtype. Rows go through in chunks whose fp32 scores fit in
    `CHUNK_BYTES` (they stay in the core's cache between the passes over them).

    The probabilities the forward multiplied v by (in the inputs' dtype) are kept for the backward, rather than
    recomputed from the scores as flash attention does: heads x S values per position against the ~20 hidden-size
    vectors a LoRA decoder layer keeps (~6% more at 70 positions, ~15% at `MAX_LENGTH`), and the backward then
    skips the fp32 q k^T product and its softmax (~1/3 of the attention's time; BENCHMARKS.md). The backward's
    dS = P (dP - rowsum(dO * O)) uses them as the forward's product did, so dq and dk stay within 2x the error of
    torch's bf16 kernel (`tests/test_cpu_attention.py`)."""

    @staticmethod
    def forward(ctx, q, k, v, bias, scale: float):
        batch, heads, length, dim = q.shape
        groups = heads // k.shape[1]
        grouped = q.reshape(batch, k.shape[1], groups * length, dim)  # head h uses key/value head h // groups
        out = torch.empty_like(grouped)
        probs = grouped.new_empty(grouped.shape[:-1] + (length,))  # [B, KV, G * S, S], the inputs' dtype
        wide = _wide(q.dtype)  # fp32 softmax (float64 stays float64: the exact-math tests run the same code)
        wide_q, wide_k = grouped.to(wide), k.to(wide)  # fp32 scores: see _scores
        for rows in _chunks(batch, heads * length * length * 4):
            # Base-2 scores (s * log2 e) so the exponentials are exp2: see LOG2E.
            scores = _scores(wide_q[rows], wide_k[rows], bias[rows] if bias.shape[0] > 1 else bias, scale, groups)
            top = scores.amax(dim=-1, keepdim=True)
            top.masked_fill_(top == -math.inf, 0.0)  # a row with nothing to attend to: all -inf
            weights = scores.sub_(top).exp2_()
            # The smallest normal float for such a row: its probabilities come out 0 (not NaN).
            total = weights.sum(dim=-1, keepdim=True).clamp_min_(torch.finfo(weights.dtype).tiny)
            probs[rows] = weights.div_(total).view(probs[rows].shape)
            torch.matmul(probs[rows], v[rows], out=out[rows])  # [b, KV, G * S, D]
        ctx.save_for_backward(grouped, k, v, probs, out)
        ctx.scale = scale
        return out.view(q.shape)

    @staticmethod
    def backward(ctx, grad_out):
        grouped, k, v, probs, out = ctx.saved_tensors
        batch, length = grouped.shape[0], k.shape[2]
        grad = grad_out.reshape(grouped.shape)
        grad_q, grad_k, grad_v = torch.empty_like(grouped), torch.empty_like(k), torch.empty_like(v)
        # rowsum(dO * O) = rowsum(P * dP): the softmax backward's correction, per query row.
        wide = _wide(grouped.dtype)
        delta = (grad.to(wide) * out.to(wide)).sum(-1, keepdim=True)
        for rows in _chunks(batch, grouped.shape[1] * grouped.shape[2] * length * 4):
            torch.matmul(probs[rows].transpose(-1, -2), grad[rows], out=grad_v[rows])
            # dP = dO v^T stays a bf16 product: dq and dk within ~1.5x sdpa's error (torch's flash kernel keeps dP
            # in fp32; an fp32 product here measured ~1.1x for ~2-3% more time per decoder layer).
            grad_probs = (grad[rows] @ v[rows].transpose(-1, -2)).to(wide)
            grad_scores = grad_probs.sub_(delta[rows]).mul_(probs[rows]).to(grouped.dtype)
            torch.matmul(grad_scores, k[rows], out=grad_q[rows])
            torch.matmul(grad_scores.transpose(-1, -2), grouped[rows], out=grad_k[rows])
        return grad_q.mul_(ctx.scale).view(grad_out.shape), grad_k.mul_(ctx.scale), grad_v, None, None


def _wide(dtype: torch.dtype) -> torch.dtype:
    return torch.promote_types(dtype, torch.float32)


def _chunks(batch: int, bytes_per_row: int):
    size = max(1, CHUNK_BYTES // bytes_per_row)
    return (slice(start, start + size) for start in range(0, batch, size))


def _scores(grouped, k, bias, scale: float, groups: int) -> torch.Tensor:
    """Base-2 scores [b, KV, G, S, S] = (q k^T * scale + bias) * log2(e) in the dtype of `grouped` and `k` (fp32
    copies of bf16 queries and keys), in one pass over the product's output (the bias is 0 or -inf: the same in
    either base).

    A bf16 product would round each score to 8 bits (up to 0.03 at the ~10 of trained models), which the softmax
    turns into errors of up to ~3% in the probabilities: 4x the output error of torch's sdpa in bf16 and 3x its
    gradients' (its flash kernel keeps fp32 scores), and SmolLM2's loss on chat_style came out 0.09% low (3.0633 vs
    fp32's 3.0661 over 7,267 tokens; transformers in bf16 3.0657). torch has no bf16 x bf16 -> fp32 product on CPU,
    so the callers cast q and k ([S, D] per head, small beside the [S, S] scores) and multiply in fp32: the
    attention's forward + backward takes ~1.35x as long (4 rows of 150 tokens, 2 threads: 7.4 -> 9.9 ms, torch's
    flash kernel 13.6 ms), a SmolLM2 decoder layer with LoRA ~3-4% longer (walk 9, F1)."""
    batch, kv_heads, rows, _ = grouped.shape
    product = (grouped @ k.transpose(-1, -2)).view(batch, kv_heads, groups, rows // groups, k.shape[2])
    return torch.add(bias, product, alpha=scale * LOG2E)


def causal_bias(attention_mask: torch.Tensor | None, length: int, device) -> torch.Tensor:
    """The additive fp32 bias [B or 1, 1, 1, S, S] for a boolean mask [B, 1, S, S] (True = attend; what `sdpa_mask`
    builds for padded rows), or the plain causal pattern when there is none."""
    keep = attention_mask
    if keep is None:
        keep = torch.ones(length, length, dtype=torch.bool, device=device).tril_()[None, None]
    bias = torch.zeros(keep.shape, dtype=torch.float32, device=device).masked_fill_(~keep, -math.inf)
    return bias[:, :, None]


def applies(module, query, key, attention_mask, dropout: float, kwargs: dict) -> bool:
    """Whether `attention_forward` computes this call itself (see the module docstring)."""
    length = query.shape[2]
    fp32_stream = getattr(module, FP32_STREAM, False)
    return (
        query.device.type == "cpu"
        and (query.dtype == torch.bfloat16 or (query.dtype == torch.float32 and fp32_stream))
        and key.dtype == query.dtype
        # Without gradients only in an fp32-stream model: a DPO/KTO reference forward computes as its policy does.
        and (torch.is_grad_enabled() or fp32_stream)
        and not dropout
        and getattr(module, "is_causal", True)
        and 1 < length <= MAX_LENGTH
        and key.shape[2] == length
        and query.shape[1] % key.shape[1] == 0
        and not any(kwargs.get(name) is not None for name in ("softcap", "sliding_window", "position_bias", "s_aux"))
        and (
            attention_mask is None
            or (attention_mask.dtype == torch.bool and attention_mask.dim() == 4 and attention_mask.shape[1] == 1)
        )
    )


def attention_forward(module, query, key, value, attention_mask, dropout: float = 0.0, scaling=None, **kwargs):
    """transformers' attention-function signature: (output [B, S, H, D], None). Falls back to `sdpa`'s function
    where `applies` is False."""
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    if query.dtype == torch.float32 and value.dtype in (torch.bfloat16, torch.float16):
        # An fp32 stream over bf16 products (fastpath.bf16_products): the rotary embedding, computed in the stream's
        # dtype, made q and k fp32 while v is the product's bf16. Attention runs in bf16, as under autocast.
        query, key = query.to(value.dtype), key.to(value.dtype)
    bounds, layout = kwargs.get("cu_seq_lens_q"), kwargs.get(LAYOUT)
    # A sliding window (Mistral, Gemma 3) is not in the padded layout's causal mask: such layers keep the mask
    # transformers built for the packed rows (block-diagonal and windowed) and go to sdpa below.
    packed = query.device.type == "cpu" and query.shape[0] == 1 and key.shape[2] == query.shape[2]
    if (bounds is not None or layout is not None) and packed and kwargs.get("sliding_window") is None:
        return _packed_attention(module, query, key, value, layout or _Layout.of(bounds), dropout, scaling, kwargs)
    if layout is not None:  # rows sharing tokens have no mask transformers could build (shares_prefixes checks)
        raise RuntimeError("rows with a shared prefix reached an attention layer that cannot read them")
    if not applies(module, query, key, attention_mask, dropout, kwargs):
        return sdpa_attention_forward(
            module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs
        )
    scale = scaling if scaling is not None else query.shape[-1] ** -0.5
    bias = causal_bias(attention_mask, query.shape[2], query.device)
    out = _CausalAttention.apply(query, key.contiguous(), value.contiguous(), bias, float(scale))
    return out.transpose(1, 2).contiguous(), None


# The padded layout of the last packed batch seen: every layer of a forward (and its backward) reuses it.
_LAYOUTS: dict[tuple[int, ...], _Layout] = {}


class _Layout:
    """Where the tokens of a padding-free batch (rows laid end to end in one sequence of T tokens) sit in a
    right-padded [rows, longest] layout.

    `gather` [rows * longest]: the packed token each padded slot reads (a padding slot reads its row's last token:
    finite values that the mask keeps out, and that get no gradient); `scatter` [T]: the padded slot each token's
    output is read from; `mask` [rows, 1, longest, longest]: causal within each row, padding keys masked (what
    `sdpa_mask` gives a right-padded batch).

    A row may read tokens another row holds (`shared`: rows with a common prefix, the prompt of DPO's chosen and
    rejected answers): every row is attended in full in the padded layout, and each token's output is taken from
    the first slot that reads it, the row that holds it. Causal attention makes a common prefix's outputs the same
    in every row that has it, and the gather's backward adds up the gradients of the keys and values each row read."""

    def __init__(self, gather: torch.Tensor, lengths: torch.Tensor, tokens: int):
        self.rows, self.longest = gather.shape[0], gather.shape[1]
        slots = torch.arange(self.longest, device=gather.device)
        valid = slots[None, :] < lengths[:, None]  # [rows, longest]
        last = gather.gather(1, (lengths - 1)[:, None])
        self.gather = torch.where(valid, gather, last).reshape(-1)
        flat_slots = torch.arange(self.rows * self.longest, device=gather.device)[valid.reshape(-1)]
        first = torch.full((tokens,), self.rows * self.longest, dtype=torch.long, device=gather.device)
        self.scatter = first.scatter_reduce_(0, self.gather[flat_slots], flat_slots, "amin")
        causal = torch.ones(self.longest, self.longest, dtype=torch.bool, device=gather.device).tril_()
        self.mask = (causal[None] & valid[:, None, :])[:, None]

    @classmethod
    def shared(cls, rows: list[list[int]]) -> _Layout:
        """The layout of rows given as the packed tokens each reads, in order (`rows[i][j]`: row i's j-th token)."""
        longest = max(len(row) for row in rows)
        gather = torch.tensor([row + [row[-1]] * (longest - len(row)) for row in rows], dtype=torch.long)
        tokens = 1 + max(max(row) for row in rows)
        return cls(gather, torch.tensor([len(row) for row in rows]), tokens)

    @classmethod
    def of(cls, bounds: torch.Tensor) -> _Layout:
        key = tuple(int(b) for b in bounds.tolist())
        if key not in _LAYOUTS:
            _LAYOUTS.clear()
            starts = bounds[:-1].long()
            lengths = bounds[1:].long() - starts
            slots = torch.arange(int(lengths.max()), device=bounds.device)
            _LAYOUTS[key] = cls(starts[:, None] + slots[None, :], lengths, key[-1])
        return _LAYOUTS[key]

    def unpack(self, states: torch.Tensor) -> torch.Tensor:
        """[1, N, T, D] packed -> [rows, N, longest, D] padded (one gather: per head, rows of D values)."""
        heads, tokens, dim = states.shape[1:]
        flat = states[0].contiguous().view(heads * tokens, dim)  # no copy for q and k (rotary made them contiguous)
        head_rows = torch.arange(heads, device=states.device)[None, :, None] * tokens
        index = (head_rows + self.gather.view(self.rows, 1, self.longest)).reshape(-1)  # [rows, N, longest]
        return flat.index_select(0, index).view(self.rows, heads, self.longest, dim)

    def pack(self, out: torch.Tensor) -> torch.Tensor:
        """[rows, longest, H, D] padded -> [1, T, H, D] packed."""
        flat = out.reshape(self.rows * self.longest, -1)
        return flat.index_select(0, self.scatter).view(1, -1, *out.shape[2:])


def _packed_attention(module, query, key, value, layout: _Layout, dropout, scaling, kwargs):
    """Attention for a padding-free batch (transformers' `cu_seq_lens_q`, as TRL's padding-free collator and
    its `bfd` packing give it): the rows are moved into a right-padded layout, attended there as usual (this module's
    products for short rows, `sdpa` otherwise) and moved back. The alternative, a [T, T] block-diagonal mask over
    the whole packed sequence, does rows x more work and takes no short-row path."""
    rest = {name: value for name, value in kwargs.items() if name not in _VARLEN_KWARGS}
    out, _ = attention_forward(
        module,
        layout.unpack(query),
        layout.unpack(key),
        layout.unpack(value),
        layout.mask,
        dropout=dropout,
        scaling=scaling,
        **rest,
    )
    return layout.pack(out), None


# The padding-free batch's kwargs (flash attention's varlen arguments): meaningless once the rows are padded.
_VARLEN_KWARGS = ("cu_seq_lens_q", "cu_seq_lens_k", "max_length_q", "max_length_k", "seq_idx", "position_ids", LAYOUT)


def shared_layout(rows: list[list[int]]) -> _Layout:
    """The `LAYOUT` keyword's value for rows that share tokens: `rows[i]` lists the packed tokens row i reads, in
    order (a common prefix read from the row that holds it). Only for a model `reads_shared_rows` allows.

    >>> layout = shared_layout([[0, 1, 2], [0, 1, 3, 4]])  # a prompt of 2 tokens, then answers of 1 and 2
    >>> layout.scatter.tolist()  # each token's output comes from the first row reading it: slots of a [2, 4] layout
    [0, 1, 2, 6, 7]
    """
    return _Layout.shared(rows)


def reads_shared_rows(model) -> bool:
    """Whether every attention layer of `model` (a transformers model) reads a `shared_layout`: it runs this
    module's attention and none of its layers has a sliding window (those keep transformers' mask, see
    `attention_forward`)."""
    config = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
    windowed = getattr(config, "sliding_window", None) is not None and getattr(config, "use_sliding_window", True)
    layer_types = getattr(config, "layer_types", None) or ()
    return (
        getattr(model.config, "_attn_implementation", None) == NAME
        and not windowed
        and not any("sliding" in str(kind) for kind in layer_types)
    )


def _register() -> None:
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    AttentionInterface.register(NAME, attention_forward)
    AttentionMaskInterface.register(NAME, sdpa_mask)


def use_for(model) -> bool:
    """Switch a transformers model that runs `sdpa` to this attention (returns whether it did)."""
    config = getattr(model, "config", None)
    if config is None or getattr(config, "_attn_implementation", None) != "sdpa":
        return False
    _register()
    try:
        model.set_attn_implementation(NAME)
    except (KeyError, ValueError, AttributeError):  # a model class that cannot switch: keep sdpa
        return False
    return model.config._attn_implementation == NAME


def use_in_fp32(model) -> int:
    """Let the attention of a model with an fp32 stream over bf16 products (fastpath.bf16_products with LoRA: DPO,
    reward, KTO, GRPO) run the batched products in fp32, with gradients and without (the reference forwards), for
    short rows. Same precision as `sdpa` in fp32, ~5% less CPU per LoRA DPO step (BENCHMARKS.md); bf16 attention there
    was ~5% faster again but its DPO loss lagged fp32's by 2.3% after 4 steps on the test model. Returns how many
    attention modules it marked."""
    marked = 0
    for module in model.modules():
        if hasattr(module, "is_causal") and hasattr(module, "q_proj"):
            setattr(module, FP32_STREAM, True)
            marked += 1
    return marked


def restore(model) -> None:
    """Back to `sdpa` (undo `use_for`)."""
    if getattr(getattr(model, "config", None), "_attn_implementation", None) == NAME:
        model.set_attn_implementation("sdpa")


__all__ = [
    "LAYOUT",
    "MAX_LENGTH",
    "FP32_STREAM",
    "NAME",
    "applies",
    "attention_forward",
    "causal_bias",
    "use_in_fp32",
    "reads_shared_rows",
    "restore",
    "shared_layout",
    "use_for",
]
