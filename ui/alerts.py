"""The symbol each kind of notice box shows, so a box's severity is never said by its colour alone (WCAG 1.4.1).

Streamlit's `st.error`, `st.warning`, `st.info` and `st.success` boxes differ only by colour unless given an `icon`:
red, yellow, blue and green, where red and green (and red and yellow) are the pairs a colour-blind reader (about 1
man in 12) confuses, and a screen reader is told nothing of it. Every box in pages/ and ui/ passes the symbol of its
own kind, one of the constants here:

    st.warning("Type a message first.", icon=alerts.WARNING)
    where.error(message, icon=alerts.ERROR)          # a column or a container, as any Streamlit call
    alerts.show(check.severity, text)                 # a severity known only at run time

tests/test_alerts.py fails when a box is drawn without its symbol, or with another kind's.

The symbol is for the eye only: Streamlit draws it aria-hidden, so a screen reader heard a box's words and nothing
of its kind. `CSS` (drawn once by app.py on every page) puts the kind's word before each box's text ("Error: ",
"Warning: ", "Note: ", "Done: "), read by a screen reader and not shown (the symbol says it on screen). It reaches
every box of the app, these pages' and all others', by the data-testid Streamlit 1.67 gives each kind's content
(`stAlertContentError`, ...); a box's text as the page and tests pass it is unchanged. Streamlit itself makes error
and warning boxes role="alert" (announced at once) and info and success boxes role="status" (announced when the
reader is idle); nothing can change that without a script.
"""

from __future__ import annotations

import streamlit as st

ERROR = ":material/error:"
WARNING = ":material/warning:"
INFO = ":material/info:"
SUCCESS = ":material/check_circle:"
ICON = {"error": ERROR, "warning": WARNING, "info": INFO, "success": SUCCESS}
# What a screen reader says before each kind's text.
SAID = {"error": "Error: ", "warning": "Warning: ", "info": "Note: ", "success": "Done: "}
# Out of sight, in the accessibility tree (the usual visually-hidden rule: not display:none, which hides it from both)
_HIDDEN = (
    "position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);"
    "clip-path:inset(50%);white-space:pre;border:0;"
)
CSS = (
    "<style>"
    + "".join(
        f'div[data-testid="stAlertContent{kind.title()}"]::before{{content:"{said}";{_HIDDEN}}}'
        for kind, said in SAID.items()
    )
    + "</style>"
)


def show(severity: str, body: str, where=None) -> None:
    """One notice box of `severity` ("error", "warning", "info" or "success"; anything else is shown as "info") with
    its symbol, in `where` (a column or container; the page itself by default)."""
    severity = severity if severity in ICON else "info"
    getattr(where if where is not None else st, severity)(body, icon=ICON[severity])
