"""Optional access password for a shared server deployment.

Set `FTLIB_PASSWORD` in the environment (or `password` in `.streamlit/secrets.toml`) and every browser
session must enter it once before any page runs. Without it the app is open, as a local tool should be.
For single sign-on use Streamlit's built-in OIDC login instead (`st.login`, see README).
"""

from __future__ import annotations

import hmac
import os

import streamlit as st

_OK_KEY = "_ftlib_authenticated"


def configured_password() -> str | None:
    password = os.environ.get("FTLIB_PASSWORD")
    if password:
        return password
    try:
        return st.secrets.get("password")  # type: ignore[no-any-return]
    except Exception:  # no secrets file: the normal local case
        return None


def require_password() -> None:
    """Stop the script with a login form until the session has entered the configured password."""
    password = configured_password()
    if not password or st.session_state.get(_OK_KEY):
        return
    st.title("Fine-tuning studio")
    with st.form("login"):
        attempt = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Enter")
    # compare_digest: no timing side channel on the shared secret.
    if submitted and hmac.compare_digest(attempt.encode(), password.encode()):
        st.session_state[_OK_KEY] = True
        st.rerun()
    if submitted:
        st.error("That password is not right. Ask the person who runs this server.")
    st.stop()
