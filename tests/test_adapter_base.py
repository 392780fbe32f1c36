"""An adapter names its base by hub id where the studio knows one: PEFT wrote the folder the base was loaded from
(`$FTLIB_HOME/models/SmolLM2-135M-Instruct` for the default model) as `base_model_name_or_path` in
adapter_config.json and as `base_model` in its model card, a folder no other machine has. The run's final adapter
and its export now name `HuggingFaceTB/SmolLM2-135M-Instruct`; a folder of the user's own keeps its path; the studio
still loads and samples the run (it finds a run's base in its config.json).

The default model here is the tiny test model put where the default's converted folder goes (a private
$FTLIB_HOME), so a run trains in seconds.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from ftlib import export, hub_base, models, runs
from ftlib.config import RunConfig
from ftlib.testing import make_random_adapter, make_run

HUB_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"
ROWS = [
    {"messages": [{"role": "user", "content": f"What is {i} plus {i}?"}, {"role": "assistant", "content": f"{2 * i}"}]}
    for i in range(1, 9)
]


@pytest.fixture
def tiny_default(tiny_model_dir, tmp_path, monkeypatch) -> Path:
    """`default` resolves to a copy of the tiny model, as a converted default model is laid out."""
    home = tmp_path / "home"
    folder = home / "models" / models.DEFAULT_MODEL_NAME
    shutil.copytree(tiny_model_dir, folder)
    (folder / "ftlib-ready.json").write_text(json.dumps({"name": models.DEFAULT_MODEL_NAME}))
    monkeypatch.setenv("FTLIB_HOME", str(home))
    assert models.resolve_model("default") == folder
    return folder


def _named(folder: Path) -> tuple[str, str]:
    config = json.loads((folder / "adapter_config.json").read_text(encoding="utf-8"))
    card = (folder / "README.md").read_text(encoding="utf-8")
    (base,) = [line.split(":", 1)[1].strip() for line in card.split("---")[1].splitlines() if line.startswith("base_")]
    return config["base_model_name_or_path"], base


def test_a_default_model_runs_adapter_names_the_hub_id_and_the_studio_still_samples_it(tiny_default):
    from ftlib import modelset
    from ftlib.training import build_trainer, save_final

    config = RunConfig(model="default", max_steps=2, batch_size=2, save_every=0, max_length=64, learning_rate=1e-2)
    run = runs.find(runs.create_run(config))
    prepared = build_trainer(config, run.path, rows=(ROWS, []))
    prepared.trainer.train()
    save_final(prepared, config, run.path)
    run.update_status(state="finished")  # as the worker records it: only a finished run's adapter is exported
    assert _named(run.adapter_dir) == (HUB_ID, HUB_ID)
    assert str(tiny_default) not in (run.adapter_dir / "adapter_config.json").read_text(encoding="utf-8")
    # PEFT's tag of the base too (a cold review: it published this server's path)
    card = (run.adapter_dir / "README.md").read_text(encoding="utf-8")
    assert str(tiny_default) not in card and f"- base_model:adapter:{HUB_ID}\n" in card
    assert run.read_status()["weights_dtype"] == "float32"  # what a QLoRA export would quantize from (CPU: fp32)
    assert _named(export.export_adapter(run)) == (HUB_ID, HUB_ID)
    # Its card says what it is (PEFT leaves a blank template: "[More Information Needed]" 39 times; a cold review)
    card = (run.adapter_dir / "README.md").read_text(encoding="utf-8")
    assert "More Information Needed" not in card and card.count("base_model: ") == 1
    assert f"A LoRA adapter of `{HUB_ID}`" in card and "- **Method:** lora" in card
    assert "Q4_1 GGUF, dequantized" in card and f'AutoModelForCausalLM.from_pretrained("{HUB_ID}")' in card

    ids = torch.tensor([[1, 9690, 198, 28, 1359, 354, 2, 198, 1, 520, 9531]])
    with torch.no_grad():
        want = prepared.trainer.model.eval()(input_ids=ids).logits
    sampled = modelset.load_model_set("default", [run.path])
    (name,) = sampled.adapters
    sampled.model.set_adapter(name)
    with torch.no_grad():
        torch.testing.assert_close(sampled.model(input_ids=ids).logits, want, atol=1e-5, rtol=1e-5)


def test_an_older_runs_adapter_is_named_by_its_export_and_a_users_own_folder_keeps_its_path(
    tiny_default, tiny_model_dir, tmp_path
):
    older = make_random_adapter("default", tmp_path / "made" / "older")  # saved as PEFT saves it: the local folder
    assert _named(older) == (str(tiny_default), str(tiny_default))
    run = make_run("r-older", {"dataset": "d"}, adapter=older, root=tmp_path / "runs")
    assert _named(export.export_adapter(run)) == (HUB_ID, HUB_ID)
    # Its card says what it is (PEFT leaves a blank template: "[More Information Needed]" 39 times; a cold review)
    card = (run.adapter_dir / "README.md").read_text(encoding="utf-8")
    assert "More Information Needed" not in card and card.count("base_model: ") == 1
    assert f"A LoRA adapter of `{HUB_ID}`" in card and "- **Method:** lora" in card
    assert "Q4_1 GGUF, dequantized" in card and f'AutoModelForCausalLM.from_pretrained("{HUB_ID}")' in card
    own = make_random_adapter(str(tiny_model_dir), tmp_path / "made" / "own")
    mine = make_run("r-own", {"dataset": "d", "model": str(tiny_model_dir)}, adapter=own, root=tmp_path / "runs")
    before = (mine.adapter_dir / "adapter_config.json").read_text(encoding="utf-8")
    assert hub_base.name_hub_base(mine.adapter_dir, str(tiny_model_dir)) is None
    assert (export.export_adapter(mine) / "adapter_config.json").read_text(encoding="utf-8") == before


def test_hub_ids_of_model_specs(tiny_default, tmp_path):
    snapshot = tmp_path / "hub" / "models--org--some-model" / "snapshots" / "0123abc"
    snapshot.mkdir(parents=True)
    assert [models.hub_id(s) for s in ("default", str(tiny_default), "org/name", "gpt2", str(snapshot))] == [
        HUB_ID,
        HUB_ID,
        "org/name",
        "gpt2",
        "org/some-model",
    ]
    assert models.hub_id(str(tmp_path)) is None and models.hub_id("./missing/folder") is None
