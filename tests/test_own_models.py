"""A model folder a user brings instead of the default: the families that train here train (GPT-2, whose LoRA layers
are Conv1D), and those that cannot (an encoder-decoder such as T5, an encoder such as BERT) are refused where the
model is chosen and before a run starts, saying what the model is and what to pick instead."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from ftlib import models
from ftlib import modelset as M
from ftlib.config import RunConfig
from ftlib.models import ModelError
from tests.tiny_families import tiny_family

ROWS = [
    {
        "messages": [
            {"role": "user", "content": f"Why do you salt pasta water, {i}?"},
            {"role": "assistant", "content": f"Ahoy! The salt seasons the pasta {i}. Fair winds, matey!"},
        ]
    }
    for i in range(6)
]


@pytest.fixture(scope="module")
def family(tmp_path_factory):
    made: dict = {}

    def get(name: str):
        if name not in made:
            made[name] = tiny_family(name, tmp_path_factory.mktemp(name))
        return made[name]

    return get


def two_lora_steps(model_dir, **settings) -> RunConfig:
    """A LoRA run of 2 steps at a constant learning rate (no warmup step at 0) on the CPU, saving nothing."""
    fixed = {"max_steps": 2, "batch_size": 2, "save_every": 0, "max_length": 512, "device": "cpu"}
    return RunConfig(model=str(model_dir), method="lora", scheduler="constant", warmup_ratio=0.0, **fixed, **settings)


def test_a_gpt2_lora_run_trains_its_conv1d_layers_on_the_cpu(family, tmp_path):
    """GPT-2's attention and MLP are Conv1D layers (weights stored [in, out]); the CPU fast path's fused LoRA layer
    read them as nn.Linear's [out, in] and the run failed at its first step: "mat1 and mat2 shapes cannot be
    multiplied (463x32 and 96x32)"."""
    from ftlib.training import build_trainer

    config = two_lora_steps(family("gpt2"), template="alpaca")  # GPT-2 has no chat template of its own
    prepared = build_trainer(config, tmp_path, rows=(ROWS, []))
    model = prepared.trainer.model
    adapted = {n for n, m in model.named_modules() if hasattr(m, "lora_A")}
    assert {n.rsplit(".", 1)[-1] for n in adapted} == {"c_attn", "c_proj", "c_fc"}  # all-linear found the Conv1D
    before = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
    prepared.trainer.train()
    changed = {n for n, p in model.named_parameters() if n in before and not torch.equal(before[n], p)}
    assert changed == set(before)  # every adapter weight moved


def test_the_fused_lora_layer_leaves_conv1d_layers_to_peft_and_fuses_linear_ones(family, tiny_model_dir):
    """fastpath.fuse_lora itself, whoever calls it: a LoRA layer over a Conv1D (fan_in_fan_out) keeps PEFT's forward;
    one over an nn.Linear (Llama's) is fused. The fused model computes what PEFT's does."""
    from peft import LoraConfig, get_peft_model

    from ftlib import fastpath

    for folder, fused in ((family("gpt2"), 0), (tiny_model_dir, 14)):  # a Llama: 2 layers x q/k/v/o/gate/up/down
        model = models.load_model(str(folder), device="cpu")
        lora = get_peft_model(model, LoraConfig(r=4, target_modules="all-linear", init_lora_weights=False))
        ids = torch.tensor([[1, 5, 9, 12, 7]])
        expected = lora(input_ids=ids).logits
        assert fastpath.fuse_lora(lora, "cpu") == fused, folder
        torch.testing.assert_close(lora(input_ids=ids).logits, expected)


# Where a model is used to write text (id, the use): each must refuse an encoder-decoder and an encoder.
WRITES_TEXT = [
    pytest.param(lambda d: models.check_model(str(d), method="lora"), id="train-lora"),
    pytest.param(lambda d: models.check_model(str(d), method="dpo"), id="train-dpo"),
    pytest.param(lambda d: models.load_model(str(d), device="cpu"), id="load-causal"),
    pytest.param(lambda d: M.load_model_set(str(d), [], device="cpu"), id="sample-compare-evaluate-base"),
]


ANY_USE = [
    *WRITES_TEXT,
    pytest.param(lambda d: models.check_model(str(d)), id="sidebar"),
    pytest.param(lambda d: models.check_model(str(d), method="reward"), id="train-reward"),
]


@pytest.mark.parametrize("use", ANY_USE)
def test_an_encoder_decoder_is_refused_everywhere_saying_what_it_is(family, use):
    """T5 passed the sidebar and `train`'s checks, then the run failed as it started with transformers' list of 200
    configuration classes (a reward run midway: "Each example must contain at least one <eos> token")."""
    folder = family("t5")
    with pytest.raises(ModelError) as refused:
        use(folder)
    said = str(refused.value)
    assert f"'{folder}' is an encoder-decoder model (T5ForConditionalGeneration)" in said
    assert "decoder-only" in said and "Seq2SeqTrainer" in said and "Unrecognized" not in said


@pytest.mark.parametrize("use", WRITES_TEXT)
def test_an_encoder_is_refused_where_text_is_written(family, use):
    """BERT loaded as a causal LM (BertLMHeadModel) with attention still both ways: a LoRA run finished with a falling
    loss, each position having read the token it was to predict, and sampling wrote noise."""
    folder = family("bert")
    with pytest.raises(ModelError) as refused:
        use(folder)
    said = str(refused.value)
    assert f"'{folder}' is an encoder (BertForMaskedLM)" in said
    assert "both directions" in said and "decoder-only" in said and "--method reward" in said


def test_an_encoder_still_passes_as_a_reward_models_base_and_a_bert_decoder_writes_text(family, tmp_path):
    """The sentinel: the refusal is about attention both ways, not about BERT. A BERT saved with `is_decoder: true`
    (a causal BertLMHeadModel, as bert-generation's decoders are) passes, and so does an encoder for a reward model."""
    folder = family("bert")
    assert models.check_model(str(folder)) == folder  # the sidebar: Train may pick a reward model
    assert models.check_model(str(folder), method="reward") == folder
    decoder = shutil.copytree(folder, tmp_path / "bert-decoder")
    described = json.loads((decoder / "config.json").read_text())
    (decoder / "config.json").write_text(json.dumps({**described, "is_decoder": True}))
    assert models.check_model(str(decoder), method="lora") == decoder
    assert type(models.load_model(str(decoder), device="cpu")).__name__ == "BertLMHeadModel"


def test_train_refuses_an_encoder_decoder_and_an_encoder_before_a_run_exists(family, capsys):
    from ftlib import workspace
    from ftlib.cli import main

    for name in ("t5", "bert"):
        args = ["train", "--model", str(family(name)), "--dataset", "chat_style", "--max-steps", "1"]
        assert main([*args, "--template", "chatml"]) == 2
        (line,) = [x for x in capsys.readouterr().err.splitlines() if x.startswith("error: ")]
        assert "is an encoder" in line
    assert not list(workspace.runs_dir().glob("*"))  # nothing queued


def test_a_model_without_a_template_is_offered_the_built_in_its_tokenizer_fits(family, smol_tokenizer):
    """A base model's tokenizer often has no chat template: the refusal listed every built-in, chatml first, which a
    GPT-2 tokenizer reads as pieces of ordinary text. It names the one that fits, and how to pick it."""
    import copy

    from ftlib.models import load_tokenizer
    from ftlib.templates import TemplateError, get_template

    with pytest.raises(TemplateError) as refused:
        get_template("tokenizer", load_tokenizer(str(family("gpt2"))))
    said = str(refused.value)
    assert "no chat template of its own" in said and "`--template NAME`" in said
    assert "alpaca (or plain) fits it" in said and "chatml fits" not in said
    base = copy.copy(smol_tokenizer)  # SmolLM2's tokenizer knows ChatML's tokens: as a base model's, with no template
    base.chat_template = None
    with pytest.raises(TemplateError, match=r"chatml fits its tokenizer, which knows its control tokens \(<\|im"):
        get_template("tokenizer", base)


@pytest.mark.parametrize("where", ["home", "model_dirs"])
def test_a_model_folder_typed_by_its_name_is_pointed_to(family, tmp_path, monkeypatch, where):
    """A model copied into $FTLIB_HOME/models (a folder the browser may read) or a folder of FTLIB_MODEL_DIRS, typed by
    its folder's name, read as a hub id: "not in the local Hugging Face cache and hub downloads are off. Use ... a
    local model directory", with no word that one of that name is right there."""
    root = tmp_path / "home" / "models" if where == "home" else tmp_path / "shared-models"
    monkeypatch.setenv("FTLIB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FTLIB_MODEL_DIRS", str(tmp_path / "elsewhere") + ":" + str(tmp_path / "shared-models"))
    monkeypatch.delenv("FTLIB_ALLOW_HUB", raising=False)
    copied = shutil.copytree(family("gpt2"), root / "my-gpt2")
    with pytest.raises(ModelError) as refused:
        models.check_model("my-gpt2")
    assert f"A model folder of that name is at {copied}: give that path as the model." in str(refused.value)
    assert models.check_model(str(copied)) == copied  # as the refusal says
    with pytest.raises(ModelError) as refused:
        models.check_model("my-other-model")
    assert "A model folder of that name" not in str(refused.value)


def test_a_runs_base_moved_after_training_is_said_to_be_looked_for_where_it_was(family, tmp_path):
    """A user's model folder moved or renamed after a run trained on it: sampling or evaluating the run said only
    "The model directory '...' does not exist", with no word that the run looks for its base at that path."""
    from ftlib.testing import make_run

    base = shutil.copytree(family("gpt2"), tmp_path / "my-gpt2")
    run = make_run("r1", {"model": str(base), "template": "alpaca"})
    base.rename(tmp_path / "renamed")
    with pytest.raises(ModelError) as refused:
        M.load_model_set(str(base), [run.path], device="cpu")
    said = str(refused.value)
    assert f"'{base}' does not exist" in said and "moved or renamed" in said
    assert f"`ln -s NEW_FOLDER {base}`" in said


def test_a_model_path_typed_wrong_names_the_models_there_are(family, tmp_path, monkeypatch):
    """A newcomer's typo read only as a model moved after training ("the runs trained on it still look for it
    there"), with no word of the models the server has."""
    home, shared = tmp_path / "home", tmp_path / "shared-models"
    monkeypatch.setenv("FTLIB_HOME", str(home))
    monkeypatch.setenv("FTLIB_MODEL_DIRS", f"{tmp_path / 'unreadable-or-missing'}:{shared}")
    mine = shutil.copytree(family("gpt2"), shared / "my-gpt2")
    (shared / "notes").mkdir()  # no config.json: not a model
    with pytest.raises(ModelError) as refused:
        models.check_model(str(tmp_path / "my-gtp2"))
    assert f"check it for a typo (models here: default, {mine})" in str(refused.value)


def test_a_sentencepiece_only_tokenizer_without_its_library_is_refused_naming_it(family, tmp_path, monkeypatch):
    """A Llama-2-style folder whose tokenizer is only tokenizer.model (no tokenizer.json) passed the sidebar; every
    page then failed with "`tiktoken` is required to read a `tiktoken` file" (transformers' fallback reader), naming
    a library the folder does not need. The one it needs is `sentencepiece`, which the studio does not install."""
    from ftlib import model_files

    folder = shutil.copytree(family("gpt2"), tmp_path / "spm", ignore=shutil.ignore_patterns("tokenizer.json"))
    (folder / "tokenizer.model").write_bytes(b"\n\x0b\n\x05<unk>\x15\x00\x00\x00\x00\x18\x02")  # a ModelProto's start
    monkeypatch.setattr(model_files, "_installed", lambda module: module != "sentencepiece")
    for use in (models.check_model, models.load_tokenizer):
        with pytest.raises(ModelError) as refused:
            use(str(folder))
        said = str(refused.value)
        assert "only as a SentencePiece model (tokenizer.model, no tokenizer.json)" in said
        assert "`pip install sentencepiece`" in said and "copy tokenizer.json" in said and "tiktoken" not in said
    monkeypatch.setattr(model_files, "_installed", lambda module: True)  # with the library, the folder is chosen
    assert models.check_model(str(folder)) == folder


def test_weights_without_their_config_say_to_copy_the_config_in(family, tmp_path):
    """The weights and tokenizer downloaded without config.json: "is a directory but not a model ... Point to a folder
    saved with `save_pretrained`" sent the user looking for another folder instead of the one file it lacks."""
    folder = shutil.copytree(family("gpt2"), tmp_path / "weights", ignore=shutil.ignore_patterns("config.json"))
    with pytest.raises(ModelError) as refused:
        models.check_model(str(folder))
    said = str(refused.value)
    assert f"'{folder}' holds weights (model.safetensors) but no config.json" in said
    assert "Copy config.json (and generation_config.json) from the model's repository" in said
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelError, match="is a directory but not a model: it has no config.json"):
        models.check_model(str(empty))


def test_a_tokenizer_with_ids_past_the_models_embeddings_is_refused_before_a_run(family, tmp_path):
    """Another model's tokenizer in the folder (or tokens added without resizing): the run started, then failed at its
    first batch with "IndexError: index out of range in self"; sampling too. The same tokenizer beside a model with
    room for every id (the family's own folder, the sentinel) passes."""
    import transformers

    own = family("gpt2")
    folder = tmp_path / "small-vocab"
    config = transformers.AutoConfig.from_pretrained(own)
    config.vocab_size = 200  # the tokenizer's ids run past 300
    transformers.AutoModelForCausalLM.from_config(config).save_pretrained(folder)
    shutil.copy(own / "tokenizer.json", folder)
    shutil.copy(own / "tokenizer_config.json", folder)
    for use in (lambda d: models.check_model(str(d)), lambda d: models.check_model(str(d), method="lora")):
        with pytest.raises(ModelError) as refused:
            use(folder)
        said = str(refused.value)
        assert "its tokenizer has token ids up to 3" in said and "has embeddings for 200 tokens" in said
        assert "resize_token_embeddings" in said and "this model's own repository" in said
    assert models.check_model(str(own), method="lora") == own


@pytest.mark.parametrize(
    "quantized, library",
    [
        ({"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": False, "sym": True}, "optimum"),
        ({"quant_method": "awq", "bits": 4, "group_size": 128, "version": "gemm", "zero_point": True}, "gptqmodel"),
    ],
    ids=["gptq", "awq"],
)
def test_weights_saved_quantized_without_their_library_are_refused_where_chosen(family, tmp_path, quantized, library):
    """A GPTQ or AWQ download passed the sidebar and `train`; the queued run then failed as it loaded ("Loading a GPTQ
    quantized model requires optimum"). Refused where it is chosen, naming the library and the unquantized way."""
    import importlib.util

    if importlib.util.find_spec(library) is not None:
        pytest.skip(f"{library} is installed here: the folder loads")
    folder = shutil.copytree(family("gpt2"), tmp_path / quantized["quant_method"])
    described = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**described, "quantization_config": quantized}))
    with pytest.raises(ModelError) as refused:
        models.check_model(str(folder))
    said = str(refused.value)
    assert f"holds weights saved quantized ({quantized['quant_method']}" in said and library in said
    assert "unquantized repository" in said


@pytest.mark.parametrize("targets", [["all-linear"], ["q_proj", "v_proj"]], ids=["all-linear", "named"])
def test_a_multimodal_checkpoints_image_tower_gets_no_adapter(family, tmp_path, targets):
    """Gemma 3 4B and up load as Gemma3ForConditionalGeneration with a SigLIP tower: `all-linear` (and q_proj, a name
    its layers share) put adapters on the tower, which text rows never run: they trained nothing and weighed down
    every adapter saved. The text layers get theirs, and train."""
    from ftlib.training import build_trainer

    config = two_lora_steps(
        family("gemma3-vision"), template="gemma", lora_targets=targets
    )  # B starts at 0: A moves from the second step
    prepared = build_trainer(config, tmp_path, rows=(ROWS, []))
    model = prepared.trainer.model
    adapted = [n for n, m in model.named_modules() if hasattr(m, "lora_A")]
    assert adapted and not [n for n in adapted if "vision_tower" in n or "multi_modal_projector" in n]
    assert any(".language_model.layers.0.self_attn.q_proj" in n for n in adapted)
    before = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
    prepared.trainer.train()
    assert all(not torch.equal(before[n], p) for n, p in model.named_parameters() if n in before)


def test_a_model_type_this_transformers_does_not_know_is_refused_before_a_run(family, tmp_path):
    """A model newer than the installed transformers: the run was queued, then failed as it loaded ("The checkpoint
    you are trying to load has model type `qwen9` but Transformers does not recognize this architecture")."""
    folder = shutil.copytree(family("gpt2"), tmp_path / "newer")
    described = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**described, "model_type": "qwen9", "architectures": ["Q9"]}))
    with pytest.raises(ModelError) as refused:
        models.check_model(str(folder), method="lora")
    said = str(refused.value)
    assert "is a model of type 'qwen9' (Q9), which transformers" in said and "does not know" in said
    assert "`pip install -U transformers`" in said
