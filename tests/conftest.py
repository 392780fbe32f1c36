"""Shared fixtures: the real SmolLM2 tokenizer, a tiny 2-layer Llama built with it, a private workspace, and the
varied tiny model with a random adapter of it that the sampling, evaluation and Compare/Evaluate page tests share.

The default model is converted once into $FTLIB_HOME (kept between runs); everything a test writes goes
into its own temporary workspace.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Keep the 2-core machine responsive when several test processes run: pytest-xdist's workers (`make test` runs
# two, then the browser tests in one process) share the cores rather than each taking all of them, which slows
# every process far more than 2x.
_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 1)
os.environ.setdefault("OMP_NUM_THREADS", str(max(1, 2 // _WORKERS)))
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
# The same dtypes on every CPU: a bf16 base on CPUs with native bf16 is tested by forcing it (test_fastpath).
os.environ.setdefault("FTLIB_CPU_BF16", "0")

ROOT = Path(__file__).resolve().parents[1]


# The heaviest test files, handed out first (seconds in the fresh-clone run of 2026-12-06 08:03, phase 1, two workers):
# `make test` keeps each file on one worker (--dist loadfile) and hands files out in collection order, so a heavy file
# reached last kept one worker busy while the other had finished (test_training.py, 90 s, was among the last). Heavy
# first, the small files at the end even out the two workers' ends. A file not listed keeps its place after these.
HEAVY_FIRST = (
    "test_pages_compare.py",  # 151 s
    "test_resume_order.py",  # 146
    "test_gpu_bench.py",  # 140
    "test_memory.py",  # 135
    "test_gguf_export.py",  # 131 (before its parses were cached)
    "test_runs.py",  # 105
    "test_lease.py",  # 102
    "test_training.py",  # 90
    "test_cli_train.py",  # 85
    "test_headloss.py",  # 78
    "test_bench_train.py",  # 77
    "test_fastpath.py",  # 73
    "test_pages_data.py",  # 72
    "test_resilience_result.py",  # 61
    "test_ddp.py",  # 53
)


BROWSER_FILES = tuple(path.name for path in Path(__file__).parent.glob("test_*browser*.py"))


def pytest_collection_modifyitems(session, config, items):
    """HEAVY_FIRST's files first, in its order; every other test keeps its place (a stable sort), and so does the order
    of the tests within a file. A `browser` test outside BROWSER_FILES is refused (pytest.UsageError)."""
    # `make test`'s browser phase collects tests/test_*browser*.py only: a browser test elsewhere would run in neither.
    misplaced = sorted({item.path.name for item in items if item.get_closest_marker("browser")} - set(BROWSER_FILES))
    if misplaced:
        raise pytest.UsageError(f"browser tests outside tests/test_*browser*.py (make test runs none): {misplaced}")
    rank = {name: place for place, name in enumerate(HEAVY_FIRST)}
    here = Path(__file__).parent
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)) if item.path.parent == here else len(rank))


def pytest_collection_finish(session):
    """What collection imported (every test module, ftlib and ui for their doctests, torch and transformers: ~700,000
    objects) is moved out of Python's cyclic garbage collector's reach (`gc.freeze`), in each xdist worker: Trainer
    .train runs a full collection at every start (accelerate's free_memory), and so do Python's own generation-2
    collections, each walking every object alive, over 60 of them a minute in a file of tiny training runs. Frozen
    objects still die by reference counting; only a cycle among them, were one to become garbage, would stay.
    Measured, tests/test_resume_order.py and test_training.py alone: 67.5 -> 57.6 s of CPU."""
    import gc
    import sys

    if "streamlit" in sys.modules:  # a worker that runs pages
        _scan_components_once()
        _compile_pages_once()
    gc.collect()  # what is already garbage is not frozen with the rest
    gc.freeze()


def _scan_components_once() -> None:
    """Streamlit's scan of every installed package for v2 components (`scan_component_manifests`: the metadata of each
    of ~260 distributions, parsed as e-mail headers), done once per test process as a server does it once at its start,
    not at each AppTest's first run (~0.09 s of CPU each, ~600 in phase 1). The packages do not change during a test
    run, so every AppTest still registers what the scan found."""
    from streamlit.components.v2 import manifest_scanner

    found = manifest_scanner.scan_component_manifests()
    manifest_scanner.scan_component_manifests = lambda max_workers=None: list(found)


def _compile_pages_once() -> None:
    """A page script's bytecode, compiled once per test process for each text it has, as a server keeps it in its
    `ScriptCache` from run to run until the file changes: each AppTest run makes a new ScriptCache, so every run
    parsed the page again, rewrote its tree for Streamlit's magic (`ast.fix_missing_locations` at each of its
    statements) and compiled it (~0.02 s of CPU a run; 1025 compilations in test_pages_data.py alone). The key is
    the script's path and its bytes as read now, with the options the compilation reads: any change compiles it."""
    import os

    from streamlit import config
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    real = ScriptCache.get_bytecode
    compiled: dict[tuple, object] = {}
    options = ("runner.magicEnabled", "magic.displayLastExprIfNoSemicolon", "magic.displayRootDocString")

    def get_bytecode(self, script_path: str):
        path = os.path.abspath(script_path)
        with open(path, "rb") as f:
            key = (path, f.read(), *(config.get_option(name) for name in options))
        if key not in compiled:
            compiled[key] = real(self, script_path)
        return compiled[key]

    ScriptCache.get_bytecode = get_bytecode


@pytest.fixture(autouse=True)
def _private_workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("FTLIB_WORKSPACE", str(tmp_path / "workspace"))


@pytest.fixture(autouse=True)
def _server_regex_limit(monkeypatch):
    """`worker.main` raises the regex rewards' time limit for its own process (`pattern_search.SEARCH_SECONDS`); a
    test calling it in-process must not leave the test worker's later tests with a run's 30 s limit (a fresh-clone
    run failed test_rewards' 1 s tests after test_queue_after_torchrun shared their worker)."""
    from ftlib import pattern_search

    monkeypatch.setattr(pattern_search, "SEARCH_SECONDS", pattern_search.SEARCH_SECONDS)


@pytest.fixture
def duplicate_warnings(monkeypatch) -> list[str]:
    """What Streamlit logs for a box given both a default and a value through session state ("created with a default
    value but also had its value set via the Session State API"; once per process, so its 'already shown' flag is
    reset here). Streamlit's logger does not propagate, so caplog would not see it."""
    from streamlit.elements.lib import policies

    logged: list[str] = []
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    monkeypatch.setattr(policies._LOGGER, "warning", lambda msg, *args, **kw: logged.append(msg % args))
    return logged


@pytest.fixture(scope="session")
def smol_tokenizer():
    from ftlib.models import load_tokenizer

    return load_tokenizer("default")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A 2-layer Llama (hidden 64) with the real SmolLM2 tokenizer, saved as a model directory."""
    from ftlib.testing import make_tiny_model

    return make_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return ROOT / "samples"


@pytest.fixture(scope="session")
def varied_model(tiny_model_dir, tmp_path_factory):
    """`varied_model(seed)`: the tiny model with widely spread weights, saved once per seed.

    A fresh tiny Llama repeats one token; spread weights make outputs and losses differ from row to row,
    so a broken decoding loop or loss cannot pass by accident.
    """
    import torch

    from ftlib.models import load_model, load_tokenizer

    made: dict[int, Path] = {}

    def make(seed: int) -> Path:
        if seed not in made:
            model = load_model(str(tiny_model_dir), device="cpu")
            gen = torch.Generator().manual_seed(seed)
            with torch.no_grad():
                for p in model.parameters():
                    if p.dim() == 2:
                        p.normal_(0, 0.3, generator=gen)
            target = tmp_path_factory.mktemp(f"varied-{seed}")
            model.save_pretrained(target)
            load_tokenizer(str(tiny_model_dir)).save_pretrained(target)
            made[seed] = target
        return made[seed]

    return make


# A module's `varied_dir` and `adapter_template` are built once per module (as when each module defined its own), from
# these seeds unless the module names its own in `VARIED_SEED` / `ADAPTER_SEED`: the seed its tests were written with.
VARIED_SEED = 3
ADAPTER_SEED = 5


@pytest.fixture(scope="module")
def varied_dir(request, varied_model) -> Path:
    """The varied tiny model a module samples, evaluates and compares: `varied_model(VARIED_SEED)`."""
    return varied_model(getattr(request.module, "VARIED_SEED", VARIED_SEED))


@pytest.fixture(scope="module")
def adapter_template(request, varied_dir, tmp_path_factory) -> Path:
    """A random LoRA adapter of `varied_dir` (B drawn with `ADAPTER_SEED`, spread 0.5, so the tuned model answers
    differently from its base), saved as <folder>/adapter: copied into runs by `make_run(adapter=...)`, or its folder
    loaded as a run beside the base."""
    from ftlib.testing import make_random_adapter

    seed = getattr(request.module, "ADAPTER_SEED", ADAPTER_SEED)
    return make_random_adapter(str(varied_dir), tmp_path_factory.mktemp("adapter") / "adapter", seed=seed, b_std=0.5)


@pytest.fixture(scope="module")
def reward_adapter(varied_dir, tmp_path_factory) -> Path:
    """A random reward-model adapter of `varied_dir` (LoRA and a one-number score head, seed 6), saved as a
    reward-model run saves it."""
    from ftlib.testing import make_random_adapter

    target = tmp_path_factory.mktemp("reward") / "adapter"
    return make_random_adapter(str(varied_dir), target, seed=6, b_std=0.5, score=True)


@pytest.fixture(scope="module")
def model_set(varied_dir, adapter_template):
    """`varied_dir` with `adapter_template` beside it, loaded once per module: names[0] the base, names[1] tuned."""
    from ftlib import modelset

    return modelset.load_model_set(str(varied_dir), [adapter_template.parent], device="cpu")


@pytest.fixture
def no_training(monkeypatch):
    """A stand-in for the training process: a run is queued and its folder written, nothing trains."""
    import sys

    from ftlib import runs

    monkeypatch.setattr(runs, "launch_command", lambda run, config, **_: [sys.executable, "-c", "pass", str(run.path)])


@pytest.fixture
def no_model(monkeypatch):
    """Any model load fails the test: a refusal must come before it (evaluate's early checks, the page's disabled
    button)."""

    def refuse(*args, **kwargs):
        raise AssertionError("a model was loaded before the refusal")

    from ftlib import models, modelset
    from ftlib.commands import sample
    from ui import common

    for module, name in ((common, "model_set_for"), (modelset, "load_model_set"), (sample, "load_models")):
        monkeypatch.setattr(module, name, refuse)
    monkeypatch.setattr(models, "load_model", refuse)
