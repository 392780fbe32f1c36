"""Every notice box in pages/ and ui/ says its severity with a symbol, not only with its colour (WCAG 1.4.1).

`st.error`, `st.warning`, `st.info` and `st.success` boxes differ by colour alone unless given an `icon` (red and
green, red and yellow: the pairs a colour-blind reader confuses). Read from the source (an AST scan), so a box added
anywhere, on any page or in any helper, is caught without drawing it: each call passes `icon=alerts.<ITS KIND>`
(ui/alerts.py), or goes through `alerts.show`, which adds it. A box function held as a value (`say = st.warning`,
a dict of them, `getattr(st, kind)`) would draw its box wherever it is called, unseen by a scan of calls: refused.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ui import alerts

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("error", "warning", "info", "success")
# pending: owned by other work right now; their boxes get their symbols when it is done (then drop them from here).
PENDING: set[str] = set()


def _is_logger(node: ast.expr) -> bool:
    """`logging.getLogger(...)`, `log`, `logger`, `self.log`: a logger's .warning/.error, not a box."""
    if isinstance(node, ast.Call):
        return isinstance(node.func, ast.Attribute) and node.func.attr == "getLogger"
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
    return name.lower().lstrip("_") in ("log", "logger", "logging")


def _names_icon(value: ast.expr, kind: str) -> bool:
    """`alerts.WARNING` for a warning box (or `alerts.ICON["warning"]`)."""
    if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) and value.value.id == "alerts":
        return value.attr == kind.upper()
    if isinstance(value, ast.Subscript) and isinstance(value.slice, ast.Constant):
        return ast.unparse(value.value) == "alerts.ICON" and value.slice.value == kind
    return False


def boxes_without_their_symbol(source: str, where: str = "<snippet>") -> list[str]:
    """`where:line: what` for each box drawn without its kind's symbol, or drawn by a function held as a value."""
    tree = ast.parse(source)
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    found = []
    for node in ast.walk(tree):
        at = f"{where}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in KINDS:
            if _is_logger(node.func.value):
                continue
            icon = next((k.value for k in node.keywords if k.arg == "icon"), None)
            if icon is None or not _names_icon(icon, node.func.attr):
                said = "no icon" if icon is None else f"icon={ast.unparse(icon)}"
                wanted = f"icon=alerts.{node.func.attr.upper()}"
                found.append(f"{at}: {ast.unparse(node.func)}(...) with {said}, not {wanted}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "show":
            kind = node.args[0] if node.args else None
            if ast.unparse(node.func) == "alerts.show" and isinstance(kind, ast.Constant) and kind.value not in KINDS:
                found.append(f"{at}: alerts.show({kind.value!r}, ...): not one of {KINDS}")
        elif isinstance(node, ast.Attribute) and node.attr in KINDS and id(node) not in called:
            if isinstance(node.value, ast.Name) and node.value.id == "st":
                found.append(f"{at}: {ast.unparse(node)} held as a value: draw through alerts.show(kind, ...)")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr":
            if node.args and ast.unparse(node.args[0]) == "st":
                found.append(f"{at}: getattr(st, ...): draw a box of a kind known at run time through alerts.show")
        elif isinstance(node, ast.ImportFrom) and node.module == "streamlit":
            found += [f"{at}: from streamlit import {a.name}" for a in node.names if a.name in KINDS]
    return found


def _files() -> list[str]:
    paths = sorted(ROOT.glob("pages/*.py")) + sorted(ROOT.glob("ui/*.py"))
    return [str(p.relative_to(ROOT)) for p in paths if p.name != "alerts.py"]  # alerts.show adds the icon itself


def test_every_box_in_the_pages_and_views_shows_its_kinds_symbol():
    files = [f for f in _files() if f not in PENDING]
    assert "pages/2_Tokens.py" in files and "ui/run_view.py" in files and len(files) >= 20
    found = [line for f in files for line in boxes_without_their_symbol((ROOT / f).read_text(), f)]
    assert not found, "\n".join(found)


def test_the_pending_files_exist():
    """A file renamed or removed leaves its name here to exempt nothing (or a new file of that name)."""
    assert PENDING <= set(_files())


# (snippet, how many boxes without their symbol the scan finds): the scan catches each way a box is drawn.
SNIPPETS = [
    ('st.error("x", icon=alerts.ERROR)', 0),
    ('st.sidebar.warning("x", icon=alerts.WARNING)', 0),
    ('where.info("x", icon=alerts.ICON["info"])', 0),
    ('alerts.show("success", "x")', 0),
    ("alerts.show(kind, 'x', where=col)", 0),
    ('logging.getLogger("ftlib").warning("x")', 0),
    ('logger.error("x")', 0),
    ("job.error", 0),  # an attribute of something else, not a box
    ('st.error("x")', 1),
    ('st.info("x", icon=None)', 1),
    ('st.warning("x", icon="⚠️")', 1),
    ('st.warning("x", icon=alerts.ERROR)', 1),
    ('col.success("x")', 1),
    ('st.sidebar.error("x")', 1),
    ('(st.warning if over else st.success)("x")', 2),
    ('SAY = {"error": st.error}\nSAY["error"]("x", icon=alerts.ERROR)', 1),
    ('getattr(st, kind)("x")', 1),
    ('from streamlit import warning\nwarning("x")', 1),
    ('alerts.show("fatal", "x")', 1),
    ("def say(where, m):\n    where.warning(m)", 1),
]


@pytest.mark.parametrize(("source", "expected"), SNIPPETS, ids=[s for s, _ in SNIPPETS])
def test_the_scan_finds_each_way_of_drawing_a_box(source, expected):
    assert len(boxes_without_their_symbol(source)) == expected, boxes_without_their_symbol(source)


def test_each_kind_is_drawn_with_its_own_symbol():
    """As Streamlit draws them: each symbol is one it accepts (a misspelt Material name raises), one per kind."""
    from streamlit.testing.v1 import AppTest

    def page():
        import streamlit as st

        from ui import alerts

        for kind in ("error", "warning", "info", "success"):
            alerts.show(kind, f"A {kind}")
        alerts.show("unknown", "A unknown")  # a kind nobody named: a note
        left, _ = st.columns(2)
        alerts.show("error", "In a column", where=left)

    at = AppTest.from_function(page).run()
    assert not at.exception, at.exception
    drawn = {box.value: (kind, box.icon) for kind in KINDS for box in at.get(kind)}
    assert drawn == {
        "A error": ("error", alerts.ERROR),
        "A warning": ("warning", alerts.WARNING),
        "A info": ("info", alerts.INFO),
        "A success": ("success", alerts.SUCCESS),
        "A unknown": ("info", alerts.INFO),
        "In a column": ("error", alerts.ERROR),
    }
    assert len(set(alerts.ICON.values())) == len(KINDS)


# A box's icon says its kind on screen: a symbol in its text as well says it twice (a screen reader reads both).
DOUBLED_CUES = "⏳⚠❌✅ℹ🛑⛔✔💡❗"


def boxes_with_a_second_symbol(source: str, where: str = "<snippet>") -> list[str]:
    """`where:line` for each box whose text starts with a symbol of its own, beside the icon its kind gives it."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in KINDS:
            text = node.args[0] if node.args else None
            if isinstance(text, ast.JoinedStr) and text.values:
                text = text.values[0]
            if isinstance(text, ast.Constant) and isinstance(text.value, str) and text.value[:1] in DOUBLED_CUES:
                found.append(f"{where}:{node.lineno}: {ast.unparse(node)[:80]}")
    return found


def test_no_box_starts_with_a_symbol_besides_its_icon():
    assert len(boxes_with_a_second_symbol('st.info(f"⏳ {job.waiting}", icon=alerts.INFO)')) == 1
    assert not boxes_with_a_second_symbol("st.info(job.waiting, icon=alerts.INFO)")
    files = [f for f in _files() if f not in PENDING]
    found = [line for f in files for line in boxes_with_a_second_symbol((ROOT / f).read_text(), f)]
    assert not found, "\n".join(found)


def test_each_box_says_its_kind_in_words_to_a_screen_reader():
    """Streamlit draws a box's symbol aria-hidden: the app's style puts the kind's word before each box's text, out of
    sight but in the accessibility tree (not display:none), by the testid Streamlit gives each kind's content.
    tests/test_keyboard_browser.py reads the word from Chromium's accessibility tree in the running app."""
    from streamlit.testing.v1 import AppTest

    for kind, said in alerts.SAID.items():
        rule = f'div[data-testid="stAlertContent{kind.title()}"]::before{{content:"{said}";'
        assert rule in alerts.CSS, kind
    assert "display:none" not in alerts.CSS and "clip-path:inset(50%)" in alerts.CSS
    assert len(set(alerts.SAID.values())) == len(KINDS)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()  # every page runs app.py first
    assert not at.exception, at.exception
    assert alerts.CSS in [h.proto.body for h in at.get("html")]
