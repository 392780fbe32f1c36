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
a SentencePiece file without tokenizer.json): `file_tokenizer` is None there and the caller loads the real one.
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
        templates[extra.name.removesuffix(".jinja")] = extra.read_text(encoding="utf-8")
    if templates:
        return templates["default"] if list(templates) == ["default"] else templates
    value = (config if config is not None else _read_json(folder / "tokenizer_config.json")).get("chat_template")
    if isinstance(value, list):
        value = {t["name"]: t["template"] for t in value if isinstance(t, dict) and "name" in t and "template" in t}
    return value or None


class FileTokenizer:
    """The parts of a transformers tokenizer the template checks read, from the files of model folder `folder`."""

    def __init__(self, folder: Path, encoder):
        config = _read_json(folder / "tokenizer_config.json")
        legacy = _read_json(folder / "special_tokens_map.json")  # older folders name their special tokens there
        self.folder, self._encoder = folder, encoder
        self.chat_template = chat_template_of(folder, config)
        self.special_tokens_map = {
            key: text
            for key in _SPECIAL_KEYS
            if (text := _token_text(config.get(key)) or _token_text(legacy.get(key)))
        }
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
    files = [folder / name for name in ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja")]
    try:
        stamps = tuple(f.stat().st_mtime_ns if f.is_file() else 0 for f in files)
    except OSError:
        return None
    return None if not stamps[0] else _file_tokenizer(str(folder), stamps)


@functools.lru_cache(maxsize=8)
def _file_tokenizer(folder: str, stamps: tuple) -> FileTokenizer | None:  # noqa: ARG001 (stamps: changed files)
    from tokenizers import Tokenizer

    try:
        encoder = Tokenizer.from_file(str(Path(folder) / "tokenizer.json"))
    except Exception:  # a tokenizer.json this version of `tokenizers` cannot read: transformers may still load it
        return None
    return FileTokenizer(Path(folder), encoder)


def early_tokenizer(spec: str):
    """`file_tokenizer(spec)`, else transformers' own (`models.load_tokenizer`, which imports torch): for a check that
    needs the model's tokenizer only for its chat template or special tokens, before the model loads."""
    if (found := file_tokenizer(spec)) is not None:
        return found
    from ftlib.models import load_tokenizer

    return load_tokenizer(spec)


__all__ = ["FileTokenizer", "chat_template_of", "early_tokenizer", "file_tokenizer"]
