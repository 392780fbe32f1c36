"""Whether a LoRA adapter fits a base model, told from files alone (no torch): the adapter's safetensors header (JSON
naming each tensor's shape) against the base's config.json, so `sample`, `evaluate` and `runs export --merged` refuse
an adapter of another base before `python -m ftlib` imports torch (2-5 s), and the refusal's words (`misfit_words`).

    header_shapes(adapter / "adapter_model.safetensors")  # {"base_model.model.lm_head.lora_A.weight": [8, 64], ...}
    config_misfits(base_dir, adapter)   # ["size mismatch for model.layers.0.self_attn.q_proj.lora_A: [8, 32] in the
                                        #   adapter, [8, 64] in this base", ...]; [] where all fit or it cannot tell
    misfit_words("run-1", adapter, "default", misfits)  # the one sentence every refusal of a misfit says

A LoRA A is [r, in_features] and a B [out_features, r] of the layer it adapts. The layers' features are read from
config.json for the Llama family's layout only (`LLAMA_LAYOUT`: q/k/v/o, gate/up/down and lm_head, with its
`hidden_size`, `intermediate_size`, heads and `head_dim` as transformers builds them), and Phi-3's fused projections
(`FUSED_LAYOUT`); an adapter's layer past the base's `num_hidden_layers` is a misfit too (PEFT would drop it without a
word). Not known here: any other layout (other fused projections, mixtures of experts, a multimodal model's text
part): `modelset.adapter_misfits` builds those bases on the meta device, with torch, and PEFT checks the rest as the
adapter loads. `unmixed_adapter`: an adapter of a mixture of experts' fused experts, which PEFT cannot run beside
its base in one batch.
"""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path

# Model types whose decoder layers transformers builds as Llama's (modeling_<type>.py: q_proj [hidden, heads x
# head_dim], k_proj and v_proj [hidden, kv heads x head_dim], o_proj back, gate/up [hidden, intermediate], down back).
LLAMA_LAYOUT = frozenset(
    ("llama", "mistral", "qwen2", "qwen3", "gemma", "gemma2", "gemma3_text", "granite", "olmo2", "smollm3", "cohere")
)
# Model types that fuse Llama's projections (Phi-3: qkv_proj [hidden, (heads + 2 x kv heads) x head_dim], gate_up_proj
# [hidden, 2 x intermediate]); o_proj and down_proj as Llama's.
FUSED_LAYOUT = frozenset(("phi3",))
_KEY = re.compile(r"base_model\.model\.(.+)\.lora_([AB])\.weight")
_LAYER = re.compile(r"model\.layers\.(\d+)\.(?:self_attn|mlp)\.(\w+)")
BASE_FLAG = "Give the base it was trained on with --model."  # the pages put their own way in (ui.labels)


def header_shapes(file: Path) -> dict[str, list[int]]:
    """{tensor name: shape} of a .safetensors file, from its header (8 bytes of little-endian length, then that much
    JSON) without reading a weight; {} for a file that is missing or whose header does not read.

    >>> import tempfile; f = Path(tempfile.mkdtemp()) / "w.safetensors"
    >>> head = json.dumps({"a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}}).encode()
    >>> _ = f.write_bytes(struct.pack("<Q", len(head)) + head + bytes(24)); header_shapes(f)
    {'a': [2, 3]}
    """
    try:
        with open(file, "rb") as stream:
            (size,) = struct.unpack("<Q", stream.read(8))
            if size > 100_000_000:  # safetensors' own limit on a header: not one
                return {}
            header = json.loads(stream.read(size))
    except (OSError, struct.error, ValueError):
        return {}
    if not isinstance(header, dict):
        return {}
    return {
        name: list(entry["shape"])
        for name, entry in header.items()
        if isinstance(entry, dict) and isinstance(entry.get("shape"), list)
    }


def layout_features(config: dict) -> dict[str, tuple[int, int]] | None:
    """(in_features, out_features) of each adapted layer kind of a Llama-layout model (`LLAMA_LAYOUT`, or its fused
    projections: `FUSED_LAYOUT`) from its config.json, as transformers builds them; None for another layout or a
    config missing a size.

    >>> layout_features({"model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "vocab_size": 9,
    ...                  "num_attention_heads": 4, "num_key_value_heads": 2})["k_proj"]
    (64, 32)
    """
    if config.get("model_type") not in LLAMA_LAYOUT | FUSED_LAYOUT:
        return None
    sizes = {key: config.get(key) for key in ("hidden_size", "intermediate_size", "num_attention_heads", "vocab_size")}
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in sizes.values()):
        return None
    hidden, inter, heads = sizes["hidden_size"], sizes["intermediate_size"], sizes["num_attention_heads"]
    kv, head_dim = config.get("num_key_value_heads") or heads, config.get("head_dim") or hidden // heads
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (kv, head_dim)):
        return None
    attention, kv_width = heads * head_dim, kv * head_dim
    if config["model_type"] in FUSED_LAYOUT:
        return {
            "qkv_proj": (hidden, attention + 2 * kv_width),
            "o_proj": (attention, hidden),
            "gate_up_proj": (hidden, 2 * inter),
            "down_proj": (inter, hidden),
            "lm_head": (hidden, sizes["vocab_size"]),
        }
    return {
        "q_proj": (hidden, attention),
        "k_proj": (hidden, kv_width),
        "v_proj": (hidden, kv_width),
        "o_proj": (attention, hidden),
        "gate_proj": (hidden, inter),
        "up_proj": (hidden, inter),
        "down_proj": (inter, hidden),
        "lm_head": (hidden, sizes["vocab_size"]),
    }


def config_misfits(base_dir: Path, adapter: Path) -> list[str]:
    """The LoRA weights of the adapter folder `adapter` that do not fit the base model folder `base_dir`, worded as
    `modelset.adapter_misfits` words them ("size mismatch for MODULE.lora_A: [8, 32] in the adapter, [8, 64] in this
    base"); where every shape fits, those of layers the base does not have ("model.layers.2.self_attn.q_proj.lora_A:
    layer 2 in the adapter, this base has 2 layers"); [] when all fit or the files cannot tell (another layout:
    `layout_features`)."""
    from ftlib.run_files import json_object

    config = json_object(Path(base_dir) / "config.json")[0]
    features = layout_features(config)
    if features is None:
        return []
    layers = config.get("num_hidden_layers")
    shapes, beyond = [], []
    for key, shape in header_shapes(Path(adapter) / "adapter_model.safetensors").items():
        found = _KEY.fullmatch(key)
        if not found or len(shape) != 2:
            continue
        module, half = found[1], found[2]
        layer = _LAYER.fullmatch(module)
        kind = layer[2] if layer else module
        if kind not in features or (layer is None and module != "lm_head"):
            continue
        if layer and isinstance(layers, int) and int(layer[1]) >= layers:
            beyond.append(f"{module}.lora_{half}: layer {layer[1]} in the adapter, this base has {layers} layers")
            continue
        in_features, out_features = features[kind]
        fits = [shape[0], in_features] if half == "A" else [out_features, shape[1]]
        if shape != fits:
            shapes.append(f"size mismatch for {module}.lora_{half}: {shape} in the adapter, {fits} in this base")
    return shapes or beyond  # of another shape, the layers past the base's are moot: the words count the shapes


def misfit_words(name: str, path: Path, model_spec: str, misfits: list[str], fix: str = BASE_FLAG) -> str:
    """The refusal of the adapter `name` (folder `path`) whose weights `misfits` (`config_misfits`,
    `modelset.adapter_misfits`) do not fit the base `model_spec`, naming the base its adapter_config.json names, and
    `fix` (the CLI's --model; a caller with no such flag gives its own)."""
    from ftlib.models import DEFAULT_HUB_ID
    from ftlib.run_files import json_object

    named = json_object(Path(path) / "adapter_config.json")[0].get("base_model_name_or_path")
    said = " (the studio's default model)" if named == DEFAULT_HUB_ID and model_spec != "default" else ""
    hint = f"; its adapter_config.json names the base {named}{said}" if named and named != model_spec else ""
    if misfits[0].startswith("size mismatch"):
        what = f"{len(misfits)} of its weights have other shapes than this base's"
    else:  # only layers the base does not have
        what = f"{len(misfits)} of its weights are of layers this base does not have"
    return (
        f"Could not load the adapter '{name}' from {path}: it does not fit the base model {model_spec} ({what}, "
        f"e.g. {misfits[0]}{hint}). {fix}"
    )


def base_folder(model_spec: str) -> Path | None:
    """The folder of the base `model_spec` where it is known without converting or downloading anything: a folder
    here, the default model once converted, a hub id in the local cache where hub downloads are off; else None."""
    from ftlib import hub_allowed
    from ftlib.errors import UserError
    from ftlib.models import DEFAULT_MODEL, default_model_dir, resolve_model
    from ftlib.user_paths import user_path

    spec = model_spec.strip()
    if spec == DEFAULT_MODEL:
        folder = default_model_dir()
        return folder if (folder / "config.json").is_file() else None
    if user_path(spec).is_dir():
        return user_path(spec)
    if hub_allowed():  # resolving it may download it: the command does that
        return None
    try:
        return Path(resolve_model(spec))
    except (UserError, OSError):
        return None


def check_fits_early(model_spec: str, adapters: dict[str, Path], fix: str = BASE_FLAG) -> None:
    """Refuse an adapter (name -> folder) of `adapters` that the files tell does not fit the base `model_spec`
    (`config_misfits`), before torch: SamplingError in `misfit_words`, as `modelset.check_fits` raises it as the
    models load (it also builds the bases of other layouts on the meta device, with torch)."""
    from ftlib.decoding import SamplingError

    folder = base_folder(model_spec) if adapters else None
    if folder is None:
        return
    for name, path in adapters.items():
        if misfits := config_misfits(folder, path):
            raise SamplingError(misfit_words(name, path, model_spec, misfits, fix))


def merge_refusal(run_id: str, adapter: Path, model_spec: str) -> str | None:
    """Why the adapter folder `adapter` of run `run_id` cannot be merged into the base `model_spec` its config.json
    names (`config_misfits`, where that base's folder is known: `base_folder`), in `misfit_words`; None where it fits
    or the files cannot tell. `runs export --merged` and `--gguf` say it before torch, the Train page's Export as it
    builds (PEFT's own error was a traceback)."""
    folder = base_folder(model_spec) if (Path(adapter) / "adapter_config.json").is_file() else None
    if folder is None or not (misfits := config_misfits(folder, adapter)):
        return None
    fix = (
        "The run's config.json names a base its adapter was not trained on: put back the run's own config.json or "
        f"adapter, or export the adapter alone (`python -m ftlib runs export {run_id}`) and load it on its base."
    )
    return misfit_words(run_id, adapter, model_spec, misfits, fix)


def unmixed_adapter(path: Path, name: str) -> str | None:
    """Why the adapter folder `path` (named `name` where it was chosen) cannot write answers beside its base: it
    adapts weights as whole parameters (adapter_config.json's `target_parameters`: a mixture of experts' fused
    experts, PEFT's ParamWrapper), which PEFT cannot route per row in one batch, and sample, Compare and Evaluate
    write the base's and the tuned model's answers in one batch: it failed there with "ValueError: lora.ParamWrapper
    does not support mixed adapter batches yet." None for any other adapter, or a config that does not read.

    >>> import tempfile; folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "adapter_config.json").write_text('{"target_parameters": ["gate_up_proj", "down_proj"]}')
    >>> unmixed_adapter(folder, "moe-run")[:95]
    "'moe-run' adapts a mixture of experts' weights whole (gate_up_proj, down_proj), and PEFT cannot"
    """
    try:
        described = json.loads((Path(path) / "adapter_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    weights = described.get("target_parameters") if isinstance(described, dict) else None
    if not weights or not isinstance(weights, list):
        return None
    run = Path(path).parent
    if Path(path).name == "adapter" and (run / "status.json").exists():  # a run's: its export merges it
        merge = f"`python -m ftlib runs export {run.name} --merged`"
    else:
        merge = "PEFT's `merge_and_unload()`, then `save_pretrained`"
    return (
        f"'{name}' adapts a mixture of experts' weights whole ({', '.join(map(str, weights))}), and PEFT cannot "
        "yet run such an adapter beside its base model in one batch, the way the base's and the tuned model's answers "
        f"are written together here. Merge it into its base ({merge}) and give the merged folder as a model of its "
        "own (`--adapter FOLDER`)."
    )
