"""transformers' "Loading weights" progress bars stay out of the logs of the processes the studio starts.

Walk 8B: "Loading weights: 0%|..." bars filled the server log, each run's train.log and `runs show`'s last log lines.
`ftlib.worker.quiet_known_noise` (called by app.py, serve.py, the CLI and the training process before anything
loads) turns them off, whether transformers is imported after it or was already.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

LOAD = "from ftlib.models import load_model; load_model({model!r}, device='cpu'); print('loaded')"
CASES = {
    "quiet-then-import": "from ftlib.worker import quiet_known_noise; quiet_known_noise(); " + LOAD,
    "import-then-quiet": "import transformers.utils.logging; from ftlib.worker import quiet_known_noise; "
    "quiet_known_noise(); " + LOAD,
}


def _stderr(code: str, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "HF_HUB_DISABLE_PROGRESS_BARS"}
    done = subprocess.run(
        [sys.executable, "-c", code], env={**environ, **env}, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0 and done.stdout.strip() == "loaded", done.stderr[-2000:]
    return done.stderr


@pytest.mark.parametrize("case", sorted(CASES))
def test_loading_a_model_prints_no_progress_bar(tiny_model_dir, case):
    assert "Loading weights" not in _stderr(CASES[case].format(model=str(tiny_model_dir)))


def test_the_operators_own_setting_brings_the_bars_back(tiny_model_dir):
    """=0 wins over quiet_known_noise (and shows that the check above could see the bars)."""
    code = CASES["import-then-quiet"].format(model=str(tiny_model_dir))
    assert "Loading weights" in _stderr(code, HF_HUB_DISABLE_PROGRESS_BARS="0")
