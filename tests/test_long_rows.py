"""Long rows on the Tokens page: the checks stay linear in the turns, the page computes them once per row and
settings, draws a bounded number of cut tokens, and the cut-turn warning names a few turns and the right cost.

A cold review with large rows found the pre-flight checks rendering the conversation once per reply (450 renders for
a 300-turn row: 1.8 s, 6.1 s at 600 turns) and rerun at every click, 53,311 struck-through pills (7.3 MB of HTML) for
a 53,695-token row cut at 384, and a cut-turn warning of 3,827 characters that blamed a lost end-of-turn token on
replies that were cut entirely (never trained at all).
"""

from __future__ import annotations

import json
import re
import uuid

import pytest
from streamlit.testing.v1 import AppTest

import ftlib.checks
import ftlib.message_checks
import ftlib.prompt_checks
from ftlib.checks import check_truncation, preflight
from ftlib.templates import get_template
from ftlib.tokens import encode_row
from tests.test_generation_prompt import TRAILING_SPACE
from tests.test_pages_tokens import PAGE, html, pills, run
from tests.test_row_check_words import STRIPS_THINK
from ui.token_view import tokens_html

CUT_DRAWN = 200  # cut tokens the token view draws (ui.token_view.CUT_DRAWN)
NAMED_TURNS = 4  # turns the cut-turn warning names before it counts the rest (ftlib.checks.NAMED_TURNS)


def long_chat(replies: list[str]) -> dict:
    """A system message, then a question before each reply: reply k (from 0) is message 2k + 2, turn 2k + 3."""
    messages = [{"role": "system", "content": "Answer briefly."}]
    for k, text in enumerate(replies):
        messages += [{"role": "user", "content": f"Question {k}?"}, {"role": "assistant", "content": text}]
    return {"messages": messages}


@pytest.fixture
def renders(monkeypatch) -> list[int]:
    """Counts the renders of the checks that render a conversation up to a reply (generation prompt, prefix)."""
    counted = [0]
    real = ftlib.prompt_checks.render

    def counting(*args, **kwargs):
        counted[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(ftlib.prompt_checks, "render", counting)
    monkeypatch.setattr(ftlib.message_checks, "render", counting)
    return counted


@pytest.mark.parametrize("turns", [300, 600])
def test_the_checks_render_a_long_row_a_bounded_number_of_times(smol_tokenizer, renders, turns):
    template = get_template("tokenizer", smol_tokenizer)
    enc = encode_row(long_chat([f"The answer is {k}." for k in range(turns // 2)]), smol_tokenizer, template)
    preflight(enc, smol_tokenizer, template)
    assert renders[0] <= 30, renders[0]  # every reply's prefix: 3 renders a reply (450 for 300 turns)


def test_a_reply_of_another_kind_in_the_middle_of_a_long_row_is_still_checked(smol_tokenizer):
    """The generation prompt's trailing space glues to a word, not to a digit (tests/test_generation_prompt.py): of
    300 replies opening on a digit, the one in the middle opening on a word is the one that differs, and is found."""
    template = get_template("custom", smol_tokenizer, source=TRAILING_SPACE)
    replies = [f"{k} grams." for k in range(150)]
    quiet = encode_row(long_chat(replies), smol_tokenizer, template)
    assert not [c for c in preflight(quiet, smol_tokenizer, template) if c.code == "generation_prompt_mismatch"]
    replies[75] = "Half a kilogram."  # message 152, turn 153
    enc = encode_row(long_chat(replies), smol_tokenizer, template)
    (found,) = [c for c in preflight(enc, smol_tokenizer, template) if c.code == "generation_prompt_mismatch"]
    assert (
        "When the model generates message 153 (the assistant's reply)" in found.message and "' Half'" in found.message
    )


def test_a_long_row_whose_every_reply_differs_says_how_many_were_checked(smol_tokenizer):
    template = get_template("custom", smol_tokenizer, source=TRAILING_SPACE)
    enc = encode_row(long_chat([f"Reply {k}." for k in range(150)]), smol_tokenizer, template)
    (found,) = [c for c in preflight(enc, smol_tokenizer, template) if c.code == "generation_prompt_mismatch"]
    assert "When the model generates message 3 (the assistant's reply)" in found.message
    assert re.search(r"The same goes for messages 5, 7, 297, 299, 301 \(\d+ of its 150 replies checked", found.message)


def test_a_template_that_rewrites_one_reply_in_the_middle_of_a_long_row_is_still_found(smol_tokenizer):
    template = get_template("custom", smol_tokenizer, source=STRIPS_THINK)
    replies = [f"Answer {k}." for k in range(150)]
    replies[80] = "<think>Hm.</think>Answer 80."  # message 162: markup in its text, a reply of its own kind
    enc = encode_row(long_chat(replies), smol_tokenizer, template)
    (found,) = [c for c in preflight(enc, smol_tokenizer, template) if c.code == "not_prefix_preserving"]
    # only the reply itself is written otherwise (its reasoning dropped): its context is the one generation reads
    assert "the reply in message 163 differently" in found.message


def _first_token_of(enc, message: int) -> int:
    return next(t.index for t in enc._records if t.message is not None and t.message >= message)


# (id, replies, where the max length falls: (message, tokens into it), words said, words not said)
CUT_CASES = [
    ("mid-way", ["A fairly long reply that the max length cuts in its middle."], (2, 6),
     ["cuts an assistant reply, message 3 (", "tokens cut): a reply cut mid-way loses its end-of-turn token"],
     ["never trained"]),
    ("entirely", ["Short.", "Cut whole.", "Cut whole too."], (3, 0),
     ["cuts assistant replies, message 5 (all tokens cut), message 7 (all tokens cut): those 2 replies are cut "
      "entirely, so never trained"], ["stop nowhere", "mid-way"]),
    ("one entirely", ["Short.", "Cut whole."], (3, 0),
     ["message 5 (all tokens cut): that reply is cut entirely, so never trained: the model learns nothing from it."],
     ["stop nowhere"]),
    ("both", ["Short.", "A fairly long reply that the max length cuts in its middle.", "Cut whole."], (4, 6),
     ["message 5 (", "tokens cut), message 7 (all tokens cut): a reply cut mid-way loses its end-of-turn token, so "
      "the row teaches the model to stop nowhere, and the reply cut entirely is never trained."], []),
    ("many", [f"Reply number {k}." for k in range(150)], (40, 2),
     ["message 41 (", "tokens cut), message 43 (all tokens cut), message 45 (all tokens cut), message 47 (all "
      "tokens cut) and 127 more turns: a reply cut mid-way", "and the 130 replies cut entirely are never trained."],
     ["message 49"]),
]  # fmt: skip


@pytest.mark.parametrize("replies, at, says, not_said", [c[1:] for c in CUT_CASES], ids=[c[0] for c in CUT_CASES])
def test_the_cut_turn_warning_names_a_few_turns_and_the_cost_that_fits(smol_tokenizer, replies, at, says, not_said):
    template = get_template("chatml", smol_tokenizer)
    row = long_chat(replies)
    whole = encode_row(row, smol_tokenizer, template)
    enc = encode_row(row, smol_tokenizer, template, max_length=_first_token_of(whole, at[0]) + at[1])
    check = check_truncation(enc)
    for words in says:
        assert words in check.message, check.message
    for words in not_said:
        assert words not in check.message, check.message
    assert len(check.message) < 400 and len(re.findall(r"turn \d+", check.message)) <= NAMED_TURNS


def test_the_token_view_draws_the_first_cut_tokens_and_counts_the_rest():
    kept = [{"index": i, "text": f"k{i}", "id": i, "trained": True, "label": i} for i in range(10)]
    cut = [{"index": 10 + i, "text": f"c{i}", "id": 10 + i} for i in range(1000)]
    page = tokens_html(kept, cut_tokens=cut)
    assert page.count('class="ft-tok ft-cut"') == CUT_DRAWN and ">c199<" in page and ">c200<" not in page
    assert "800 more tokens cut by the max length are not drawn (1,000 cut in all; the first 200 are drawn)." in page
    few = tokens_html(kept, cut_tokens=cut[:CUT_DRAWN])
    assert few.count('class="ft-tok ft-cut"') == CUT_DRAWN and "not drawn" not in few


def _long_row_page(max_length: int = 64) -> AppTest:
    at = run(AppTest.from_file(PAGE, default_timeout=120))
    words = " ".join(f"word{k} and more," for k in range(200))  # about 1,000 tokens
    row = [{"role": "user", "content": f"Say it ({uuid.uuid4().hex})."}, {"role": "assistant", "content": words}]
    at.text_area(key="tok_conversation").set_value(json.dumps(row))
    at.number_input(key="tok_max_length").set_value(max_length)
    return run(at)


def test_the_page_draws_a_bounded_number_of_cut_tokens_and_says_how_many_are_not_drawn():
    at = _long_row_page()
    cut = int(at.metric[3].value)
    assert cut > 2 * CUT_DRAWN
    assert sum("ft-cut" in klass for klass, _ in pills(at)) == CUT_DRAWN
    assert f"{cut - CUT_DRAWN:,} more tokens cut by the max length are not drawn ({cut:,} cut in all" in html(at)
    at.toggle(key="tok_table").set_value(True)
    run(at)
    assert len(at.dataframe[0].value) == 64
    assert any(f"the {cut} tokens cut by the max length are not in this table" in c.value for c in at.caption)


def test_the_page_runs_the_checks_once_per_row_and_settings(monkeypatch):
    calls = []
    real = ftlib.checks.preflight
    monkeypatch.setattr(ftlib.checks, "preflight", lambda *a, **k: calls.append(1) or real(*a, **k))
    at = _long_row_page()
    before = len(calls)
    assert before >= 1 and any("cuts an assistant reply, message 2 (" in w.value for w in at.warning)
    at.toggle(key="tok_show_ids").set_value(True)  # nothing about the row changes: its checks are not run again
    run(at)
    assert len(calls) == before and any("cuts an assistant reply, message 2 (" in w.value for w in at.warning)
    at.number_input(key="tok_max_length").set_value(128)  # the encoding changes: checked again
    run(at)
    assert len(calls) == before + 1
