"""The model folder's files stand in for its tokenizer before torch (`ftlib.tokenizer_files`, helper 252's) only
where they say what transformers' own tokenizer of that folder says (helper 265's audit, transformers 5.x): its chat
template, its special tokens, the ids of a rendered row. Folders are written here in the shapes models publish them
(Llama-3, Qwen, Gemma, Mistral, named templates, an older special_tokens_map.json, ...), on the tiny model's
tokenizer.json, and each is read both ways. Where the files cannot tell (a tokenizer class whose defaults are not
known, a token only the config adds, Gemma's and Llama's classes, which build their own pieces from the vocabulary),
`file_tokenizer` is None and the real tokenizer is loaded instead.

Found: a class's default special tokens were missed (GPT2Tokenizer's bos and unk `<|endoftext|>`), so a
template needing `bos_token` was refused early on a run that renders; special_tokens_map.json was read under the
config where transformers reads it over it (and not at all beside `added_tokens_decoder`); named extra tokens
(`image_token`) were missed; a token `added_tokens_decoder` adds that tokenizer.json lacks was read as several.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ftlib.config import RunConfig

CHATML = (
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
# Llama-3's shape: the template writes the BOS, tokenizer.json's post-processor adds it too.
HEADERS = (
    "{{- bos_token }}{% for m in messages %}<|start_header_id|>{{ m.role }}<|end_header_id|>\n\n{{ m.content }}"
    "<|eot_id|>{% endfor %}{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}"
)
# Qwen3's shape: tools and a thinking switch.
THINKING = (
    "{%- if tools %}<|im_start|>system\n{{ tools | tojson }}<|im_end|>\n{%- endif %}"
    + CHATML[:-10]
    + "{% if enable_thinking is defined and enable_thinking is false %}<think>\n\n</think>\n\n{% endif %}{% endif %}"
)
# A template that cannot render without a BOS token to write first.
NEEDS_BOS = (
    "{% if not bos_token %}{{ raise_exception('This template needs a BOS token.') }}{% endif %}{{ bos_token }}"
    + CHATML
)
NO_SYSTEM = (
    "{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}"
    "<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
)
ROW = [
    {"role": "user", "content": "What is 4 times 3?"},
    {"role": "assistant", "content": "12."},
]


def added(content: str) -> dict:
    return {"content": content, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False,
            "special": True}  # fmt: skip


@pytest.fixture(scope="module")
def folder(tiny_model_dir, tmp_path_factory):
    """`folder(name, config, files={}, specials=(), bos=None)`: the tiny model with tokenizer_config.json `config`,
    other files written beside it, `specials` added to tokenizer.json as special tokens, and `bos` put in front by
    its post-processor."""
    root = tmp_path_factory.mktemp("shapes")

    def make(name: str, config: dict, files: dict | None = None, specials=(), bos=None) -> str:
        from tokenizers import AddedToken, Tokenizer
        from tokenizers.processors import TemplateProcessing

        target = shutil.copytree(tiny_model_dir, root / name)
        for leftover in ("chat_template.jinja", "special_tokens_map.json"):
            (target / leftover).unlink(missing_ok=True)
        encoder = Tokenizer.from_file(str(target / "tokenizer.json"))
        encoder.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
        if bos:
            pair = f"{bos} $A {bos} $B"
            encoder.post_processor = TemplateProcessing(f"{bos} $A", pair, [(bos, encoder.token_to_id(bos))])
        encoder.save(str(target / "tokenizer.json"))
        (target / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
        for name_, text in (files or {}).items():
            (target / name_).write_text(text, encoding="utf-8")
        return str(target)

    return make


SHAPES = {
    # Llama-3: no tokenizer class of its own, the BOS in the template and added by the post-processor
    "llama3": (
        {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>",
         "chat_template": HEADERS},
        {}, ("<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"), "<|begin_of_text|>"),
    # Qwen2/2.5/3: no BOS (null), the class's pad
    "qwen": (
        {"tokenizer_class": "Qwen2Tokenizer", "bos_token": None, "eos_token": "<|im_end|>", "unk_token": None,
         "chat_template": THINKING},
        {}, ("<think>", "</think>"), None),
    # GPT2Tokenizer naming the EOS alone: its class gives bos and unk
    "gpt2-class-defaults": ({"tokenizer_class": "GPT2Tokenizer", "eos_token": "<|im_end|>", "chat_template": CHATML},
                            {}, (), None),
    # named templates as a list, and a chat_template.jinja over the config's (the file wins)
    "named-list": (
        {"tokenizer_class": "GPT2TokenizerFast", "eos_token": "<|im_end|>",
         "chat_template": [{"name": "default", "template": CHATML}, {"name": "tool_use", "template": THINKING}]},
        {}, (), None),
    "jinja-over-config": ({"tokenizer_class": "GPT2Tokenizer", "chat_template": "{# config #}" + CHATML},
                          {"chat_template.jinja": "{# file #}" + CHATML}, (), None),
    # a processor's chat_template.json is not the tokenizer's: neither reads it
    "chat-template-json": ({"tokenizer_class": "PreTrainedTokenizerFast", "eos_token": "<|im_end|>"},
                           {"chat_template.json": json.dumps({"chat_template": CHATML})}, (), None),
    # an older folder's special_tokens_map.json is read over the config's tokens...
    "older-map-over-config": (
        {"tokenizer_class": "PreTrainedTokenizerFast", "eos_token": "<|endoftext|>", "chat_template": CHATML},
        {"special_tokens_map.json": json.dumps({"eos_token": added("<|im_end|>"), "pad_token": "<|endoftext|>"})},
        (), None),
    # ...but not where the config has added_tokens_decoder (transformers reads the config alone then)
    "older-map-beside-decoder": (
        {"tokenizer_class": "PreTrainedTokenizerFast", "eos_token": "<|endoftext|>", "chat_template": CHATML,
         "added_tokens_decoder": {"0": added("<|endoftext|>")}},
        {"special_tokens_map.json": json.dumps({"eos_token": "<|im_end|>", "bos_token": "<|im_start|>"})}, (), None),
    # tokens saved as AddedToken objects, and model-specific named tokens
    "typed-added-tokens": (
        {"tokenizer_class": "GPT2Tokenizer", "bos_token": {"__type": "AddedToken", **added("<|im_start|>")},
         "eos_token": {"__type": "AddedToken", **added("<|im_end|>")}, "chat_template": CHATML},
        {}, (), None),
    "named-extra-tokens": (
        {"tokenizer_class": "PreTrainedTokenizerFast", "eos_token": "<|im_end|>", "image_token": "<|im_start|>",
         "extra_special_tokens": {"audio_token": "<|endoftext|>"}, "chat_template": CHATML},
        {}, (), None),
    # eos as a list in generation_config.json is the model's, not the tokenizer's
    "eos-list-in-generation-config": (
        {"tokenizer_class": "PreTrainedTokenizerFast", "eos_token": "<|im_end|>", "chat_template": CHATML},
        {"generation_config.json": json.dumps({"eos_token_id": [2, 0]})}, (), None),
}  # fmt: skip


@pytest.mark.parametrize("shape", list(SHAPES))
def test_the_files_say_what_transformers_tokenizer_says(folder, shape):
    from ftlib.models import load_tokenizer
    from ftlib.text_rows import tokenizer_adds_bos
    from ftlib.tokenizer_files import file_tokenizer

    config, files, specials, bos = SHAPES[shape]
    path = folder(shape, config, files, specials, bos)
    ours, theirs = file_tokenizer(path), load_tokenizer(path)
    assert ours is not None
    assert ours.chat_template == theirs.chat_template
    assert ours.special_tokens_map == theirs.special_tokens_map
    assert (ours.bos_token, ours.eos_token, ours.pad_token) == (theirs.bos_token, theirs.eos_token, theirs.pad_token)
    assert ours.bos_token_id == theirs.bos_token_id
    text = "<|im_start|>user\nWhat is 4 times 3?<|im_end|>\n<|start_header_id|><start_of_turn>12.<|eot_id|>"
    for special in (True, False):
        assert ours.encode(text, add_special_tokens=special) == theirs.encode(text, add_special_tokens=special)
    assert tokenizer_adds_bos(ours) == tokenizer_adds_bos(theirs) == (bos is not None)


@pytest.mark.parametrize(
    "shape, config",
    [
        ("unknown-class", {"tokenizer_class": "CohereTokenizer", "chat_template": CHATML}),  # defaults not known here
        ("no-class", {"eos_token": "<|im_end|>", "chat_template": CHATML}),  # AutoTokenizer picks by model type
        # Gemma's and Llama's classes build their own pieces from the vocabulary, encoding otherwise than the file
        ("gemma", {"tokenizer_class": "GemmaTokenizer", "bos_token": "<bos>", "eos_token": "<eos>"}),
        ("llama", {"tokenizer_class": "LlamaTokenizerFast", "bos_token": "<s>", "eos_token": "</s>"}),
        # a token only the config adds: transformers adds it at load, tokenizer.json alone reads it as several
        ("added-by-config", {"tokenizer_class": "PreTrainedTokenizerFast", "eos_token": "<|im_end|>",
                             "added_tokens_decoder": {"49152": added("<|turn|>")}}),
    ],
)  # fmt: skip
def test_folders_the_files_cannot_tell_load_the_real_tokenizer(folder, shape, config):
    from ftlib.tokenizer_files import file_tokenizer

    assert file_tokenizer(folder(shape, config)) is None


def test_a_bare_dict_token_is_left_to_transformers_which_refuses_it(folder):
    """tokenizer_config.json's bos_token as {"content": ...} without "__type": transformers 5.x refuses to load the
    tokenizer; the files' stand-in is None, so the run says that refusal, not a template check's pass."""
    from ftlib.models import ModelError, load_tokenizer
    from ftlib.tokenizer_files import file_tokenizer

    path = folder("bare-dict", {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": added("<|im_start|>")})
    with pytest.raises(ModelError, match="has to be either str or AddedToken"):
        load_tokenizer(path)
    assert file_tokenizer(path) is None


@pytest.mark.parametrize("template", [NEEDS_BOS, NO_SYSTEM])
@pytest.mark.parametrize("shape", ["gpt2-class-defaults", "older-map-over-config", "llama3", "qwen"])
def test_rows_refused_early_are_refused_by_the_real_tokenizer_and_no_others(folder, shape, template):
    """train's early refusal (the files' stand-in) says what the same check says with transformers' tokenizer: the
    NEEDS_BOS template renders under GPT2Tokenizer's default BOS, and was refused early as if there were none."""
    from ftlib.models import load_tokenizer
    from ftlib.template_preflight import early_refusal
    from ftlib.tokenizer_files import file_tokenizer

    config, files, specials, bos = SHAPES[shape]
    path = folder(f"{shape}-{len(template)}", config | {"chat_template": template}, files, specials, bos)
    run = RunConfig(model=path, template="tokenizer")
    rows = [{"messages": [{"role": "system", "content": "Be brief."}, *ROW]}, {"messages": ROW}]

    def said(tokenizer) -> str:
        try:
            early_refusal(run, rows, rows[1:], tokenizer)
        except Exception as exc:  # noqa: BLE001 (the refusal itself is compared)
            return f"{type(exc).__name__}: {exc}"
        return "renders"

    assert said(file_tokenizer(path)) == said(load_tokenizer(path))
    renders = template == NEEDS_BOS and shape in ("gpt2-class-defaults", "llama3")  # the two with a BOS
    assert ("renders" in said(load_tokenizer(path))) == renders


def test_the_default_models_folder_reads_as_before(tiny_model_dir):
    """SmolLM2's own folder (GPT2Tokenizer naming every token): the files stand in for it still."""
    from ftlib.models import load_tokenizer
    from ftlib.tokenizer_files import file_tokenizer

    ours, theirs = file_tokenizer(str(tiny_model_dir)), load_tokenizer(str(tiny_model_dir))
    assert ours is not None and ours.special_tokens_map == theirs.special_tokens_map
    assert Path(ours.folder) == Path(tiny_model_dir)
