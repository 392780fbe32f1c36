"""Helper 218's review of 855b3981 (Compare follows its grid by the `?grid=` token in the tab's address).

A tab that followed a grid (a duplicated tab, an address copied while the grid ran) and pressed Generate cancelled the
grid under the tab that started it, which then said "Stopped" with no word of why (checked in Chromium: two browser
contexts on one server). A tab's Generate now lets its grid go (`ui.job_owner.let_go`) and cancels it only where no
other tab showing it is connected: a reload's old session is gone, so its grid still gives way at once.
"""

from __future__ import annotations

import threading
import time

from streamlit.testing.v1 import AppTest

from tests.test_followed_jobs_h214 import DEADLINE_S, ROOT
from tests.test_job_owner_sessions import Tabs, in_runtime, started, ttl  # noqa: F401 (fixtures)
from tests.test_job_owners import Spinning
from tests.test_pages_compare import GRID_TOKENS, button, open_page


def test_let_go_says_whether_another_connected_tab_still_shows_the_grid(ttl, started):  # noqa: F811
    from ftlib.job_owners import OwnerWatch
    from ui import job_owner

    watch = OwnerWatch(every_s=None)

    def test(tabs: Tabs) -> None:
        first = tabs.open()
        job = Spinning().start()
        started.append(job)
        job_owner.watch_for_session(job, tabs.runtime, first, watch)
        duplicate = tabs.open()  # a duplicated tab: both connected
        assert job_owner.also_shown_in(job, duplicate)
        assert job_owner.let_go(job, duplicate), "the first tab still shows it: it runs on"
        assert watch.sweep(now=0) == [] and not job.cancelled
        tabs.lose(first)  # the duplicate let go of it: once the first tab is gone, nobody keeps it
        assert watch.sweep(now=10) == [] and watch.sweep(now=10 + ttl) == [job]

        again = Spinning().start()
        started.append(again)
        before = tabs.open()
        job_owner.watch_for_session(again, tabs.runtime, before, watch)
        tabs.lose(before)  # a reload: the old session is gone for good
        reloaded = tabs.open()
        assert job_owner.also_shown_in(again, reloaded)
        assert not job_owner.let_go(again, reloaded), "nobody else shows it: the caller ends it at once"

    in_runtime(test)
    assert not job_owner.let_go(Spinning(), "s"), "a job nobody watches: the caller ends it, as before"


def test_generate_in_a_tab_following_a_grid_another_open_tab_shows_leaves_that_grid_running(
    varied_dir,
    monkeypatch,
):
    from ftlib import modelset as M
    from ui import job_owner

    monkeypatch.setenv("FTLIB_LEASE", "0")  # the follower's grid does not wait behind the first one
    release, stream = threading.Event(), M.generate_stream

    def held(*args, **kwargs):
        assert release.wait(timeout=DEADLINE_S)
        yield from stream(*args, **kwargs)

    monkeypatch.setattr(M, "generate_stream", held)
    first = open_page("pages/5_Compare.py", varied_dir)
    try:
        first.slider(key="compare_max_new").set_value(GRID_TOKENS)
        button(first, "Generate").click()
        first.run()
        job = first.session_state["compare_job"]
        follower = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)  # a duplicate of the first tab
        follower.session_state["active_model"] = str(varied_dir)
        follower.query_params["grid"] = first.query_params.get("grid")
        follower.run()
        follower.switch_page("pages/5_Compare.py").run()
        assert follower.session_state["compare_job"] is job
        # AppTest has no browser sessions to ask (its runtime is a mock, no job is watched): the first tab stands
        # connected, as `let_go` finds it in a server.
        monkeypatch.setattr(job_owner, "let_go", lambda job, session_id=None: True, raising=False)
        button(follower, "Generate").click()
        follower.run()
        assert not follower.exception, follower.exception
        assert follower.session_state["compare_job"] is not job  # the follower's own grid
        assert not job.cancelled, "the first tab's grid was stopped by the tab that followed it"
    finally:
        release.set()
    assert job.wait(timeout=300) and not job.cancelled
    assert follower.session_state["compare_job"].wait(timeout=300)


def test_a_setting_with_no_name_before_its_equals_sign_is_not_said_to_be_a_misspelt_setting():
    """05a652b5 named a misspelt key ("'temprature' is not a decoding setting"); "=2" came out as "'' is not a
    decoding setting": it has no key at all, as the words before that commit said."""
    import pytest

    from ftlib.decoding import SamplingError, parse_setting

    with pytest.raises(SamplingError) as said:
        parse_setting("=2")
    assert "'' is not" not in str(said.value)
    assert "'=2' is not key=value with a key among temperature" in str(said.value)


def test_a_grid_back_in_line_mid_way_leaves_the_wait_under_way_out_of_its_decoding_time():
    """3dba6527 left the turns a grid lent to a training run out of its elapsed time once each wait ended; while one
    went on, the page said 'Waiting for ...' beside a time left that grew with every second of it (seen in Chromium:
    a grid back in line behind another tab's, 6 tokens, 'at most about 18 min 15 s left')."""
    from types import SimpleNamespace

    from ftlib.modelset import GenerationJob

    job = GenerationJob(SimpleNamespace(device=None), rows=[])  # no device: no lease, nothing decoded
    now = time.monotonic()
    job.started = now - 100.0
    # 10 s in line before it began, then back in line 40 s ago, still waiting: 60 s of its own decoding
    job._held, job._first_wait = SimpleNamespace(waited_s=10.0, waiting_since=now - 40.0), 10.0
    assert 59.0 <= job.progress().elapsed_s <= 61.0


def test_a_hold_says_when_its_wait_under_way_began_and_forgets_it_once_over(tmp_path, monkeypatch):
    import pytest

    from ftlib import lease

    monkeypatch.setenv("FTLIB_LOCK_DIR", str(tmp_path))
    monkeypatch.setenv("FTLIB_LEASE", "1")
    first = lease.Hold("cpu", "training", "a run").acquire()
    try:
        second, seen = lease.Hold("cpu", "generation", "a grid"), []
        second.cancelled = lambda: seen.append(second.waiting_since) or len(seen) > 2
        with pytest.raises(lease.Cancelled):
            second.acquire()
        assert seen[0] is not None and seen[0] <= time.monotonic()
        assert second.waiting_since is None and second.waited_s > 0
    finally:
        first.release()
