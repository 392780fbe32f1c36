"""Shared fixtures: the real SmolLM2 tokenizer, a tiny 2-layer Llama built with it, a private workspace.

The default model is converted once into $FTLIB_HOME (kept between runs); everything a test writes goes
into its own temporary workspace.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Keep the 2-core machine responsive when several test processes run.
os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _private_workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("FTLIB_WORKSPACE", str(tmp_path / "workspace"))


@pytest.fixture(scope="session")
def smol_tokenizer():
    from ftlib.models import load_tokenizer

    return load_tokenizer("default")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A 2-layer Llama (hidden 64) with the real SmolLM2 tokenizer, saved as a model directory."""
    from ftlib.models import make_tiny_model

    return make_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return ROOT / "samples"
