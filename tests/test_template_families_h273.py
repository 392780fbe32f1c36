"""Chat templates of model families the fixtures (test_template_fixtures) lack, written here from each family's
published format (not downloaded): gpt-oss's channels, Gemma 3's system folded into the first user turn, Mistral
Nemo's [INST]/[TOOL_CALLS]/[TOOL_RESULTS], Phi-4's <|im_sep|>, and templates with `{% generation %}` markers (one
Llama-3-style, one gpt-oss, and Gemma 3 with the end-of-turn outside the markers or the header inside).

Each is saved as a tokenizer folder (tokenizer.json of a tiny byte-level vocabulary, tokenizer_config.json holding
the template) and loaded by AutoTokenizer, as a model's folder is. The studio's text must be transformers'
`apply_chat_template`; its trained tokens `return_assistant_tokens_mask` where the template has markers, else
TRL's prompt/completion rule (sft_trainer: the completion starts where the ids of the prompt rendered with the
generation prompt and of prompt + completion part), up to the turn's last token that is not whitespace (the studio
never trains the newline a template writes after the end-of-turn: the model stops at the marker). Where that rule is
undefined (the template writes the earlier turns otherwise once a later turn follows), a check must say so.
One departure, on purpose: a user or tool turn a template's markers cover stays masked, and its reason says so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ftlib.checks import preflight
from ftlib.rows import IGNORE_INDEX
from ftlib.templates import TemplateError, get_template
from ftlib.tokens import encode_row
from tests.test_template_fixtures import CALL, QUESTION, RESULT, ROWS, TOOLS

WRITTEN = Path(__file__).parent / "fixtures" / "templates" / "written"


def _written(name: str) -> str:
    return (WRITTEN / f"{name}.jinja").read_text(encoding="utf-8")


def _replaced(source: str, old: str, new: str) -> str:
    assert source.count(old) == 1, old
    return source.replace(old, new)


GPT_OSS, GEMMA3 = _written("gpt_oss_style"), _written("gemma3_style")
GEMMA_HEADER = "{{ '<start_of_turn>' + role + '\\n' + (first_user_prefix if loop.first else \"\") }}\n"
GEMMA_TURN = "{{- message['content'] | trim }}<end_of_turn>\n"
# Gemma 3 with markers around the reply alone: its <end_of_turn> is written after {% endgeneration %}.
GEMMA3_EOT_OUT = _replaced(
    GEMMA3,
    GEMMA_TURN,
    "{%- if message['role'] == 'assistant' %}{% generation %}{{- message['content'] | trim }}{% endgeneration %}"
    "{% else %}{{- message['content'] | trim }}{% endif %}<end_of_turn>\n",
)
# Gemma 3 with markers around the whole turn, its `<start_of_turn>model` header included.
GEMMA3_HEADER_IN = _replaced(
    GEMMA3,
    GEMMA_HEADER + GEMMA_TURN,
    "{%- if role == 'model' %}{% generation %}{{ '<start_of_turn>model\\n' + message['content'] | trim }}"
    "<end_of_turn>\n{% endgeneration %}{% else %}{{ '<start_of_turn>' + role + '\\n' }}"
    "{{- (first_user_prefix if loop.first else '') + message['content'] | trim }}<end_of_turn>\n{% endif %}",
)
# gpt-oss with every assistant turn (its analysis, calls and final answer) inside the markers.
GPT_OSS_TAGGED = _replaced(
    _replaced(
        GPT_OSS, "{%- elif message.role == 'assistant' -%}", "{%- elif message.role == 'assistant' -%}{% generation %}"
    ),
    "{%- elif message.role == 'tool' -%}",
    "{% endgeneration %}{%- elif message.role == 'tool' -%}",
)
TOOL_TURN = (
    "<|start|>functions.{{ message.name }} to=assistant<|channel|>commentary<|message|>{{ message.content }}<|end|>"
)
# ... and with the tool's output inside markers too (a template tagging every turn the model reads after its call).
GPT_OSS_TOOL_TAGGED = _replaced(GPT_OSS_TAGGED, TOOL_TURN, "{% generation %}" + TOOL_TURN + "{% endgeneration %}")
GPT_OSS_SPECIALS = ("<|start|>", "<|message|>", "<|channel|>", "<|end|>", "<|call|>", "<|return|>")
GEMMA_SPECIALS = ("<start_of_turn>", "<end_of_turn>")
NEMO_SPECIALS = ("[INST]", "[/INST]", "[TOOL_CALLS]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]", "[TOOL_RESULTS]")
LLAMA_SPECIALS = ("<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|eom_id|>", "<|python_tag|>")

# name: (template, bos, eos, control tokens, the reasoning field transformers is given; None: <think> in content)
FAMILIES = {
    "gpt_oss": (GPT_OSS, None, "<|return|>", GPT_OSS_SPECIALS, "thinking"),
    "gemma3": (GEMMA3, "<bos>", "<eos>", GEMMA_SPECIALS, None),
    "nemo": (_written("mistral_nemo_style"), "<s>", "</s>", (*NEMO_SPECIALS, "[/TOOL_RESULTS]"), None),
    "phi4": (_written("phi4_style"), None, "<|im_end|>", ("<|im_start|>", "<|im_sep|>", "<|im_end|>"), None),
    "llama_tagged": (_written("llama3_generation_style"), "<|begin_of_text|>", "<|eot_id|>", LLAMA_SPECIALS, None),
    "gpt_oss_tagged": (GPT_OSS_TAGGED, None, "<|return|>", GPT_OSS_SPECIALS, "thinking"),
    "gemma3_eot_out": (GEMMA3_EOT_OUT, "<bos>", "<eos>", GEMMA_SPECIALS, None),
    "gemma3_header_in": (GEMMA3_HEADER_IN, "<bos>", "<eos>", GEMMA_SPECIALS, None),
    "gpt_oss_tool_tagged": (GPT_OSS_TOOL_TAGGED, None, "<|return|>", GPT_OSS_SPECIALS, "thinking"),
}


CALL2 = {
    "id": "tide00002",
    "type": "function",
    "function": {"name": "lookup_tide", "arguments": {"harbour": "Calais"}},
}
RESULT2 = {"role": "tool", "name": "lookup_tide", "tool_call_id": "tide00002", "content": "High tide 15:10"}
SHAPES = {
    **ROWS,
    "two_calls": {
        "messages": [
            QUESTION,
            {"role": "assistant", "content": "", "tool_calls": [CALL, CALL2]},
            RESULT,
            RESULT2,
            {"role": "assistant", "content": "Dover at 14:05, Calais at 15:10."},
        ],
        "tools": TOOLS,
    },
    "reasoned_call": {
        "messages": [
            QUESTION,
            {"role": "assistant", "content": "", "reasoning": "I should look it up.", "tool_calls": [CALL]},
            RESULT,
            {"role": "assistant", "content": "High tide in Dover is at 14:05.", "reasoning": "The tool said 14:05."},
        ],
        "tools": TOOLS,
    },
}


def family_tokenizer(folder, name):
    """A tiny byte-level BPE (every byte its own token, no merges) with the family's control tokens, saved with its
    chat template as a model's tokenizer folder and loaded from there by AutoTokenizer."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    source, bos, eos, specials, _ = FAMILIES[name]
    backend = Tokenizer(models.BPE({c: i for i, c in enumerate(sorted(pre_tokenizers.ByteLevel.alphabet()))}, []))
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    named = dict.fromkeys(t for t in (bos, eos, *specials) if t)
    backend.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in named])
    extra = {"bos_token": bos} if bos else {}
    tok = PreTrainedTokenizerFast(
        tokenizer_object=backend, eos_token=eos, additional_special_tokens=[t for t in specials if t != eos], **extra
    )
    tok.chat_template = source
    tok.save_pretrained(folder / name)
    return AutoTokenizer.from_pretrained(folder / name)


@pytest.fixture(scope="module")
def family(tmp_path_factory):
    folder, made = tmp_path_factory.mktemp("families"), {}

    def get(name):
        if name not in made:
            tok = family_tokenizer(folder, name)
            made[name] = tok, get_template("tokenizer", tok)
        return made[name]

    return get


def given(messages, field):
    """The turns as transformers is given them: reasoning under the template's field, else <think> in content."""
    out = []
    for m in messages:
        message = {k: v for k, v in m.items() if k not in ("weight", "reasoning")}
        if m.get("reasoning") and field:
            message[field] = m["reasoning"]
        elif m.get("reasoning"):
            message["content"] = f"<think>\n{m['reasoning']}\n</think>\n\n{m['content']}"
        out.append(message)
    return out


def hf_ids(tok, messages, tools, field, **kw):
    return tok.apply_chat_template(given(messages, field), tools=tools, tokenize=True, return_dict=True, **kw)


def trained(enc) -> list[int]:
    return [int(label != IGNORE_INDEX) for label in enc.labels]


def shown(tok, ids, mask) -> str:
    """The text with trained tokens in [brackets]: what a failure prints."""
    return "".join(f"[{tok.decode([i])}]" if m else tok.decode([i]) for i, m in zip(ids, mask, strict=True))


def _refused(tok, row, field) -> bool:
    try:
        hf_ids(tok, row["messages"], row.get("tools"), field)
    except Exception:  # the template itself refuses (roles, call ids, a call and text in one turn)
        return True
    return False


def trl_completion(tok, messages, tools, field, k):
    """(ids of the conversation up to turn k, mask): TRL's prompt/completion rule on token ids, through the turn's
    last token that is not whitespace."""
    full = hf_ids(tok, messages[: k + 1], tools, field)["input_ids"]
    prompt = hf_ids(tok, messages[:k], tools, field, add_generation_prompt=True)["input_ids"] if k else []
    start = next(
        (j for j, (a, b) in enumerate(zip(prompt, full, strict=False)) if a != b), min(len(prompt), len(full))
    )
    end = len(full)
    while end > start and not tok.decode(full[end - 1 : end]).strip():
        end -= 1
    return full, [int(start <= j < end) for j in range(len(full))]


UNTAGGED = ["gpt_oss", "gemma3", "nemo", "phi4"]
TAGGED = ["llama_tagged", "gpt_oss_tagged", "gemma3_eot_out", "gemma3_header_in"]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", [*UNTAGGED, *TAGGED])
def test_the_text_is_transformers_text_or_both_refuse(name, shape, family):
    tok, template = family(name)
    row, field = SHAPES[shape], FAMILIES[name][4]
    if _refused(tok, row, field):
        with pytest.raises(TemplateError):
            encode_row(row, tok, template)
        return
    enc = encode_row(row, tok, template)
    assert enc.text == tok.apply_chat_template(given(row["messages"], field), tools=row.get("tools"), tokenize=False)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", TAGGED)
def test_generation_markers_train_what_transformers_assistant_mask_trains(name, shape, family):
    tok, template = family(name)
    row, field = SHAPES[shape], FAMILIES[name][4]
    assert template.has_generation_tags
    if _refused(tok, row, field):
        return
    out = hf_ids(tok, row["messages"], row.get("tools"), field, return_assistant_tokens_mask=True)
    enc = encode_row(row, tok, template)
    expected = list(out["assistant_masks"])
    for t in enc.tokens:  # a weight-0 turn is masked although the template marks it
        if t.message is not None and row["messages"][t.message].get("weight", 1) == 0:
            expected[t.index] = 0
    assert enc.input_ids == out["input_ids"]
    assert trained(enc) == expected, shown(tok, enc.input_ids, trained(enc))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", UNTAGGED)
def test_each_turn_trains_trls_prompt_completion_difference(name, shape, family):
    tok, template = family(name)
    row, field = SHAPES[shape], FAMILIES[name][4]
    messages, tools = row["messages"], row.get("tools")
    if _refused(tok, row, field):
        return
    compared = 0
    for k, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        head = {**row, "messages": messages[: k + 1]}
        enc = encode_row(head, tok, template, "last_assistant")
        ids, mask = trl_completion(tok, messages, tools, field, k)
        prompt_text = tok.apply_chat_template(given(messages[:k], field), tools=tools, tokenize=False) if k else ""
        if not enc.text.startswith(prompt_text.rstrip()):  # the earlier turns are written otherwise: said
            assert {c.code for c in preflight(enc, tok, template)} & {"system_dropped", "not_prefix_preserving"}
            continue
        if message.get("weight", 1) == 0:
            mask = [0] * len(mask)
        assert enc.input_ids == ids
        assert trained(enc) == mask, shown(tok, ids, trained(enc)) + "\n" + shown(tok, ids, mask)
        compared += 1
    assert compared or (name, shape) == ("nemo", "chat")  # Nemo writes the system text only before a last user turn


def _trained_text(tok, enc) -> str:
    return tok.decode([i for i, m in zip(enc.input_ids, trained(enc), strict=True) if m])


@pytest.mark.parametrize("name", ["gpt_oss", "gpt_oss_tagged"])
def test_gpt_oss_trains_the_analysis_channel_its_calls_and_not_the_tool_result(name, family):
    """The last turn's reasoning is trained in the analysis channel, with the `<|end|><|start|>assistant` the model
    writes between its channels; a call's recipient and channel are trained (the model chooses them); the tool's
    output (`functions.lookup_tide to=assistant`) is masked; the last turn ends on `<|return|>`."""
    tok, template = family(name)
    enc = encode_row(SHAPES["reasoned_call"], tok, template)
    text = _trained_text(tok, enc)
    assert "<|channel|>analysis<|message|>The tool said 14:05.<|end|><|start|>assistant<|channel|>final" in text
    assert " to=functions.lookup_tide<|channel|>commentary json<|message|>" in text
    assert text.endswith("High tide in Dover is at 14:05.<|return|>")
    assert "High tide 14:05" not in text.replace("High tide in Dover is at 14:05.", "")
    assert not {c.code for c in preflight(enc, tok, template)} & {"reasoning_dropped", "reasoning_inline"}


@pytest.mark.parametrize("name", ["gpt_oss", "gpt_oss_tagged"])
def test_gpt_oss_drops_an_earlier_turns_analysis_and_says_so(name, family):
    """gpt-oss writes an earlier final answer without its analysis, and with `<|end|>` where the last has
    `<|return|>`: the earlier answer and its `<|end|>` are trained, the dropped reasoning is said."""
    tok, template = family(name)
    enc = encode_row(SHAPES["reasoning_multi"], tok, template)
    text = _trained_text(tok, enc)
    assert "<|channel|>final<|message|>No, it is 7 times 13.<|end|>" in text
    assert "91 = 7 × 13." not in enc.text
    assert {"reasoning_dropped", "not_prefix_preserving"} <= {c.code for c in preflight(enc, tok, template)}


def test_gemma3_folds_the_system_text_into_the_first_user_turn_masked(family):
    tok, template = family("gemma3")
    enc = encode_row(SHAPES["chat"], tok, template)
    assert "<start_of_turn>user\nAnswer like a harbour master.\n\nIs the sea calm?<end_of_turn>" in enc.text
    assert _trained_text(tok, enc) == "Calm as a millpond.<end_of_turn>A force 6 is due, so stay in port.<end_of_turn>"
    assert "system_dropped" not in {c.code for c in preflight(enc, tok, template)}


def test_mistral_nemo_drops_the_system_text_of_a_conversation_ending_on_a_reply_and_says_so(family):
    """Nemo writes the system message only into a last user turn: a training row (ending on a reply) loses it."""
    tok, template = family("nemo")
    enc = encode_row(SHAPES["chat"], tok, template)
    assert "harbour master" not in enc.text
    assert "system_dropped" in {c.code for c in preflight(enc, tok, template)}
    assert _trained_text(tok, enc) == "Calm as a millpond.</s>A force 6 is due, so stay in port.</s>"


def test_mistral_nemo_trains_the_calls_and_masks_the_tool_results(family):
    tok, template = family("nemo")
    enc = encode_row(SHAPES["two_calls"], tok, template)
    text = _trained_text(tok, enc)
    assert text.startswith('[TOOL_CALLS][{"name": "lookup_tide"') and '"id": "tide00002"}]</s>' in text
    assert "[TOOL_RESULTS]" not in text and "15:10</s>" not in text.replace("Calais at 15:10.</s>", "")
    assert text.endswith("Dover at 14:05, Calais at 15:10.</s>")


def test_an_end_of_turn_outside_the_generation_markers_is_untrained_as_transformers_and_said(family):
    """transformers' mask leaves `<end_of_turn>` untrained when the template writes it after `{% endgeneration %}`;
    the studio follows the markers (the test above) and warns: the model would never learn to stop."""
    tok, template = family("gemma3_eot_out")
    enc = encode_row(SHAPES["chat"], tok, template)
    assert "<end_of_turn>" not in _trained_text(tok, enc)
    assert "eot_not_trained" in {c.code for c in preflight(enc, tok, template)}


def test_a_tool_output_inside_generation_markers_stays_masked_and_says_where_transformers_differs(family):
    """The one divergence from transformers found: a template whose `{% generation %}` block covers a tool's output
    has it trained by `return_assistant_tokens_mask` (TRL's assistant_only_loss), so the model would learn to write
    tool results itself. The studio masks it (the tool wrote it), as it masks that turn's header; the token's reason
    says the template's markers cover it and transformers trains it. Everything else follows the markers."""
    tok, template = family("gpt_oss_tool_tagged")
    row = SHAPES["tool_call"]
    out = hf_ids(tok, row["messages"], row["tools"], "thinking", return_assistant_tokens_mask=True)
    enc = encode_row(row, tok, template)
    assert enc.input_ids == out["input_ids"]
    tool_turn = enc.text.index("<|start|>functions."), enc.text.index("<|start|>assistant<|channel|>final")
    inside = [int(tool_turn[0] <= s < tool_turn[1]) for s, _ in enc.offsets]
    assert all(out["assistant_masks"][j] for j, x in enumerate(inside) if x)  # transformers trains the tool turn
    assert trained(enc) == [0 if x else m for x, m in zip(inside, out["assistant_masks"], strict=True)]
    result = [t for t in enc.tokens if t.message == 2 and t.segment == "content"]
    assert "".join(t.text for t in result) == "High tide 14:05"
    assert all(not t.trained for t in result)
    assert {t.reason for t in result} == {
        "tool result — masked, although the template's {% generation %} block covers it (transformers' assistant "
        "mask trains it): the tool wrote it; the model reads it but does not learn to write it"
    }


PAIR = {
    "prompt": [
        {"role": "user", "content": "Is the sea calm?"},
        {"role": "assistant", "content": "Calm as a millpond."},
        {"role": "user", "content": "And tomorrow?"},
    ],
    "chosen": [{"role": "assistant", "content": "A force 6 is due, so stay in port."}],
    "rejected": [{"role": "assistant", "content": "Go sailing."}],
}


@pytest.mark.parametrize("name", UNTAGGED)
def test_a_preference_pair_trains_each_answer_as_trls_prompt_completion_difference(name, family):
    """DPO's pair: the prompt (its own earlier reply included) untrained, each answer from where it departs from the
    prompt rendered with the generation prompt, as TRL's DPO tokenizes prompt and answer."""
    tok, template = family(name)
    enc = encode_row(PAIR, tok, template)
    k = len(PAIR["prompt"])
    for side in ("chosen", "rejected"):
        ids, mask = trl_completion(tok, PAIR["prompt"] + PAIR[side], None, None, k)
        got = getattr(enc, side)
        assert got.input_ids == ids
        assert trained(got) == mask, shown(tok, ids, trained(got))
