"""Who uploaded a stored file, and who removed an upload, a saved split or a run, where it is known: by the rules of
`ftlib.run_people` (the person signed in with OIDC, passed in by the page from ui.auth.who(); the CLI's OS account;
nobody under the password alone or on an open server, where there is no identity, and nothing is invented).

    record_upload(path, by)          # WS/uploads/.NAME.by.json beside the upload (the first uploader known is kept)
    uploaded_by(path)                # "ana@example.com"; "" for nobody known (the password alone, an older upload)
    forget_upload(path)              # its record goes with the upload (stored_data.remove, under the uploads' lock)
    record_removal("upload", name, by)   # WS/.removals.json: the last KEPT removals, written whole under its own lock
    removal("upload", name)          # Removal(kind, name, at, by) of the latest removal of it; None: none recorded
    removed_by("run", run_id)        # " by bob (command line)", or "" where nobody is known

An upload's record is a hidden file (`.NAME.by.json`): `workspace.list_uploads` never lists it, and it is no leftover
(`stored_data.leftovers` takes only `.NAME.XXXXXXXX.tmp`); the CLI stores no uploads (it reads files where they are).
The removals log lets the Data page tell a session whose open upload or active split a teammate removed who did it
("... was removed from this server by bob (command line)"), and the Train, Compare and Evaluate pages a session whose
chosen run was deleted (`runs.delete` records it: a run's own who.json goes with its folder); a removal by hand
(`rm`) is not in it, and says no name. A record that cannot be written (another account's folder, a full disk)
leaves the upload or the removal done and unrecorded, said on the log (`run_people.unrecorded`; the CLI's stderr):
what the person asked for matters more than the note of who did it.

Not known here: streamlit, how uploads are stored or named (workspace.py), what a removal checks (stored_data.py).
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

from ftlib import upload_reuse, workspace
from ftlib.file_lock import locked
from ftlib.run_files import json_object
from ftlib.run_people import UNNAMED_BROWSER, UNNAMED_SAID, Who, _unnamed_browser, unrecorded

REMOVALS_FILE = ".removals.json"  # in the workspace: hidden, never listed
KEPT = 100  # removals the log keeps, the latest: a server's removals of a year stay a small file
KINDS = ("upload", "split", "run")


def record_path(upload: str | Path) -> Path:
    """The hidden file beside a stored upload that names who uploaded it.

    >>> record_path("/ws/uploads/20261205-150301-ab12cd-chats.jsonl").name
    '.20261205-150301-ab12cd-chats.jsonl.by.json'
    """
    upload = Path(upload)
    return upload.with_name(f".{upload.name}.by.json")


def record_upload(upload: str | Path, by: Who | None) -> bool:
    """Record that `by` uploaded the stored file `upload` (`by=None`, nobody known: nothing is written). Under the
    uploads' lock (`upload_reuse.LOCK`, which a removal takes), and only while the upload is still stored and has no
    record yet: the same file sent again by another (`upload_reuse`) keeps its first uploader known. Returns whether
    it was written; an OSError (a folder this account may not write, a full disk) leaves it unrecorded."""
    if by is None:
        return False
    upload, record = Path(upload), record_path(upload)
    try:
        with locked(upload.parent / upload_reuse.LOCK, make_parent=False):
            if not upload.is_file() or record.exists():
                return False
            workspace.atomic_write_text(record, json.dumps({"by": by.as_dict(), "at": time.time()}))
    except OSError as exc:
        unrecorded(f"upload {upload.name} stored, but who uploaded it is not recorded", record, exc)
        return False
    return True


def uploaded_by(upload: str | Path) -> str:
    """Who uploaded the stored file `upload`, as a list names them (`Who.text`); "" for nobody known (no record: an
    upload from before, or of a session without identity; a record that does not read)."""
    who = Who.from_dict(json_object(record_path(upload))[0].get("by"))
    return who.text() if who else ""


def forget_upload(upload: str | Path) -> None:
    """Remove the record of who uploaded `upload` (its removal's; the caller holds the uploads' lock)."""
    with contextlib.suppress(OSError):
        record_path(upload).unlink(missing_ok=True)


@dataclass(frozen=True)
class Removal:
    """One removal of an upload (`name`: its stored file name), a saved split (`name`: its folder's) or a run
    (`name`: its id), at `at` (epoch seconds), by `by` (None: nobody known; `UNNAMED_BROWSER`: a browser session
    without identity)."""

    kind: str
    name: str
    at: float
    by: Who | None = None

    def by_words(self) -> str:
        """ " by ana@example.com" where it is known who removed it, " in a browser by someone not signed in" for a
        browser session without identity (`UNNAMED_BROWSER`, as a stop is said), else "".

        >>> Removal("split", "chats", 0.0, Who("bob", via="cli")).by_words(), Removal("split", "chats", 0.0).by_words()
        (' by bob (command line)', '')
        >>> Removal("run", "r-1", 0.0, UNNAMED_BROWSER).by_words()
        ' in a browser by someone not signed in'
        """
        if self.by == UNNAMED_BROWSER:
            return " " + UNNAMED_SAID
        return f" by {self.by.text()}" if self.by else ""


def _log_path() -> Path:
    return workspace.workspace_dir() / REMOVALS_FILE


def _events(path: Path) -> list[dict]:
    """The log's events, oldest first; [] when it is missing or does not read (nothing known, nothing invented)."""
    events = json_object(path)[0].get("removals")
    if not isinstance(events, list):
        return []
    return [e for e in events if isinstance(e, dict) and e.get("kind") in KINDS and isinstance(e.get("name"), str)]


def record_removal(kind: str, name: str, by: Who | None) -> bool:
    """Add "`by` removed the `kind` `name` now" to the workspace's removals log (`by=None`: nobody known), the latest
    KEPT kept, written whole under the log's own lock. Returns whether it was written (an OSError leaves the removal
    unrecorded, and says so: `run_people.unrecorded`). ValueError for a kind not in KINDS."""
    if kind not in KINDS:
        raise ValueError(f"Unknown stored kind {kind!r}: one of {', '.join(KINDS)}.")
    path = _log_path()
    event = {"kind": kind, "name": name, "at": time.time(), **({"by": by.as_dict()} if by is not None else {})}
    try:
        with locked(path.with_name(".removals.lock")):
            events = [*_events(path), event][-KEPT:]
            workspace.atomic_write_text(path, json.dumps({"removals": events}, indent=1))
    except OSError as exc:
        done = "deleted" if kind == "run" else "removed"  # as the pages and the CLI say it of each
        unrecorded(f"{kind} {name} {done}, but who did it is not recorded in the workspace's removals log", path, exc)
        return False
    return True


def removal(kind: str, name: str) -> Removal | None:
    """The latest recorded removal of the `kind` `name` (a split of one name may be saved and removed again), or None
    when the log has none (removed by hand, or not removed)."""
    for event in reversed(_events(_log_path())):
        if event["kind"] == kind and event["name"] == name:
            at = event.get("at") if isinstance(event.get("at"), (int, float)) else 0.0
            # A browser session without identity is kept as one (not nobody): a teammate's page says it was a
            # browser, not "perhaps from another tab or the command line" (a cold walk, h118).
            by = UNNAMED_BROWSER if _unnamed_browser(event.get("by")) else Who.from_dict(event.get("by"))
            return Removal(kind, name, float(at), by)
    return None


def removed_by(kind: str, name: str) -> str:
    """ " by bob (command line)" for the latest recorded removal of the `kind` `name` that names who did it; "" where
    none does (removed by hand, by a caller that named no one, or not removed); " in a browser by someone not signed
    in" for a browser session without identity: a sentence's end either way."""
    latest = removal(kind, name)
    return latest.by_words() if latest else ""


__all__ = [
    "KEPT",
    "REMOVALS_FILE",
    "Removal",
    "forget_upload",
    "record_path",
    "record_removal",
    "record_upload",
    "removal",
    "removed_by",
    "uploaded_by",
]
