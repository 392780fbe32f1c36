"""Reading a run's files whatever state they are in, and saying what could not be read.

    status, problem = json_object(run.status_file)   # ({...}, None), or ({}, "is not valid JSON (cut short ...)")
    rows, left_out = json_lines(run.metrics_file)    # the lines that are JSON objects, and how many others there were
    text_tail(run.log_file, 20, since=offset)        # the last lines written after byte `offset` (an attempt's own)

A run folder outlives the processes that write it: a `train` killed while it created the run, a disk that filled, a
copy cut short, a file overwritten by hand. Each read here returns what it could read and names what it could not,
so a damaged run is listed with the file named and what to do, and the other runs are unaffected (one status.json
holding `[]`, or bytes that are not UTF-8, failed every `runs` command, the Train, Compare and Evaluate pages, and
the queue behind it). Nothing here raises for what a file holds; a file that cannot be opened for another reason
than being absent (permission, a folder in its place) is reported as unreadable too.

Not known here: which file is which and what their fields mean (rundir.py).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

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
    kinds = {list: "list", str: "string", bool: "true/false", int: "number", float: "number"}
    return "null" if value is None else kinds.get(type(value), type(value).__name__)


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


__all__ = ["MISSING", "file_size", "json_lines", "json_object", "text_tail"]
