"""A run's model as one GGUF file, the format llama.cpp, Ollama and LM Studio run: the merged export (or a full
fine-tune's model folder) of a run on the default model, written with the `gguf` library (ggml's own, the one
llama.cpp's converter writes with) in f16, q8_0 or f32.

    write_gguf(merged_folder, Path("tide.gguf"), "q8_0", tokenizer_gguf=default_gguf_path())

The tensors are the folder's, under llama.cpp's names (`gguf.get_tensor_name_map`), the query and key projections
permuted from Hugging Face's rotary layout to llama.cpp's, as `convert_hf_to_gguf.py`'s LlamaModel does (transformers
permutes them back when it reads a GGUF file); norms stay f32; a tied output layer is not written twice. The
tokenizer is copied whole from the default model's own GGUF (written by llama.cpp: its tokens, merges, pre-tokenizer
and special ids, exactly), with the chat template the run trained with. Other bases are refused with llama.cpp's
converter to run on the merged export instead (`GGUFError`): a tokenizer's GGUF form is llama.cpp's to make.

Not known here: runs and their export folders (export.py), the default model's files (models.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ftlib.errors import UserError

# What each output type writes a weight matrix as (vectors, the norms, stay f32), and the file type it declares.
GGUF_TYPES = ("q8_0", "f16", "f32")
CONVERTER = "python convert_hf_to_gguf.py MERGED_FOLDER --outtype f16  (llama.cpp's converter, from its repository)"
# A template's training markers: llama.cpp's Jinja engine does not know them, and they change no text.
_GENERATION_TAGS = re.compile(r"{%-?\s*(?:end)?generation\s*-?%}")


class GGUFError(UserError):
    """A model that cannot be written as GGUF here; the message says what to run instead."""


def _llama_config(folder: Path) -> dict:
    """The folder's config.json, checked to be a Llama-architecture model this writer knows, with its RoPE base as
    `rope_theta` wherever the file writes it; GGUFError otherwise."""
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    if config.get("model_type") != "llama":
        raise GGUFError(
            f"The model in {folder} is a {config.get('model_type') or 'model of unknown type'}, and the studio writes "
            f"GGUF only for the default model's Llama architecture. Convert its merged export with {CONVERTER}."
        )
    # transformers 5 writes RoPE's settings under `rope_parameters` (earlier versions: a top-level `rope_theta`,
    # `rope_scaling`); its own config class reads both layouts (a top-level lookup wrote 10000 for SmolLM2's 100000).
    from transformers import AutoConfig

    rope = dict(getattr(AutoConfig.from_pretrained(str(folder)), "rope_parameters", None) or {})
    theta = rope.get("rope_theta", config.get("rope_theta"))
    if rope.get("rope_type", "default") != "default" or config.get("attention_bias") or config.get("mlp_bias"):
        raise GGUFError(
            f"The model in {folder} uses RoPE scaling or biases, which this writer does not carry over. Convert its "
            f"merged export with {CONVERTER}."
        )
    return config | {"rope_theta": float(theta if theta is not None else 10000.0)}


def gguf_template(template: str) -> str:
    """A chat template as a GGUF file carries it: without the `{% generation %}` markers of training's masks, which
    llama.cpp's Jinja engine does not know and which write no text.

    >>> gguf_template("{% for m in messages %}{%- generation -%}{{ m.content }}{% endgeneration %}{% endfor %}")
    '{% for m in messages %}{{ m.content }}{% endfor %}'
    """
    return _GENERATION_TAGS.sub("", template)


def _permute(weights, heads: int):
    """A query or key projection [heads * head_dim, hidden] from Hugging Face's rotary layout (two halves) to
    llama.cpp's (interleaved pairs): `LlamaModel.permute` of llama.cpp's convert_hf_to_gguf.py."""
    rows = weights.shape[0]
    return weights.reshape(heads, 2, rows // heads // 2, *weights.shape[1:]).swapaxes(1, 2).reshape(weights.shape)


def _tensors(folder: Path) -> dict:
    """The folder's weights as float32 numpy arrays, by their Hugging Face names (one or several .safetensors)."""
    import numpy as np
    import torch
    from safetensors.torch import load_file

    files = sorted(folder.glob("*.safetensors"))
    if not files:
        raise GGUFError(f"{folder} holds no .safetensors weights to write as GGUF.")
    out = {}
    for file in files:
        for name, tensor in load_file(str(file)).items():
            out[name] = tensor.to(torch.float32).numpy().astype(np.float32, copy=False)
    return out


def _copy_tokenizer(writer, source, skip: tuple[str, ...] = ()) -> int:
    """Every `tokenizer.*` key of the GGUF `source` (a GGUFReader) but `skip` into `writer`, as llama.cpp wrote it;
    returns the number of tokens."""
    from gguf import GGUFValueType

    tokens = 0
    for key, field in source.fields.items():
        if not key.startswith("tokenizer.") or key in skip:
            continue
        value = field.contents()
        if field.types[0] == GGUFValueType.ARRAY:
            writer.add_key_value(key, value, GGUFValueType.ARRAY, sub_type=field.types[-1])
            tokens = len(value) if key == "tokenizer.ggml.tokens" else tokens
        else:
            writer.add_key_value(key, value, field.types[0])
    return tokens


def write_gguf(
    folder: Path, target: Path, out_type: str, tokenizer_gguf: Path, chat_template: str | None = None, name: str = ""
) -> Path:
    """Write the Llama model in `folder` (a merged export or a full model folder: config.json and safetensors) as the
    GGUF file `target`, its weight matrices in `out_type` (one of GGUF_TYPES; a matrix whose rows q8_0's blocks of 32
    do not divide is written f16), with the tokenizer of the GGUF file `tokenizer_gguf` and `chat_template` (the
    run's; `{% generation %}` markers removed). Returns `target`. GGUFError for another architecture, a vocabulary
    other than that tokenizer's, or an unknown `out_type`."""
    import gguf
    import numpy as np

    if out_type not in GGUF_TYPES:
        raise GGUFError(f"Unknown GGUF type '{out_type}': choose one of {', '.join(GGUF_TYPES)}.")
    folder, target = Path(folder), Path(target)
    config = _llama_config(folder)
    heads, blocks = int(config["num_attention_heads"]), int(config["num_hidden_layers"])
    kv_heads = int(config.get("num_key_value_heads") or heads)
    head_dim = int(config.get("head_dim") or config["hidden_size"] // heads)
    source = gguf.GGUFReader(tokenizer_gguf)
    quant = {
        "f32": gguf.GGMLQuantizationType.F32,
        "f16": gguf.GGMLQuantizationType.F16,
        "q8_0": gguf.GGMLQuantizationType.Q8_0,
    }[out_type]
    file_type = {
        "f32": gguf.LlamaFileType.ALL_F32,
        "f16": gguf.LlamaFileType.MOSTLY_F16,
        "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0,
    }[out_type]

    writer = gguf.GGUFWriter(str(target), "llama")
    try:
        writer.add_type(gguf.GGUFType.MODEL)
        writer.add_name(name or folder.name)
        writer.add_context_length(int(config.get("max_position_embeddings") or 2048))
        writer.add_embedding_length(int(config["hidden_size"]))
        writer.add_block_count(blocks)
        writer.add_feed_forward_length(int(config["intermediate_size"]))
        writer.add_head_count(heads)
        writer.add_head_count_kv(kv_heads)
        writer.add_rope_freq_base(config["rope_theta"])
        writer.add_layer_norm_rms_eps(float(config.get("rms_norm_eps") or 1e-6))
        writer.add_vocab_size(int(config["vocab_size"]))
        writer.add_rope_dimension_count(head_dim)
        writer.add_file_type(int(file_type))
        tokens = _copy_tokenizer(writer, source, skip=("tokenizer.chat_template",) if chat_template else ())
        if tokens != int(config["vocab_size"]):
            raise GGUFError(
                f"The model in {folder} has {config['vocab_size']} token embeddings and the default model's tokenizer "
                f"{tokens}: it is not the default model's vocabulary. Convert its merged export with {CONVERTER}."
            )
        if chat_template:
            writer.add_chat_template(gguf_template(chat_template))
        names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, blocks)
        tied = bool(config.get("tie_word_embeddings"))
        for hf_name, data in _tensors(folder).items():
            if hf_name == "lm_head.weight" and tied:
                continue  # llama.cpp reads the output layer from token_embd when output.weight is absent
            if hf_name.endswith("rotary_emb.inv_freq"):
                continue
            gguf_name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
            if gguf_name is None:
                raise GGUFError(f"{hf_name} of {folder} has no GGUF name: convert its merged export with {CONVERTER}.")
            if hf_name.endswith("q_proj.weight"):
                data = _permute(data, heads)
            elif hf_name.endswith("k_proj.weight"):
                data = _permute(data, kv_heads)
            if data.ndim < 2 or quant == gguf.GGMLQuantizationType.F32:
                writer.add_tensor(gguf_name, data.astype(np.float32))
            elif quant == gguf.GGMLQuantizationType.Q8_0 and data.shape[-1] % 32 == 0:
                packed = gguf.quants.quantize(data, quant)
                writer.add_tensor(gguf_name, packed, raw_shape=packed.shape, raw_dtype=quant)
            else:  # f16, or a q8_0 matrix whose rows its 32-wide blocks do not divide (as llama.cpp falls back)
                writer.add_tensor(gguf_name, data.astype(np.float16))
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
    finally:
        writer.close()
    return target


__all__ = ["CONVERTER", "GGUF_TYPES", "GGUFError", "gguf_template", "write_gguf"]
