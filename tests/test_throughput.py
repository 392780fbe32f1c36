"""ftlib.throughput's matmul peak on a GPU, on CPU by monkeypatching torch.cuda: it waits on the device it times,
and the benchmark's products are left out of the run's peak GPU memory."""

from __future__ import annotations

from types import SimpleNamespace

import torch

from ftlib import throughput, training


def test_the_matmul_peak_waits_on_the_device_it_times(monkeypatch):
    synced = []
    monkeypatch.setattr(torch.cuda, "synchronize", lambda device=None: synced.append(device))
    real, generator = torch.randn, torch.Generator
    monkeypatch.setattr(torch, "randn", lambda *shape, device=None, dtype=None, **kw: real(4, 4, dtype=dtype, **kw))
    monkeypatch.setattr(torch, "Generator", lambda device=None: generator())
    throughput.matmul_peak("cuda:1", "float32", seconds=0.0, cache=False)
    assert synced and set(synced) == {"cuda:1"}  # not the current device's queue


def test_the_matmul_peak_leaves_the_runs_random_numbers_alone():
    """A run measures the peak after seeding: drawing its products from the global generator shifted the run's
    dropout masks by whether this process had measured before (two equal runs in one process differed)."""
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    throughput.matmul_peak("cpu", "float32", seconds=0.0, size=(8, 8, 8), cache=False)
    assert torch.equal(torch.rand(3), expected)


def test_the_peak_memory_is_reset_after_the_matmul_benchmark(monkeypatch):
    calls = []
    monkeypatch.setattr(throughput, "matmul_peak", lambda device, dtype: calls.append(("benchmark", device)) or 1e12)
    monkeypatch.setattr(throughput, "flops_per_token", lambda model, length: 6.0)
    monkeypatch.setattr(torch.cuda, "reset_peak_memory_stats", lambda device=None: calls.append(("reset", device)))
    model = torch.nn.Linear(2, 2)
    for device in ("cuda:1", "cpu"):
        prepared = SimpleNamespace(
            trainer=SimpleNamespace(model=model), mean_length=8.0, device=device, dtype=None, products_dtype=None
        )
        training.attach_throughput(prepared, SimpleNamespace())
    assert calls == [("benchmark", "cuda:1"), ("reset", "cuda:1"), ("benchmark", "cpu")]
