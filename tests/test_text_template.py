"""The built-in 'text' template: TRL's standard (not conversational) prompt/completion rows, the texts as written
one after the other and the completion ending with eos, trained on the completion. A review found string
prompt/completion rows could only be trained inside a chat format (SmolLM2's own adds its default system prompt);
a base model tuned on continuations (summaries, translations) needs them as TRL trains them."""

from __future__ import annotations

import json

import pytest

from ftlib import data
from ftlib.templates import get_template
from ftlib.tokens import encode_rows

ROWS = [
    {"prompt": "The capital of France is", "completion": " Paris."},
    {"prompt": "Translate to French: cat =>", "completion": " chat"},
    {"prompt": "TL;DR of the report:\n", "completion": "Sales rose 4% on new stores."},
]


@pytest.mark.parametrize("policy", ["completion_only", "all_assistant"])
def test_text_template_trains_string_prompt_completion_rows_as_trls_sft_trainer(policy, tmp_path, tiny_model_dir):
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    args = SFTConfig(output_dir=str(tmp_path / "trl"), report_to=[], use_cpu=True, max_length=None)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    reference = SFTTrainer(model=model, args=args, train_dataset=Dataset.from_list(ROWS), processing_class=tok)
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in ROWS), encoding="utf-8")
    loaded = data.load_file(path)
    assert not loaded.errors and loaded.format == "prompt_completion"
    ours = encode_rows(loaded.rows, tok, get_template("text", tok), policy)
    for theirs, enc in zip(reference.train_dataset, ours, strict=True):
        assert enc.input_ids == list(theirs["input_ids"])
        assert enc.labels == list(theirs["labels"])  # TRL's labels: -100 outside the completion mask
    assert ours[0].text == "The capital of France is Paris." + tok.eos_token


def test_text_template_starts_with_the_bos_a_base_models_tokenizer_adds_as_trl_tokenizes_it():
    """TRL tokenizes standard rows with the tokenizer's special tokens, so on a BOS-adding tokenizer (Llama's,
    Mistral's, Gemma's: the base models this template is for) every row starts with the BOS; the template wrote
    none, so a run trained, and sampled, BOS-less. SmolLM2's tokenizer adds none (the test above)."""
    from trl.data_utils import _tokenize

    from ftlib.sampling import render_prompt
    from tests.test_masks_pinned import _llama_style_tokenizer

    tok = _llama_style_tokenizer()
    template = get_template("text", tok)
    prompt, completion = "the cat", " sat on the mat ."
    row = {"messages": [{"role": "user", "content": prompt}, {"role": "assistant", "content": completion}]}
    full = _tokenize(tok, prompt + completion + tok.eos_token)["input_ids"]  # as TRL's tokenize_fn, eos added first
    start = len(_tokenize(tok, prompt)["input_ids"])
    enc = encode_rows([row], tok, template, "completion_only")[0]
    assert full[0] == tok.bos_token_id and enc.input_ids == full
    assert enc.labels == [-100] * start + full[start:]
    assert render_prompt(tok, prompt, template=template)[1] == full[:start]  # sampled as trained


def test_text_template_writes_no_roles_and_prompts_with_the_text_alone(smol_tokenizer):
    from ftlib.templates import render

    template = get_template("text", smol_tokenizer)
    assert template.generation_prompt == "" and template.end_of_turn == smol_tokenizer.eos_token
    turns = [{"role": "system", "content": "Notes. "}, {"role": "user", "content": "Once upon a time"}]
    assert render(template, turns, add_generation_prompt=True) == "Notes. Once upon a time"


@pytest.mark.parametrize(
    "messages, warned",
    [
        ([{"role": "user", "content": "Once upon"}, {"role": "assistant", "content": " a time."}], False),
        (
            [
                {"role": "system", "content": "You are terse."},
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello."},
            ],
            True,
        ),
        (
            [
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello."},
                {"role": "user", "content": "Bye"},
                {"role": "assistant", "content": "Bye."},
            ],
            True,
        ),
    ],
)
def test_text_template_on_a_conversation_says_its_turns_run_together(smol_tokenizer, messages, warned):
    """A cold test: a system prompt and several turns under `text` rendered as "You are terse.Hi 0Hello.<eos>Bye..."
    with no word; a single prompt and completion, what the template is for, says nothing."""
    from ftlib.checks import preflight
    from ftlib.tokens import encode_row

    template = get_template("text", smol_tokenizer)
    codes = {
        c.code: c
        for c in preflight(encode_row({"messages": messages}, smol_tokenizer, template), smol_tokenizer, template)
    }
    assert ("text_joins_turns" in codes) is warned
    if warned:
        assert (
            codes["text_joins_turns"].severity == "warning"
            and "single prompt and its completion" in codes["text_joins_turns"].message
        )


def test_a_run_with_the_text_template_on_conversations_is_warned_before_it_starts(tiny_model_dir):
    """A cold review: the Tokens page warned that `text` runs a conversation's turns together, the Train page (the
    run's pre-launch report) said nothing. It names the training rows; prompt/completion rows raise nothing."""
    from ftlib.config import RunConfig
    from ftlib.run_preflight import preflight

    chats = [
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]},
        {
            "messages": [
                {"role": "system", "content": "You are terse."},
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello."},
            ]
        },
    ]
    config = RunConfig(model=str(tiny_model_dir), template="text", max_length=64)
    warned = [w for w in preflight(config, rows=(chats, [])).warnings if "with no role or separator" in w]
    assert len(warned) == 1 and warned[0].startswith("In 1 of 2 training rows (row 2): The Raw text")
    assert not any("with no role or separator" in w for w in preflight(config, rows=(ROWS, [])).warnings)


def test_text_templates_bos_is_tokenized_apart_as_trls_tokenizer_puts_it():
    """The BOS the text template writes is one id before the prompt's, not text tokenized with it: a sentencepiece
    tokenizer that prefixes only a text's start with "▁" (Metaspace "first", Mistral v0.3's) read the prompt's first
    word after the BOS's text as following a special token, "the" where TRL's `tokenizer(text)` has "▁the", in
    training and in sampling alike (as a raw text row's BOS is: test_masks_pinned)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast
    from trl.data_utils import _tokenize

    from ftlib.checks import preflight
    from ftlib.sampling import render_prompt
    from ftlib.tokens import encode_messages

    words = ["<unk>", "<s>", "</s>", "▁the", "▁cat", "▁sat", "the", "cat", "sat"]
    backend = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=True)
    backend.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 1)])
    tok = PreTrainedTokenizerFast(tokenizer_object=backend, bos_token="<s>", eos_token="</s>", unk_token="<unk>")
    template = get_template("text", tok)
    prompt, completion = "the cat", " sat"
    messages = [{"role": "user", "content": prompt}, {"role": "assistant", "content": completion}]
    full = _tokenize(tok, prompt + completion + tok.eos_token)["input_ids"]
    assert tok.convert_ids_to_tokens(full) == ["<s>", "▁the", "▁cat", "▁sat", "</s>"]
    enc = encode_rows([{"messages": messages}], tok, template, "completion_only")[0]
    assert enc.input_ids == full and enc.labels == [-100] * 3 + full[3:]
    assert encode_messages(messages, tok, template, "completion_only").input_ids == full
    assert render_prompt(tok, prompt, template=template)[1] == _tokenize(tok, prompt)["input_ids"]
    # and the check that the generation prompt opens the reply as training does agrees (no false warning)
    assert "generation_prompt_mismatch" not in {c.code for c in preflight(enc, tok, template)}
