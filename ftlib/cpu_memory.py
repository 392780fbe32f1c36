"""What a training step on CPU holds, through the fast path (ftlib.fastpath): part of the memory estimate (memory.py).

Read from what the layers keep, not fitted: tests/test_memory.py counts the tensors autograd saves in a real step of
a tiny model and compares them with these terms. Per decoder block and per token (h the hidden size, kv the keys'
and values' width, inter the MLP's width; E the bytes of an element of the residual stream, P of a linear layer's
input as it is multiplied: bf16 under `bf16_products`, else E):

- the two norms' inputs (2 h x E, ftlib.cpu_norm keeps its input) and the inputs of the linear layers, once per
  distinct input: the normed input q/k/v share, the attention output o_proj reads, the normed input gate/up share
  (3 h x P; the fused LoRA layer keeps the input it shares with its frozen layer);
- the MLP: gate, up and silu(gate) in the stream (3 inter x E) and their product, down_proj's input (inter x P);
- attention, in its right-padded layout (a row's positions up to the longest row's S): for rows of at most
  `cpu_attention.MAX_LENGTH` positions its batched products keep the queries, output, keys and values and the
  probabilities ((2 h + 2 kv + heads x S) x E); longer rows (and fp32 models it does not run in) go to torch's
  sdpa, which keeps the queries, the keys and values repeated for every head, the output, and the mask
  ((4 h + S) x E);
- LoRA: each adapted layer's rank-r product (r x P, fp32 under `bf16_products`), and dropout's mask: the int64
  positions of the dropped elements (8 p bytes per input element) for p up to `dropout_masks.SPARSE_DROPOUT`,
  else one byte per element.

Outside the blocks: the final norm's input and output (2 h x E), and the LM head's scores of the trained tokens
(ftlib.headloss: [tokens, vocabulary] in the head's dtype, overwritten with their probabilities, which the backward
pass then reuses, plus fp32 chunks of `ROW_CHUNK` rows). One block's gradients exist at a time during the backward
pass: one block's worth more.

Gradient checkpointing keeps the fast path's layers: each block keeps only its input, and the backward pass recomputes
one block at a time (`activation_bytes(checkpointing=True)`).

`RUNTIME`: what a training process holds before any of that, measured (bench/memory_estimate.py).

Not counted: freed memory glibc's heap keeps resident. Its mmap threshold rises to the largest block freed (up to 32
MiB), so a step's activations come from the heap, which does not give freed memory back: a step's peak resident
memory exceeds its live tensors' by 0.2-0.65 of the blocks' activations, the share depending on the path
(BENCHMARKS.md; `bench.memory_estimate --paths` measures it against runs under `MALLOC_MMAP_THRESHOLD_=131072`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

# The resident memory of a CPU training process whose model is negligible: torch, transformers, PEFT, TRL and
# datasets imported, their kernels paged in, the tokenizer and the Trainer built. Measured as the peak of a LoRA run
# of 2 steps of 2 rows on a 2-layer Llama of hidden size 64 (bench/memory_estimate.py's "tiny" rows: 618 MB, of which
# the model's own parts are ~20 MB), Linux, torch 2.x on x86-64, 2026-12-05.
RUNTIME = 600_000_000


@dataclass(frozen=True)
class Streams:
    """The dtypes a CPU step keeps its activations in (bytes per element) and where attention runs."""

    stream: int  # the residual stream, norms, attention and the MLP's activations
    products: int  # a linear layer's input as multiplied (2 under bf16 products or a bf16 model)
    cpu_attention: bool  # short rows through ftlib.cpu_attention (which keeps the probabilities)
    mixed_lora: bool = False  # LoRA layers under bf16 products: their rank-r products in fp32
    head: int = 4  # the LM head's scores


def bf16_products(method: str, tuning: str, requested: str, processes: int) -> bool:
    """Whether `fastpath.bf16_products` applies on this CPU (the same conditions, before a model exists)."""
    from ftlib import fastpath

    if not fastpath.enabled() or method not in fastpath.BF16_PRODUCT_METHODS or requested not in (None, "", "auto"):
        return False
    if processes > 1 or tuning == "qlora":
        return False
    choice = os.environ.get("FTLIB_CPU_BF16", "auto").strip().lower()
    return choice in ("1", "true", "yes", "on") or (choice == "auto" and fastpath.native_cpu_bf16())


def streams(dtype_bytes: int, method: str, tuning: str, mixed: bool) -> Streams:
    """The Streams of a CPU fast-path run whose weights load in `dtype_bytes` bytes, `mixed`: under bf16 products."""
    if mixed:
        full = method == "full" or tuning == "full"  # its attention stays torch's (fastpath.bf16_products)
        return Streams(stream=4, products=2, cpu_attention=not full, mixed_lora=not full, head=2)
    bf16 = dtype_bytes == 2
    return Streams(stream=dtype_bytes, products=dtype_bytes, cpu_attention=bf16, head=dtype_bytes)


def block_bytes(
    shape, seq: int, s: Streams, lora_r: int = 0, adapted: int = 0, dropout_inputs: int = 0, dropout: float = 0.0
) -> float:
    """Bytes one decoder block keeps per token for the backward pass (module docstring), for rows of `seq` positions.

    `adapted`: LoRA-adapted layers per block (rank `lora_r`); `dropout_inputs`: their summed input width, when
    dropout `dropout` is on."""
    from ftlib import cpu_attention
    from ftlib.dropout_masks import SPARSE_DROPOUT

    h, inter = shape.hidden, shape.intermediate
    kv = h * shape.kv_heads // max(shape.heads, 1)
    E, P = s.stream, s.products
    kept = 2 * h * E + 3 * h * P + 3 * inter * E + inter * P
    if s.cpu_attention and seq <= cpu_attention.MAX_LENGTH:
        kept += (2 * h + 2 * kv + shape.heads * seq) * E
    else:
        kept += (4 * h + seq) * E
    kept += adapted * lora_r * (4 if s.mixed_lora else P)
    if dropout > 0:
        kept += dropout_inputs * (8 * dropout if dropout <= SPARSE_DROPOUT else 1)
    return kept


def activation_bytes(
    shape, tokens: int, seq: int, s: Streams, head: bool = True, checkpointing: bool = False, **lora
) -> int:
    """Bytes a CPU fast-path step holds for its backward pass: `tokens` (rows x `seq` positions) through every block,
    one block's gradients, the final norm and (`head`: a language model's) the LM head's scores.

    `checkpointing` (gradient checkpointing, transformers' non-reentrant checkpoint of each decoder block): a block
    keeps only its input, the residual stream (h x E a token); the backward pass recomputes one block at a time, which
    then holds what it saves and its gradients: two blocks' worth in place of every block's."""
    from ftlib import headloss

    per_block = tokens * block_bytes(shape, seq, s, **lora)
    if checkpointing:
        blocks = shape.layers * tokens * shape.hidden * s.stream + 2 * per_block
    else:
        blocks = (shape.layers + 1) * per_block
    scores = tokens * shape.vocab * s.head + 3 * min(tokens, headloss.ROW_CHUNK) * shape.vocab * 4 if head else 0
    return int(blocks + 2 * tokens * shape.hidden * s.stream + scores)


def mixed_weights(shape, method: str, tuning: str, adapted_params: int) -> tuple[int, int]:
    """(weights, bf16 copies) under bf16 products: a full fine-tune's fp32 weights plus the bf16 copy of every linear
    layer and the head it multiplies with; LoRA's adapted frozen layers in bf16, the rest fp32, and the fp32 copies the
    adapted layers were loaded in before they were converted: freed, but the allocator keeps them resident (glibc's
    heap does not give them back; the 135M model's DPO run held 438 MB more after loading than an fp32 one, against
    424 MB of them), so the process holds the fp32 model and the bf16 layers."""
    if method == "full" or tuning == "full":
        copy = (shape.linear_params + shape.vocab * shape.hidden) * 2
        return shape.params * 4 + copy, copy
    return shape.params * 4 + adapted_params * 2, 0


__all__ = ["RUNTIME", "Streams", "activation_bytes", "bf16_products", "block_bytes", "mixed_weights", "streams"]
