"""A run's rows: what its `dataset` names (a saved split, a split folder, a data file, a shipped sample), read and
split once before the run is queued, and kept in its folder, so it trains, resumes and is evaluated on those rows
whatever happens to the file or the split afterwards.

    config = absolute_paths(config)           # a dataset or model typed relative to this folder -> absolute
    train, test, meta = dataset_rows(config)  # the rows a run of this config trains and is evaluated on
    runs.create_run(config, rows=(train, test, meta))   # kept as the run's split/ (workspace.keep_run_split)

The worker trains in another folder than the one a path was typed in (ftlib.runs launches it from the code's folder):
a relative path is made absolute here, where it was typed. A name (a saved split, a sample, a hub id, `default`)
stays a name. What `dataset` names is read in the order `ftlib.training.load_rows` reads it: a split folder, then a
split saved under that name, then a file, then a shipped sample. A data file is split with the run's `test_size` (a
share below 1 or a number of rows, `ftlib.splits.as_test_size`) and `seed`.

Not known here: how rows become tokens (training.py), the queue (runs.py).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from ftlib import workspace
from ftlib.config import ConfigError, RunConfig
from ftlib.errors import UserError


def split_folder(spec: str) -> Path | None:
    """The saved split `spec` names (a split folder's path, or a split saved in the workspace under that name), read
    as `training.load_rows` reads it; None for a data file, a sample or nothing at all."""
    spec = str(spec or "").strip()
    if not spec:
        return None
    path = Path(spec).expanduser()
    if (path / "meta.json").is_file():
        return path
    saved = workspace.datasets_dir() / workspace.safe_name(spec)
    return saved if (saved / "meta.json").is_file() else None


def absolute_paths(config: RunConfig) -> RunConfig:
    """`config` with a dataset or model that names an existing file or folder relative to the current folder made
    absolute (a split folder's path too); saved split names, samples, hub ids and `default` are left as they are. A
    name that is also a saved split's keeps meaning the split, as training reads it."""
    changes = {}
    dataset = str(config.dataset or "").strip()
    if dataset:
        path = Path(dataset).expanduser()
        if (path / "meta.json").is_file() or (split_folder(dataset) is None and path.exists()):
            changes["dataset"] = os.path.abspath(path)
    model = str(config.model or "").strip()
    if model and model != "default" and Path(model).expanduser().exists():
        changes["model"] = os.path.abspath(Path(model).expanduser())
    changes = {k: v for k, v in changes.items() if v != getattr(config, k)}
    return dataclasses.replace(config, **changes) if changes else config


def dataset_rows(config: RunConfig) -> tuple[list[dict], list[dict], dict]:
    """(train, test, meta) for the config's dataset: a saved split's rows and meta.json, or a file's (or sample's)
    rows split with `test_size` and `seed` and a meta saying how (`LoadResult.split_meta`). ConfigError (or the
    file's DataError) when it cannot be read, naming the fix."""
    from ftlib.data import DataError, MappingNeeded, load_file, split_rows
    from ftlib.splits import as_test_size

    spec = str(config.dataset or "").strip()
    if not spec:
        raise ConfigError("`dataset` is empty: name a saved split (see the Data page), a split folder or a data file.")
    folder = split_folder(spec)
    if folder is not None:
        train, test, meta = workspace.load_split(str(folder))
        return train, test, {**meta, "kept_from": "split"}
    path, column_map, label, kind = Path(spec).expanduser(), None, Path(spec).name, "file"
    if not path.exists():
        from ftlib.demo_data import SAMPLES

        sample = SAMPLES.get(spec)
        if sample is None or not sample.path.is_file():
            raise ConfigError(
                f"`dataset` '{spec}' is neither a saved split, a split folder, a data file nor a "
                "shipped sample. Save a split on the Data page, or give the path of a "
                ".jsonl/.json/.csv/.parquet file."
            )
        path, column_map, label, kind = sample.path, sample.column_map, spec, "sample"
    if path.is_dir():
        raise ConfigError(f"`dataset` '{spec}' is a folder without meta.json: point to a saved split or a data file.")
    try:
        result = load_file(path, column_map=column_map)
    except MappingNeeded as exc:  # a run config names no mapping: a split saved with one carries it
        raise ConfigError(
            f"{exc} A run reads a data file without a mapping: save it as a split with one (on the Data page, or "
            f"`python -m ftlib data split {path} --map COLUMN=FIELD --out DIR`) and train on it (--dataset DIR)."
        ) from None
    if not result.rows:
        first = "; ".join(f"row {e.row}: {e.message}" for e in result.errors[:3])
        raise ConfigError(f"No usable rows in '{path}'. {first}")
    size = as_test_size(config.test_size)
    if size:
        try:
            train, test = split_rows(result.rows, test_size=size, seed=config.seed)
        except DataError as exc:
            raise ConfigError(f"`test_size` {config.test_size:g} cannot split '{label}': {exc}") from None
    else:  # no held-out rows: no evaluation
        train, test = list(result.rows), []
    meta = result.split_meta(label, config.seed, size, dedupe=False)
    return train, test, {**meta, "name": label, "kept_from": kind}


def readable_rows(config: RunConfig) -> tuple[list[dict], list[dict], dict] | None:
    """`dataset_rows`, or None where the dataset cannot be read now (the worker then reads it and says why)."""
    try:
        return dataset_rows(config)
    except (UserError, OSError):
        return None


__all__ = ["absolute_paths", "dataset_rows", "readable_rows", "split_folder"]
