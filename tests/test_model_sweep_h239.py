"""Helper 239's sweep of model families and their chat templates through the CLI: tiny models of other families
and templates written the way their families publish them."""

from __future__ import annotations

import json
import shutil

import pytest

from ftlib import models
from ftlib.models import ModelError


def _with_tokenizer_config(tiny_model_dir, tmp_path, **named):
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    described = json.loads((folder / "tokenizer_config.json").read_text())
    (folder / "tokenizer_config.json").write_text(json.dumps(described | named))
    return folder


@pytest.mark.parametrize(
    "named, said",
    [
        ({"pad_token": "<pad>"}, "'<pad>' (pad_token)"),
        ({"bos_token": "<s>", "eos_token": "</s>"}, "'<s>' (bos_token), '</s>' (eos_token)"),
        ({"extra_special_tokens": ["[INST]", "<|im_end|>"]}, "'[INST]' (extra_special_tokens)"),
    ],
    ids=["pad", "bos-eos", "extra"],
)
def test_a_special_token_the_tokenizer_json_lacks_is_refused_as_an_id_past_the_embeddings(
    named, said, tiny_model_dir, tmp_path
):
    """A tokenizer_config.json naming a special token tokenizer.json lacks (a Mistral-style `<s>`/`</s>` written in
    by hand beside another tokenizer): transformers adds it at load after the highest id, which the tiny model (its
    embeddings exactly the tokenizer's) has no row for, and the run failed at its first batch with "IndexError: index
    out of range in self" (a sweep: a Mistral and a Mixtral folder). The reference: transformers' own tokenizer gives
    the token an id past vocab_size."""
    import transformers

    folder = _with_tokenizer_config(tiny_model_dir, tmp_path, **named)
    size = json.loads((folder / "config.json").read_text())["vocab_size"]
    assert len(transformers.AutoTokenizer.from_pretrained(folder)) > size  # what the run then met
    with pytest.raises(ModelError) as refused:
        models.check_model(str(folder), method="lora")
    assert said in str(refused.value) and f"has embeddings for {size} tokens" in str(refused.value)
    assert "which tokenizer.json lacks" in str(refused.value)


def test_a_special_token_the_tokenizer_json_holds_is_not_counted_again(tiny_model_dir, tmp_path):
    """The sentinel: naming tokens tokenizer.json holds (SmolLM2's own) adds nothing, and the folder passes."""
    folder = _with_tokenizer_config(
        tiny_model_dir, tmp_path, pad_token="<|endoftext|>", extra_special_tokens=["<|im_start|>"]
    )
    assert models.check_model(str(folder), method="lora") == folder
