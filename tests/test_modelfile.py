"""Why the Ollama Modelfile's `PARAMETER stop` strings may be the tokens' vocabulary forms
(`tokenizer.convert_ids_to_tokens`, ftlib/export.py) rather than the text the model writes (`tokenizer.decode`): the
two differ for a byte-level BPE's plain tokens ("Ċ" for a newline, "Ġ" for a space), never for a special token, and
every stop the studio writes there is one of the default model's special tokens, the only base a GGUF is written for.
Should GGUF export take another base, these tests fail and the stops must be decoded (`tokenizer.decode([id])`)."""

from __future__ import annotations

import pytest

from ftlib.export import gguf_refusal
from ftlib.models import DEFAULT_MODEL, default_model_dir
from ftlib.stops import base_generation_config, export_eos_ids
from ftlib.templates import BUILTIN_TEMPLATES, get_template


def _text(tok, i: int) -> str:
    """What a model writes for token `i`, as Ollama and llama.cpp match a stop string against it."""
    return tok.decode([i], skip_special_tokens=False, clean_up_tokenization_spaces=False)


def byte_level_tokenizer():
    """A byte-level BPE (GPT-2's, SmolLM2's kind) with a special `<|im_end|>` and plain tokens for a newline and
    " END"."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    alphabet = pre_tokenizers.ByteLevel.alphabet()
    vocab = {c: i for i, c in enumerate(sorted(alphabet))}
    merges = [("Ġ", "E"), ("ĠE", "N"), ("ĠEN", "D")]
    for a, b in merges:
        vocab[a + b] = len(vocab)
    backend = Tokenizer(models.BPE(vocab, merges))
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    backend.add_special_tokens([AddedToken("<|im_end|>", special=True)])
    return PreTrainedTokenizerFast(tokenizer_object=backend, eos_token="<|im_end|>")


def test_a_byte_level_tokenizers_plain_tokens_are_not_the_text_they_stand_for():
    """The case that would be wrong: a stop that is a plain token (a generation config's eos list may name any id)."""
    tok = byte_level_tokenizer()
    newline, end, eos = (tok.convert_tokens_to_ids(t) for t in ("Ċ", "ĠEND", "<|im_end|>"))
    assert [tok.convert_ids_to_tokens(i) for i in (newline, end)] == ["Ċ", "ĠEND"]
    assert [_text(tok, i) for i in (newline, end)] == ["\n", " END"]
    assert tok.convert_ids_to_tokens(eos) == _text(tok, eos) == "<|im_end|>"  # a special token: its own text


@pytest.mark.parametrize("template", ["tokenizer", *BUILTIN_TEMPLATES])
def test_every_stop_a_default_models_modelfile_can_hold_is_its_own_text(template, smol_tokenizer):
    """The ids export.py converts: `export_eos_ids` of the default model's tokenizer and generation config (a merged or
    full model keeps its base's) under each template a run can train with; and every special or added token, which
    bounds the end-of-turn marker of a custom template (stops.py takes a marker only where it is one of them)."""
    tok = smol_tokenizer
    ids = export_eos_ids(tok, base_generation_config(default_model_dir()), get_template(template, tok))
    assert ids, "the default model stops somewhere"
    specials = [tok.convert_tokens_to_ids(t) for t in {*tok.get_added_vocab(), *tok.all_special_tokens}]
    for i in [*ids, *specials]:
        assert tok.convert_ids_to_tokens(i) == _text(tok, i), i


def test_a_gguf_is_written_only_for_the_default_model():
    """Why no other tokenizer's stops reach a Modelfile: GGUF export refuses every other base (here a byte-level
    BPE model whose stops could be plain tokens)."""

    class Run:
        id = "r1"

        def __init__(self, model):
            self.model = model

        def read_config(self):
            return {"method": "lora", "model": self.model}

    assert gguf_refusal(Run(DEFAULT_MODEL)) is None and gguf_refusal(Run(str(default_model_dir()))) is None
    assert "GGUF is written here for runs on the default model" in gguf_refusal(Run("Qwen/Qwen2.5-0.5B"))


def test_the_modelfile_says_why_it_has_no_template_and_ollama_reads_that_as_comments():
    """Ollama 0.30.0+ renders the GGUF's own chat template where the Modelfile has no TEMPLATE (a TEMPLATE would
    replace it); before 0.30.0 a chat without one reached the model as bare text. The Modelfile says so, in comments
    only: the commands Ollama reads are the same as without the note."""
    from ftlib.modelfile import TEMPLATE_NOTE, modelfile_text
    from tests.test_text_encodings import _ollama_parse

    text = modelfile_text("tide_talk", ["<|im_end|>"])
    assert TEMPLATE_NOTE in text and "TEMPLATE" not in text.replace(TEMPLATE_NOTE, "")
    assert all(line.startswith("# ") for line in TEMPLATE_NOTE.splitlines())
    assert "Ollama 0.30.0 or newer" in TEMPLATE_NOTE
    assert _ollama_parse(text) == [("model", "./tide_talk.gguf"), ("stop", "<|im_end|>")]


def test_the_modelfile_keeps_smollm2s_default_system_prompt_that_ollamas_chatml_leaves_out(smol_tokenizer):
    """`ollama create` gives a GGUF with SmolLM2's own template Ollama's ChatML (within 100 edits of it), which writes
    no default system prompt where SmolLM2's template writes "You are a helpful AI assistant named SmolLM, ...": a
    chat without a system message reached the model otherwise than the run trained. The Modelfile's SYSTEM line,
    which Ollama sends where a chat has none, is that prompt; a template without a default writes no SYSTEM line."""
    import copy

    from ftlib.modelfile import SYSTEM_NOTE, default_system, modelfile_text
    from ftlib.templates import BUILTIN_TEMPLATES
    from tests.test_text_encodings import _ollama_parse

    default = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
    assert default_system(smol_tokenizer) == default
    text = modelfile_text("tide_talk", ["<|im_end|>"], default_system(smol_tokenizer))
    assert SYSTEM_NOTE in text and all(line.startswith("# ") for line in SYSTEM_NOTE.splitlines())
    assert _ollama_parse(text) == [("model", "./tide_talk.gguf"), ("system", default), ("stop", "<|im_end|>")]
    # ... which is what SmolLM2's own template writes for a chat without a system turn (as the run trained)
    user = [{"role": "user", "content": "Is the ferry running?"}]
    with_default = [{"role": "system", "content": default}, *user]
    assert smol_tokenizer.apply_chat_template(user, tokenize=False) == smol_tokenizer.apply_chat_template(
        with_default, tokenize=False
    )
    chatml = copy.copy(smol_tokenizer)  # its own chat_template attribute; the original keeps SmolLM2's
    chatml.chat_template = BUILTIN_TEMPLATES["chatml"].source  # the studio's ChatML: no system turn of its own
    assert default_system(chatml) is None and "SYSTEM" not in modelfile_text("t", [], default_system(chatml))
    chatml.chat_template = "{{ raise_exception('no lone user turns') }}"
    assert default_system(chatml) is None
