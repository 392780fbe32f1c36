"""Helper 240's cold walk of the studio in a browser: what Chromium paints, checked on the views' own HTML (no app
server, as tests/test_accessibility_browser.py does).

The Batches page's colour key sat under its grid as inline spans that broke mid-item at the page's width: 'pad:' at
the end of one line, 'padding' on the next, its grey box split in two.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ftlib.testing import make_run
from tests.browser_app import (
    CHROMIUM,
    _main,
    click_button,
    launch_chromium,
    new_page,
    open_page,
    rerun_after,
    use_model,
)
from tests.test_browser import diagnostics, server_workspace, start_server  # noqa: F401
from tests.test_pages_train import fake_adapter
from ui import batch_view

pytestmark = pytest.mark.browser

# The main column of a 1280-pixel window (Streamlit's centred layout, sidebar open) is about 730 pixels wide.
WIDTHS = (730, 420)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"needs Debian's chromium at {CHROMIUM}")
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_batches_legend_items_never_break_across_lines(browser, width):
    tab = browser.new_page(viewport={"width": 1280, "height": 800})
    tab.set_content(
        "<html><body style='font-family:sans-serif;font-size:16px'>"
        f"<div style='width:{width}px'>{batch_view.CSS}{batch_view.LEGEND}</div></body></html>"
    )
    items = tab.eval_on_selector_all(
        ".ftgrid .legend span", "els => els.map(e => [e.textContent, e.getClientRects().length])"
    )
    tab.close()
    assert len(items) == 4
    broken = [text for text, boxes in items if boxes != 1]
    assert not broken, f"legend items split across lines at {width} px: {broken}"


@pytest.mark.parametrize("width", WIDTHS)
def test_tokens_legend_items_never_break_across_lines(browser, width):
    """The Tokens page's key: a pill and its words are one item ('masked' sat at the end of one line, its words
    '(no bar): label -100, ...' on the next, run on from the item before)."""
    from ui.token_view import legend_html

    tab = browser.new_page(viewport={"width": 1280, "height": 800})
    tab.set_content(
        f"<html><body style='font-family:sans-serif;font-size:16px'><div style='width:{width}px'>{legend_html()}"
        "</div></body></html>"
    )
    items = tab.eval_on_selector_all(
        ".ft-legend > span", "els => els.map(e => [e.textContent, e.getClientRects().length])"
    )
    tab.close()
    assert len(items) == 7  # six kinds and the space/newline key
    broken = [text for text, boxes in items if boxes != 1]
    assert not broken, f"legend items split across lines at {width} px: {broken}"


def test_the_export_buttons_show_their_whole_label(browser, start_server, tiny_model_dir, request):  # noqa: F811
    """Train's Export: three buttons side by side cut their labels with an ellipsis at a 1280-pixel window,
    'Download the adapter (PEFT, .zip) · up…', the size the label is there to tell lost (shots/18_train_finished.png).
    Each download now has the page's width: its whole label shows."""
    run = make_run("20990101-000000-lora-export", {"model": str(tiny_model_dir), "dataset": "d"})
    fake_adapter(run.path)
    server = start_server()
    # A 1024-pixel window (a small laptop's): the tiny model's run offers two downloads (no GGUF on another base than
    # the default model), and two columns of it cut as three did at 1280.
    page = new_page(browser, server.url)
    page.set_viewport_size({"width": 1024, "height": 768})
    with diagnostics(request, "h240-export", [page]):
        use_model(page, str(tiny_model_dir))
        open_page(page, "Train")
        buttons = _main(page).locator('[data-testid="stDownloadButton"] button:visible')
        buttons.first.wait_for(timeout=60_000)
        # The label's box (Streamlit's stMarkdownEllipsis) is narrower than its text where the ellipsis cuts it.
        labels = buttons.locator('[data-testid="stMarkdownContainer"]').evaluate_all(
            "els => els.map(e => [e.textContent, e.scrollWidth - e.clientWidth])"
        )
    assert len(labels) >= 2, labels
    cut = [text for text, hidden in labels if hidden > 0]
    assert not cut, f"labels cut with an ellipsis: {cut}"


def test_start_from_the_defaults_puts_the_boxes_back_in_the_browser(browser, start_server, tiny_model_dir, request):  # noqa: F811
    """Train's "Start from the defaults", in a session whose form started from the last run (Max steps 5, Evaluate
    every 2): the boxes kept showing 5 and 2 while the page checked the defaults (the model's own template refused
    beside a box reading 'ChatML + tools (Hermes)'), and the next click sent the shown values back: the button did
    nothing. Streamlit's widgets keep their value in the browser by their key; a key dropped from the session state
    is not told to the browser (shots/32_train_defaults_stale.png)."""
    from ftlib import workspace
    from ftlib.config import RunConfig
    from tests.test_pages_train import SFT_ROWS

    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    settings = {"model": str(tiny_model_dir), "dataset": "numbers", "max_steps": 5, "eval_every": 2}
    make_run("20990101-000000-lora-numbers", settings)
    defaults = RunConfig(dataset="x")
    assert (defaults.max_steps, defaults.eval_every) != (5, 2)  # sentinel: the defaults differ from what is taken
    server = start_server()
    page = new_page(browser, server.url)
    with diagnostics(request, "h240-defaults", [page]):
        use_model(page, str(tiny_model_dir))
        open_page(page, "Train")
        main = _main(page)
        steps = main.get_by_label("Max steps (0 = use epochs)", exact=True)
        every = main.get_by_label("Evaluate every N steps (0 = each epoch)", exact=True)
        assert (steps.input_value(), every.input_value()) == ("5", "2")
        rerun_after(page, lambda: click_button(page, "Start from the defaults"))
        shown = (steps.input_value(), every.input_value())
    assert shown == (str(defaults.max_steps), str(defaults.eval_every)), shown
