"""Whether a model folder holds a model that writes text the way this studio trains and samples it: a decoder-only
language model (Llama, Qwen, Gemma, Mistral, Phi, GPT-2, SmolLM ...), which reads a conversation left to right and
predicts its next token. Said in words where it does not, before anything loads it:

    encoder_decoder(path, name)   # None, or why an encoder-decoder (T5, Flan-T5, BART, Marian) is refused everywhere
    not_a_decoder(path, name)     # None, or why a model cannot write text: an encoder (BERT, RoBERTa), a model type
                                  # transformers has no causal language model for (Qwen2-VL, LLaVA), or one newer
                                  # than the installed transformers
    quantized_without_library(path, name)   # None, or why GPTQ/AWQ weights cannot load without their library
    config_json(path)             # its config.json as a dict, {} where it cannot be read as one

transformers' `AutoModelForCausalLM` loads some of them anyway: BERT and RoBERTa as `BertLMHeadModel`, whose
attention then still reads both ways (`is_decoder` is false in their config.json), so a run trained each position on
the very token it was to predict and finished with a falling loss, and sampling wrote noise; a T5 folder failed as
the run started (a 200-name "Unrecognized configuration class" list), a reward model from it midway. Reads
config.json (and, for `not_a_decoder`, transformers' tables of model types; no weights, no model built).
"""

from __future__ import annotations

import json
from pathlib import Path

# Encoder-decoder model types whose config.json may not say `is_encoder_decoder` (transformers' default for them).
_ENCODER_DECODERS = frozenset(
    "t5 mt5 umt5 longt5 switch_transformers bart mbart marian pegasus pegasus_x led blenderbot blenderbot-small "
    "plbart m2m_100 nllb-moe fsmt bigbird_pegasus prophetnet mvp encoder-decoder".split()
)
_PICK = (
    "This studio trains and samples decoder-only language models, which continue a conversation token by token "
    "(Llama, Qwen, Gemma, Mistral, Phi, GPT-2, SmolLM; `default` is SmolLM2-135M-Instruct): pick one of those."
)


def config_json(path: Path) -> dict:
    """A model folder's config.json, {} when it cannot be read as an object (check_model_dir says why). The one reader
    of it for the checks made where a model is chosen (models.py, training_model.py read it here too)."""
    try:
        described = json.loads((Path(path) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return described if isinstance(described, dict) else {}


def _named(described: dict) -> str:
    """The architecture a config.json names (e.g. `T5ForConditionalGeneration`), else its model type."""
    names = described.get("architectures")
    first = names[0] if isinstance(names, list) and names and isinstance(names[0], str) else None
    return first or str(described.get("model_type"))


def encoder_decoder(path: Path, name: str) -> str | None:
    """Why the model folder `path` (named `name` where it was chosen) is refused for any use here when it holds an
    encoder-decoder (its config.json's `is_encoder_decoder`, or a model type that is one: T5, BART ...); else None.

    >>> import tempfile; folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "config.json").write_text('{"model_type": "t5", "architectures": ["T5Model"]}')
    >>> encoder_decoder(folder, "flan-t5").split(":")[0]
    "'flan-t5' is an encoder-decoder model (T5Model)"
    """
    described = config_json(path)
    if described.get("is_encoder_decoder") is not True and described.get("model_type") not in _ENCODER_DECODERS:
        return None
    return (
        f"'{name}' is an encoder-decoder model ({_named(described)}): one half reads the input, the other writes the "
        f"answer, and this studio's chat templates, masks and decoding are for models that do both in one. {_PICK} "
        "To fine-tune this one, use a sequence-to-sequence trainer (transformers' Seq2SeqTrainer)."
    )


def not_a_decoder(path: Path, name: str) -> str | None:
    """Why the model folder `path` cannot write text, or None when it can: an encoder-decoder (`encoder_decoder`); an
    encoder (a model type transformers reads as a masked language model, without `is_decoder: true`, which made
    BERT's causal head attend both ways); a model type transformers has no causal language model class for; a model
    type the installed transformers does not know (newer than it: upgrade). A model with its own code for one
    (`auto_map`) passes (`FTLIB_TRUST_REMOTE_CODE` decides on it at load)."""
    if said := encoder_decoder(path, name):
        return said
    described = config_json(path)
    kind = described.get("model_type")
    if not isinstance(kind, str) or "AutoModelForCausalLM" in (described.get("auto_map") or {}):
        return None
    from transformers.models.auto.modeling_auto import (
        MODEL_FOR_CAUSAL_LM_MAPPING_NAMES,
        MODEL_FOR_MASKED_LM_MAPPING_NAMES,
    )

    # XLM's causal checkpoints say `causal` instead; every other decoder of these types says `is_decoder`.
    decoder = described.get("is_decoder") is True or described.get("causal") is True
    if kind in MODEL_FOR_MASKED_LM_MAPPING_NAMES and not decoder:
        return (
            f"'{name}' is an encoder ({_named(described)}): it reads text in both directions and does not predict the "
            "next token, so it cannot write text, and trained here as a language model each position would see the "
            f"word it is meant to predict. {_PICK} An encoder can still be the base of a reward model "
            "(`--method reward`), which scores answers."
        )
    if kind in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES:
        return None
    import transformers
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    if kind not in CONFIG_MAPPING_NAMES:  # a newer model than this transformers, which would fail to read its config
        return (
            f"'{name}' is a model of type '{kind}' ({_named(described)}), which transformers "
            f"{transformers.__version__} installed here does not know: the model is newer than it. Upgrade "
            "transformers (`pip install -U transformers`) on this server, or pick a model it knows."
        )
    return (
        f"'{name}' ({_named(described)}, model type '{kind}') is not a language model transformers "
        f"{transformers.__version__} can write text with: it has no causal language model class for this type (a "
        f"vision-language or audio model, or an encoder). {_PICK}"
    )


def quantized_without_library(path: Path, name: str) -> str | None:
    """Why the model folder `path` cannot load here when its weights were saved quantized (config.json's
    `quantization_config`: GPTQ, AWQ and the like) and the library transformers reads them with is not installed:
    transformers' own check of its quantizer (`AutoHfQuantizer`, what `from_pretrained` runs first), whose
    ImportError names the library. A run of such a folder started and failed as it loaded. None when the folder is not
    quantized, or its library is there (anything else is said where the model loads)."""
    described = config_json(path).get("quantization_config")
    if not isinstance(described, dict):
        return None
    from transformers.quantizers import AutoHfQuantizer

    try:
        AutoHfQuantizer.from_config(described).validate_environment(device_map=None)
    except ImportError as exc:
        method = described.get("quant_method", "a method of its own")
        return (
            f"'{name}' holds weights saved quantized ({method}, in config.json's quantization_config), and reading "
            f"them needs a library this install does not have: {exc}. Install it, or use the model's unquantized "
            "repository (QLoRA quantizes a model to 4 bits itself as it loads)."
        )
    except Exception:  # not a missing library: the load says what it is
        return None
    return None


__all__ = ["config_json", "encoder_decoder", "not_a_decoder", "quantized_without_library"]
