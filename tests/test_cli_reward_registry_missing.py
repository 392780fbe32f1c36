"""`FTLIB_REWARD_FUNCTIONS` naming a file that is not there (a typo) is refused before the run in one `error:` line
that says the variable and how to fix it (helper 61's walk): it read "cannot be read: [Errno 2] No such file or
directory: '...'", Python's words without the way on."""

from __future__ import annotations

import json

from ftlib.cli import main


def test_a_registry_path_that_does_not_exist_is_said_with_the_fix(monkeypatch, tmp_path, capsys, tiny_model_dir):
    missing = tmp_path / "rewards_typo.yaml"
    monkeypatch.setenv("FTLIB_REWARD_FUNCTIONS", str(missing))
    data = tmp_path / "math.jsonl"
    data.write_text(
        "".join(json.dumps({"prompt": f"What is {i}+{i}?", "answer": str(2 * i)}) + "\n" for i in range(8))
    )
    argv = ["train", "--method", "grpo", "--dataset", str(data), "--model", str(tiny_model_dir), "--device", "cpu"]
    assert main([*argv, "--rewards", '[{"function": "correct"}]', "--detach"]) == 2
    (line,) = [x for x in capsys.readouterr().err.splitlines() if x.startswith("error:")]
    assert f"{missing} (FTLIB_REWARD_FUNCTIONS) does not exist: set FTLIB_REWARD_FUNCTIONS to the path" in line, line
    assert "Errno" not in line, line
