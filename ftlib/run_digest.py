"""What a run's summary reads from its metrics.jsonl, worked out once per content of the file (`metric_facts`).

    facts = metric_facts(run.metrics_file, read, live=True, method="lora", kept_step=None, judged=True)
    facts.last_train["step"], facts.eval_score, facts.peaks["peak_memory"], facts.divergence

Every listing of the runs (the Train page, every 2 s while a run trains; Compare's and Evaluate's run pickers; `runs
list`) reads every run's summary. It parsed each run's whole metrics.jsonl again once the runs' files were more than
the parsed files' cache holds (`run_files.PARSED_BYTES`: 300 runs of 2,000 steps, 172 MiB of metrics, parsed all 299
files in each listing, 4-7 s a listing on 2 cores) and copied every row of the files it held. The facts are a few rows
a file, kept for the `FACTS` files last read; a file whose content changed is read again.

Not known here: the run folder and the summary built from these (rundir.py).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ftlib.overfitting import Divergence, diverged
from ftlib.run_files import file_signature, is_number
from ftlib.run_summary import LOSS_SCORE, SCORES

# Files whose facts are kept (a few hundred bytes each): more runs than a team keeps, so a listing reads none again.
FACTS = 4096


@dataclass(frozen=True)
class MetricFacts:
    """What `RunDir.summary` reads from the metric rows (each a row of metrics.jsonl, or None where none is)."""

    last_train: dict | None = None  # the last "train" row
    last_eval: dict | None = None  # the last "eval" row (of the kept checkpoint's step, where one was kept)
    scored: dict = field(default_factory=dict)  # the last "train" row with the method's score (SCORES)
    eval_score: float | None = None  # the last held-out score (of the kept checkpoint's step, where one was kept)
    peaks: dict = field(default_factory=dict)  # "peak_memory", "peak_memory_reserved": the largest logged, or None
    left_out: int = 0  # damaged lines left out
    not_numbers: tuple[str, ...] = ()  # the names of values left out of their rows for not being numbers
    divergence: Divergence | None = None  # judged only when asked (`judged`: the run has ended)


_FACTS: dict[str, tuple[tuple, MetricFacts]] = {}  # file -> (its signature and the question, the facts)
_FACTS_LOCK = threading.Lock()  # every session's thread lists runs


def metric_facts(
    path: Path,
    read: Callable[[], tuple[list[dict], int, list[str]]],
    live: bool,
    method: str,
    kept_step: int | None,
    judged: bool,
) -> MetricFacts:
    """The facts of the metric rows `read()` gives ((rows, damaged lines, names of values that are not numbers), as
    `RunDir._metrics` reads the file at `path`), read again only when the file changed (`run_files.file_signature`)
    or the question did: `live` (a run writing it), its `method` (what scores it), the step of the checkpoint its
    result is (`kept_step`), and whether to judge divergence (`judged`)."""
    signature = file_signature(path)
    key = (signature, live, method, kept_step, judged)
    with _FACTS_LOCK:
        found = _FACTS.pop(str(path), None)  # popped and put back: the dict's order is the least recently used first
        if found is not None and found[0] == key and signature is not None:
            _FACTS[str(path)] = found
            return found[1]
    facts = _facts(*read(), method=method, kept_step=kept_step, judged=judged)
    if signature is not None:  # a file that cannot be opened is asked again next time
        with _FACTS_LOCK:
            _FACTS[str(path)] = (key, facts)
            while len(_FACTS) > FACTS:
                del _FACTS[next(iter(_FACTS))]
    return facts


def _facts(
    metrics: list[dict], left_out: int, not_numbers: list[str], method: str, kept_step: int | None, judged: bool
) -> MetricFacts:
    train = [m for m in metrics if m.get("kind") == "train"]
    evals = [m for m in metrics if m.get("kind") == "eval"]
    _, train_key, eval_key = SCORES.get(method, LOSS_SCORE)
    if kept_step is not None:  # the result is that checkpoint: judged by its eval
        evals = [m for m in evals if m.get("step") == kept_step] or evals
    return MetricFacts(
        last_train=train[-1] if train else None,
        last_eval=evals[-1] if evals else None,
        # The last row with a score: in a cut file, not the last step's (`RunSummary.train_score_step` says so).
        scored=next((m for m in reversed(train) if m.get(train_key) is not None), {}),
        eval_score=next((m[eval_key] for m in reversed(evals) if m.get(eval_key) is not None), None),
        peaks={key: _largest(metrics, key) for key in ("peak_memory", "peak_memory_reserved")},
        left_out=left_out,
        not_numbers=tuple(not_numbers),
        divergence=diverged(metrics, method) if judged else None,
    )


def _largest(metrics: list[dict], key: str) -> int | None:
    """The largest value of `key` in the metric rows (a resumed run's attempts each start from their own process's
    peak); None where no row has it."""
    values = [row[key] for row in metrics if is_number(row.get(key)) and math.isfinite(row[key])]
    return int(max(values)) if values else None


__all__ = ["FACTS", "MetricFacts", "metric_facts"]
