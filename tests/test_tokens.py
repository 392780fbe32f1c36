"""Tokens and labels: agreement with transformers/TRL masks, sentinels, policies, formats and pre-flight checks."""

from __future__ import annotations

import copy
import re

import pytest

from ftlib.checks import Check, preflight, summarize
from ftlib.errors import UserError
from ftlib.formats import convert_record
from ftlib.rows import IGNORE_INDEX
from ftlib.templates import BUILTIN_TEMPLATES, add_missing_special_tokens, get_template
from ftlib.tokens import POLICIES, Encoded, PreferenceEncoded, encode_messages, encode_row

CONVERSATIONS = {
    "single": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}],
    "system_single": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "2+2?"},
        {"role": "assistant", "content": "4"},
    ],
    "multi": [
        {"role": "user", "content": "Name a colour."},
        {"role": "assistant", "content": "Blue."},
        {"role": "user", "content": "Another?"},
        {"role": "assistant", "content": "Green, or red."},
        {"role": "user", "content": "Last one"},
        {"role": "assistant", "content": "Yellow"},
    ],
    "system_multi_ws": [
        {"role": "system", "content": "Be brief.\n"},
        {"role": "user", "content": " Hi\n"},
        {"role": "assistant", "content": "Héllo 😀!"},
        {"role": "user", "content": "More"},
        {"role": "assistant", "content": "  Sure.\n"},
    ],
    "role_words": [
        {"role": "user", "content": "user"},
        {"role": "assistant", "content": "assistant"},
        {"role": "user", "content": "user"},
        {"role": "assistant", "content": "assistant"},
    ],
    "unicode": [
        {"role": "user", "content": "日本語で？ 🇫🇷"},
        {"role": "assistant", "content": "\nはい、👍🏽 もちろん。\n\n"},
    ],
    "code": [
        {"role": "system", "content": ""},
        {"role": "user", "content": "code?"},
        {"role": "assistant", "content": "```py\n    print('hi')\n```"},
    ],
    "empty_reply": [
        {"role": "user", "content": "x"},
        {"role": "assistant", "content": ""},
        {"role": "user", "content": "y"},
        {"role": "assistant", "content": " "},
    ],
}
# Multi-turn conversations whose last assistant turn differs from the others (for policy tests).
MULTI = ("multi", "system_multi_ws", "role_words")


@pytest.fixture(scope="module")
def tokenizers(smol_tokenizer):
    """Per built-in template, SmolLM2 with the template's missing control tokens added (a preview)."""
    return {
        name: add_missing_special_tokens(smol_tokenizer, get_template(name, smol_tokenizer))
        for name in BUILTIN_TEMPLATES
    }


def reference_mask(tokenizer, template, messages):
    out = tokenizer.apply_chat_template(
        messages, chat_template=template.source, tokenize=True, return_dict=True, return_assistant_tokens_mask=True
    )
    return out["input_ids"], out["assistant_masks"]


def trained_mask(enc: Encoded) -> list[int]:
    return [int(label != IGNORE_INDEX) for label in enc.labels]


# ------------------------------------------------------------------------------------------ reference agreement


@pytest.mark.parametrize("conv", CONVERSATIONS)
@pytest.mark.parametrize("name", BUILTIN_TEMPLATES)
def test_mask_equals_transformers_assistant_mask(name, conv, tokenizers):
    tokenizer = tokenizers[name]
    template = get_template(name, tokenizer)
    messages = CONVERSATIONS[conv]
    ids, mask = reference_mask(tokenizer, template, messages)
    enc = encode_messages(messages, tokenizer, template)
    assert enc.input_ids == ids
    assert trained_mask(enc) == mask
    assert sum(mask) > 0


def _strip_generation_tags(source: str) -> str:
    return re.sub(r"\{%-?\s*(end)?generation\s*-?%\}", "", source)


@pytest.mark.parametrize("conv", CONVERSATIONS)
@pytest.mark.parametrize("name", ["chatml", "llama3", "mistral", "gemma", "alpaca"])
def test_tagless_path_equals_tagged_mask(name, conv, tokenizers):
    """Without generation tags, masks come from content spans + the end-of-turn marker: the same tokens."""
    tokenizer = tokenizers[name]
    tagged = get_template(name, tokenizer)
    tagless = get_template("custom", tokenizer, source=_strip_generation_tags(tagged.source))
    assert not tagless.has_generation_tags
    assert tagless.end_of_turn == tagged.end_of_turn
    messages = CONVERSATIONS[conv]
    a, b = encode_messages(messages, tokenizer, tagged), encode_messages(messages, tokenizer, tagless)
    assert a.input_ids == b.input_ids
    assert trained_mask(a) == trained_mask(b)


# SmolLM2's own template (no tags, default system prompt) with tags added by hand around reply + <|im_end|>.
SMOL_TAGGED = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}{{ '<|im_start|>' + message['role'] + '\n' }}{% if message['role'] == 'assistant' %}"
    "{% generation %}{{ message['content'] + '<|im_end|>' }}{% endgeneration %}{{ '\n' }}"
    "{% else %}{{ message['content'] + '<|im_end|>' + '\n' }}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


@pytest.mark.parametrize("conv", CONVERSATIONS)
def test_tokenizer_template_without_tags_matches_reference(conv, smol_tokenizer):
    template = get_template("tokenizer", smol_tokenizer)
    assert not template.has_generation_tags
    messages = CONVERSATIONS[conv]
    text = smol_tokenizer.apply_chat_template(messages, tokenize=False)
    assert smol_tokenizer.apply_chat_template(messages, chat_template=SMOL_TAGGED, tokenize=False) == text
    ids, mask = reference_mask(smol_tokenizer, get_template("custom", smol_tokenizer, source=SMOL_TAGGED), messages)
    enc = encode_messages(messages, smol_tokenizer, template)
    assert enc.text == text
    assert enc.input_ids == ids
    assert trained_mask(enc) == mask


@pytest.mark.parametrize("conv", ["single", "system_single", "multi", "unicode", "code"])
@pytest.mark.parametrize("name", [*BUILTIN_TEMPLATES, "tokenizer"])
def test_completion_only_equals_trl_prompt_completion_mask(name, conv, tokenizers, smol_tokenizer):
    """TRL's prompt/completion loss: the prompt (with generation prompt) is masked, everything after it trained."""
    from trl.data_utils import common_prefix_length

    tokenizer = tokenizers.get(name, smol_tokenizer)
    template = get_template(name, tokenizer)
    messages = CONVERSATIONS[conv]
    kwargs = {"chat_template": template.source, "tokenize": True, "return_dict": True}
    prompt_ids = tokenizer.apply_chat_template(messages[:-1], add_generation_prompt=True, **kwargs)["input_ids"]
    full_ids = tokenizer.apply_chat_template(messages, **kwargs)["input_ids"]
    # TRL starts the completion where the two tokenizations diverge (trl.data_utils.common_prefix_length).
    start = common_prefix_length(prompt_ids, full_ids)
    enc = encode_messages(messages, tokenizer, template, policy="completion_only")
    assert enc.input_ids == full_ids
    ours = trained_mask(enc)
    if start == len(prompt_ids):
        assert ours == [0] * start + [1] * (len(full_ids) - start)
    else:
        # Llama-3's prompt ends on a "\n\n" token that the full text splits into "\n" + "\n": TRL then trains
        # those template newlines too. ftlib starts at the reply's first character.
        first = ours.index(1)
        assert first > start and enc.tokens[first].segment == "content"
        assert all(enc.tokens[i].segment == "template" and not enc.tokens[i].text.strip() for i in range(start, first))
        assert ours == [0] * first + [1] * (len(full_ids) - first)


# ------------------------------------------------------------------------------------------ sentinels


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("conv", CONVERSATIONS)
@pytest.mark.parametrize("name", [*BUILTIN_TEMPLATES, "tokenizer"])
def test_sentinels(name, conv, policy, tokenizers, smol_tokenizer):
    tokenizer = tokenizers.get(name, smol_tokenizer)
    enc = encode_messages(CONVERSATIONS[conv], tokenizer, get_template(name, tokenizer), policy)
    n = len(enc.input_ids)
    assert len(enc.labels) == len(enc.attention_mask) == len(enc.tokens) == n
    assert enc.attention_mask == [1] * n
    # A trained label is its own input id (no shift here), every other label is -100; a token is shown trained where
    # the loss scores it: its label is not -100 and it is not the first (nothing before it predicts it).
    for token, tid, label in zip(enc.tokens, enc.input_ids, enc.labels, strict=True):
        assert token.id == tid and label in (tid, IGNORE_INDEX)
        assert token.trained == (label != IGNORE_INDEX and token.index > 0)
        assert token.label == label
    # Text pieces come from offsets of the rendered text and give it back exactly.
    assert "".join(t.text for t in enc.tokens) == enc.text
    assert tokenizer(enc.text, add_special_tokens=False)["input_ids"] == enc.input_ids
    if policy == "everything":
        assert enc.labels == enc.input_ids


@pytest.mark.parametrize("name", [*BUILTIN_TEMPLATES, "tokenizer"])
@pytest.mark.parametrize("conv", MULTI)
def test_policies(name, conv, tokenizers, smol_tokenizer):
    tokenizer = tokenizers.get(name, smol_tokenizer)
    template = get_template(name, tokenizer)
    messages = CONVERSATIONS[conv]
    assistants = [i for i, m in enumerate(messages) if m["role"] == "assistant"]
    by_policy = {p: encode_messages(messages, tokenizer, template, p) for p in POLICIES}

    def trained_messages(enc):
        return {t.message for t in enc.tokens if t.trained}

    assert trained_messages(by_policy["all_assistant"]) == set(assistants)
    assert trained_messages(by_policy["last_assistant"]) == {assistants[-1]}
    # completion only: a trained suffix that starts at the last reply
    mask = trained_mask(by_policy["completion_only"])
    first = mask.index(1)
    assert all(mask[first:]) and not any(mask[:first])
    assert by_policy["completion_only"].tokens[first].message == assistants[-1]
    # every end-of-turn of a trained turn is trained, and is one special token
    for policy, expected in (("all_assistant", assistants), ("last_assistant", assistants[-1:])):
        eots = [t for t in by_policy[policy].tokens if t.segment == "end_of_turn" and t.trained]
        assert [t.message for t in eots] == expected
        assert all(t.special and t.text == template.end_of_turn for t in eots)
    # nested: last ⊂ all ⊂ everything
    last, every = set(_trained_idx(by_policy["last_assistant"])), set(_trained_idx(by_policy["all_assistant"]))
    assert last < every < set(range(len(by_policy["everything"].input_ids)))


def _trained_idx(enc):
    return [t.index for t in enc.tokens if t.trained]


def test_records_reasons_roles_and_bytes(smol_tokenizer):
    enc = encode_messages(CONVERSATIONS["system_multi_ws"], smol_tokenizer, get_template("chatml", smol_tokenizer))
    reasons = {t.reason for t in enc.tokens}
    assert {
        "assistant reply (trained)",
        "end of assistant turn — trained so the model learns to stop",
        "user prompt — masked: the model should not learn to write the user's words",
        "system prompt — masked",
        "template scaffolding — masked",
    } == reasons
    first = enc.tokens[0]
    assert (first.text, first.special, first.role, first.trained, first.label) == (
        "<|im_start|>",
        True,
        "template",
        False,
        IGNORE_INDEX,
    )
    # 😀 is split over two byte-level tokens: the first shows the character, the second is an empty byte piece.
    emoji = [i for i, t in enumerate(enc.tokens) if "😀" in t.text]
    assert len(emoji) == 1
    nxt = enc.tokens[emoji[0] + 1]
    assert nxt.byte_piece and nxt.text == "" and nxt.trained
    assert enc.counts()["per_role"]["assistant"] == {"total": enc.num_trained, "trained": enc.num_trained}


# Mistral v1's way: a space between "[/INST]" and the reply, and after "[INST]" before the user's words.
SPACED_INST = (
    "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'user' %}{{ ' [INST] ' + m['content'] + ' [/INST]' }}"
    "{% else %}{{ ' ' + m['content'] + eos_token }}{% endif %}{% endfor %}"
)


def test_a_token_holding_a_template_space_and_the_reply_is_the_reply(smol_tokenizer):
    """A cold review found " Yes" (the template's space and a one-word reply in one token) shown as text the template
    wrote: the first segment a token touched won. The message's own words win now, trained or not."""
    conv = [
        {"role": "user", "content": "Is water wet?"},
        {"role": "assistant", "content": "Yes"},
        {"role": "user", "content": "Is fire cold?"},
        {"role": "assistant", "content": "No"},
    ]
    enc = encode_messages(conv, smol_tokenizer, get_template("custom", smol_tokenizer, source=SPACED_INST))
    by_text = {t.text: t for t in enc.tokens}
    for word in (" Yes", " No"):
        assert (by_text[word].segment, by_text[word].trained) == ("content", True), by_text[word]
        assert by_text[word].reason == "assistant reply (trained)"
    assert by_text[" Is"].segment == "content" and by_text[" Is"].reason.startswith("user prompt — masked")
    # The labels are what they were: the space before each reply is trained with it.
    eos = smol_tokenizer.eos_token
    assert [t.text for t in enc.tokens if t.trained] == [" Yes", eos, " No", eos]


def test_last_assistant_reason(smol_tokenizer):
    enc = encode_messages(CONVERSATIONS["multi"], smol_tokenizer, "chatml", policy="last_assistant")
    earlier = [t for t in enc.tokens if t.message == 1]
    assert earlier and all(not t.trained for t in earlier)
    assert all("only the last assistant turn" in t.reason for t in earlier)


# ------------------------------------------------------------------------------------------ formats and rows

RAW_ROWS = {
    "messages": {
        "messages": [{"role": "user", "content": "Capital of Peru?"}, {"role": "assistant", "content": "Lima."}]
    },
    "sharegpt": {"conversations": [{"from": "human", "value": "Capital of Peru?"}, {"from": "gpt", "value": "Lima."}]},
    "alpaca": {"instruction": "Capital of Peru?", "input": "", "output": "Lima."},
    "prompt_completion": {"prompt": "Capital of Peru?", "completion": "Lima."},
}


@pytest.mark.parametrize("policy", ["all_assistant", "last_assistant", "completion_only"])
@pytest.mark.parametrize("fmt", RAW_ROWS)
@pytest.mark.parametrize("name", ["chatml", "llama3", "alpaca", "plain", "tokenizer"])
def test_formats_train_exactly_the_answer(name, fmt, policy, tokenizers, smol_tokenizer):
    row, _ = convert_record(RAW_ROWS[fmt], fmt)
    tokenizer = tokenizers.get(name, smol_tokenizer)
    template = get_template(name, tokenizer)
    enc = encode_row(row, tokenizer, template, policy)
    trained = "".join(t.text for t in enc.tokens if t.trained).strip()
    assert trained == ("Lima." + template.end_of_turn)


PREFERENCE = {
    "prompt": [
        {"role": "system", "content": "Answer."},
        {"role": "user", "content": "Best pet?"},
        {"role": "assistant", "content": "Cats or dogs?"},
        {"role": "user", "content": "Pick one"},
    ],
    "chosen": [{"role": "assistant", "content": "Dogs: loyal."}],
    "rejected": [{"role": "assistant", "content": "No."}],
}


@pytest.mark.parametrize("name", [*BUILTIN_TEMPLATES, "tokenizer"])
def test_preference_row_gives_two_sequences(name, tokenizers, smol_tokenizer):
    tokenizer = tokenizers.get(name, smol_tokenizer)
    template = get_template(name, tokenizer)
    enc = encode_row(PREFERENCE, tokenizer, template)
    assert isinstance(enc, PreferenceEncoded)
    assert enc.chosen.text.startswith(enc.prompt_text) and enc.rejected.text.startswith(enc.prompt_text)
    for part, answer in ((enc.chosen, "Dogs: loyal."), (enc.rejected, "No.")):
        # The prompt's own assistant turn ("Cats or dogs?") is context, never trained.
        assert "".join(t.text for t in part.tokens if t.trained).strip() == answer + template.end_of_turn
        assert all(not t.trained for t in part.tokens if t.message == 2)
    everything = encode_row(PREFERENCE, tokenizer, template, "everything")
    assert everything.chosen.labels == everything.chosen.input_ids


def test_preference_from_formats_converter(smol_tokenizer):
    raw = {"prompt": "Best pet?", "chosen": "Dogs.", "rejected": "Rocks."}
    row, _ = convert_record(raw, "preference")
    enc = encode_row(row, smol_tokenizer, "chatml")
    assert [t.text for t in enc.chosen.tokens if t.trained] == ["Dogs", ".", "<|im_end|>"]
    assert enc.as_dict()["chosen"]["labels"] == enc.chosen.labels


def test_bad_rows_and_arguments(smol_tokenizer):
    with pytest.raises(UserError, match="Unknown mask policy"):
        encode_messages(CONVERSATIONS["single"], smol_tokenizer, "chatml", policy="assistant")
    with pytest.raises(UserError, match="positive number"):
        encode_messages(CONVERSATIONS["single"], smol_tokenizer, "chatml", max_length=0)
    with pytest.raises(UserError, match="A row must be"):
        encode_row({"foo": "hi"}, smol_tokenizer, "chatml")


# ------------------------------------------------------------------------------------------ truncation


def test_truncation_reports_cut_turns(smol_tokenizer):
    messages = CONVERSATIONS["multi"]
    full = encode_messages(messages, smol_tokenizer, "chatml")
    last_reply = [t.index for t in full.tokens if t.message == 5]
    cut_at = last_reply[1]  # keep one token of the last reply
    enc = encode_messages(messages, smol_tokenizer, "chatml", max_length=cut_at)
    assert enc.truncated and len(enc.input_ids) == cut_at == len(enc.labels)
    assert enc.labels == full.labels[:cut_at]
    assert [(t["message"], t["role"], t["kept"], t["fully_cut"]) for t in enc.cut_turns] == [
        (5, "assistant", 1, False)
    ]
    assert len(enc.cut_tokens) == len(full.input_ids) - cut_at
    assert all(t.reason.startswith("cut by max length") for t in enc.cut_tokens)
    assert "truncated_assistant" in {
        c.code for c in preflight(enc, smol_tokenizer, get_template("chatml", smol_tokenizer))
    }
    assert "".join(t.text for t in enc.tokens + enc.cut_tokens) == enc.text


# ------------------------------------------------------------------------------------------ pre-flight checks

THINK = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{% if m['role'] == 'assistant' and not loop.last %}"
    "{{ m['content'].split('</think>')[-1] }}{% else %}{{ m['content'] }}{% endif %}<|im_end|>\n{% endfor %}"
)
THINK_CONV = [
    {"role": "user", "content": "a"},
    {"role": "assistant", "content": "<think>hm</think>b"},
    {"role": "user", "content": "c"},
    {"role": "assistant", "content": "d"},
]
CONTENT_ONLY = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{% if m['role'] == 'assistant' %}"
    "{% generation %}{{ m['content'] }}{% endgeneration %}{% else %}{{ m['content'] }}{% endif %}"
    "<|im_end|>\n{% endfor %}"
)
DOUBLE_BOS = (
    "{{ bos_token }}{% for m in messages %}{{ bos_token }}{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
)
INSPECTS = (
    "{% for m in messages %}{% if m['content'][:1] == '!' %}LOUD {% endif %}<|im_start|>{{ m['role'] }}\n"
    "{{ m['content'] }}<|im_end|>\n{% endfor %}"
)


def _tok(smol, **changes):
    tok = copy.deepcopy(smol)
    for key, value in changes.items():
        setattr(tok, key, value)
    return tok


def _case(kind, smol):
    """(messages, tokenizer, template, policy, max_length) for a named case."""
    good = (CONVERSATIONS["multi"], smol, get_template("chatml", smol), "all_assistant", None)
    distinct_pad = _tok(smol, pad_token="<|endoftext|>")
    cases = {
        "no_trained_tokens": (CONVERSATIONS["multi"][:1], smol, get_template("chatml", smol), "all_assistant", None),
        "eot_not_trained": (
            CONVERSATIONS["multi"],
            smol,
            get_template("custom", smol, source=CONTENT_ONLY),
            "all_assistant",
            None,
        ),
        "missing_special_tokens": (CONVERSATIONS["single"], smol, get_template("gemma", smol), "all_assistant", None),
        "double_bos": (
            CONVERSATIONS["single"],
            smol,
            get_template("custom", smol, source=DOUBLE_BOS),
            "all_assistant",
            None,
        ),
        "pad_is_eos": good,
        # 49 tokens; replies at 13-15, 28-33, 46-47: a max length of 30 cuts turn 3 mid-way and turn 5 entirely.
        "truncated_assistant": (CONVERSATIONS["multi"], smol, get_template("chatml", smol), "all_assistant", 30),
        "not_prefix_preserving": (THINK_CONV, smol, get_template("custom", smol, source=THINK), "all_assistant", None),
        "padding_side": (
            CONVERSATIONS["single"],
            _tok(smol, padding_side="left"),
            get_template("chatml", smol),
            "all_assistant",
            None,
        ),
        "spans_approximate": (
            [{"role": "user", "content": "!hey"}, {"role": "assistant", "content": "ok"}],
            smol,
            get_template("custom", smol, source=INSPECTS),
            "all_assistant",
            None,
        ),
    }
    if kind == "bad":
        return cases
    # The good case for each check: a clean conversation (with a distinct pad token for pad_is_eos).
    return {code: (good if code != "pad_is_eos" else (good[0], distinct_pad, *good[2:])) for code in cases}


CHECK_CODES = [
    "no_trained_tokens",
    "eot_not_trained",
    "missing_special_tokens",
    "double_bos",
    "pad_is_eos",
    "truncated_assistant",
    "not_prefix_preserving",
    "padding_side",
    "spans_approximate",
]


@pytest.mark.parametrize("code", CHECK_CODES)
def test_each_check_fires_on_its_bad_case_only(code, smol_tokenizer):
    messages, tok, template, policy, max_length = _case("bad", smol_tokenizer)[code]
    bad = preflight(encode_messages(messages, tok, template, policy, max_length), tok, template)
    fired = [c for c in bad if c.code == code]
    assert len(fired) == 1, [c.code for c in bad]
    assert isinstance(fired[0], Check) and fired[0].message and fired[0].fix
    assert fired[0].severity in ("error", "warning", "info")
    messages, tok, template, policy, max_length = _case("good", smol_tokenizer)[code]
    good = preflight(encode_messages(messages, tok, template, policy, max_length), tok, template)
    assert code not in {c.code for c in good}


def test_clean_conversation_has_no_checks_with_distinct_pad(smol_tokenizer):
    tok = _tok(smol_tokenizer, pad_token="<|endoftext|>")
    for name in ("chatml", "alpaca", "plain", "tokenizer"):
        template = get_template(name, tok)
        assert preflight(encode_messages(CONVERSATIONS["multi"], tok, template), tok, template) == []


def _checks(messages, tok, template, **kw):
    template = get_template(template, tok) if isinstance(template, str) else template
    return preflight(encode_messages(messages, tok, template, **kw), tok, template)


def test_check_details(smol_tokenizer):
    content_only = get_template("custom", smol_tokenizer, source=CONTENT_ONLY)
    eot = next(c for c in _checks(CONVERSATIONS["multi"], smol_tokenizer, content_only) if c.code == "eot_not_trained")
    assert "messages 2, 4, 6" in eot.message
    none = _checks(CONVERSATIONS["multi"][:1], smol_tokenizer, "chatml")[0]
    assert (none.code, none.severity) == ("no_trained_tokens", "error") and "no assistant turn" in none.message
    cut = encode_messages(CONVERSATIONS["multi"], smol_tokenizer, "chatml", max_length=10)
    first = preflight(cut, smol_tokenizer, get_template("chatml", smol_tokenizer))[0]
    assert first.code == "no_trained_tokens" and "cut by the max length" in first.message
    assert str(len(cut.all_ids)) in first.fix
    from ftlib.checks import check_padding_side

    assert check_padding_side(smol_tokenizer, "generate").code == "padding_side"
    assert check_padding_side(smol_tokenizer, "train") is None


def test_summarize_counts_rows(smol_tokenizer):
    rows = [_checks(CONVERSATIONS["multi"], smol_tokenizer, "chatml", max_length=m) for m in (None, 30, 10)]
    summary = {(c.code, c.severity): n for c, n in summarize(rows)}
    assert summary[("pad_is_eos", "info")] == 2  # the third row has no trained token left to collide with
    assert summary[("truncated_assistant", "warning")] == 2
    assert summary[("no_trained_tokens", "error")] == 1
    assert summarize(rows)[0][0].severity == "error"


def test_backend_state_never_truncates_our_tokenization(smol_tokenizer):
    """ftlib reads the Rust tokenizer directly only when no truncation/padding is left on it."""
    tok = copy.deepcopy(smol_tokenizer)
    expected = encode_messages(CONVERSATIONS["multi"], tok, "chatml").input_ids
    tok.backend_tokenizer.enable_truncation(5)
    assert encode_messages(CONVERSATIONS["multi"], tok, "chatml").input_ids == expected


@pytest.mark.parametrize("policy, max_length", [("all_assistant", None), ("last_assistant", 30), ("everything", 12)])
def test_encode_rows_equals_encode_row(policy, max_length, smol_tokenizer):
    from ftlib.tokens import encode_rows

    rows = [{"messages": CONVERSATIONS[c]} for c in ("multi", "unicode", "empty_reply")] + [PREFERENCE]
    template = get_template("chatml", smol_tokenizer)
    batched = encode_rows(rows, smol_tokenizer, template, policy, max_length)
    for row, got in zip(rows, batched, strict=True):
        want = encode_row(row, smol_tokenizer, template, policy, max_length)
        assert type(got) is type(want)
        assert got.as_dict() == want.as_dict()


def test_generation_block_around_whole_conversation(smol_tokenizer):
    """A custom template tagging everything: each assistant turn keeps its own span, user text stays masked."""
    source = (
        "{% generation %}{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
        "{% endfor %}{% endgeneration %}"
    )
    enc = encode_messages(
        CONVERSATIONS["multi"], smol_tokenizer, get_template("custom", smol_tokenizer, source=source)
    )
    trained_roles = {t.role for t in enc.tokens if t.trained}
    assert trained_roles == {"assistant"}
    assert {t.message for t in enc.tokens if t.trained} == {1, 3, 5}
    assert not any(t.trained for t in enc.tokens if t.role == "user")


# ChatML with the end-of-turn marker in a generation block of its own, apart from the reply's.
EOT_BLOCK = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{% if m['role'] == 'assistant' %}"
    "{% generation %}{{ m['content'] }}{% endgeneration %}{% generation %}<|im_end|>{% endgeneration %}\n"
    "{% else %}{{ m['content'] }}<|im_end|>\n{% endif %}{% endfor %}"
)


@pytest.mark.parametrize("policy", ["all_assistant", "last_assistant"])
def test_an_end_of_turn_block_apart_from_the_reply_is_the_turns(policy, smol_tokenizer):
    """The marker's block holds no message part: only `all_assistant` trained it, so under `last_assistant` the
    model never learnt to stop. Its turn's, it is trained wherever the turn is, as transformers' mask has it."""
    template = get_template("custom", smol_tokenizer, source=EOT_BLOCK)
    messages = CONVERSATIONS["multi"]
    ids, mask = reference_mask(smol_tokenizer, template, messages)
    enc = encode_messages(messages, smol_tokenizer, template, policy)
    assert enc.input_ids == ids
    if policy == "last_assistant":  # the reference's mask of the last reply alone: after the last user turn
        after = max(t.index for t in enc.tokens if t.message == 4)
        mask = [m * (i > after) for i, m in enumerate(mask)]
    assert trained_mask(enc) == mask
    eots = [t for t in enc.tokens if t.trained and t.text == "<|im_end|>"]
    assert [t.message for t in eots] == ([1, 3, 5] if policy == "all_assistant" else [5])
    assert all(t.segment == "end_of_turn" for t in eots)
