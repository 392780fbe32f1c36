"""GRPO's settings keep the studio's names (`grpo_group_size`, `grpo_max_new_tokens`, ...), and each one's help names
the field of TRL's GRPOConfig it becomes ("TRL: num_generations"), so someone coming from TRL recognises it. The name
said is checked against the GRPOConfig the run is built with: the setting's value must arrive in that very field."""

from __future__ import annotations

import dataclasses
import re

import pytest
import torch

from ftlib import training
from ftlib.config import RunConfig, field_specs

# setting -> a value unlike its default (a sentinel) and how the same value reads in TRL's field
SENTINELS = {
    "rewards": ([{"regex": "x", "weight": 2.5}, {"contains": "y", "weight": 0.5}], [2.5, 0.5]),
    "grpo_group_size": (3, 3),
    "grpo_max_new_tokens": (37, 37),
    "grpo_temperature": (0.65, 0.65),
    "grpo_loss_type": ("dr_grpo", "dr_grpo"),
    "beta": (0.35, 0.35),
}
NAMED = re.compile(r"TRL(?::|'s) (\w+)(?: and (\w+))?")


def grpo_settings() -> list[str]:
    """Every setting that applies to GRPO alone, and beta, which GRPO shares with DPO and KTO."""
    return [s.name for s in field_specs().values() if s.when.get("method") == ("grpo",)] + ["beta"]


def test_every_grpo_setting_is_in_the_table():
    assert sorted(grpo_settings()) == sorted(SENTINELS)


@pytest.mark.parametrize("name", sorted(SENTINELS))
def test_each_grpo_settings_help_names_the_grpoconfig_field_its_value_arrives_in(name, tmp_path):
    from trl import GRPOConfig, GRPOTrainer

    said = [n for found in NAMED.findall(field_specs()[name].help) for n in found if n]
    assert said, f"{name}'s help names no TRL field: {field_specs()[name].help}"
    value, arrives = SENTINELS[name]
    settings = {"method": "grpo", "rewards": [{"regex": "x"}], "batch_size": 2, name: value}
    args = training.trainer_arguments(RunConfig(**settings), tmp_path, "cpu", torch.float32, has_eval=False)
    fields = {f.name for f in dataclasses.fields(GRPOConfig)}
    trainer_takes = set(GRPOTrainer.__init__.__code__.co_varnames)  # reward_funcs is the trainer's, not the config's
    for trl_name in said:
        assert trl_name in fields | trainer_takes, f"{name}: TRL has no {trl_name}"
    assert any(trl_name in fields and getattr(args, trl_name) == arrives for trl_name in said), (name, said)
