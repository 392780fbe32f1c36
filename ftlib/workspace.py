"""The workspace on disk: uploads, saved dataset splits and training runs.

Everything the user uploads, splits or trains lives under one directory (`$FTLIB_WORKSPACE`, else
`$FTLIB_HOME/workspace`), so a browser refresh, a second tab or an app restart finds it again. Names
that come from the browser are sanitized here; nothing outside the workspace is ever written.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from ftlib.errors import UserError
from ftlib.file_lock import locked
from ftlib.file_names import safe_name
from ftlib.file_stamps import file_stamp
from ftlib.json_rows import read_jsonl
from ftlib.models import ftlib_home
from ftlib.upload_names import UPLOAD_PREFIX, upload_label, upload_name
from ftlib.upload_reuse import reused
from ftlib.user_paths import user_path


def workspace_dir() -> Path:
    """The workspace folder, created if need be: `$FTLIB_WORKSPACE`, else `<ftlib_home()>/workspace`."""
    root = os.environ.get("FTLIB_WORKSPACE")
    path = user_path(root) if root else ftlib_home() / "workspace"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _subdir(name: str) -> Path:
    path = workspace_dir() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def uploads_dir() -> Path:
    """`<workspace>/uploads`, created if need be: the stored uploads (`save_upload`)."""
    return _subdir("uploads")


def datasets_dir() -> Path:
    """`<workspace>/datasets`, created if need be: the saved splits, one folder each."""
    return _subdir("datasets")


RUNS_DIR = "runs"  # in the workspace: one folder per training run


def runs_dir() -> Path:
    """`<workspace>/runs`, created if need be: one folder per training run."""
    return _subdir(RUNS_DIR)


def inside(root: Path, path: Path) -> bool:
    """True when `path` resolves to somewhere under `root`."""
    try:
        Path(path).resolve().relative_to(Path(root).resolve())
        return True
    except ValueError:
        return False


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so readers never see half a file."""
    write_files({Path(path): text})


class DiskFullError(OSError, UserError):
    """A write failed for want of space (a full disk, a quota, a file-size limit); the message says what to free."""


# errno names: no space, over quota, over the file-size limit. Rust/C writers (safetensors) only carry the text.
_DISK_ERRNOS = {"ENOSPC", "EDQUOT", "EFBIG"}
# torch.save's zip writer does not raise the OSError of a short write: a full disk reads "[enforce fail at
# inline_container.cc:...] . unexpected pos 5120 vs 5012" or "PytorchStreamWriter failed writing file ...".
_DISK_TEXTS = (
    "no space left",
    "file too large",
    "quota exceeded",
    "pytorchstreamwriter failed writing",
    "unexpected pos",
)


def is_disk_full(exc: BaseException) -> bool:
    """Whether `exc` failed for want of space: a DiskFullError, an OSError ENOSPC, EDQUOT or EFBIG, or an error whose
    text says so (safetensors' and torch.save's writers raise no such OSError)."""
    if isinstance(exc, DiskFullError):
        return True
    if isinstance(exc, OSError) and errno.errorcode.get(exc.errno or -1) in _DISK_ERRNOS:
        return True
    return any(t in str(exc).lower() for t in _DISK_TEXTS)  # e.g. SafetensorError, which is no OSError


def umask() -> int:
    """The process's umask: from /proc (Linux), else by setting it and putting it back, which is not thread-safe
    (a page's thread writing a file in between gets 0o022's mode) but is the only portable way."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_files(files: dict[Path, str | bytes], hint: str = "") -> None:
    """Write several files so that all of them are replaced or none is.

    Each goes to a temporary file beside it first; only when every one is written are they renamed into place,
    so a full disk midway leaves the earlier versions whole (and no half file behind). A disk-full failure is
    raised as `DiskFullError` naming the file, with `hint` (where to free space) appended. Not covered: a rename that
    fails after an earlier one succeeded (a folder where a later file should go), which leaves the earlier file new.
    """
    written: list[tuple[str, Path]] = []
    current = None
    try:
        for current, content in files.items():
            current.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=current.parent, prefix=f".{current.name}.", suffix=".tmp")
            written.append((tmp, current))
            # mkstemp makes the file 0600: as any other file this process writes (the umask's mode), so that the
            # other accounts of a shared server read a run's status and config as they read its other files.
            os.chmod(tmp, 0o666 & ~umask())
            with os.fdopen(fd, "wb") as handle:
                handle.write(content.encode("utf-8") if isinstance(content, str) else content)
        for tmp, current in written:
            os.replace(tmp, current)
    except BaseException as exc:
        for tmp, _ in written:
            Path(tmp).unlink(missing_ok=True)
        if is_disk_full(exc) and not isinstance(exc, DiskFullError):
            raise disk_full_error(
                current, exc, hint + "Nothing was replaced: what was saved before is untouched."
            ) from exc
        raise


def disk_full_error(path: Path | str, cause: BaseException | str, advice: str) -> DiskFullError:
    """'The disk is full while writing PATH (reason). ADVICE', with `.path` and `.reason` for other phrasings."""
    reason = cause if isinstance(cause, str) else getattr(cause, "strerror", None) or str(cause)[:200]
    error = DiskFullError(f"The disk is full while writing {path} ({reason}). {advice}".rstrip())
    error.path, error.reason = str(path), reason  # (setting OSError's filename/strerror would change its text)
    return error


@contextlib.contextmanager
def partial_output(partial: Path, final: Path):
    """Around the code that builds `partial` (a file or a folder) before it is renamed to `final`: on any failure
    the partial output is removed, and a full disk becomes a `DiskFullError` naming `final`."""
    try:
        yield partial
    except BaseException as exc:
        if partial.is_dir():
            shutil.rmtree(partial, ignore_errors=True)
        else:
            partial.unlink(missing_ok=True)
        if is_disk_full(exc) and not isinstance(exc, DiskFullError):
            raise disk_full_error(final, exc, space_hint()) from exc
        raise


def free_bytes(folder: Path) -> int:
    """Bytes free on the disk holding `folder` (`shutil.disk_usage`); OSError when `folder` does not exist."""
    return shutil.disk_usage(folder).free


def check_free_space(folder: Path, needed: int, what: str, advice: str = "") -> None:
    """Refuse up front (DiskFullError) when `folder`'s disk has less than `needed` bytes free for `what`. `advice`:
    what to do instead (default: free space, or move the workspace)."""
    free = free_bytes(folder)
    if free < needed:
        raise disk_full_error(
            folder,
            f"{what} needs about {needed / 2**20:,.0f} MiB, {free / 2**20:,.0f} MiB free",
            advice or "Free space there or point FTLIB_WORKSPACE at a bigger disk; nothing was written.",
        )


def space_hint() -> str:
    """The sentence a disk-full error ends with: free space in the workspace, or move it whole (its runs with it)."""
    return f"Free space in the workspace ({workspace_dir()}), or move it whole to a bigger disk (FTLIB_WORKSPACE). "


def save_upload(filename: str, data: bytes) -> Path:
    """Store an uploaded file under uploads/ with a sanitized, unique name; the same file uploaded again (its name and
    bytes) is the one stored already, marked saved again, or a fresh copy where a removal took it (`upload_reuse`)."""
    name = safe_name(filename, default="upload")
    if (earlier := reused([p for p in list_uploads() if upload_name(p) == name], data, uploads_dir())) is not None:
        return earlier
    # A short random tag keeps two uploads of the same name in the same second apart.
    target = uploads_dir() / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}-{name}"
    write_files({target: data}, hint=space_hint())  # never a half upload listed among the earlier ones
    return target


def list_uploads() -> list[Path]:
    """Stored uploads, newest first (names start with the date); not the temporary file of one being written."""
    return sorted((p for p in uploads_dir().iterdir() if p.is_file() and not p.name.startswith(".")), reverse=True)


def jsonl_text(rows: list[dict]) -> str:
    r"""`rows` as JSON Lines: one JSON object per line (non-ASCII kept), each line ending in a newline.

    >>> jsonl_text([{"a": 1}, {"b": "é"}])
    '{"a": 1}\n{"b": "é"}\n'
    """
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def write_jsonl(path: Path, rows: list[dict]) -> None:
    """Write `rows` to `path` as JSON Lines (`jsonl_text`), atomically; DiskFullError when the disk is full."""
    atomic_write_text(path, jsonl_text(rows))


class SplitExists(UserError):
    """Saving a split under a name already taken, without saying it may be replaced."""


def split_folder(name: str) -> Path:
    """Where a split named `name` is (or would be) saved: `datasets/<sanitized name>`."""
    return datasets_dir() / safe_name(name, default="dataset")


def save_split(
    name: str, train: list[dict], test: list[dict], meta: dict | None = None, overwrite: bool = True
) -> Path:
    """Save a train/test split as `datasets/<name>/{train,test}.jsonl` plus `meta.json`; returns its folder.

    With `overwrite=False` a split already saved under that name is kept and `SplitExists` is raised (the Data page
    asks first; a second tab may have saved the same name meanwhile).
    """
    folder = split_folder(name)
    # Saves of one name take turns, checked under the lock: two sessions saving a new name at once both found it
    # free and both wrote it, the second over the first (or, file by file, one's train rows with the other's test).
    with locked(folder.with_name(f".{folder.name}.lock")):
        new = not folder.exists()
        if not new and not overwrite:
            raise SplitExists(
                f"A split named '{folder.name}' is already saved; it was kept. Choose another name, or tick "
                "Replace to save over it."
            )
        info = dict(meta or {}, name=folder.name, train_rows=len(train), test_rows=len(test), saved_at=time.time())
        try:
            # All three or none: a split replaced halfway would pair a new train file with an old test file.
            write_files(
                {
                    folder / "train.jsonl": jsonl_text(train),
                    folder / "test.jsonl": jsonl_text(test),
                    folder / "meta.json": json.dumps(info, indent=2),
                },
                hint=space_hint(),
            )
        except BaseException:
            if new:
                shutil.rmtree(folder, ignore_errors=True)
            raise
    remember_active_split(folder.name)  # saving a split makes it the active one
    return folder


ACTIVE_SPLIT_FILE = "active_split.json"  # in the workspace: the split last saved or made active


def remember_active_split(name: str) -> None:
    """Record `name` as the split last saved or made active, so a fresh session (a browser refresh, a second tab, an
    app restart) starts from it rather than from the newest split. Raises DiskFullError like `write_files`."""
    record = {"name": safe_name(name, default="dataset"), "at": time.time()}
    write_files({workspace_dir() / ACTIVE_SPLIT_FILE: json.dumps(record)}, hint=space_hint())


def last_active_split() -> str | None:
    """The split last saved or made active (`remember_active_split`), or None when none was recorded or it is no
    longer saved (the caller then falls back to the newest split)."""
    try:
        record = json.loads((workspace_dir() / ACTIVE_SPLIT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    name = record.get("name") if isinstance(record, dict) else None
    if isinstance(name, str) and name and (split_folder(name) / "meta.json").is_file():
        return split_folder(name).name
    return None


CHOICES_DIR = "choices"  # in the workspace: one file per choice a new session starts from (`remember_choice`)


def remember_choice(name: str, value) -> None:
    """Record `value` (text, a number, anything JSON writes) as the last change made to the choice `name` in this
    workspace, so a new session (a browser refresh, a second tab, an app restart) starts from it, as it starts from the
    split last made active: the Data page's source and file, the row the Tokens page shows, Compare's prompt. One
    file a choice: two people changing two choices at once do not undo each other; on one choice the last change wins.
    Raises DiskFullError like `write_files`."""
    record = json.dumps({"value": value, "at": time.time()}, ensure_ascii=False)
    write_files({_subdir(CHOICES_DIR) / f"{safe_name(name, default='choice')}.json": record}, hint=space_hint())


def remembered_choices() -> dict:
    """Every choice `remember_choice` recorded in this workspace: name -> value, unchecked (the caller checks it
    against what it offers now); a record that cannot be read is left out."""
    found = {}
    # Read without creating the folder: a workspace this account may only read still opens its pages.
    for path in sorted((workspace_dir() / CHOICES_DIR).glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and "value" in record:
            found[path.stem] = record["value"]
    return found


def split_origin(meta: dict) -> str:
    """Where a saved split's rows came from, in words, from its meta.json as saved (`path` is the file that was read):
    an upload by its name on the user's machine and when it was uploaded, a shipped sample by its name, any other
    file by its path; "unknown" when the meta.json does not say.

    >>> split_origin({"path": "/ws/uploads/20261129-231833-af4651-train.jsonl", "source": "train"})
    'train.jsonl (uploaded 2026-11-29 23:18)'
    >>> split_origin({"path": "/srv/data/chats.csv"}), split_origin({})
    ('/srv/data/chats.csv', 'unknown')
    >>> split_origin({"path": "/srv/p/train.jsonl", "split": "own", "test_file": {"path": "/srv/p/test.jsonl"}})
    '/srv/p/train.jsonl, its test rows from /srv/p/test.jsonl'
    >>> split_origin({"path": "/srv/p/splits.json", "split": "own", "test_key": "validation"})
    "/srv/p/splits.json, its test rows from its 'validation' key"

    A split whose test rows came from a file of their own (`split` "own") names that file too; one whose test rows are
    a key of the file it was read from (`{"train": [...], "test": [...]}`: ftlib.split_keys, `test_key`), that key.
    """
    own = meta.get("split") == "own"
    test = meta.get("test_file") if own else None
    if isinstance(test, dict) and test.get("path"):
        return f"{split_origin(dict(meta, split=None))}, its test rows from {split_origin(test)}"
    if key := held_out_key_said(meta):
        return f"{split_origin(dict(meta, split=None))}, {key}"
    source = meta.get("path")
    if not isinstance(source, str) or not source:
        return "unknown"
    path = Path(source)
    # Named by the stored file's own name and folder, not by this workspace's uploads/: a workspace moved since
    # still names its uploads.
    if path.parent.name == "uploads" and UPLOAD_PREFIX.match(path.name):
        return upload_label(path)
    if inside(SAMPLES_DIR, path):
        return f"sample {meta.get('source') or path.stem}"
    return source


def held_out_key_said(meta: dict) -> str:
    """Which key of the file a split's test rows are, in `split_origin`'s words, from a meta.json whose test rows are a
    key of the file it read (`split` "own", `test_key`: ftlib.split_keys); "" for any other split. `runs show` says a
    run's rows with it.

    >>> held_out_key_said({"split": "own", "test_key": "test"}), held_out_key_said({"test_key": "test"})
    ("its test rows from its 'test' key", '')
    """
    key = meta.get("test_key") if meta.get("split") == "own" else None
    return f"its test rows from its '{key}' key" if isinstance(key, str) and key else ""


def split_saved_at(meta: dict) -> str:
    """When a split was saved (its meta.json's `saved_at`), local time to the minute; "unknown" when not recorded.

    >>> split_saved_at({})
    'unknown'
    """
    saved = meta.get("saved_at")
    if not isinstance(saved, (int, float)) or isinstance(saved, bool):
        return "unknown"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(saved))


def list_splits() -> list[dict]:
    """Saved splits, newest first, each as its meta.json plus `path` (its folder, replacing the path of the file its
    rows came from) and `origin` (that file in words: `split_origin`)."""
    out = []
    for meta_path in datasets_dir().glob("*/meta.json"):
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if not isinstance(meta, dict):
            continue
        meta["origin"] = split_origin(meta)  # before `path` is replaced by the split's folder
        meta["path"] = str(meta_path.parent)
        out.append(meta)
    return sorted(out, key=lambda m: m.get("saved_at") or 0, reverse=True)


def split_version(name: str) -> tuple:
    """What changes whenever the split saved as `name` is replaced, however (the Data page, the CLI, a teammate):
    each of its files' (inode, modification time in ns, size), () while there is none: a file written anew and
    renamed into place (`write_files`) is another inode even within one tick of a coarse clock. A cache keyed by it
    stays true.

    >>> split_version("no such split here")
    ()
    """
    return _version(split_folder(name))


def _version(folder: Path) -> tuple:
    """`split_version` of the split in `folder`."""
    stamps = tuple(file_stamp(folder / file) for file in ("meta.json", "train.jsonl", "test.jsonl"))
    return stamps if all(stamps) else ()


def load_split(name_or_path: str, fix: str | None = None) -> tuple[list[dict], list[dict], dict]:
    """(train, test, meta) of a saved split, by name or by its folder path. FileNotFoundError without one; SplitDamaged
    where a file does not read, ending with `fix` (a page's way to save it again) or the CLI's (`SPLIT_AGAIN`)."""
    folder = Path(name_or_path)
    if not (folder / "meta.json").is_file():
        folder = datasets_dir() / safe_name(name_or_path)
    if not (folder / "meta.json").is_file():
        raise FileNotFoundError(f"No saved dataset split named '{name_or_path}' in {datasets_dir()}.")
    for _ in range(5):  # a save over it (a teammate, the CLI) between two of its files: read again, whole
        before = _version(folder)
        try:
            meta = json.loads((folder / (name := "meta.json")).read_text(encoding="utf-8"))
            if not isinstance(meta, dict):
                raise ValueError("it holds no JSON object")
            read = read_jsonl(folder / (name := "train.jsonl")), read_jsonl(folder / (name := "test.jsonl")), meta
        except (OSError, ValueError) as exc:  # cut short, edited, gone since: JSONDecodeError is a ValueError
            if before == _version(folder):
                raise split_damaged(folder, name, exc, fix or SPLIT_AGAIN) from None
            continue
        if before == _version(folder):
            return read
    raise SplitDamaged(f"Split {folder} was saved over again and again while it was read: open it again in a moment.")


def split_problem(folder: Path) -> str | None:
    """`split_damaged`'s words for the first file of the split in `folder` that does not read, checked cheaply (a
    resume asks under the queue's lock): meta.json whole, and the last row of train.jsonl and test.jsonl (a file cut
    short ends in half a row); None when they read."""
    for name in ("meta.json", "train.jsonl", "test.jsonl"):
        try:
            data = (folder / name).read_bytes().rstrip()
            json.loads(data if name == "meta.json" else data[data.rfind(b"\n") + 1 :] or b"{}")
        except (OSError, ValueError) as exc:
            return str(split_damaged(folder, name, exc))
    return None


class SplitDamaged(UserError):
    """A saved split's files, or a run's own copy of its rows, that cannot be read (cut short, edited, removed): `what`
    was wrong, `fix` what to do, in the words of whoever reads it (`load_split`'s `fix`)."""

    def __init__(self, what: str, fix: str = ""):
        super().__init__(f"{what} {fix}" if fix else what)
        self.what, self.fix = what, fix


# The way on from a saved split that does not read, in the CLI's words; a page gives its own (`load_split`'s `fix`).
SPLIT_AGAIN = "Save the split again (the Data page's Split and save, or `python -m ftlib data split`)."


def split_damaged(folder: Path, name: str, exc: Exception, fix: str = SPLIT_AGAIN) -> SplitDamaged:
    """Why a split's file `name` in `folder` cannot be read, and what to do: `fix` (save the split again), or, for a
    run's own copy of its rows (`RUN_SPLIT_DIR`), start a new run (the copy was the only record of what it trained
    on)."""
    why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    said = f"{folder / name} cannot be read ({why}): it was cut short, edited or removed."
    if folder.name == RUN_SPLIT_DIR:
        return SplitDamaged(
            f"{said} It is the copy of the rows run '{folder.parent.name}' was queued on, so those rows are lost: "
            "start a new run on the data (its result and checkpoints, if any, are untouched)."
        )
    return SplitDamaged(said, fix)


# A run's own copy of the rows it was queued on (inside its folder): the saved split, or the train/test split of a data
# file or sample made when it was queued (`ftlib.run_data`). Training, a resume and its evaluation read it, so a split
# replaced or removed later (a teammate saving over the same name), or a file edited since, never changes what the run
# was.
RUN_SPLIT_DIR = "split"


def keep_run_split(run_dir: Path, train: list[dict], test: list[dict], meta: dict) -> Path:
    """Write a run's own copy of its rows (`RUN_SPLIT_DIR`: train.jsonl, test.jsonl, meta.json) and return its folder.
    New files, never links: a hard link to a saved split's file changed with it when someone appended to that file.
    Raises DiskFullError like `write_files`."""
    kept = Path(run_dir) / RUN_SPLIT_DIR
    info = dict(meta, train_rows=len(train), test_rows=len(test), kept_at=time.time())
    write_files(
        {
            kept / "train.jsonl": jsonl_text(train),
            kept / "test.jsonl": jsonl_text(test),
            kept / "meta.json": json.dumps(info, indent=2, default=str),
        },
        hint=space_hint(),
    )
    return kept


def kept_split(run_dir: Path | str | None) -> Path | None:
    """The folder of a run's own copy of its rows (`keep_run_split`), or None (a run queued before runs kept them, or
    on a dataset that could not be read when it was queued)."""
    if run_dir is None:
        return None
    kept = Path(run_dir) / RUN_SPLIT_DIR
    return kept if (kept / "meta.json").is_file() else None


def lost_split(run_dir: Path | str | None) -> str | None:
    """Why a run queued with its own copy of its rows (run_create's `rows_kept`) cannot train: the copy is gone, and
    the data as it is now is not what it was queued on; None when it has the copy or never kept one."""
    if run_dir is None or kept_split(run_dir) is not None:
        return None
    with contextlib.suppress(OSError, ValueError, AttributeError):  # no status (rows given in code), or unreadable
        if json.loads((Path(run_dir) / "status.json").read_text(encoding="utf-8")).get("rows_kept") is True:
            return (
                f"The run kept its own copy of the rows it was queued on ({RUN_SPLIT_DIR}/ in its folder), which is "
                "gone: training now would read the data as it is now, not those rows. Start a new run on the data."
            )
    return None


class PathNotAllowed(UserError):
    """A path typed in the browser points outside the folders the operator allowed."""


SAMPLES_DIR = Path(__file__).resolve().parents[1] / "samples"


def _env_dirs(name: str) -> list[Path]:
    return [user_path(p) for p in os.environ.get(name, "").split(os.pathsep) if p.strip()]


def data_roots() -> list[Path]:
    """Folders a browser user may read data files from: the workspace, the samples, `$FTLIB_DATA_DIRS`."""
    return [workspace_dir(), SAMPLES_DIR, *_env_dirs("FTLIB_DATA_DIRS")]


def model_roots() -> list[Path]:
    """Folders a browser user may load models from: runs, the model cache, `$FTLIB_MODEL_DIRS`."""
    return [workspace_dir(), ftlib_home() / "models", *_env_dirs("FTLIB_MODEL_DIRS")]


def check_browser_path(
    path: str | Path,
    roots: list[Path],
    what: str = "file",
    fix: str = "Upload it instead, or ask the operator to add its folder to FTLIB_DATA_DIRS.",
) -> Path:
    """Resolve a path typed in the browser and refuse it unless it lies under one of `roots`; `fix` ends the
    refusal (the default is a data file's: uploading it, or the server's data setting).

    The CLI is the operator's own tool and is not limited; the web UI is shared, so a typed path must not reach
    `/etc/passwd` or another team's folders (symlinks are resolved before the check)."""
    if "\x00" in str(path):  # the OS takes no NUL in a path (resolve raises ValueError): no such file, said so
        shown = str(path).replace("\x00", "\\0")
        raise PathNotAllowed(f"The {what} '{shown}' holds a NUL character (\\0), which no path can.")
    resolved = user_path(path).resolve()
    if any(inside(root, resolved) for root in roots):
        return resolved
    allowed = ", ".join(dict.fromkeys(str(r) for r in roots))  # a root set twice (FTLIB_MODEL_DIRS) is said once
    link = f" links to '{resolved}', which" if Path(os.path.abspath(user_path(path))) != resolved else ""
    raise PathNotAllowed(f"The {what} '{path}'{link} is outside the folders this server allows ({allowed}). {fix}")


def check_browser_model(spec: str) -> str:
    """A model spec typed in the browser: `default`, a hub id, or a folder under the allowed model roots. Whatever
    exists on disk is a folder, as `models.resolve_model` reads it (a bare name of the server's current folder too)."""
    spec = (spec or "default").strip()
    looks_like_path = spec.startswith((".", "/", "~")) or "\x00" in spec or user_path(spec).exists()
    if spec == "default" or not looks_like_path:
        return spec
    # No upload for models: the server's model setting is the way to allow a folder.
    fix = "Ask the operator to add its folder to FTLIB_MODEL_DIRS, the setting of the folders models may come from."
    return str(check_browser_path(spec, model_roots(), what="model folder", fix=fix))
