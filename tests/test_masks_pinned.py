"""Mask, token-record and row-check behaviours a mutation review found unpinned: unsorted and zero-width offsets,
raw text on a BOS-adding tokenizer, cut rows' checks, a trained token's reason, text pairs split inside a number,
reasoning dropped from an answer, prompt turns a template leaves out, and `//` lines in a JSONL file."""

from __future__ import annotations

import copy

import pytest

from ftlib import masks
from ftlib.checks import preflight
from ftlib.formats import convert_record
from ftlib.pairs import split_text_prefix
from ftlib.readers import jsonl_records
from ftlib.rows import IGNORE_INDEX
from ftlib.templates import get_template
from ftlib.tokens import encode_row

CHAT = [
    {"role": "user", "content": "Name a colour."},
    {"role": "assistant", "content": "Blue, like the sky."},
    {"role": "user", "content": "Another?"},
    {"role": "assistant", "content": "Green, like the grass."},
]
LONG_REPLY = [
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello there, how are you doing today, my good friend? Tell me everything."},
]


def _codes(enc, tok, template) -> dict:
    return {c.code: c for c in preflight(enc, tok, template)}


def _trained(enc) -> list[int]:
    return [int(label != IGNORE_INDEX) for label in enc.labels]


# --- (6) tokenizers whose offsets are not sorted ----------------------------------------------------------------


def _zeroed_specials(tokenizer, token: str):
    """`tokenizer`, reporting (0, 0) as the character offsets of every `token` (as some tokenizers report the tokens
    they add themselves): the offsets are then not sorted, which the masks' slow path handles."""
    zeroed = tokenizer.convert_tokens_to_ids(token)

    class ZeroedOffsets(type(tokenizer)):
        def _encode_plus(self, *args, **kwargs):
            out = super()._encode_plus(*args, **kwargs)
            if "offset_mapping" in out:
                batched = bool(out["input_ids"]) and isinstance(out["input_ids"][0], list)
                ids = out["input_ids"] if batched else [out["input_ids"]]
                offsets = out["offset_mapping"] if batched else [out["offset_mapping"]]
                for row_ids, row_offsets in zip(ids, offsets, strict=True):
                    for k, tid in enumerate(row_ids):
                        if tid == zeroed:
                            row_offsets[k] = (0, 0)
            return out

    wrapped = copy.copy(tokenizer)
    wrapped.__class__ = ZeroedOffsets
    return wrapped


@pytest.mark.parametrize("policy", ["all_assistant", "last_assistant", "completion_only", "everything"])
def test_unsorted_offsets_still_train_exactly_the_assistant_tokens(policy, smol_tokenizer, monkeypatch):
    """A tokenizer with unsorted offsets (the slow path of `assign`) trains what transformers' assistant mask and
    the same tokenizer with sorted offsets train, not nothing and not the header's last token."""
    template = get_template("chatml", smol_tokenizer)
    slow = []
    real_slow = masks._assign_slow
    monkeypatch.setattr(masks, "_assign_slow", lambda *a: slow.append(1) or real_slow(*a))
    wrapped = _zeroed_specials(smol_tokenizer, "<|im_start|>")
    enc = encode_row({"messages": CHAT}, wrapped, template, policy)
    assert slow, "the unsorted offsets did not reach the slow path"
    sorted_enc = encode_row({"messages": CHAT}, smol_tokenizer, template, policy)
    assert enc.input_ids == sorted_enc.input_ids
    assert enc.labels == sorted_enc.labels
    assert enc.token_segments == sorted_enc.token_segments
    if policy == "all_assistant":
        ref = smol_tokenizer.apply_chat_template(
            CHAT, chat_template=template.source, tokenize=True, return_dict=True, return_assistant_tokens_mask=True
        )
        assert ref["input_ids"] == enc.input_ids and ref["assistant_masks"] == _trained(enc)
    if policy == "completion_only":  # TRL's prompt/completion split: the prompt ends on the reply's header
        prompt = smol_tokenizer.apply_chat_template(
            CHAT[:3], tokenize=True, add_generation_prompt=True, chat_template=template.source, return_dict=True
        )["input_ids"]
        assert _trained(enc) == [0] * len(prompt) + [1] * (len(enc.input_ids) - len(prompt))


# --- (16) zero-width tokens at a span boundary ------------------------------------------------------------------


def test_a_zero_width_token_at_a_span_boundary_belongs_to_the_character_at_its_position(smol_tokenizer):
    """A zero-width token (SentencePiece's prepended '▁') right where a reply starts is trained with the reply;
    one right after the reply's end-of-turn marker is not."""
    template = get_template("chatml", smol_tokenizer)
    enc = encode_row({"messages": LONG_REPLY}, smol_tokenizer, template)
    reply = next(j for j, s in enumerate(enc.segments) if s.message == 1 and s.kind == "content")
    eot = next(s for s in enc.segments if s.message == 1 and s.kind == "end_of_turn")
    start = enc.segments[reply].start
    offsets = list(enc.offsets)
    first = next(k for k, (s, _) in enumerate(offsets) if s >= start)
    after = next(k for k, (s, _) in enumerate(offsets) if s >= eot.end)
    # Insert the later one first, so the earlier index still holds.
    offsets.insert(after, (eot.end, eot.end))
    offsets.insert(first, (start, start))
    seg_of, trained = masks.assign(offsets, enc.segments, None)
    assert seg_of[first] == reply and trained[first]
    assert trained[first + 1] and seg_of[first + 1] == reply
    zero_after = after + 1
    assert not trained[zero_after] and enc.segments[seg_of[zero_after - 1]].kind == "end_of_turn"
    assert seg_of[zero_after] == -1 or not enc.segments[seg_of[zero_after]].trained


# --- (7) raw text on a BOS-adding tokenizer -----------------------------------------------------------------------


def _llama_style_tokenizer():
    """A word-level tokenizer whose `tokenizer(text)` puts `<s>` in front, as Llama's does."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    words = ["<unk>", "<s>", "</s>", "the", "cat", "sat", "on", "mat", "."]
    backend = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    backend.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", 1)]
    )
    return PreTrainedTokenizerFast(tokenizer_object=backend, bos_token="<s>", eos_token="</s>", unk_token="<unk>")


def test_raw_text_row_on_a_bos_adding_tokenizer_starts_with_one_bos_as_trl_tokenizes_it():
    """A raw-text row on a Llama-style tokenizer keeps the BOS TRL's language modelling gives it (once, not twice)."""
    from trl.data_utils import _tokenize

    from ftlib.tokens import tokenizer_adds_bos

    tok = _llama_style_tokenizer()
    assert tokenizer_adds_bos(tok)
    text = "the cat sat on the mat ."
    enc = encode_row({"text": text}, tok, "chatml")
    reference = _tokenize(tok, text + tok.eos_token)["input_ids"]  # TRL adds the eos, then tokenizes with specials
    assert enc.input_ids == reference
    assert enc.input_ids.count(tok.bos_token_id) == 1 and enc.input_ids[0] == tok.bos_token_id
    assert enc.labels == enc.input_ids  # every token trained, the BOS too
    assert enc.tokens[0].segment == "start_of_text"
    # A text that already starts with the BOS gets no second one.
    again = encode_row({"text": "<s>" + text}, tok, "chatml")
    assert again.input_ids == reference


def test_raw_text_row_on_a_sentencepiece_tokenizer_keeps_the_first_words_prefix():
    """A sentencepiece tokenizer that prefixes only a text's start with "▁" (Metaspace, prepend_scheme "first", as
    Mistral v0.3's) read the text after the BOS's own text as following a special token: "the" where TRL's
    `tokenizer(text)` has "▁the". The BOS goes in front of the text's ids, as the post-processor puts it; the Data
    page's token length counts the same ids."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast
    from trl.data_utils import _tokenize

    from ftlib.data_stats import dataset_stats

    words = ["<unk>", "<s>", "</s>", "▁the", "▁cat", "▁sat", "the", "cat", "sat"]
    backend = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=True)
    backend.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 1)])
    tok = PreTrainedTokenizerFast(tokenizer_object=backend, bos_token="<s>", eos_token="</s>", unk_token="<unk>")
    text = "the cat sat"
    reference = _tokenize(tok, text + tok.eos_token)["input_ids"]
    assert tok.convert_ids_to_tokens(reference) == ["<s>", "▁the", "▁cat", "▁sat", "</s>"]
    enc = encode_row({"text": text}, tok, "chatml")
    assert enc.input_ids == reference
    assert [t.text for t in enc.tokens] == ["<s>", "the", " cat", " sat", "</s>"]
    assert enc.tokens[0].segment == "start_of_text" and enc.tokens[1].segment == "text"
    assert dataset_stats([{"text": text}], tok)["token_lengths"] == [len(reference)]


# --- (8) (14) checks of rows the max length cuts ------------------------------------------------------------------


def test_a_chatml_reply_cut_by_max_length_is_reported_as_truncated_not_as_a_missing_end_of_turn(smol_tokenizer):
    """A reply cut mid-way by the max length is a truncation to fix by a longer max length, not a template with no
    trained end-of-turn (which would send the user to change a template that is fine)."""
    template = get_template("chatml", smol_tokenizer)
    enc = encode_row({"messages": LONG_REPLY}, smol_tokenizer, template, max_length=14)
    assert enc.truncated and enc.num_trained
    codes = _codes(enc, smol_tokenizer, template)
    assert "truncated_assistant" in codes
    assert "eot_not_trained" not in codes


def test_a_cut_turn_that_is_not_trained_is_not_reported_as_truncated_training(smol_tokenizer):
    """Cutting a turn nothing trains (weight 0, or an earlier turn under last_assistant) loses no training: the
    truncation warning must not name it."""
    template = get_template("chatml", smol_tokenizer)
    context = [*CHAT[:3], {"role": "assistant", "content": "Green, like the grass in the meadow.", "weight": 0}]
    full = encode_row({"messages": context}, smol_tokenizer, template)
    cut_at = len(full.input_ids) - 4  # inside the last (weight-0) reply
    enc = encode_row({"messages": context}, smol_tokenizer, template, max_length=cut_at)
    assert [t["message"] for t in enc.cut_turns] == [3] and not enc.cut_turns[0]["trained"]
    assert "truncated_assistant" not in _codes(enc, smol_tokenizer, template)

    # last_assistant: a cut inside turn 2 cuts the trained turn 4 as well; only turn 4 is named.
    header = len(smol_tokenizer("<|im_start|>user\nName a colour.<|im_end|>\n<|im_start|>assistant\n")["input_ids"])
    enc = encode_row({"messages": CHAT}, smol_tokenizer, template, "last_assistant", max_length=header + 2)
    assert {t["message"] for t in enc.cut_turns} >= {1, 3}
    message = _codes(enc, smol_tokenizer, template)["truncated_assistant"].message
    assert "message 4" in message and "message 2" not in message


# --- (15) a trained token's reason ----------------------------------------------------------------------------------

# The generation block opens with template text ("\n\nAssistant: "), which the tokenizer merges with the user's
# trailing space into one token (" \n").
MERGING = (
    "{% for m in messages %}{% if m['role'] == 'user' %}{{ 'User: ' + m['content'] }}{% else %}"
    "{% generation %}{{ '\n\nAssistant: ' + m['content'] + eos_token }}{% endgeneration %}{{ '\n' }}{% endif %}"
    "{% endfor %}{% if add_generation_prompt %}{{ '\n\nAssistant:' }}{% endif %}"
)


def test_a_trained_token_that_also_holds_user_text_is_shown_as_the_assistant_turn(smol_tokenizer):
    """The Tokens page's reason for a trained token never calls it the user's prompt or masked, even when the token
    also holds the end of the user's text (as transformers' mask, it is trained)."""
    template = get_template("custom", smol_tokenizer, source=MERGING)
    messages = [{"role": "user", "content": "Hi "}, {"role": "assistant", "content": "Hello."}]
    enc = encode_row({"messages": messages}, smol_tokenizer, template)
    ref = smol_tokenizer.apply_chat_template(
        messages, chat_template=MERGING, tokenize=True, return_dict=True, return_assistant_tokens_mask=True
    )
    assert ref["input_ids"] == enc.input_ids and ref["assistant_masks"] == _trained(enc)
    shared = [t for t in enc.tokens if t.text == " \n"]
    assert shared and shared[0].trained  # the case this test is about: user text and trained text in one token
    for t in enc.tokens:
        if t.trained:
            assert t.role == "assistant", (t.text, t.role, t.reason)
            assert "masked" not in t.reason and "user" not in t.reason, (t.text, t.reason)


# --- (10) a text pair that parts inside a number -------------------------------------------------------------------


def test_preference_texts_differing_in_a_number_split_before_the_number():
    """'The answer is 42.' vs 'The answer is 4.' must not make '4' part of the prompt (DPO would compare '2.' with
    '.'): the split goes back to the start of the word, as it does for '42.' vs '48.'."""
    assert split_text_prefix("The answer is 42.", "The answer is 4.") == ("The answer is", " 42.", " 4.")
    assert split_text_prefix("The answer is 4.", "The answer is 42.") == ("The answer is", " 4.", " 42.")
    row, _ = convert_record({"chosen": "The answer is 42.", "rejected": "The answer is 4."}, "preference")
    assert row["prompt"] == [{"role": "user", "content": "The answer is"}]
    assert row["chosen"][0]["content"] == " 42." and row["rejected"][0]["content"] == " 4."


# --- minor: checks.py (trailing whitespace), message_checks.py (reasoning, prompt turns), readers.py ---------------


def test_the_everything_policy_on_chatml_is_not_told_its_end_of_turn_is_untrained(smol_tokenizer):
    """With every token trained, a turn's trained text ends on the newline after `<|im_end|>`: that whitespace is
    skipped, so no false 'eot_not_trained' warning."""
    template = get_template("chatml", smol_tokenizer)
    enc = encode_row({"messages": CHAT}, smol_tokenizer, template, "everything")
    assert enc.text.endswith("<|im_end|>\n") and enc.labels[-1] != IGNORE_INDEX
    assert "eot_not_trained" not in _codes(enc, smol_tokenizer, template)


# Drops the reasoning of every assistant turn (as DeepSeek-R1's template does): the text after `</think>` only.
DROPS_THINKING = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{% if m['role'] == 'assistant' %}"
    "{{ m['content'].split('</think>')[-1] }}{% else %}{{ m['content'] }}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


@pytest.mark.parametrize("kind", ["preference", "unpaired"])
def test_reasoning_dropped_from_a_preference_or_kto_answer_is_warned(kind, smol_tokenizer):
    """The answer of a preference or KTO row is the first message after the prompt: a template that drops its
    reasoning must be said to, as for any trained reply."""
    template = get_template("custom", smol_tokenizer, source=DROPS_THINKING)
    prompt = [{"role": "user", "content": "Is 91 prime?"}]
    answer = [{"role": "assistant", "reasoning": "91 = 7 x 13.", "content": "No, it is 7 times 13."}]
    if kind == "preference":
        row = {"prompt": prompt, "chosen": answer, "rejected": [{"role": "assistant", "content": "Yes."}]}
    else:
        row = {"prompt": prompt, "completion": answer, "label": True}
    enc = encode_row(row, smol_tokenizer, template)
    message = _codes(enc, smol_tokenizer, template)["reasoning_dropped"].message
    assert "message 2" in message


# Leaves out the text of every assistant turn but the last (a template that writes only the final answer).
LAST_REPLY_ONLY = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{% if m['role'] != 'assistant' or loop.last %}"
    "{{ m['content'] }}{% endif %}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n"
    "{% endif %}"
)


def test_a_prompt_turn_the_template_leaves_out_is_not_reported_as_a_dropped_reply(smol_tokenizer):
    """An assistant turn inside a preference row's prompt is context, never trained: its text left out is not the
    'reply_dropped' warning ('the model will not learn to write it')."""
    template = get_template("custom", smol_tokenizer, source=LAST_REPLY_ONLY)
    row = {
        "prompt": CHAT[:3],
        "chosen": [{"role": "assistant", "content": "Green."}],
        "rejected": [{"role": "assistant", "content": "Purple, like nothing."}],
    }
    enc = encode_row(row, smol_tokenizer, template)
    assert {"message": 1, "what": "content"} in enc.chosen.dropped  # the prompt's reply is left out
    assert "reply_dropped" not in _codes(enc, smol_tokenizer, template)


def test_a_jsonl_line_starting_with_slashes_is_a_row_error_not_skipped():
    """A `// comment` line in a JSONL file is not JSON: it is reported with its line number, never dropped
    silently (the row count would not add up)."""
    records, errors = jsonl_records('{"text": "a"}\n// a comment\n{"text": "b"}\n')
    assert [n for n, _ in records] == [1, 3]
    assert [e.row for e in errors] == [2] and "not valid JSON" in errors[0].message


def test_the_neighbours_of_each_turn_are_those_a_scan_of_every_other_turn_finds():
    """masks._neighbours replaced a scan of every other turn for each turn (quadratic: a 40,000-turn row took 108 s
    to encode, now about 5 s); the same answer on extents in order, overlapping, and missing."""
    import random

    from ftlib.masks import _neighbours

    rng = random.Random(0)
    for _ in range(200):
        extents = []
        for _ in range(rng.randint(0, 12)):
            start = rng.randint(0, 60)
            extents.append(None if rng.random() < 0.2 else (start, start + rng.randint(0, 15)))
        turns = [i for i in range(len(extents)) if rng.random() < 0.6]
        expected = {
            i: (
                max((x[1] for x in extents[:i] if x is not None and x[1] <= extents[i][0]), default=0),
                min((x[0] for x in extents[i + 1 :] if x is not None and x[0] >= extents[i][1]), default=None),
            )
            for i in turns
            if extents[i] is not None
        }
        assert _neighbours(extents, turns) == expected
