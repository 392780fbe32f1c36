"""The Train page's Export panel: a finished run's download buttons (each file built only when clicked), how far a
download being built has got (its stages, `ftlib.export_progress`), and what its exported copies take on disk, with
a button to remove them. The files are `ftlib.export`'s; only drawing here.
"""

from __future__ import annotations

import re
import threading
import time

import streamlit as st

from ftlib import downloads, export, runs
from ftlib.errors import UserError
from ftlib.export_progress import StageLog
from ftlib.memory import human
from ftlib.stored_data import size_words
from ui import alerts
from ui.common import deferred_download, show_download_failure
from ui.fragments import polling_fragment

EXPORTS_NOTE = "train_exports_note"  # session key: (run id, what the last "Remove them" click did), said once
DOWNLOADED = "train_downloaded"  # session key: run id -> when a download button of it was last clicked

# Downloads being prepared in this server now (run id -> how many), and when the last one of each run was ready: the
# exported copies' size is read after they are written, not while a click's zip is still being built (walk 8B #7).
_preparing: dict[str, int] = {}
_prepared_at: dict[str, float] = {}
_preparing_lock = threading.Lock()
# The stages each download being built has got through, told from the thread building it ((run id, kind) -> its label,
# its log, the clicks waiting on it): two tabs clicking one download share one log, as they share the build.
_stages: dict[tuple[str, str], tuple[str, StageLog, int]] = {}
# The browser asks for a download's file beside the rerun its click starts, in either order: for this long after a
# click, a download not yet begun counts as being prepared.
REQUEST_GRACE_S = 5.0
PREPARING_POLL_S = 1.0


def _tracked(run_id: str, item: downloads.Download):
    """`item`'s zip (made on Streamlit's thread when its button is clicked), counted as preparing while it is built,
    its stages kept for `building` to draw (a merged model: loading, merging, saving, zipping)."""

    def tracked():
        key = (run_id, item.kind)
        with _preparing_lock:
            _preparing[run_id] = _preparing.get(run_id, 0) + 1
            _, log, clicks = _stages.get(key, (item.label, StageLog(), 0))
            _stages[key] = (item.label, log, clicks + 1)
        try:
            return export.zip_folder(item.build(log), log)
        finally:
            with _preparing_lock:
                _preparing[run_id] -= 1
                _prepared_at[run_id] = time.time()
                label, log, clicks = _stages[key]
                if clicks > 1:
                    _stages[key] = (label, log, clicks - 1)
                else:
                    del _stages[key]

    return tracked


def building(run_id: str) -> list[tuple[str, list[tuple[str, float, float]]]]:
    """(label, its stages so far: `StageLog.stages`) of each download of the run being built now, in this server."""
    with _preparing_lock:
        logs = [(label, log) for (run, _), (label, log, _) in _stages.items() if run == run_id]
    return [(label, log.stages()) for label, log in logs]


def _draw_stages(run_id: str) -> None:
    """Each download being built: the stages it is through, ticked with their seconds, and a bar for the one it is
    in (a zip's by the bytes written; the others are one library call each, their bar empty until they end)."""
    for label, stages in building(run_id):
        done = [f"✓ {name} ({took:.0f} s)" for name, fraction, took in stages if fraction >= 1.0]
        now = [(name, fraction, took) for name, fraction, took in stages if fraction < 1.0]
        what = label.removeprefix("Download ")  # "the merged model (.zip)"
        st.caption(f"**{what[:1].upper()}{what[1:]}**" + (": " + " · ".join(done) if done else ""))
        for name, fraction, took in now:  # "0%" for seconds on end would read as stuck: a percent once it moves
            st.progress(fraction, text=f"{name}… " + (f"{fraction:.0%}, " if fraction else "") + f"{took:.0f} s")


def preparing(run_id: str, clicked: float | None = None) -> bool:
    """Whether a download of the run is being prepared: one is building now, or this session clicked one
    `REQUEST_GRACE_S` ago at most and none has been ready since."""
    with _preparing_lock:
        if _preparing.get(run_id):
            return True
        ready = _prepared_at.get(run_id, 0.0)
    return clicked is not None and ready < clicked and time.time() - clicked < REQUEST_GRACE_S


def export_panel(run_id: str) -> None:
    """Download buttons for a finished run; each file is built only when its button is clicked."""
    run = runs.find(run_id)
    if run.read_status().get("state") != "finished":
        return
    st.markdown("#### Export")
    items = downloads.downloads(run)
    if not items:  # finished, but its adapter or model was deleted or moved since: say why, not an empty heading
        st.warning(export.nothing_to_download(run), icon=alerts.WARNING)
    for item in items:
        show_download_failure(f"dl_{item.kind}_{run_id}")  # e.g. a full disk while zipping, from the last click
    # One download a row, each at the page's width: side by side (three columns at a 1280-pixel window) Streamlit cut
    # their labels with an ellipsis, 'Download the adapter (PEFT, .zip) · up…', the size they tell lost (a button's
    # label never wraps), and each caption ran to a dozen narrow lines (helper 240's walk).
    for item in items:
        key = f"dl_{item.kind}_{run_id}"
        # Its size before the click (a merged model's zip: 300-520 MiB for the default model), read from the files
        # on disk or the base's weight headers, never by building the zip (ftlib.downloads.zip_size).
        size = downloads.zip_size(run, item)
        shown = None if size is None else " ".join(filter(None, (size[1], size_words(size[0]))))
        # Its click's rerun sees True: the browser asks for the file beside it. (An `on_click` callable instead
        # made Streamlit 1.67 drop the file's callable before that request came: "Deferred file … not found".)
        if st.download_button(
            item.label if shown is None else f"{item.label} · {shown}",
            key=key,
            help=None if size is None else _size_help(*size),
            mime="application/zip",
            file_name=item.file_name(run),
            data=deferred_download(key, _tracked(run_id, item)),
        ):
            st.session_state.setdefault(DOWNLOADED, {})[run_id] = time.time()
        st.caption(item.caption)
    if items and "gguf" not in {item.kind for item in items} and (why := export.gguf_refusal(run)):
        # Its way on by the button above, not the CLI's `runs export ID --merged` (gguf_refusal's words for both)
        button = next((item.label for item in items if item.kind in ("merged", "model")), None)
        if button:
            why = re.sub(r" \(`python -m ftlib runs export \S+ --merged`\)", f" (**{button}** above)", why)
        st.caption(f"No GGUF download: {why}")  # said, not left out without a word
    st.caption(f"On this machine: `{run.path}`")
    exported_copies(run)


def _size_help(size: int, qualifier: str) -> str:
    """The download button's tooltip: how large its zip is, and how that was told (`downloads.zip_size`)."""
    if not qualifier:
        return f"{size_words(size)}: the zip an earlier download made, ready to send."
    if qualifier == "about":
        return f"About {size_words(size)}, told from the base model's weights (q8_0: about a quarter of float32)."
    return (
        f"At most about {size_words(size)}, the files it zips; the zip is often smaller (the default model, "
        "converted from a 4-bit file, zips to about 60% of its files)."
    )


def _remove_exports(run_id: str) -> None:
    """The "Remove them" button's callback: it runs before the redraw, so the size under it is already the new one.
    A stale button (a teammate removed them first, or deleted the run) says there was nothing left to remove."""
    try:
        freed = export.remove_exported(runs.find(run_id))
    except (UserError, OSError) as exc:
        st.session_state[EXPORTS_NOTE] = (run_id, "error", f"Could not remove the exported copies: {exc}")
        return
    if freed:
        note = ("success", f"Removed {human(freed)}; the run's own result is untouched.")
    else:
        note = ("info", "Nothing to remove: the exported copies were already removed (perhaps in another tab).")
    st.session_state[EXPORTS_NOTE] = (run_id, *note)


def exported_copies(run) -> None:
    """What the merged model and zips take in the run's folder, and a button to remove them. Read after the
    downloads being prepared are written (a fragment polls until then), never mid-way (walk 8B #7)."""
    clicked = st.session_state.get(DOWNLOADED, {}).get(run.id)
    waiting = preparing(run.id, clicked)

    def panel() -> None:
        if preparing(run.id, clicked):
            st.caption("⏳ Preparing the download… The size of the exported copies shows here once it is ready.")
            _draw_stages(run.id)
            return
        st.session_state.get(DOWNLOADED, {}).pop(run.id, None)
        if waiting:
            st.rerun()  # ready: redraw the page once, polling off
        note = st.session_state.get(EXPORTS_NOTE)
        if note and note[0] == run.id:
            del st.session_state[EXPORTS_NOTE]
            alerts.show(note[1], note[2])
        size = export.exported_bytes(run)
        if not size:
            return
        # A merged model and its zip: ~1 GB a LoRA run of the default model, easy to forget on a shared disk.
        text, button = st.columns([4, 1])
        text.caption(
            f"The exported copies (the merged model, GGUF files, the zips) take {human(size)} in this run's folder; "
            "a download builds them again. A model box pointing at this run's `merged/` folder would need it "
            "exported again."
        )
        button.button("Remove them", key=f"rm_exports_{run.id}", on_click=_remove_exports, args=(run.id,))

    # A fragment nested in Train's runs section: while it polls, each run of the section (a page run or a click in
    # it) registers it under a new id, so a late poll of the panel cannot prune what that run drew (ui/fragments.py);
    # not polling, one id, so "Remove them" reruns the panel alone. While the section itself polls (a run trains), it
    # is drawn in place, part of the section: a poll's start kept a nested fragment's block while it dropped the
    # section's elements before it, and the browser froze (ui/fragments.py).
    polling_fragment(panel, PREPARING_POLL_S if waiting else None)


__all__ = ["DOWNLOADED", "EXPORTS_NOTE", "building", "export_panel", "exported_copies", "preparing"]
