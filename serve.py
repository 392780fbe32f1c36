"""Serve the studio: `streamlit run serve.py` (what `make run` does). The app itself is app.py.

A thin ASGI wrapper (`st.App`) whose only job is the start-up hook: as the server starts, a background thread
loads torch, transformers, the default tokenizer and model into the pages' shared caches (ui.common.warm_up), so
the first visitor finds the model ready or nearly so instead of waiting for it from scratch. The server answers
at once; nothing waits on the warm-up. `FTLIB_WARM_UP=0` turns it off (a server that never uses the default
model); `streamlit run app.py` still works, without it. It also sets the process's OpenMP environment before
torch loads (`ftlib.sharing.process_env`), and `kill -USR1 <server pid>` prints every thread's stack to the server's
log (a page that hangs: where each session's script and background job stands). At start-up the run queue moves on
(`resume_queue`): runs a reboot killed are marked interrupted and the next queued run starts.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import sys
import threading
import time
from contextlib import asynccontextmanager
from pathlib import Path

import streamlit as st

from ftlib.sharing import process_env, say_threads_warning
from ftlib.worker import quiet_known_noise

# Before anything imports torch (the warm-up, the first page): idle OpenMP threads sleep instead of spinning, and
# FTLIB_THREADS sets the server's thread budget (ftlib.sharing).
process_env()
say_threads_warning("ftlib: warning: ")  # an FTLIB_THREADS that is no thread count, in the server's log
quiet_known_noise()  # the server log without the library messages known to be harmless (as app.py; once)
# A hang is diagnosed from outside without stopping the server (the browser tests' failure reports use it).
faulthandler.register(signal.SIGUSR1, all_threads=True)
WARM_UP = os.environ.get("FTLIB_WARM_UP", "1").strip().lower() not in ("0", "false", "no", "off")
HERE = Path(__file__).resolve().parent
if Path.cwd().resolve() != HERE:
    # Streamlit reads .streamlit/config.toml (and secrets.toml) from the folder it was started in: elsewhere (a
    # service without a working directory) the file watcher trips over torch, uploads stop at 200 MB and a full garbage
    # collection after every script run stalls a busy server (.streamlit/config.toml says why each is set).
    print(
        f"ftlib: started from {Path.cwd()}, not the studio's folder {HERE}, so the studio's .streamlit/config.toml "
        f"is not in effect; start it from {HERE} (a service: WorkingDirectory={HERE})",
        file=sys.stderr,
        flush=True,
    )


@asynccontextmanager
async def lifespan(app):  # noqa: ARG001 (the ASGI app, unused)
    threading.Thread(target=resume_queue, name="ftlib-queue", daemon=True).start()
    if WARM_UP:
        threading.Thread(target=_warm_up, name="ftlib-warm-up", daemon=True).start()
    yield


def resume_queue() -> None:
    """At start-up, settle the runs whose processes died with the server's machine (a reboot) and start what the
    queue holds, without waiting for someone to open the Train page or list runs (a cold review)."""
    from ftlib import runs

    try:
        note = runs.refresh_runs()  # "" unless this account may only read the workspace
    except Exception as exc:  # noqa: BLE001 (the server starts anyway; the Train page tries again)
        note = f"could not look at the run queue ({type(exc).__name__}: {exc}); the Train page tries again"
    if note:
        print(f"ftlib: {note}", file=sys.stderr, flush=True)


def _warm_up() -> None:
    # Imported here, after the Streamlit runtime has started, so the cached functions use its caches.
    from ui.common import warm_up

    start = time.monotonic()
    if warm_up():
        # bench/bench_startup.py watches the server log for this line.
        print(
            f"ftlib: default model loaded ({time.monotonic() - start:.1f} s after the server started)",
            file=sys.stderr,
            flush=True,
        )


def navigation_mode() -> bool:
    """Put Streamlit in st.navigation's mode from the start; False (said in the log) where this Streamlit has no
    `PagesManager.uses_pages_directory`, a private flag (Streamlit 1.50-1.67 have it): the server still starts.

    pages/ holds the files app.py's st.navigation lists, and Streamlit takes a pages/ folder for its older multipage
    mode until some session has run st.navigation: after a start, a page opened by its address (a bookmark) ran alone,
    without app.py's sidebar, under a navigation of file names ("app", "Home", ...), until someone opened Home."""
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:
        PagesManager = None
    if not hasattr(PagesManager, "uses_pages_directory"):
        print(
            "ftlib: this Streamlit has no PagesManager.uses_pages_directory: until someone opens the home page, a "
            "page opened by its address may run without the studio's navigation",
            file=sys.stderr,
            flush=True,
        )
        return False
    PagesManager.uses_pages_directory = False
    return True


navigation_mode()
app = st.App("app.py", lifespan=lifespan)
