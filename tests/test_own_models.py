"""A model folder a user brings instead of the default: the families that train here train (GPT-2, whose LoRA layers
are Conv1D), and those that cannot (an encoder-decoder such as T5, an encoder such as BERT) are refused where the
model is chosen and before a run starts, saying what the model is and what to pick instead."""

from __future__ import annotations

import pytest
import torch

from ftlib.config import RunConfig
from tests.tiny_families import tiny_family

ROWS = [
    {
        "messages": [
            {"role": "user", "content": f"Why do you salt pasta water, {i}?"},
            {"role": "assistant", "content": f"Ahoy! The salt seasons the pasta {i}. Fair winds, matey!"},
        ]
    }
    for i in range(6)
]


@pytest.fixture(scope="module")
def family(tmp_path_factory):
    made: dict = {}

    def get(name: str):
        if name not in made:
            made[name] = tiny_family(name, tmp_path_factory.mktemp(name))
        return made[name]

    return get


def test_a_gpt2_lora_run_trains_its_conv1d_layers_on_the_cpu(family, tmp_path):
    """GPT-2's attention and MLP are Conv1D layers (weights stored [in, out]); the CPU fast path's fused LoRA layer
    read them as nn.Linear's [out, in] and the run failed at its first step: "mat1 and mat2 shapes cannot be
    multiplied (463x32 and 96x32)"."""
    from ftlib.training import build_trainer

    config = RunConfig(
        model=str(family("gpt2")),
        method="lora",
        template="alpaca",  # GPT-2 has no chat template of its own
        max_steps=2,
        batch_size=2,
        save_every=0,
        max_length=512,
        device="cpu",
        scheduler="constant",
        warmup_ratio=0.0,
    )
    prepared = build_trainer(config, tmp_path, rows=(ROWS, []))
    model = prepared.trainer.model
    adapted = {n for n, m in model.named_modules() if hasattr(m, "lora_A")}
    assert {n.rsplit(".", 1)[-1] for n in adapted} == {"c_attn", "c_proj", "c_fc"}  # all-linear found the Conv1D
    before = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
    prepared.trainer.train()
    changed = {n for n, p in model.named_parameters() if n in before and not torch.equal(before[n], p)}
    assert changed == set(before)  # every adapter weight moved
