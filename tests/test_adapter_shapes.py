"""An adapter of another base told from files alone (`ftlib.adapter_shapes`, before torch), checked against the
references: each layer kind's features as transformers builds the model (on the meta device) for every model type of
`LLAMA_LAYOUT`, and `modelset.adapter_misfits` (the base built with torch) for an adapter of a narrower base."""

from __future__ import annotations

import json

import pytest
import torch
from transformers import AutoConfig, AutoModelForCausalLM

from ftlib import adapter_shapes as A
from ftlib import modelset as M
from ftlib.decoding import SamplingError

# A head_dim that is not hidden / heads (16 * 4 != 48) and fewer key-value heads: a formula that guessed either from
# the hidden size alone would pass a Llama of the usual shape and fail here.
SIZES = dict(hidden_size=48, intermediate_size=80, num_attention_heads=4, num_key_value_heads=2, head_dim=16)


@pytest.mark.parametrize("model_type", sorted(A.LLAMA_LAYOUT | A.FUSED_LAYOUT))
def test_each_layer_kinds_features_are_the_ones_transformers_builds(model_type):
    config = AutoConfig.for_model(model_type, num_hidden_layers=1, vocab_size=96, pad_token_id=0, **SIZES)
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    described = {**json.loads(config.to_json_string()), "model_type": model_type}
    ours = A.layout_features(described)
    built = {
        name.rsplit(".", 1)[-1]: (module.in_features, module.out_features)
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and name.rsplit(".", 1)[-1] in ours
    }
    assert built == ours, model_type


def test_the_files_find_what_the_meta_device_finds_and_nothing_on_the_right_base(
    adapter_template, varied_dir, tmp_path
):
    from ftlib.testing import make_tiny_model

    narrow = make_tiny_model(tmp_path / "narrow", hidden_size=32)
    assert A.config_misfits(varied_dir, adapter_template) == []
    ours = A.config_misfits(narrow, adapter_template)
    assert sorted(ours) == sorted(M.adapter_misfits(str(narrow), adapter_template)) and len(ours) == 16


def test_an_adapter_with_layers_the_base_lacks_is_named_and_another_layout_is_left_to_the_meta_device(
    adapter_template, tiny_model_dir, tmp_path
):
    """PEFT loads an adapter of a deeper base without a word (the extra layers dropped); the files tell it."""
    from ftlib.testing import make_random_adapter, make_tiny_model

    deeper = make_random_adapter(str(make_tiny_model(tmp_path / "deeper", layers=3)), tmp_path / "deeper-adapter")
    said = A.config_misfits(tiny_model_dir, deeper)
    assert len(said) == 4 * 2 and said[0].endswith(": layer 2 in the adapter, this base has 2 layers"), said
    assert M.adapter_misfits(str(tiny_model_dir), deeper) == []  # what the meta-device check cannot see
    with pytest.raises(SamplingError) as refused:  # as the pages load a comparison (Compare, Evaluate)
        M.check_fits(str(tiny_model_dir), {"deeper": deeper})
    assert "(8 of its weights are of layers this base does not have, e.g. model.layers.2." in str(refused.value)
    other = tmp_path / "gpt2"
    other.mkdir()
    (other / "config.json").write_text(json.dumps({"model_type": "gpt2", "n_embd": 32, "n_layer": 1}))
    assert A.config_misfits(other, adapter_template) == []


def test_merging_a_run_that_holds_another_bases_adapter_is_refused_in_words_not_a_traceback(
    adapter_template, tmp_path
):
    """The Train page's Export (`export_merged`): PEFT's RuntimeError of 32 "size mismatch" lines was a traceback."""
    from ftlib import export
    from ftlib.export_out import ExportError
    from ftlib.testing import make_run, make_tiny_model

    narrow = make_tiny_model(tmp_path / "narrow", hidden_size=32)
    run = make_run("r-misfit", {"model": str(narrow), "dataset": "chat_style"}, adapter=adapter_template)
    with pytest.raises(ExportError) as refused:
        export.export_merged(run)
    said = str(refused.value)
    assert said.startswith(f"Could not load the adapter 'r-misfit' from {run.adapter_dir}: it does not fit the base")
    assert "(16 of its weights have other shapes" in said and "export the adapter alone" in said
    assert not run.merged_dir.exists()
