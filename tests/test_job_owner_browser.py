"""A closed browser tab's job ends and lets a teammate's job have the device, in a real server and Chromium: a tiny
app (tests/job_owner_app.py) whose **Start** holds the CPU's lease until cancelled, served with Streamlit's
`server.disconnectedSessionTTL` at 1 s; a job of this test's process waits in line for the same device (the same
lock folder), as a teammate's Compare grid would. Closing the tab ends the server's job (the reason logged by the job
itself) and the teammate's job starts. Every wait is for an event, with a generous deadline."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.browser_app import CHROMIUM, ROOT, free_port, launch_chromium
from tests.test_job_owners import DEADLINE_S, Spinning
from ui.job_owner import WHY

pytestmark = pytest.mark.browser


def events(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []


def wait_until(check, what: str, seconds: float = DEADLINE_S):
    """Poll `check()` until it is truthy (returns it); fails naming `what` after `seconds`."""
    from threading import Event

    for _ in range(int(seconds * 20)):
        if found := check():
            return found
        Event().wait(0.05)
    pytest.fail(f"{what}: not within {seconds} s")


@pytest.fixture
def server(tmp_path, monkeypatch):
    """The app on a free port, sharing this test's lock folder; stopped after the test."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM}")
    locks, log = tmp_path / "locks", tmp_path / "jobs.jsonl"
    monkeypatch.setenv("FTLIB_LOCK_DIR", str(locks))
    monkeypatch.setenv("FTLIB_LEASE", "1")
    port = free_port()
    env = dict(
        os.environ, FTLIB_TEST_JOB_LOG=str(log), PYTHONPATH=str(ROOT), STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL="1"
    )
    command = [sys.executable, "-m", "streamlit", "run", "tests/job_owner_app.py", "--server.headless", "true",
               "--server.port", str(port), "--browser.gatherUsageStats", "false"]  # fmt: skip
    with open(tmp_path / "server.log", "ab") as out:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def healthy() -> bool:
        assert proc.poll() is None, (tmp_path / "server.log").read_text()
        try:
            with urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False

    try:
        wait_until(healthy, "the server to answer")
        yield f"http://localhost:{port}", log, tmp_path / "server.log"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_closed_tabs_job_ends_and_the_teammate_waiting_gets_the_device(server):
    url, log, server_log = server
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            tab = browser.new_page()
            tab.goto(url)
            tab.get_by_role("button", name="Start").click()
            wait_until(lambda: any(e["event"] == "began" for e in events(log)), "the tab's job to start")
            teammate = Spinning(label="a teammate's grid", device="cpu").start()
            try:
                wait_until(lambda: "a closed tab's grid" in teammate.waiting, "the teammate to wait in line")
                assert not teammate.working.is_set()
                tab.close()
                assert teammate.working.wait(DEADLINE_S), "the closed tab's job kept the device"
            finally:
                teammate.cancel()
                teammate.wait(DEADLINE_S)
        finally:
            browser.close()
    ended = wait_until(lambda: [e for e in events(log) if e["event"] == "ended"], "the tab's job to end")
    assert ended == [{"event": "ended", "why": WHY}]
    said = server_log.read_text(encoding="utf-8")  # what an operator reads: the job, its session, why it ended
    assert re.search(rf"a closed tab's grid \(browser session [0-9a-f-]+\) cancelled: {re.escape(WHY)}", said), said
