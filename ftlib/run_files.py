"""Reading a run's files whatever state they are in, and saying what could not be read.

    status, problem = json_object(run.status_file)   # ({...}, None), or ({}, "is not valid JSON (cut short ...)")
    status, wrong = typed(status, {"step": COUNT})   # without a value of another kind, and the words naming it
    rows, left_out = json_lines(run.metrics_file)    # the lines that are JSON objects, and how many others there were
    text_tail(run.log_file, 20, since=offset)        # the last lines written after byte `offset` (an attempt's own)
    ended_at(run.last_checkpoint())                  # True: saved where training had ended (trainer_state.json)

A run folder outlives the processes that write it: a `train` killed while it created the run, a disk that filled, a
copy cut short, a file overwritten by hand. Each read here returns what it could read and names what it could not,
so a damaged run is listed with the file named and what to do, and the other runs are unaffected (one status.json
holding `[]`, or bytes that are not UTF-8, failed every `runs` command, the Train, Compare and Evaluate pages, and
the queue behind it). Nothing here raises for what a file holds; a file that cannot be opened for another reason
than being absent (permission, a folder in its place) is reported as unreadable too. A file that reads may still hold a
value of another kind than its field's (`"parts_s": "x"`, `"step": [[1]]`, a time that is NaN): `typed` leaves it out,
as if missing, and says which field held what.

Not known here: which file is which and what their fields mean (rundir.py).
"""

from __future__ import annotations

import json
import math
import os
import threading
from pathlib import Path
from typing import NamedTuple

MISSING = "is missing"


def json_object(path: Path) -> tuple[dict, str | None]:
    """The JSON object a file holds, and None; else ({}, what is wrong, as the end of a sentence naming the file).

    >>> import tempfile; p = Path(tempfile.mkdtemp()) / "status.json"
    >>> _ = p.write_text('{"state": "finished"}'); json_object(p)
    ({'state': 'finished'}, None)
    >>> _ = p.write_text('[]'); json_object(p)
    ({}, 'holds a JSON list, not an object')
    >>> _ = p.write_bytes(b'{"state": "fin'); json_object(p)
    ({}, 'is not complete JSON (cut short or overwritten)')
    >>> p.unlink(); json_object(p)
    ({}, 'is missing')
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}, MISSING
    except OSError as exc:
        return {}, f"cannot be read ({exc.strerror or exc})"
    if not data.strip():
        return {}, "is empty"
    try:
        value = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        return {}, "is not UTF-8 text (damaged bytes)"
    except ValueError:
        return {}, "is not complete JSON (cut short or overwritten)"
    except RecursionError:
        return {}, "is nested too deeply to read"
    if not isinstance(value, dict):
        return {}, f"holds a JSON {_kind(value)}, not an object"
    return value, None


def _kind(value) -> str:
    kinds = {list: "list", str: "string", bool: "true/false", int: "number", float: "number", dict: "object"}
    return "null" if value is None else kinds.get(type(value), type(value).__name__)


class Kind(NamedTuple):
    """What a field of a run's JSON file holds: its words ("a whole number, 0 or more") and the test of a value."""

    words: str
    fits: object  # value -> bool


def is_number(value) -> bool:
    """An int or a float (NaN and Infinity too: json.loads reads them), not true/false."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _finite(value) -> bool:
    return is_number(value) and math.isfinite(value)


TEXT = Kind("text", lambda v: isinstance(v, str))
COUNT = Kind("a whole number (0 or more)", lambda v: type(v) is int and v >= 0)
# Seconds since 1970, up to the year 5138: what `time.localtime` and the pages' clocks can read.
WHEN = Kind("a time in seconds since 1970", lambda v: _finite(v) and 0 <= v < 1e11)
ORDER = Kind("a number (0 or more)", lambda v: _finite(v) and v >= 0)
DURATIONS = Kind("a list of durations in seconds", lambda v: isinstance(v, list) and all(ORDER.fits(x) for x in v))
TEXTS = Kind("a list of texts", lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v))


def typed(values: dict, kinds: dict[str, Kind]) -> tuple[dict, list[str]]:
    """`values` without each field `kinds` names whose value is of another kind (read as missing), and a few words
    per field left out. null is kept: the run's files write it for "none" (`"ended": null`).

    >>> typed({"step": "a", "parts_s": [1.5], "pid": None, "other": [[1]]}, {"step": COUNT, "parts_s": DURATIONS})
    ({'parts_s': [1.5], 'pid': None, 'other': [[1]]}, ['`step` holds text, not a whole number (0 or more)'])
    >>> for said in typed({"created": float("nan"), "log_tail": [1]}, {"created": WHEN, "log_tail": TEXTS})[1]:
    ...     print(said)
    `created` holds NaN, not a time in seconds since 1970
    `log_tail` holds a list of numbers, not a list of texts
    """
    kept, wrong = dict(values), []
    for name, kind in kinds.items():
        value = values.get(name)
        if value is not None and not kind.fits(value):
            del kept[name]
            wrong.append(f"`{name}` holds {described(value)}, not {kind.words}")
    return kept, wrong


def described(value) -> str:
    """A JSON value in a few words: a number as written, else its kind.

    >>> [described(v) for v in (-5, 2.5, float("inf"), "x", True, [], [[1]], ["a", 1], {"a": 1})]
    ['-5', '2.5', 'Infinity', 'text', 'true/false', 'an empty list', 'a list of lists', 'a list of mixed values', \
'an object']
    """
    if is_number(value):
        return json.dumps(value)
    if isinstance(value, list):
        if not value:
            return "an empty list"
        inner = {_plural_kind(item) for item in value}
        return f"a list of {inner.pop()}" if len(inner) == 1 else "a list of mixed values"
    return {str: "text", bool: "true/false", dict: "an object"}.get(type(value), _kind(value))


def _plural_kind(value) -> str:
    return {str: "texts", bool: "true/false values", list: "lists", dict: "objects"}.get(
        type(value), "numbers" if is_number(value) else "nulls"
    )


def wrong_words(file: str, wrong: list[str]) -> list[str]:
    """The sentence a run is listed with for the fields of `file` that `typed` left out ([] for none)."""
    if not wrong:
        return []
    values = "a value" if len(wrong) == 1 else "values"
    return [f"{file} holds {values} of the wrong kind, read as missing: {'; '.join(wrong)}."]


def checkpoint_step(checkpoint: Path | None) -> int | None:
    """The step a `checkpoint-N` folder was saved at.

    >>> checkpoint_step(Path("runs/r1/checkpoints/checkpoint-6")), checkpoint_step(None)
    (6, None)
    """
    number = checkpoint.name.rsplit("-", 1)[-1] if checkpoint is not None else ""
    return int(number) if number.isdigit() else None


def ended_at(checkpoint: Path | None) -> bool:
    """Whether `checkpoint` was saved where the run's training had ended: at its last step (`max_steps`, or the last
    step of its last epoch), or where early stopping ran out of patience. HF Trainer saves one there just before the
    run writes its result, so a run that died writing it (killed, a full disk) resumes from it; the Trainer would then
    train one more step (its loop checks the step count only after a step, where max_steps is not a whole number of
    epochs), past the end, on a batch the run never had. Read from its `trainer_state.json`; False when unreadable.

    >>> ended_at(None)
    False
    """
    try:
        state = json.loads((checkpoint / "trainer_state.json").read_text(encoding="utf-8"))
        step, last = int(state.get("global_step") or 0), int(state.get("max_steps") or 0)
        # Early stopping's count of evaluations without improvement, as the Trainer saved it with the checkpoint.
        stopping = (state.get("stateful_callbacks") or {}).get("EarlyStoppingCallback") or {}
        stopping = stopping[-1] if isinstance(stopping, list) else stopping
        patience = stopping.get("args", {}).get("early_stopping_patience")
        waited = stopping.get("attributes", {}).get("early_stopping_patience_counter")
    except (OSError, TypeError, ValueError, AttributeError, IndexError, OverflowError):
        return False
    stopped_early = isinstance(patience, int) and isinstance(waited, int) and 0 < patience <= waited
    return 0 < last <= step or stopped_early


# Metrics files parsed, by what says a file changed: the Train page lists every run's summary on each rerun (every
# 2 s while a run trains), which parsed each whole metrics.jsonl again (a cold review: 2-6 s a rerun beside five
# 20,000-step runs). Bounded by the files' bytes, so a workspace of long runs holds a few, not all.
_PARSED: dict[tuple, tuple[list[dict], int]] = {}
_PARSED_LOCK = threading.Lock()  # every session's thread reads it (a Train page polls every 2 s)
PARSED_BYTES = 32 * 2**20  # of the files; their parsed rows take about 4 times as much (30 MiB for 7.7 MiB)


def cached_json_lines(path: Path, live: bool = True) -> tuple[list[dict], int]:
    """`json_lines`, parsed again only when the file changed (its inode, size, modification time or last bytes: a
    rewrite of the same size within the clock's tick keeps the first three): each row a copy, so a caller's change
    to one never reaches the next caller."""
    signature = file_signature(path)
    if signature is None:
        return json_lines(path, live)
    key = (*signature, live)
    size = signature[1]
    with _PARSED_LOCK:
        found = _PARSED.pop(key, None)  # popped and put back: the dict's order is the least recently used first
        if found is not None:
            _PARSED[key] = found
    if found is None:
        found = json_lines(path, live)  # stat first: a write between the two makes the key older, read again
        if size <= PARSED_BYTES:
            with _PARSED_LOCK:
                for old in [k for k in _PARSED if k[0] == key[0] and k[1:5] != key[1:5]]:  # the file as it was
                    del _PARSED[old]
                while _PARSED and sum(k[1] for k in _PARSED) + size > PARSED_BYTES:
                    del _PARSED[next(iter(_PARSED))]
                _PARSED[key] = found
    rows, bad = found
    return [dict(row) for row in rows], bad


def file_signature(path: Path) -> tuple | None:
    """What says a file changed: (path, size, inode, modification time in ns, its last 512 bytes: a rewrite of the
    same size within the clock's tick keeps the first three); None when it cannot be opened."""
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            handle.seek(max(0, info.st_size - 512))
            tail = handle.read()
    except OSError:
        return None
    return (str(path), info.st_size, info.st_ino, info.st_mtime_ns, tail)


def json_lines(path: Path, live: bool = True) -> tuple[list[dict], int]:
    """The lines of a JSON-lines file that hold a JSON object, and how many other lines it has (bytes that are not
    UTF-8, text that is not JSON, a JSON value that is not an object; empty lines are not counted). `live`: a
    process may be writing the file now, so an unfinished last line (no newline after it) is that write under way,
    left out without being counted; otherwise it counts (a file cut short).

    >>> import tempfile; p = Path(tempfile.mkdtemp()) / "metrics.jsonl"
    >>> _ = p.write_bytes(b'{"step": 1}\\n[1, 2]\\n\\xff\\xfe\\n{"step": 2}\\n{"st')
    >>> json_lines(p), json_lines(p, live=False)
    (([{'step': 1}, {'step': 2}], 2), ([{'step': 1}, {'step': 2}], 3))
    """
    try:
        data = path.read_bytes()
    except OSError:
        return [], 0
    lines = data.split(b"\n")  # the last is b"" when the file ends with a newline, else a line not finished
    rows, bad = [], 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            value = json.loads(line.decode("utf-8"))
        except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            value = None
        if isinstance(value, dict):
            rows.append(value)
        elif i < len(lines) - 1 or not live:
            bad += 1
    return rows, bad


def text_tail(path: Path, lines: int = 20, since: int = 0) -> list[str]:
    """The last non-empty lines of a text file written after byte `since` (from its start where the file is now
    shorter than that: replaced since), undecodable bytes replaced; [] for a missing file."""
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            since = since if 0 <= since <= size else 0
            handle.seek(max(since, size - 64_000))
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    # tqdm-style carriage returns put many updates on one line; keep the last of each.
    out = [line.rsplit("\r", 1)[-1].rstrip() for line in text.splitlines()]
    return [line for line in out if line.strip()][-lines:]


def file_size(path: Path) -> int:
    """The size of a file in bytes, 0 when it is missing or cannot be read."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


__all__ = [
    "COUNT",
    "DURATIONS",
    "MISSING",
    "ORDER",
    "TEXT",
    "TEXTS",
    "WHEN",
    "Kind",
    "cached_json_lines",
    "checkpoint_step",
    "described",
    "ended_at",
    "file_signature",
    "file_size",
    "is_number",
    "json_lines",
    "json_object",
    "text_tail",
    "typed",
    "wrong_words",
]
