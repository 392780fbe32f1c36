"""Which files a run's merged model was built from, so a cached `merged/` is built again once they change.

    before = merged_sources.current(run)      # before the merge reads them
    ...build merged/...
    merged_sources.record(run, before)         # merged.sources.json, beside merged/ (never inside: it is downloaded)
    merged_sources.changed(run)                # True when the base's or the adapter's weights differ from then

The sources are the base model's config.json and weight files and the adapter's weight files, each known by its
size and modification time in nanoseconds (how make and rsync tell a changed file: hashing a base's gigabytes on
every download click would cost more than the check is for). A base folder replaced by another checkpoint under
the same path, or an adapter restored from an older copy, then gets a new merge instead of the stale one. Only
weights and config.json count: exports write generation_config.json (stops) and the adapter's base name
(hub_base) into those folders themselves.

Not known here: how a merge is built and locked (export.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from ftlib.rundir import RunDir

SOURCES_FILE = "merged.sources.json"


def _stamps(folder: Path, names: list[str]) -> dict[str, list[int]]:
    stamps = {}
    for path in sorted(p for pattern in names for p in folder.glob(pattern) if p.is_file()):
        info = path.stat()
        stamps[str(path.resolve())] = [info.st_size, info.st_mtime_ns]
    return stamps


def current(run: RunDir) -> dict[str, list[int]] | None:
    """{file: [bytes, mtime_ns]} of the run's base model (config.json, *.safetensors, *.bin) and adapter
    (*.safetensors) as they are now; None when the base cannot be found (nothing to compare against)."""
    from ftlib.models import DEFAULT_MODEL, ModelError, default_model_dir, resolve_model

    spec = str(run.read_config().get("model") or DEFAULT_MODEL).strip()
    try:  # the default model's folder as it is: a check converts nothing
        base = default_model_dir() if spec == DEFAULT_MODEL else resolve_model(spec)
    except (ModelError, OSError, ValueError):
        return None
    if not base.is_dir():
        return None
    return _stamps(base, ["config.json", "*.safetensors", "*.bin"]) | _stamps(run.adapter_dir, ["*.safetensors"])


def record(run: RunDir, sources: dict[str, list[int]] | None) -> None:
    """Write `sources` (from `current`, taken before the merge read them) as the merged model's; none: forget."""
    path = run.path / SOURCES_FILE
    if sources is None:
        path.unlink(missing_ok=True)
        return
    path.write_text(json.dumps(sources, indent=1), encoding="utf-8")


def changed(run: RunDir) -> bool:
    """Whether the files `merged/` was built from differ now. False when that is not known: a merged model built
    before this record existed, or a base no longer found (a rebuild could not load it either)."""
    try:
        recorded = json.loads((run.path / SOURCES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    now = current(run)
    return now is not None and recorded != now


__all__ = ["SOURCES_FILE", "changed", "current", "record"]
