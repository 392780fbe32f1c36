"""A job started in a page ends with its browser session (ui.job_owner), checked against Streamlit's own runtime: a
real `Runtime` with its `WebsocketSessionManager` and `MemorySessionStorage`, whose sessions the test connects,
disconnects, reconnects and closes as the websocket handler does for a browser tab.

- a tab that loses its connection and comes back within `server.disconnectedSessionTTL` is the same session, and
  keeps its job (switching page never even disconnects it: st.navigation keeps one session per tab);
- a tab closed, or a session closed outright, ends the job once that TTL has passed, never before;
- importing ui.common is what has every job started in a page watched (the pages call `.start()` as before).

Times are the sweeps' own (`OwnerWatch.sweep(now=...)`), so nothing waits for a clock."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from streamlit import config
from streamlit.runtime import Runtime, RuntimeConfig
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.runtime.memory_session_storage import MemorySessionStorage
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.script_data import ScriptData

from ftlib import jobs
from ftlib.job_owners import OwnerWatch
from tests.test_job_owners import DEADLINE_S, Spinning
from ui import job_owner

TTL = 30  # seconds: Streamlit's disconnectedSessionTTL in these tests (120 by default)
SCRIPT = "/nonexistent/app.py"  # a session's script is never run here


@pytest.fixture
def ttl():
    before = config.get_option("server.disconnectedSessionTTL")
    config.set_option("server.disconnectedSessionTTL", TTL)
    yield TTL
    config.set_option("server.disconnectedSessionTTL", before)


@pytest.fixture
def started():
    """Jobs the test starts, none left spinning after it."""
    made: list[Spinning] = []
    yield made
    for job in made:
        job.cancel()
        job.wait(DEADLINE_S)


class Tabs:
    """Streamlit's runtime with the session calls its websocket handler makes for a browser tab (`connect_session`
    with the tab's last session id on a reconnect, `disconnect_session` when the socket closes)."""

    def __init__(self) -> None:
        self.runtime = Runtime(
            RuntimeConfig(
                script_path=SCRIPT,
                media_file_storage=MemoryMediaFileStorage("/media"),
                uploaded_file_manager=MemoryUploadedFileManager("/upload"),
                session_storage=MemorySessionStorage(ttl_seconds=TTL),
            )
        )
        self.manager = self.runtime._session_mgr  # the WebsocketSessionManager the server would use
        self.client = SimpleNamespace(write_forward_msg=lambda msg: None, client_context=None)

    def open(self, session_id: str | None = None) -> str:
        return self.manager.connect_session(
            client=self.client, script_data=ScriptData(SCRIPT, False), user_info={}, existing_session_id=session_id
        )

    def lose(self, session_id: str) -> None:
        self.manager.disconnect_session(session_id)

    def close_all(self) -> None:
        for info in self.manager.list_sessions():
            self.manager.close_session(info.session.id)


def in_runtime(test) -> None:
    """Run `test(tabs)` on an event loop, as Streamlit's sessions need, and drop the runtime after it."""

    async def main() -> None:
        tabs = Tabs()
        try:
            test(tabs)
        finally:
            tabs.close_all()
            Runtime._instance = None

    asyncio.run(main())


def test_a_tab_back_within_the_ttl_keeps_its_job_and_one_gone_for_the_ttl_ends_it(ttl, started):
    watch = OwnerWatch(every_s=None)

    def test(tabs: Tabs) -> None:
        tab = tabs.open()
        job = Spinning().start()
        started.append(job)
        job_owner.watch_for_session(job, tabs.runtime, tab, watch)
        assert watch.sweep(now=0) == []
        tabs.lose(tab)  # a network blip, a laptop lid
        assert watch.sweep(now=1) == []
        assert tabs.open(tab) == tab, "Streamlit no longer gives a reconnecting tab its session back"
        assert watch.sweep(now=1 + 2 * ttl) == [] and not job.cancelled
        tabs.lose(tab)  # the tab closed: nobody will come back
        assert watch.sweep(now=100) == []
        assert watch.sweep(now=100 + ttl - 1) == [] and not job.cancelled
        assert watch.sweep(now=100 + ttl) == [job]
        assert job.cancelled_why == job_owner.WHY
        assert job.wait(DEADLINE_S) and job.error is None

    in_runtime(test)


def test_a_closed_session_ends_its_job_and_leaves_the_other_tabs_job_alone(ttl, started):
    watch = OwnerWatch(every_s=None)

    def test(tabs: Tabs) -> None:
        mine, theirs = tabs.open(), tabs.open()
        my_job, their_job = Spinning().start(), Spinning().start()
        started.extend([my_job, their_job])
        job_owner.watch_for_session(my_job, tabs.runtime, mine, watch)
        job_owner.watch_for_session(their_job, tabs.runtime, theirs, watch)
        tabs.manager.close_session(mine)  # shut down at once (a logout)
        assert watch.sweep(now=0) == []
        assert watch.sweep(now=ttl) == [my_job]
        assert watch.sweep(now=10 * ttl) == [] and not their_job.cancelled

    in_runtime(test)


def test_a_job_started_in_a_page_is_watched_for_its_session(ttl, started, monkeypatch):
    """The wiring: ui.common installs the start hook, so a page's `SomeJob(...).start()` is watched with the session
    of the script run that started it; a job started outside a script run is not."""
    import ui.common  # noqa: F401 (what every page imports)

    watch = OwnerWatch(every_s=None)
    monkeypatch.setattr(job_owner, "WATCH", watch)

    def test(tabs: Tabs) -> None:
        tab = tabs.open()
        monkeypatch.setattr(job_owner, "get_script_run_ctx", lambda suppress_warning=False: None)
        outside = Spinning().start()
        started.append(outside)
        in_a_page = SimpleNamespace(session_id=tab)  # the ScriptRunContext of a page's script run
        monkeypatch.setattr(job_owner, "get_script_run_ctx", lambda suppress_warning=False: in_a_page)
        job = Spinning().start()
        started.append(job)
        assert watch.watched() == [job]
        tabs.lose(tab)
        assert watch.sweep(now=0) == []
        assert watch.sweep(now=ttl) == [job]

    assert job_owner._own in jobs._start_hooks
    in_runtime(test)


def test_an_evaluation_kept_with_its_run_is_left_to_finish_after_its_tab_closes(ttl, started, monkeypatch):
    """A kept evaluation (eval_results' Kept*Job) writes its result into the run's folder, where a reload, another tab
    or a teammate reads it: ending it with its tab would throw that away, so the watch never takes it; a Compare grid's
    job, whose result only its tab shows, is taken."""
    from ftlib import eval_results

    watch = OwnerWatch(every_s=None)
    monkeypatch.setattr(job_owner, "WATCH", watch)

    class KeptSpinning(Spinning):
        outlives_its_tab = True

    def test(tabs: Tabs) -> None:
        tab = tabs.open()
        monkeypatch.setattr(
            job_owner, "get_script_run_ctx", lambda suppress_warning=False: SimpleNamespace(session_id=tab)
        )
        kept, grid = KeptSpinning().start(), Spinning().start()
        started.extend([kept, grid])
        assert watch.watched() == [grid]
        tabs.lose(tab)
        watch.sweep(now=0)
        assert watch.sweep(now=ttl) == [grid] and not kept.cancelled

    in_runtime(test)
    kept_jobs = [
        eval_results.KeptEvalJob,
        eval_results.KeptCostJob,
        eval_results.KeptPairsJob,
        eval_results.KeptAnswersJob,
    ]
    assert all(cls.outlives_its_tab for cls in kept_jobs)
    assert not jobs.BackgroundJob.outlives_its_tab
