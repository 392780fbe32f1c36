"""Every script in bench/ reads its arguments before it measures: `--help` prints its usage and exits 0, and a flag it
does not declare is refused (exit 2). bench.memory_estimate, bench.bench_detok and bench.bench_run_choices ignored
both and ran the whole benchmark (memory_estimate: minutes of training runs)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(p.stem for p in (ROOT / "bench").glob("*.py") if p.stem != "__init__")


def _measured(*args, **kwargs):
    raise AssertionError("the benchmark measured")


# (script, the functions that measure, patched to raise): the three that ran on any argument
MEASURING = [
    ("memory_estimate", [("bench.memory_estimate", "measure"), ("bench.memory_estimate", "models")]),
    ("bench_detok", [("ftlib.models", "load_tokenizer")]),
    ("bench_run_choices", [("tempfile", "mkdtemp")]),
]


@pytest.mark.parametrize(("script", "measuring"), MEASURING, ids=[case[0] for case in MEASURING])
def test_help_prints_the_usage_without_measuring(monkeypatch, capsys, script, measuring):
    module = importlib.import_module(f"bench.{script}")
    for owner, name in measuring:
        monkeypatch.setattr(importlib.import_module(owner), name, _measured)
    with pytest.raises(SystemExit) as exited:
        module.main(["--help"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("usage:")
    with pytest.raises(SystemExit) as refused:
        module.main(["--no-such-flag"])
    assert refused.value.code == 2
    assert "unrecognized arguments: --no-such-flag" in capsys.readouterr().err


def test_memory_estimate_keeps_its_paths_flag(monkeypatch):
    """BENCHMARKS.md runs `bench.memory_estimate --paths`: the second table, still."""
    from bench import memory_estimate

    ran = []
    monkeypatch.setattr(memory_estimate, "paths", lambda: ran.append("paths"))
    monkeypatch.setattr(memory_estimate, "measure", _measured)
    memory_estimate.main(["--paths"])
    assert ran == ["paths"]


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_bench_script_reads_its_arguments_before_it_measures(monkeypatch, capsys, script):
    """A script run as `python -m bench.NAME --help` (argv from sys.argv: some mains take no argv) prints its usage and
    exits 0; an unknown flag exits 2. Checked in the source first, so that a new script without a parser fails here
    rather than running its benchmark inside the test."""
    source = (ROOT / "bench" / f"{script}.py").read_text(encoding="utf-8")
    assert "argparse.ArgumentParser(" in source and "parse_args(" in source, f"bench/{script}.py reads no arguments"
    module = importlib.import_module(f"bench.{script}")
    for flag, code in (("--help", 0), ("--no-such-flag", 2)):
        monkeypatch.setattr(sys, "argv", [f"{script}.py", flag])
        with pytest.raises(SystemExit) as exited:
            module.main()
        assert exited.value.code == code, (script, flag)
    assert "usage:" in capsys.readouterr().out


# (script, arguments, the error, what runs first and must not): a list value each checks before its first step
UNKNOWN_VALUES = [
    ("bench_pages", ["--pages", "tokens,train"], "unknown page 'train'; choose from tokens, batches", "setup"),
    ("bench_shared", ["--policies", "lease,shared"], "unknown policy 'shared'; choose from lease, off", "phase"),
    ("gguf_llamacpp", ["r-1", "--llama-python", "py", "--types", "f16,q4"], "unknown type 'q4'; choose from q8_0", ""),
]


@pytest.mark.parametrize(("script", "argv", "error", "first"), UNKNOWN_VALUES, ids=[c[0] for c in UNKNOWN_VALUES])
def test_an_unknown_list_value_is_refused_before_the_first_step(monkeypatch, capsys, script, argv, error, first):
    """bench_pages built a workspace and started the app, then said 'could not open' for an unknown page;
    bench_shared stopped at a KeyError's traceback; gguf_llamacpp exported the merged model (minutes) and the first
    type before an unknown last one failed."""
    from ftlib import runs

    module = importlib.import_module(f"bench.{script}")
    monkeypatch.setattr(runs, "find", _measured)  # gguf_llamacpp's first step
    if first:
        monkeypatch.setattr(module, first, _measured)
    monkeypatch.setattr(sys, "argv", [f"{script}.py", *argv])
    with pytest.raises(SystemExit) as exited:
        module.main()
    assert exited.value.code == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(errors) == 1 and error in errors[0], errors
