"""How much memory a data file takes once read, estimated before its rows are parsed, and a file refused when that
passes half of this machine's memory (a shared server's other sessions and runs need the rest).

    check_budget(rows=120_000, size=100 << 20, name="chats.jsonl")   # fine on any machine with 3 GiB or more

Parsed rows are Python objects: a JSONL file's peak on the Data page is about 11x its bytes (BENCHMARKS, "Hostile
input at scale": 94 MiB -> 1,086 MiB), and a row costs about 2.5 KB however little it holds (a 109 KB Parquet file
of one small row repeated 1,000,000 times, dictionary-encoded, read to 2.4 GB: a shared-server review). The estimate
is the larger of the two, so a file of few long rows and one of many tiny rows are both weighed.

A compressed file is opened no further than a plain file would be read (`opened_bound`, given to `file_bytes.opened`).
Not known here: reading the file (readers.py), the archive's own bound on decompressed bytes (file_bytes.MAX_OPENED).
"""

from __future__ import annotations

import os
from pathlib import Path

from ftlib.file_bytes import DataError

BYTES_FACTOR = 12  # parsed size over the file's bytes, rounded up from the measured 11x
ROW_BYTES = 2500  # parsed size of one small row (dicts, lists and strings of its own)
CGROUP_LIMIT = Path("/sys/fs/cgroup/memory.max")  # a container's own limit, lower than the machine's


def memory_bytes() -> int:
    """This process's usable memory in bytes: the machine's physical memory, or a container's limit when lower."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not a POSIX system: no bound from here
        total = 1 << 62
    try:
        limit = CGROUP_LIMIT.read_text().strip()
        return min(total, int(limit)) if limit.isdigit() else total
    except OSError:
        return total


def estimate(rows: int, size: int) -> int:
    """Bytes the parsed rows of a file of `rows` rows and `size` bytes (decoded) take, about."""
    return max(rows * ROW_BYTES, size * BYTES_FACTOR)


def check_budget(rows: int, size: int, name: str) -> None:
    """DataError when a file of `rows` rows and `size` bytes would take more than half of `memory_bytes` once read,
    naming both numbers and what to do; nothing otherwise."""
    need, have = estimate(rows, size), memory_bytes()
    if need > have // 2:
        raise DataError(
            f"{name} would take about {_size(need)} of memory once read ({rows:,} rows, {_size(size)} of data), more "
            f"than half of this machine's {_size(have)}, which its other sessions and runs share. Split it into "
            "smaller files, or keep the rows you want to train on."
        )


def opened_bound() -> tuple[int, str]:
    """(bytes, why in words) of the most a compressed file may hold once opened (`file_bytes.opened`'s `bound`): as
    much as a plain file `check_budget` lets be read. It weighs the opened bytes too, but only once they are all in
    memory: a 7 MB .jsonl.gz of 2 GiB was opened whole, 4.0 GiB at the peak, to be refused then; decompressing now
    stops past this bound (1.1 GiB at the peak, with 23.5 GiB of memory)."""
    have = memory_bytes()
    fits = have // 2 // BYTES_FACTOR  # check_budget's bound on a file's bytes
    return fits, (
        f"{_size(fits)} once decompressed: read, it would take more than half of this machine's {_size(have)} of "
        "memory, which its other sessions and runs share"
    )


def _size(n: int) -> str:
    """Bytes in GiB, or MiB below one GiB, or KiB below one MiB.

    >>> _size(3 << 30), _size(5 << 20), _size(2048)
    ('3.0 GiB', '5.0 MiB', '2.0 KiB')
    """
    for unit, shift in (("GiB", 30), ("MiB", 20)):
        if n >= 1 << shift:
            return f"{n / (1 << shift):.1f} {unit}"
    return f"{n / 1024:.1f} KiB"


__all__ = ["BYTES_FACTOR", "ROW_BYTES", "check_budget", "estimate", "memory_bytes", "opened_bound"]
