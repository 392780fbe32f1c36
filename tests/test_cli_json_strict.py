"""The CLI's `--json` output is strict JSON (RFC 8259 has no NaN or Infinity), so `jq` and other parsers read it: a
diverged run logs a NaN loss, which `runs list/show/compare --json` printed as a bare `NaN` (Python's json writes it;
`jq` stops at "Invalid numeric literal"). A number that is not finite is printed as null."""

from __future__ import annotations

import json

import pytest

from ftlib.cli import main
from ftlib.testing import make_run


def strict(text: str):
    def refuse(name):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def diverged(run_id: str, seed: int):
    rows = [{"kind": "train", "step": s, "loss": 2.0 - 0.1 * s, "tokens": 100 * s} for s in (1, 2)]
    rows += [{"kind": "train", "step": 3, "loss": float("nan"), "grad_norm": float("inf"), "tokens": 300}]
    rows += [{"kind": "eval", "step": 3, "eval_loss": float("nan")}]
    return make_run(run_id, {"dataset": "numbers", "max_steps": 3, "seed": seed}, metrics=rows, step=3)


@pytest.mark.parametrize(
    "argv",
    [["runs", "list", "--json"], ["runs", "show", "r-nan", "--json"], ["runs", "compare", "r-nan", "r-ok", "--json"]],
)
def test_runs_json_is_strict_json_with_a_nan_loss(argv, capsys):
    diverged("r-nan", 1)
    diverged("r-ok", 2)
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "NaN" not in out and "Infinity" not in out
    strict(out)
