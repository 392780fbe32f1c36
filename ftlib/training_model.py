"""The model a run trains: loaded 4-bit (QLoRA) or in the fast path's training dtype, and the two library objects
that shape it, `lora_config` (peft.LoraConfig) and `quantization_config` (transformers.BitsAndBytesConfig).

4-bit on CPU: bitsandbytes (0.50) repacks a `Linear4bit`'s weights for its inference kernel `gemv_4bit` the first
time the layer runs in eval mode without gradients on a CPU with AVX-512 BF16 (a run's evaluation, GRPO writing its
answers). That kernel has no backward: from then on no gradient flows back through the 4-bit weights, and every
earlier layer's adapter learns from a wrong gradient (tests/test_qlora_cpu.py measures it). A training model's 4-bit
layers are told to keep the trainable path (`keep_4bit_trainable`).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from ftlib.config import RunConfig

# The methods whose adapter keeps the run's dropout setting (its field's `when`): the others switch dropout off.
SFT_DROPOUT = ("lora", "qlora")


def lora_config(config: RunConfig):
    """The peft.LoraConfig of an adapter run (None when every weight is trained)."""
    if not config.uses_adapter:
        return None
    from peft import LoraConfig

    targets = config.lora_targets
    return LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        # DPO, the reward model, KTO and GRPO train with every dropout off (TRL's disable_dropout; the setting is not
        # theirs): none asked of PEFT either, whose adapter of a mixture of experts' fused expert weights (Mixtral,
        # Qwen2-MoE: a ParamWrapper) refuses any dropout, so such a run failed as PEFT built its adapter.
        lora_dropout=float(config.lora_dropout) if config.method in SFT_DROPOUT else 0.0,
        target_modules="all-linear" if targets == ["all-linear"] else list(targets),
        exclude_modules=NOT_TEXT if multimodal(config.model) else None,
        bias="none",
        # A reward model trains its new score head whole beside the adapter (saved with it).
        task_type="SEQ_CLS" if config.method == "reward" else "CAUSAL_LM",
        modules_to_save=["score"] if config.method == "reward" else None,
    )


# The parts of a multimodal checkpoint that read images or sound (Gemma 3 4B and up, Llama 3.2 Vision; Qwen2-VL and
# LLaVA, which transformers has no causal language model class for, are refused where text is written:
# model_kind.not_a_decoder). Text rows never run them, so adapters there (`all-linear`, or q_proj, which SigLIP's
# layers are named too) train nothing and only weigh the adapter down: all-linear adapted every attention and MLP
# layer of Gemma 3's tower.
NOT_TEXT = r"(.*\.)?(vision_tower|vision_model|visual|multi_modal_projector|audio_tower)(\..*)?"


def multimodal(spec: str) -> bool:
    """Whether the model `spec` names is a multimodal checkpoint (its config.json has a `vision_config` or an
    `audio_config`), whose `NOT_TEXT` parts get no adapter. False when its config cannot be read."""
    from ftlib.model_kind import config_json
    from ftlib.models import resolve_model

    try:
        described = config_json(resolve_model(spec, fetch=False))
    except Exception:  # the run's own loading says what is wrong with the folder
        return False
    return any(k in described for k in ("vision_config", "audio_config"))


def quantization_config(config: RunConfig, compute_dtype):
    """The transformers.BitsAndBytesConfig of a 4-bit (QLoRA) run, None otherwise (Dettmers et al. 2023)."""
    if not config.uses_4bit:
        return None
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type=config.quant_type,
        bnb_4bit_use_double_quant=bool(config.double_quant),
        bnb_4bit_compute_dtype=compute_dtype,
    )


def training_dtypes(config: RunConfig, device: str):
    """(weights' dtype, compute dtype) of the run on `device`, as torch dtypes (ftlib.precision). They differ on a GPU
    under `auto` when the run trains the model's own weights (full fine-tuning) of a model too big for fp32 to be
    faster (`precision.small_for_gpu`): fp32 weights, bf16 products under the Trainer's autocast; a QLoRA base is
    quantized from weights loaded in the compute dtype."""
    from ftlib import precision
    from ftlib.models import pick_dtype

    if config.uses_4bit:
        compute = pick_dtype(device, config.dtype)
        return compute, compute
    args = (config.dtype, device, config.method, config.tuning, model_parameters(config.model, device))
    return pick_dtype(device, precision.training_dtype(*args)), pick_dtype(device, precision.compute_dtype(*args))


def model_parameters(spec: str, device: str) -> int | None:
    """What `auto` on a GPU goes by (`precision.small_for_gpu`): `models.weights_parameters`, the count
    `models.load_model` loads by too; None on CPU (not needed there)."""
    if not str(device).startswith("cuda"):
        return None
    from ftlib.models import weights_parameters

    return weights_parameters(spec)


def load_training_model(config: RunConfig, device: str):
    """(model, compute dtype) for the run: 4-bit for QLoRA, else in the weights' dtype of `training_dtypes`. The
    compute dtype is what the Trainer's bf16/fp16 autocast follows (training.trainer_arguments).

    Under `auto`, every weight the run trains is fp32 (mixed precision): full fine-tuning loads fp32 weights on a GPU
    too, PEFT upcasts the adapters itself (`autocast_adapter_dtype`), and a LoRA reward model's score head, which PEFT
    copies in the base's dtype (`modules_to_save`), is made fp32 here before PEFT copies it."""
    from ftlib.models import load_model

    weights, compute = training_dtypes(config, device)
    if config.uses_4bit:
        from peft import prepare_model_for_kbit_training

        quantization = quantization_config(config, compute)
        model = load_model(config.model, device, config.dtype, quantization, score=config.method == "reward")
        # Casts norms (and a reward model's score head) to fp32 and enables input grads so a frozen 4-bit base can
        # pass gradients to adapters.
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=config.gradient_checkpointing)
        keep_4bit_trainable(model)
        return model, compute
    # FSDP moves each block's share onto its GPU as it shards: load on the CPU (one GPU may not hold it whole).
    from ftlib.distributed import shards

    where = "cpu" if shards(config) else device
    reward = config.method == "reward"
    model = load_model(config.model, device=where, dtype=str(weights).removeprefix("torch."), score=reward)
    spare_tied_keys(model)
    head = getattr(model, "score", None) if reward and config.dtype in (None, "", "auto") else None
    if head is not None:
        head.float()  # no-op where the base is fp32 already (CPU); under a bf16 base the GPU's autocast multiplies it
    return model, compute


def spare_tied_keys(model) -> set[str]:
    """List `model`'s tied parameters (an LM head that is its embeddings: `tied_keys`) where the HF Trainer looks
    when it loads a checkpoint (`_keys_to_ignore_on_save`); returns them.

    A full model's checkpoint leaves the tied copy out (save_pretrained), so resuming a run or early stopping's reload
    of its best checkpoint loads without it, and the Trainer warns "There were missing keys in the checkpoint model
    loaded: ['lm_head.weight']" unless the missing keys are exactly these: it then ties the weights again
    (`Trainer._issue_warnings_after_load`). Any other missing key is still warned about, every key named. What is
    saved does not change: save_pretrained leaves tied copies out either way."""
    tied = tied_keys(model)
    if tied:
        model._keys_to_ignore_on_save = set(model._keys_to_ignore_on_save or ()) | tied
    return tied


def tied_keys(model) -> set[str]:
    """The parameter names of a transformers model that are another parameter of it (an LM head tied to the
    embeddings: `all_tied_weights_keys`, checked to share the tensor now); set() for other models (a PEFT model,
    whose reload loads only its adapter)."""
    mapping = getattr(model, "all_tied_weights_keys", None)
    if not isinstance(mapping, dict) or not mapping or not hasattr(model, "_keys_to_ignore_on_save"):
        return set()
    params = dict(model.named_parameters(remove_duplicate=False))
    return {t for t, s in mapping.items() if t in params and s in params and params[t] is params[s]}


def keep_4bit_trainable(model) -> int:
    """Keep every bitsandbytes 4-bit layer of `model` off its CPU inference repacking, so gradients keep flowing
    back through its weights after an eval-mode forward (see the module docstring); returns how many layers.

    The switch is the layer's own `support_avx512bf16_for_cpu` flag, which `Linear4bit.forward` reads before
    repacking (bitsandbytes 0.50); evaluation and GRPO's answers then run the trainable (dequantizing) path.
    """
    try:
        from bitsandbytes.nn import Linear4bit
    except ImportError:  # no bitsandbytes: no 4-bit layers either
        return 0
    layers = [m for m in model.modules() if isinstance(m, Linear4bit)]
    for layer in layers:
        layer.support_avx512bf16_for_cpu = False
    return len(layers)


def leave_out_bitsandbytes(config: RunConfig) -> bool:
    """Make bitsandbytes look not installed to this process when the run quantizes nothing; True if it did.

    PEFT imports bitsandbytes whenever it is installed (peft.helpers), and bitsandbytes wraps its kernels in
    `torch.compile` at import, which imports torch's inductor: 0.8-1.2 s of every run's start on these CPUs
    (measured, BENCHMARKS.md "Start-up"), for runs that never touch a 4-bit layer. A `None` in `sys.modules` is
    Python's own "not importable" mark: `importlib.util.find_spec` then answers None, so PEFT and transformers see no
    bitsandbytes. Kept for a QLoRA run and for a model folder saved quantized (its config.json has a
    `quantization_config`); anything unreadable keeps it too. Call before PEFT or transformers is imported.
    """
    import json
    import sys

    from ftlib.models import resolve_model

    if config.uses_4bit or "bitsandbytes" in sys.modules:
        return False
    try:
        described = json.loads((resolve_model(config.model) / "config.json").read_text())
    except Exception:  # the run's own loading says what is wrong; here only the speed is at stake
        return False
    if not isinstance(described, dict) or "quantization_config" in described:
        return False
    sys.modules["bitsandbytes"] = None
    return True


__all__ = [
    "NOT_TEXT",
    "keep_4bit_trainable",
    "leave_out_bitsandbytes",
    "load_training_model",
    "model_parameters",
    "multimodal",
    "training_dtypes",
    "lora_config",
    "quantization_config",
    "spare_tied_keys",
    "tied_keys",
]


def target_problems(config: RunConfig) -> list[str]:
    """Why the run's `lora_targets` cannot be right: a name that matches no layer of the model. PEFT matches a listed
    name against the end of each module's dotted name (`name == t or name.endswith("." + t)`); it raises at step 0
    when no name matches, and silently adapts nothing for a name that does not when others do (a typo's trap).
    Empty for full fine-tuning, `all-linear`, or a model whose layout cannot be built here (the run then says what
    it finds)."""
    targets = [t for t in config.lora_targets if t != "all-linear"]
    if not config.uses_adapter or not targets:
        return []
    from ftlib.models import model_layers, resolve_model

    try:
        layers = model_layers(resolve_model(config.model))
    except Exception:  # a model this check cannot build (remote code off, an odd config): training reports it
        return []
    names = list(layers)
    linear = list(dict.fromkeys(name.rsplit(".", 1)[-1] for name, layer in layers.items() if layer.linear))
    extra = {"score"} if config.method == "reward" else set()  # the reward model's head, added at load
    unknown = [t for t in targets if t not in extra and not any(n == t or n.endswith("." + t) for n in names)]
    if not unknown:
        return []
    which = ", ".join(f"'{t}'" for t in unknown)
    return [
        f"Target layers: {which} {'names' if len(unknown) == 1 else 'name'} no layer of this model, so LoRA would "
        f"have nothing to adapt there. Its linear layers are {', '.join(linear)}; or use all-linear (every linear "
        "layer but the output)."
    ]


def expert_dropout_problems(config: RunConfig) -> list[str]:
    """Why the run's adapter dropout cannot be right: a mixture of experts whose experts transformers keeps as fused
    weight tensors (Mixtral, Qwen2-MoE, Qwen3-MoE, DeepSeek-V3 in transformers 5) gets them adapted by PEFT as whole
    parameters (`target_parameters`, a ParamWrapper), which refuses any dropout: the run failed as it started with
    "ValueError: lora.ParamWrapper does not work with lora_dropout != 0.". Which targets PEFT turns into parameters is
    PEFT's own conversion (`convert_peft_config_for_transformers`) on the model built on the meta device. Empty for
    dropout 0, methods that switch dropout off (`SFT_DROPOUT`), full fine-tuning, or a model that cannot be built here
    (the run then says what it finds)."""
    if not config.uses_adapter or config.method not in SFT_DROPOUT or not config.lora_dropout:
        return []
    from ftlib.models import resolve_model

    targets = "all-linear" if config.lora_targets == ["all-linear"] else tuple(config.lora_targets)
    try:
        config_file = resolve_model(config.model) / "config.json"
        if not _has_experts(json.loads(config_file.read_text(encoding="utf-8"))):
            return []  # no mixture of experts: not built (every LoRA run's preflight asks)
        experts = _parameter_targets(str(config_file), config_file.stat().st_mtime, targets)
    except Exception:  # a model this check cannot build (remote code off, an odd config), an older PEFT
        return []
    if not experts:
        return []
    return [
        f"Dropout: {config.lora_dropout:g} cannot be used on this model: it is a mixture of experts whose experts "
        f"and router LoRA adapts as whole weight tensors ({', '.join(experts)}), and PEFT refuses any dropout there. "
        "Set Dropout to 0 (`--lora-dropout 0` in the CLI), or list Target layers that leave them out "
        "(`--lora-targets q_proj,k_proj,v_proj,o_proj` in the CLI)."
    ]


def _has_experts(described: dict) -> bool:
    """Whether a config.json (or its text_config) counts experts: num_local_experts (Mixtral), num_experts (Qwen2-MoE,
    OLMoE), n_routed_experts (DeepSeek-V3)...

    >>> _has_experts({"num_local_experts": 8}), _has_experts({"text_config": {"n_routed_experts": 64}})
    (True, True)
    >>> _has_experts({"num_experts": 0, "hidden_size": 64})
    False
    """
    for part in (described, described.get("text_config") or {}):
        if any("experts" in key and isinstance(v, int) and v > 1 for key, v in part.items()):
            return True
    return False


@functools.lru_cache(maxsize=4)
def _parameter_targets(config_file: str, mtime: float, targets) -> tuple[str, ...]:  # noqa: ARG001 (a changed file)
    """The weights of the model described by `config_file` that PEFT adapts as whole parameters for `targets`."""
    import torch
    from peft import LoraConfig
    from peft.utils.transformers_weight_conversion import convert_peft_config_for_transformers
    from transformers import AutoConfig, AutoModelForCausalLM

    from ftlib.model_build_lock import building_models
    from ftlib.models import trust_remote_code

    remote = trust_remote_code()
    described = AutoConfig.from_pretrained(Path(config_file).parent, trust_remote_code=remote)
    with torch.device("meta"), building_models():  # not while another thread loads: ftlib.model_build_lock
        model = AutoModelForCausalLM.from_config(described, trust_remote_code=remote)
    lora = LoraConfig(r=8, target_modules=targets if isinstance(targets, str) else list(targets))
    convert_peft_config_for_transformers(lora, model, None)
    return tuple(sorted(lora.target_parameters or ()))


def cpu_dtype_warnings(config: RunConfig, gpus: int | None = None) -> list[str]:
    """A warning when the run would train on the CPU in a number format that CPU does not compute natively: float16
    (no CPU the team has measured multiplies it fast: 1.4-12 GFLOP/s against bf16's 400-980 on 2 cores; a LoRA run
    of the default model trained ~30x slower than with `auto`), or bfloat16 without AVX512_BF16/AMX (emulated, ~100x
    slower than fp32: BENCHMARKS.md). [] otherwise; the run still starts."""
    from ftlib import distributed

    dtype = str(config.dtype)
    if dtype not in ("float16", "bfloat16") or not distributed.trains_on_cpu(config, gpus):
        return []
    from ftlib import fastpath  # imports torch: only for the dtypes it answers for (`train`'s refusals come first)

    if dtype == "bfloat16" and fastpath.native_cpu_bf16():
        return []
    why = (
        "CPUs have no fast float16 arithmetic (a run of the default model trained ~30x slower than with auto)"
        if dtype == "float16"
        else "this CPU has no native bfloat16 (no AVX512_BF16 or AMX): its bf16 products are emulated, ~100x slower"
    )
    return [
        f"Weights dtype {dtype} on the CPU: {why}. Set Weights dtype to auto (float32, or a bf16 base where the CPU "
        "multiplies bf16 natively) unless you are testing that format."
    ]


def gpu_dtype_problems(config: RunConfig, gpus: int | None = None) -> list[str]:
    """Why a run on a GPU cannot train in float16: weights that are trained in float16 (full fine-tuning, or a
    reward model's score head, which PEFT keeps in the base's dtype) get float16 gradients, and the fp16 loss scaler
    the HF Trainer then uses refuses them at the first optimizer step ("Attempting to unscale FP16 gradients",
    torch.amp.GradScaler.unscale_). LoRA adapters are kept in float32 by PEFT, so they train. [] otherwise."""
    from ftlib import distributed

    if str(config.dtype) != "float16" or distributed.trains_on_cpu(config, gpus):
        return []
    what = (
        "full fine-tuning trains every weight"
        if not config.uses_adapter
        else ("a reward model trains its score head" if config.method == "reward" else "")
    )
    if not what:
        return []
    return [
        f"Weights dtype float16 on a GPU: {what} in float16, and the fp16 loss scaler refuses float16 gradients at "
        "the first step. Set Weights dtype to auto (float32 weights computed in bfloat16 where the GPU has it), "
        "bfloat16 or float32."
    ]
