"""What a model folder must hold besides its config and weights to be used here, said in words when it does not;
and the dtype its config says its weights are stored in.

    no_tokenizer(path, name)    # None, or why a folder with weights but no tokenizer files (or none it can read:
                                # a SentencePiece tokenizer.model alone without `sentencepiece`) cannot be used
    pickled_only(path, name)    # None, or the refusal of only pickled (.bin) weights, with the command to convert
    not_a_folder(path, name)    # why a file given as the model is not one (a GGUF file: what to use instead)
    no_config(path, name)       # why a folder without config.json is not a model (one holding a GGUF file too)
    tokenizer_past_embeddings(path, name)   # None, or why token ids past the model's embeddings are refused
    stored_dtype(path)          # "bfloat16": the dtype its config.json says its weights are stored in
    same_name_folder(name, roots)   # the model folder a bare name (`my-qwen`) names in $FTLIB_HOME/models, or None

Every page turns text into tokens first, so a folder without tokenizer files failed on each as transformers' "Could
not load a tokenizer ... You need to have sentencepiece or tiktoken installed" (the files were missing, not a
library). Looks at file names (and config.json) only; loads nothing. Stdlib only: models.py raises its ModelError
with these words.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import shlex
from pathlib import Path

# What AutoTokenizer reads a vocabulary from: a fast tokenizer's tokenizer.json, a SentencePiece model (Llama 2's
# tokenizer.model, T5's spiece.model, sentencepiece.bpe.model), a tiktoken file, a byte-level BPE's vocab.json (with
# merges.txt: GPT-2, Qwen), a WordPiece vocab.txt. tokenizer_config.json alone holds settings, not a vocabulary.
VOCABULARY_FILES = ("tokenizer.json", "*.model", "*.tiktoken", "vocab.json", "vocab.txt")
COPY_TOKENIZER = (
    "copy the tokenizer files (tokenizer.json, tokenizer_config.json, special_tokens_map.json) from the model's "
    "repository into the folder"
)


def has_tokenizer_files(path: Path) -> bool:
    """Whether `path` holds a file a tokenizer's vocabulary is read from (`VOCABULARY_FILES`).

    >>> import tempfile; folder = Path(tempfile.mkdtemp())
    >>> has_tokenizer_files(folder), (folder / "tokenizer.json").touch(), has_tokenizer_files(folder)
    (False, None, True)
    """
    return any(next(Path(path).glob(pattern), None) is not None for pattern in VOCABULARY_FILES)


def no_tokenizer(path: Path, name: str) -> str | None:
    """Why the model folder `path` (named `name` where it was chosen) cannot be used without tokenizer files, or with
    only one this install cannot read (`unread_vocabulary`); None when it has one it can read."""
    if has_tokenizer_files(path):
        return unread_vocabulary(path, name)
    held = sorted(p.name for p in Path(path).iterdir())
    shown = ", ".join(held[:6]) + (f" and {len(held) - 6} more" if len(held) > 6 else "")
    return (
        f"'{name}' has a model's weights but no tokenizer: none of tokenizer.json, tokenizer.model, vocab.json + "
        f"merges.txt or vocab.txt is in {path} (it holds {shown}). Every command and page turns text into tokens "
        f"with it first. To use this model, {COPY_TOKENIZER}."
    )


# A vocabulary kept only in a file read by a library of its own: transformers converts it to a fast tokenizer with
# that library (5.x: SentencePiece's, else a tiktoken reader, whose "`tiktoken` is required" then misnamed the need).
_LIBRARY_VOCABULARIES = (
    ("*.model", "sentencepiece", "a SentencePiece model"),
    ("*.tiktoken", "tiktoken", "a tiktoken file"),
)


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def unread_vocabulary(path: Path, name: str) -> str | None:
    """Why the tokenizer of the model folder `path` cannot be read here: its vocabulary is only a SentencePiece model
    (`tokenizer.model`: Llama 2, Mistral v0.1 and many of their fine-tunes' folders without tokenizer.json) or a
    tiktoken file, and the library that reads it is not installed. None when a file the `tokenizers` library reads is
    there (tokenizer.json, vocab.json, vocab.txt) or the library is installed."""
    folder = Path(path)
    if any((folder / f).is_file() for f in ("tokenizer.json", "vocab.json", "vocab.txt")):
        return None
    for pattern, module, kind in _LIBRARY_VOCABULARIES:
        found = next(folder.glob(pattern), None)
        if found is not None and not _installed(module):
            return (
                f"'{name}' keeps its tokenizer only as {kind} ({found.name}, no tokenizer.json), and reading it needs "
                f"the `{module}` package, which is not installed here. Install it (`pip install {module}`), or copy "
                "tokenizer.json from the model's repository into the folder."
            )
    return None


def tokenizer_past_embeddings(path: Path, name: str) -> str | None:
    """Why the model folder `path` cannot be used when its tokenizer holds token ids its model has no embedding for
    (an id at or past config.json's `vocab_size`): a tokenizer copied from another model of the family (Mistral
    v0.3's 32768 tokens beside v0.1's 32000 embeddings), tokens added without resizing the embeddings, or a special
    token tokenizer_config.json names (`"pad_token": "<pad>"`, edited in by hand) that tokenizer.json lacks, which
    transformers adds at load, past the highest id. A run of it started, then failed at its first batch ("IndexError:
    index out of range in self"), and so did sampling. None when every id fits, or either file cannot be read (other
    checks say why)."""
    try:
        described = json.loads((Path(path) / "config.json").read_text(encoding="utf-8"))
        size = described.get("vocab_size") or (described.get("text_config") or {}).get("vocab_size")
        vocabulary = Path(path) / "tokenizer.json"
        highest, known = _token_ids(str(vocabulary), vocabulary.stat().st_mtime)
    except (OSError, ValueError, AttributeError, TypeError):
        return None
    if not isinstance(size, int) or highest is None:
        return None
    added = [(key, token) for key, token in _named_special_tokens(Path(path)) if token not in known]
    highest += len(dict.fromkeys(token for _, token in added))
    if highest < size:
        return None
    named = ", ".join(f"'{token}' ({key})" for key, token in added)
    past = "the token past them" if highest + 1 - size == 1 else f"one of the {highest + 1 - size} tokens past them"
    how = (
        f" (tokenizer_config.json names {named}, which tokenizer.json lacks: transformers adds "
        f"{'it' if len(added) == 1 else 'them'} at load, after its highest id)"
        if added
        else ""
    )
    return (
        f"'{name}': its tokenizer has token ids up to {highest}{how}, but the model has embeddings for {size} tokens "
        f"(vocab_size in config.json), so text holding {past} fails at "
        "once (IndexError: index out of range). The tokenizer is another model's, or tokens were added to it without "
        "resizing the model: copy the tokenizer files from this model's own repository, or resize its embeddings "
        "(`model.resize_token_embeddings(len(tokenizer))`) and save both again."
        + (" Or name a token tokenizer.json holds there instead." if added else "")
    )


# The special tokens tokenizer_config.json may name, each as text: transformers adds one tokenizer.json lacks.
_SPECIAL_KEYS = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")


def _named_special_tokens(folder: Path) -> list[tuple[str, str]]:
    """(key, token) of each special token tokenizer_config.json names as text, its lists of more (additional_ and
    extra_special_tokens) too; [] when it cannot be read."""
    try:
        described = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(described, dict):
        return []
    named = [(key, described.get(key)) for key in _SPECIAL_KEYS]
    for key in ("additional_special_tokens", "extra_special_tokens"):
        more = described.get(key)
        more = list(more.values()) if isinstance(more, dict) else more if isinstance(more, list) else []
        named += [(key, token) for token in more]
    return [(key, token) for key, token in named if isinstance(token, str) and token]


@functools.lru_cache(maxsize=8)
def _token_ids(tokenizer_file: str, mtime: float) -> tuple[int | None, frozenset[str]]:  # noqa: ARG001 (mtime: a changed file)
    """The highest id a tokenizer.json gives a token, from its model's vocabulary (a dict of ids, or a Unigram list)
    and its added tokens (None when it names none), and the tokens it holds."""
    described = json.loads(Path(tokenizer_file).read_text(encoding="utf-8"))
    vocab = (described.get("model") or {}).get("vocab")
    ids = list(vocab.values()) if isinstance(vocab, dict) else [len(vocab) - 1] if vocab else []
    added = [t for t in described.get("added_tokens") or () if isinstance(t, dict)]
    ids += [t.get("id") for t in added]
    ids = [i for i in ids if isinstance(i, int)]
    pieces = vocab if isinstance(vocab, dict) else [p[0] for p in vocab or () if isinstance(p, list) and p]
    known = frozenset([*pieces, *(t.get("content") for t in added)])
    return (max(ids) if ids else None), known


def pickled_only(path: Path, name: str) -> str | None:
    """Why a folder holding only pickled (.bin) weights is refused, with the command that converts it in place;
    None when it holds safetensors (or no .bin at all)."""
    if any(Path(path).glob("*.safetensors")) or not any(Path(path).glob("*.bin")):
        return None
    # The conversion unpickles the weights once, where the user chose to, on a file they trust.
    folder = json.dumps(str(path))  # a Python string in double quotes: the shell's single quotes hold it whole
    code = f"from transformers import AutoModelForCausalLM as M; M.from_pretrained({folder}).save_pretrained({folder})"
    return (
        f"'{name}' holds only pickled (.bin) weights: this studio refuses pickled checkpoints, because loading one "
        "can run code hidden in it. If you trust where it came from, convert it to safetensors once (written beside "
        f"the .bin): `python -c {shlex.quote(code)}`, then choose the folder again. Or download the model's "
        ".safetensors files from its repository."
    )


_NOT_GGUF = (
    "this studio does not read GGUF files as models (it converts only its embedded default, once). Use the model's "
    "original repository instead (the one the GGUF was made from, with config.json and .safetensors weights): its hub "
    "id, or a folder it was downloaded to."
)


def not_a_folder(path: Path, name: str) -> str:
    """Why the file `path` given as the model (named `name`) is not one: a GGUF file is not read as a model (only the
    embedded default is converted from one); any other file is not a model folder."""
    if Path(path).suffix.lower() == ".gguf":
        return f"'{name}' is a GGUF file: {_NOT_GGUF}"
    return f"'{name}' is a file, not a model directory. Point to the folder holding config.json."


def no_config(path: Path, name: str) -> str:
    """Why the folder `path` (named `name`), without a config.json, is not a model: one holding a GGUF file says so,
    one holding safetensors weights (the repository's weights downloaded alone) says to copy the config in."""
    gguf = sorted(p.name for p in Path(path).glob("*.gguf"))
    if gguf:
        return f"'{name}' holds a GGUF file ({gguf[0]}) and no config.json: {_NOT_GGUF}"
    weights = sorted(p.name for p in Path(path).glob("*.safetensors"))
    if weights and not (Path(path) / "adapter_config.json").is_file():
        return (
            f"'{name}' holds weights ({weights[0]}) but no config.json, the description of the model (its "
            "architecture and sizes) that transformers reads before the weights. Copy config.json (and "
            "generation_config.json) from the model's repository into the folder."
        )
    return (
        f"'{name}' is a directory but not a model: it has no config.json. Point to a folder saved with "
        "`save_pretrained`."
    )


def same_name_folder(name: str, roots) -> Path | None:
    """The model folder (one holding config.json) at `name` inside one of the folders `roots`, the first found: a
    model copied into `$FTLIB_HOME/models/` and typed by its folder's name (`my-qwen`), which reads as a hub id.
    None when there is none, or `name` would climb out of them (`..`).

    >>> import tempfile; root = Path(tempfile.mkdtemp()); (root / "my-qwen").mkdir()
    >>> _ = (root / "my-qwen" / "config.json").write_text("{}")
    >>> same_name_folder("my-qwen", [root]) == root / "my-qwen", same_name_folder("../my-qwen", [root / "x"])
    (True, None)
    """
    parts = Path(name).parts
    if not parts or Path(name).is_absolute() or ".." in parts:
        return None
    return next((Path(r) / name for r in roots if (Path(r) / name / "config.json").is_file()), None)


def stored_dtype(path: Path) -> str | None:
    """The dtype a model folder's config.json says its weights are stored in (`dtype`; `torch_dtype` before
    transformers 5): "float32", "bfloat16" or "float16"; None when it names none or cannot be read.

    >>> import json, tempfile; folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "config.json").write_text(json.dumps({"torch_dtype": "bfloat16"}))
    >>> stored_dtype(folder), stored_dtype(folder.parent)
    ('bfloat16', None)
    """
    try:
        config = json.loads((Path(path) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    named = (config.get("dtype") or config.get("torch_dtype")) if isinstance(config, dict) else None
    return named if named in ("float32", "bfloat16", "float16") else None


__all__ = [
    "COPY_TOKENIZER",
    "VOCABULARY_FILES",
    "has_tokenizer_files",
    "no_config",
    "no_tokenizer",
    "not_a_folder",
    "pickled_only",
    "same_name_folder",
    "stored_dtype",
    "tokenizer_past_embeddings",
    "unread_vocabulary",
]
