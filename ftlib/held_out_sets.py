"""Which runs were evaluated on the same held-out rows: their held-out numbers compare only then.

    rows_key(run_dir)                      # "3f9a…" (a hash of the run's own held-out rows), or None
    different_rows_note(summaries, labels) # "Held-out numbers compare only …" where a method's runs differ, else None

A run on a data file holds out rows its seed and held-out share pick (`splits.split_rows`), so two runs of one file
with other seeds are scored on other rows: a held-out loss 0.1 lower may be easier rows, not a better model. Each run
keeps its own copy of the rows it trained and was scored on (`workspace.keep_run_split`); the copies' bytes say whether
two runs held out the same rows (the same rows in the same order write the same bytes).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from ftlib import workspace


@lru_cache(maxsize=512)
def _file_hash(path: str, size: int, modified_ns: int) -> str:
    # Keyed by size and modification time as well: the Train page asks every 2 s while a run trains, and a copy is
    # written once, so the hash is read from disk once per copy.
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def rows_key(run_dir: Path | str) -> str | None:
    """A hex digest of the rows the run holds out (its kept `test.jsonl`), or None where it kept none, holds out no
    row, or the copy cannot be read. Equal keys: the same rows, in the same order."""
    kept = workspace.kept_split(run_dir)
    if kept is None:
        return None
    test = kept / "test.jsonl"
    try:
        stat = test.stat()
        return _file_hash(str(test), stat.st_size, stat.st_mtime_ns) if stat.st_size else None
    except OSError:
        return None


def different_rows_note(summaries: Sequence, labels: dict[str, str], runs_dir: Path | None = None) -> str | None:
    """Markdown saying which runs of one method were scored on different held-out rows, or None when every method's
    runs with a held-out number share theirs (or when that cannot be known: runs without a kept copy are left out).

    `summaries`: `RunSummary`s (their `id`, `method`, `eval_score`); `labels`: run id -> the name the runs table
    shows; `runs_dir`: the runs' folder (the workspace's by default). Methods are compared apart: a DPO run's held-out
    number means something else than an SFT run's whatever rows they hold out."""
    runs_dir = Path(runs_dir or workspace.runs_dir())
    # Two runs of one minute on one dataset share a label: named by their ids as well, so each can be found.
    shared = Counter(labels.get(s.id, s.id) for s in summaries)
    by_method: dict[str, dict[str, list[str]]] = {}
    for summary in summaries:
        if summary.eval_score is None:
            continue
        key = rows_key(runs_dir / summary.id)
        if key is not None:
            label = labels.get(summary.id, summary.id)
            name = f"{label} ({summary.id})" if shared[label] > 1 and label != summary.id else label
            by_method.setdefault(summary.method, {}).setdefault(key, []).append(name)
    lines = [
        f"- {method}: " + "; ".join(f"{', '.join(names)} (set {i})" for i, names in enumerate(sets.values(), 1))
        for method, sets in by_method.items()
        if len(sets) > 1
    ]
    if not lines:
        return None
    return (
        "Held-out numbers compare only between runs scored on the same rows, and these runs hold out different ones "
        "(another dataset, held-out share or seed picks other rows):\n" + "\n".join(lines)
    )


__all__ = ["different_rows_note", "rows_key"]
