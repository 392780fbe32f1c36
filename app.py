"""Fine-tuning studio: entry point. `streamlit run app.py`.

Builds the navigation over the page files (listed explicitly: st.navigation turns off auto-discovery),
the sidebar with the active model and dataset, and the home page that explains the pipeline.
"""

from __future__ import annotations

import streamlit as st

from ftlib.errors import UserError
from ftlib.models import resolve_model
from ftlib.workspace import check_browser_model
from ui import nav
from ui.auth import require_password
from ui.common import MODEL_KEY, active_model, active_split_name

st.set_page_config(page_title="Fine-tuning studio", page_icon=":material/science:", layout="wide")
require_password()

navigation = st.navigation(nav.pages())


def _check_model_input() -> None:
    """Check a typed model name at once: outside the allowed folders, or not a model this machine has, it is
    refused with the reason and the fix, and the last good model stays active."""
    typed = st.session_state[MODEL_KEY].strip() or "default"
    try:
        check_browser_model(typed)
        resolve_model(typed)
    except UserError as exc:
        st.session_state["_model_error"] = f"`{typed}` cannot be used: {exc}"
        st.session_state[MODEL_KEY] = st.session_state.get("_model_last_good", "default")
        return
    st.session_state[MODEL_KEY] = typed
    st.session_state["_model_last_good"] = typed
    st.session_state.pop("_model_error", None)


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
    dataset_line = st.empty()


def show_dataset() -> None:
    split = active_split_name()
    dataset_line.caption(f"Dataset: **{split}**" if split else "Dataset: none yet (see Data)")


show_dataset()
navigation.run()
show_dataset()  # again after the page: saving a split on the Data page changes it during this run
