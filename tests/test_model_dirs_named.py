"""A model typed by its folder's name is found in a folder of FTLIB_MODEL_DIRS written as the operator writes it
(`~/shelf`), as the browser's path check reads that setting."""

from __future__ import annotations

import pytest

from ftlib import models


def test_a_model_named_by_its_folder_is_found_under_a_model_dir_written_with_a_tilde(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "shelf" / "my-qwen").mkdir(parents=True)
    (home / "shelf" / "my-qwen" / "config.json").write_text('{"model_type": "qwen2"}')
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("FTLIB_MODEL_DIRS", "~/shelf")
    with pytest.raises(models.ModelError) as said:
        models.resolve_model("my-qwen", fetch=False)
    assert f"A model folder of that name is at {home / 'shelf' / 'my-qwen'}: give that path" in str(said.value)
    assert str(home / "shelf" / "my-qwen") in models._models_here()
