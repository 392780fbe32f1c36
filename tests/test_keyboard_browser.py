"""What a token's hover shows is reached with the keyboard too, in the real app (Streamlit's `st.html` keeps the
attributes that make it so): Tab reaches a token pill on the Tokens page and a generated token on the Compare page;
the focused token shows its details on screen, and its accessible name (its text) and description (the details)
carry them for a screen reader. A link before each block of tokens takes the keyboard past them all (no script: a
#fragment link, which st.html keeps); a notice box's kind is said in words before its text (ui/alerts.py's style).
tests/test_accessibility.py checks the rest of the views' accessibility.
"""

from __future__ import annotations

import pytest

from tests.browser_app import new_page, open_page, press_generate, use_model, wait_grid
from tests.test_browser import browser, diagnostics, save_sample_split, server_workspace, start_server  # noqa: F401
from ui.token_view import spoken

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
        # Its own text nodes (a Compare token's card is a child element): what it says, drawn with ↵ before a newline
        "own": page.evaluate(
            "() => [...document.activeElement.childNodes].filter(n => n.nodeType === 3).map(n => n.data).join('')"
        ).replace("↵\n", "\n"),
    }


# Where the focus is against the skip link's target: after it (the block was skipped), and whether inside a block.
AFTER_TARGET = """(href) => {
  const target = document.getElementById(href.slice(1)), e = document.activeElement;
  return {after: !!(target.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING),
          inBlock: !!e.closest('.ft-wrap, .ftgen'), tag: e.tagName, text: (e.innerText || '').slice(0, 60)};
}"""


def skip_back_and_past(page) -> dict:
    """From the first token of a block: Shift+Tab is the link before it (visible now); Enter there (whether the focus
    landed on its target), then Tab, and where the focus went (AFTER_TARGET; past the page's last Tab stop it wraps
    to the first, Streamlit's "Skip to main content")."""
    page.keyboard.press("Shift+Tab")
    link = page.evaluate(
        """() => { const e = document.activeElement, box = e.getBoundingClientRect();
                   return {cls: e.className, text: e.innerText, href: e.getAttribute('href'), width: box.width}; }"""
    )
    assert link["cls"] == "ft-skip" and link["text"].startswith("Skip the ") and link["width"] > 40, link
    page.keyboard.press("Enter")
    landed = page.evaluate("() => document.activeElement.id")  # the target after the block has the focus
    page.keyboard.press("Tab")
    return {"link": link, "landed": landed == link["href"][1:], **page.evaluate(AFTER_TARGET, link["href"])}


def alert_words(page) -> list[tuple[str, str]]:
    """(role, text as Chromium's accessibility tree reads it) of each notice box in the page."""
    cdp = page.context.new_cdp_session(page)
    nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    by_id = {n["nodeId"]: n for n in nodes}
    out = []
    for i in range(page.locator('[data-testid="stAlertContainer"]').count()):
        expression = f"document.querySelectorAll('[data-testid=\"stAlertContainer\"]')[{i}]"
        handle = cdp.send("Runtime.evaluate", {"expression": expression})["result"]["objectId"]
        backend = cdp.send("DOM.describeNode", {"objectId": handle})["node"]["backendNodeId"]
        box = next(n for n in nodes if n.get("backendDOMNodeId") == backend)
        words, todo = [], [box["nodeId"]]
        while todo:  # the box's text in reading order, as a screen reader meets it
            node = by_id[todo.pop(0)]
            if node.get("role", {}).get("value") == "StaticText" and not node.get("ignored"):
                words.append(node.get("name", {}).get("value", ""))
            todo = node.get("childIds", []) + todo
        out.append((box.get("role", {}).get("value", ""), "".join(words)))
    return out


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
        # The link before the pills skips them all: Enter on it, and the next Tab is past the block.
        page.keyboard.press("Shift+Tab")
        skipped = skip_back_and_past(page)
        assert skipped["landed"] and not skipped["inBlock"], skipped  # the block is the page's last: Tab wraps
        assert skipped["link"]["text"].endswith(" tokens"), skipped

        open_page(page, "Compare")
        # A box's kind is said before its text (its symbol is aria-hidden); Streamlit makes a note a polite status.
        boxes = alert_words(page)
        note = next(b for b in boxes if "Press Generate" in b[1])
        assert note[0] == "status" and note[1].startswith("Note: Press Generate"), boxes
        assert all(w.split(":")[0] in ("Error", "Warning", "Note", "Done") for _, w in boxes), boxes
        press_generate(page)
        wait_grid(page)
        token = tab_to(page, ".ftgen .tok")
        # A generated token: named by its text in words ("space Ahoy", not "·Ahoy"), described by the card's numbers,
        # the card shown while focused.
        assert token["own"] and token["name"] == spoken(token["own"]), token
        assert token["description"].startswith("model ") and "%" in token["description"], token
        assert "its top choices:" in token["description"], token
        assert token["shown"].startswith("model ") and "%" in token["shown"], token
        # One link before the grid skips all its cells' tokens.
        skipped = skip_back_and_past(page)
        assert skipped["landed"] and skipped["after"] and not skipped["inBlock"], skipped  # the page goes on
        assert skipped["link"]["text"] == "Skip the answers' tokens", skipped
