"""`python -m ftlib evaluate RUN` loaded the base model's tokenizer up to three times: for the check that some row can
be scored at the run's max length, for the thinking setting the run trained with, and with the models (the two again
took 1.4-1.6 s on SmolLM2-135M). It is loaded once now and passed on (`commands.evaluate_checks.TokenizerOnce`)."""

from __future__ import annotations

from ftlib import models, workspace
from ftlib.cli import main
from ftlib.testing import make_run

CHATS = [
    {
        "messages": [
            {"role": "user", "content": f"Name colour {i}."},
            {"role": "assistant", "content": f"Blue {i}. " * 6},
        ]
    }
    for i in range(3)
]


def test_evaluate_loads_the_tokenizer_once(capsys, monkeypatch, varied_dir, adapter_template):
    workspace.save_split("colours", CHATS[:1], CHATS, {"format": "messages"})
    config = {"model": str(varied_dir), "dataset": "colours", "template": "tokenizer", "method": "lora"}
    make_run("run-once", config | {"max_length": 40}, adapter=adapter_template)  # a max length: rows checked first
    loads, real = [], models.load_tokenizer

    def counted(spec: str = models.DEFAULT_MODEL):
        loads.append(spec)
        return real(spec)

    monkeypatch.setattr(models, "load_tokenizer", counted)
    assert main(["evaluate", "run-once", "--max-new-tokens", "2"]) == 0, capsys.readouterr().err
    assert "tuned" in capsys.readouterr().out
    assert loads == [str(varied_dir)]
