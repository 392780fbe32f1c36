"""The base model a run's adapter is put on, loaded as the run trained it: 4-bit for a QLoRA run (its quant type,
double quantization and compute dtype, as `ftlib.training_model.quantization_config` built them), as given otherwise.

An adapter trained on a 4-bit base learned to correct that base's rounding: on the full-precision weights it is
another model (a tiny QLoRA run's held-out loss 2.88 read 2.68 there). Evaluation, scoring and sampling of a run
load its base here, so they measure the model the run trained and its own held-out loss reports.

Not known here: which runs a comparison holds (`ftlib.modelset`), how a reward model scores (`ftlib.rewards`).
"""

from __future__ import annotations

from ftlib.rundir import RunDir, run_folder_of


def run_config_of(path) -> dict:
    """The config.json of the run that `path` (the run, or its adapter/ or model/ folder) belongs to; {} when there
    is no readable one (an adapter from outside a run). A QLoRA run under dtype `auto` that recorded the dtype it
    quantized its base from (`status.weights_dtype`: bfloat16 on a GPU) has that dtype, so its base is quantized from
    the same weights wherever it is loaded again (on CPU `auto` would quantize from float32: other 4-bit codes)."""
    run = RunDir(run_folder_of(path))
    config = run.read_config()
    if not isinstance(config, dict):
        return {}
    if quantization_key(config) is not None and config.get("dtype", "auto") in ("auto", "", None):
        status = run.read_status()
        recorded = status.get("weights_dtype") if isinstance(status, dict) else None
        if recorded in ("float32", "bfloat16", "float16"):
            return {**config, "dtype": recorded}
    return config


def quantization_key(config: dict) -> tuple | None:
    """What a run's base was quantized with, as (quant type, double quant, dtype); None for a full-precision base.
    Adapters with one key can share one loaded base.

    >>> quantization_key({"tuning": "qlora", "quant_type": "nf4", "double_quant": True}), quantization_key({})
    (('nf4', True, 'auto'), None)
    """
    if config.get("tuning") != "qlora":
        return None
    from ftlib.config import RunConfig

    defaults = RunConfig()
    return (
        config.get("quant_type", defaults.quant_type),
        bool(config.get("double_quant", defaults.double_quant)),
        config.get("dtype", defaults.dtype) or "auto",
    )


def qlora_loading(config: dict) -> str | None:
    """How `load_run_base` loads a QLoRA run's base, in words a user follows to put the run's adapter on the model it
    trained on: the `quantization_config` to pass to `from_pretrained`; None for a full-precision base.

    >>> said = qlora_loading({"tuning": "qlora", "quant_type": "nf4", "double_quant": True, "dtype": "auto"})
    >>> said.split(", ")[:2]
    ['`quantization_config=BitsAndBytesConfig(load_in_4bit=True', "bnb_4bit_quant_type='nf4'"]
    >>> qlora_loading({"tuning": "qlora", "dtype": "bfloat16"}).split("compute_dtype=")[1], qlora_loading({})
    ('torch.bfloat16)`', None)
    """
    key = quantization_key(config)
    if key is None:
        return None
    quant_type, double_quant, dtype = key
    compute = "float32" if dtype == "auto" else dtype  # auto: what `pick_dtype` gives a CPU
    return (
        f"`quantization_config=BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type={quant_type!r}, "
        f"bnb_4bit_use_double_quant={double_quant}, bnb_4bit_compute_dtype=torch.{compute})`"
        + (" (on a GPU with bfloat16, as the studio does there: torch.bfloat16)" if dtype == "auto" else "")
    )


def load_run_base(model_spec: str, config: dict | None, device: str | None = None, dtype=None, score: bool = False):
    """The base model `model_spec` for an adapter of the run whose config.json is `config`: 4-bit as the run trained
    it when the run is a QLoRA one (`dtype` is then its compute dtype, the run's own unless given), else
    `ftlib.models.load_model` as it is. `score`: with a score head (a reward model's base)."""
    from ftlib.models import load_model, pick_device, pick_dtype

    key = quantization_key(config or {})
    if key is None:
        return load_model(model_spec, device=device, dtype=dtype, score=score)
    from types import SimpleNamespace

    from peft import prepare_model_for_kbit_training

    from ftlib.training_model import keep_4bit_trainable, quantization_config

    quant_type, double_quant, run_dtype = key
    device = pick_device(device)
    dtype = dtype or (None if run_dtype == "auto" else run_dtype)
    compute = pick_dtype(device, dtype)
    quantization = quantization_config(
        SimpleNamespace(uses_4bit=True, quant_type=quant_type, double_quant=double_quant), compute
    )
    model = load_model(model_spec, device, dtype, quantization, score=score)
    # As training prepared it (norms in fp32) and ran it (the dequantizing path on CPU, not the repacked inference
    # kernel: `keep_4bit_trainable`), so the numbers are the run's own.
    model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    keep_4bit_trainable(model)
    return model


__all__ = ["load_run_base", "qlora_loading", "quantization_key", "run_config_of"]
