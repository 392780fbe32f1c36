"""What every page needs: the active model and dataset split, cached loads, and error display.

Per-user choices live in `st.session_state`; models and tokenizers are shared through
`st.cache_resource` and never mutated (wrap a copy, not the cached object).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ftlib import workspace
from ftlib.errors import UserError, os_error_message, user_message
from ui import alerts, job_owner, nav
from ui.fragments import polling_fragment
from ui.labels import model_box_words, skipped_words

job_owner.install()  # a job started in a page ends with its browser session (a closed tab), not before

MODEL_KEY = "active_model"
SPLIT_KEY = "active_split"


def active_model() -> str:
    return st.session_state.get(MODEL_KEY, "default")


MODEL_ERROR_KEY = "_model_error"
MODEL_NOTE_KEY = "_model_note"
# Under the box when a new session starts from a model other than `default` that someone chose before.
REMEMBERED_NOTE = "Last chosen in this workspace, perhaps by someone else: type another above to change it."


def model_box() -> None:
    """The sidebar's Model box. A typed model is checked at once (`_check_model_input`); refused, the last good
    model stays in the box and the reason shows under it on the run that follows the typing, once: the next run
    (a click, another page) drops it, as does typing a model that works. A new session starts from the model last
    chosen in the workspace (`_remembered_model`), as it does from the split last made active."""
    if MODEL_KEY not in st.session_state:
        st.session_state[MODEL_KEY] = _remembered_model()
        st.session_state["_model_last_good"] = st.session_state[MODEL_KEY]
    st.text_input(
        "Model",
        key=MODEL_KEY,
        on_change=_check_model_input,
        help="`default` is the embedded SmolLM2-135M-Instruct. A model folder under the allowed model "
        "directories (FTLIB_MODEL_DIRS, finished runs) or a cached hub id also work.",
    )
    error = st.session_state.pop(MODEL_ERROR_KEY, None)
    if error:
        st.error(error, icon=alerts.ERROR)
    note = st.session_state.pop(MODEL_NOTE_KEY, None)
    if note:
        st.caption(note)


def _usable_model(typed: str) -> None:
    """The check of a chosen model: allowed to a browser (`workspace.check_browser_model`), and a model this machine
    can load (`ftlib.models.check_model`: a folder with a readable config and its weights, a cached hub id)."""
    from ftlib.models import check_model

    workspace.check_browser_model(typed)
    check_model(typed)


def _remembered_model() -> str:
    """The model last chosen in the workspace, checked again (its folder may have changed since), with a note under
    the box saying it was the workspace's last choice; `default` when none was recorded (no note) or it no longer
    passes, with a note saying which and why."""
    from ftlib.models import DEFAULT_MODEL, last_model

    remembered = last_model(workspace.workspace_dir())
    if not remembered or remembered == DEFAULT_MODEL:
        return DEFAULT_MODEL
    try:
        _usable_model(remembered)
    except UserError as exc:
        st.session_state[MODEL_NOTE_KEY] = (
            f"The model last chosen here, `{remembered}`, cannot be used any more ({model_box_words(str(exc))}). "
            "Back to `default`."
        )
        return DEFAULT_MODEL
    # On a shared server it may be a teammate's choice: said once, under the box, on the session's first draw.
    st.session_state[MODEL_NOTE_KEY] = REMEMBERED_NOTE
    return remembered


def _check_model_input() -> None:
    """Check a typed model name at once: outside the allowed folders, or not a model this machine has (no weights,
    a broken config.json), it is refused with the reason and the fix, and the last good model stays active. A model
    that passes is the one a new session starts from."""
    from ftlib.models import remember_model

    typed = st.session_state[MODEL_KEY].strip() or "default"
    try:
        _usable_model(typed)
    except UserError as exc:
        st.session_state[MODEL_ERROR_KEY] = f"`{typed}` cannot be used: {model_box_words(str(exc))}"
        st.session_state[MODEL_KEY] = st.session_state.get("_model_last_good", "default")
        return
    st.session_state[MODEL_KEY] = typed
    st.session_state["_model_last_good"] = typed
    st.session_state.pop(MODEL_ERROR_KEY, None)
    try:
        remember_model(workspace.workspace_dir(), typed)
    except OSError as exc:  # this session keeps the model; only the next one will not start from it
        st.session_state[MODEL_NOTE_KEY] = (
            f"A new session will not start from this model: it could not be noted ({exc})."
        )


def active_split_name() -> str | None:
    """The split this session chose; else the one last saved or made active in the workspace (so a refresh or a
    second tab finds it again); else, when that one is gone or none was recorded, the newest split on disk."""
    name = st.session_state.get(SPLIT_KEY)
    if name:
        return name
    remembered = workspace.last_active_split()
    if remembered:
        return remembered
    splits = workspace.list_splits()
    return splits[0]["name"] if splits else None


def set_active_split(name: str) -> None:
    """Make `name` the active split of this session and the one a fresh session starts from."""
    st.session_state[SPLIT_KEY] = name
    workspace.remember_active_split(name)


@st.cache_resource(max_entries=4, show_spinner="Loading the tokenizer...")
def cached_tokenizer(model: str):
    from ftlib.models import load_tokenizer

    return load_tokenizer(model)


@st.cache_resource(show_spinner=False)
def shared_bases():
    """The server's loaded bases (`ftlib.shared_base.SharedBases`): one copy of a model for every set of its runs."""
    from ftlib.shared_base import SharedBases

    return SharedBases()


@st.cache_resource(max_entries=3, show_spinner="Loading the model and its adapters...")
def cached_model_set(model: str, adapters: tuple[str, ...], device: str | None = None):
    """A base model with these runs' adapters (an `ftlib.modelset.ModelSet`) on `device` (None: the default one),
    shared by Compare and Evaluate; pages get it through `model_set_for`, which picks the device.

    The sets share their base (`shared_bases`: each adapter loaded into one copy of it by a name of its own; before,
    each set loaded a base of its own, three copies of a 7B model for three sets); a base goes when no set cached here
    holds it. The device's lock serializes forwards, since adapter routing uses hooks on the shared modules.
    """
    # One tokenizer load, not two.
    return shared_bases().model_set(model, list(adapters), device=device, tokenizer=cached_tokenizer(model))


def model_set_for(model: str, adapters: tuple[str, ...], say_where: bool = True):
    """`cached_model_set` on the device `ftlib.sharing.inference_device` picks: the CPU on a machine without a
    GPU, else the GPU unless a training run there needs its memory; with `say_where`, a caption says why when the
    models are not on the GPU or share it with a run."""
    from ftlib.sharing import inference_device

    place = inference_device(model, adapters, loaded=lambda device: shared_bases().has_base(model, device))
    if say_where and place.reason:
        st.caption(place.reason)
    return cached_model_set(model, adapters, place.device)


def warm_up(model: str = "default") -> bool:
    """Load what the first pages need (torch, transformers, the tokenizer, the base model) into the caches above.

    Called once per server process in a background thread (serve.py), so the first visitor does not wait for
    it; a session asking for the same entry meanwhile waits for this load instead of starting a second one.
    Failures are left for the page that needs the model to report. Returns whether the model is loaded.
    """
    # The caches' spinners look for a page to draw on; this thread has none, on purpose: keep the log quiet.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: "ftlib-warm-up" not in record.getMessage()
    )
    try:
        cached_tokenizer(model)
        model_set_for(model, (), say_where=False)
    except Exception as exc:  # noqa: BLE001 (the page that needs it shows the real message)
        logging.getLogger("ftlib").warning("warm-up of model %r skipped: %s", model, exc)
        return False
    return True


# One copy of each split for every session, never changed by a page: st.cache_data unpickled a copy of every row at
# each rerun of Tokens, Batches, Compare and Train (Train: three a rerun, polled every 2 s while a run trains), 1.0 to
# 7.7 s a click with a split of 90,000 chat rows (BENCHMARKS.md, "Page responsiveness").
@st.cache_resource(max_entries=4, ttl=3600, show_spinner=False)
def _cached_split(name: str, root: str, version: tuple):  # noqa: ARG001 (root, version: a new key when they change)
    return workspace.load_split(name, fix=SPLIT_AGAIN)  # a file that does not read: the page's way, not the CLI's


# The way on from a saved split whose files do not read (cut short, edited): the page's; the CLI's is `data split`.
SPLIT_AGAIN = (
    "Save the split again: open its data file on the **Data** page and press **Save split** under **Split and save**."
)


_versions_read: dict[tuple[str, str], tuple] = {}  # (name, workspace) -> the version of the split last asked for
_versions_lock = threading.Lock()


def cached_split(name: str):
    """(train, test, meta) of a saved split, cached per workspace, name and version (`workspace.split_version`: a
    split replaced by the CLI, a teammate or another server is read again; the Data page also clears it on save).
    The same objects for every session: read them, never change them. A split saved over lets go of its older rows
    at once, not when the cache's bound or time drops them."""
    root, version = str(workspace.workspace_dir()), workspace.split_version(name)
    with _versions_lock:
        before = _versions_read.get((name, root))
        _versions_read[(name, root)] = version
    if before is not None and before != version:
        _cached_split.clear(name, root, before)
    return _cached_split(name, root, version)


cached_split.clear = _cached_split.clear  # the Data page calls cached_split.clear() after saving


@st.cache_resource(max_entries=4, ttl=3600, show_spinner=False)
def _split_row_kinds(name: str, root: str, version: tuple) -> tuple[str, ...]:
    from ftlib import rows  # looked up at the call: tests count its row_kind calls

    return tuple(rows.row_kind(r) for r in _cached_split(name, root, version)[0])


def split_row_kinds(name: str) -> tuple[str, ...]:
    """The kind (`rows.row_kind`) of each training row of a saved split, in order: every row looked at once per
    version of the split, shared by every session, not at every click of Train or Batches (90,000 rows: a seventh of
    a Batches rerun, BENCHMARKS.md "Page responsiveness")."""
    return _split_row_kinds(name, str(workspace.workspace_dir()), workspace.split_version(name))


# What to do when the server's account may not write a file in the workspace (a teammate's run, made without the
# shared group's write access): the README's team set-up.
NOT_WRITABLE = (
    "this server's account may not write there: give the workspace group write access (README: Running it for a team)"
)
_NO_WRITE = (errno.EACCES, errno.EPERM, errno.EROFS)


def os_failure(exc: OSError) -> str:
    """An OSError in words (`ftlib.errors.os_error_message`), with the team set-up to fix one of write access."""
    return os_error_message(exc, fix=NOT_WRITABLE if exc.errno in _NO_WRITE else "")


@contextlib.contextmanager
def user_errors(what: str, said: Callable[[str], str] = str):
    """Show a failure as one message and stop the page, never a raw traceback.

    A `UserError` (or an OSError about a file) is the user's to fix: its message says how, as `said` words it for
    the page (`ui.labels.in_form_words`: the boxes, not the CLI's flags, of a message worded for both). Anything
    else is a bug: the page says so and keeps the traceback under "Details for engineers".
    """
    try:
        yield
    except UserError as exc:
        st.error(f"{what}: {said(str(exc))}", icon=alerts.ERROR)
        st.stop()
    except OSError as exc:  # in words, not "[Errno 13] Permission denied: '...'"
        st.error(f"{what}: {os_failure(exc)}.", icon=alerts.ERROR)
        st.stop()
    except Exception as exc:  # noqa: BLE001 (a bug: shown with its traceback rather than a dead page)
        st.error(
            f"{what}: something went wrong inside the studio ({user_message(exc)}). This is a bug, not "
            "something you did; the details below help an engineer fix it.",
            icon=alerts.ERROR,
        )
        with st.expander("Details for engineers"):
            st.code(traceback.format_exc())
        st.stop()


# Why a deferred download failed, by session and button, until the page shows it (see `deferred_download`).
_download_failures: dict[tuple[str, str], str] = {}
_download_failures_lock = threading.Lock()


def wait_notice():
    """An `on_wait` for `ftlib.lease.hold` that shows where the page waits for the device in a placeholder drawn
    here ("Waiting for a free slot ... position N in line"), and clears it once the wait is over."""
    placeholder = st.empty()

    def show(state) -> None:
        if state is None:
            placeholder.empty()
        else:
            placeholder.info(state.message, icon=alerts.INFO)

    return show


def job_progress(job) -> None:
    """Inside a polling fragment: where a background job (`ftlib.jobs.BackgroundJob` with `message` and `fraction`)
    waits for the device, then its progress bar. The same elements in every poll, an empty slot when it does not
    wait (see docs/ARCHITECTURE.md)."""
    if job.waiting:
        st.info(job.waiting, icon=alerts.INFO)
    else:
        st.empty()
    text = "Waiting for the device" if job.waiting else job.message
    if not job.waiting and job.began is not None:  # a long evaluation says how long it has left (a review)
        if said := times_said(job, time.monotonic() - job.began):
            text = f"{text} · {said}"
    st.progress(min(job.fraction, 1.0), text=text)


def times_said(job, elapsed_s: float) -> str:
    """'1 min 2 s so far, about 3 min 0 s left' for a job's bar (`ui.compare_view.so_far_and_left`), the time left
    judged at the moment its share of work done (`job.fraction`) was first seen at its value (kept on the job), less
    the time since: between two reports it counts down, and once that runs out only the time so far is said. From the
    time so far alone it grew while the share stood still: "What it cost" said "about 5 min 7 s left", then "6 min 47
    s left" 15 s later, within one round of answers (helper 78's walk)."""
    from ui.compare_view import duration, so_far_and_left

    seen = getattr(job, "_times_seen", None)
    if seen is None or seen[0] != job.fraction:
        seen = job._times_seen = (job.fraction, elapsed_s)
    fraction, reached = seen
    if elapsed_s < 5 or not 0.02 <= fraction < 1:  # its first seconds, or nothing done yet: as so_far_and_left says
        return so_far_and_left(elapsed_s, fraction)
    left = reached * (1 - fraction) / fraction - (elapsed_s - reached)
    so_far = so_far_and_left(elapsed_s, 0.0)  # the time so far alone
    return f"{so_far}, about {duration(left)} left" if left >= 1 else so_far


def run_job_section(key: str, run_name: str, label: str, start_label: str, start, words: dict, disabled=False):
    """The job part of an Evaluate section for one run: a start button, a Stop button while it runs, a polled
    progress bar, its error; returns the finished job with result rows to show, else None (all said here).

    `key`: the session key holding (run name, job), this session's last; `start()`: a started ftlib BackgroundJob;
    `words`: "idle" (before any job; None: nothing), "done" (what the job does, "scored"), "error" (what failed) and
    "empty" (a job stopped before any row). Another run's job is kept: its result comes back when that run is picked
    again."""
    held = st.session_state.get(key)
    job = held[1] if held and held[0] == run_name else None
    # One row sized to its buttons: a sixth of the page cut "Answer and score" to "Answer and sc..." at 1280 px.
    b1 = b2 = st.container(horizontal=True)
    if b1.button(start_label, type="primary", disabled=disabled):
        if job is not None and not job.done:
            job.cancel()
        job = start()
        st.session_state[key] = (run_name, job)
    if job is not None and not job.done and b2.button("Stop"):
        job.cancel()
    if job is None:
        if held and words["idle"] is not None:  # None: the refusal above the disabled button says what to do
            st.info(
                f"**{label}** has not been {words['done']} in this session: press **{start_label}**.", icon=alerts.INFO
            )
        elif words["idle"]:  # None: a refusal above the button says what to do instead
            st.info(words["idle"], icon=alerts.INFO)
        return None
    if not job.done:

        def progress() -> None:
            if job.done:
                st.rerun()
            job_progress(job)

        polling_fragment(progress, 0.5)  # only while the job runs, under a new id on every page run
        return None
    if job.error:
        st.error(f"{words['error']}: {job.error}", icon=alerts.ERROR)
        return None
    if job.result is None or not job.result.rows:
        st.warning(words["empty"], icon=alerts.WARNING)
        return None
    return job


def restore_kept(key: str, run_name: str, kept_key: dict | None, restored) -> None:
    """Make a result kept with run `run_name` under `kept_key` (`ftlib.eval_results`) this session's job of the run in
    session `key` (as `run_job_section` holds it), so a reload or another tab shows it: `restored()` gives the done
    job holding it, or None when none is kept. Not while this session's job runs (of any run: it is not displaced),
    nor over the job that holds that very result."""
    held = st.session_state.get(key)
    if kept_key is None or (held and not held[1].done):
        return
    if held and held[0] == run_name and getattr(held[1], "kept_key", None) == kept_key:
        return
    if (kept := restored()) is not None:
        st.session_state[key] = (run_name, kept)


def skipped_rows(skipped: list[tuple[int, str]], title: str, places: dict[int, str] | None = None) -> None:
    """An expander titled `title` listing the test rows an evaluation skipped ((0-based index, why) pairs), counted
    from 1 as on the Data page; nothing when none was. `places`: each row's place in the file by index ("line 9 of
    chats.jsonl", `ui.evaluate_view.places_of`), a `where` column beside its number: said where the rows are listed,
    not in a caption outside the closed expander (a walk read row numbers there that nothing open showed). Each
    reason in the pages' words, whichever surface kept the result (`ui.labels.skipped_words`: the CLI keeps one
    too)."""
    if skipped:
        from ui.tables import html_table

        rows = [
            {"test row": i + 1} | ({"where": places.get(i, "")} if places else {}) | {"why": skipped_words(why)}
            for i, why in skipped
        ]
        with st.expander(title):
            # The reasons wrapped in full, their `names` as code (a dataframe cell cut them at its width and showed
            # the backticks: helper 151's walk); a long list whole in a dataframe below, as the Data page lists them.
            st.html(html_table(rows[:SKIPPED_SHOWN], widths={"test row": "5em", "where": "11em"}, code=("why",)))
            if len(rows) > SKIPPED_SHOWN:
                st.caption(f"The first {SKIPPED_SHOWN} of {len(rows)}; the table below lists them all.")
                st.dataframe(rows, hide_index=True)


SKIPPED_SHOWN = 30  # skipped rows an evaluation lists with their reasons in full (ui.data_view.BAD_ROWS_SHOWN's count)


def _session_id() -> str:
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx else ""


class _DownloadReasonOnly(logging.Filter):
    """Streamlit logs a download whose file could not be made with a traceback. When the reason is the user's (a
    run deleted elsewhere, a full disk: a `UserError` or an `OSError`), the page shows it (`show_download_failure`,
    `ui.run_view.gone_note`), and the log keeps one line with it; any other failure keeps its traceback for an
    engineer."""

    name = "ftlib_download_reason_only"

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        while exc is not None and not isinstance(exc, (UserError, OSError)):
            exc = exc.__cause__ or exc.__context__
        if exc is not None:
            record.msg, record.args = "A download could not be prepared (the page says why): %s", (str(exc),)
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


# Where Streamlit 1.67 logs a failed download callable (DeferredFileHandler).
DOWNLOAD_LOG = "streamlit.runtime.backend_operation_handler"


def quiet_download_failures() -> None:
    """Install `_DownloadReasonOnly` on Streamlit's download log, once per process."""
    logger = logging.getLogger(DOWNLOAD_LOG)
    if not any(getattr(f, "name", None) == _DownloadReasonOnly.name for f in logger.filters):
        logger.addFilter(_DownloadReasonOnly())


def deferred_download(key: str, build: Callable[[], Path]) -> Callable[[], bytes]:
    """The `data=` of a download button whose file is built only when clicked (a merged model takes a while).

    Streamlit runs the callable on another thread and, when it raises, only says "Failed to generate file for
    download"; the reason is kept here and shown by `show_download_failure(key)` on the page's next run, and
    Streamlit's log of it is one line, not a traceback (`quiet_download_failures`).
    """
    quiet_download_failures()  # before the first click: the failure is logged on Streamlit's thread
    session = _session_id()

    def data() -> bytes:
        try:
            return build().read_bytes()
        except Exception as exc:
            with _download_failures_lock:
                _download_failures[(session, key)] = (
                    str(exc) if isinstance(exc, (UserError, OSError)) else user_message(exc)
                )
            raise

    return data


def show_download_failure(key: str) -> None:
    with _download_failures_lock:
        reason = _download_failures.pop((_session_id(), key), None)
    if reason:
        st.error(f"The download could not be prepared: {reason}", icon=alerts.ERROR)


# The sidebar's dataset line of this script run (app.py's st.empty): a script run is one thread, so a page that stops
# early (st.stop: asking for a column mapping) can still say the file it opened, where app.py's call after the page
# never runs (helper 191's walk: the sidebar named the upload before).
_sidebar = threading.local()


def dataset_line(place) -> None:
    """Keep `place` (an st.empty in the sidebar, drawn by app.py on every run) as where `show_dataset` writes."""
    _sidebar.line = place


def show_dataset() -> None:
    """Say in the sidebar's dataset line the active split, else the file open on the Data page (`data_open`), else
    that there is none. Called by app.py before and after the page, and by the Data page once it knows its file."""
    place = getattr(_sidebar, "line", None)
    if place is None:  # a page run without app.py (a test)
        return
    split = active_split_name()
    opened = st.session_state.get("data_open")
    if split:
        place.caption(f"Dataset: **{split}**")
    elif opened:
        place.caption(f"Dataset: not saved yet: **{opened}** (Save split on Data)")
    else:
        place.caption("Dataset: none yet (see Data)")


def no_split_said() -> str:
    """What a page needing a saved split says without one: the file open on the Data page (`data_open`) named, when
    one is, since a cold walk (helper 191) had just uploaded its file and was told "No dataset yet"."""
    opened = st.session_state.get("data_open")
    if opened:
        return (
            f"**{opened}** is open on the **Data** page but not saved as a split yet: press **Save split** there "
            "(it sets some rows apart for testing), then come back: this page reads the saved split."
        )
    return "No dataset yet. Load one on the **Data** page and save a train/test split first."


def require_split():
    """(name, train, test, meta) of the active split, or a pointer to the Data page and stop."""
    name = active_split_name()
    if not name:
        st.info(no_split_said(), icon=alerts.INFO)
        nav.link("data", label="Go to Data", icon="📂")
        st.stop()
    if not (workspace.split_folder(name) / "meta.json").is_file():
        # Removed since this tab chose it (a teammate on Data's "Files on this server", `data remove`, an rm): not an
        # error of the page's, and no other split is opened in its place without a word.
        st.warning(
            f"The split `{name}` this tab was using is no longer saved: it was removed, perhaps by a teammate "
            "(Data page, *Files on this server*). Choose or save another split on the **Data** page; runs trained on "
            "it keep their own copy of its rows.",
            icon=alerts.WARNING,
        )
        nav.link("data", label="Go to Data", icon="📂")
        st.stop()
    with user_errors("Could not open the saved split"):
        train, test, meta = cached_split(name)
    return name, train, test, meta
