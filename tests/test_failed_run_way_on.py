"""A run that failed with nothing to resume from (its gradient turned inf before its first checkpoint) was said as
"Run 'r' has no adapter yet: it failed." by `evaluate`, `sample` and `runs export`, with no way on (helper 61's
CLI walk): it now points to the run's log, which says why, and to training it again."""

from __future__ import annotations

from ftlib.run_result import no_result_reason
from ftlib.rundir import RunDir
from ftlib.testing import make_run


def test_a_failed_run_with_nothing_to_resume_points_to_its_log(tmp_path):
    steps = [{"kind": "train", "step": s, "loss": 2.0, "grad_norm": 1.0} for s in (1, 2)]
    rows = [*steps, {"kind": "train", "step": 3, "loss": 9.5, "grad_norm": float("inf")}]
    make_run("r-inf", {"dataset": "d"}, state="failed", metrics=rows, root=tmp_path)
    run = RunDir(tmp_path / "r-inf")
    assert not run.summary().resumable
    said = no_result_reason(run)
    assert said.startswith("Run 'r-inf' has no adapter yet: it failed")
    assert "python -m ftlib runs log r-inf" in said and "train it again" in said


def test_a_failed_run_that_can_resume_is_still_told_to_resume(tmp_path):
    make_run("r-crash", {"dataset": "d"}, state="failed", metrics=[{"kind": "train", "step": 1}], root=tmp_path)
    said = no_result_reason(RunDir(tmp_path / "r-crash"))
    assert "runs resume r-crash" in said and "runs log" not in said
