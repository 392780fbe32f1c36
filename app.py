"""Fine-tuning studio: entry point. `streamlit run app.py`.

Builds the navigation over the page files (listed explicitly: st.navigation turns off auto-discovery),
the sidebar with the active model and dataset, and the home page that explains the pipeline.
"""

from __future__ import annotations

import streamlit as st

from ftlib.workspace import PathNotAllowed, check_browser_model
from ui.auth import require_password
from ui.common import MODEL_KEY, active_model, active_split_name

st.set_page_config(page_title="Fine-tuning studio", page_icon=":material/science:", layout="wide")
require_password()

PAGES = [
    st.Page("pages/0_Home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/1_Data.py", title="Data", icon=":material/table_view:"),
    st.Page("pages/2_Tokens.py", title="Tokens", icon=":material/token:"),
    st.Page("pages/3_Batches.py", title="Batches", icon=":material/view_column:"),
    st.Page("pages/4_Train.py", title="Train", icon=":material/model_training:"),
    st.Page("pages/5_Compare.py", title="Compare", icon=":material/compare:"),
    st.Page("pages/6_Evaluate.py", title="Evaluate", icon=":material/analytics:"),
]

nav = st.navigation(PAGES)


def _check_model_input() -> None:
    """Refuse model folders outside the allowed roots before any page tries to load them."""
    try:
        check_browser_model(st.session_state[MODEL_KEY])
        st.session_state.pop("_model_error", None)
    except PathNotAllowed as exc:
        st.session_state["_model_error"] = str(exc)
        st.session_state[MODEL_KEY] = "default"


with st.sidebar:
    st.markdown("### Workspace")
    st.session_state.setdefault(MODEL_KEY, active_model())
    st.text_input(
        "Model",
        key=MODEL_KEY,
        on_change=_check_model_input,
        help="`default` is the embedded SmolLM2-135M-Instruct. A model folder under the allowed model "
        "directories (FTLIB_MODEL_DIRS, finished runs) or a cached hub id also work.",
    )
    if "_model_error" in st.session_state:
        st.error(st.session_state["_model_error"])
    split = active_split_name()
    st.caption(f"Dataset: **{split}**" if split else "Dataset: none yet (see Data)")

nav.run()
