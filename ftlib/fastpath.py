"""The training fast path: a fused LoRA linear layer and token-budget micro-batches. Same math, less time and memory.

Measured on the team's CPU (bench/bench_train.py, BENCHMARKS.md), where a LoRA step spends its time as:

- PEFT's LoRA layer runs `B(A(dropout(x))) * scaling` as separate ops. Dropout draws one random float per input
  element with `bernoulli_` (about a quarter of a CPU step) and keeps a float copy of the dropped input plus its
  float mask for the backward pass, per adapted layer (7 per block). `fused_lora_forward` computes the same
  function with one autograd node: it keeps the input it shares with the frozen layer, the mask (at LoRA's usual
  p <= 0.125 the indices of the dropped elements, one random number each; ftlib.dropout_masks, drawn for all
  layers at once: `share_mask_draws`) and the rank-r projection. CPU runs only: on a GPU PEFT's layer was faster.
- Activations grow with the tokens in a batch. On CPU a step of `batch_size` rows is run as micro-batches of at
  most `CPU_TOKEN_BUDGET` tokens with gradient accumulation. The Trainer divides every micro-batch's summed loss
  by the trained tokens of the whole step (`num_items_in_batch`), so the update is the one the whole batch gives;
  smaller groups of length-sorted rows also carry less padding. On a GPU, one big batch uses it best: no split.
  An SFT micro-batch on CPU carries no padding at all: its rows are laid end to end (`padding_free`); so are the
  rows TRL's alignment trainers pad (DPO's, KTO's, GRPO's inside the fast LM head, `fuse_head(pack_rows=True)`; the
  reward model's in its forward, `pack_score_rows`).

- On a CPU with native bf16 matmuls (AVX512_BF16 or AMX), a LoRA SFT run with dtype `auto` keeps the frozen base
  in bf16 (matmuls ~2x faster than fp32, activations half the size) and the adapter weights, their gradients and
  the optimizer in fp32, as mixed-precision LoRA on a GPU does (the fused layer runs the adapter products in
  bf16 too, like autocast). DPO, full fine-tuning, the reward model, KTO and GRPO keep an fp32 stream and multiply
  in bf16 (`bf16_products`). `FTLIB_CPU_BF16` = `auto` (default), `1` (always, e.g. to test it) or `0` (never).

- The LM head scores only the trained positions on CPU (ftlib.headloss; TRL's head scores all of them there).

- bf16 attention on CPU runs as a few batched products for short rows (ftlib.cpu_attention; torch's flash kernel is
  2-3x slower there), and RMSNorm as one autograd node (ftlib.cpu_norm; ~2.5x faster than its ~17 ops).

`FTLIB_FAST_PATH=0` turns all of it off (the benchmark's `ftlib-plain` side; a way out if a model misbehaves).
Not known here: the trainer (training.py), FLOP accounting (throughput.py).
"""

from __future__ import annotations

import functools
import os
import types
import weakref

import torch
import torch.nn.functional as F

from ftlib import packed_rows
from ftlib.dropout_masks import MaskPool, add_masked_, drop_mask, masked

# Padded tokens per micro-batch on CPU. Bigger micro-batches run the products nearer peak and pay the per-op
# overhead of a forward/backward fewer times; the budget bounds the activations (~1.3 MB a token for SmolLM2-135M
# with a bf16 base: ~2.6 GB at most). Measured on the 135M model (BENCHMARKS.md): 2048 (whole steps of 8 rows
# there) 1.1-1.2x faster than 1024 and 1.2-1.3x faster than 512, once the LM head scored only trained tokens.
CPU_TOKEN_BUDGET = 2048


def _setting_on(name: str) -> bool:
    """Whether the FTLIB_* switch `name` is on: unset, or anything but 0 / false / no / off."""
    return os.environ.get(name, "1").strip().lower() not in ("0", "false", "no", "off")


def enabled() -> bool:
    """Whether the fast path is on: `FTLIB_FAST_PATH` unset, or anything but 0, false, no or off (any case)."""
    return _setting_on("FTLIB_FAST_PATH")


# ---------------------------------------------------------------------------------------------------------------
# CPUs that multiply bf16 natively (ftlib.precision decides what a run loads in)
# ---------------------------------------------------------------------------------------------------------------


@functools.cache
def native_cpu_bf16(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """Whether this CPU multiplies bf16 in hardware (without it, torch emulates bf16 matmuls ~100x slower)."""
    try:
        with open(cpuinfo, encoding="ascii", errors="replace") as info:
            flags = next((line for line in info if line.startswith("flags")), "").split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


# ---------------------------------------------------------------------------------------------------------------
# Micro-batches
# ---------------------------------------------------------------------------------------------------------------


def micro_batch_size(batch_size: int, longest: int, device: str, budget: int | None = None) -> int:
    """The largest divisor of `batch_size` whose micro-batch of `longest`-token rows fits the token budget.

    A divisor keeps every micro-batch of a step the same size. On GPU (or with the fast path off) the batch is
    not split.
    """
    if not enabled() or str(device).startswith("cuda") or batch_size <= 1:
        return batch_size
    budget = budget or int(os.environ.get("FTLIB_MICRO_TOKENS", CPU_TOKEN_BUDGET))
    for size in range(batch_size, 0, -1):
        if batch_size % size == 0 and size * max(1, longest) <= budget:
            return size
    return 1


# ---------------------------------------------------------------------------------------------------------------
# Fused LoRA linear
# ---------------------------------------------------------------------------------------------------------------


class _LoraLinear(torch.autograd.Function):
    """y = x W^T + b + scaling * (dropout(x) A^T) B^T for a frozen W, b; gradients for x, A and B.

    The whole layer computes in x's dtype: fp32 adapters on a bf16 base are cast to bf16 for the products (a
    [r, in] copy, not an activation-sized one) and their gradients cast back, as autocast does on a GPU. The rank-r
    terms are added inside the big products (the adapter's [tokens, out] term is the base product's accumulator, and
    the masked input-gradient term the `grad @ W` one's), not by a separate rank-r `addmm_` or add over the output
    afterwards: on the AMX Xeon those passes over activation-sized bf16 tensors cost about half a base product each
    (bench/bench_lora_layer.py; a step's 210 layers 3-10% less CPU time, BENCHMARKS.md).
    """

    @staticmethod
    def forward(ctx, x, weight, bias, lora_a, lora_b, scaling: float, dropout: float, masks=None):
        flat = x.reshape(-1, x.shape[-1])
        keep, keep_scale = (None, 1.0) if dropout <= 0 else (masks or drop_mask)(flat.shape, dropout, flat.device)
        a, b = lora_a.to(flat.dtype), lora_b.to(flat.dtype)  # no copy when the dtypes agree
        # [tokens, r]: cheap, so the scaling and the dropout's 1/(1-p) are applied here (saved so, for B's gradient)
        down = (masked(flat, keep) @ a.t()).mul_(scaling * keep_scale)
        out = (down @ b.t()).addmm_(flat, weight.t())  # the adapter's term, then the base product added into it
        if bias is not None:
            out.add_(bias)
        # Saves the input (shared with the other layers reading it), the mask (the dropped elements' indices, or a
        # 1-byte mask) and the [tokens, r] product: no per-layer float copy of the dropped input, no float mask.
        ctx.save_for_backward(flat, weight, a, b, down, keep)
        ctx.scaling, ctx.keep_scale, ctx.x_shape, ctx.param_dtype = scaling, keep_scale, x.shape, lora_a.dtype
        return out.view(*x.shape[:-1], out.shape[-1])

    @staticmethod
    def backward(ctx, grad_out):
        flat, weight, a, b, down, keep = ctx.saved_tensors
        grad = grad_out.reshape(-1, grad_out.shape[-1])
        grad_b = (down.t() @ grad).t()  # [out, r] (`down` holds the scalings); ~10% faster than grad.t() @ down
        grad_down = (grad @ b).mul_(ctx.scaling * ctx.keep_scale)  # d loss / d dropped input, via A: [tokens, r]
        grad_a = grad_down.t() @ masked(flat, keep)  # [r, in]
        grad_x = None
        if ctx.needs_input_grad[0]:
            term = grad_down @ a  # [tokens, in]: zeroed where dropped, then grad @ W added into it
            grad_x = _zero_dropped_(term, keep).addmm_(grad, weight).view(ctx.x_shape)
        return grad_x, None, None, grad_a.to(ctx.param_dtype), grad_b.to(ctx.param_dtype), None, None, None


def _zero_dropped_(term: torch.Tensor, keep: torch.Tensor | None) -> torch.Tensor:
    """`term` [tokens, features] with the elements a dropout mask (`dropout_masks.drop_mask`) drops set to 0."""
    if keep is None:
        return term
    if keep.dtype == torch.bool:
        return term.mul_(keep.view(torch.uint8))
    term.view(-1).index_fill_(0, keep, 0)
    return term


class _MixedLoraLinear(torch.autograd.Function):
    """`_LoraLinear` for bf16_products: x and the frozen weight in bf16, the output in fp32 = the base product rounded
    to bf16 (as autocast gives it) + the adapter's delta added in fp32, so small adapter deltas never round away.
    The adapter's down-projection runs in bf16 (a bf16 [r, in] copy of A), the rank-r up-projection and the B
    gradient in fp32; the input gradient is returned in bf16 (the cast before this layer takes it back to fp32)."""

    @staticmethod
    def forward(ctx, x, weight, bias, lora_a, lora_b, scaling: float, dropout: float, masks=None):
        flat = x.reshape(-1, x.shape[-1])
        out = F.linear(flat, weight, bias).float()
        keep, keep_scale = (None, 1.0) if dropout <= 0 else (masks or drop_mask)(flat.shape, dropout, flat.device)
        a = lora_a.to(flat.dtype)
        down = (masked(flat, keep) @ a.t()).float()  # [tokens, r]
        if keep_scale != 1.0:
            down.mul_(keep_scale)
        out.addmm_(down, lora_b.t(), alpha=scaling)
        ctx.save_for_backward(flat, weight, a, lora_b, down, keep)
        ctx.scaling, ctx.keep_scale, ctx.x_shape = scaling, keep_scale, x.shape
        return out.view(*x.shape[:-1], out.shape[-1])

    @staticmethod
    def backward(ctx, grad_out):
        flat, weight, a, b, down, keep = ctx.saved_tensors
        grad = grad_out.reshape(-1, grad_out.shape[-1]).float()
        grad_b = (grad.t() @ down).mul_(ctx.scaling)  # [out, r], fp32
        grad_down = (grad @ b).mul_(ctx.scaling * ctx.keep_scale).to(flat.dtype)  # [tokens, r]
        grad_a = (grad_down.t() @ masked(flat, keep)).float()  # [r, in]
        grad_x = None
        if ctx.needs_input_grad[0]:
            grad_x = grad.to(flat.dtype) @ weight
            if keep is None:
                grad_x.addmm_(grad_down, a)
            else:
                add_masked_(grad_x, grad_down @ a, keep)
            grad_x = grad_x.view(ctx.x_shape)
        return grad_x, None, None, grad_a, grad_b, None, None, None


class _MixedLinear(torch.autograd.Function):
    """y = x W^T + b for a trained fp32 W, with the products in bf16: the bf16 input (cast before this layer), a bf16
    copy of W (`shadow`, made again only after the optimizer changed W) and an fp32 output; the weight gradient is
    the bf16 product's, accumulated in fp32 like the input gradient's cast back. What bf16 autocast computes for a
    linear layer, without re-casting the weights on every forward of a step's micro-batches."""

    @staticmethod
    def forward(ctx, x, weight, bias, shadow):
        flat = x.reshape(-1, x.shape[-1])
        out = (flat @ shadow.t()).float()
        if bias is not None:
            out += bias
        ctx.save_for_backward(flat, shadow)
        ctx.x_shape, ctx.has_bias = x.shape, bias is not None
        return out.view(*x.shape[:-1], out.shape[-1])

    @staticmethod
    def backward(ctx, grad_out):
        flat, shadow = ctx.saved_tensors
        grad = grad_out.reshape(-1, grad_out.shape[-1])
        low = grad.to(flat.dtype)
        grad_x = (low @ shadow).view(ctx.x_shape) if ctx.needs_input_grad[0] else None
        grad_w = (low.t() @ flat).float() if ctx.needs_input_grad[1] else None
        grad_b = grad.float().sum(0) if ctx.has_bias and ctx.needs_input_grad[2] else None
        return grad_x, grad_w, grad_b, None


# Optimizer steps taken in this process. The fused AdamW the Trainer uses updates weights in place without moving
# their version counters, so a weight's copy is made again after every optimizer step (and when its version moved).
_OPTIMIZER_STEPS = [0]
_STEP_HOOK: list = []


def _count_optimizer_step(optimizer, args, kwargs) -> None:
    _OPTIMIZER_STEPS[0] += 1


def _shadow(module, dtype: torch.dtype) -> torch.Tensor:
    """A `dtype` copy of the module's weight, made again after an optimizer step or another change of the weight."""
    key = (module.weight.data_ptr(), module.weight._version, _OPTIMIZER_STEPS[0], dtype)
    cached = getattr(module, "_ftlib_shadow", None)
    if cached is None or cached[0] != key:
        cached = (key, module.weight.detach().to(dtype))
        module._ftlib_shadow = cached
    return cached[1]


def _mixed_linear_forward(module, x):
    if x.dtype != torch.float32:
        return module._ftlib_linear_forward(x)
    return _MixedLinear.apply(
        _shared_cast(x, torch.bfloat16), module.weight, module.bias, _shadow(module, torch.bfloat16)
    )


def _can_fuse(layer, x: torch.Tensor, args, kwargs) -> str | None:
    """The single active vanilla adapter name when the fused path computes exactly what PEFT would, else None."""
    if args or kwargs or layer.disable_adapters or layer.merged or len(layer.active_adapters) != 1:
        return None
    name = layer.active_adapters[0]
    if name not in layer.lora_A or name in getattr(layer, "lora_variant", {}):
        return None  # DoRA and other variants change the function
    if torch.is_autocast_enabled(x.device.type):
        return None  # autocast decides dtypes per op; leave that to PEFT's path
    base = layer.base_layer
    if base.weight.requires_grad or (base.bias is not None and base.bias.requires_grad):
        return None  # the fused backward assumes a frozen base
    lora_dtype = layer.lora_A[name].weight.dtype
    if x.dtype != base.weight.dtype or layer.lora_B[name].weight.dtype != lora_dtype:
        return None
    if lora_dtype != x.dtype and lora_dtype != torch.float32:
        return None  # a low-precision adapter on another base dtype: PEFT's casts decide
    return name


# The last fp32 input cast to a bf16 base's dtype (bf16_products): q/k/v and gate/up read the same input, so they
# share one cast (and its gradient) instead of making three or two.
_LAST_CAST: tuple = (None, -1, None)


def _products_input(layer, x: torch.Tensor) -> torch.Tensor:
    """`x` in the frozen base weight's dtype when `bf16_products` gave the layer a bf16 base under an fp32 stream
    (the autocast rule for a linear layer: its inputs go to the lower precision); `x` itself otherwise."""
    dtype = layer.base_layer.weight.dtype
    if not getattr(layer, "_ftlib_bf16_products", False) or x.dtype == dtype or not x.is_floating_point():
        return x
    return _shared_cast(x, dtype)


def _shared_cast(x: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """x.to(dtype), made once for consecutive layers reading the same input."""
    global _LAST_CAST
    if x.is_inference():
        return x.to(dtype)  # decoding under inference_mode (GRPO's answers): no version counter to key a cache on
    source, version, cast = _LAST_CAST
    if (
        source is not None
        and source() is x
        and version == x._version
        and cast.dtype == dtype
        and cast.requires_grad == (x.requires_grad and torch.is_grad_enabled())
    ):
        return cast
    cast = x.to(dtype)
    _LAST_CAST = (weakref.ref(x), x._version, cast)
    return cast


def _fused_forward(layer, x, *args, **kwargs):
    mixed = getattr(layer, "_ftlib_bf16_products", False) and x.dtype == torch.float32
    x = _products_input(layer, x)
    name = _can_fuse(layer, x, args, kwargs)
    if name is None:
        if mixed and not args and not kwargs and (layer.disable_adapters or not layer.active_adapters):
            # The base alone (DPO's reference forward): its bf16 product, handed on in fp32 like the fused path's.
            return layer.base_layer(x).float()
        out = layer._ftlib_peft_forward(x, *args, **kwargs)
        return out.float() if mixed else out
    dropout = layer.lora_dropout[name]
    p = float(dropout.p) if layer.training and isinstance(dropout, torch.nn.Dropout) else 0.0
    base = layer.base_layer
    function = _MixedLoraLinear if mixed and layer.lora_A[name].weight.dtype == torch.float32 else _LoraLinear
    pool = getattr(layer, "_ftlib_mask_pool", None)
    masks = functools.partial(pool.mask, id(layer)) if pool is not None and p > 0 else None
    return function.apply(
        x,
        base.weight,
        base.bias,
        layer.lora_A[name].weight,
        layer.lora_B[name].weight,
        float(layer.scaling[name]),
        p,
        masks,
    )


def fuse_lora(model, device: str) -> int:
    """Route every plain PEFT LoRA linear of `model` through the fused layer; returns how many.

    Only `peft.tuners.lora.Linear` itself is patched (4-bit and other subclasses keep PEFT's path), and not one
    wrapping a GPT-2-style `Conv1D` (PEFT's `fan_in_fan_out`: its weight stored [in, out], the transpose of the
    `nn.Linear` weight the fused product reads; a GPT-2 LoRA run failed at its first step with "mat1 and mat2
    shapes cannot be multiplied"), per instance, so saved adapters, state dicts and `unfuse_lora` are unaffected.
    Each call still checks the layer is in a state the fused function covers and otherwise runs PEFT's forward.
    `device`: the run's; a run on a GPU keeps PEFT's layer (there its dropout is one cheap kernel, and the fused
    layer measured 0.85-0.90x PEFT's speed: LoRA SFT and DPO of the 135M model in fp32 on an H200, BENCHMARKS.md).
    """
    if not enabled() or not str(device).startswith("cpu"):
        return 0
    from peft.tuners.lora.layer import Linear as LoraLinear

    count = 0
    for module in model.modules():
        if type(module) is LoraLinear and not module.fan_in_fan_out and not hasattr(module, "_ftlib_peft_forward"):
            module._ftlib_peft_forward = module.forward
            module.forward = types.MethodType(_fused_forward, module)
            count += 1
    return count


def share_mask_draws(model) -> int:
    """Give the fused LoRA layers of `model` one `dropout_masks.MaskPool`, so their dropout masks are drawn together
    once per forward, on two threads, instead of one by one (LoRA SFT on CPU: the draws' share of a step 5.6% -> 2.6%,
    whole steps 0.94x the time; BENCHMARKS.md). Only for runs without gradient checkpointing (see MaskPool). Returns
    how many layers share it.

    Each layer is registered with the pool in the model's order, with its input features and its adapter's dropout,
    before any forward: a run's first step (a resumed run's too) then draws the masks every later step draws."""
    layers = [m for m in model.modules() if hasattr(m, "_ftlib_peft_forward")]
    pool = MaskPool()
    for layer in layers:
        layer._ftlib_mask_pool = pool
        dropouts = [layer.lora_dropout[name] for name in layer.active_adapters if name in layer.lora_dropout]
        if len(dropouts) == 1 and isinstance(dropouts[0], torch.nn.Dropout):  # one adapter, as _can_fuse asks
            pool.register(id(layer), layer.in_features, float(dropouts[0].p))
    return len(layers)


def fuse_head(model, temperature: float = 1.0, pack_rows: bool = False) -> bool:
    """Score only the trained positions in the LM head of a model a TRL trainer gave its fused head (see
    ftlib.headloss); `temperature` is the one the trainer gave that head (GRPO's; 1 elsewhere). `pack_rows`: its
    padded batches run padding-free (`headloss.pack_padded_rows`; DPO, KTO, GRPO, where `padding_free` allows). The
    prefixes rows have in common are computed once, in those and in padding-free SFT batches, on a model that reads
    them so (`packed_rows.reads_shared_prefixes`)."""
    if not enabled():
        return False
    from ftlib import headloss

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    fused = headloss.fuse_lm_head(base, temperature=temperature)
    if fused and pack_rows:
        headloss.pack_padded_rows(base)
    if fused:  # padded batches packed, and padding-free SFT batches (headloss.shared_packed_batch)
        setattr(base, headloss.PACK_SHARED, _share_prefixes() and packed_rows.reads_shared_prefixes(base))
    return fused


def _share_prefixes() -> bool:
    """FTLIB_SHARE_PREFIXES=0 computes every row's prompt in full (to measure what sharing it is worth)."""
    return _setting_on("FTLIB_SHARE_PREFIXES")


def pack_score_rows(model, device: str | None = None) -> bool:
    """A reward model's right-padded batches run padding-free (ftlib.packed_rows), for a model `padding_free`
    allows, the prompt a pair's rows share computed once where its decoder reads rows so (after `fast_attention`).
    Returns whether its forward was wrapped."""
    base = _cpu_model(model, device)
    if base is None:
        return False
    share = _share_prefixes() and packed_rows.reads_shared_prefixes(packed_rows.decoder_of(base))
    return packed_rows.pack_score_rows(base, share_prefixes=share)


# Methods whose CPU runs get bf16 products (`bf16_products`); `ALIGNMENT_BF16` also with `tuning` full.
BF16_PRODUCT_METHODS = ("dpo", "full", "reward", "kto", "grpo")
ALIGNMENT_BF16 = ("reward", "kto", "grpo")


def bf16_products(model, method: str, device: str, requested_dtype: str, tuning: str = "lora") -> bool:
    """bf16 products for LoRA DPO, full fine-tuning, and the reward model, KTO and GRPO (LoRA or full, `tuning`) on
    a CPU with native bf16 (dtype `auto`).

    LoRA (DPO, reward, KTO, GRPO): the frozen weights of the adapted layers in bf16, their products in bf16;
    activations, norms, attention, embeddings and the adapters in fp32 (attention through ftlib.cpu_attention's
    batched products for short rows, `use_in_fp32`), the LM head's product in bf16. Like bf16
    autocast (each linear layer's inputs and weights in bf16), without casting the frozen weights again on every
    forward, and with each layer's output kept in fp32 with the adapter's delta added in fp32 (`_MixedLoraLinear`),
    where autocast would round the sum to bf16. The reference forwards of TRL's DPO, KTO and GRPO (the adapter
    disabled: the same layers) take the bf16 base product; the reward model's score head (PEFT's `modules_to_save`)
    stays fp32. Full fine-tuning (method `full`, or reward/KTO/GRPO with `tuning` full): the fp32 weights train as
    they are; each linear layer multiplies in bf16 with a bf16 copy of its weight made once per optimizer step
    (`_MixedLinear`), output fp32; the score head stays fp32; a frozen reference copy (KTO's, GRPO's `ref_model`)
    given to this function gets the same layers. For reward, KTO and GRPO the LM head's own forward multiplies in
    bf16 too (`_MixedLinear`, fp32 logits): what GRPO's answer writing (ftlib.sampling) runs every token; training
    scores through ftlib.headloss, which already multiplies in bf16. Returns whether it applied.

    A whole bf16 model (what LoRA SFT uses, `precision.training_dtype`) was measured to lose DPO's signal: adapter
    deltas and the small policy-vs-reference differences round away in a bf16 residual stream (BENCHMARKS.md); fp32
    matmuls cost 4-7x bf16's on such CPUs. Needs the model as `fuse_lora` left it (PEFT LoRA layers routed through
    the fused path). QLoRA (4-bit layers), GPUs and several processes (WORLD_SIZE > 1) are left as they are.
    """
    if not enabled() or method not in BF16_PRODUCT_METHODS or requested_dtype not in (None, "", "auto"):
        return False
    if str(device).startswith("cuda") or int(os.environ.get("WORLD_SIZE", "1")) > 1:
        return False  # several processes (DDP, FSDP's sharded weights): not measured or tested with these layers
    choice = os.environ.get("FTLIB_CPU_BF16", "auto").strip().lower()
    if not (choice in ("1", "true", "yes", "on") or (choice == "auto" and native_cpu_bf16())):
        return False
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    if method == "full" or (method in ALIGNMENT_BF16 and tuning == "full"):
        # Attention stays torch's: the batched products in fp32 measured no faster for full fine-tuning (1 thread:
        # 4.78-4.83 vs 4.76-4.79 s CPU for steps 2-4; 2 threads: 26.2-26.5 vs 25.7 s per epoch), unlike LoRA DPO.
        return _bf16_full(base, generating_head=method in ALIGNMENT_BF16)
    if method in ALIGNMENT_BF16 and tuning != "lora":
        return False  # QLoRA: 4-bit layers keep their own compute dtype
    layers = [m for m in model.modules() if hasattr(m, "_ftlib_peft_forward")]
    if not layers or any(m.base_layer.weight.requires_grad for m in layers):
        return False
    for layer in layers:
        layer.base_layer.to(torch.bfloat16)
        layer._ftlib_bf16_products = True
    base._ftlib_head_dtype = torch.bfloat16  # read by ftlib.headloss
    if method in ALIGNMENT_BF16:
        _mix_linear(base.get_output_embeddings())
    return _fp32_attention(base)


def _fp32_attention(base) -> bool:
    """The fp32 stream's attention through ftlib.cpu_attention's batched products (`use_in_fp32`): LoRA DPO steps
    -5% CPU on 1 thread, -2% wall on 2 (BENCHMARKS.md)."""
    from ftlib import cpu_attention

    cpu_attention.use_in_fp32(base)
    return True


def _mix_linear(module) -> bool:
    """Route a plain fp32 nn.Linear through `_MixedLinear` (bf16 product, fp32 output); whether it did."""
    if type(module) is not torch.nn.Linear or module.weight.dtype != torch.float32:
        return False
    if hasattr(module, "_ftlib_linear_forward"):
        return True
    if not _STEP_HOOK:
        from torch.optim.optimizer import register_optimizer_step_post_hook

        _STEP_HOOK.append(register_optimizer_step_post_hook(_count_optimizer_step))
    module._ftlib_linear_forward = module.forward
    module.forward = types.MethodType(_mixed_linear_forward, module)
    return True


def _bf16_full(model, generating_head: bool = False) -> bool:
    """Full fine-tuning: every linear layer but the LM head (ftlib.headloss scores it in bf16; with
    `generating_head`, its own forward too) and a reward model's score head through `_MixedLinear`; weights,
    optimizer state and the stream stay fp32."""
    head = model.get_output_embeddings()
    linears = [
        m
        for name, m in model.named_modules()
        if type(m) is torch.nn.Linear
        and m is not head
        and m.weight.dtype == torch.float32
        and name.rsplit(".", 1)[-1] != "score"  # a reward model's one-number head: fp32, as autocast-free TRL has it
    ]
    if not linears:
        return False
    for module in linears:
        _mix_linear(module)
    if generating_head and head is not None:
        _mix_linear(head)
    model._ftlib_head_dtype = torch.bfloat16
    return True


def _cpu_model(model, device: str | None = None):
    """The transformers model under `model` (a PEFT wrapper's base model) when the fast path is on and it trains on
    CPU: on `device`, the run's, where given, else where its weights are now. None otherwise. (An FSDP run's model is
    loaded on the CPU and moved to its GPU as the trainer shards it: by its weights it looked like a CPU run, and
    its GPU attention computed every packed position against every other, a reviewer found.)"""
    if not enabled() or (device is not None and not str(device).startswith("cpu")):
        return None
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return base if next(base.parameters()).device.type == "cpu" else None


def padding_free_allowed() -> bool:
    """Whether this server's settings let CPU runs be padding-free (SFT and the alignment trainers): the fast path
    on and `FTLIB_PADDING_FREE` not 0 (what the Batches page can know without a model; `padding_free` also probes the
    run's model)."""
    return enabled() and _setting_on("FTLIB_PADDING_FREE")


def padding_free(model, device: str | None = None) -> bool:
    """Whether a run on this model lays each SFT micro-batch's rows end to end in one sequence (TRL's
    `padding_free`: no pad tokens, positions restarting at each row) instead of padding them to the longest: on CPU
    with the fast path, where ftlib.cpu_attention attends each row on its own (its padded layout holds only the
    attention's q, k and v). Every product, norm and dropout mask then skips the padding (~11% of the tokens of the
    benchmark's length-sorted micro-batches). The alignment trainers' padded rows run so too (DPO, KTO and GRPO
    through `fuse_head(pack_rows=True)`, the reward model through `pack_score_rows`). `FTLIB_PADDING_FREE=0` pads
    them (to measure what this is worth). `device`: the run's (see `_cpu_model`)."""
    if not padding_free_allowed():
        return False
    base = _cpu_model(model, device)
    if base is None or getattr(base.config, "_attn_implementation", None) != "sdpa":
        return False
    # A reward model's classifier returns one score per row: its decoder's hidden states show what rows read.
    return packed_rows.keeps_packed_rows_apart(
        packed_rows.decoder_of(base) if packed_rows.is_sequence_classifier(base) else base
    )


def fast_attention(model, device: str | None = None) -> bool:
    """On CPU, give a model about to train the short-row bf16 attention of ftlib.cpu_attention (it steps aside by
    itself for fp32, long rows and generation). Returns whether the model switched. `device`: the run's."""
    base = _cpu_model(model, device)
    if base is None:
        return False
    from ftlib import cpu_attention

    return cpu_attention.use_for(base)


def fast_norms(model, device: str | None = None) -> int:
    """On CPU, give a model about to train ftlib.cpu_norm's one-node RMSNorm where it computes the model's own norm.
    Returns how many norm modules switched. `device`: the run's."""
    base = _cpu_model(model, device)
    if base is None:
        return 0
    from ftlib import cpu_norm

    return cpu_norm.use_for(base)


def unfuse_lora(model) -> None:
    """Undo `fuse_lora` (PEFT's own forward again)."""
    for module in model.modules():
        if hasattr(module, "_ftlib_peft_forward"):
            module.forward = module._ftlib_peft_forward
            del module._ftlib_peft_forward


__all__ = [
    "ALIGNMENT_BF16",
    "BF16_PRODUCT_METHODS",
    "CPU_TOKEN_BUDGET",
    "bf16_products",
    "enabled",
    "fast_attention",
    "fast_norms",
    "fuse_head",
    "fuse_lora",
    "micro_batch_size",
    "native_cpu_bf16",
    "padding_free",
    "padding_free_allowed",
    "share_mask_draws",
    "unfuse_lora",
]
