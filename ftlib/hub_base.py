"""An adapter folder names its base by hub id (`name_hub_base`), not by the folder this server loaded it from.

PEFT writes the base's path into adapter_config.json and the model card; on another machine that path is nothing.
The studio finds a run's base in its config.json, never there: these names are for whoever loads the adapter
elsewhere (`PeftModel.from_pretrained`, the hub's model card).

Not known here: which hub id a model spec has (`ftlib.models.hub_id`), saving (training.py), exports (export.py).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from ftlib.models import hub_id


def name_hub_base(folder: str | Path, spec: str) -> str | None:
    """Name the hub id of `spec` (`hub_id`) as the base of the adapter in `folder`: adapter_config.json's
    `base_model_name_or_path` and the model card's `base_model` (README.md), where PEFT writes the folder the base was
    loaded from (this server's `$FTLIB_HOME/models/...`, which no other machine has). The studio finds a run's base
    in its config.json, never there. Returns the id named; None, writing nothing, when no hub id is known (a folder of
    the user's own keeps its path) or `folder` holds no adapter_config.json."""
    config_file = Path(folder) / "adapter_config.json"
    name = hub_id(spec)
    try:
        config = json.loads(config_file.read_text(encoding="utf-8")) if name else None
    except (OSError, ValueError):
        return None
    if not isinstance(config, dict):
        return None
    if config.get("base_model_name_or_path") != name:
        _replace_text(config_file, json.dumps({**config, "base_model_name_or_path": name}, indent=2, sort_keys=True))
    card = Path(folder) / "README.md"
    text = card.read_text(encoding="utf-8") if card.is_file() else ""
    if text.startswith("---\n") and "\n---" in text[3:]:
        head, rest = text[4:].split("\n---", 1)
        lines = [_named(line, name) for line in head.split("\n")]
        if "\n".join(lines) != head:
            _replace_text(card, "---\n" + "\n".join(lines) + "\n---" + rest)
    return name


def _named(line: str, name: str) -> str:
    """A line of the card's front matter with the base named `name`: `base_model:` and PEFT's tag of it
    (`- base_model:adapter:<the folder>`), which would otherwise publish this server's path."""
    if line.startswith("base_model:"):
        return f"base_model: {name}"
    if line.lstrip().startswith("- base_model:adapter:"):
        return line[: line.index("- ")] + f"- base_model:adapter:{name}"
    return line


def _replace_text(path: Path, text: str) -> None:
    """Write `path` whole through a temporary file renamed into place, readable as the umask allows."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.partial")  # sessions are threads
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


__all__ = ["name_hub_base"]
