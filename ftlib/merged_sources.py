"""Which files a run's merged model was built from, so a cached `merged/` is built again once they change.

    before = merged_sources.current(run)      # before the merge reads them
    ...build merged/...
    merged_sources.record(run, before)         # run.merged_sources, beside merged/ (never inside: it is downloaded)
    merged_sources.changed(run)                # True when the base's or the adapter's weights differ from then

The sources are the base model's config.json and weight files and the adapter's weight files, each known by its
size and modification time in nanoseconds (how make and rsync tell a changed file: hashing a base's gigabytes on
every download click would cost more than the check is for), under its place in the base or adapter folder, so a
workspace or cache moved whole (a rename keeps the times) is not taken for a change. A base folder replaced by
another checkpoint under the same path, or an adapter restored from an older copy, then gets a new merge instead
of the stale one. Only weights and config.json count: exports write generation_config.json (stops) and the
adapter's base name (hub_base) into those folders themselves.

Not known here: how a merge is built and locked (export.py).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ftlib.rundir import RunDir

Sources = dict[str, list[int]]


def file_stamps(folder: Path, role: str, patterns: list[str]) -> Sources:
    """{"ROLE/FILE": [bytes, mtime_ns]} of the files of `folder` matching `patterns` (none for a missing folder)."""
    stamps = {}
    for path in sorted({p for pattern in patterns for p in folder.glob(pattern) if p.is_file()}):
        info = path.stat()
        stamps[f"{role}/{path.relative_to(folder)}"] = [info.st_size, info.st_mtime_ns]
    return stamps


def current(run: RunDir) -> Sources | None:
    """{"base/FILE" or "adapter/FILE": [bytes, mtime_ns]} of the run's base model (config.json, *.safetensors,
    *.bin) and adapter (*.safetensors) as they are now; None when the base cannot be found here."""
    from ftlib.models import ModelError, resolve_model

    try:  # as it is here: converts nothing, downloads nothing
        base = resolve_model(str(run.read_config().get("model") or ""), fetch=False)
    except (ModelError, OSError):
        return None
    if not base.is_dir():  # the default model, not converted yet
        return None
    patterns = ["config.json", "*.safetensors", "*.bin"]
    return file_stamps(base, "base", patterns) | file_stamps(run.adapter_dir, "adapter", ["*.safetensors"])


def record(run: RunDir, sources: Sources | None) -> None:
    """Write `sources` (from `current`, taken before the merge read them) as the merged model's; None: forget them.
    Best effort: a record that cannot be written is removed instead (the merged model is kept, just not checked),
    never failing the export it follows."""
    path = run.merged_sources
    try:
        if sources is None:
            path.unlink(missing_ok=True)
            return
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps(sources, indent=1), encoding="utf-8")
        os.replace(partial, path)  # whole or not at all
    except OSError:
        for leftover in (path, path.with_name(path.name + ".partial")):
            try:
                leftover.unlink(missing_ok=True)
            except OSError:
                pass


def changed(run: RunDir) -> bool:
    """Whether the files `merged/` was built from differ now. False when that is not known: a merged model built
    before this record existed, or a base no longer found (a rebuild could not load it either)."""
    try:
        recorded = json.loads(run.merged_sources.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    now = current(run)
    return now is not None and recorded != now


__all__ = ["Sources", "changed", "current", "record"]
