"""The workspace's own bookkeeping files, which a path typed in the browser for data may not read.

    path = check_data_path("/srv/ws/uploads/chats.jsonl")      # the Data page's Local path box, its Test file box
    check_data_path("/srv/ws/runs/r-1/who.json")               # PathNotAllowed: who started, stopped, resumed it
    bookkeeping_words(Path("/srv/ws/.removals.json"))          # what it holds, in words; "" for a data file

Inside the workspace the server keeps notes of who did what: a run's who.json (who started, stopped and resumed
it: names and e-mail addresses, ftlib.run_people), the removals log `.removals.json` and each upload's
`.NAME.by.json` (ftlib.stored_people), and lock files. The workspace is one of the folders the browser may read data
from (its uploads and saved splits are data), so a typed path reached them: the Data page showed a teammate's
e-mail address as a row. They are refused by name, with what to do instead.

The rule, on the path as resolved (a symlink elsewhere that leads into the workspace is judged where it leads):
inside the workspace, a hidden file or a file under a hidden folder (every record and lock there is hidden, as are a
run being made, `runs/.ID.partial`, and a write under way, `.NAME.XXXXXXXX.tmp`), a who.json, and a `*.lock`. No
file the workspace holds for a person to read is hidden: uploads, saved splits and runs' rows are not. Outside it
(the samples, the folders of FTLIB_DATA_DIRS) nothing is refused by name: those are the operator's data folders, the
workspace's records never live there, and a hidden file or folder typed there (`/data/.team/chats.jsonl`) is the
user's own data, read as before.

The CLI is not limited (`data inspect` reads any path: it is the operator's own tool, and the operator's account can
read these files anyway); `workspace.check_browser_path` keeps a typed path inside the allowed folders.

Not known here: streamlit; what the records hold (run_people, stored_people).
"""

from __future__ import annotations

from pathlib import Path

from ftlib import workspace
from ftlib.run_people import WHO_FILE
from ftlib.stored_people import REMOVALS_FILE
from ftlib.workspace import PathNotAllowed


def bookkeeping_words(path: Path) -> str:
    """What the workspace keeps in `path` (resolved), in words, when it is one of its bookkeeping files (see the
    module's rule); "" for any other file, a data file of the workspace or a file outside it."""
    root = workspace.workspace_dir().resolve()
    try:
        parts = Path(path).relative_to(root).parts
    except ValueError:  # outside the workspace: the operator's data folders, read as before
        return ""
    if not parts:
        return ""
    name = parts[-1]
    if name == WHO_FILE:
        return "a run's record of who started, stopped and resumed it"
    if name == REMOVALS_FILE:
        return "the record of who removed which upload, split and run"
    if name.startswith(".") and name.endswith(".by.json"):
        return "the record of who uploaded a file"
    if name.endswith(".lock"):
        return "a lock the server takes while it changes the workspace"
    if any(part.startswith(".") for part in parts):
        return "a hidden file the server keeps for itself (a record, a lock, or a write or run still being made)"
    return ""


def check_data_path(typed: str | Path, what: str = "data file") -> Path:
    """A data file's path typed in the browser, resolved: inside the folders the browser may read
    (`workspace.check_browser_path`) and none of the workspace's bookkeeping files (`bookkeeping_words`).
    PathNotAllowed (a UserError) otherwise, saying what the file is, why it is refused and what to give instead."""
    path = workspace.check_browser_path(typed, workspace.data_roots(), what=what)
    if kept := bookkeeping_words(path):
        raise PathNotAllowed(
            f"The {what} '{typed}' is {kept}: one of this server's own files, not data, which the browser may not "
            "read (its records name the people working here). Give the path of a data file, or upload it."
        )
    return path


__all__ = ["bookkeeping_words", "check_data_path"]
