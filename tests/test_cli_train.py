"""`python -m ftlib train CONFIG` and `python -m ftlib runs ...`: real processes, JSON output, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ftlib import runs
from ftlib.cli import main

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ftlib", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ),
        timeout=timeout,
    )


def test_train_runs_a_sample_to_completion_and_runs_lists_shows_and_exports_it(tiny_model_dir, tmp_path):
    config = tmp_path / "run.yaml"
    # `dataset` names the shipped sample: a data file split here with test_size and seed.
    config.write_text(
        f"method: lora\nmodel: {tiny_model_dir}\ndataset: chat_style\nmax_steps: 3\nbatch_size: 4\n"
        "max_length: 128\nsave_every: 0\ntest_size: 0.1\nname: cli demo\n"
    )
    proc = cli("train", str(config), "--set", "lora_r=4")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "[step 3/3]" in proc.stdout and "finished" in proc.stdout

    listed = json.loads(cli("runs", "list", "--json").stdout)
    assert len(listed) == 1
    run = listed[0]
    assert (run["state"], run["method"], run["dataset"], run["step"], run["max_steps"]) == (
        "finished",
        "lora",
        "chat_style",
        3,
        3,
    )
    assert run["id"].endswith("-lora-cli_demo") and run["train_loss"] > 0 and run["eval_loss"] > 0

    shown = json.loads(cli("runs", "show", run["id"], "--json").stdout)
    assert shown["config"]["lora_r"] == 4  # the --set override reached the run
    assert [m["step"] for m in shown["metrics"] if m["kind"] == "train"] == [1, 2, 3]

    exported = cli("runs", "export", run["id"], "--merged", "--zip")
    assert exported.returncode == 0, exported.stderr
    merged, archive = exported.stdout.split()
    assert (Path(merged) / "model.safetensors").is_file() and Path(archive).suffix == ".zip"


def test_user_errors_exit_2_with_one_clear_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("method: lora\nlearnin_rate: 0.1\n")
    assert main(["train", str(bad)]) == 2
    assert "Did you mean `learning_rate`" in capsys.readouterr().err
    assert main(["train", str(tmp_path / "missing.json")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["runs", "stop", "no-such-run"]) == 2
    assert "There is no run 'no-such-run'" in capsys.readouterr().err


def test_runs_list_is_empty_and_detach_queues(monkeypatch, tmp_path, capsys):
    assert main(["runs", "list"]) == 0
    assert "no runs yet" in capsys.readouterr().out
    # A stand-in process instead of training: --detach only queues and returns.
    monkeypatch.setattr(
        runs, "_launch_command", lambda path, nproc: [sys.executable, "-c", "import time; time.sleep(60)", str(path)]
    )
    config = tmp_path / "run.json"
    config.write_text(json.dumps({"dataset": "x.jsonl", "device": "cpu"}))
    assert main(["train", str(config), "--detach"]) == 0
    run_id = capsys.readouterr().out.strip()
    try:
        assert main(["runs", "list", "--json"]) == 0
        assert [(r["id"], r["state"]) for r in json.loads(capsys.readouterr().out)] == [(run_id, "running")]
        assert main(["runs", "stop", run_id]) == 0
        assert "stopping" in capsys.readouterr().out
    finally:
        pid = runs.read_status(runs.run_dir(run_id))["pid"]
        os.killpg(pid, 9)
    with pytest.raises(runs.RunError, match="no adapter yet"):
        runs.export_adapter(run_id)
