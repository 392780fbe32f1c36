"""Exports that are the studio's model (a cold tester's defects): plain `generate` on an export stops where the
studio's sampling stops when the template's end of turn is not the model's eos (a Qwen2.5 base: eos `<|endoftext|>`,
turns ended by `<|im_end|>`); the studio stops at a template's end of turn that the tokenizer also names its unknown
token (SmolLM2's `<|endoftext|>`); a QLoRA run's merged export is the model the studio samples (its 4-bit base given
back in full precision, the adapter merged into that), not the adapter merged into the unquantized base.

Each model here is rigged (`_rig`): the LM head's row of a chosen token is made three times the row of the token
greedy decoding writes at step 3, so the model writes that token there: a stop the test can see.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ftlib import downloads, export
from ftlib.testing import make_random_adapter, make_run, make_tiny_model

PROMPT = "Tell me about the sea."
IM_END, ENDOFTEXT = 2, 0  # SmolLM2's ids of `<|im_end|>` and `<|endoftext|>` (its unknown token)
# A template of its own whose replies end with `<|endoftext|>` (the tester's custom_eot0.jinja).
EOT0_TEMPLATE = (
    "{%- for m in messages %}{%- if m['role'] == 'assistant' %}### Bot:\n{% generation %}{{ m['content'] }}"
    "<|endoftext|>{% endgeneration %}\n{% else %}### {{ m['role'] | capitalize }}:\n{{ m['content'] }}\n{% endif %}"
    "{%- endfor %}{%- if add_generation_prompt %}### Bot:\n{% endif %}"
)


def _rig(folder: Path, token: int, template: str = "tokenizer", source: str | None = None, eos: int | None = None):
    """Make the model in `folder` write `token` where its greedy answer to PROMPT (in `template`) wrote its 4th
    token; spread weights first (a fresh tiny Llama repeats one token), the head untied from the embeddings.
    `eos`: make that the tokenizer's and the model's eos (and its generation config's only one)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    from ftlib import sampling as S
    from ftlib.templates import get_template

    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    if eos is not None:
        tokenizer.eos_token = tokenizer.convert_ids_to_tokens(eos)
    model = AutoModelForCausalLM.from_pretrained(str(folder), tie_word_embeddings=False)
    generator = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() == 2:
                p.normal_(0, 0.3, generator=generator)
    model.config.tie_word_embeddings = False
    if eos is not None:
        model.config.eos_token_id = eos
        model.generation_config = GenerationConfig(bos_token_id=1, eos_token_id=eos, pad_token_id=IM_END)
    _, ids = S.render_prompt(tokenizer, PROMPT, template=get_template(template, tokenizer, source))
    first = S.generate(model, tokenizer, [S.GenRow(tuple(ids))], 6, stop_ids=set())[0].ids
    with torch.no_grad():
        model.lm_head.weight[token] = 3 * model.lm_head.weight[first[3]]
    model.save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return folder


def _studio(model_spec: str, run, max_new_tokens: int = 12):
    """What `python -m ftlib sample --adapter RUN` writes for the run's tuned model, greedy: (ids, finish reason)."""
    from ftlib import modelset as M
    from ftlib import sampling as S

    models = M.load_model_set(model_spec, [run.path], device="cpu")
    prompts = M.render_prompts(models, PROMPT)
    tuned = models.tuned[0]
    rows = [S.GenRow(tuple(prompts[tuned].ids), adapter=tuned)]
    (result,) = M.generate_with_set(models, rows, max_new_tokens=max_new_tokens)
    return result.ids, result.finish_reason, prompts[tuned].ids


def _plain_generate(folder: Path, prompt_ids, max_new_tokens: int = 12) -> list[int]:
    """Greedy `generate` on an exported model folder, as a user runs it: its own generation config."""
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(folder)).eval()
    out = model.generate(torch.tensor([prompt_ids]), do_sample=False, max_new_tokens=max_new_tokens)
    return out[0, len(prompt_ids) :].tolist()


@pytest.fixture(scope="module")
def qwen_like(tmp_path_factory) -> Path:
    """A tiny model whose eos (`<|endoftext|>`, 0) is not its ChatML template's end of turn (`<|im_end|>`, 2), that
    writes `<|im_end|>` as its 4th token: a Qwen2.5 base in miniature."""
    return _rig(make_tiny_model(tmp_path_factory.mktemp("qwen-like")), IM_END, eos=ENDOFTEXT)


def test_a_merged_export_stops_at_the_templates_end_of_turn_where_the_studio_stops(qwen_like, tmp_path):
    """The tester's q-lora: `sample` stopped at `<|im_end|>`, the merged export ran `generate` through [2, 2, 2, ...]
    to the length limit, its generation_config.json saying eos_token_id 0. The adapter's folder carries the ids too
    (for `GenerationConfig.from_pretrained(folder)`: PEFT keeps the base's), and `runs export` names them."""
    from transformers import AutoTokenizer, GenerationConfig

    adapter = make_random_adapter(str(qwen_like), tmp_path / "made" / "adapter", b_std=0.001)
    AutoTokenizer.from_pretrained(str(qwen_like)).save_pretrained(str(adapter))  # as a run saves it
    run = make_run("r-qwen", {"dataset": "d", "model": str(qwen_like)}, adapter=adapter, root=tmp_path / "runs")
    studio, finish, prompt_ids = _studio(str(qwen_like), run)
    assert (finish, studio[-1]) == ("stop", IM_END) and len(studio) < 12  # the rigged stop, before the limit

    merged = export.export_merged(run)
    assert GenerationConfig.from_pretrained(str(merged)).eos_token_id == [ENDOFTEXT, IM_END]  # the base's own first
    assert _plain_generate(merged, prompt_ids) == studio
    assert GenerationConfig.from_pretrained(str(export.export_adapter(run))).eos_token_id == [ENDOFTEXT, IM_END]
    (note,) = downloads.loading_notes(run, run.adapter_dir)
    assert "stops at eos [0], not at the end of turn this run trained ([2]): pass `eos_token_id=[0, 2]`" in note


def test_a_full_fine_tunes_model_stops_where_the_studio_stops(qwen_like, tmp_path):
    """A full fine-tune's `model/` is what a user loads: the same stop as `sample`, whether training wrote the ids
    (`save_final`, through `ftlib.stops.write_eos`) or the export adds them to a run trained before."""
    from transformers import GenerationConfig

    run = make_run("r-full", {"dataset": "d", "model": str(qwen_like), "method": "full"}, model=qwen_like,
                   root=tmp_path / "runs")  # fmt: skip
    studio, finish, prompt_ids = _studio(str(qwen_like), run)
    assert finish == "stop" and studio[-1] == IM_END
    folder = export.export_model(run)
    assert GenerationConfig.from_pretrained(str(folder)).eos_token_id == [ENDOFTEXT, IM_END]
    assert _plain_generate(folder, prompt_ids) == studio


@pytest.fixture(scope="module")
def eot0_model(tmp_path_factory) -> Path:
    """A tiny model with SmolLM2's tokenizer (eos `<|im_end|>`, unknown token `<|endoftext|>`) that writes
    `<|endoftext|>` as its 4th token after a prompt in EOT0_TEMPLATE."""
    return _rig(make_tiny_model(tmp_path_factory.mktemp("eot0")), ENDOFTEXT, "custom", EOT0_TEMPLATE)


def test_the_studio_stops_at_a_templates_end_of_turn_that_is_the_unknown_token(eot0_model, tmp_path):
    """The tester's e-full: `tokens` labelled `<|endoftext|>` the trained end of turn, but `sample` wrote past it to
    the length limit (`stop_token_ids` left out the tokenizer's unknown token). The template's own marker stops a
    reply; the full model's export stops there too."""
    config = {"dataset": "d", "model": str(eot0_model), "method": "full", "template": "custom",
              "template_source": EOT0_TEMPLATE}  # fmt: skip
    run = make_run("r-eot0", config, model=eot0_model, root=tmp_path / "runs")
    studio, finish, prompt_ids = _studio(str(eot0_model), run)
    assert (finish, studio[-1]) == ("stop", ENDOFTEXT) and len(studio) == 4
    assert _plain_generate(export.export_model(run), prompt_ids) == studio


def test_a_template_marker_that_is_no_token_of_its_own_stops_nothing(smol_tokenizer):
    """The marker stops a reply only where the tokenizer holds it whole: llama3's `<|eot_id|>` is split by SmolLM2's
    tokenizer, and a plain-text piece must never cut replies short."""
    from ftlib.sampling import stop_token_ids
    from ftlib.templates import get_template

    plain = stop_token_ids(smol_tokenizer)
    assert ENDOFTEXT not in plain  # the unknown token, among the known end-of-turn names, is still left out alone
    assert stop_token_ids(smol_tokenizer, None, [get_template("llama3", smol_tokenizer)]) == plain
    assert stop_token_ids(smol_tokenizer, None, [get_template("custom", smol_tokenizer, EOT0_TEMPLATE)]) == {
        *plain,
        ENDOFTEXT,
    }


# ---------------------------------------------------------------------------------------------------------------
# A QLoRA run's merged export is the studio's model
# ---------------------------------------------------------------------------------------------------------------


def test_a_qlora_runs_merged_export_is_the_model_the_studio_samples(varied_model, tmp_path):
    """The tester's s-qlora: the merged export merged the adapter into the full-precision base, another model than
    the 4-bit base + adapter the studio samples (its first greedy token differed). Now its greedy tokens are the
    studio's and those of the 4-bit base with the adapter, as a user loads them with the settings the caption gives.
    The sentinel: the adapter merged into the unquantized base writes other tokens, so the check can fail."""
    from peft import PeftModel
    from transformers import AutoTokenizer

    from ftlib import sampling as S
    from ftlib.models import load_model
    from ftlib.run_base import load_run_base

    base = varied_model(5)
    adapter = make_random_adapter(str(base), tmp_path / "made" / "adapter", b_std=0.3)
    AutoTokenizer.from_pretrained(str(base)).save_pretrained(str(adapter))  # as a run saves it
    config = {"dataset": "d", "model": str(base), "method": "qlora"}
    run = make_run("r-qlora", config, adapter=adapter, root=tmp_path / "runs")
    studio, _, prompt_ids = _studio(str(base), run)

    merged = export.export_merged(run)
    assert _plain_generate(merged, prompt_ids, 12) == studio
    four_bit = PeftModel.from_pretrained(load_run_base(str(base), run.read_config(), device="cpu"), str(adapter))
    tok = AutoTokenizer.from_pretrained(str(merged))
    on_4bit = S.generate(four_bit.eval(), tok, [S.GenRow(tuple(prompt_ids), adapter="default")], 12)[0].ids
    assert on_4bit == studio
    unquantized = PeftModel.from_pretrained(load_model(str(base), device="cpu"), str(adapter)).merge_and_unload()
    assert S.generate(unquantized.eval(), tok, [S.GenRow(tuple(prompt_ids))], 12)[0].ids[:3] != studio[:3]


def test_a_qlora_adapters_caption_and_the_cli_say_how_to_load_the_studios_model(tmp_path):
    """The adapter download's caption (and `runs export`) give the BitsAndBytesConfig of the run's 4-bit base; a
    LoRA run's say nothing of it."""
    adapter = tmp_path / "made" / "adapter"
    adapter.mkdir(parents=True)
    (adapter / "adapter_config.json").write_text("{}")
    qlora = make_run("r-q", {"dataset": "d", "method": "qlora", "quant_type": "fp4", "double_quant": False},
                     adapter=adapter, root=tmp_path / "runs")  # fmt: skip
    lora = make_run("r-l", {"dataset": "d"}, adapter=adapter, root=tmp_path / "runs")
    loading = (
        "BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type='fp4', bnb_4bit_use_double_quant=False, "
        "bnb_4bit_compute_dtype=torch.float32)"
    )
    caption = {d.kind: d.caption for d in downloads.downloads(qlora)}
    assert f"load the base with `quantization_config={loading}` (on a GPU with bfloat16" in caption["adapter"]
    assert "the studio's model" in caption["merged"]
    assert all("4-bit" not in d.caption for d in downloads.downloads(lora))
    note, default_base = downloads.loading_notes(qlora, qlora.adapter_dir)
    assert note.startswith(
        f"the adapter trained on its base in 4-bit: load the base with `quantization_config={loading}`"
    )
    # The default model's adapters name the hub id, whose weights are not exactly the studio's dequantized GGUF.
    assert default_base.startswith("It names its base HuggingFaceTB/SmolLM2-135M-Instruct")
    (lora_base,) = downloads.loading_notes(lora, lora.adapter_dir)
    assert lora_base.split(" Exactly, offline")[0] == default_base.split(" Exactly, offline")[0]
    # A cold review: offline, PEFT's one-line load went to the hub for that id; the exact local call is given.
    from ftlib.models import default_model_dir

    exact = f"PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained({str(default_model_dir())!r}), "
    assert lora_base.endswith(f"Exactly, offline: `{exact}{str(lora.adapter_dir)!r})`.")
    # A reward model's adapter sits on a score head: the causal LM call loaded another model without a word.
    reward = make_run("r-r", {"dataset": "d", "method": "reward"}, adapter=adapter, root=tmp_path / "r3")
    (reward_base,) = downloads.loading_notes(reward, reward.adapter_dir)
    scorer = f"AutoModelForSequenceClassification.from_pretrained({str(default_model_dir())!r}, num_labels=1)"
    assert reward_base.endswith(f"`PeftModel.from_pretrained({scorer}, {str(reward.adapter_dir)!r})`.")
    own = make_run("r-o", {"dataset": "d", "model": str(tmp_path / "my-model")}, adapter=adapter, root=tmp_path / "r2")
    assert downloads.loading_notes(own, own.adapter_dir) == []
    assert "names its base" not in {d.kind: d.caption for d in downloads.downloads(own)}["adapter"]
