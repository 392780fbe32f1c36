"""The teaching views as Chromium paints them (the cascade resolved): each token kind's cue besides its colour, and
text contrast from the computed colours. tests/test_accessibility.py checks the colours as the code writes them.

The views' HTML is set on a blank page (no app server): what `st.html` shows, without Streamlit around it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ftlib import batching
from ftlib.rows import IGNORE_INDEX
from tests.browser_app import CHROMIUM, launch_chromium
from tests.colour_vision import contrast
from ui import batch_view
from ui.batch_view import Shown, grid_html
from ui.token_view import legend_html, rendered_html, tokens_html

pytestmark = pytest.mark.browser

TOKENS = [
    {"index": 0, "text": "<|im_start|>", "id": 1, "trained": False, "special": True, "label": IGNORE_INDEX},
    {"index": 1, "text": "user\n", "id": 2, "trained": False, "label": IGNORE_INDEX},
    {"index": 2, "text": "Hi there_", "id": 3, "trained": True, "label": 3},
    {"index": 3, "text": " no", "id": 4, "trained": True, "pushed_down": True, "label": 4},
    {"index": 4, "text": "<|im_end|>", "id": 5, "trained": True, "special": True, "label": 5},
    {"index": 5, "text": "<|im_end|>", "id": 5, "trained": True, "special": True, "pushed_down": True, "label": 5},
    {"index": 6, "text": "", "role": "padding", "label": IGNORE_INDEX},
]
# The bar under each kind of pill: (style, shown). A masked pill's bar is painted in its own fill (none is seen).
BARS = {
    "ft-trained": ("solid", True),
    "ft-pushed": ("dotted", True),
    "ft-masked": (None, False),
    "ft-cut": (None, False),
    "ft-padding": (None, False),
}
READ = """els => els.map(e => {
  const s = getComputedStyle(e), p = getComputedStyle(e.closest('.ft-tok') || e);
  return {cls: e.className, color: s.color, bg: p.backgroundColor, bar: s.borderBottomStyle,
          barWidth: s.borderBottomWidth, barColor: s.borderBottomColor, shadow: s.boxShadow};
})"""


def _hex(css_rgb: str) -> str:
    parts = [float(v) for v in css_rgb[css_rgb.index("(") + 1 : -1].split(",")]
    return "#" + "".join(f"{round(v):02x}" for v in parts[:3])


@pytest.fixture(scope="module")
def page():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (`make setup-test` installs it)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    batch = batching.collate(
        [
            {"input_ids": [5, 6, 7, 8], "labels": [IGNORE_INDEX, IGNORE_INDEX, 7, 8]},
            {"input_ids": [5, 9], "labels": [IGNORE_INDEX, 9]},
        ],
        pad_id=3,
    )
    grid = grid_html(batch, Shown(["row 1", "row 2"], [list("abcd"), list("ae")]), batch.labels, 0, 4)
    body = (
        legend_html()
        + tokens_html(TOKENS, show_ids=True, cut_tokens=[{"text": "cut", "id": 9, "label": 9}])
        + rendered_html("user\nHi there_ no", [{"text": "user\n"}, {"text": "Hi there_", "trained": True}])
        + batch_view.CSS
        + batch_view.LEGEND
        + grid
    )
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        # 200% zoom of a 1280-pixel screen: what a reader who zooms sees.
        tab = browser.new_page(viewport={"width": 640, "height": 800}, device_scale_factor=2)
        tab.set_content(f"<html><body style='color:#31333f;background:#fff'>{body}</body></html>")
        yield tab
        browser.close()


def test_each_pill_kind_shows_its_bar_as_painted(page):
    pills = page.eval_on_selector_all(".ft-tok", READ)
    assert len(pills) >= 12
    for pill in pills:
        kind = next(k for k in BARS if k in pill["cls"].split())
        style, shown = BARS[kind]
        assert pill["barWidth"] == "3px", pill
        if shown:
            assert pill["bar"] == style, pill
            assert contrast(_hex(pill["barColor"]), _hex(pill["bg"])) >= 3.0, pill  # WCAG 1.4.11, a non-text mark
        elif pill["bg"] != "rgba(0, 0, 0, 0)":  # padding's stripes show through its clear bar
            assert pill["barColor"] == pill["bg"], pill


def test_text_in_pills_meets_aa_contrast_as_painted(page):
    for selector in (".ft-tok:not(.ft-padding)", ".ft-tok:not(.ft-padding) .ft-sub", ".ft-tok .ft-ws"):
        for item in page.eval_on_selector_all(selector, READ):
            assert contrast(_hex(item["color"]), _hex(item["bg"])) >= 4.5, (selector, item)


def test_trained_text_and_batch_cells_are_underlined_as_painted(page):
    on = page.eval_on_selector_all(".ft-text .ft-on", READ)
    assert on and all(item["bar"] == "solid" for item in on)
    cells = page.eval_on_selector_all(".ftgrid td[title]", READ)
    trained = [c for c in cells if "inset" in c["shadow"]]
    assert len(trained) == 3  # row 1's two answer tokens and row 2's one (its first token is never a target)
