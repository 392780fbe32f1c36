"""What a token's hover shows is in the HTML for the keyboard and a screen reader too (WCAG 2.1.1): each token pill
of the Tokens page and each generated token of a Compare cell is a Tab stop, named by its text and described by
what its hover says, and its focus shows the same details on screen; the Batches grid shows its cells' token ids as
a row. tests/test_keyboard_browser.py checks the tokens as Chromium reads them in the running app.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from ftlib import batching, workspace
from ftlib.rows import IGNORE_INDEX
from ftlib.sampling import TokenInfo
from ui import compare_view, token_view
from ui.compare_view import card_words, token_html
from ui.token_view import legend_html, tokens_html


class _Spans(HTMLParser):
    """The attributes of every span whose class starts with `prefix`."""

    def __init__(self, prefix: str):
        super().__init__()
        self.prefix, self.found = prefix, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "span" and attrs.get("class", "").startswith(self.prefix):
            self.found.append(attrs)


def spans(out: str, prefix: str) -> list[dict]:
    parser = _Spans(prefix)
    parser.feed(out)
    return parser.found


def test_each_token_pill_is_a_tab_stop_named_by_its_text_and_described_by_its_hover_text():
    tokens = [
        {"index": 0, "text": "<|im_start|>", "id": 1, "special": True, "label": IGNORE_INDEX, "reason": "template"},
        {"index": 1, "text": " Hi <b>\n", "id": 42, "trained": True, "label": 42, "reason": "assistant — trained"},
        {"index": 2, "text": "", "role": "padding", "label": IGNORE_INDEX},
    ]
    pills = spans(tokens_html(tokens, show_ids=True, cut_tokens=[{"index": 3, "text": "bye", "id": 9}]), "ft-tok")
    assert len(pills) == 4
    assert all(p["tabindex"] == "0" for p in pills)
    # Named by the text as drawn (spaces ·, line breaks ↵; not the ids under it), described by the hover text.
    assert [p["aria-label"] for p in pills] == ["<|im_start|>", "·Hi·<b>↵", "pad", "bye"]
    assert pills[1]["title"] == "#1 id 42 | label 42 | assistant — trained"
    assert pills[3]["title"].endswith("cut by the max length: not in the training sequence")
    # The legend's samples have their words beside them: no Tab stops there.
    assert not any("tabindex" in p for p in spans(legend_html(), "ft-tok"))


def test_a_focused_pill_shows_its_hover_text_on_screen():
    rule = re.search(r"\.ft-tok\[tabindex\]:focus-visible::after\{([^}]*)\}", token_view.CSS)
    assert rule and "content:attr(title)" in rule.group(1)
    assert re.search(r"\.ft-tok\[tabindex\]:focus-visible\{[^}]*box-shadow", token_view.CSS)  # a visible focus ring


def test_each_generated_token_is_a_tab_stop_described_by_its_cards_numbers():
    tokens = [
        TokenInfo(id=5, text="Ahoy", prob=0.92, sample_prob=0.97, alternatives=[("Ahoy", 0.92), (" Hi", 0.05)]),
        TokenInfo(id=6, text="\n", prob=0.31, sample_prob=0.4, alternatives=[]),
        TokenInfo(id=7, text="", prob=0.9, sample_prob=1.0, alternatives=[], stop=True),
    ]
    toks = spans(token_html(tokens, "stop", sampled=True), "tok")
    assert len(toks) == 2  # the end marker is not a token
    assert [t["tabindex"] for t in toks] == ["0", "0"]
    assert [t["aria-label"] for t in toks] == ["Ahoy", "↵"]
    said = "model 92.0% · under this setting 97.0%; its top choices: Ahoy 92.0%, ·Hi 5.0%"
    assert toks[0]["aria-description"] == said
    assert toks[1]["aria-description"] == "model 31.0% · under this setting 40.0%; no alternatives recorded"
    # The words say what the card shows (the card's head, in the same numbers).
    head = re.search(r'<div class="head">(.*?)</div>', compare_view.card_html(tokens[0], sampled=True)).group(1)
    assert card_words(tokens[0], sampled=True).startswith(html.unescape(head))
    assert ".ftgen .tok:focus-visible .card" in compare_view.CSS  # the card shows on focus as on hover


def test_the_batch_grid_shows_the_token_ids_its_hover_text_holds_as_a_row():
    """The Batches grid's cells say their id, attention, label and position id on hover only: each is a row the page
    can show (the "Token id row" toggle: the ids were in the hover text alone)."""
    from tests.test_pages_batches import grids, run_page, sft_rows
    from ui.batch_view import Shown, grid_html

    batch = batching.collate([{"input_ids": [5, 6, 7], "labels": [IGNORE_INDEX, 6, 7]}], pad_id=3)
    out = grid_html(batch, Shown(["row 1"], [list("abc")], labels=False, ids=True), batch.labels, 0, 3)
    assert "<tr class='aux'><th>token id</th><td>5</td><td>6</td><td>7</td></tr>" in out
    assert "token id" not in grid_html(batch, Shown(["row 1"], [list("abc")]), batch.labels, 0, 3)

    workspace.save_split("chats-ids", sft_rows(4), sft_rows(2))
    at = run_page()
    assert not any("<th>token id</th>" in g for g in grids(at))  # off by default
    at.toggle(key="batch_id_row").set_value(True).run()
    assert not at.exception, at.exception
    assert all("<th>token id</th>" in g for g in grids(at)) and grids(at)
