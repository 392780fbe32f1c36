"""The server's start-up warm-up (serve.py -> ui.common.warm_up) fills the very cache entries the pages read."""

from __future__ import annotations

import ftlib.models
from ui import common


def test_warm_up_fills_the_caches_the_pages_read(tiny_model_dir, monkeypatch):
    spec = str(tiny_model_dir)
    common.cached_model_set.clear()
    common.cached_tokenizer.clear()
    assert common.warm_up(spec) is True

    def no_second_load(*args, **kwargs):
        raise AssertionError("the page loaded the model again instead of using the warmed cache")

    monkeypatch.setattr(ftlib.models, "load_model", no_second_load)
    model_set = common.model_set_for(spec, ())  # what the pages call
    assert model_set.names == ["base"] and model_set.tokenizer is not None
    assert common.model_set_for(spec, ()) is model_set
    common.cached_model_set.clear()


def test_the_pages_sets_of_runs_share_the_warmed_base(tiny_model_dir, tmp_path, monkeypatch):
    """Compare's and Evaluate's sets of runs load their adapters into the base the warm-up loaded: each set loaded a
    base of its own before (three copies of a 7B model on a GPU for three sets)."""
    from ftlib.testing import make_random_adapter, make_run

    spec = str(tiny_model_dir)
    common.cached_model_set.clear()
    assert common.warm_up(spec) is True
    adapter = make_random_adapter(spec, tmp_path / "adapter", seed=3)
    run = make_run("r-shared", {"model": spec, "dataset": "d"}, adapter=adapter)

    def no_second_load(*args, **kwargs):
        raise AssertionError("a set of runs loaded a base of its own")

    monkeypatch.setattr(ftlib.models, "load_model", no_second_load)
    alone, tuned = common.model_set_for(spec, ()), common.model_set_for(spec, (str(run.path),))
    assert tuned.names == ["base", "r-shared"] and tuned is not alone
    weight = alone.model.get_input_embeddings().weight
    assert tuned.model.get_input_embeddings().weight.data_ptr() == weight.data_ptr()
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


def test_the_server_starts_on_a_streamlit_without_the_private_pages_flag():
    """serve.py sets Streamlit's private `PagesManager.uses_pages_directory` (st.navigation's mode from the start).
    Imported at the module's top, a Streamlit that moved or renamed it stopped the server with an ImportError: now
    it starts, saying in its log what is lost."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import streamlit, streamlit.runtime.pages_manager as pm\n"
        "del pm.PagesManager  # as a Streamlit without it\n"
        "import serve\n"
        "assert serve.app is not None and serve.navigation_mode() is False\n"
    )
    env = dict(os.environ, FTLIB_WARM_UP="0")
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "no PagesManager.uses_pages_directory" in done.stderr
