"""One name for the embedded default model wherever a person reads one: Home said "SmolLM2-135M-Instruct (embedded
default)" while the Data page's token lengths, Evaluate's base model line, the Train page's new-run line, GRPO's
reward preview and the CLI's text (`evaluate`, `runs show`, `data inspect`, `models info`) said `default`. Each says
`model_names.model_said`'s name now; what is typed (the Model box, --model) and --json keep the spec `default`."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from ftlib.model_names import DEFAULT_SAID, model_said
from ftlib.testing import make_run

SAID = "SmolLM2-135M-Instruct (embedded default)"  # Home's words before, spelled out: a sentinel, not the constant
FIXTURES = Path(__file__).parent / "fixtures" / "data"


@pytest.fixture
def _data_dirs(monkeypatch):
    monkeypatch.setenv("FTLIB_DATA_DIRS", str(FIXTURES))  # the Data page's path box reads allowed folders only


def test_the_engine_names_the_default_once_and_other_models_as_given():
    from ftlib.run_picker import model_name

    assert DEFAULT_SAID == SAID == model_said("default") == model_said(" default ")
    assert model_name("default") == "SmolLM2-135M-Instruct"  # bare in a run's label (tests/test_run_labels_h238)
    assert model_said("Qwen/Qwen2.5-0.5B") == "Qwen/Qwen2.5-0.5B" and model_name("/m/llama-1b") == "llama-1b"


def test_home_and_the_data_page_name_the_default_alike(_data_dirs):
    from streamlit.testing.v1 import AppTest

    root = Path(__file__).resolve().parents[1]
    at = AppTest.from_file(str(root / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert any(f"`{SAID}`" in m.value for m in at.markdown if "Active model" in m.value)
    at.switch_page("pages/1_Data.py").run()
    at.radio(key="data_source").set_value("Local path").run()
    at.text_input(key="data_path").input(str(FIXTURES / "chat_mixed.jsonl")).run()
    assert not at.exception, at.exception
    said = next(c.value for c in at.caption if c.value.startswith("How long each row is for"))
    assert said.startswith(f"How long each row is for `{SAID}`, in tokens"), said
    assert "`default`" not in " ".join(c.value for c in at.caption)


def _default_run(adapter_template, tmp_path):
    rows = [
        {"messages": [{"role": "user", "content": f"Count to {n}."}, {"role": "assistant", "content": f"{n}!"}]}
        for n in range(1, 11)
    ]
    data = tmp_path / "count.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    config = {"model": "default", "dataset": str(data), "test_size": 3}
    return make_run("20261207-190000-lora-count", config, adapter=adapter_template)


def test_evaluates_base_model_line_names_the_default_as_home_does(adapter_template, tmp_path):
    from tests.test_pages_compare import open_page

    _default_run(adapter_template, tmp_path)
    at = open_page("pages/6_Evaluate.py", "default")
    assert not at.exception, at.exception
    line = next(c.value for c in at.caption if c.value.startswith("Base model"))
    assert line.startswith(f"Base model `{SAID}` · "), line


def test_the_clis_text_names_the_default_and_its_json_keeps_the_spec(adapter_template, tmp_path, capsys):
    from ftlib import evaluate as E
    from ftlib.cli import main
    from ftlib.commands.evaluate import _report

    run = _default_run(adapter_template, tmp_path)
    assert main(["runs", "show", run.id]) == 0
    assert f"model: {SAID}" in capsys.readouterr().out.splitlines()
    assert main(["runs", "show", run.id, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["model"] == "default"

    result = E.EvalResult("tuned", [E.EvalRow(0, "q", "a", "x", "y", 1.0, 0.5, tokens=4)])
    args = SimpleNamespace(json=False, data=None, csv=None)
    _report(args, result, "default", "tokenizer")
    assert f"base model: {SAID}" in capsys.readouterr().out.splitlines()
    _report(SimpleNamespace(json=True, data=None, csv=None), result, "default", "tokenizer")
    assert json.loads(capsys.readouterr().out)["model"] == "default"
