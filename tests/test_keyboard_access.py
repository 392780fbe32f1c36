"""What a token's hover shows is in the HTML for the keyboard and a screen reader too (WCAG 2.1.1): each token pill
of the Tokens page and each generated token of a Compare cell is a Tab stop, named by its text and described by
what its hover says, and its focus shows the same details on screen; the Batches grid shows its cells' token ids as
a row. tests/test_keyboard_browser.py checks the tokens as Chromium reads them in the running app.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ftlib import batching, workspace
from ftlib.rows import IGNORE_INDEX
from ftlib.sampling import TokenInfo
from ui import compare_view, token_view
from ui.compare_view import card_words, token_html
from ui.token_view import legend_html, tokens_html

ROOT = Path(__file__).resolve().parents[1]


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
    # Named by the text in words (not the · and ↵ drawn for a space and a line break, read aloud as "middle dot" and an
    # arrow's name; not the ids under it), described by the hover text.
    assert [p["aria-label"] for p in pills] == ["<|im_start|>", "space Hi space <b> newline", "pad", "bye"]
    assert pills[1]["title"] == "#1 id 42 | label 42 | assistant — trained"
    assert pills[3]["title"].endswith("cut by the max length: not in the training sequence")
    # The legend's samples have their words beside them: no Tab stops there.
    assert not any("tabindex" in p for p in spans(legend_html(), "ft-tok"))


# (text, what a screen reader is given as its name): whitespace and unseen characters in words, never · ↵ → marks
SPOKEN = [
    (" the", "space the"),
    ("   ", "3 spaces"),
    ("\n\n", "2 newlines"),
    ("\tx", "tab x"),
    ("a\u202eb", "a U+202E b"),
    ("\u200d", "U+200D"),
    ("", "empty"),
    ("<|im_end|>", "<|im_end|>"),
]


@pytest.mark.parametrize(("text", "said"), SPOKEN, ids=[repr(t) for t, _ in SPOKEN])
def test_a_tokens_name_says_its_whitespace_in_words(text, said):
    assert spans(tokens_html([{"index": 0, "text": text, "id": 1}]), "ft-tok")[0]["aria-label"] == said
    assert (
        spans(token_html([TokenInfo(id=1, text=text, prob=0.9, sample_prob=0.9, alternatives=[])]), "tok")[0][
            "aria-label"
        ]
        == said
    )


def block_order(out: str) -> list[str]:
    """The skip link's href, 'pills' for the run of token pills, and the skip target's id, in document order."""
    order = []
    for m in re.finditer(r'<a class="ft-skip" href="#([^"]+)"|<span class="ft-tok|<span id="([^"]+)"', out):
        said = f"link:{m.group(1)}" if m.group(1) else f"target:{m.group(2)}" if m.group(2) else "pills"
        if said != "pills" or order[-1:] != ["pills"]:
            order.append(said)
    return order


def test_a_link_before_a_blocks_token_pills_skips_them_all():
    """One Tab stop per pill: 200 before the rest of the Tokens page (WCAG 2.4.1). The first Tab stop of a block is
    a link to its end; Enter there, and the next Tab goes on after the pills."""
    tokens = [{"index": i, "text": f"t{i}", "id": i} for i in range(30)]
    out = tokens_html(tokens, cut_tokens=[{"index": 30, "text": "x", "id": 30}])
    order = block_order(out)
    assert order[0].startswith("link:") and order[1] == "pills" and order[2] == "target:" + order[0][5:], order
    assert len(order) == 3, order
    assert re.search(r'href="#[^"]+">Skip the 31 tokens</a>', out)
    assert re.search(r'<span id="ft-after-[0-9a-f]{12}" class="ft-skip-to" tabindex="-1"></span>$', out)
    # Two blocks of a page skip to their own ends; a block redrawn the same keeps its id (no needless redraw).
    other = tokens_html(tokens[:5])
    assert block_order(other)[0] != order[0] and tokens_html(tokens[:5]) == other
    # Shown when focused only, as the usual skip links are.
    assert ".ft-skip:focus{position:static" in token_view.SKIP_CSS and "left:-10000px" in token_view.SKIP_CSS
    assert token_view.SKIP_CSS in token_view.CSS and token_view.SKIP_CSS in compare_view.CSS


TWO_BLOCKS_APP = """
import streamlit as st
from ui.token_view import reset_block_ids, tokens_html
reset_block_ids()
tokens = [{"index": i, "text": f"t{i}", "id": i} for i in range(3)]
left, right = st.columns(2)
left.html(tokens_html(tokens))
right.html(tokens_html(tokens))
"""


def test_two_identical_blocks_of_a_page_each_skip_to_their_own_end():
    """The same tokens drawn twice on a page (the Tokens page's two templates writing the same text, a row shown
    twice): each block's link goes to its own end, not the first block's, and a rerun draws the same ids."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_string(TWO_BLOCKS_APP)

    def drawn():
        orders = [block_order(element.proto.body) for element in app.get("html")]
        assert len(orders) == 2, orders
        for order in orders:
            assert order[0].startswith("link:") and order[1:] == ["pills", "target:" + order[0][5:]], order
        return orders

    app.run()
    first, second = drawn()
    assert first[0] != second[0], (first, second)
    app.run()
    assert drawn() == [first, second]


def test_block_ids_restart_on_each_run_from_the_pages_reset_not_streamlits_internals(monkeypatch):
    """The count of a page's blocks starts again at the page's `reset_block_ids`, not when Streamlit's private
    per-run state changes: here every run is given the same `cursors` dict (which the ids were once told apart by),
    and a rerun still draws the same two ids, each block's own."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import ScriptRunContext
    from streamlit.testing.v1 import AppTest

    kept: dict = {}
    reset = ScriptRunContext.reset

    def reset_keeping_one_dict(self, *args, **kwargs):
        reset(self, *args, **kwargs)
        kept.clear()
        self.cursors = kept

    monkeypatch.setattr(ScriptRunContext, "reset", reset_keeping_one_dict)
    app = AppTest.from_string(TWO_BLOCKS_APP)
    ids = []
    for _ in range(3):
        app.run()
        ids.append([block_order(element.proto.body)[0] for element in app.get("html")])
    assert len(set(ids[0])) == 2 and ids[1] == ids[0] and ids[2] == ids[0], ids


def test_every_page_drawing_token_blocks_resets_their_count_at_its_top():
    """A page that draws token pills (`tokens_html`, directly or through `ui.token_panels.show_encoded`) calls
    `reset_block_ids` at its top level before drawing any, or its blocks' ids would count on from another run."""
    drawing = []
    for page in sorted((ROOT / "pages").glob("*.py")):
        code = re.sub(r"^(from|import) .*$", "", page.read_text(), flags=re.M)  # the calls, not the imports
        calls = [code.index(name) for name in ("tokens_html(", "show_encoded(") if name in code]
        if calls:
            drawing.append(page.name)
            assert "\nreset_block_ids()\n" in code, page.name
            assert code.index("\nreset_block_ids()\n") < min(calls), page.name
    assert "2_Tokens.py" in drawing


def test_the_compare_grid_has_one_link_past_all_its_tokens():
    """Compare draws each cell apart (up to 4,096 token stops in a grid): one link before the grid's cells, its
    target after the last one."""
    source = (ROOT / "pages" / "5_Compare.py").read_text()
    link = source.index("st.html(skip_link(GRID_END")
    cells = source.index("col.html(token_html(")
    target = source.index("st.html(skip_target(GRID_END))")
    assert link < cells < target, (link, cells, target)


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
    assert [t["aria-label"] for t in toks] == ["Ahoy", "newline"]
    said = "model 92.0% · under this setting 97.0%; its top choices: Ahoy 92.0%, space Hi 5.0%"
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
