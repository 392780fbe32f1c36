"""The workspace's own files, which a path typed in the browser for data may not read: its bookkeeping (who did
what) and the other files it keeps for itself that are not data (choices, a run's settings and state).

    path = check_data_path("/srv/ws/uploads/chats.jsonl")      # the Data page's Local path box, its Test file box
    check_data_path("/srv/ws/runs/r-1/who.json")               # PathNotAllowed: who started, stopped, resumed it
    bookkeeping_words(Path("/srv/ws/.removals.json"))          # what it holds, in words; "" for a data file

Inside the workspace the server keeps notes of who did what: a run's who.json (who started, stopped and resumed
it: names and e-mail addresses, ftlib.run_people), the removals log `.removals.json` and each upload's
`.NAME.by.json` (ftlib.stored_people), and lock files. The workspace is one of the folders the browser may read data
from (its uploads and saved splits are data), so a typed path reached them: the Data page showed a teammate's
e-mail address as a row. They are refused by name, with what to do instead. So are the files it keeps that are not
data either: the choices a new session starts from (`choices/*.json`, `active_split.json`, `last_model.json`: what
someone last typed or picked, Compare's prompt among them) and every file in a run's folder but its own copy of its
rows (`split/train.jsonl`, `split/test.jsonl`): its config.json, status.json, env.json (the server's settings and
paths), metrics, log, kept evaluations and weights.

The rule, on the path as resolved (a symlink elsewhere that leads into the workspace is judged where it leads):
inside the workspace, a hidden file or a file under a hidden folder (every record and lock there is hidden, as are a
run being made, `runs/.ID.partial`, and a write under way, `.NAME.XXXXXXXX.tmp`), a who.json, a `*.lock`, a
`choices/*.json`, `active_split.json` and `last_model.json` at its top, and a file in a folder of `runs/` other than
its `split/train.jsonl` and `split/test.jsonl`. No file the workspace holds for a person to read is refused: uploads,
saved splits (`datasets/NAME/`) and runs' rows are not, nor a file someone put in the workspace's folder elsewhere
(`<workspace>/team/chats.jsonl`, `<workspace>/runs/chats.jsonl`). Outside it (the samples, the folders of
FTLIB_DATA_DIRS) nothing is refused by name: those are the operator's data folders, the workspace's records never
live there, and a hidden file or folder typed there (`/data/.team/chats.jsonl`) is the user's own data, read as
before.

The CLI is not limited (`data inspect` reads any path: it is the operator's own tool, and the operator's account can
read these files anyway); `workspace.check_browser_path` keeps a typed path inside the allowed folders.

Not known here: streamlit; what the records hold (run_people, stored_people, rundir).
"""

from __future__ import annotations

from pathlib import Path

from ftlib import workspace
from ftlib.models import LAST_MODEL_FILE
from ftlib.run_people import WHO_FILE
from ftlib.rundir import CONFIG_FILE, ENV_FILE, STATUS_FILE
from ftlib.stored_people import REMOVALS_FILE
from ftlib.workspace import PathNotAllowed

# Why the browser may not read a record, and what to give instead, by the kind of record.
_PEOPLE = "its records name the people working here"
_TYPED = "it may hold what another person typed"
_SERVER = "a run's files hold the server's own settings, paths and messages"
_DATA = "Give the path of a data file, or upload it."
_RUN_ROWS = (
    "A run's rows are the files split/train.jsonl and split/test.jsonl in its folder; or give the path of a data "
    "file, or upload it."
)
_RUN_FILES = {
    CONFIG_FILE: "a run's settings (its config.json)",
    STATUS_FILE: "a run's state and messages (its status.json)",
    ENV_FILE: "the server settings a run was queued with (its env.json)",
}


def _record(path: Path) -> tuple[str, str, str] | None:
    """(what the workspace keeps in `path`, resolved, in words; why the browser may not read it; what to give
    instead) when it is one of the workspace's own files (see the module's rule); None for any other file."""
    root = workspace.workspace_dir().resolve()
    try:
        parts = Path(path).relative_to(root).parts
    except ValueError:  # outside the workspace: the operator's data folders, read as before
        return None
    if not parts:
        return None
    name = parts[-1]
    if name == WHO_FILE:
        return "a run's record of who started, stopped and resumed it", _PEOPLE, _DATA
    if name == REMOVALS_FILE:
        return "the record of who removed which upload, split and run", _PEOPLE, _DATA
    if name.startswith(".") and name.endswith(".by.json"):
        return "the record of who uploaded a file", _PEOPLE, _DATA
    if name.endswith(".lock"):
        return "a lock the server takes while it changes the workspace", _PEOPLE, _DATA
    if any(part.startswith(".") for part in parts):
        return (
            "a hidden file the server keeps for itself (a record, a lock, or a write or run still being made)",
            _PEOPLE,
            _DATA,
        )
    if len(parts) == 2 and parts[0] == workspace.CHOICES_DIR and name.endswith(".json"):
        return (
            "a choice kept for the sessions to come (what was last typed or picked in one of the pages' boxes, such "
            "as Compare's prompt)",
            _TYPED,
            _DATA,
        )
    if parts == (workspace.ACTIVE_SPLIT_FILE,) or parts == (LAST_MODEL_FILE,):
        what = "split" if name == workspace.ACTIVE_SPLIT_FILE else "model"
        return f"the record of the {what} a new session starts from", _TYPED, _DATA
    if len(parts) > 2 and parts[0] == workspace.RUNS_DIR:  # inside a run's folder (a check that makes no folder)
        if parts[2:] in ((workspace.RUN_SPLIT_DIR, "train.jsonl"), (workspace.RUN_SPLIT_DIR, "test.jsonl")):
            return None  # the run's own copy of its rows: data
        what = _RUN_FILES.get(name) if len(parts) == 3 else None
        return what or "one of a run's own files (its metrics, log, kept results or weights)", _SERVER, _RUN_ROWS
    return None


def bookkeeping_words(path: Path) -> str:
    """What the workspace keeps in `path` (resolved), in words, when it is one of its own files that are not data
    (see the module's rule); "" for any other file, a data file of the workspace or a file outside it."""
    found = _record(path)
    return found[0] if found else ""


def check_data_path(typed: str | Path, what: str = "data file") -> Path:
    """A data file's path typed in the browser, resolved: inside the folders the browser may read
    (`workspace.check_browser_path`) and none of the workspace's own files that are not data (`bookkeeping_words`).
    PathNotAllowed (a UserError) otherwise, saying what the file is, why it is refused and what to give instead."""
    path = workspace.check_browser_path(typed, workspace.data_roots(), what=what)
    if not path.is_dir() and (found := _record(path)):  # a folder: the reader says it is one, as anywhere else
        kept, why, instead = found
        raise PathNotAllowed(
            f"The {what} '{typed}' is {kept}: one of this server's own files, not data, which the browser may not "
            f"read ({why}). {instead}"
        )
    return path


__all__ = ["bookkeeping_words", "check_data_path"]
