"""Who did what to a run, where it is known: who started it, stopped it, took it out of the queue, resumed it.

    by = Who(name="Ana Lima", email="ana@example.com")    # a browser session signed in with OIDC (ui.auth.who)
    by = cli_user()                                      # the CLI: the OS account running it (getpass)
    record(run.path, "stop", by)     # who.json in the run's folder, under its own lock, written whole (atomic)
    people(run.path)   # People(started_by="ana@example.com", last_action="stopped by bob (command line)")

On a shared server runs recorded nobody: a teammate's run stopped from another tab, or queued ahead of yours, could
not be asked about. Nothing is invented: a browser session that has not signed in (an open server, or the password
alone, which everyone shares) has no identity, and its action is recorded without one, so the person who acted
before it is not shown as the last to act: a start as nobody (`by=None`); a stop or resume from the Train page as
`UNNAMED_BROWSER`, said as "stopped in a browser by someone not signed in" (not from the command line, not a
crash). No address stands in for a person. A run from before this record (no who.json) reads as nobody known, and
says nothing. The CLI's name is the OS account's (getpass: LOGNAME, USER, ..., then the password database): the
account that ran the command, as the OS knows it.

A record that cannot be written (an account that may not write the run's folder, a full disk) leaves the action done
and says so, one line on the `ftlib.people` log (`unrecorded`): the server's log, and one `warning: ...` line on the
CLI's stderr (`warnings_to`), never a refusal: what the person asked for matters more than the note of who asked.

Not known here: streamlit (the page passes the identity in: ui.auth.who), the queue (runs.py), the run folder's other
files (rundir.py: `RunSummary.started_by`, `last_action` and `people_text` are read here), the workspace's removals
log (stored_people: who deleted a run, removed an upload or a split).
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from ftlib import workspace
from ftlib.errors import os_error_message
from ftlib.file_lock import locked
from ftlib.run_files import json_object

WHO_FILE = "who.json"
# What each recorded action reads as after "… by": a stop of a queued run takes it out of the queue.
VERBS = {"start": "started", "stop": "stopped", "remove": "removed from the queue", "resume": "resumed"}
VERBS["rename"] = "renamed"  # its name, not its id (ftlib.run_rename)
# Events a who.json keeps: the start and the latest others (a run stopped and resumed a hundred times stays small).
KEPT = 50
CLI = "cli"
BROWSER = "browser"
# Where a record that could not be written is said: the server's log (Python's last-resort handler prints a warning
# when nothing else is set up), the CLI's stderr as a `warning:` line (`warnings_to`).
log = logging.getLogger("ftlib.people")


@dataclass(frozen=True)
class Who:
    """A person (or OS account) acting on a run. `via`: "browser" (signed in with OIDC: `name` and `email` as the
    identity provider gave them) or "cli" (`name`: the OS account)."""

    name: str = ""
    email: str = ""
    via: str = BROWSER

    def text(self) -> str:
        """How a list names them: the e-mail where there is one (names are not unique), else the name; an OS account
        with where it acted.

        >>> Who("Ana Lima", "ana@example.com").text(), Who("Ana Lima").text(), Who("bob", via="cli").text()
        ('ana@example.com', 'Ana Lima', 'bob (command line)')
        """
        if self.via == CLI:
            return f"{self.name or 'an unnamed account'} (command line)"
        return self.email or self.name

    def as_dict(self) -> dict:
        return {"name": self.name, "email": self.email, "via": self.via}

    @classmethod
    def from_dict(cls, data) -> Who | None:
        """The `Who` a who.json event names; None for one naming nobody (an action of a session without identity)
        or holding values of another kind (a file edited by hand). A command-line account without a name (`cli_user`
        where the OS names none) is still the command line: "an unnamed account (command line)"."""
        if not isinstance(data, dict):
            return None
        name, email, via = (data.get(key) for key in ("name", "email", "via"))
        if not all(isinstance(v, str) for v in (name or "", email or "", via or "")):
            return None
        who = cls(name=(name or "").strip(), email=(email or "").strip(), via=via or BROWSER)
        return who if who.name or who.email or who.via == CLI else None


def signed_in(user: dict | None) -> Who | None:
    """The `Who` of a browser session from what its sign-in says of it (Streamlit's `st.user.to_dict()`); None when
    it has not signed in with OIDC or its identity provider gave neither a name nor an e-mail.

    >>> signed_in({"is_logged_in": True, "name": "Ana Lima", "email": "ana@example.com"})
    Who(name='Ana Lima', email='ana@example.com', via='browser')
    >>> signed_in({"is_logged_in": False}), signed_in({"is_logged_in": True}), signed_in(None)
    (None, None, None)
    """
    if not isinstance(user, dict) or user.get("is_logged_in") is not True:
        return None
    return Who.from_dict({"name": user.get("name"), "email": user.get("email"), "via": BROWSER})


# A browser session with no identity (the password alone, an open server) acting on a run: recorded as such, named as
# nobody. The page passes it for a stop or a resume, so a teammate's page can say the stop came from a browser and not
# from the command line or a crash; no address or session id stands in for the person.
UNNAMED_BROWSER = Who(via=BROWSER)
# How its actions are said ("stopped in a browser by someone not signed in"), and how a page says them on a server
# with no sign-in at all (`no_sign_in_words`), where every browser session is unnamed, the reader's own included.
UNNAMED_SAID = "in a browser by someone not signed in"
NO_SIGN_IN_SAID = "in a browser (this server has no sign-in)"


def no_sign_in_words(text: str) -> str:
    """`text` (`People`'s words, a removal's `by_words`) as a page of a server with no sign-in says it: there the
    person who just pressed Stop read "stopped in a browser by someone not signed in" as if a stranger had; the
    true words are that this server names no one.

    >>> no_sign_in_words("started by bob (command line) · stopped in a browser by someone not signed in")
    'started by bob (command line) · stopped in a browser (this server has no sign-in)'
    """
    return text.replace(UNNAMED_SAID, NO_SIGN_IN_SAID)


def cli_user() -> Who:
    """The OS account running this command (getpass.getuser), as the CLI's `Who`; "" where none can be found (a
    container's uid without a name)."""
    import getpass

    try:
        name = getpass.getuser()
    except (OSError, KeyError):  # no LOGNAME/USER and a uid the password database does not name
        name = ""
    return Who(name=name, via=CLI)


def record(folder: str | Path, action: str, by: Who | None) -> bool:
    """Add "`by` did `action` now" to the run's who.json (`action`: a key of `VERBS`), under the run's own lock,
    the file written whole (ftlib.workspace.atomic_write_text); `by=None`: nobody known. Returns whether it was
    written: an account that may not write the folder, or a full disk, leaves the action done and unrecorded (what
    the person asked for matters more than the note of who asked), and says so (`unrecorded`). ValueError for an
    action not in `VERBS`."""
    if action not in VERBS:
        raise ValueError(f"Unknown run action {action!r}: one of {', '.join(VERBS)}.")
    path = Path(folder) / WHO_FILE
    event = {"action": action, "at": time.time(), **({"by": by.as_dict()} if by is not None else {})}
    try:
        with locked(Path(folder) / ".who.lock", make_parent=False):  # a deleted run is not made anew
            events = _events(path)
            events = [*events, event]
            if len(events) > KEPT:
                events = events[:1] + events[-(KEPT - 1) :]
            workspace.atomic_write_text(path, json.dumps({"events": events}, indent=1))
    except OSError as exc:
        name = Path(folder).name.removeprefix(".").removesuffix(".partial")  # a run being made: runs/.ID.partial
        unrecorded(
            f"run {name} {VERBS[action]}, but its record of who did what ({WHO_FILE}) is not updated", path, exc
        )
        return False
    return True


def unrecorded(what: str, path: Path, exc: OSError) -> None:
    """Say on the `ftlib.people` log, as one warning line, that a note of who did something was not written: `what`
    ("run r-1 stopped, but its record of who did what (who.json) is not updated"), then why, naming `path`.

    >>> import errno, sys
    >>> with warnings_to(sys.stdout):
    ...     unrecorded("run r-1 stopped, but not recorded", Path("/ws/r-1/who.json"), OSError(errno.EACCES, "no"))
    warning: run r-1 stopped, but not recorded: cannot write /ws/r-1/who.json: permission denied.
    """
    log.warning("%s: %s.", what, os_error_message(exc, "write", path))


@contextlib.contextmanager
def warnings_to(stream):
    """Within it, each `unrecorded` line of this process is written to `stream` as `warning: ...` (the CLI's stderr)
    and nowhere else; outside it, the log's own handlers (a server's log) say it."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("warning: %(message)s"))
    propagate = log.propagate
    log.addHandler(handler)
    log.propagate = False
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.propagate = propagate


def _events(path: Path) -> list[dict]:
    """who.json's events, oldest first; [] when it is missing or does not read (nothing known, nothing invented)."""
    events = json_object(path)[0].get("events")
    return [e for e in events if isinstance(e, dict) and e.get("action") in VERBS] if isinstance(events, list) else []


@dataclass(frozen=True)
class People:
    """Who a run's who.json names: who started it ("" unknown) and the last thing done to it since, in words
    ("stopped by bob (command line)"; "" when nothing was done since, or by nobody known), with the last rename
    beside it in the order done ("stopped by bob (command line) · renamed by ana@example.com"): a name changes no
    state, so it never hides who stopped or resumed the run. `RunSummary` carries both (its `people_text`: "started
    by ana@example.com · stopped by bob (command line)")."""

    started_by: str = ""
    last_action: str = ""

    def as_dict(self) -> dict:
        return {"started_by": self.started_by, "last_action": self.last_action}


def people(folder: str | Path) -> People:
    """What the run's who.json says (`People`); People() for a run without one (made before runs recorded it)."""
    events = _events(Path(folder) / WHO_FILE)
    starts = [e for e in events if e["action"] == "start"]
    first = Who.from_dict(starts[0].get("by")) if starts else None
    later = [e for e in events if e is not (starts[0] if starts else None)]
    # The last stop, resume or removal (what the run's state is about) and the last rename, in the order done: a
    # teammate's rename after a stop said only "renamed by ...", and who stopped the run was said nowhere.
    last = [*[e for e in later if e["action"] != "rename"][-1:], *[e for e in later if e["action"] == "rename"][-1:]]
    said = [_done(e) for e in later if any(e is x for x in last)]
    return People(started_by=first.text() if first else "", last_action=" · ".join(x for x in said if x))


def started_by_another(folder: str | Path, me: Who | None) -> str:
    """Who started the run, as lists name them ("ana@example.com"), where it was a person signed in with OIDC other
    than `me` (the session asking; None: not signed in); "" for a run `me` started, one started from the command line
    or by nobody known. The Train page asks before such a run is stopped (a teammate's run was one click away).

    >>> started_by_another("/no/such/run", None)
    ''
    """
    starts = [e for e in _events(Path(folder) / WHO_FILE) if e["action"] == "start"]
    first = Who.from_dict(starts[0].get("by")) if starts else None
    if first is None or first.via != BROWSER:
        return ""
    mine = me is not None and me.via == BROWSER and (me.email or me.name) == (first.email or first.name)
    return "" if mine else first.text()


def _done(event: dict) -> str:
    """One who.json event in words ("stopped by bob (command line)"); "" for nobody known: an engine caller that
    named no one, a record from before."""
    if (by := Who.from_dict(event.get("by"))) is not None:
        return f"{VERBS[event['action']]} by {by.text()}"
    if _unnamed_browser(event.get("by")):
        # Not "another session": the person's own tab, reloaded, is a new session too; this holds either way.
        return f"{VERBS[event['action']]} {UNNAMED_SAID}"
    return ""


def _unnamed_browser(data) -> bool:
    """Whether a who.json event's `by` is `UNNAMED_BROWSER`'s: a browser session that named no one."""
    return isinstance(data, dict) and data.get("via") == BROWSER and not (data.get("name") or data.get("email"))


__all__ = [
    "NO_SIGN_IN_SAID",
    "UNNAMED_BROWSER",
    "UNNAMED_SAID",
    "People",
    "VERBS",
    "WHO_FILE",
    "Who",
    "cli_user",
    "no_sign_in_words",
    "people",
    "record",
    "signed_in",
    "started_by_another",
    "unrecorded",
    "warnings_to",
]
