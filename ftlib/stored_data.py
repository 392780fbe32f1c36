"""What people stored in the workspace and may remove: uploads (`WS/uploads/`), saved splits (`WS/datasets/NAME/`)
and the hidden leftovers of writes cut short (`.NAME.XXXXXXXX.tmp`, older than an hour).

    items = list_stored()                     # each with its size, when it was saved, and the runs that used it
    removed = remove("chats")                 # a saved split by name; an upload by its stored (or own) file name
    removed.freed, removed.warnings           # bytes freed; the runs that lose their resume or evaluation
    remove("chats", by=who)                   # who removed it, where known: the removals log (ftlib.stored_people)
    count, size = remove_leftovers()          # the hidden `.tmp` halves of writes killed midway

Removing never changes what a run trains on: a run keeps its own copy of its rows when it is queued
(`workspace.keep_run_split`), and training, a resume and its evaluation read that copy (`training.load_rows`). Only
a run without one (queued while its data could not be read, or made before runs kept their rows) reads the data
again: at its start (so removal is refused while such a run is queued or running), and at a resume or an evaluation
(so removal says which runs lose those). Removal runs under the run queue's lock (no queued run starts meanwhile) and
under the split's save lock (`workspace.save_split`'s: a save of the same name waits, and is whole, or removed whole),
or the uploads' lock (`upload_reuse`: the same file uploaded again meanwhile reuses the upload, which is then kept,
or finds it gone and is stored anew).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import shutil
import time
import uuid
from pathlib import Path

from ftlib import stored_people, upload_reuse, workspace
from ftlib.errors import UserError
from ftlib.file_lock import locked
from ftlib.file_stamps import file_stamp
from ftlib.run_people import Who
from ftlib.user_paths import user_path

LEFTOVER_AGE = 3600  # seconds: a `.tmp` file younger than this may be a write under way
# write_files' temporary files: "." + the file's name + "." + mkstemp's 8 random characters + ".tmp"
_LEFTOVER = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")
_REMOVING = ".removing-"  # a split folder moved out of datasets/ before it is deleted (see `remove`)
NEEDS_STATES = ("queued", "running", "stopping")  # a run in these without its own rows reads the data at its start


class StoredDataError(UserError):
    """A stored file or split that cannot be removed (unknown, needed by a run, saved again since it was listed)."""


@dataclasses.dataclass
class StoredItem:
    """One upload or saved split: `kind` ("upload" or "split"), `name` (what `remove` takes: the upload's stored
    file name, the split's folder name), `label` (as the Data page names it), `path`, `size` (bytes of its files),
    `saved_at` (epoch seconds), `runs` (ids of the runs that used it: trained on it, or on a split made from it),
    `splits` (an upload's: the saved splits made from it), `needs` (run id -> state: runs with no copy of their rows
    that read it again, at their start, a resume or an evaluation), `active` (the split the pages start from),
    `version` (what changes when it is saved again: `remove(expect=...)` refuses then), `states` (run id -> state,
    of each of `runs`) and `uploaded_by` (an upload's: who uploaded it where known, `stored_people`; "" otherwise)."""

    kind: str
    name: str
    label: str
    path: Path
    size: int
    saved_at: float | None
    runs: list[str] = dataclasses.field(default_factory=list)
    splits: list[str] = dataclasses.field(default_factory=list)
    needs: dict[str, str] = dataclasses.field(default_factory=dict)
    active: bool = False
    version: tuple = ()
    states: dict[str, str] = dataclasses.field(default_factory=dict)
    uploaded_by: str = ""

    def blocking(self) -> list[str]:
        """The runs that read it at their start, queued or running now: removal is refused while there are any."""
        return [run for run, state in self.needs.items() if state in NEEDS_STATES]

    def losing(self) -> list[str]:
        """The runs, not queued nor running, that read it again to resume or be evaluated: removal takes that away."""
        return [run for run, state in self.needs.items() if state not in NEEDS_STATES]

    def blocked_words(self) -> str:
        """Why it cannot be removed now, in words ("" when it can): the runs `blocking` names, and what to do."""
        if not (runs := self.blocking()):
            return ""
        one = len(runs) == 1
        end, them = ("it ends", "it") if one else ("they end", "them")
        return (
            f"The {self.kind} '{self.label}' is read at the start of the {_run_words(runs, 'queued or running')}, "
            "queued without "
            f"{'its' if one else 'their'} own copy of the rows: remove it once {end}, or stop {them} first."
        )

    def losing_words(self) -> str:
        """What removing it takes from the runs `losing` names, in words ("" for none), in the singular or the plural,
        said alike before the removal (the page's question) and after it (its notice, `data remove`'s warning): "The
        run a has no copy of its rows and reads the split 'chats' again to resume or to be evaluated: without the
        split, it can do neither (its results and model are untouched)." """
        if not (runs := self.losing()):
            return ""
        one = len(runs) == 1
        they, its, has, reads, models = (
            ("it", "its", "has", "reads", "model") if one else ("they", "their", "have", "read", "models")
        )
        return (
            f"The {_run_words(runs)} {has} no copy of {its} rows and {reads} the {self.kind} '{self.label}' again to "
            f"resume or to be evaluated: without the {self.kind}, {they} can do neither ({its} results and {models} "
            "are untouched)."
        )

    def kept_words(self) -> str:
        """What removing it leaves whole, in words ("" for nothing): the runs trained on it (or queued to train on it,
        not started yet) with their own copy of its rows, and an upload's splits, each said in the singular or the
        plural: "The run trained on it and the 2 runs queued to train on it keep their own copy of its rows." """
        said = []
        if kept := [run for run in self.runs if run not in self.needs]:
            queued = [run for run in kept if self.states.get(run) == "queued"]
            groups = [(len(kept) - len(queued), "trained on it"), (len(queued), "queued to train on it")]
            named = " and ".join(f"the run {what}" if n == 1 else f"the {n} runs {what}" for n, what in groups if n)
            one = len(kept) == 1
            said.append(f"T{named[1:]} {'keeps its' if one else 'keep their'} own copy of its rows.")
        if self.splits:
            one = len(self.splits) == 1
            said.append(
                f"The {'split' if one else 'splits'} made from it ({', '.join(self.splits)}) "
                f"{'keeps its' if one else 'keep their'} rows."
            )
        return " ".join(said)


@dataclasses.dataclass
class Removed:
    """What `remove` did: the item as it was, the bytes `freed`, and `warnings` (the runs that lose a resume or an
    evaluation, in words)."""

    item: StoredItem
    freed: int
    warnings: list[str]


def size_words(n: int) -> str:
    """Bytes in words, as `memory.human` says them, a file under 1 KiB in bytes (not "0 KiB").

    >>> size_words(320), size_words(5 * 1024**2)
    ('320 B', '5 MiB')
    """
    from ftlib.memory import human

    return f"{n} B" if n < 1024 else human(n)


def saved_words(saved_at: float | None) -> str:
    """When an item was saved (`StoredItem.saved_at`) as local time to the minute, "unknown" when not known.

    >>> saved_words(None)
    'unknown'
    """
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(saved_at)) if saved_at else "unknown"


def used_words(item: StoredItem, limit: int = 3) -> str:
    """What used `item`, in words: "runs a, b (+3 more); split chats"; "nothing" when nothing did.

    >>> used_words(StoredItem("upload", "u", "u", Path("u"), 1, None, runs=["r1", "r2"], splits=["chats"]))
    'runs r1, r2; split chats'
    """
    parts = []
    for noun, names in (("run", item.runs), ("split", item.splits)):
        if names:
            more = f" (+{len(names) - limit} more)" if len(names) > limit else ""
            parts.append(f"{noun if len(names) == 1 else noun + 's'} {', '.join(names[:limit])}{more}")
    return "; ".join(parts) or "nothing"


def _size(path: Path) -> int:
    """Bytes of the file or of the folder's files; a file removed meanwhile (a removal under way) counts 0."""
    total = 0
    for f in [path] if not path.is_dir() else path.rglob("*"):
        with contextlib.suppress(FileNotFoundError):
            if f.is_file() and not f.is_symlink():
                total += f.stat().st_size
    return total


def _same(a: str | Path, b: Path) -> bool:
    """Whether the path `a` (as a run or a split recorded it) is the stored file `b`: resolved alike, or an upload of
    the same stored name (unique: its date, time and tag) in a folder named uploads (a workspace moved since)."""
    try:
        p = user_path(str(a))
        if p.resolve() == b.resolve():
            return True
    except (OSError, ValueError, RuntimeError):  # RuntimeError: a symlink loop (resolve, Python < 3.13)
        return False
    return p.name == b.name and p.parent.name == b.parent.name == "uploads"


def _names_split(spec: str, folder: Path) -> bool:
    """Whether a run's `dataset` names the saved split in `folder`, as `run_data.split_folder` reads it: its
    folder's path, or its name."""
    if not spec:
        return False
    if "/" in spec or "\\" in spec or spec.startswith("~"):
        return _same(spec, folder)
    return workspace.safe_name(spec) == folder.name


def _runs() -> list[tuple[str, str, str, dict | None]]:
    """(id, state, dataset as its config names it, its own copy's meta.json or None) of every run."""
    from ftlib.rundir import run_folders

    out = []
    for run in run_folders():
        kept = workspace.kept_split(run.path)
        meta = _read_meta(kept) if kept is not None else None
        lost = kept is None and workspace.lost_split(run.path) is not None  # cannot train at all: reads nothing
        state = str(run.read_status().get("state") or "unknown")
        out.append((run.id, "lost" if lost else state, str(run.read_config().get("dataset") or "").strip(), meta))
    return out


def _sources(meta: dict | None) -> list[str]:
    """The files a split's (or a run's copy's) rows were read from: its `path`, and its own test file's."""
    if not isinstance(meta, dict):
        return []
    test = meta.get("test_file") if isinstance(meta.get("test_file"), dict) else {}
    return [p for p in (meta.get("path"), test.get("path")) if isinstance(p, str) and p]


def _read_meta(folder: Path) -> dict:
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def list_stored() -> list[StoredItem]:
    """Every upload (newest first), then every saved split (newest first), with what used them; each run's
    config.json, status.json and own copy's meta.json are read once."""
    runs = _runs()
    splits = workspace.list_splits()  # each meta.json, with `path` its folder (the file it was read from: below)
    sources = {s["name"]: _sources(_read_meta(Path(s["path"]))) for s in splits}
    active = workspace.last_active_split()
    items = []
    for path in workspace.list_uploads():
        try:
            saved_at = path.stat().st_mtime
        except FileNotFoundError:  # removed since it was listed (a teammate's removal): not stored any more
            continue
        made = [s["name"] for s in splits if any(_same(p, path) for p in sources[s["name"]])]
        item = StoredItem("upload", path.name, workspace.upload_label(path), path, _size(path), saved_at)
        item.splits, item.version, item.uploaded_by = made, file_stamp(path), stored_people.uploaded_by(path)
        for run_id, state, spec, meta in runs:
            direct = bool(spec) and ("/" in spec or "\\" in spec) and _same(spec, path)
            if direct or any(_same(p, path) for p in _sources(meta)):
                item.runs.append(run_id)
                item.states[run_id] = state
            if direct and meta is None and state != "lost":
                item.needs[run_id] = state
        items.append(item)
    for meta in splits:
        folder = Path(meta["path"])
        saved = meta.get("saved_at") if isinstance(meta.get("saved_at"), (int, float)) else None
        item = StoredItem("split", folder.name, folder.name, folder, _size(folder), saved or None)
        item.active, item.version = folder.name == active, workspace.split_version(folder.name)
        for run_id, state, spec, kept in runs:
            by_copy = isinstance(kept, dict) and kept.get("kept_from") == "split" and kept.get("name") == folder.name
            # A run whose own copy came from elsewhere (the sample `chat_style`, before a split took its name) did
            # not use the split its dataset's name now names.
            elsewhere = isinstance(kept, dict) and kept.get("kept_from") not in (None, "split")
            if by_copy or (_names_split(spec, folder) and not elsewhere):
                item.runs.append(run_id)
                item.states[run_id] = state
            if kept is None and state != "lost" and _names_split(spec, folder):
                item.needs[run_id] = state
        items.append(item)
    return items


def find(name: str, items: list[StoredItem] | None = None) -> StoredItem:
    """The upload or split `name` names: a split's name, an upload's stored file name, or an upload's own file name
    when one upload has it; `split:NAME` or `upload:NAME` says which where both have it. StoredDataError naming the
    known ones when none (or several) does."""
    items = list_stored() if items is None else items
    kind, _, bare = name.partition(":") if name.startswith(("split:", "upload:")) else ("", "", name)
    pool = [i for i in items if not kind or i.kind == kind]
    found = [i for i in pool if i.name == bare]
    # an upload's own file name counts too, beside a split of that name: removing the other one would be a guess
    found += [i for i in pool if i.kind == "upload" and i not in found and workspace.upload_name(i.name) == bare]
    if len(found) == 1:
        return found[0]
    if found:
        listed = ", ".join(f"{i.kind}:{i.name}" for i in found)
        raise StoredDataError(f"'{name}' names {len(found)} stored files: {listed}. Give one of these names.")
    known = ", ".join(f"{i.name} ({i.kind})" for i in items) or "none: nothing is stored yet"
    raise StoredDataError(
        f"There is no upload or saved split named '{name}' in {workspace.workspace_dir()}. Known: {known}."
    )


def _check_inside(item: StoredItem) -> None:
    root = workspace.uploads_dir() if item.kind == "upload" else workspace.datasets_dir()
    if item.path.is_symlink() or not workspace.inside(root, item.path) or item.path.parent.resolve() != root.resolve():
        raise StoredDataError(
            f"{item.path} is not a file of the workspace's {root.name}/ (a link to somewhere else, or outside it): it "
            "was not removed. Remove it by hand if it should go."
        )


def _run_words(runs: list[str], kind: str = "") -> str:
    """The runs by their ids as said aloud, the first five: one as "run a", more counted, "2 runs a, b"; `kind` said
    before the noun.

    >>> _run_words(["a"]), _run_words(["a", "b"], "queued or running")
    ('run a', '2 queued or running runs a, b')
    """
    named = f"{', '.join(runs[:5])}{', ...' if len(runs) > 5 else ''}"
    kind = f"{kind} " if kind else ""
    return f"{kind}run {named}" if len(runs) == 1 else f"{len(runs)} {kind}runs {named}"


def remove(name: str, expect: tuple | None = None, by: Who | None = None) -> Removed:
    """Remove the upload file or split folder `name` names (`find`), and return what was freed.

    Refused (StoredDataError, nothing removed): an unknown name; a path outside the workspace's uploads/ or datasets/
    (a link); a queued or running run that has no copy of its rows and reads it at its start; `expect` given (the
    `version` the caller listed) and the item saved again since (an upload: sent again, `upload_reuse`). Decided and
    done under the run queue's lock and the split's save lock (an upload: the uploads' lock), so no queued run starts,
    no save of the same name writes, and no upload sent again reuses it, in between. A split folder is
    first renamed out of datasets/ (readers see it whole or gone), then deleted; an upload's record of who uploaded it
    goes with it. `by`: who removed it, where known (ftlib.run_people's rules), in the workspace's removals log
    (`stored_people.record_removal`: the Data page tells a session that had it open who removed it). `warnings`: the
    runs without a copy of their rows that can no longer resume or be evaluated."""
    from ftlib.run_create import QUEUE_LOCK

    with locked(workspace.runs_dir() / QUEUE_LOCK):
        item = find(name)
        # A split's save lock; the uploads' lock, which an upload sent again takes to reuse an earlier one
        lock = item.path.with_name(f".{item.path.name}.lock") if item.kind == "split" else None
        with locked(lock or workspace.uploads_dir() / upload_reuse.LOCK):
            item = find(name)  # again, under the lock: a save may have replaced it, a reuse marked it saved again
            _check_inside(item)
            if expect is not None and json.dumps(list(expect)) != json.dumps(list(item.version)):
                raise StoredDataError(
                    f"The {item.kind} '{item.name}' was saved again since it was listed (by a teammate, another tab "
                    "or the command line); it was kept. Look at it again before removing it."
                )
            if blocked := item.blocked_words():
                raise StoredDataError(f"{blocked} Nothing was removed.")
            if item.kind == "upload":
                item.path.unlink()
                stored_people.forget_upload(item.path)
            else:
                gone = workspace.workspace_dir() / f"{_REMOVING}{item.name}-{uuid.uuid4().hex[:8]}"
                os.rename(item.path, gone)
                shutil.rmtree(gone, ignore_errors=True)
        stored_people.record_removal(item.kind, item.name, by)
    return Removed(item, item.size, [w for w in [item.losing_words()] if w])


def leftovers(min_age: float = LEFTOVER_AGE) -> list[tuple[Path, int]]:
    """(path, bytes) of each hidden leftover in the workspace older than `min_age` seconds: a `.NAME.XXXXXXXX.tmp`
    file a write killed midway left beside NAME (`workspace.write_files`), and a split folder a removal killed midway
    left (`.removing-NAME-XXXXXXXX` in the workspace). Younger ones may be a write under way: not listed."""
    root, now, found = workspace.workspace_dir(), time.time(), []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        for name in files:
            path = here / name
            if _LEFTOVER.match(name):
                try:
                    stat = path.lstat()
                except OSError:
                    continue
                if now - stat.st_mtime >= min_age:
                    found.append((path, stat.st_size))
        for name in list(dirs):
            if here == root and name.startswith(_REMOVING):
                dirs.remove(name)
                path = here / name
                try:
                    if now - path.lstat().st_mtime >= min_age:
                        found.append((path, _size(path)))
                except OSError:
                    continue
    return found


def remove_leftovers(min_age: float = LEFTOVER_AGE) -> tuple[int, int]:
    """Remove `leftovers(min_age)`; returns (how many, bytes freed). One gone meanwhile is not counted."""
    count = freed = 0
    for path, size in leftovers(min_age):
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            continue
        count, freed = count + 1, freed + size
    return count, freed


__all__ = [
    "LEFTOVER_AGE",
    "Removed",
    "StoredDataError",
    "StoredItem",
    "find",
    "leftovers",
    "list_stored",
    "remove",
    "remove_leftovers",
    "saved_words",
    "size_words",
    "used_words",
]
