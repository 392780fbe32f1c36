"""How much memory a run needs, before it starts: weights, gradients, optimizer state, activations.

The model's shape comes from its config alone (instantiated on the `meta` device, so nothing is loaded), and
the estimate follows what the trainers really keep:

- weights: every parameter in the dtype the run loads it in (`precision.training_dtype`: under `auto` a model
  under 200M parameters is fp32 throughout on a GPU; a larger full fine-tune there keeps fp32 master weights and
  computes in bf16 under the Trainer's autocast, which also keeps a bf16 copy of the weights it multiplies; an
  explicit `bfloat16` is pure bf16, half of that); QLoRA stores the linear layers of the blocks in 4 bits (plus
  one fp32 scale per 64 weights, which double quantization stores in 8 bits: a quarter) and the rest in fp32
  (PEFT's `prepare_model_for_kbit_training` upcasts them); full DPO, KTO and GRPO also keep a frozen reference copy.
- gradients: one per trainable parameter, in the trained weights' dtype (LoRA adapters are fp32).
- optimizer: AdamW keeps two moments per trainable parameter, in the same dtype.
- activations: what each decoder block saves for the backward pass, per token (inputs of every linear
  layer, the MLP's gate/up/product, norm and rotary intermediates, LoRA dropout copies), times tokens per
  step, plus the LM head's scoring tiles; DPO and a reward model double the batch (chosen + rejected), GRPO's
  step holds batch_size x group size answers of prompt + max new tokens. Gradient checkpointing keeps only each
  block's input plus one block's worth. On CPU an SFT or GRPO step runs as micro-batches (ftlib.fastpath), so the
  activations are one micro-batch's: a bigger batch takes longer there, not more memory. A batch bigger than the
  training rows holds only those rows (`train_rows`); a packing SFT run's batch holds the tokens of its packed rows end
  to end (`row_tokens`: up to max_length each, however short its rows). A CPU run through the fast path is counted
  from what its layers keep (ftlib.cpu_memory, checked against the tensors autograd saves), with
  `fastpath.bf16_products`' bf16 weights and copies, gradient checkpointing too; the other paths (GPU, QLoRA, the
  fast path off) by `activation_bytes`.
- on CPU the estimate is the whole process's: the libraries' own resident memory (~0.6 GB, measured:
  `cpu_memory.RUNTIME`) is a part of it; on a GPU the CUDA context and allocator slack.
- several processes: each GPU holds its own share. DDP (`sharding: none`) keeps a whole copy per process plus a
  second copy of the gradients in its communication buckets; FSDP (`sharding: fsdp`) keeps 1/N of the weights,
  gradients and optimizer state, plus what it gathers whole: the block computing and the next one (prefetched), and
  the parameters outside the blocks (embeddings, head), which stay gathered through a step. Under bf16/fp16
  autocast on a GPU, accelerate's FSDP2 path (`fsdp2_prepare_model`, accelerate 1.15) upcasts every trainable
  parameter that is not fp32 to fp32 before sharding (so an explicit `bfloat16` full fine-tune shards fp32 weights,
  gradients and AdamW state too) and gathers them in the compute dtype (`MixedPrecisionPolicy(param_dtype=...)`).
  Activations are per process either way.

    est = estimate(RunConfig(method="lora"))
    est.total, est.rows()        # bytes; (part, bytes, explanation) for the UI

Checked against the measured peak memory of real CPU runs in tests/test_memory.py and bench/memory_estimate.py
(within about 10% over step sizes and two model sizes, LoRA, full and DPO: BENCHMARKS.md). Not known here: the
trainer (training.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from ftlib.errors import plural

GIB = 1024**3
_BYTES = {"float32": 4, "bfloat16": 2, "float16": 2}
# Framework overhead that is not the model on a GPU: CUDA context and allocator slack. On CPU the estimate counts the
# whole process instead: the libraries' resident memory (cpu_memory.RUNTIME, measured).
_OVERHEAD = {"cuda": int(0.6 * GIB)}


@dataclass(frozen=True)
class ModelShape:
    """What the estimate needs to know about a model, read from its config."""

    params: int  # unique parameters (tied weights once)
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    intermediate: int
    vocab: int
    # (name, in_features, out_features) of every linear layer inside the blocks (what all-linear LoRA adapts)
    linears: tuple[tuple[str, int, int], ...] = field(repr=False, default=())

    @property
    def linear_params(self) -> int:
        return sum(i * o for _, i, o in self.linears)


@functools.lru_cache(maxsize=16)
def model_shape(spec: str = "default") -> ModelShape:
    """The shape of a model from its config only (no weights are read)."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    from ftlib.model_build_lock import building_models
    from ftlib.models import resolve_model

    config = AutoConfig.from_pretrained(resolve_model(spec))
    # Built while another thread loads a model, tie_weights was a no-op and a tied lm_head counted apart (163M for
    # the 135M default): ftlib.model_build_lock.
    with torch.device("meta"), building_models():
        model = AutoModelForCausalLM.from_config(config)
    seen, params = set(), 0
    for p in model.parameters():
        if id(p) not in seen:
            seen.add(id(p))
            params += p.numel()
    out_name = _output_layer_name(model)
    linears = tuple(
        (name, m.in_features, m.out_features)
        for name, m in model.named_modules()
        if isinstance(m, torch.nn.Linear) and name != out_name
    )
    text = config.get_text_config()
    heads = getattr(text, "num_attention_heads", 1)
    return ModelShape(
        params=params,
        hidden=text.hidden_size,
        layers=text.num_hidden_layers,
        heads=heads,
        kv_heads=getattr(text, "num_key_value_heads", None) or heads,
        intermediate=getattr(text, "intermediate_size", 4 * text.hidden_size),
        vocab=text.vocab_size,
        linears=linears,
    )


def _output_layer_name(model) -> str:
    out = model.get_output_embeddings()
    for name, module in model.named_modules():
        if module is out:
            return name
    return "lm_head"


@dataclass
class MemoryEstimate:
    """Bytes per part, the total, and how it compares with the device."""

    device: str
    dtype: str
    params: int
    trainable: int
    weights: int
    reference: int
    gradients: int
    optimizer: int
    activations: int
    overhead: int
    available: int | None = None  # bytes the device has (total GPU memory, or the machine's available RAM)
    processes: int = 1  # processes training the run, each on its own device; the parts above are per process
    sharing: int = 1  # of those, the processes sharing `available` (on a CPU, this machine's: they share its RAM)
    per: str = "GPU"  # what each process trains on, for "per GPU" / "per process" (on a CPU)
    shards: int = 1  # processes the weights, gradients and optimizer state are split over (FSDP), else 1
    step_rows: int = 1  # sequences one optimizer step runs per process (GRPO: prompts x answers per prompt)
    pass_rows: int = 1  # of those, the sequences one forward pass holds (fewer on CPU: micro-batches)
    compute: str = ""  # the dtype the products run in, where it is not the weights' (bf16 autocast on fp32 weights)
    working_copy: int = 0  # of `weights`, the bytes of autocast's compute-dtype copy of the trained weights
    halves_with: str | None = None  # a Weights dtype that would halve the trained weights' memory (`too_big`)

    @property
    def total(self) -> int:
        return self.weights + self.reference + self.gradients + self.optimizer + self.activations + self.overhead

    @property
    def on_gpu(self) -> bool:
        return self.device.startswith("cuda")

    @property
    def fits(self) -> bool | None:
        return None if self.available is None else self.total * self.sharing <= self.available

    def too_big(self) -> str | None:
        """What to say when the run does not fit the device: the memory there and what lowers the estimate, the
        number format first where it halves the weights (a full fine-tune's fp32 master weights on a GPU). None when
        it fits or the device's memory is not known."""
        if self.fits is not False:
            return None
        where = "GPU memory" if self.device.startswith("cuda") else "free RAM"
        said = (
            f"More than the {human(self.available)} of {where} on {self.device}. Lower the batch size or max "
            "length, turn on gradient checkpointing, or use LoRA/QLoRA."
        )
        if self.sharing > 1:  # each of this machine's processes holds its own copy: the RAM is split between them
            said = (
                f"{self.sharing} processes of {human(self.total)} each ({human(self.total * self.sharing)}) are "
                f"{said[0].lower()}{said[1:]} Or train with fewer processes (nproc)."
            )
        if self.halves_with:
            said += (
                f" Or set Weights dtype to {self.halves_with}: it halves the memory of the weights, their gradients "
                f"and the optimizer state (auto keeps {self.dtype} master weights for exact small updates; in "
                f"{self.halves_with} updates smaller than its resolution are lost)."
            )
        return said

    def rows(self) -> list[tuple[str, int, str]]:
        """(part, bytes, what it is) for display."""
        split = f", split over {self.shards} processes (FSDP)" if self.shards > 1 else ""
        rows = [
            (
                "Weights",
                self.weights,
                f"{self.params / 1e6:.0f}M parameters in {self.dtype}"
                + (" (linear layers in 4 bits)" if self.dtype == "4-bit" else "")
                + (f", multiplied in {self.compute}" + (" (autocast)" if self.on_gpu else "") if self.compute else "")
                + (f"{split}, plus the layers being computed gathered whole" if split else "")
                + (f", plus the {self.compute} copy it multiplies with" if self.working_copy else ""),
            ),
            (
                "Gradients",
                self.gradients,
                f"one per trainable parameter ({self.trainable / 1e6:.2f}M){split}"
                + ("; DDP keeps a second copy to average them" if self.processes > 1 and not split else ""),
            ),
            ("Optimizer state", self.optimizer, f"AdamW keeps two running averages per trainable parameter{split}"),
            ("Activations", self.activations, self.activations_text()),
            (
                ("Overhead", self.overhead, "CUDA context and allocator slack")
                if self.on_gpu
                else (
                    "Libraries",
                    self.overhead,
                    "what a training process holds before its model: torch, transformers, PEFT and TRL loaded "
                    "(measured once, on a tiny model)",
                )
            ),
        ]
        if self.reference:
            rows.insert(
                1, ("Reference model", self.reference, "DPO, KTO and GRPO compare against a frozen copy of the start")
            )
        return rows

    def activations_text(self) -> str:
        """What the activations row covers: how many sequences at a time, and why a bigger batch may not add any."""
        text = "what each layer keeps from the forward pass for the backward pass"
        if self.pass_rows < self.step_rows:
            return (
                f"{text}, for {self.pass_rows} of a step's {self.step_rows} sequences at a time: on CPU a step runs "
                "in smaller passes whose gradients are added up (the same update), so a bigger batch takes longer, "
                "not more memory"
            )
        return f"{text}, for the {plural(self.step_rows, 'sequence')} of a step at once"

    def as_dict(self) -> dict:
        return {
            "device": self.device,
            "dtype": self.dtype,
            "params": self.params,
            "trainable": self.trainable,
            "weights": self.weights,
            "reference": self.reference,
            "gradients": self.gradients,
            "optimizer": self.optimizer,
            "activations": self.activations,
            "overhead": self.overhead,
            "total": self.total,
            "available": self.available,
            "fits": self.fits,
            "processes": self.processes,
            "sharing": self.sharing,
            "shards": self.shards,
            "step_rows": self.step_rows,
            "pass_rows": self.pass_rows,
            "compute": self.compute,
            "working_copy": self.working_copy,
        }


def lora_params(shape: ModelShape, r: int, targets: list[str] | tuple[str, ...]) -> int:
    """Trainable parameters of a LoRA adapter: r * (in + out) per adapted linear layer."""
    return sum(r * (i + o) for name, i, o in shape.linears if _targeted(name, targets))


def _targeted(name: str, targets) -> bool:
    if list(targets) == ["all-linear"]:
        return True
    leaf = name.rsplit(".", 1)[-1]
    return leaf in targets or name in targets


# Elements each decoder block keeps per token for the backward pass, per unit of hidden size (h), key/value
# width (kv) and MLP width (inter). Calibrated on SmolLM2-135M in fp32 on CPU (tests/test_memory.py): besides
# the inputs of the linear layers and the MLP's gate/up/product, RMSNorm and rotary embeddings keep several
# full-width intermediates.
_PER_TOKEN = {"h": 13.0, "kv": 5.0, "inter": 6.5}
# LoRA dropout keeps a dropped copy of each adapted layer's input (plus its mask).
_DROPOUT_COPY = 1.45
# With gradient checkpointing each block keeps this many elements per token (in units of h): more than its
# input alone, as the non-reentrant checkpoint also holds norm and rotary inputs (calibrated like _PER_TOKEN, with
# glibc returning freed blocks; its default heap can keep a few hundred MB more resident on CPU).
_CHECKPOINT_KEEP = 15.0
# TRL's chunked LM head scores at most this many tokens x this many vocabulary entries at a time (fp32).
_HEAD_TILE = (4096, 32768)


def activation_bytes(
    shape: ModelShape,
    tokens: int,
    elem: int,
    dropout_inputs: int = 0,
    checkpointing: bool = False,
    fused_lora: bool = False,
    fast_head: bool = False,
) -> int:
    """Bytes the backward pass needs from the forward pass for `tokens` tokens per forward pass.

    `dropout_inputs`: summed input width of the LoRA-adapted layers of one block (when dropout is on).
    `fused_lora`: ftlib.fastpath's fused layer keeps a 1-byte mask per dropped element instead of float copies.
    `fast_head`: ftlib.headloss keeps the trained tokens' logits (all tokens at worst), and its backward pass a
    gradient of the same size, plus fp32 row chunks.
    """
    from ftlib import headloss

    h, kv, inter = shape.hidden, shape.hidden * shape.kv_heads // max(shape.heads, 1), shape.intermediate
    per_token = _PER_TOKEN["h"] * h + _PER_TOKEN["kv"] * kv + _PER_TOKEN["inter"] * inter
    dropout = dropout_inputs * (1 if fused_lora else _DROPOUT_COPY * elem)
    per_block = tokens * (per_token * elem + dropout)
    # With checkpointing each block keeps little, and one block is recomputed at a time.
    if checkpointing:
        blocks = shape.layers * tokens * _CHECKPOINT_KEEP * h * elem + per_block
    else:
        blocks = shape.layers * per_block
    if fast_head and tokens * shape.vocab <= headloss.MAX_SCORES:
        head = 2 * tokens * shape.vocab * elem + 2 * min(tokens, headloss.ROW_CHUNK) * shape.vocab * 4
    else:
        head = 2 * min(tokens, _HEAD_TILE[0]) * min(shape.vocab, _HEAD_TILE[1]) * 4
    return int(blocks + head + 2 * tokens * h * elem)


def _device_memory(device: str) -> int | None:
    try:
        if device.startswith("cuda"):
            import torch

            index = int(device.split(":", 1)[1]) if ":" in device else 0
            return torch.cuda.get_device_properties(index).total_memory
        import psutil

        return int(psutil.virtual_memory().available)
    except Exception:  # no GPU, no psutil: the estimate still stands without a comparison
        return None


def estimate(
    config,
    device: str | None = None,
    seq_len: int | None = None,
    shape: ModelShape | None = None,
    available: int | None = None,
    train_rows: int | None = None,
    row_tokens: list[int] | None = None,
) -> MemoryEstimate:
    """Estimate peak training memory for a RunConfig on `device` (default: the config's device).

    `seq_len`: the typical padded sequence length (default: the config's max_length, the worst case).
    `train_rows`: the rows the run trains on, when known: a batch bigger than them holds only them.
    `row_tokens`: the tokens of each row a packing SFT run steps over (`Preflight.packed`: rows of up to max_length
    packed of shorter ones, `batch_plans.packed_lengths`), in place of `train_rows`. TRL's padding-free collator lays a
    batch of them end to end, and attention reads each example apart (`seq_len`: the longest example): a pass holds
    the tokens of its packed rows, counted here as the longest of them, not rows x `seq_len`.
    """
    from ftlib import cpu_memory, fastpath, precision
    from ftlib.models import pick_device

    shape = shape or model_shape(config.model)
    device = device or pick_device(None if config.device == "auto" else config.device)
    from ftlib.training_model import model_parameters

    dtypes = (config.dtype, device, config.method, config.tuning, model_parameters(config.model, device))
    dtype = _dtype_name(precision.training_dtype(*dtypes), device)  # the weights, as the run loads them
    compute = _dtype_name(precision.compute_dtype(*dtypes), device)
    elem = _BYTES[dtype]
    # The Trainer's bf16/fp16 autocast on a GPU (training.trainer_arguments follows the compute dtype): activations
    # in the compute dtype, whatever the weights are stored in.
    autocast = device.startswith("cuda") and compute in ("bfloat16", "float16")
    act_elem = _BYTES[compute] if autocast else elem
    # A GRPO answer is its prompt plus at most max new tokens; a step holds batch_size x group size of them.
    seq = int(seq_len or config.max_length) + (config.grpo_max_new_tokens if config.method == "grpo" else 0)
    processes = config.nproc * config.nnodes
    group = config.grpo_group_size if config.method == "grpo" else 1
    step_rows = config.batch_size * group
    # SFT and GRPO steps run as micro-batches on CPU (ftlib.fastpath): activations follow the rows of one forward pass.
    whole = config.method in ("dpo", "reward", "kto")
    packed = sorted(row_tokens, reverse=True) if row_tokens else []  # a packing run's rows, longest first
    train_rows = len(packed) or train_rows
    # Split as training splits it (training.build_trainer): packed rows by the max length they may reach.
    rows = step_rows if whole else fastpath.micro_batch_size(step_rows, config.max_length if packed else seq, device)
    if train_rows:  # a step cannot hold more rows than a process has
        step_rows = min(step_rows, -(-train_rows // processes) * group)
        rows = min(rows, step_rows)
    sequences = rows * (2 if config.method in ("dpo", "reward") else 1)  # chosen + rejected
    tokens = sum(packed[:sequences]) if packed else sequences * seq  # a packed pass: its rows' tokens end to end
    tuning = config.tuning
    from ftlib.distributed import shards as sharded
    from ftlib.distributed import trains_on_cpu

    shards = processes if sharded(config) else 1
    # accelerate's FSDP2 path upcasts every trainable parameter to fp32 under mixed precision (module docstring).
    upcast = shards > 1 and autocast

    # A CPU run through the fast path: what its layers keep is read from them (ftlib.cpu_memory), bf16 products too.
    cpu_fast = not device.startswith("cuda") and fastpath.enabled() and tuning != "qlora"
    mixed = cpu_fast and cpu_memory.bf16_products(config.method, tuning, config.dtype, processes)
    adapted = [(i, o) for name, i, o in shape.linears if _targeted(name, config.lora_targets)]
    if tuning == "qlora":
        quantized = shape.linear_params
        # NF4: half a byte per weight, one fp32 absmax per 64 weights (double quantization stores it in 8 bits); the
        # rest (embeddings, norms, head) fp32 after prepare_model_for_kbit_training.
        scale = 1 / 64 * (1.0 if config.double_quant else 4.0)
        weights = int(quantized * (0.5 + scale) + (shape.params - quantized) * 4)
        weight_label = "4-bit"
    else:
        weights = shape.params * elem
        weight_label = dtype
    if tuning in ("lora", "qlora"):
        trainable = lora_params(shape, config.lora_r, config.lora_targets)
        grad_elem = 4  # PEFT keeps adapter weights in fp32 (TRL casts QLoRA adapters to bf16 on GPU, a bit less)
        adapted_in = sum(i for name, i, _ in shape.linears if _targeted(name, config.lora_targets))
        # The alignment trainers switch dropout off (disable_dropout=True), so only SFT keeps the dropout copies.
        dropout_on = config.lora_dropout > 0 and config.method in ("lora", "qlora", "full")
        dropout_inputs = adapted_in // max(shape.layers, 1) if dropout_on else 0
        working_copy = 0
    else:
        trainable = shape.params
        grad_elem = 4 if upcast else elem
        weights, weight_label = shape.params * grad_elem, "float32" if upcast else dtype
        dropout_inputs = 0
        # Autocast keeps a compute-dtype copy of each trained weight it multiplies (its cast cache, saved for the
        # backward): the linear layers and the output head (a reward model's one-number score head: negligible).
        head = shape.vocab * shape.hidden if config.method != "reward" else 0
        working_copy = (shape.linear_params + head) * act_elem if autocast and act_elem < elem and not upcast else 0
        weights += working_copy
    if mixed:  # fastpath.bf16_products: bf16 frozen LoRA layers, or bf16 copies of what a full fine-tune multiplies
        weights, working_copy = cpu_memory.mixed_weights(shape, config.method, tuning, sum(i * o for i, o in adapted))
        compute = "bfloat16"
    gradients = trainable * grad_elem
    optimizer = 2 * trainable * grad_elem
    # Full DPO, KTO and GRPO (with a KL penalty) score against a frozen copy of the starting model.
    compares = config.method in ("dpo", "kto") or (config.method == "grpo" and config.beta > 0)
    reference = shape.params * elem if (compares and tuning == "full") else 0
    if shards > 1:
        # FSDP2 gathers a block whole while it computes (and prefetches the next); the root's parameters (embeddings,
        # head, final norm) stay gathered through the step, in the compute dtype under mixed precision.
        block = shape.linear_params // max(shape.layers, 1)
        gathered = (shape.params - shape.linear_params + 2 * block) * act_elem
        weights = weights // shards + gathered
        reference = reference // shards + gathered if reference else 0
        gradients, optimizer = gradients // shards, optimizer // shards
    elif processes > 1:
        gradients *= 2  # DDP's buckets: the gradients are copied there to be averaged across processes
    # 4-bit layers keep PEFT's path, and so does every layer of a run on a GPU (fastpath.fuse_lora): PEFT's dropout
    # then copies each adapted input.
    fused = tuning == "lora" and fastpath.enabled() and not autocast and not device.startswith("cuda")
    fast_head = fastpath.enabled() and not device.startswith("cuda")  # ftlib.headloss, SFT and DPO
    if cpu_fast:
        lora = tuning == "lora"
        activations = cpu_memory.activation_bytes(
            shape,
            tokens,
            seq,
            cpu_memory.streams(elem, config.method, tuning, mixed),
            head=config.method != "reward",
            checkpointing=config.gradient_checkpointing,
            lora_r=config.lora_r if lora else 0,
            adapted=len(adapted) // max(shape.layers, 1) if lora else 0,
            dropout_inputs=dropout_inputs,
            dropout=config.lora_dropout if dropout_inputs else 0.0,
        )
    else:
        activations = activation_bytes(
            shape, tokens, act_elem, dropout_inputs, config.gradient_checkpointing, fused, fast_head
        )
    # Full fine-tuning's fp32 master weights under `auto` on one GPU: an explicit bfloat16 halves what it trains.
    halves = tuning == "full" and shards == 1 and elem == 4 and act_elem == 2 and config.dtype in (None, "", "auto")
    overhead = _OVERHEAD["cuda"] if device.startswith("cuda") else cpu_memory.RUNTIME
    on_cpu = not device.startswith("cuda") and trains_on_cpu(config)  # its processes share this machine's RAM
    return MemoryEstimate(
        device=device,
        dtype=weight_label,
        params=shape.params,
        trainable=trainable,
        weights=weights,
        reference=reference,
        gradients=gradients,
        optimizer=optimizer,
        activations=activations,
        overhead=overhead,
        available=available if available is not None else _device_memory(device),
        processes=processes,
        sharing=config.nproc if on_cpu else 1,
        per="process" if on_cpu else "GPU",
        shards=shards,
        step_rows=step_rows * (2 if config.method in ("dpo", "reward") else 1),
        pass_rows=sequences,
        compute=compute if compute != weight_label and weight_label != "4-bit" else "",
        working_copy=working_copy,
        halves_with=compute if halves else None,
    )


def _dtype_name(dtype: str, device: str) -> str:
    if dtype in ("float32", "bfloat16", "float16"):
        return dtype
    try:
        from ftlib.models import pick_dtype

        return str(pick_dtype(device, dtype)).removeprefix("torch.")  # the dtype a run loads with: one rule for both
    except Exception:
        return "float32"


def human(n: int | float | None) -> str:
    """Bytes as a short human string.

    >>> human(3 * 1024**3)
    '3.00 GiB'
    >>> human(512 * 1024**2)
    '512 MiB'
    >>> human(12_345), human(0)  # a queued run's folder read "0 MiB"
    ('12 KiB', '0 KiB')
    """
    if n is None:
        return "?"
    if abs(n) >= GIB:
        return f"{n / GIB:.2f} GiB"
    if abs(n) < 1024**2:
        return f"{n / 1024:.0f} KiB"
    return f"{n / 1024**2:.0f} MiB"
