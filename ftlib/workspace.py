"""The workspace on disk: uploads, saved dataset splits and training runs.

Everything the user uploads, splits or trains lives under one directory (`$FTLIB_WORKSPACE`, else
`$FTLIB_HOME/workspace`), so a browser refresh, a second tab or an app restart finds it again. Names
that come from the browser are sanitized here; nothing outside the workspace is ever written.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
import uuid
from pathlib import Path

from ftlib.models import ftlib_home

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def workspace_dir() -> Path:
    root = os.environ.get("FTLIB_WORKSPACE")
    path = Path(root).expanduser() if root else ftlib_home() / "workspace"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _subdir(name: str) -> Path:
    path = workspace_dir() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def uploads_dir() -> Path:
    return _subdir("uploads")


def datasets_dir() -> Path:
    return _subdir("datasets")


def runs_dir() -> Path:
    return _subdir("runs")


def safe_name(name: str, default: str = "file") -> str:
    """A file or folder name with no path parts and only safe characters.

    >>> safe_name("../../etc/passwd")
    'passwd'
    >>> safe_name("my data (v2).jsonl")
    'my_data_v2.jsonl'
    """
    base = Path(str(name).replace("\\", "/")).name
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = _SAFE.sub("", suffix)[:16]
    # The extension decides how a file is read, so it survives: truncate and clean the stem only.
    stem = _SAFE.sub("_", stem).strip("._")[:100] or default
    return f"{stem}.{suffix}" if suffix else stem


def inside(root: Path, path: Path) -> bool:
    """True when `path` resolves to somewhere under `root`."""
    try:
        Path(path).resolve().relative_to(Path(root).resolve())
        return True
    except ValueError:
        return False


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_upload(filename: str, data: bytes) -> Path:
    """Store an uploaded file under uploads/ with a sanitized, unique name."""
    name = safe_name(filename, default="upload")
    # A short random tag keeps two uploads of the same name in the same second apart.
    target = uploads_dir() / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}-{name}"
    target.write_bytes(data)
    return target


def write_jsonl(path: Path, rows: list[dict]) -> None:
    atomic_write_text(path, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def save_split(name: str, train: list[dict], test: list[dict], meta: dict | None = None) -> Path:
    """Save a train/test split as `datasets/<name>/{train,test}.jsonl` plus `meta.json`."""
    folder = datasets_dir() / safe_name(name, default="dataset")
    folder.mkdir(parents=True, exist_ok=True)
    write_jsonl(folder / "train.jsonl", train)
    write_jsonl(folder / "test.jsonl", test)
    info = dict(meta or {}, name=folder.name, train_rows=len(train), test_rows=len(test), saved_at=time.time())
    atomic_write_text(folder / "meta.json", json.dumps(info, indent=2))
    return folder


def list_splits() -> list[dict]:
    """Saved splits, newest first, each as its meta.json plus `path`."""
    out = []
    for meta_path in datasets_dir().glob("*/meta.json"):
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        meta["path"] = str(meta_path.parent)
        out.append(meta)
    return sorted(out, key=lambda m: m.get("saved_at", 0), reverse=True)


def load_split(name_or_path: str) -> tuple[list[dict], list[dict], dict]:
    """(train, test, meta) of a saved split, by name or by its folder path."""
    folder = Path(name_or_path)
    if not (folder / "meta.json").is_file():
        folder = datasets_dir() / safe_name(name_or_path)
    if not (folder / "meta.json").is_file():
        raise FileNotFoundError(f"No saved dataset split named '{name_or_path}' in {datasets_dir()}.")
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    return read_jsonl(folder / "train.jsonl"), read_jsonl(folder / "test.jsonl"), meta


class PathNotAllowed(ValueError):
    """A path typed in the browser points outside the folders the operator allowed."""


SAMPLES_DIR = Path(__file__).resolve().parents[1] / "samples"


def _env_dirs(name: str) -> list[Path]:
    return [Path(p).expanduser() for p in os.environ.get(name, "").split(os.pathsep) if p.strip()]


def data_roots() -> list[Path]:
    """Folders a browser user may read data files from: the workspace, the samples, `$FTLIB_DATA_DIRS`."""
    return [workspace_dir(), SAMPLES_DIR, *_env_dirs("FTLIB_DATA_DIRS")]


def model_roots() -> list[Path]:
    """Folders a browser user may load models from: runs, the model cache, `$FTLIB_MODEL_DIRS`."""
    return [workspace_dir(), ftlib_home() / "models", *_env_dirs("FTLIB_MODEL_DIRS")]


def check_browser_path(path: str | Path, roots: list[Path], what: str = "file") -> Path:
    """Resolve a path typed in the browser and refuse it unless it lies under one of `roots`.

    The CLI is the operator's own tool and is not limited; the web UI is shared, so a typed path must
    not reach `/etc/passwd` or another team's folders (symlinks are resolved before the check).
    """
    resolved = Path(path).expanduser().resolve()
    if any(inside(root, resolved) for root in roots):
        return resolved
    allowed = ", ".join(str(r) for r in roots)
    raise PathNotAllowed(
        f"The {what} '{path}' is outside the folders this server allows ({allowed}). "
        "Upload it instead, or ask the operator to add its folder to FTLIB_DATA_DIRS / FTLIB_MODEL_DIRS."
    )


def check_browser_model(spec: str) -> str:
    """A model spec typed in the browser: `default`, a hub id, or a folder under the allowed model roots."""
    spec = (spec or "default").strip()
    looks_like_path = spec.startswith((".", "/", "~")) or os.sep in spec and Path(spec).expanduser().exists()
    if spec == "default" or not looks_like_path:
        return spec
    return str(check_browser_path(spec, model_roots(), what="model folder"))
