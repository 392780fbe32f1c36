"""`train --method kto` on a file whose answers are all labelled good says so once (helper 61's walk): the split's
file-level warning ("Every answer in this file is labelled good") and the preflight's ("All N KTO training rows are
labelled good") said the same thing twice, one under the other."""

from __future__ import annotations

import json
import sys

from ftlib import runs
from ftlib.cli import main


def test_kto_on_answers_all_labelled_good_warns_once(monkeypatch, tmp_path, capsys, tiny_model_dir):
    monkeypatch.setattr(
        runs, "launch_command", lambda run, config, **_: [sys.executable, "-c", "pass", str(run.path)]
    )  # a stand-in process: --detach only queues and returns
    rows = [{"prompt": f"Say hi {i}", "completion": f"Hello {i}!", "label": True} for i in range(12)]
    data = tmp_path / "good.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    argv = ["train", "--method", "kto", "--dataset", str(data), "--model", str(tiny_model_dir), "--device", "cpu"]
    assert main([*argv, "--max-steps", "2", "--detach"]) == 0
    err = capsys.readouterr().err
    said = [line for line in err.splitlines() if "with no bad answers it learns only half" in line]
    assert len(said) == 1, err
    assert said[0].startswith("warning: All 9 KTO training rows are labelled good (desirable)"), said
