"""The app's pages, named once: the navigation, and links from one page to another by name.

    st.navigation(nav.pages())          # app.py
    nav.link("data", "Go to Data")      # a page_link by name, never by file path

A page file is spelled here and nowhere else in the app (tests open pages with `nav.path(name)`).
"""

from __future__ import annotations

import streamlit as st

# name -> (file, title, icon); the order is the navigation's.
PAGES = {
    "home": ("pages/0_Home.py", "Home", ":material/home:"),
    "data": ("pages/1_Data.py", "Data", ":material/table_view:"),
    "tokens": ("pages/2_Tokens.py", "Tokens", ":material/token:"),
    "batches": ("pages/3_Batches.py", "Batches", ":material/view_column:"),
    "train": ("pages/4_Train.py", "Train", ":material/model_training:"),
    "compare": ("pages/5_Compare.py", "Compare", ":material/compare:"),
    "evaluate": ("pages/6_Evaluate.py", "Evaluate", ":material/analytics:"),
}


def path(name: str) -> str:
    """The file of page `name` (relative to the app's folder)."""
    return PAGES[name][0]


def title(name: str) -> str:
    return PAGES[name][1]


def pages() -> list:
    """The st.Page objects for st.navigation, Home first (the default)."""
    return [st.Page(file, title=text, icon=icon, default=name == "home") for name, (file, text, icon) in PAGES.items()]


def link(name: str, label: str | None = None, icon: str | None = None, **kwargs) -> None:
    """A link to page `name`. Outside the navigation (a page run on its own) there is nothing to link into, so
    nothing is drawn."""
    try:
        st.page_link(path(name), label=label or title(name), icon=icon, **kwargs)
    except st.errors.StreamlitAPIException:
        pass
