"""The exported adapter's card (README.md) says how to load it, and its "Load it" snippet, run as written, gives a
model whose `generate` stops where the studio does, on a base whose eos is not its template's end of turn (a Qwen2.5
base: eos `<|endoftext|>`, turns ended by `<|im_end|>`, its generation config naming `<|endoftext|>` alone).

The model here is rigged (`_always_writes`) to write `<|im_end|>` at every step: `generate` stops after one token
when it stops at the end of turn, and writes to the length limit when it stops at the base's eos only (the sentinel).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ftlib import export
from ftlib.testing import make_random_adapter, make_run, make_tiny_model

IM_END, ENDOFTEXT = 2, 0  # SmolLM2's ids of `<|im_end|>` (its ChatML template's end of turn) and `<|endoftext|>`
LIMIT = 8


def _always_writes(folder: Path, token: int, eos: int) -> Path:
    """Make the model in `folder` write `token` whatever it reads (a hidden dimension every embedding lifts, the only
    one the final norm keeps, read by `token`'s row of an untied head alone), with `eos` as the tokenizer's, the
    model's and its generation config's only eos."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    tokenizer.eos_token = tokenizer.convert_ids_to_tokens(eos)
    model = AutoModelForCausalLM.from_pretrained(str(folder), tie_word_embeddings=False)
    model.config.tie_word_embeddings = False
    with torch.no_grad():
        model.get_input_embeddings().weight[:, 0] += 10.0
        model.model.norm.weight.zero_()
        model.model.norm.weight[0] = 1.0
        model.lm_head.weight.zero_()
        model.lm_head.weight[token, 0] = 5.0
    model.config.eos_token_id = eos
    model.generation_config = GenerationConfig(bos_token_id=1, eos_token_id=eos, pad_token_id=eos)
    model.save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return folder


@pytest.fixture(scope="module")
def qwen_base_like(tmp_path_factory) -> Path:
    return _always_writes(make_tiny_model(tmp_path_factory.mktemp("qwen-base-like")), IM_END, ENDOFTEXT)


def _snippet(card: Path) -> str:
    (code,) = re.findall(r"## Load it\n\n```python\n(.*?)```", card.read_text(encoding="utf-8"), flags=re.S)
    return code


def test_the_adapter_cards_snippet_run_as_written_stops_at_the_end_of_turn(qwen_base_like, tmp_path):
    """The reviewer's qwen2-base: `runs export RUN --out DIR`, then the card's snippet: `generate` wrote
    `<|im_end|>` to max_new_tokens (PEFT keeps the base's generation config, eos `<|endoftext|>` only); the export's
    generation_config.json beside the adapter listed the end of turn, but the snippet did not load it."""
    import torch
    from transformers import AutoTokenizer

    adapter = make_random_adapter(str(qwen_base_like), tmp_path / "made" / "adapter", b_std=0.001)
    AutoTokenizer.from_pretrained(str(qwen_base_like)).save_pretrained(str(adapter))  # as a run saves it
    run = make_run("r-qbase", {"dataset": "d", "model": str(qwen_base_like)}, adapter=adapter, root=tmp_path / "runs")
    (out,) = export.copy_export(export.export_adapter(run), tmp_path / "exported", run=run)  # `runs export --out`

    code = _snippet(out / "README.md")
    assert "path/to/this/folder" in code and str(qwen_base_like) in code  # the base by its folder: no hub id
    namespace: dict = {}
    exec(code.replace("path/to/this/folder", str(out)), namespace)  # noqa: S102 (the card's own code, as written)
    model, tokenizer = namespace["model"], namespace["tokenizer"]
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": "Hi there"}], add_generation_prompt=True, return_dict=True, return_tensors="pt"
    )
    with torch.no_grad():
        written = model.generate(**prompt, max_new_tokens=LIMIT, do_sample=False)[0, prompt["input_ids"].shape[1] :]
    assert written.tolist() == [IM_END], f"wrote {len(written)} tokens, to the limit {LIMIT}: it did not stop"


def test_a_reward_adapters_snippet_loads_no_generation_config():
    """A reward model writes no text: its card loads a classifier and no generation config (none is exported)."""
    from ftlib.model_card import _loading

    reward = "\n".join(_loading("adapter", "org/base", scores=True))
    assert "GenerationConfig" not in reward and "num_labels=1" in reward
    causal = "\n".join(_loading("adapter", "org/base"))
    assert "import AutoModelForCausalLM, AutoTokenizer, GenerationConfig" in causal
