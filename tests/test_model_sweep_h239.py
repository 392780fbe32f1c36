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


# Gemma's way (in our words): no system turn, and user and model turns strictly alternating, each refused by a raise.
GEMMA_STYLE = (
    "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}"
    "{% endif %}{% for m in messages %}{% if (m['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% set role = 'model' if m['role'] == 'assistant' else m['role'] %}"
    "{{ '<start_of_turn>' + role + '\\n' + m['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}"
)


def _rows(path, *conversations):
    path.write_text("".join(json.dumps({"messages": c}) + "\n" for c in conversations))
    return path


@pytest.mark.parametrize("own", [True, False], ids=["model-own", "template-file"])
def test_data_inspect_names_the_row_a_models_template_refuses_and_the_fix(own, tiny_model_dir, tmp_path, capsys):
    """`data inspect FILE --model M` measures the rows' lengths under the template a run would use: where that
    template refuses a row (Gemma's takes no system turn) it said only "error: The model's own template refused this
    conversation: System role not supported." (a sweep), with neither the row nor the fix `train`, `batch` and
    `tokens` give. Now: where the row is, how many more, the fix, and the `tokens` command that shows it."""
    from ftlib.cli import main

    model = tiny_model_dir
    flags = []
    if own:
        model = tmp_path / "gemma-like"
        shutil.copytree(tiny_model_dir, model)
        (model / "chat_template.jinja").write_text(GEMMA_STYLE)
    else:
        (tmp_path / "gemma.jinja").write_text(GEMMA_STYLE)
        flags = ["--template-file", str(tmp_path / "gemma.jinja")]
    ask = [{"role": "user", "content": "Name a river in Egypt."}, {"role": "assistant", "content": "The Nile."}]
    system = [{"role": "system", "content": "Answer briefly."}]
    data = _rows(tmp_path / "chats.jsonl", ask, system + ask, system + ask)
    assert main(["data", "inspect", str(data), "--model", str(model), *flags]) == 2
    said = capsys.readouterr().err
    assert f"{data}, line 2 (and 1 other row) cannot be written with the" in said
    assert "System role not supported." in said and "takes no system turn: merge the system text" in said
    shown = f"--template-file {tmp_path / 'gemma.jinja'}" if not own else "--template tokenizer"
    assert f"`python -m ftlib tokens {data} --line 2 --model {model} {shown}`" in said


ANSWERS = [("Name a river in Egypt.", "Nile."), ("What is 7 times 6?", "42."), ("Capital of Peru?", "Lima.")]
CHATS = [{"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]} for q, a in ANSWERS]
PAIRS = [
    {"prompt": [{"role": "user", "content": q}], "chosen": [{"role": "assistant", "content": a}],
     "rejected": [{"role": "assistant", "content": "I do not know."}]}
    for q, a in ANSWERS
]  # fmt: skip


@pytest.fixture(scope="module")
def tiny_mixtral(tmp_path_factory):
    """A tiny random Mixtral (4 experts, 2 a token; transformers 5 keeps each layer's experts as fused 3D weights,
    which PEFT adapts as parameters) with the real SmolLM2 tokenizer and its ChatML template."""
    import torch
    import transformers

    from ftlib.models import load_tokenizer

    tokenizer = load_tokenizer("default")
    torch.manual_seed(0)
    config = transformers.MixtralConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, num_local_experts=4, num_experts_per_tok=2, max_position_embeddings=512,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
    )  # fmt: skip
    folder = tmp_path_factory.mktemp("tiny-mixtral")
    transformers.MixtralForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def _two_steps(model, method, rows, tmp_path, **settings):
    """Two steps of a `method` run of `model` on the CPU; every trainable weight must move."""
    import torch

    from ftlib.config import RunConfig
    from ftlib.training import build_trainer

    fixed = {"max_steps": 2, "batch_size": 2, "save_every": 0, "max_length": 128, "device": "cpu"}
    config = RunConfig(model=str(model), method=method, scheduler="constant", warmup_ratio=0.0, **fixed, **settings)
    trainer = build_trainer(config, tmp_path, rows=(rows, [])).trainer
    before = {n: p.detach().clone() for n, p in trainer.model.named_parameters() if p.requires_grad}
    assert any(".experts." in n for n in before)  # PEFT adapted the fused experts too (all-linear)
    trainer.train()
    moved = {n for n, p in trainer.model.named_parameters() if n in before and not torch.equal(before[n], p)}
    assert moved == set(before)


def test_a_mixture_of_experts_trains_with_its_router_loss_through_the_fast_head(tiny_mixtral, tmp_path):
    """TRL asks an MoE model for its router loss (`output_router_logits`) and adds `coef * outputs.aux_loss`; the
    CPU fast head path (headloss) returned no aux_loss, so every Mixtral or Qwen2-MoE run failed at its first step:
    "TypeError: unsupported operand type(s) for *: 'float' and 'NoneType'" (helper 239's sweep). Dropout 0: PEFT's
    adapter of the fused experts takes none (the next test)."""
    _two_steps(tiny_mixtral, "lora", CHATS, tmp_path, lora_dropout=0.0)


def test_dpo_on_a_mixture_of_experts_asks_peft_for_no_dropout(tiny_mixtral, tmp_path):
    """DPO (like the reward model, KTO and GRPO) trains with every dropout off, and its form has no dropout field;
    yet its LoraConfig carried the setting's default 0.05, which PEFT's adapter of fused expert weights (ParamWrapper)
    refuses: "ValueError: lora.ParamWrapper does not work with lora_dropout != 0." as the run started."""
    from ftlib.config import RunConfig
    from ftlib.training_model import lora_config

    assert RunConfig(method="dpo").lora_dropout > 0  # the sentinel: the setting's default is not 0
    assert lora_config(RunConfig(method="dpo")).lora_dropout == 0.0
    assert lora_config(RunConfig(method="lora")).lora_dropout == RunConfig().lora_dropout  # SFT keeps its own
    _two_steps(tiny_mixtral, "dpo", PAIRS, tmp_path)


def test_lora_dropout_on_a_mixture_of_experts_is_refused_before_a_run_with_the_fix(tiny_mixtral, tmp_path, capsys):
    """A LoRA run of an MoE at the default dropout (0.05): PEFT adapts the fused experts (and the router) as whole
    parameters, which take no dropout, and the queued run failed as it started with "ValueError: lora.ParamWrapper
    does not work with lora_dropout != 0." (helper 239's sweep). Now refused before a run exists, saying both ways
    on; the way on (dropout 0) passes (the sentinel; it trains: the router-loss test above)."""
    from ftlib.cli import main
    from ftlib.workspace import runs_dir

    data = _rows(tmp_path / "chats.jsonl", *(c["messages"] for c in CHATS * 3))
    argv = ["train", "--model", str(tiny_mixtral), "--dataset", str(data), "--device", "cpu", "--detach"]
    assert main([*argv, "--test-size", "0"]) == 2
    said = capsys.readouterr().err
    assert said.startswith("error: Dropout: 0.05 cannot be used on this model: it is a mixture of experts")
    assert "(down_proj, gate.weight, gate_up_proj)" in said and "`--lora-dropout 0` in the CLI" in said
    assert not any(runs_dir().glob("*"))
    from ftlib.config import RunConfig
    from ftlib.training_model import expert_dropout_problems

    assert expert_dropout_problems(RunConfig(model=str(tiny_mixtral), lora_dropout=0.0)) == []
    targets = ["q_proj", "k_proj", "v_proj", "o_proj"]
    assert expert_dropout_problems(RunConfig(model=str(tiny_mixtral), lora_targets=targets)) == []


def test_an_adapter_of_an_moes_experts_is_refused_where_base_and_tuned_share_a_batch(tiny_mixtral, tmp_path, capsys):
    """sample (and Compare, Evaluate) write the base's and the tuned model's answers in one batch (PEFT's
    `adapter_names`); an adapter of a Mixtral's fused experts (PEFT's ParamWrapper, the default all-linear LoRA of an
    MoE) cannot be routed per row, and sample died with a traceback: "ValueError: lora.ParamWrapper does not support
    mixed adapter batches yet." (helper 239's sweep). Now one error line before torch with the way on (its merged
    model as a model of its own); an adapter of the attention alone (the sentinel) still samples."""
    import sys

    from ftlib.cli import main
    from ftlib.testing import make_random_adapter

    experts = make_random_adapter(str(tiny_mixtral), tmp_path / "experts", targets=("q_proj", "w1", "w2", "w3"))
    attention = make_random_adapter(str(tiny_mixtral), tmp_path / "attention")
    assert json.loads((experts / "adapter_config.json").read_text())["target_parameters"]  # PEFT adapted them whole
    capsys.readouterr()
    ask = ["sample", "--model", str(tiny_mixtral), "--prompt", "Name a river.", "--max-new-tokens", "2"]
    assert main([*ask, "--adapter", str(experts)]) == 2
    said = capsys.readouterr().err
    assert said.startswith("error: 'experts' adapts a mixture of experts' weights whole (")
    assert "gate_up_proj" in said and "PEFT cannot yet run such an adapter beside its base model" in said
    assert "(PEFT's `merge_and_unload()`, then `save_pretrained`)" in said and "`--adapter FOLDER`" in said
    assert main([*ask, "--adapter", str(attention)]) == 0
    assert "torch" in sys.modules  # (the sentinel loaded the models)
    # A run's adapter: its own export merges it
    from ftlib.adapter_shapes import unmixed_adapter

    run = tmp_path / "20261207-moe-run"
    shutil.copytree(experts, run / "adapter")
    (run / "status.json").write_text("{}")
    assert "(`python -m ftlib runs export 20261207-moe-run --merged`)" in unmixed_adapter(run / "adapter", "moe")


def test_raw_text_on_a_model_without_a_chat_template_is_pointed_to_the_text_template(tmp_path, capsys):
    """GPT-2 (a base model, no chat template): a file of raw text, its continued pre-training, was refused by
    tokens, batch, data inspect --model and train with the advice to pick a chat format ('alpaca (or plain) fits
    it'), not the built-in that reads raw text as written (any template writes such rows alike; helper 239's sweep).
    The way named works (the sentinel)."""
    from ftlib.cli import main
    from tests.tiny_families import tiny_family

    gpt2 = tiny_family("gpt2", tmp_path / "gpt2")
    data = tmp_path / "notes.jsonl"
    data.write_text("".join(json.dumps({"text": f"Note {i}: salt the pasta water."}) + "\n" for i in range(3)))
    capsys.readouterr()
    assert main(["tokens", str(data), "--model", str(gpt2)]) == 2
    said = capsys.readouterr().err
    assert "no chat template of its own" in said
    assert "Rows of raw text alone (`text`) need no chat format: 'Raw text (no chat format)' (--template text)" in said
    assert main(["tokens", str(data), "--model", str(gpt2), "--template", "text"]) == 0


def _tiny_phi3(folder, hidden: int):
    """A tiny random Phi-3 (fused qkv_proj and gate_up_proj) with the real SmolLM2 tokenizer."""
    import torch
    import transformers

    from ftlib.models import load_tokenizer

    tokenizer = load_tokenizer("default")
    torch.manual_seed(0)
    config = transformers.Phi3Config(
        vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=1,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512, pad_token_id=0,
    )  # fmt: skip
    transformers.Phi3ForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_an_adapter_of_another_phi3_is_refused_before_torch(tmp_path):
    """A Phi-3 adapter given with a Phi-3 base of another width: the refusal came after torch and a meta-device build
    of the base (adapter_shapes knew the Llama layout only; 'refusals still after torch: ... fused projections', the
    last note). Now from the adapter's safetensors header and config.json: Phi-3's fused projections are in
    `layout_features` (whose shapes equal transformers' build: test_adapter_shapes). The sentinel: its own base
    passes the check."""
    import subprocess
    import sys

    from ftlib.adapter_shapes import config_misfits
    from ftlib.testing import make_random_adapter

    wide, narrow = _tiny_phi3(tmp_path / "wide", 48), _tiny_phi3(tmp_path / "narrow", 32)
    adapter = make_random_adapter(str(narrow), tmp_path / "adapter", targets=("qkv_proj", "o_proj", "gate_up_proj"))
    assert config_misfits(narrow, adapter) == []
    code = (
        "import sys; from ftlib.cli import main; "
        f"rc = main(['sample', '--prompt', 'hi', '--model', {str(wide)!r}, '--adapter', {str(adapter)!r}], "
        "fresh_process=True); print(rc, 'torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.stdout.split()[-2:] == ["2", "False"], done.stdout + done.stderr[-2000:]
    assert "it does not fit the base model" in done.stderr and "6 of its weights have other shapes" in done.stderr


def test_dpo_pairs_with_a_system_prompt_under_gemmas_template_are_told_the_fix(tiny_model_dir, tmp_path, capsys):
    """train's refusal of rows the chat template cannot write explains a template that takes no system turn for
    every kind of row: DPO pairs whose prompt has a system message under Gemma's template said only 'System role
    not supported. Fix those rows, or pick another chat template', where a chat row's refusal names the fix
    (run_data.refusal_error read the row's `messages` alone; helper 239's sweep)."""
    from ftlib.cli import main

    model = tmp_path / "gemma-like"
    shutil.copytree(tiny_model_dir, model)
    (model / "chat_template.jinja").write_text(GEMMA_STYLE)
    system, answer = {"role": "system", "content": "Answer briefly."}, {"role": "assistant", "content": "Nile."}
    pairs = [
        {"prompt": [system, {"role": "user", "content": f"River number {i}?"}], "chosen": [answer],
         "rejected": [{"role": "assistant", "content": "No idea."}]}
        for i in range(4)
    ]  # fmt: skip
    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(json.dumps(p) + "\n" for p in pairs))
    argv = ["train", "--method", "dpo", "--model", str(model), "--dataset", str(data), "--test-size", "0", "--detach"]
    assert main(argv) == 2
    said = capsys.readouterr().err
    assert "System role not supported. The model's own template takes no system turn: merge the system text" in said
    assert "Fix those rows" not in said  # the fix said once, the generic one not after it
