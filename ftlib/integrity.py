"""Whether saved weights and training checkpoints read whole, checked cheaply: a safetensors file's header and the
length it promises, the directory at the end of a `torch.save` zip, a JSON file's syntax.

    file_problem(Path("adapter/adapter_model.safetensors"))   # None, or "cut short (1,000 of 30,704 bytes)"
    damaged_files(run.adapter_dir)                             # [(path, problem), ...] for every damaged file
    missing_weights(run.model_dir)                             # [(path, "missing")] for weights it lacks
    stored_parameters(model_dir)                               # 134515008: what a model's files hold, from headers

A truncated or overwritten file (a copy cut off, a disk that filled while another program wrote, a hand edit) is
found here before a library reads it and fails with a message that names no file ("Error while deserializing
header: invalid header length"). Only the first bytes, the header and the file's length are read: cheap enough for
every export and every failed resume, not a proof the numbers inside are right.

Stdlib only; knows no run folder (rundir.py does).
"""

from __future__ import annotations

import json
import os
import struct
import zipfile
from pathlib import Path

# safetensors refuses headers over 100 MB; a bigger length read from the first 8 bytes means garbage there.
_MAX_HEADER = 100_000_000
# JSON files larger than this (a huge tokenizer.json) are not parsed: cheap checks only.
_MAX_JSON = 64 * 2**20
# What torch.save writes (a zip since torch 1.6); legacy pickles are not zips and are not checked.
_TORCH_SUFFIXES = (".pt", ".pth", ".bin")


def file_problem(path: str | Path) -> str | None:
    """What is wrong with one saved file, in words ("cut short (1,000 of 30,704 bytes)"), or None when it reads
    whole as far as a cheap check can tell (or is of a kind not checked)."""
    path = Path(path)
    try:
        if path.suffix == ".safetensors":
            return _safetensors_problem(path)
        if path.suffix == ".json" and path.stat().st_size <= _MAX_JSON:
            try:
                json.loads(path.read_bytes())
            except (ValueError, UnicodeDecodeError):
                return "not readable JSON (cut short or overwritten)"
            return None
        if path.suffix in _TORCH_SUFFIXES:
            return _torch_zip_problem(path)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    return None


def damaged_files(folder: str | Path) -> list[tuple[Path, str]]:
    """Every file under `folder` that `file_problem` finds damaged, with what is wrong, in name order."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            problem = file_problem(path)
            if problem:
                found.append((path, problem))
    return found


def missing_weights(folder: str | Path) -> list[tuple[Path, str]]:
    """The weights files a saved adapter or model folder lacks, each as (path, "missing"), in `damaged_files`' shape:
    an adapter (`adapter_config.json`) needs `adapter_model.safetensors`; a model (`config.json`) `model.safetensors`,
    or `model.safetensors.index.json` and every shard it lists. A save cut short (killed, a full disk) may leave the
    configs and no weights, which `damaged_files`, checking the files there, cannot see. [] for a folder that is
    neither, or whose index cannot be read (`damaged_files` says so)."""
    folder = Path(folder)
    if (folder / "adapter_config.json").is_file():
        needed = [folder / "adapter_model.safetensors"]
    elif not (folder / "config.json").is_file() or (folder / "model.safetensors").is_file():
        return []
    elif (index := folder / "model.safetensors.index.json").is_file():
        try:
            shards = json.loads(index.read_bytes())["weight_map"].values()
            needed = [folder / name for name in sorted(set(shards))]
        except (OSError, ValueError, UnicodeDecodeError, KeyError, TypeError, AttributeError):
            return []
    else:
        needed = [folder / "model.safetensors"]
    return [(path, "missing") for path in needed if not path.is_file()]


def damage_words(damaged: list[tuple[Path, str]], limit: int = 3) -> str:
    """The damaged files in one phrase: "adapter_model.safetensors is cut short (1,000 of 30,704 bytes)"."""
    said = "; ".join(f"{path.name} is {problem}" for path, problem in damaged[:limit])
    more = len(damaged) - limit
    return said + (f"; and {more} more" if more > 0 else "")


def _safetensors_problem(path: Path) -> str | None:
    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(8)
        if len(head) < 8:
            return f"cut short ({size:,} bytes, too few for a safetensors header)"
        (length,) = struct.unpack("<Q", head)
        if length > _MAX_HEADER:
            return "not a safetensors file any more (its first bytes are not a header length)"
        if 8 + length > size:
            return f"cut short ({size:,} bytes, fewer than its {length:,}-byte header alone)"
        raw = handle.read(length)
    try:
        header = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return "damaged (its header is not readable)"
    if not isinstance(header, dict):
        return "damaged (its header is not readable)"
    try:
        end = max((int(entry["data_offsets"][1]) for key, entry in header.items() if key != "__metadata__"), default=0)
    except (KeyError, IndexError, TypeError, ValueError):
        return "damaged (its header is not readable)"
    expected = 8 + length + end
    if size < expected:
        return f"cut short ({size:,} of {expected:,} bytes)"
    if size > expected:
        return f"damaged ({size:,} bytes where its header describes {expected:,})"
    return None


def stored_parameters(folder: str | Path) -> int | None:
    """The number of values a model folder's safetensors files hold (its parameters: tied weights are stored once),
    from their headers alone; None when a file has no readable header or there is none.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> header = json.dumps({"w": {"dtype": "F32", "shape": [3, 4], "data_offsets": [0, 48]}}).encode()
    >>> _ = (folder / "model.safetensors").write_bytes(struct.pack("<Q", len(header)) + header + bytes(48))
    >>> stored_parameters(folder), stored_parameters(folder / "missing")
    (12, None)
    """
    folder = Path(folder)
    files = sorted(folder.glob("*.safetensors"))
    index = folder / "model.safetensors.index.json"
    if index.is_file():  # a sharded checkpoint: only the shards its index names (a stale extra one is not the model)
        try:
            named = set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values())
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        files = [path for path in files if path.name in named]
    total = 0
    for path in files:
        try:
            with open(path, "rb") as handle:
                (length,) = struct.unpack("<Q", handle.read(8))
                header = json.loads(handle.read(length)) if length <= _MAX_HEADER else None
            for key, entry in header.items():
                if key != "__metadata__":
                    count = 1
                    for size in entry["shape"]:
                        count *= int(size)
                    total += count
        except (OSError, struct.error, ValueError, UnicodeDecodeError, AttributeError, KeyError, TypeError):
            return None
    return total if files else None


def _torch_zip_problem(path: Path) -> str | None:
    with open(path, "rb") as handle:
        if handle.read(4) != b"PK\x03\x04":
            return None  # a legacy pickle, or not torch's: not checked
    try:
        with zipfile.ZipFile(path) as archive:  # reads the directory at the end, where a cut file breaks first
            archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError):
        return f"cut short or damaged ({os.path.getsize(path):,} bytes, its zip directory is missing)"
    return None


__all__ = ["damage_words", "damaged_files", "file_problem", "missing_weights"]
