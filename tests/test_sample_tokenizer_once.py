"""`sample --thinking` with the model's own chat template read the base model's tokenizer twice: for the check that
some template has the switch, then with the models (evaluate shares one load the same way, helper 188)."""

from __future__ import annotations

import pytest

from ftlib import models
from ftlib.cli import main
from tests.test_thinking_evaluate import thinking_model  # noqa: F401 (a fixture)


@pytest.mark.parametrize("files_stand_in", [True, False], ids=["tokenizer-json", "no-stand-in"])
def test_sample_with_thinking_loads_the_tokenizer_once(capsys, monkeypatch, thinking_model, files_stand_in):  # noqa: F811
    """Where the tokenizer's files cannot stand in for it (no tokenizer.json: `tokenizer_files.file_tokenizer` gives
    None), the check's tokenizer is the models' too: loaded once (cef5339b loaded it twice there)."""
    loads, real = [], models.load_tokenizer
    if not files_stand_in:
        monkeypatch.setattr("ftlib.tokenizer_files.file_tokenizer", lambda spec: None)

    def counted(spec: str = models.DEFAULT_MODEL):
        loads.append(spec)
        return real(spec)

    monkeypatch.setattr(models, "load_tokenizer", counted)
    argv = ["sample", "--model", str(thinking_model), "--prompt", "Hi", "--max-new-tokens", "2", "--thinking", "off"]
    assert main(argv) == 0, capsys.readouterr().err
    assert "thinking off" in capsys.readouterr().out
    assert loads == [str(thinking_model)]
