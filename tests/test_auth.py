"""The optional access password gates every page until entered."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.login_throttle import Verdict

ROOT = Path(__file__).resolve().parents[1]


def _app() -> AppTest:
    return AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=60)


@pytest.fixture(autouse=True)
def no_earlier_wrong_passwords():
    """The server process keeps wrong passwords for every session (ui.auth.THROTTLE): none left by another test."""
    import ui.auth

    ui.auth.THROTTLE.clear()
    yield
    ui.auth.THROTTLE.clear()


def test_no_password_configured_means_open(monkeypatch):
    monkeypatch.delenv("FTLIB_PASSWORD", raising=False)
    at = _app().run()
    assert not at.exception
    assert not [t for t in at.text_input if t.label == "Password"]


def _in_the_app(at: AppTest) -> bool:
    """Whether the session sees a page of the app: Home's title, not the gate's. (The sidebar's Model box is no sign:
    AppTest drops main-script sidebar elements on reruns under st.navigation.)"""
    asked = [t for t in at.text_input if t.label == "Password"]
    return "🧪 Fine-tuning studio" in [t.value for t in at.title] and not asked


def test_password_gates_the_app(monkeypatch):
    monkeypatch.setenv("FTLIB_PASSWORD", "s3cret-7")
    # Run twice: the navigation (built before the gate) resolves the page in the first run, and AppTest sends that
    # page with every later run, which gives the login form's widgets other ids than the first run's.
    at = _app().run().run()
    assert not at.exception
    box = [t for t in at.text_input if t.label == "Password"]
    assert box, "login form expected"
    assert not [t for t in at.text_input if t.label == "Model"], "sidebar must not render before login"
    assert not _in_the_app(at)
    box[0].input("wrong")
    at.button[0].click().run()
    assert any("Wrong password" in e.value for e in at.error)
    [t for t in at.text_input if t.label == "Password"][0].input("s3cret-7")
    at.button[0].click().run()
    assert not at.exception
    assert _in_the_app(at), "the app renders after the right password"


def test_sidebar_refuses_model_paths_outside_allowed_roots(monkeypatch):
    monkeypatch.delenv("FTLIB_PASSWORD", raising=False)
    at = _app().run()
    at.text_input(key="active_model").set_value("/etc").run()
    assert not at.exception
    # AppTest drops main-script sidebar elements on reruns under st.navigation, so read the state: the reset to the
    # default model. The refusal's words under the box: tests/test_pages_sidebar.py (which draws the box itself).
    assert at.session_state["active_model"] == "default"


@pytest.mark.parametrize("page", sorted(p.name for p in (ROOT / "pages").glob("*.py")))
def test_a_page_opened_by_its_url_asks_for_the_password_too(page, monkeypatch):
    """Walk 8B #1: until some session had built app.py's navigation, Streamlit served the pages/ files by their URLs
    (/Train, /Data): a visitor of a freshly started server ran them without the password, and could start, stop
    and delete runs. Each page checks it itself."""
    monkeypatch.setenv("FTLIB_PASSWORD", "s3cret-7")
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=60).run()
    assert not at.exception, at.exception
    assert [t for t in at.text_input if t.label == "Password"], "login form expected"
    assert [t.value for t in at.title] == ["Fine-tuning studio"]  # the login's title only: nothing of the page
    assert len(at.main.children) <= 2  # the title and the login form


@pytest.fixture
def secrets_file(tmp_path, monkeypatch):
    """Point Streamlit at a secrets file of the test's own (written by the returned function), unparsed yet."""
    from streamlit import config as st_config
    from streamlit.runtime.secrets import secrets_singleton

    path = tmp_path / "secrets.toml"
    monkeypatch.delenv("FTLIB_PASSWORD", raising=False)
    old = st_config.get_option("secrets.files")
    st_config.set_option("secrets.files", [str(path)])
    secrets_singleton._secrets = None
    yield path.write_text
    st_config.set_option("secrets.files", old)
    secrets_singleton._secrets = None


def _closed(at, says: str) -> None:
    assert not at.exception, at.exception
    assert any(says in e.value for e in at.error), [e.value for e in at.error]
    assert not [t for t in at.text_input if t.label == "Model"], "nothing of the app before the gate opens"


@pytest.mark.parametrize("text", ['password = "s3cret\n', 'password = "a"\npassword = "b"\n'])
def test_a_secrets_file_that_cannot_be_read_keeps_the_app_closed(secrets_file, text):
    """A typo in secrets.toml (an unclosed quote, a key given twice) turned the password off: the app opened to
    anyone with one line in the server's log (a cold review). It stays closed now, saying what to fix."""
    secrets_file(text)
    _closed(_app().run(), "The server's secrets file cannot be read")


def test_a_password_that_is_not_text_keeps_the_app_closed(monkeypatch):
    """`password = 12345` (no quotes) raised AttributeError on the first attempt to log in."""
    monkeypatch.delenv("FTLIB_PASSWORD", raising=False)
    at = _app()
    at.secrets["password"] = 12345
    at.run()
    _closed(at, "`password` in `.streamlit/secrets.toml` is a int, not text")
    assert "12345" not in " ".join(e.value for e in at.error)  # the secret is not shown to whoever opens the page


AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "x" * 32,
    "client_id": "id",
    "client_secret": "s",
    "server_metadata_url": "https://id.example.com/.well-known/openid-configuration",
}


def test_an_oidc_section_makes_every_session_sign_in(monkeypatch):
    """The README offered OIDC (`[auth]` in secrets.toml) as the alternative to a password, but nothing called
    st.login: with [auth] and no password the app was open to anyone (a cold review)."""
    import ui.auth

    monkeypatch.delenv("FTLIB_PASSWORD", raising=False)
    monkeypatch.setattr(ui.auth, "_authlib_installed", lambda: True)
    at = _app()
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception, at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert not [t for t in at.text_input if t.label == "Model"]
    at.user = {"is_logged_in": True, "email": "ana@example.com"}
    at.run()
    assert not at.exception, at.exception
    assert _in_the_app(at), "a signed-in session sees the app"
    monkeypatch.setattr(ui.auth, "_authlib_installed", lambda: False)  # st.login cannot work: closed, and why
    _closed(at.run(), "needs Authlib, not installed here")


def test_the_secrets_file_the_readme_names_is_kept_out_of_git():
    """An operator's review: README has the password and the OIDC client secret written to `.streamlit/secrets.toml`
    inside the checkout, which `git status` listed as a new file to commit (and `git add -A` committed)."""
    ignored = {line.strip() for line in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()}
    assert ignored & {".streamlit/secrets.toml", "/.streamlit/secrets.toml", "secrets.toml"}


def test_a_server_started_outside_the_studios_folder_stays_closed_when_its_secrets_file_is_unread(
    secrets_file, tmp_path, monkeypatch
):
    """An operator's review: Streamlit reads `.streamlit/secrets.toml` from the folder the server was started in, so
    a service started elsewhere (no working directory) left the password README has written there unread: no
    password asked, the app open to anyone. It stays closed now, saying to start the server from its folder."""
    import ui.auth

    project = tmp_path / "studio" / ".streamlit" / "secrets.toml"
    project.parent.mkdir(parents=True)
    project.write_text('password = "s3cret-7"\n')
    monkeypatch.setattr(ui.auth, "PROJECT_SECRETS", project)
    secrets_file("")  # what Streamlit reads instead: the folder it was started in holds no secrets
    _closed(_app().run(), "started outside the studio's folder")
    from streamlit import config as st_config

    st_config.set_option("secrets.files", [str(project)])  # started from the studio's folder: the password is asked
    at = _app().run()
    assert not at.exception and [t for t in at.text_input if t.label == "Password"]


@pytest.mark.parametrize("env, secret", [("", None), ("   ", None), (None, ""), ("", " ")])
def test_a_password_set_but_empty_keeps_the_app_closed(secrets_file, monkeypatch, env, secret):
    """An operator's review: `FTLIB_PASSWORD=` (a service's `Environment=FTLIB_PASSWORD=${PW}` with PW unset) or
    `password = ""` left every page open to anyone, as if no password had been asked for."""
    if env is not None:
        monkeypatch.setenv("FTLIB_PASSWORD", env)
    secrets_file("" if secret is None else f'password = "{secret}"\n')
    _closed(_app().run(), "set but empty")


@pytest.mark.parametrize(
    "gate, signed_in, entered, expected",
    [
        ({}, False, False, True),  # nothing asked
        ({"password": "s3cret-7"}, False, False, False),
        ({"password": "s3cret-7"}, False, True, True),
        ({"sign_in": True}, False, False, False),
        ({"sign_in": True}, True, False, True),
        ({"sign_in": True, "password": "s3cret-7"}, True, False, False),
        ({"sign_in": True, "password": "s3cret-7"}, False, True, False),
        ({"problem": "closed"}, True, True, False),  # a problem keeps it shut whatever the session did
    ],
)
def test_the_navigation_is_shown_only_to_a_session_past_every_gate_asked(
    monkeypatch, gate, signed_in, entered, expected
):
    """app.py draws the sidebar's navigation only where `admitted()`: page names stay hidden before the password,
    the sign-in, or while a problem keeps the studio closed."""
    from types import SimpleNamespace

    import ui.auth

    monkeypatch.setattr(ui.auth, "access", lambda: ui.auth.Access(**gate))
    monkeypatch.setattr(ui.auth, "_signed_in", lambda: signed_in)
    monkeypatch.setattr(ui.auth, "st", SimpleNamespace(session_state={ui.auth._OK_KEY: True} if entered else {}))
    assert ui.auth.admitted() is expected


# ---------------------------------------------------------------------------------------------------------------
# Wrong passwords are throttled (ui/login_throttle.py)
# ---------------------------------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _never_checked() -> bool:
    raise AssertionError("the password was compared while the client had to wait")


def test_wrong_passwords_make_the_client_wait_longer_each_time_up_to_a_minute():
    from ui.login_throttle import LoginThrottle

    clock = FakeClock()
    gate = LoginThrottle(clock=clock)  # the server's settings: 5 free, 1 s doubling, at most 60 s
    waits = []
    for _ in range(13):
        verdict = gate.attempt("203.0.113.7", lambda: False)
        assert verdict.checked and not verdict.ok
        waits.append(verdict.wait_s)
        if verdict.wait_s:  # refused unchecked until the wait is over, however often it tries meanwhile
            clock.now += verdict.wait_s - 0.01
            assert gate.attempt("203.0.113.7", _never_checked) == Verdict(False, False, pytest.approx(0.01))
            clock.now += 0.01
    assert waits == [0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]
    assert gate.attempt("198.51.100.4", lambda: False).wait_s == 0  # another client: its own count
    assert gate.attempt("203.0.113.7", lambda: True) == Verdict(True, True, 0)  # the right one, after the wait
    assert gate.failures("203.0.113.7") == 0  # reset: the next wrong one waits nothing
    assert gate.attempt("203.0.113.7", lambda: False).wait_s == 0


def test_a_right_password_during_the_wait_is_refused_and_a_quiet_hour_forgets_the_count():
    from ui.login_throttle import LoginThrottle

    clock = FakeClock()
    gate = LoginThrottle(free=2, clock=clock)
    for _ in range(3):
        gate.attempt("local", lambda: False)
    assert gate.attempt("local", lambda: True) == Verdict(False, False, 1.0)  # not let in, right or not
    clock.now += 3600
    assert gate.failures("local") == 0
    assert gate.attempt("local", lambda: False).wait_s == 0  # counted from zero again


def test_the_throttle_remembers_a_bounded_number_of_clients():
    """A flood of addresses (each guessing once) must not grow the server's memory without end."""
    from ui.login_throttle import LoginThrottle

    clock = FakeClock()
    gate = LoginThrottle(free=1, max_keys=3, clock=clock)
    for i in range(10):
        clock.now += 1
        gate.attempt(f"10.0.0.{i}", lambda: False)
    assert len(gate._clients) == 3
    assert [gate.failures(f"10.0.0.{i}") for i in (6, 7, 8, 9)] == [0, 1, 1, 1]  # the longest quiet forgotten


def test_passwords_are_compared_whole():
    import ui.auth

    assert ui.auth._same("s3cret-7", "s3cret-7")
    assert not ui.auth._same("s3cret-", "s3cret-7") and not ui.auth._same("s3cret-77", "s3cret-7")
    assert ui.auth._same("pässwörd", "pässwörd") and not ui.auth._same("passwörd", "pässwörd")


@pytest.mark.parametrize(
    "address, key",
    [
        (None, "local"),  # 127.0.0.1 and ::1: Streamlit gives None
        ("203.0.113.7", "203.0.113.7"),
        ("::ffff:203.0.113.7", "203.0.113.7"),  # an IPv4 client of a dual-stack socket
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),  # one host's /64: changing address within it is free
        ("2001:db8:1:2:bbbb:cccc:dddd:9", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
    ],
)
def test_a_client_is_named_by_its_address_an_ipv6_one_by_its_network(monkeypatch, address, key):
    from types import SimpleNamespace

    import ui.auth

    monkeypatch.setattr(ui.auth, "st", SimpleNamespace(context=SimpleNamespace(ip_address=address)))
    assert ui.auth.client_key() == key


def _enter(at: AppTest, password: str) -> AppTest:
    [t for t in at.text_input if t.label == "Password"][0].input(password)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def test_a_guesser_waits_longer_after_each_wrong_password_and_a_new_tab_does_not_reset_it(monkeypatch, capsys):
    """An operator's report: nothing limited password attempts, so a guesser could try as fast as the server
    answered. After 5 wrong ones each further one waits (1 s, then 2 s, ...), from every tab of that client."""
    import ui.auth
    from ui.login_throttle import LoginThrottle

    clock = FakeClock()
    monkeypatch.setattr(ui.auth, "THROTTLE", LoginThrottle(clock=clock))
    monkeypatch.setenv("FTLIB_PASSWORD", "s3cret-7")
    at = _app().run().run()
    for _ in range(5):
        errors = [e.value for e in _enter(at, "guess").error]
        assert errors == ["Wrong password. Ask the person who runs this server."]
    errors = [e.value for e in _enter(at, "guess").error]
    assert "Wrong password" in errors[0] and "try again in 1 s" in errors[0]
    assert "6 wrong passwords in a row from local" in capsys.readouterr().err  # the operator's log
    # The right password at once: refused unchecked, in this tab and in a new one (a new session).
    for tab in (at, _app().run().run()):
        errors = [e.value for e in _enter(tab, "s3cret-7").error]
        assert "try again in 1 s" in errors[0] and "not checked" in errors[0]
        assert not _in_the_app(tab)
    clock.now += 1
    errors = [e.value for e in _enter(at, "guess").error]
    assert "Wrong password" in errors[0] and "try again in 2 s" in errors[0]
    clock.now += 2
    assert _in_the_app(_enter(at, "s3cret-7")), "the right password after the wait lets the session in"
    assert ui.auth.THROTTLE.failures("local") == 0
