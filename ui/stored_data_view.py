"""The Data page's "Files on this server": the uploads and saved splits stored in the workspace for everyone, with
their sizes, when they were saved, who uploaded them (where known) and what used them, and a Remove button that asks
first (as the Train page's Delete does); the hidden leftovers of writes cut short too. Above it, once, a note to a
session whose open upload or active split someone else removed, naming who where known. Listing and removing is
`ftlib.stored_data`, who did what `ftlib.stored_people`; this only draws."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ftlib import stored_data, stored_people, workspace
from ftlib.errors import UserError, plural
from ui import alerts
from ui.auth import browser_said, who
from ui.common import SPLIT_KEY, active_split_name, os_failure
from ui.data_files import NONE
from ui.kept import KEPT

PICK = "stored_pick"  # the file or split picked for removal ("kind:name")
CONFIRMING = "stored_confirm"  # (kind:name, version as listed): the Remove… click asking for confirmation
SAID = "stored_said"  # (severity, text) of the last removal, said once
UPLOAD_PREFIXES = ("data", "split_test")  # ui.data_files.upload_source's boxes on the Data page
# Where each box is shown: (key, value) of the choices that draw it, as this session last set them
SHOWN_WHEN = {
    "data": (("data_source", "Upload"),),
    "split_test": (("split_test_from", "file"), ("split_test_source", "Upload")),
}
TITLE = "Files on this server: uploads and saved splits"
# Each upload box's label (`ui.data_files.upload_source`): drawn below this list and its notes, which name it.
BOX_LABELS = {"data": "Dataset file", "split_test": "Test file"}


@st.cache_data(ttl=10, show_spinner=False)
def _cached(root: str, stamps: tuple) -> tuple[list[stored_data.StoredItem], list[tuple]]:  # noqa: ARG001 (the key)
    return stored_data.list_stored(), stored_data.leftovers()


def _listed() -> tuple[list[stored_data.StoredItem], list[tuple]]:
    """What is stored and the leftovers, read again (each run's files are read) after 10 s, or at once when an
    upload, a split or a run was added or removed (their folders' times) or a removal here cleared it."""
    folders = (workspace.uploads_dir(), workspace.datasets_dir(), workspace.runs_dir())
    return _cached(str(workspace.workspace_dir()), tuple(f.stat().st_mtime_ns for f in folders))


_listed.clear = _cached.clear


def _key(item: stored_data.StoredItem) -> str:
    return f"{item.kind}:{item.name}"


def _ask(key: str, version: tuple) -> None:
    st.session_state[CONFIRMING] = (key, version)


def _cancel() -> None:
    st.session_state.pop(CONFIRMING, None)


def _forget(item: stored_data.StoredItem) -> str:
    """This session's choices that named the item removed: the active split falls back to the one last made active
    (or the newest), an earlier upload's box to none; the Data page then draws without them. Returns what the user
    must do themselves ("" for nothing): a file box cannot be emptied from here."""
    if item.kind == "split":
        if st.session_state.get(SPLIT_KEY) == item.name:
            st.session_state.pop(SPLIT_KEY)
        return ""  # no cache to clear: `cached_split` is keyed by the split's version (as in `gone_notes`)
    kept, still = st.session_state.get(KEPT, {}), ""
    for prefix in UPLOAD_PREFIXES:
        if st.session_state.get(f"{prefix}_upload_path") == str(item.path) and st.session_state.get(
            f"{prefix}_upload"
        ):
            still = (
                f"It is still in the **{BOX_LABELS[prefix]}** box below: clear the box (its ×), or upload the file "
                "again to use it."
            )
        if st.session_state.get(f"{prefix}_earlier") == item.name:
            st.session_state[f"{prefix}_earlier"] = NONE
        if kept.get(f"{prefix}_earlier") == item.name:
            kept[f"{prefix}_earlier"] = NONE
    return still


def _remove(key: str, version: tuple) -> None:
    """The confirmation's callback: it runs before the redraw, so the page no longer offers what went."""
    st.session_state.pop(CONFIRMING, None)
    _listed.clear()
    try:
        removed = stored_data.remove(key, expect=version, by=who())  # the signed-in person, where there is one
    except (UserError, OSError) as exc:
        said = os_failure(exc) if isinstance(exc, OSError) else str(exc)
        st.session_state[SAID] = ("error", f"Could not remove `{key.partition(':')[2]}`: {said}")
        return
    item = removed.item
    still = _forget(item)
    said = f"Removed the {item.kind} `{item.label}` ({stored_data.size_words(removed.freed)} freed)."
    severity = "warning" if removed.warnings or still else "success"
    st.session_state[SAID] = (severity, " ".join(filter(None, [said, *removed.warnings, still])))


def _remove_leftovers() -> None:
    _listed.clear()
    try:
        count, freed = stored_data.remove_leftovers()
    except OSError as exc:
        st.session_state[SAID] = ("error", f"Could not remove the leftovers: {os_failure(exc)}")
        return
    st.session_state[SAID] = ("success", f"Removed {plural(count, 'leftover')} ({stored_data.size_words(freed)}).")


def _chosen(key: str):
    """A box's value as this session last set it: the box's own, else the one kept for it (`ui.kept`)."""
    return st.session_state[key] if key in st.session_state else st.session_state.get(KEPT, {}).get(key)


def _removed_by(kind: str, name: str) -> str:
    removal = stored_people.removal(kind, name)
    return browser_said(removal.by_words()) if removal else ""


def gone_notes() -> list[str]:
    """What this session had open that someone else removed since (a teammate, another tab, `data remove`, an rm),
    said plainly rather than showing nothing in its place: the upload in a box shown (the dataset's, the test
    file's), its active split. Each is said once, and the session's choice of it forgotten (the pages use the split
    made active last, or the newest); an upload still in its box is said while it stays there, as the box shows it.
    One this session removed itself is forgotten by `_forget`, and not said here."""
    notes = []
    for prefix in UPLOAD_PREFIXES:
        key = f"{prefix}_earlier"
        name = _chosen(key)
        if not isinstance(name, str) or name == NONE or not all(_chosen(k) == v for k, v in SHOWN_WHEN[prefix]):
            continue
        if (workspace.uploads_dir() / name).exists():
            continue
        in_box = (
            bool(st.session_state.get(f"{prefix}_upload"))
            and Path(str(st.session_state.get(f"{prefix}_upload_path"))).name == name
        )
        # The box is drawn below this note (the list of files comes first on the Data page).
        again = (
            f"clear the **{BOX_LABELS[prefix]}** box below (its ×) and upload it again"
            if in_box
            else "upload it again"
        )
        notes.append(
            f"The upload `{workspace.upload_name(name)}` you had open was removed from this server"
            f"{_removed_by('upload', name)}; {again} to go on."
        )
        st.session_state[key] = NONE  # before its box is drawn: allowed, and it is not offered any more
        st.session_state.get(KEPT, {})[key] = NONE
    split = st.session_state.get(SPLIT_KEY)
    if split and not (workspace.split_folder(split) / "meta.json").is_file():
        st.session_state.pop(SPLIT_KEY)
        # No cache to clear: `cached_split` is keyed by the split's version, () once it is gone, so nothing stale of
        # it is read again (its old entry ages out of the few kept); clearing the whole cache would make every other
        # session on this server read its own split again.
        now = active_split_name()
        then = f"the pages now use the split `{now}`" if now else "no split is saved now"
        notes.append(
            f"The split `{split}` you were using was removed from this server{_removed_by('split', split)}; {then}. "
            "Save a split (or make another one active) to go on; runs trained on it keep their own copy of its rows."
        )
    return notes


def your_files() -> None:
    """The "Files on this server" expander: every upload and saved split with its size, when it was saved, who
    uploaded it (a column once some upload names someone) and what used it, one picked for removal behind a
    confirmation; and the leftovers of writes cut short, removable at once. Above it, `gone_notes`."""
    for note in gone_notes():
        alerts.show("warning", note)
    try:
        items, left = _listed()
    except OSError as exc:  # a workspace this account may not read
        alerts.show("error", f"The files on this server cannot be listed: {os_failure(exc)}")
        return
    total = sum(i.size for i in items) + sum(size for _, size in left)
    opened = SAID in st.session_state or CONFIRMING in st.session_state
    named = any(i.uploaded_by for i in items)  # who uploaded: a column once someone is known
    with st.expander(TITLE, expanded=opened):
        if SAID in st.session_state:
            alerts.show(*st.session_state.pop(SAID))
        st.caption(
            f"{plural(len(items), 'upload or split', 'uploads and splits')}, {stored_data.size_words(total)} in all, "
            "stored in the workspace for everyone on this server. A run keeps its own copy of its rows, so removing "
            "a file or a split it was trained on changes nothing of the run."
        )
        if items:
            st.dataframe(
                [
                    {
                        "Kind": i.kind,
                        "Name": i.label + (" · active" if i.active else ""),
                        "Size": stored_data.size_words(i.size),
                        "Saved": stored_data.saved_words(i.saved_at),
                        **({"Uploaded by": i.uploaded_by} if named else {}),
                        "Used by": stored_data.used_words(i),
                    }
                    for i in items
                ],
                hide_index=True,
            )
            by_key = {_key(i): i for i in items}
            if PICK in st.session_state and st.session_state[PICK] not in by_key:  # removed, here or elsewhere
                st.session_state[PICK] = next(iter(by_key))  # set, not dropped: the browser showed a dropped one
            left_col, right_col = st.columns([3, 1], vertical_alignment="bottom")
            pick = left_col.selectbox(
                "Remove", list(by_key), key=PICK, format_func=lambda k: f"{by_key[k].kind}: {by_key[k].label}"
            )
            right_col.button("Remove…", key="stored_ask", on_click=_ask, args=(pick, by_key[pick].version))
            asked = st.session_state.get(CONFIRMING)
            if asked and asked[0] != pick:
                st.session_state.pop(CONFIRMING)  # another pick closes the question
            elif asked:
                confirmation(by_key[pick])
        else:
            st.caption("No uploads and no saved splits yet.")
        if left:
            size = stored_data.size_words(sum(s for _, s in left))
            st.caption(
                f"{plural(len(left), 'hidden leftover')} ({size}): half-written files of writes cut short (the "
                "server taken down mid-upload), older than an hour; never read."
            )
            st.button("Remove the leftovers", key="stored_leftovers", on_click=_remove_leftovers)


def confirmation(item: stored_data.StoredItem) -> None:
    """The box that asks before `item` is removed, naming it on the question and on the button; refused up front
    while a queued or running run reads it at its start."""
    with st.container(border=True):
        if blocked := item.blocked_words():
            alerts.show("error", f"It cannot be removed now. {blocked}")
            st.button("Cancel", key="stored_cancel", on_click=_cancel)
            return
        said = " ".join(filter(None, [item.kept_words(), item.losing_words()]))
        alerts.show(
            "warning",
            f"Remove the {item.kind} `{item.label}` ({stored_data.size_words(item.size)}) for good? Teammates lose it "
            f"too. {said}".rstrip(),
        )
        yes, no, _ = st.columns([3, 1, 2])
        yes.button(
            f"Remove {item.label}",
            key="stored_remove",
            type="primary",
            on_click=_remove,
            args=(_key(item), item.version),
        )
        no.button("Cancel", key="stored_cancel", on_click=_cancel)
