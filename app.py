"""Fine-tuning studio: entry point. `streamlit run app.py`.

Builds the navigation over the page files (listed explicitly: st.navigation turns off auto-discovery),
the sidebar with the active model and dataset, and the home page that explains the pipeline.
"""

from __future__ import annotations

import sys

import streamlit as st

from ftlib.sharing import process_env, say_threads_warning

# `streamlit run app.py` (serve.py has done this already): the thread budget (FTLIB_THREADS, a container's CPU quota)
# must be in the environment before torch loads, which reads it once; Compare and Evaluate generate in this process.
if "torch" not in sys.modules:
    process_env()
    say_threads_warning("ftlib: warning: ")  # once per process (serve.py's said it already)

from ftlib.worker import quiet_known_noise  # after the budget: it may load torch
from ui import alerts, nav
from ui.auth import admitted, require_password, signed_in_note
from ui.common import dataset_line, model_box, show_dataset

# The server log, like a run's, without the library messages known to be harmless here (before any model loads).
quiet_known_noise()

# An emoji favicon is drawn by the browser; a ":material/...:" one is fetched from fonts.gstatic.com, which an
# offline server's users cannot reach (a failed request on every page).
st.set_page_config(page_title="Fine-tuning studio", page_icon="🧪", layout="wide")
# Captions (what each view shows, for non-engineers) are body text at Streamlit's opacity 0.6: 3.9:1 on white, under
# WCAG 2.1's 4.5:1. At 0.7 they read 5.2:1 (5.1:1 on the sidebar's grey) and stay lighter than body text; no theme
# option reaches them alone (textColor would darken all text). A style-only st.html goes to the event container
# (no space taken), sent on every run since app.py runs on every page. Checked in tests/test_browser.py.
st.html('<style>div[data-testid="stCaptionContainer"] { opacity: 0.7; }</style>')
# Each notice box's kind in words before its text, for a screen reader (its symbol is aria-hidden): ui/alerts.py.
st.html(alerts.CSS)
# The navigation is built before the gate (hidden until the session is admitted), so the page a visitor opened by
# its address is the one shown once they are in; built after it, a server at a sub-path (server.baseUrlPath) sent
# them to Home.
navigation = st.navigation(nav.pages(), position="sidebar" if admitted() else "hidden")
require_password()

with st.sidebar:
    st.markdown("### Workspace")
    model_box()
    dataset_line(st.empty())  # said by ui.common.show_dataset, before and after the page and by the Data page
    signed_in_note()  # who the runs' records will name, and a way out (OIDC only)

show_dataset()
navigation.run()
show_dataset()  # again after the page: saving a split on the Data page changes it during this run
