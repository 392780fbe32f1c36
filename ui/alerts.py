"""The symbol each kind of notice box shows, so a box's severity is never said by its colour alone (WCAG 1.4.1).

Streamlit's `st.error`, `st.warning`, `st.info` and `st.success` boxes differ only by colour unless given an `icon`:
red, yellow, blue and green, where red and green (and red and yellow) are the pairs a colour-blind reader (about 1
man in 12) confuses, and a screen reader is told nothing of it. Every box in pages/ and ui/ passes the symbol of its
own kind, one of the constants here:

    st.warning("Type a message first.", icon=alerts.WARNING)
    where.error(message, icon=alerts.ERROR)          # a column or a container, as any Streamlit call
    alerts.show(check.severity, text)                 # a severity known only at run time

tests/test_alerts.py fails when a box is drawn without its symbol, or with another kind's.
"""

from __future__ import annotations

import streamlit as st

ERROR = ":material/error:"
WARNING = ":material/warning:"
INFO = ":material/info:"
SUCCESS = ":material/check_circle:"
ICON = {"error": ERROR, "warning": WARNING, "info": INFO, "success": SUCCESS}


def show(severity: str, body: str, where=None) -> None:
    """One notice box of `severity` ("error", "warning", "info" or "success"; anything else is shown as "info") with
    its symbol, in `where` (a column or container; the page itself by default)."""
    severity = severity if severity in ICON else "info"
    getattr(where if where is not None else st, severity)(body, icon=ICON[severity])
