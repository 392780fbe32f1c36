"""Edges of the password throttle (ui/login_throttle.py, ui/auth.py) that a mutation review found untested: the wait
said in whole seconds rounded up, a guesser's count kept while it keeps guessing, a guesser that never stops, the
operator's log line said once per series, and passwords compared by their whole digest."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.login_throttle import LoginThrottle, Verdict


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def no_earlier_wrong_passwords():
    """The server process keeps wrong passwords for every session (ui.auth.THROTTLE): none left by another test."""
    import ui.auth

    ui.auth.THROTTLE.clear()
    yield
    ui.auth.THROTTLE.clear()


def test_the_wait_is_said_in_whole_seconds_rounded_up():
    """A client told "in 1 s" that tries after 1 s must be let in: 1.4 s is said as 2 s, a hundredth as 1 s."""
    assert Verdict(False, True, 1.4).wait_text == "in 2 s"
    assert Verdict(False, False, 0.01).wait_text == "in 1 s"
    assert Verdict(False, True, 4.0).wait_text == "in 4 s"


def test_a_guesser_that_keeps_guessing_is_not_forgotten_after_an_hour():
    """The hour after which a client starts afresh counts from its last wrong try, not its first: one guessing every
    few minutes for hours keeps its count and waits the longest."""
    clock = FakeClock()
    gate = LoginThrottle(free=5, forget_s=3600, clock=clock)
    waits = []
    for _ in range(12):  # one every 10 minutes: 2 hours of guessing
        waits.append(gate.attempt("203.0.113.7", lambda: False).wait_s)
        clock.now += 600
    assert waits[-1] == 60 and gate.failures("203.0.113.7") == 12


def test_a_guesser_that_never_stops_still_waits_the_cap():
    """After a thousand wrong tries the doubling would overflow a float: the wait stays at the cap, no error."""
    clock = FakeClock()
    gate = LoginThrottle(free=5, clock=clock)
    for _ in range(1200):
        verdict = gate.attempt("203.0.113.7", lambda: False)
        clock.now += verdict.wait_s
    assert verdict == Verdict(False, True, 60.0)


def test_passwords_are_compared_by_their_whole_digest():
    """None of many wrong passwords is taken for the right one (a comparison of part of the digest lets about one
    in 256 in)."""
    import ui.auth

    assert not any(ui.auth._same(f"guess-{i}", "s3cret-7") for i in range(3000))
    assert ui.auth._same("s3cret-7", "s3cret-7")


def _enter(at: AppTest, password: str) -> AppTest:
    [t for t in at.text_input if t.label == "Password"][0].input(password)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def test_the_operators_log_line_is_said_once_per_series(monkeypatch, capsys):
    """The server's log says when a client starts to wait, once; the further wrong tries of that series add no
    line (a guesser would fill the log)."""
    import ui.auth

    clock = FakeClock()
    monkeypatch.setattr(ui.auth, "THROTTLE", LoginThrottle(clock=clock))
    monkeypatch.setenv("FTLIB_PASSWORD", "s3cret-7")
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=60).run().run()
    for _ in range(8):
        _enter(at, "guess")
        clock.now += 100
    assert capsys.readouterr().err.count("wrong passwords in a row from local") == 1
