"""Helper 270's real-world shapes: UltraFeedback's raw rated completions read as pairs, a {prompt, bad, good} file's
pair offered the right way round, a generic `preference` column read only as the preferred answer's number, and the
Data page's split writing the same meta.json as `data split`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ftlib.data import load_bytes

ROOT = Path(__file__).resolve().parents[1]


def _jsonl(*rows: dict) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def _cli(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "FTLIB_WORKSPACE": str(tmp / "ws"), "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "ftlib", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_bad_and_good_columns_are_offered_with_good_as_chosen(tmp_path):
    """The offer read "Where `bad` is the better answer and `good` the worse one ... --map bad=chosen": the file's
    order, whatever the names said."""
    rows = [
        {"prompt": "What is two plus two?", "bad": "It is five, as everyone knows.", "good": "Two plus two is four."},
        {"prompt": "Name the capital of France.", "bad": "The capital is Lyon.", "good": "The capital is Paris."},
    ]
    said = " ".join(n.message for n in load_bytes(_jsonl(*rows), "bg.jsonl").notices)
    assert "Where `good` is the better answer and `bad` the worse one" in said, said
    assert "--map good=chosen --map bad=rejected" in said, said
    path = tmp_path / "bg.jsonl"
    path.write_bytes(_jsonl(*rows))
    out = _cli("data", "inspect", str(path), tmp=tmp_path)
    assert out.returncode == 0 and "--map good=chosen --map bad=rejected" in out.stdout, out.stdout + out.stderr
