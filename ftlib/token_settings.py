"""What decides the tokens a run's held-out loss is the mean over, beside what is trained: its chat template, its max
length and its base model's tokenizer; and the note on runs that differ in them (`ftlib.run_compare`'s).

    token_settings({"max_length": 256})        # ('chat template tokenizer', 'max length 256')
    tokenizer_digest(Path("models/my-qwen"))   # 'e3b0c442...': what cuts its text, as a sha256 hex digest
    status_fields(config)                      # {"tokenizer": digest}: what a queued run's status.json keeps
    tokenizer_settings(models, recorded)       # ['tokenizer HuggingFaceTB/SmolLM2-135M-Instruct (1a2b3c4d)', ...]

A per-token loss is a mean over tokens: another tokenizer (a Qwen or Llama folder beside the default SmolLM2) cuts
the same text into other tokens, so the two runs' held-out losses are means over other units, not the same measure
(bits per byte would be). A run keeps the digest of its base model's tokenizer files when it is queued (`tokenizer`
in status.json); a run queued before that is read by its model's folder as it is now where it is on this machine,
else by its model's name or path (one model, one tokenizer).

Not known here: the comparison itself (run_compare.py), loading a tokenizer (models.py).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path

from ftlib.config import RENAMED, field_specs

# The files that decide how a folder's tokenizer cuts text (`model_files.VOCABULARY_FILES`, GPT-2's merges, the added
# and special tokens), digested by their bytes, tokenizer_config.json by its settings (`_config_text`).
TOKENIZER_FILES = (
    "tokenizer.json",
    "*.model",
    "*.tiktoken",
    "vocab.json",
    "merges.txt",
    "vocab.txt",
    "added_tokens.json",
    "special_tokens_map.json",
)
TOKENIZER_CONFIG = "tokenizer_config.json"
# Settings of tokenizer_config.json that do not cut text: the chat template (a run's template is a setting of its own,
# `token_settings`), the length limit (the run's max length is), and what a load wrote of where it was read from.
NOT_CUTTING = ("chat_template", "model_max_length", "name_or_path", "is_local", "local_files_only", "_commit_hash")
DIGEST = re.compile(r"[0-9a-f]{64}")


def token_settings(config: dict) -> tuple[str, ...]:
    """The settings that decide which tokens of a held-out row a loss is the mean over, beside what is trained (the
    loss kind's mask policy) and the tokenizer (`tokenizer_settings`): the chat template (a custom one by its text)
    and the max length, as "name value" texts, missing ones read as their defaults. Two runs' per-token held-out
    losses are means over the same tokens only where these are equal.

    >>> token_settings({"max_length": 256})
    ('chat template tokenizer', 'max length 256')
    """
    values = {n: s.default for n, s in field_specs().items()} | {RENAMED.get(k, k): v for k, v in config.items()}
    text = str(values["template_source"]).encode()
    own = f" (its text {hashlib.sha256(text).hexdigest()[:8]})" if values["template"] == "custom" else ""
    return (f"chat template {values['template']}{own}", f"max length {values['max_length']}")


def tokenizer_digest(folder: Path) -> str | None:
    """A sha256 hex digest of what decides how the model folder `folder` cuts text into tokens: its vocabulary files'
    bytes (`TOKENIZER_FILES`) and its tokenizer_config.json's settings but those that cut nothing (`NOT_CUTTING`).
    Equal for the same tokenizer copied to two folders. None where the folder holds no vocabulary file (a model not
    converted yet) or a file does not read. Read again only when a file changes (its size and time)."""
    folder = Path(folder)
    try:
        files = sorted({p for pattern in (*TOKENIZER_FILES, TOKENIZER_CONFIG) for p in folder.glob(pattern)})
        stamps = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files if p.is_file())
    except OSError:
        return None
    return _digest(str(folder), stamps)


@functools.lru_cache(maxsize=64)
def _digest(folder: str, stamps: tuple) -> str | None:  # stamps: the files' names, sizes and times (a changed file)
    if not any(name != TOKENIZER_CONFIG for name, _, _ in stamps):
        return None
    digest = hashlib.sha256()
    try:
        for name, _, _ in stamps:
            path = Path(folder) / name
            body = _config_text(path) if name == TOKENIZER_CONFIG else path.read_bytes()
            digest.update(f"{name}\0{len(body)}\0".encode() + body)
    except (OSError, ValueError):  # unreadable, or a tokenizer_config.json that is not JSON
        return None
    return digest.hexdigest()


def _config_text(path: Path) -> bytes:
    """tokenizer_config.json's settings that cut text, as canonical JSON (keys sorted): a folder saved by another
    version or loaded from another place writes the same tokenizer's config with other bookkeeping."""
    values = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(values, dict):
        values = {k: v for k, v in values.items() if k not in NOT_CUTTING}
    return json.dumps(values, sort_keys=True).encode()


def model_digest(spec: str | None) -> str | None:
    """`tokenizer_digest` of the model `spec` names (`default`, a folder, a hub id in the local cache), as it is on
    this machine now: nothing is downloaded or converted; None where it is not here."""
    from ftlib.models import resolve_model

    try:
        return tokenizer_digest(resolve_model(str(spec or "default"), fetch=False))
    except Exception:  # noqa: BLE001 (a model not here, in any way: no digest, the run is read by its model's name)
        return None


def status_fields(config) -> dict:
    """What a run's status.json keeps of its tokenizer when it is queued: {"tokenizer": digest} (`model_digest` of
    its `model`), {} where its model is not on this machine yet (the default before its conversion)."""
    digest = model_digest(getattr(config, "model", None))
    return {"tokenizer": digest} if digest else {}


def recorded_digest(status: dict) -> str | None:
    """The tokenizer digest a run's status.json keeps (`status_fields`); None for a run queued before runs kept one,
    or a value that is not a digest."""
    value = status.get("tokenizer")
    return value if isinstance(value, str) and DIGEST.fullmatch(value) else None


def tokenizer_settings(models: Sequence[str | None], recorded: Sequence[str | None]) -> list[str]:
    """Each run's tokenizer as a setting text, "tokenizer NAME (DIGEST8)", equal exactly where the runs' tokenizers
    are the same: `models[i]`: run i's `model` setting; `recorded[i]`: the digest its status keeps (`recorded_digest`).

    A run without a digest takes that of a run here on the same model (`models.same_model`), else its model folder's
    now (`model_digest`); where neither is known it is "tokenizer MODEL", the same as another's only on the same
    model. The same tokenizer in two folders reads as the first run's text. NAME: the model's hub id where one is
    known (`models.hub_id`), else its folder's name."""
    from ftlib.models import hub_id, same_model

    specs = [str(m or "default") for m in models]
    digests = list(recorded)
    for i, spec in enumerate(specs):
        if digests[i] is None:
            kin = next((d for s, d in zip(specs, recorded, strict=True) if d and same_model(s, spec)), None)
            digests[i] = kin or model_digest(spec)
    said, texts = {}, []
    for i, (spec, digest) in enumerate(zip(specs, digests, strict=True)):
        key = digest or next(
            f"model {specs[j]}" for j in range(i + 1) if not digests[j] and same_model(specs[j], spec)
        )
        name = hub_id(spec) or Path(spec).name or spec
        texts.append(said.setdefault(key, f"tokenizer {name} ({digest[:8]})" if digest else f"tokenizer {spec}"))
    return texts


def token_notes(group: list[tuple[object, tuple | None]], charted: bool = False) -> list[str]:
    """The note on runs of one kind of loss (`group`: each run's numbers, with a `label`, and its `token_settings`
    beside its `tokenizer_settings`; None for a run measured by its mean reward) whose held-out rows were cut into
    other tokens, written or cut otherwise. Why such losses do not compare: each is over a row's trained tokens (SFT's
    mean, DPO/KTO/reward model's log-probability sums); another tokenizer cuts the same text into other tokens, so a
    per-token loss is a mean over other units; another template writes other tokens around each answer (its
    end-of-turn marker, trained with it), another max length cuts a long row's last ones off, so the same model would
    score another number, as on other rows. Their held-out lines are still drawn together (unlike other rows'): on
    the same rows, where no row is cut and the templates write the answers alike, the numbers are equal, which this
    cannot tell without the tokenizer, and where the caller draws them (`charted`: the Train page) the note says so.
    GRPO's mean reward is over its answers' text (its settings: None)."""
    known = [(n, t) for n, t in group if t is not None]
    if len({t for _, t in known}) < 2:
        return []
    differ = [i for i in range(len(known[0][1])) if len({t[i] for _, t in known}) > 1]  # template, length, tokenizer
    sets = {t: [n.label for n, tt in known if tt == t] for t in dict.fromkeys(t for _, t in known)}
    listed = "; ".join(f"{', '.join(names)}: {', '.join(t[i] for i in differ)}" for t, names in sets.items())
    cut = any(t[i].startswith("tokenizer ") for t in sets for i in differ)  # another tokenizer
    written = any(not t[i].startswith("tokenizer ") for t in sets for i in differ)  # another template or length
    why = []
    if cut:
        why.append(
            "another tokenizer cuts the same text into other tokens, so each run's per-token loss is a mean over "
            "other units"
        )
    if written:
        why.append(
            "another chat template writes other tokens around each answer, some of them trained and so counted, and "
            "a shorter max length cuts a long row's last tokens off"
        )
    drawn = "the Train page still draws their held-out lines on one chart" if charted else ""
    if cut:  # a loss over other units: no "may", nor "where the models do not"
        head, tail = "these runs' tokens differ", f" T{drawn[1:]}." if drawn else ""
    else:
        head = "these runs may write or cut them otherwise"
        tail = " Each run's held-out loss is computed over its own tokens, which can differ where the models do not"
        tail += f"; {drawn}." if drawn else "."
    return [
        f"Held-out losses compare only over the same tokens of their rows, and {head} ({listed}): {'; '.join(why)}."
        + tail
    ]


__all__ = [
    "model_digest",
    "recorded_digest",
    "status_fields",
    "token_notes",
    "token_settings",
    "tokenizer_digest",
    "tokenizer_settings",
]
