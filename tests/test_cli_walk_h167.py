"""Helper 167: CLI leftovers of helper 163's walk, each one `error:` line or one plain sentence a newcomer acts on."""

from __future__ import annotations

from tests.test_cli_errors import one_error_line


def test_a_shared_name_none_of_whose_runs_can_be_acted_on_says_so(capsys, no_training):
    """`runs stop ben` where both ben runs had finished said "Several runs are named 'ben' ... Give one of these ids.":
    an id would be refused too, as nothing named ben is running. The refusal says so, with each run's state; the same
    for `runs resume ben` where none can resume."""
    from ftlib.testing import make_run

    done, failed = "20261201-090000-lora-ben-done", "20261201-091000-lora-ben-broke"
    make_run(done, {"name": "ben"}, max_steps=6)
    make_run(failed, {"name": "ben"}, state="failed", max_steps=6)
    line = one_error_line(capsys, ["runs", "stop", "ben"])
    assert (
        line == f"error: None of the 2 runs named 'ben' is queued or running: {failed} (failed), {done} (finished)."
    ), line
    make_run("20261201-092000-lora-ben-waits", {"name": "ben"}, state="queued", max_steps=6)
    make_run(failed, {"name": "ben"}, state="finished", max_steps=6)  # now none can resume
    line = one_error_line(capsys, ["runs", "resume", "ben"])
    assert line.startswith("error: None of the 3 runs named 'ben' can be resumed: "), line
    assert "ben-waits (queued)" in line, line
