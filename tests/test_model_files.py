"""A model folder the studio cannot use is refused where it is chosen, saying what is missing and what to do: no
tokenizer files (a folder of config.json, generation_config.json and model.safetensors), only pickled (.bin) weights
(with the command that converts them, which then works), a GGUF file given as the model."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from ftlib import models
from ftlib.models import ModelError

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja")


@pytest.fixture
def no_tokenizer_dir(tiny_model_dir, tmp_path):
    """The reviewer's notok: the tiny model's config.json, generation_config.json and model.safetensors only."""
    return shutil.copytree(tiny_model_dir, tmp_path / "notok", ignore=shutil.ignore_patterns(*TOKENIZER_FILES))


def _says_what_is_missing_and_what_to_copy(message: str, folder) -> None:
    assert f"'{folder}' has a model's weights but no tokenizer" in message
    assert "none of tokenizer.json, tokenizer.model, vocab.json + merges.txt or vocab.txt" in message
    assert "copy the tokenizer files (tokenizer.json, tokenizer_config.json, special_tokens_map.json)" in message
    assert "from the model's repository" in message and "sentencepiece" not in message


def test_a_folder_without_tokenizer_files_is_refused_where_it_is_chosen(no_tokenizer_dir, capsys):
    """It passed the sidebar and `models info`, then every page failed with transformers' "Could not load a tokenizer
    ... You need to have sentencepiece or tiktoken installed": the files were missing, not a library."""
    from ftlib.cli import main

    with pytest.raises(ModelError) as refused:
        models.check_model(str(no_tokenizer_dir))  # the sidebar's box, the CLI's model arguments
    _says_what_is_missing_and_what_to_copy(str(refused.value), no_tokenizer_dir)
    assert main(["models", "info", str(no_tokenizer_dir)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: ") and "no tokenizer" in line


def test_loading_its_tokenizer_anyway_says_the_same(no_tokenizer_dir):
    with pytest.raises(ModelError) as refused:
        models.load_tokenizer(str(no_tokenizer_dir))
    _says_what_is_missing_and_what_to_copy(str(refused.value), no_tokenizer_dir)


# (id, the tokenizer files copied in: what AutoTokenizer reads a vocabulary from). The folder is refused before, and
# passes after, so a check that refused every folder (or none) fails here.
TOKENIZER_FORMS = [
    ("fast", ("tokenizer.json",)),
    ("bpe-vocab-and-merges", ("vocab.json", "merges.txt", "tokenizer_config.json")),
]


@pytest.mark.parametrize("kept", [c[1] for c in TOKENIZER_FORMS], ids=[c[0] for c in TOKENIZER_FORMS])
def test_a_folder_with_a_tokenizer_in_any_form_passes_and_its_tokenizer_loads(no_tokenizer_dir, smol_tokenizer, kept):
    from transformers import GPT2Tokenizer

    saved = no_tokenizer_dir.parent / "saved"
    if "vocab.json" in kept:  # a byte-level BPE's own files, as GPT-2 and Qwen repositories hold them
        smol_tokenizer.backend_tokenizer.model.save(str(saved.mkdir() or saved))
        assert GPT2Tokenizer(str(saved / "vocab.json"), str(saved / "merges.txt")).tokenize("Hello")
        (saved / "tokenizer_config.json").write_text('{"tokenizer_class": "GPT2Tokenizer"}')  # a Llama's is no BPE
    else:
        smol_tokenizer.save_pretrained(saved)
    with pytest.raises(ModelError, match="no tokenizer"):
        models.check_model(str(no_tokenizer_dir))  # without them, refused
    for name in kept:
        shutil.copy(saved / name, no_tokenizer_dir / name)
    assert models.check_model(str(no_tokenizer_dir)) == no_tokenizer_dir
    assert models.load_tokenizer(str(no_tokenizer_dir)).tokenize("Hello")


def test_pickled_weights_are_refused_with_a_command_that_converts_them(tiny_model_dir, tmp_path):
    """The refusal said "Convert it to safetensors first" and named no way to. It stays (a pickle can run code); the
    command it gives, run as written, makes the folder one the studio takes and loads."""
    import torch
    from safetensors.torch import load_file

    folder = shutil.copytree(tiny_model_dir, tmp_path / "bin only")  # a space: the command quotes the path
    torch.save(load_file(folder / "model.safetensors"), folder / "pytorch_model.bin")
    (folder / "model.safetensors").unlink()
    with pytest.raises(ModelError) as refused:
        models.check_model(str(folder))
    said = str(refused.value)
    assert "only pickled (.bin) weights" in said and "can run code" in said
    (command,) = re.findall(r"`(python -c .*?)`, then choose the folder again", said)
    done = subprocess.run(command.replace("python", sys.executable, 1), shell=True, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert models.check_model(str(folder)) == folder
    reference = models.load_model(str(tiny_model_dir), device="cpu").state_dict()
    converted = models.load_model(str(folder), device="cpu").state_dict()
    assert all(torch.equal(reference[k], converted[k]) for k in reference)


def test_a_gguf_file_as_the_model_says_it_is_not_read_and_what_to_use(tmp_path):
    gguf = tmp_path / "SmolLM2-135M-Instruct.Q4_1.gguf"
    gguf.write_bytes(b"GGUF")
    with pytest.raises(ModelError) as refused:
        models.check_model(str(gguf))
    said = str(refused.value)
    assert "is a GGUF file: this studio does not read GGUF files as models" in said
    assert "original repository" in said and ".safetensors" in said
    other = tmp_path / "weights.txt"
    other.write_text("x")
    with pytest.raises(ModelError, match="is a file, not a model directory"):
        models.check_model(str(other))


def test_a_folder_holding_a_gguf_file_says_it_is_not_read(tmp_path):
    folder = tmp_path / "gguf"
    folder.mkdir()
    (folder / "SmolLM2-135M-Instruct.Q4_1.gguf").write_bytes(b"GGUF")
    with pytest.raises(ModelError) as refused:
        models.check_model(str(folder))
    said = str(refused.value)
    assert "holds a GGUF file (SmolLM2-135M-Instruct.Q4_1.gguf) and no config.json" in said
    assert "does not read GGUF files as models" in said and "original repository" in said
