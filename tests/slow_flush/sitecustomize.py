"""Only for the real-browser tests (tests/test_browser.py): a Streamlit server that sends each session's messages in
batches, at most once every `BROWSER_TEST_FLUSH_EVERY_S` seconds, as an event loop starved on a busy machine does.

A server started with this folder on PYTHONPATH imports it at start-up (Python's `sitecustomize`). What it brings
about on purpose: a run that starts before the last one's messages went out drops them (Streamlit's
`ForwardMsgQueue.clear`), which on 2 busy cores happened now and then, and froze a Compare page once in CI.
"""

import asyncio
import os
import time

EVERY_S = float(os.environ.get("BROWSER_TEST_FLUSH_EVERY_S") or 0)

if EVERY_S > 0:
    from streamlit.runtime.app_session import AppSession

    _flush = AppSession.flush_browser_queue

    def flush_browser_queue(self):
        """Nothing until `EVERY_S` after this session's last batch (the loop is woken again then)."""
        wait = getattr(self, "_last_batch", 0.0) + EVERY_S - time.monotonic()
        if wait > 0:
            if not getattr(self, "_batch_woken", False) and self._message_enqueued_callback is not None:
                self._batch_woken = True

                def wake() -> None:
                    self._batch_woken = False
                    self._message_enqueued_callback()

                asyncio.get_running_loop().call_later(wait, wake)
            return []
        self._last_batch = time.monotonic()
        return _flush(self)

    AppSession.flush_browser_queue = flush_browser_queue
