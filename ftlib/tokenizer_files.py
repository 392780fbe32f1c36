"""A model's tokenizer as its files say it, read without transformers (whose import takes torch with it: 2-3 s).

`file_tokenizer(spec)` is a stand-in (`FileTokenizer`) with what the template checks ask of a tokenizer: its chat
template (`chat_template.jinja`, `additional_chat_templates/*.jinja`, else tokenizer_config.json's `chat_template`,
read in transformers' order), its special tokens (`special_tokens_map`, `bos_token`, ...) and `encode`, through the
`tokenizers` library on tokenizer.json (is a control token one token: `missing_special_tokens`). So a run's template
refusals (`run_template_check`), a model without a template of its own and a thinking switch
(`ChatTemplate.thinking_switch`) are known before torch.

    tokenizer = file_tokenizer(config.model)   # None: the folder cannot be read so; load the real one instead
    get_template("tokenizer", tokenizer)       # the model's own, or its "has no chat template" TemplateError

Not known here: what transformers does at load beyond reading these files (a slow tokenizer converted, remote code,
a SentencePiece file without tokenizer.json, a tokenizer class that builds its own pieces from the vocabulary or
whose default special tokens are not listed here: Gemma's, Llama's, none named; a token only tokenizer_config.json
adds): `file_tokenizer` is None there and the caller loads the real one (checked against transformers' own reading
of folders in the shapes models publish: tests/test_tokenizer_files_h265.py).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

# The special tokens tokenizer_config.json names, as transformers' `special_tokens_map` lists them.
_SPECIAL_KEYS = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")


def _read_json(path: Path) -> dict:
    """A JSON object from `path`; {} where it is missing, unreadable or not an object."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _token_text(value) -> str | None:
    """A special token as tokenizer_config.json writes it: text, or an AddedToken's {"content": ...}."""
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) and value else None


def chat_template_of(folder: Path, config: dict | None = None) -> str | dict | None:
    """The chat template a tokenizer loaded from `folder` carries, in transformers' order: `chat_template.jinja` and
    `additional_chat_templates/*.jinja` first (one default file: its text; several: {name: text}), else
    tokenizer_config.json's `chat_template` (text, or a list of {"name", "template"} as {name: text}); None."""
    templates = {}
    if (default := folder / "chat_template.jinja").is_file():
        templates["default"] = default.read_text(encoding="utf-8")
    for extra in sorted((folder / "additional_chat_templates").glob("*.jinja")):
        if extra.is_file():  # a folder named `x.jinja` is no template: transformers' AutoTokenizer leaves it out too
            templates[extra.name.removesuffix(".jinja")] = extra.read_text(encoding="utf-8")
    if templates:
        return templates["default"] if list(templates) == ["default"] else templates
    value = (config if config is not None else _read_json(folder / "tokenizer_config.json")).get("chat_template")
    if isinstance(value, list):
        value = {t["name"]: t["template"] for t in value if isinstance(t, dict) and "name" in t and "template" in t}
    return value or None


# Special tokens a tokenizer class gives where its files name none (its __init__ defaults, transformers 5.x), for the
# classes whose tokenizer.json transformers encodes with as the `tokenizers` library reads it (checked against it in
# tests/test_tokenizer_files_h265.py); `PreTrainedTokenizerFast` / `TokenizersBackend` give none. Another class, or
# none named (AutoTokenizer picks one by the model's type), falls back on transformers: GemmaTokenizer and
# LlamaTokenizer build their own normalizer and pieces from the vocabulary, and encode otherwise than the file.
_EOT = "<|endoftext|>"
_CLASS_DEFAULTS = {
    "PreTrainedTokenizerFast": {},
    "TokenizersBackend": {},
    "GPT2Tokenizer": {"bos_token": _EOT, "eos_token": _EOT, "unk_token": _EOT},
    "Qwen2Tokenizer": {"eos_token": _EOT, "unk_token": _EOT, "pad_token": _EOT},
}


def special_tokens(config: dict, legacy: dict) -> dict[str, str] | None:
    """The special tokens transformers' tokenizer of a folder names ({"bos_token": "<s>", ...}, its
    `special_tokens_map`), from its tokenizer_config.json `config` and special_tokens_map.json `legacy`; None where
    they cannot be told from the files (a tokenizer class whose defaults are not known here, an AddedToken written as
    a bare dict in tokenizer_config.json, which transformers 5.x refuses to load).

    As transformers 5.x reads them: special_tokens_map.json only for a config without `added_tokens_decoder`, over the
    config's; a key neither names (not even as null) takes the class's default; `extra_special_tokens` given as
    {name: token}, and any other `*_token` key naming a token ("image_token": "<img>"), are named tokens too.

    >>> special_tokens({"tokenizer_class": "GPT2Tokenizer", "eos_token": "<|im_end|>", "bos_token": None}, {})
    {'eos_token': '<|im_end|>', 'unk_token': '<|endoftext|>'}
    >>> special_tokens({"tokenizer_class": "PreTrainedTokenizerFast", "eos_token": "</s>"}, {"eos_token": "<|e|>"})
    {'eos_token': '<|e|>'}
    >>> special_tokens({"tokenizer_class": "GemmaTokenizer"}, {}) is None
    True
    """
    named_class = str(config.get("tokenizer_class") or "")
    defaults = _CLASS_DEFAULTS.get(named_class, _CLASS_DEFAULTS.get(named_class.removesuffix("Fast")))
    if defaults is None:
        return None
    named = dict(config)
    if "added_tokens_decoder" not in config:  # transformers reads the older file only then, over the config's keys
        named |= legacy
    if any(isinstance(config.get(k), dict) and config[k].get("__type") != "AddedToken" for k in _SPECIAL_KEYS):
        return None  # transformers: "Special token bos_token has to be either str or AddedToken but got: dict"
    found = {}
    for key in _SPECIAL_KEYS:
        if text := _token_text(named[key] if key in named else defaults.get(key)):
            found[key] = text
    extra = named.get("extra_special_tokens")
    for key, value in [*(extra.items() if isinstance(extra, dict) else ()), *named.items()]:
        if key.endswith("_token") and key not in found and (text := _token_text(value)):  # "image_token": "<img>"
            found[key] = text
    return found


class FileTokenizer:
    """The parts of a transformers tokenizer the template checks read, from the files of model folder `folder`
    (`special`: its special tokens, `special_tokens`' reading of them)."""

    def __init__(self, folder: Path, encoder, config: dict, special: dict[str, str]):
        self.folder, self._encoder = folder, encoder
        self.chat_template = chat_template_of(folder, config)
        self.special_tokens_map = special
        for key in _SPECIAL_KEYS:
            setattr(self, key, self.special_tokens_map.get(key))

    def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
        """The ids of `text`, as `tokenizers` reads tokenizer.json (its post-processor's BOS with special tokens)."""
        return list(self._encoder.encode(text, add_special_tokens=add_special_tokens).ids)

    def __call__(self, text: str, add_special_tokens: bool = True) -> dict:
        return {"input_ids": self.encode(text, add_special_tokens)}

    def __len__(self) -> int:
        return self._encoder.get_vocab_size(with_added_tokens=True)

    @property
    def bos_token_id(self) -> int | None:
        return None if self.bos_token is None else self._encoder.token_to_id(self.bos_token)

    def __repr__(self) -> str:
        return f"FileTokenizer({str(self.folder)!r})"


def file_tokenizer(spec: str) -> FileTokenizer | None:
    """The stand-in for model `spec`'s tokenizer (`models.resolve_model` without fetching: the default model's folder
    once converted, a local folder, a hub id in the cache), or None where its files cannot stand in for it (no
    tokenizer.json, one `tokenizers` cannot read, a folder not there yet): the caller then loads the real tokenizer.
    Read once per folder and file times."""
    from ftlib.errors import UserError
    from ftlib.models import resolve_model

    try:
        folder = Path(resolve_model(spec, fetch=False))
    except (UserError, OSError):  # a refusal of the model is said where the model is checked, in its own words
        return None
    try:
        stamps = _stamps(folder)
    except OSError:
        return None
    return _file_tokenizer(str(folder), stamps) if stamps[0][1] else None  # tokenizer.json is there


def _stamps(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """(name, mtime in ns, size in bytes) of each file `file_tokenizer` reads in `folder`, tokenizer.json first, each
    named template in additional_chat_templates/ too: a file edited, added or removed changes them, so the folder is
    read anew. (name, 0, 0) for a file not there; OSError where one cannot be looked at."""
    names = ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja", "special_tokens_map.json")
    named = sorted((folder / "additional_chat_templates").glob("*.jinja"))  # transformers 5.x's named templates
    stamps = []
    for file in [folder / name for name in names] + named:
        stat = file.stat() if file.is_file() else None
        stamps.append((file.name, stat.st_mtime_ns, stat.st_size) if stat else (file.name, 0, 0))
    return tuple(stamps)


@functools.lru_cache(maxsize=8)
def _file_tokenizer(folder: str, stamps: tuple) -> FileTokenizer | None:  # noqa: ARG001 (stamps: changed files)
    from tokenizers import Tokenizer

    try:
        encoder = Tokenizer.from_file(str(Path(folder) / "tokenizer.json"))
    except Exception:  # a tokenizer.json this version of `tokenizers` cannot read: transformers may still load it
        return None
    config = _read_json(Path(folder) / "tokenizer_config.json")
    special = special_tokens(config, _read_json(Path(folder) / "special_tokens_map.json"))
    if special is None or not _knows_added_tokens(config, encoder):
        return None
    return FileTokenizer(Path(folder), encoder, config, special)


def _knows_added_tokens(config: dict, encoder) -> bool:
    """Whether tokenizer.json holds every token tokenizer_config.json's `added_tokens_decoder` adds (transformers adds
    one it lacks at load: a control token the files alone would read as several)."""
    added = config.get("added_tokens_decoder")
    tokens = [_token_text(v) for v in added.values()] if isinstance(added, dict) else []
    return all(text is None or encoder.token_to_id(text) is not None for text in tokens)


def early_tokenizer(spec: str):
    """`file_tokenizer(spec)`, else transformers' own (`models.load_tokenizer`, which imports torch): for a check that
    needs the model's tokenizer only for its chat template or special tokens, before the model loads."""
    if (found := file_tokenizer(spec)) is not None:
        return found
    from ftlib.models import load_tokenizer

    return load_tokenizer(spec)


__all__ = ["FileTokenizer", "chat_template_of", "early_tokenizer", "file_tokenizer", "special_tokens"]
