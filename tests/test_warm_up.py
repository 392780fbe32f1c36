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
