"""Model resolution: the embedded default, local directories, hub ids (offline) and clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch

from ftlib import models
from ftlib.models import ModelError


def test_tiny_model_dir_resolves_and_loads(tiny_model_dir):
    assert models.resolve_model(str(tiny_model_dir)) == tiny_model_dir
    model = models.load_model(str(tiny_model_dir), device="cpu")
    info = models.model_info(model)
    assert info.device == "cpu" and info.dtype == "float32"
    # Tied embeddings are counted once: the count must equal the unique parameters.
    unique = {id(p): p.numel() for p in model.parameters()}
    assert info.parameters == sum(unique.values())
    assert info.memory_bytes >= info.parameters * 4


def test_tiny_model_uses_the_real_tokenizer(tiny_model_dir, smol_tokenizer):
    tok = models.load_tokenizer(str(tiny_model_dir))
    assert tok.get_vocab() == smol_tokenizer.get_vocab()
    config = json.loads((tiny_model_dir / "config.json").read_text())
    assert config["vocab_size"] == len(smol_tokenizer)


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda p: p / "missing", "does not exist"),
        (lambda p: (p / "empty").mkdir() or p / "empty", "no config.json"),
        (lambda p: (p / "weights.txt").write_text("x") and p / "weights.txt", "is a file"),
    ],
)
def test_bad_local_paths_give_actionable_errors(tmp_path, make, expected):
    with pytest.raises(ModelError, match=expected):
        models.resolve_model(str(make(tmp_path)))


def test_an_adapter_folder_as_the_model_says_what_it_is_and_where_to_use_it(tmp_path):
    """A run's adapter/ folder in the model box said only "not a model: it has no config.json"."""
    adapter = tmp_path / "20260101-lora-x" / "adapter"
    adapter.mkdir(parents=True)
    (adapter / "adapter_config.json").write_text("{}")
    with pytest.raises(ModelError) as refused:
        models.resolve_model(str(adapter))
    said = str(refused.value)
    assert "holds a LoRA adapter" in said and "pick its run on Compare or Evaluate" in said
    assert "python -m ftlib runs export 20260101-lora-x --merged" in said and "merged/" in said


def test_hub_id_is_refused_offline_without_opt_in(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # an empty cache
    monkeypatch.delenv("FTLIB_ALLOW_HUB", raising=False)
    with pytest.raises(ModelError, match="FTLIB_ALLOW_HUB"):
        models.resolve_model("someorg/some-model")


def test_without_fetch_a_hub_id_is_looked_up_in_the_cache_only_even_with_hub_access(monkeypatch, tmp_path):
    import huggingface_hub
    from huggingface_hub.errors import LocalEntryNotFoundError

    downloads = []

    def snapshot_download(model_id, local_files_only=False, **kwargs):
        if local_files_only:
            raise LocalEntryNotFoundError("not cached")
        downloads.append(model_id)
        return str(tmp_path)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot_download)
    monkeypatch.setenv("FTLIB_ALLOW_HUB", "1")
    with pytest.raises(ModelError, match="not in the local Hugging Face cache"):
        models.resolve_model("someorg/some-model", fetch=False)
    assert downloads == []
    assert models.resolve_model("someorg/some-model") == tmp_path and downloads == ["someorg/some-model"]
    assert models.resolve_model("default", fetch=False) == models.default_model_dir()


@pytest.mark.parametrize("allowed, offline", [("", "True"), ("1", "False")])
def test_importing_ftlib_keeps_every_library_off_the_hub_unless_hub_access_is_on(allowed, offline):
    # bitsandbytes (imported by PEFT) asks the Hub for a CPU kernel at import; transformers 5.25 turns Hub kernels
    # on for every model. Neither, unless FTLIB_ALLOW_HUB=1 (and Hub kernels stay off: they undo cpu_norm).
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "USE_HUB_KERNELS", "FTLIB_ALLOW_HUB")}
    code = "import ftlib, huggingface_hub.constants as c, os; print(c.HF_HUB_OFFLINE, os.environ['USE_HUB_KERNELS'])"
    said = subprocess.run(
        [sys.executable, "-c", code], env=env | {"FTLIB_ALLOW_HUB": allowed}, capture_output=True, text=True
    )
    assert said.stdout.split() == [offline, "0"], said.stderr[-2000:]


def test_pickled_weights_are_refused(tmp_path, tiny_model_dir):
    target = tmp_path / "pickled"
    target.mkdir()
    (target / "config.json").write_text((tiny_model_dir / "config.json").read_text())
    torch.save({}, target / "pytorch_model.bin")
    with pytest.raises(ModelError, match="safetensors"):
        models.load_model(str(target))


CUSTOM_CODE = """
import os
from pathlib import Path

from transformers import LlamaConfig, LlamaForCausalLM

Path(os.environ["FTLIB_TEST_MARKER"]).write_text("the model's own code ran")


class CustomConfig(LlamaConfig):
    model_type = "ftlib_custom_llama"


class CustomModel(LlamaForCausalLM):
    config_class = CustomConfig
"""


def test_a_model_with_its_own_code_loads_only_when_the_operator_allows_it(tmp_path, tiny_model_dir, monkeypatch):
    import json
    import shutil

    target = tmp_path / "custom"
    shutil.copytree(tiny_model_dir, target)
    config = json.loads((target / "config.json").read_text())
    config.update(
        model_type="ftlib_custom_llama",
        auto_map={"AutoConfig": "custom.CustomConfig", "AutoModelForCausalLM": "custom.CustomModel"},
    )
    (target / "config.json").write_text(json.dumps(config))
    (target / "custom.py").write_text(CUSTOM_CODE)
    marker = tmp_path / "marker.txt"
    monkeypatch.setenv("FTLIB_TEST_MARKER", str(marker))
    monkeypatch.setenv("HF_MODULES_CACHE", str(tmp_path / "modules"))

    monkeypatch.delenv("FTLIB_TRUST_REMOTE_CODE", raising=False)
    with pytest.raises(ModelError, match="trust_remote_code"):
        models.load_model(str(target), device="cpu")
    assert not marker.exists()  # refused before any of its code ran

    monkeypatch.setenv("FTLIB_TRUST_REMOTE_CODE", "1")
    model = models.load_model(str(target), device="cpu")
    assert type(model).__name__ == "CustomModel" and marker.read_text() == "the model's own code ran"


def test_device_and_dtype_choice():
    assert models.pick_device() in {"cpu", "cuda"}
    assert models.pick_dtype("cpu") is torch.float32
    assert models.pick_dtype("cpu", "bf16") is torch.bfloat16
    with pytest.raises(ModelError, match="Unknown dtype"):
        models.pick_dtype("cpu", "float8")
    if not torch.cuda.is_available():
        with pytest.raises(ModelError, match="no GPU"):
            models.pick_device("cuda")


def test_ftlib_home_is_configurable(monkeypatch, tmp_path):
    monkeypatch.setenv("FTLIB_HOME", str(tmp_path))
    assert models.ftlib_home() == tmp_path
    assert models.default_model_dir().parent.parent == tmp_path


def test_cli_models_info_json(tiny_model_dir, capsys):
    from ftlib.cli import main

    assert main(["models", "info", str(tiny_model_dir), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["parameters"] > 0 and info["device"] == "cpu"


def test_cli_models_info_bad_model_exits_nonzero(tmp_path, capsys):
    from ftlib.cli import main

    assert main(["models", "info", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.slow
def test_default_model_is_converted_once_and_generates(smol_tokenizer):
    """The real embedded model: cached safetensors copy, no quantizer left, answers sensibly."""
    path = models.resolve_model("default")
    assert (path / "model.safetensors").is_file()
    config = json.loads((path / "config.json").read_text())
    assert "quantization_config" not in config
    model = models.load_model("default", device="cpu")
    assert 130e6 < models.model_info(model).parameters < 140e6
    messages = [{"role": "user", "content": "What is the capital of France?"}]
    inputs = smol_tokenizer.apply_chat_template(
        messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
    )
    out = model.generate(**inputs, max_new_tokens=12, do_sample=False)
    assert "Paris" in smol_tokenizer.decode(out[0, inputs["input_ids"].shape[1] :])


def _copy_without(source, target, *names):
    """A copy of the model folder `source` without the files `names`."""
    import shutil

    shutil.copytree(source, target, ignore=shutil.ignore_patterns(*names))
    return target


def _sharded(path):
    """Split model.safetensors into two parts with their index, as `save_pretrained(max_shard_size=...)` writes it."""
    from safetensors.torch import load_file, save_file

    weights = load_file(path / "model.safetensors")
    names = sorted(weights)
    parts = {"model-00001-of-00002.safetensors": names[:3], "model-00002-of-00002.safetensors": names[3:]}
    for part, keys in parts.items():
        save_file({k: weights[k] for k in keys}, path / part, metadata={"format": "pt"})
    (path / "model.safetensors").unlink()
    index = {"metadata": {}, "weight_map": {k: part for part, keys in parts.items() for k in keys}}
    (path / "model.safetensors.index.json").write_text(json.dumps(index))
    return path


# (id, how the folder is spoiled, what the refusal says). Each folder holds a tokenizer, so before the check it passed
# the sidebar and Tokens, and failed only at the start of a run (no weights) or as "Could not load a tokenizer".
SPOILED = [
    ("no-weights", lambda p: p.joinpath("model.safetensors").unlink(), "has a config.json but no weights"),
    ("broken-json", lambda p: p.joinpath("config.json").write_text('{"model_type": "llama", "hidden_'),
     "config.json of '{p}' is not valid JSON"),
    ("no-model-type", lambda p: p.joinpath("config.json").write_text('{"hidden_size": 64}'), "names no `model_type`"),
    ("a-shard-missing", lambda p: _sharded(p).joinpath("model-00002-of-00002.safetensors").unlink(),
     "missing 1 of the 2 weights files its model.safetensors.index.json lists (e.g. model-00002-of-00002"),
    ("pickled-only", lambda p: p.joinpath("model.safetensors").rename(p / "pytorch_model.bin"), "only pickled (.bin)"),
]  # fmt: skip


@pytest.mark.parametrize("spoil, message", [c[1:] for c in SPOILED], ids=[c[0] for c in SPOILED])
def test_a_model_folder_that_cannot_load_is_refused_where_it_is_chosen(tmp_path, tiny_model_dir, spoil, message):
    folder = _copy_without(tiny_model_dir, tmp_path / "model")
    models.check_model(str(folder))  # whole, it passes
    spoil(folder)
    assert models.resolve_model(str(folder)) == folder  # it is still a model folder by its name...
    with pytest.raises(ModelError) as refused:
        models.check_model(str(folder))  # ...that is refused where a model is chosen
    assert message.format(p=folder) in str(refused.value)


def test_sharded_weights_with_every_part_pass_and_load(tmp_path, tiny_model_dir):
    folder = _sharded(_copy_without(tiny_model_dir, tmp_path / "sharded"))
    assert models.check_model(str(folder)) == folder
    assert models.model_info(models.load_model(str(folder), device="cpu")).parameters > 0


def test_same_model_compares_folders_not_spellings(tmp_path, tiny_model_dir):
    assert models.same_model(str(tiny_model_dir), str(tiny_model_dir) + "/")
    assert models.same_model(str(tiny_model_dir), str(tiny_model_dir / ".." / tiny_model_dir.name))
    assert not models.same_model(str(tiny_model_dir), "default")
    assert models.same_model("default", str(models.default_model_dir()))


def test_processes_preparing_the_default_model_at_once_convert_it_once(tmp_path, monkeypatch):
    """Two sessions of a fresh server (or the suite's workers) asking for `default` at the same moment: unlocked, each
    wrote its copy into the one `.partial` folder and removed the other's midway. The second waits and uses the
    first's copy. (flock locks belong to open files, so two threads contend as two processes do.)"""
    import threading
    import time

    monkeypatch.setenv("FTLIB_HOME", str(tmp_path / "home"))
    converted = []

    def convert(target, progress):
        converted.append(threading.current_thread().name)
        time.sleep(0.3)  # the second caller arrives while the first converts
        target.mkdir(parents=True)
        (target / models._READY_MARKER).write_text("{}")
        return target

    monkeypatch.setattr(models, "_convert_default_model", convert)
    got = []
    threads = [threading.Thread(target=lambda: got.append(models.prepare_default_model()), name=n) for n in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(converted) == 1 and got == [models.default_model_dir()] * 2


def test_a_gpu_that_only_emulates_bf16_loads_fp32(monkeypatch):
    """T4 and V100 emulate bf16 (`is_bf16_supported()` counts emulation by default): fp32 there, bf16 where native."""
    native = []
    monkeypatch.setattr(
        torch.cuda, "is_bf16_supported", lambda including_emulation=True: including_emulation or native
    )
    assert models.pick_dtype("cuda") is torch.float32
    native.append(True)
    assert models.pick_dtype("cuda:1") is torch.bfloat16


@pytest.mark.parametrize("value", ["1", "true", "yes", "on", "ON "])
def test_the_off_by_default_switches_take_on_as_the_settings_table_spells_it(monkeypatch, value):
    """An operator's review: README's Settings table gives FTLIB_ALLOW_HUB and FTLIB_TRUST_REMOTE_CODE as "off", and
    the switches that default to on take `off`; `FTLIB_ALLOW_HUB=on` was read as off, without a word."""
    import ftlib

    monkeypatch.setenv("FTLIB_ALLOW_HUB", value)
    monkeypatch.setenv("FTLIB_TRUST_REMOTE_CODE", value)
    assert ftlib.hub_allowed() and models.trust_remote_code()
    monkeypatch.setenv("FTLIB_ALLOW_HUB", "off")
    monkeypatch.setenv("FTLIB_TRUST_REMOTE_CODE", "0")
    assert not ftlib.hub_allowed() and not models.trust_remote_code()
