"""Streamlit-side helpers shared by the pages: cached resources and per-session state. No engine logic."""
