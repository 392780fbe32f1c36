"""The token view shows the text exactly (issue 19 item 1): pure-function tests of ui/token_view's HTML.

The HTML is read back the way a browser lays it out: the characters shown (· ↵ → stand for space, newline,
tab), where a line may end (`<br>` after a newline, `<wbr>` after a run of spaces, nowhere else), which
characters sit in one unbreakable word span, and which are highlighted.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from ui.token_view import CSS, diff_html, diff_units, rendered_html

SPECIAL = re.compile(r"<\|[^<>|\s]{1,40}\|>|<｜[^<>｜\s]{1,40}｜>")

MARKS = {"·": " ", "↵": "\n", "→": "\t"}


class _Flow(HTMLParser):
    """Reads a `.ft-text` block back: [(char, in_word_span, classes)], and the break opportunities by position."""

    def __init__(self):
        super().__init__()
        self.chars: list[tuple[str, int, frozenset]] = []  # (char, word-span number or -1, classes around it)
        self.breaks: list[tuple[str, int]] = []  # ("br" | "wbr", number of chars before it)
        self.stack: list[set] = []
        self.words = 0
        self.in_text = False  # inside the .ft-text block (the CSS and the whitespace around it are not shown)

    def handle_starttag(self, tag, attrs):
        if tag == "div":
            self.in_text = "ft-text" in dict(attrs).get("class", "")
        elif tag in ("br", "wbr"):
            self.breaks.append((tag, len(self.chars)))
        elif tag == "span":
            classes = set(dict(attrs).get("class", "").split())
            if "ft-w" in classes:
                self.words += 1
            self.stack.append(classes)

    def handle_endtag(self, tag):
        if tag == "div":
            self.in_text = False
        elif tag == "span" and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self.in_text:
            return
        classes = frozenset(c for s in self.stack for c in s)
        word = self.words if "ft-w" in classes else -1
        ws = "ft-ws" in classes
        for ch in data:
            self.chars.append((MARKS.get(ch, ch) if ws else ch, word, classes))


def read(html: str) -> _Flow:
    flow = _Flow()
    flow.feed(html)
    return flow


TEXTS = [
    "Ahoy! Fair winds, matey.",
    "pirate<|im_end|>\n<|im_start|>assistant<|end_header_id|>\n\nhi",
    "<|start_header_id|>assistant<|end_header_id|>\n\nsnake_case and __dunder__ names_",
    "  two leading spaces,\ttab, trailing  \n\n\nthree newlines",
    "日本語 👍🏽 <｜end▁of▁sentence｜> é",
    "averyveryverylongwordwithoutanyspaceatallthatmustnotbreakinsideitselfeveninanarrowcolumn x",
]


@pytest.mark.parametrize("text", TEXTS)
def test_rendered_text_is_exactly_the_text_and_breaks_only_where_it_may(text):
    flow = read(rendered_html(text))
    assert "".join(c for c, _, _ in flow.chars) == text
    shown = "".join(c for c, _, _ in flow.chars)
    control = {k for m in SPECIAL.finditer(text) for k in (m.start(), m.end())}  # edges of control tokens
    for tag, at in flow.breaks:
        # A line ends only after a newline (<br>), after a run of spaces/tabs or beside a control token (<wbr>).
        if tag == "br":
            assert shown[at - 1] == "\n"
        else:
            assert shown[at - 1] in " \t" or at in control, (text[:at], text[at:])
            assert shown[at] not in " \t\n"  # whitespace never starts a line: it stays after its word
    assert [at for tag, at in flow.breaks if tag == "br"] == [m.end() for m in re.finditer("\n", text)]
    # Every character sits in a word span, and a word span never holds a break: no wrap inside a word.
    assert all(word >= 0 for _, word, _ in flow.chars)
    for _, at in flow.breaks:
        if 0 < at < len(flow.chars):
            assert flow.chars[at - 1][1] != flow.chars[at][1]


def test_ahoy_has_no_line_break_after_it_and_highlights_keep_every_character(smol_tokenizer):
    """The reported case: a reply "Ahoy! ..." highlighted as trained shows no break after "Ahoy!", and the
    highlight boundary is no break opportunity."""
    from ftlib.tokens import encode_row

    row = {
        "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Ahoy! Fair winds_to_you."}]
    }
    enc = encode_row(row, smol_tokenizer, "chatml")
    flow = read(rendered_html(enc.text, enc.tokens))
    assert "".join(c for c, _, _ in flow.chars) == enc.text
    after_ahoy = enc.text.index("Ahoy!") + len("Ahoy!")
    assert ("br", after_ahoy) not in flow.breaks and ("wbr", after_ahoy) not in flow.breaks
    highlighted = "".join(c for c, _, classes in flow.chars if "ft-on" in classes)
    assert highlighted == "".join(t.text for t in enc.tokens if t.trained) == "Ahoy! Fair winds_to_you.<|im_end|>"


def test_css_draws_highlights_under_the_text_and_never_breaks_words():
    assert "outline" not in CSS  # an outline is drawn over the glyphs: it hid underscores
    assert ".ft-text .ft-w{white-space:nowrap;}" in CSS
    text_rule = re.search(r"\.ft-text\{[^}]*\}", CSS).group(0)
    assert "break-word" not in text_rule and "anywhere" not in text_rule and "break-all" not in text_rule
    assert "overflow-x:auto" in text_rule  # a word wider than the column scrolls instead of breaking


def test_diff_units_keep_special_tokens_and_words_whole():
    text = "<|im_start|>user\nsnake_case<|im_end|>\n<|start_header_id|>x<|end_header_id|>[INST] a  b<｜User｜>"
    units = diff_units(text)
    assert "".join(units) == text
    for whole in ("<|im_start|>", "<|im_end|>", "<|start_header_id|>", "<|end_header_id|>", "[INST]", "<｜User｜>"):
        assert whole in units
    assert "snake_case" in units and "  " in units
    assert diff_units("<turn>hi", specials=("<turn>",))[0] == "<turn>"


def test_template_diff_marks_whole_tokens_and_keeps_underscores(smol_tokenizer):
    from ftlib.tokens import encode_row

    row = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Ahoy!"}]}
    a = encode_row(row, smol_tokenizer, "chatml").text
    b = encode_row(row, smol_tokenizer, "llama3").text
    html_a, html_b = diff_html(a, b)
    for text, html in ((a, html_a), (b, html_b)):
        flow = read(html)
        assert "".join(c for c, _, _ in flow.chars) == text
        marked = [c for c, _, classes in flow.chars]
        flags = [("ft-diff" in classes) for _, _, classes in flow.chars]
        # No highlight starts or ends inside a unit (a special token, a word): only between units.
        edges, at = set(), 0
        for unit in diff_units(text):
            edges.add(at)
            at += len(unit)
        edges.add(at)
        for k in range(1, len(flags)):
            if flags[k] != flags[k - 1]:
                assert k in edges, (text[:k], "".join(marked[k:]))
    # The Llama-3 header is one highlighted run, underscores included.
    flow = read(html_b)
    runs = re.findall(
        r"\x00([^\x00]*)\x00", "".join(f"\x00{c}\x00" if "ft-diff" in k else c for c, _, k in flow.chars)
    )
    assert "<|start_header_id|>" in "".join(runs)
    assert "<|start header id|>" not in "".join(c for c, _, _ in flow.chars)


def test_a_token_of_zero_width_characters_is_drawn_as_their_marks():
    """A cold review: the zero-width joiner between the emoji of a family (👨‍👩‍👧) is a token of its own, drawn as an
    empty pill; a zero-width space or a BOM inside a word was as unseen."""
    from ui.token_view import pill

    token = {"index": 4, "id": 9, "text": "\u200d", "trained": True, "label": 9, "role": "assistant", "reason": "r"}
    assert ">⟨U+200D⟩<" in pill(token)
    assert "a⟨U+200B⟩b" in re.sub(r"</?span[^>]*>", "", pill({**token, "text": "a\u200bb"}))
    assert ">Grüße<" in pill({**token, "text": "Grüße"})  # other text as it is
