"""The nproc check and a CPU run's thread shares count the CPUs a container's quota allows, not only the affinity,
which in a container still names every CPU of the host."""

from __future__ import annotations

from ftlib import cpu_quota, distributed
from ftlib.config import RunConfig

HOST = set(range(64))  # a 64-core host's CPUs, all in the container's affinity


def test_a_cpu_quota_bounds_the_cores_an_nproc_run_may_split(monkeypatch):
    monkeypatch.setattr(cpu_quota, "affinity", lambda: set(HOST))
    monkeypatch.setattr(cpu_quota, "quota_cpus", lambda *a, **k: 2)  # cpu.max "200000 100000"
    assert distributed.cpu_cores() == 2
    (refused,) = distributed.refusals(RunConfig(method="lora", nproc=4), gpus=0)
    assert "`nproc` is 4" in refused and "2 cores" in refused and "set nproc to 2 or fewer" in refused
    assert distributed.refusals(RunConfig(method="lora", nproc=2), gpus=0) == []


def test_without_a_quota_the_affinity_counts(monkeypatch):
    monkeypatch.setattr(cpu_quota, "affinity", lambda: {0, 1, 2, 5, 6, 7})  # taskset -c 0-2,5-7
    monkeypatch.setattr(cpu_quota, "quota_cpus", lambda *a, **k: None)
    assert distributed.cpu_cores() == 6
    assert distributed.refusals(RunConfig(method="lora", nproc=6), gpus=0) == []
    # a quota above the affinity does not widen it
    monkeypatch.setattr(cpu_quota, "quota_cpus", lambda *a, **k: 16)
    assert distributed.cpu_cores() == 6
