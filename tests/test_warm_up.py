"""The server's start-up warm-up (serve.py -> ui.common.warm_up) fills the very cache entries the pages read."""

from __future__ import annotations

import ftlib.modelset
from ui import common


def test_warm_up_fills_the_caches_the_pages_read(tiny_model_dir, monkeypatch):
    spec = str(tiny_model_dir)
    common.cached_model_set.clear()
    common.cached_tokenizer.clear()
    assert common.warm_up(spec) is True

    def no_second_load(*args, **kwargs):
        raise AssertionError("the page loaded the model again instead of using the warmed cache")

    monkeypatch.setattr(ftlib.modelset, "load_model_set", no_second_load)
    model_set = common.model_set_for(spec, ())  # what the pages call
    assert model_set.names == ["base"] and model_set.tokenizer is not None
    assert common.model_set_for(spec, ()) is model_set
    common.cached_model_set.clear()


def test_a_model_that_cannot_load_leaves_the_message_to_the_page(tmp_path):
    assert common.warm_up(str(tmp_path / "no-such-model")) is False


def test_the_server_settles_runs_a_reboot_killed_as_it_starts(tmp_path):
    """A cold review: after a reboot the queue stayed as it was (a dead run `running`, the next one waiting) until
    someone opened the Train page or listed runs. The server's start-up moves it on."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from ftlib import runs
    from ftlib.testing import make_run

    make_run("r-rebooted", {"dataset": "d"}, state="running", phase="training", pid=2**22 + 4321, started=1.0)
    # In its own process: importing serve.py sets the server's process environment (`sharing.process_env`).
    root = Path(__file__).resolve().parents[1]
    code = "import serve; serve.resume_queue()"
    subprocess.run([sys.executable, "-c", code], cwd=root, env=dict(os.environ), check=True, timeout=120)
    assert runs.find("r-rebooted").summary().state == "interrupted"
