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
# Each process the tests read: its code and the settings added to this process's own (the operator's =0 last).
PROCESSES = {
    **{case: (code, {}) for case, code in CASES.items()},
    "bars-asked-for": (CASES["import-then-quiet"], {"HF_HUB_DISABLE_PROGRESS_BARS": "0"}),
}


@pytest.fixture(scope="module")
def stderr_of(tiny_model_dir):
    """`stderr_of(name)`: the stderr of PROCESSES[name], each a fresh Python (what they check happens at import).
    All three start at once: most of their time is importing torch and transformers, which a second core can do
    beside the first."""
    environ = {k: v for k, v in os.environ.items() if k != "HF_HUB_DISABLE_PROGRESS_BARS"}
    started = {
        name: subprocess.Popen(
            [sys.executable, "-c", code.format(model=str(tiny_model_dir))],
            env={**environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, (code, env) in PROCESSES.items()
    }
    done = {}
    try:
        for name, proc in started.items():
            out, err = proc.communicate(timeout=300)
            done[name] = (proc.returncode, out, err)
    finally:
        for proc in started.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def stderr(name: str) -> str:
        code, out, err = done[name]
        assert code == 0 and out.strip() == "loaded", err[-2000:]
        return err

    return stderr


@pytest.mark.parametrize("case", sorted(CASES))
def test_loading_a_model_prints_no_progress_bar(stderr_of, case):
    assert "Loading weights" not in stderr_of(case)


def test_the_operators_own_setting_brings_the_bars_back(stderr_of):
    """=0 wins over quiet_known_noise (and shows that the check above could see the bars)."""
    assert "Loading weights" in stderr_of("bars-asked-for")


def test_a_transformers_logging_module_another_thread_is_still_importing_is_left_to_that_import(monkeypatch):
    """Eight browser sessions opened at once: one thread's app.py met transformers.utils.logging in sys.modules while
    another thread was still running its import (no `disable_progress_bar` yet) and the page showed the
    AttributeError. That import reads HF_HUB_DISABLE_PROGRESS_BARS itself; a finished module is still told."""
    import types

    from ftlib.worker import quiet_known_noise

    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    monkeypatch.setitem(sys.modules, "transformers.utils.logging", types.ModuleType("transformers.utils.logging"))
    quiet_known_noise()  # raised AttributeError before
    told = []
    finished = types.ModuleType("transformers.utils.logging")
    finished.disable_progress_bar = lambda: told.append(True)
    monkeypatch.setitem(sys.modules, "transformers.utils.logging", finished)
    quiet_known_noise()
    assert told == [True]


def test_a_peft_another_thread_is_still_importing_makes_no_model_a_peft_model(monkeypatch):
    """The same race for `sampling.adapter_names`: a peft module in sys.modules without PeftModel yet (still being
    imported by another session's thread) is no adapter, not an AttributeError on the page."""
    import types

    import torch

    from ftlib.sampling import adapter_names

    monkeypatch.setitem(sys.modules, "peft", types.ModuleType("peft"))
    assert adapter_names(torch.nn.Linear(2, 2)) == []
