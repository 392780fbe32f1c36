"""What a token's hover shows is reached with the keyboard too, in the real app (Streamlit's `st.html` keeps the
attributes that make it so): Tab reaches a token pill on the Tokens page and a generated token on the Compare page;
the focused token shows its details on screen, and its accessible name (its text) and description (the details)
carry them for a screen reader. tests/test_accessibility.py checks the rest of the views' accessibility.
"""

from __future__ import annotations

import pytest

from tests.browser_app import new_page, open_page, press_generate, use_model, wait_grid
from tests.test_browser import browser, diagnostics, save_sample_split, server_workspace, start_server  # noqa: F401

pytestmark = pytest.mark.browser
MAX_TABS = 400  # Tab presses before giving up: the sidebar, the page's boxes and toggles come first

FOCUSED = """() => {
  const e = document.activeElement;
  return e ? {cls: e.className || '', tag: e.tagName, inView: !!e.closest('.ft-wrap:not(.ft-legend), .ftgen')} : null;
}"""


def tab_to(page, selector: str) -> dict:
    """Press Tab until the focused element matches `selector`; its accessible name and description as Chromium's
    accessibility tree has them, and what its focus shows on screen."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => !!document.activeElement?.matches({selector!r})"):
            break
    else:
        raise AssertionError(f"{MAX_TABS} Tab presses never reached {selector}")
    cdp = page.context.new_cdp_session(page)
    handle = cdp.send("Runtime.evaluate", {"expression": "document.activeElement"})["result"]["objectId"]
    backend = cdp.send("DOM.describeNode", {"objectId": handle})["node"]["backendNodeId"]
    node = cdp.send("Accessibility.getPartialAXTree", {"backendNodeId": backend, "fetchRelatives": False})["nodes"][0]
    shown = page.evaluate(
        """() => {
      const e = document.activeElement, card = e.querySelector('.card');
      return card ? (getComputedStyle(card).display !== 'none' ? card.innerText : '')
                  : getComputedStyle(e, '::after').content;
    }"""
    )
    return {
        "name": node.get("name", {}).get("value", ""),
        "description": node.get("description", {}).get("value", ""),
        "shown": shown,
        "text": page.evaluate("() => document.activeElement.innerText"),
    }


def test_tab_reaches_each_tokens_details_on_tokens_and_compare(browser, start_server, tiny_model_dir, request):  # noqa: F811
    save_sample_split()
    server = start_server()
    page = new_page(browser, server.url)
    with diagnostics(request, "keyboard", [page]):
        use_model(page, str(tiny_model_dir))

        open_page(page, "Tokens")
        pill = tab_to(page, ".ft-wrap:not(.ft-legend) .ft-tok")
        # The first token of a chat_style row: <|im_start|>, special and masked; named by its text, described by its
        # index, id, label and reason, which its focus shows under it.
        assert pill["name"] == "<|im_start|>", pill
        assert pill["description"].startswith("#0 id ") and "label -100" in pill["description"], pill
        assert pill["shown"] == f'"{pill["description"]}"', pill
        page.keyboard.press("Tab")
        second = page.evaluate("() => document.activeElement.getAttribute('title')")
        assert second and second.startswith("#1 id "), second  # the next Tab: the next token

        open_page(page, "Compare")
        press_generate(page)
        wait_grid(page)
        token = tab_to(page, ".ftgen .tok")
        # A generated token: named by its text, described by the card's numbers, the card shown while focused.
        assert token["name"].strip() and token["name"].strip() in token["text"].replace("\n", "↵"), token
        assert token["description"].startswith("model ") and "%" in token["description"], token
        assert "its top choices:" in token["description"], token
        assert token["shown"].startswith("model ") and "%" in token["shown"], token
