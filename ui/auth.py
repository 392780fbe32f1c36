"""Who may use a shared server: an access password, Streamlit's OIDC sign-in, or neither.

Set `FTLIB_PASSWORD` in the environment (or `password` in `.streamlit/secrets.toml`) and every browser session must
enter it once before any page runs. An `[auth]` section in `.streamlit/secrets.toml` (Streamlit's OIDC settings:
redirect_uri, cookie_secret, client_id, client_secret, server_metadata_url; it needs Authlib) makes every session
sign in with `st.login` first; with both, both are asked. Without either the app is open, as a local tool should be.

Wrong passwords are throttled per client (`THROTTLE`, ui/login_throttle.py): after a few in a row, each further try
waits, up to a minute, and is refused unchecked until then. A client is named by its network address
(`client_key`).

It fails closed: a secrets file that cannot be read, a password that is not text, or a sign-in that cannot work
(Authlib missing) keeps every page shut with a message saying what to fix, never open with the gate silently off.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import ipaddress
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from ftlib.run_people import Who, no_sign_in_words, signed_in
from ui import alerts
from ui.login_throttle import LoginThrottle

_OK_KEY = "_ftlib_authenticated"
SECRETS_FILE = ".streamlit/secrets.toml"
# The studio's own secrets file, which README tells the operator to write. Streamlit reads `.streamlit/secrets.toml`
# of the folder the server was started in (and the home folder's), not this one's.
PROJECT_SECRETS = Path(__file__).resolve().parents[1] / SECRETS_FILE
# Wrong passwords per client, kept by the server process for every session (the module is imported once).
THROTTLE = LoginThrottle()


@dataclass(frozen=True)
class Access:
    """What the server asks of a browser session: a password (or None), an OIDC sign-in, or a `problem` that keeps
    the app closed until the operator fixes it."""

    password: str | None = None
    sign_in: bool = False
    problem: str | None = None


def _secrets() -> tuple[dict, str | None]:
    """The secrets file's settings ({} when there is none) and why it cannot be read (None when it can)."""
    try:
        return {"password": st.secrets.get("password"), "auth": st.secrets.get("auth")}, None
    except Exception as exc:  # Streamlit's own error for a missing file too: only that one leaves the app open
        if getattr(exc, "error_id", None) == "no-secrets-found":
            return {}, None
        return {}, str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _project_secrets_unread() -> bool:
    """Whether the studio's own secrets file exists and Streamlit does not read it: a server started from another
    folder (a service without a working directory) left a password written there unread, and the app open."""
    from streamlit import config

    if not PROJECT_SECRETS.is_file():
        return False
    read = {Path(p).expanduser().resolve() for p in config.get_option("secrets.files") or []}
    return PROJECT_SECRETS.resolve() not in read


def access() -> Access:
    """What this server's settings ask of a session (`Access`), read now from the environment and the secrets file."""
    if _project_secrets_unread():
        return Access(
            problem=f"Streamlit does not read the studio's `{SECRETS_FILE}`, which may hold the access password: "
            "the server was started outside the studio's folder (or Streamlit's `secrets.files` names other files), "
            "so the studio stays closed. Start the server from the studio's folder (as `make run` does; a service: "
            "its working directory), or list that file in `secrets.files`, and reload this page."
        )
    secrets, unreadable = _secrets()
    if unreadable:
        return Access(
            problem=f"The server's secrets file cannot be read ({unreadable}), so the studio stays closed: it may "
            f"hold the access password. Fix `{SECRETS_FILE}` and reload this page."
        )
    given = os.environ.get("FTLIB_PASSWORD")
    password = given or secrets.get("password")
    if password is not None and not isinstance(password, str):
        return Access(
            problem=f"`password` in `{SECRETS_FILE}` is a {type(password).__name__}, not text, so the studio stays "
            'closed: write it in quotes (password = "...") and reload this page.'
        )
    if (given is not None or password is not None) and not (password or "").strip():
        # Set but empty (a service's `FTLIB_PASSWORD=${UNSET}`, `password = ""`): meant as a gate, so closed.
        return Access(
            problem=f"The access password is set but empty (`FTLIB_PASSWORD`, or `password` in `{SECRETS_FILE}`), "
            "so the studio stays closed: give it a password, or remove the setting to leave the studio open, and "
            "restart the server."
        )
    sign_in = bool(secrets.get("auth"))
    if sign_in and not _authlib_installed():
        return Access(
            problem=f"`{SECRETS_FILE}` sets up a sign-in (`[auth]`), which needs Authlib, not installed here, so the "
            "studio stays closed: run `pip install 'Authlib>=1.3.2'` in the server's environment and restart it."
        )
    return Access(password=password or None, sign_in=sign_in)


def _authlib_installed() -> bool:
    return importlib.util.find_spec("authlib") is not None  # what st.login needs (Streamlit's `auth` extra)


def _signed_in() -> bool:
    try:
        return bool(st.user.to_dict().get("is_logged_in"))
    except Exception:  # no user information in this session: not signed in
        return False


def who() -> Who | None:
    """Who this session is, for the runs it starts, stops and resumes (ftlib.run_people): the person signed in with
    OIDC (`st.user`'s name and e-mail); None under the password alone (everyone shares it) or on an open server: there
    is no identity then, and none is guessed (not from the address)."""
    try:
        user = st.user.to_dict()
    except Exception:  # no user information in this session: nobody known
        return None
    return signed_in(user)


def browser_said(text: str) -> str:
    """A run's or a removal's people words (ftlib.run_people, stored_people) as this server's pages say them: where
    the server has no OIDC sign-in (an open server, the password alone), every browser session is unnamed, the
    reader's own too, so "stopped in a browser by someone not signed in" reads "stopped in a browser (this server has
    no sign-in)" (`no_sign_in_words`), not as if a stranger had done it."""
    return text if access().sign_in else no_sign_in_words(text)


def signed_in_note() -> None:
    """In the sidebar: who this session is signed in as with OIDC, the name its starts, stops, resumes and renames
    are recorded under (`who`), and a "Sign out" button (`st.logout`: a shared computer, another account). Nothing
    under the password alone or on an open server: there is nobody to name."""
    person = who()
    if person is None:
        return
    st.caption(f"Signed in as {person.text()}: the runs you start, stop, resume or rename say so.")
    if st.button(
        "Sign out", key="auth_sign_out", help="Forget this sign-in in this browser; the next visit asks again."
    ):
        st.logout()


def admitted() -> bool:
    """Whether this session may see the app now: nothing is asked of it, or it has signed in and entered the
    password as far as they are asked (`require_password` stops every other session)."""
    gate = access()
    if gate.problem or (gate.sign_in and not _signed_in()):
        return False
    return not gate.password or bool(st.session_state.get(_OK_KEY))


def require_password() -> None:
    """Stop the script until the session has signed in and entered the password, as far as the server asks for
    either (`access`); a server whose settings cannot be read stops every session with what to fix."""
    gate = access()
    if gate.problem:
        st.title("Fine-tuning studio")
        st.error(gate.problem, icon=alerts.ERROR)
        st.stop()
    if gate.sign_in and not _signed_in():
        st.title("Fine-tuning studio")
        st.write("Sign in to use this studio.")
        if st.button("Sign in"):
            try:
                st.login()
            except Exception as exc:  # Streamlit's own error for incomplete [auth] settings: said, not a traceback
                st.error(f"The sign-in cannot start: {exc}. Ask the person who runs this server to check `[auth]` "
                         f"in `{SECRETS_FILE}`.", icon=alerts.ERROR)  # fmt: skip
        st.stop()
    if not gate.password or st.session_state.get(_OK_KEY):
        return
    st.title("Fine-tuning studio")
    with st.form("login"):
        attempt = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Enter")
    if not submitted:
        st.stop()
    client = client_key()
    verdict = THROTTLE.attempt(client, lambda: _same(attempt, gate.password))
    if verdict.ok:
        st.session_state[_OK_KEY] = True
        st.rerun()
    if not verdict.checked:
        st.error(
            f"Too many wrong passwords from your address: try again {verdict.wait_text} (this one was not checked).",
            icon=alerts.ERROR,
        )
    elif verdict.wait_s:
        st.error(
            f"Wrong password, and too many in a row from your address: try again {verdict.wait_text}.",
            icon=alerts.ERROR,
        )
        if THROTTLE.failures(client) == THROTTLE.free + 1:  # once per series: the operator's log
            print(f"ftlib: {THROTTLE.free + 1} wrong passwords in a row from {client}; its tries now wait, "
                  f"up to {THROTTLE.cap_s:.0f} s", file=sys.stderr, flush=True)  # fmt: skip
    else:
        st.error("Wrong password. Ask the person who runs this server.", icon=alerts.ERROR)
    st.stop()


def _same(attempt: str, password: str) -> bool:
    """Whether `attempt` is `password`, in a time that tells nothing of either: compare_digest of their SHA-256
    digests (compare_digest alone returns at once for texts of different lengths, telling the password's length)."""
    return hmac.compare_digest(hashlib.sha256(attempt.encode()).digest(), hashlib.sha256(password.encode()).digest())


def client_key() -> str:
    """The name of this session's client for `THROTTLE`: its network address, an IPv6 one by its /64 network (one
    host's share: a guesser gets a whole /64 and changes address at will within it); "local" for a connection from
    this machine, or where none is known.

    The address is the connection's peer (`st.context.ip_address`), not a header a client writes. Streamlit's
    server (uvicorn) replaces it by the last untrusted address of X-Forwarded-For only on a connection from
    127.0.0.1 or ::1 (uvicorn's `FORWARDED_ALLOW_IPS`): a reverse proxy on this machine that appends the client's
    address (nginx's `$proxy_add_x_forwarded_for`) names each client, one that sets none makes every client
    "local", throttled as one; only a process on this machine could write its own. Not a session id: a new browser
    tab is a new session, which would start the count afresh."""
    try:
        address = st.context.ip_address  # None for 127.0.0.1 and ::1
    except Exception:  # no client connection in this run (a test's AppTest, a bare script run)
        address = None
    if not isinstance(address, str) or not address:  # AppTest's runtime is a mock: its "address" is one too
        return "local"
    try:
        ip = ipaddress.ip_address(address.split("%")[0])  # "fe80::1%eth0": the zone is no part of the address
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:  # "::ffff:203.0.113.7", an IPv4 client of a dual-stack socket
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
