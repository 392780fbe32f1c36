"""A reward model stopped mid-run (`runs stop`, Ctrl-C) is said as `runs show` and `runs export` say it, "stopped —
resumable at step 3/60", with the command that resumes it and its checkpoint (helper 61's walk): `evaluate` said "is
interrupted, with nothing saved yet" of a run with a checkpoint saved, and `score` "is interrupted: use it once it has
finished", neither with the way on."""

from __future__ import annotations

import json

import pytest

from ftlib.cli import main
from ftlib.testing import make_run

PAIRS = [{"prompt": f"Tip {i}?", "chosen": f"- tip {i}", "rejected": f"tip {i}"} for i in range(3)]


@pytest.mark.parametrize(
    "argv",
    [["evaluate"], ["score", "--prompt", "How do I sleep?", "--response", "Early."]],
    ids=["evaluate", "score"],
)
def test_a_stopped_reward_model_is_said_resumable_with_its_checkpoint(argv, tiny_model_dir, capsys):
    config = {"method": "reward", "model": str(tiny_model_dir), "dataset": "pairs", "max_steps": 60}
    # As `runs stop` leaves it: state interrupted, stopped by the person, its rows and a checkpoint kept.
    status = {"stopped_by": "user", "step": 3, "rows_kept": True}
    run = make_run("20261206-154025-reward-pairs", config, state="interrupted", **status)
    for name in ("train", "test"):
        (run.path / "split").mkdir(exist_ok=True)
        (run.path / "split" / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in PAIRS))
    (run.path / "split" / "meta.json").write_text(json.dumps({"format": "preference"}))
    checkpoint = run.path / "checkpoints" / "checkpoint-3"
    checkpoint.mkdir(parents=True)
    (checkpoint / "trainer_state.json").write_text("{}")
    assert main([argv[0], run.id, *argv[1:]]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("error: ") and "stopped — resumable at step 3/60" in line, line
    assert f"python -m ftlib runs resume {run.id}" in line and str(checkpoint) in line, line
    assert "nothing saved" not in line, line
