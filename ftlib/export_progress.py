"""How far a long export has got, for whoever waits on it: a page's progress bar, the command line's stage lines.

    log = StageLog()
    zip_folder(export_merged(run, progress=log), progress=log)   # told from the build's thread
    log.stages()       # [("Loading the base model", 1.0, 3.1), ..., ("Compressing into the zip", 0.45, 2.0)]

A merged model of the default model takes ~14 s to build and zip on a CPU, a larger base's minutes; a download
button's spinner alone said nothing of where it was. `ftlib.export` tells an optional `progress(stage, fraction)` the
`STAGES` it does, in order: 0.0 as each starts, 1.0 as it ends, and the zip's fraction of its bytes written between
(the other stages are single library calls: start and end only). Not known here: the exports themselves (export.py),
who draws the stages (the Train page's Export panel, `runs export`).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import TextIO

LOADING, MERGING, SAVING, WRITING_GGUF, ZIPPING = STAGES = (
    "Loading the base model",
    "Merging the adapter into it",
    "Saving the merged weights",
    "Writing the GGUF file",
    "Compressing into the zip",
)
Progress = Callable[[str, float], None]  # (one of STAGES, fraction of it done: 0.0 to 1.0)


@contextlib.contextmanager
def stage(progress: Progress | None, name: str):
    """Around one of `STAGES`: told to `progress` (if any) as it starts (0.0) and as it ends (1.0), not after a
    failure (the error says what went wrong)."""
    if progress is not None:
        progress(name, 0.0)
    yield
    if progress is not None:
        progress(name, 1.0)


def stage_lines(stream: TextIO) -> Progress:
    """A `Progress` writing each stage on a line of its own as it starts ("Loading the base model…"), to a terminal
    or a log alike: `runs export`'s, on stderr (its stdout is the paths a script reads)."""

    def told(name: str, fraction: float) -> None:
        if fraction == 0.0:
            print(f"{name}…", file=stream, flush=True)

    return told


class StageLog:
    """A `Progress` that keeps what it was told, read from another thread (a page's poll) while a build tells it.
    A stage begun again (0.0: another click's build after one that failed) drops what was told from its first start
    on: the failed stage's bar is not left growing beside the new build's.

    >>> log = StageLog()
    >>> log(LOADING, 0.0); log(LOADING, 1.0); log(ZIPPING, 0.5)
    >>> [(name, fraction) for name, fraction, _ in log.stages()]
    [('Loading the base model', 1.0), ('Compressing into the zip', 0.5)]
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stages: list[list] = []  # [name, fraction, started (monotonic s), ended or None]

    def __call__(self, name: str, fraction: float) -> None:
        now = time.monotonic()
        with self._lock:
            begun = [i for i, told in enumerate(self._stages) if told[0] == name]
            if fraction == 0.0 and begun:  # begun again: a build after one that failed (two tabs share a log)
                del self._stages[begun[0] :]  # what the failed build told from there on is not this build's
            if not self._stages or self._stages[-1][0] != name:
                self._stages.append([name, 0.0, now, None])
            told = self._stages[-1]
            told[1] = max(told[1], min(max(fraction, 0.0), 1.0))  # never backwards on the bar
            if told[1] >= 1.0 and told[3] is None:
                told[3] = now

    def stages(self) -> list[tuple[str, float, float]]:
        """(stage, fraction done, seconds it took or has taken so far) of each stage told, in order."""
        now = time.monotonic()
        with self._lock:
            return [(name, done, (ended or now) - started) for name, done, started, ended in self._stages]


__all__ = [
    "LOADING",
    "MERGING",
    "SAVING",
    "STAGES",
    "WRITING_GGUF",
    "ZIPPING",
    "Progress",
    "StageLog",
    "stage",
    "stage_lines",
]
