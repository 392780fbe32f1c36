"""`sample --thinking` with the model's own chat template read the base model's tokenizer twice: for the check that
some template has the switch, then with the models (evaluate shares one load the same way, helper 188)."""

from __future__ import annotations

from ftlib import models
from ftlib.cli import main
from tests.test_thinking_evaluate import thinking_model  # noqa: F401 (a fixture)


def test_sample_with_thinking_loads_the_tokenizer_once(capsys, monkeypatch, thinking_model):  # noqa: F811
    loads, real = [], models.load_tokenizer

    def counted(spec: str = models.DEFAULT_MODEL):
        loads.append(spec)
        return real(spec)

    monkeypatch.setattr(models, "load_tokenizer", counted)
    argv = ["sample", "--model", str(thinking_model), "--prompt", "Hi", "--max-new-tokens", "2", "--thinking", "off"]
    assert main(argv) == 0, capsys.readouterr().err
    assert "thinking off" in capsys.readouterr().out
    assert loads == [str(thinking_model)]
