"""Helper 212's second review of the session's commits: each case failed before its fix."""

from __future__ import annotations

import json

from ftlib import memory, sharing, workspace
from tests.test_runs import real_config


def test_a_running_run_named_before_the_name_rule_still_claims_its_gpu_memory(tiny_model_dir, tmp_path, monkeypatch):
    # da01b0fb: RunConfig refuses a name of two lines, and RunConfig.from_file keeps an older run's name as saved so
    # it still resumes; training_claims read config.json through from_dict, so such a run queued or training on the
    # GPU was skipped as "a config this version refuses" and its memory offered to an inference beside it.
    config = real_config(tiny_model_dir, tmp_path, device="cuda:0")
    folder = workspace.runs_dir() / "run-named-before"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({**config.to_dict(), "name": "pirate\nv2"}))
    (folder / "status.json").write_text(json.dumps({"state": "running", "device": "cuda:0", "pid": 4242}))
    monkeypatch.setattr(sharing, "_gpu_memory_by_pid", lambda: {4242: 1000})

    need = memory.estimate(config, device="cuda:0").total
    assert sharing.training_claims("cuda:0") == [("run-named-before", need - 1000)]
