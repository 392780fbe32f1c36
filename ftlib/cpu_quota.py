"""How many CPUs this process may really use: its container's CPU quota (cgroup v2 or v1) and its CPU affinity, which
torch's default thread count does not know of.

    thread_budget()   # 2 in a container limited to 2 CPUs on a 64-core host; None where torch's default fits

torch picks its intra-op threads from the machine's physical cores (MKL's default: those the process may run on):
under a quota of 2 CPUs on a 64-core host that is dozens of OpenMP threads taking turns on 2 CPUs, which spin and wait
for each other (10x slower and worse). `ftlib.sharing.process_env` turns the budget into `OMP_NUM_THREADS` before
torch loads. Every reader takes its files' folder as a parameter (`root`, `cpus`), so tests give a fake one.

Not known here: torch itself (this runs before it loads), the user's own thread settings (sharing.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
SYS_CPUS = Path("/sys/devices/system/cpu")
# cgroup v1 mounts the cpu controller under one of these names (alone, or joined with cpuacct).
V1_CPU_DIRS = ("cpu", "cpu,cpuacct", "cpuacct,cpu")


def quota_cpus(root: str | os.PathLike = CGROUP_ROOT, membership: str | None = None) -> int | None:
    """The CPUs this process's cgroup quota allows, ceil(quota / period) and at least 1; None without a quota.

    cgroup v2: `cpu.max` ("max 100000": none; "200000 100000": 2 CPUs); v1: `cpu/cpu.cfs_quota_us` over
    `cpu.cfs_period_us` (-1: none). Read in this process's own cgroup (`membership`, the text of /proc/self/cgroup,
    read when None) and each of its parents under `root`, the smallest counting: a systemd service's `CPUQuota=` is
    set on its own cgroup, a container's on the root of its cgroup namespace. A file that is missing, unreadable or
    malformed limits nothing (the kernel writes them; a damaged one must not stop a run).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as root:  # a container's cgroup namespace, 1.5 CPUs of time
    ...     _ = (Path(root) / "cpu.max").write_text("150000 100000\\n")
    ...     quota_cpus(root, membership="0::/\\n")
    2
    """
    root = Path(root)
    if membership is None:
        try:
            membership = Path("/proc/self/cgroup").read_text(encoding="utf-8", errors="replace")
        except OSError:  # not Linux, or /proc not mounted: the mount's own root is still read
            membership = ""
    v2_path, v1_path = "/", "/"
    for line in membership.splitlines():
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if hierarchy == "0" and not controllers:
            v2_path = path or "/"
        elif "cpu" in controllers.split(","):
            v1_path = path or "/"
    limits = [_v2_limit(folder / "cpu.max") for folder in _levels(root, v2_path)]
    for name in V1_CPU_DIRS:
        limits += [_v1_limit(folder) for folder in _levels(root / name, v1_path)]
    found = [cpus for cpus in limits if cpus is not None]
    return min(found) if found else None


def _levels(mount: Path, path: str) -> list[Path]:
    """The folders of the cgroup `path` and of each parent up to the root, as seen under `mount`, deepest first."""
    parts = [p for p in path.strip().split("/") if p and p not in (".", "..")]
    return [mount.joinpath(*parts[:n]) for n in range(len(parts), -1, -1)]


def _ceil_cpus(quota: int, period: int) -> int | None:
    if quota <= 0 or period <= 0:  # v1's -1: no quota
        return None
    return max(1, -(-quota // period))  # 1.5 CPUs of time: 2 threads, each busy 3/4 of the time


def _read_ints(path: Path) -> list[int] | None:
    try:
        return [int(word) for word in path.read_text(encoding="utf-8").split()]
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def _v2_limit(path: Path) -> int | None:
    try:
        words = path.read_text(encoding="utf-8").split()
    except (OSError, UnicodeDecodeError):
        return None
    if len(words) != 2 or words[0] == "max" or not all(w.isdigit() for w in words):
        return None
    return _ceil_cpus(int(words[0]), int(words[1]))


def _v1_limit(folder: Path) -> int | None:
    quota, period = _read_ints(folder / "cpu.cfs_quota_us"), _read_ints(folder / "cpu.cfs_period_us")
    if not quota or not period or len(quota) != 1 or len(period) != 1:
        return None
    return _ceil_cpus(quota[0], period[0])


def affinity() -> set[int]:
    """The CPUs (logical) this process may run on: its affinity, or every CPU where that is not known (not Linux)."""
    try:
        return set(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return set(range(os.cpu_count() or 1))


def physical_cores(cpus: Iterable[int] | None = None, sys_cpus: str | os.PathLike = SYS_CPUS) -> int:
    """How many physical cores the logical CPUs `cpus` (None: every CPU of the machine) sit on, from each CPU's
    `topology/core_cpus_list` (older kernels: `thread_siblings_list`) under `sys_cpus`; a CPU whose topology cannot
    be read counts as a core of its own. At least 1.

    What torch's default thread count is made of (cpuinfo's cores, MKL's physical cores): hyper-threads add little
    to its matrix products, so a budget is counted in cores too."""
    sys_cpus = Path(sys_cpus)
    if cpus is None:
        cpus = _cpu_list(sys_cpus / "online")  # not those offline, which have no topology
        if not cpus:
            return max(1, os.cpu_count() or 1)
    cores = set()
    for cpu in cpus:
        siblings = None
        for name in ("core_cpus_list", "thread_siblings_list"):
            try:
                siblings = (sys_cpus / f"cpu{cpu}" / "topology" / name).read_text(encoding="utf-8").strip()
                break
            except (OSError, UnicodeDecodeError):
                continue
        cores.add(siblings or f"cpu{cpu}")  # "0,32" or "0-1": the same text for each CPU of a core
    return max(1, len(cores))


def _cpu_list(path: Path) -> set[int]:
    """The CPUs a kernel list file names ("0-3,8,10-11"); none when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8").strip()
        cpus = set()
        for part in filter(None, text.split(",")):
            first, _, last = part.partition("-")
            cpus.update(range(int(first), int(last or first) + 1))
        return cpus
    except (OSError, ValueError, UnicodeDecodeError):
        return set()


def thread_budget(
    root: str | os.PathLike = CGROUP_ROOT,
    cpus: Iterable[int] | None = None,
    sys_cpus: str | os.PathLike = SYS_CPUS,
    membership: str | None = None,
) -> int | None:
    """The intra-op threads this process should run when that is fewer than torch's default (the machine's physical
    cores), else None (leave torch's default). The budget: the cgroup quota's CPUs (`quota_cpus`) or the physical
    cores of the CPUs it may run on (`cpus`, default its affinity; `physical_cores`), whichever is fewer.

    A quota of 2 CPUs on a 64-core host gives 2; no quota and every CPU, None: torch's default is left alone."""
    cpus = affinity() if cpus is None else set(cpus)
    machine = physical_cores(None, sys_cpus)
    budget = min(physical_cores(cpus, sys_cpus), machine)
    quota = quota_cpus(root, membership)
    if quota is not None:
        budget = min(budget, quota)
    return budget if budget < machine else None


__all__ = ["affinity", "physical_cores", "quota_cpus", "thread_budget"]
