"""`ftlib.testing.make_random_adapter` gives the same adapter for the same seed whatever ran before it, and leaves
the caller's random state as it was (PEFT draws LoRA's A from torch's global generator)."""

from __future__ import annotations

import torch
from safetensors.torch import load_file

from ftlib.testing import make_random_adapter


def test_the_same_seed_gives_the_same_adapter_whatever_ran_before(tiny_model_dir, tmp_path):
    torch.manual_seed(1)
    first = load_file(make_random_adapter(str(tiny_model_dir), tmp_path / "a", seed=3) / "adapter_model.safetensors")
    torch.manual_seed(2)
    torch.rand(100)
    state = torch.get_rng_state()
    second = load_file(make_random_adapter(str(tiny_model_dir), tmp_path / "b", seed=3) / "adapter_model.safetensors")
    assert torch.equal(torch.get_rng_state(), state)  # the caller's draws go on as if nothing had happened
    assert first.keys() == second.keys() and any("lora_A" in k for k in first)
    assert all(torch.equal(first[k], second[k]) for k in first)
    other = load_file(make_random_adapter(str(tiny_model_dir), tmp_path / "c", seed=4) / "adapter_model.safetensors")
    assert not all(torch.equal(first[k], other[k]) for k in first if "lora_A" in k)
