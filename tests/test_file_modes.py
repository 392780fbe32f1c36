"""What a run writes is readable by the rest of README's group-shared workspace (umask 002), safetensors' too."""

from __future__ import annotations

import os
import stat

from ftlib import runs
from ftlib.worker import execute
from tests.test_runs import real_config


def test_a_runs_checkpoints_and_adapter_are_readable_as_the_umask_allows_not_safetensors_0600(
    tiny_model_dir, tmp_path
):
    """An operator's review: safetensors writes its files 0600 whatever the umask, so in README's group-shared
    workspace a teammate's account could not resume another's run from its checkpoint ("each account can then
    stop, resume and queue the others' runs"), nor load its adapter in Compare, Evaluate or `sample`."""
    run_id = runs.create_run(real_config(tiny_model_dir, tmp_path, max_steps=2, eval_every=0, save_every=1))
    run = runs.find(run_id)
    old = os.umask(0o002)
    try:
        assert execute(run.path) == "finished"
    finally:
        os.umask(old)
    weights = sorted(run.path.rglob("*.safetensors"))
    assert {p.parent.name for p in weights} >= {"adapter", "checkpoint-2"}
    for path in weights:
        assert stat.S_IMODE(path.stat().st_mode) & 0o044 == 0o044, path  # group and others read, as 0664 would
