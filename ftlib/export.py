"""What a finished run can be downloaded as: its adapter, the adapter merged into the base, or its full model.

    for item in downloads(run):                       # what the Train page offers (ftlib.downloads), in order
        item.label, item.caption, item.build()        # build() returns the folder to zip (merging if needed)
    zip_folder(export_merged(run))                     # the same from code
    zip_folder(export_merged(run, progress=told), progress=told)   # told(stage, fraction): export_progress
    copy_export(export_adapter(run), Path("out"))      # `runs export --out out`: a copy where the user wants it
    nothing_to_download(run)                           # why a finished run offers nothing (its result was deleted)

Every export is safetensors plus the tokenizer, whose `chat_template` is the template the run trained with
(a custom template included), so a model loaded elsewhere formats chats exactly as training did. Builds go
through `.partial` names renamed into place, after a free-space check: a full disk leaves no half file. Builds of
one run take turns (a lock file in the run folder, across processes and threads): a second click, tab or command
waits for the first and takes its result; a build that died midway leaves a `.partial` the next one removes first
(`remove_exported` removes it too). What is exported is checked to read whole first (`ftlib.integrity`: a cut
adapter is refused by name, not loaded into a traceback), and is readable as the process's umask allows, like any
file it creates (safetensors writes its files 0600: another user of a shared server could not load them).

Not known here: the queue (runs.py), training (training.py).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shlex
import shutil
import stat
import zipfile
from pathlib import Path

from ftlib import merged_sources, workspace
from ftlib.adapter_shapes import merge_refusal
from ftlib.disk_use import tree_bytes
from ftlib.errors import UserError
from ftlib.export_out import ExportError, check_out, out_held
from ftlib.export_progress import LOADING, MERGING, SAVING, WRITING_GGUF, ZIPPING, Progress
from ftlib.export_progress import stage as _stage
from ftlib.file_modes import readable as _readable
from ftlib.integrity import damage_words, damaged_files, missing_weights
from ftlib.model_card import write_card
from ftlib.model_files import stored_dtype
from ftlib.run_result import check_run_status, is_full_run, no_result_reason
from ftlib.rundir import RunDir
from ftlib.stops import run_tokenizer, saved_tokenizer, write_for_run
from ftlib.user_paths import user_path


def _still_there(run: RunDir) -> None:
    """A download clicked on a page drawn before the run was deleted elsewhere: say so, not "it has no adapter"."""
    if not run.exists():
        raise ExportError(
            f"Run '{run.id}' was deleted, perhaps from another tab or the command line: nothing of it is left to "
            "download."
        )


def export_adapter(run: RunDir) -> Path:
    """The run's LoRA adapter folder (PEFT format, safetensors), loadable with `PeftModel.from_pretrained`."""
    return _adapter(run)[0]


def _adapter(run: RunDir):
    """(`export_adapter`, the tokenizer saved with it or None): loaded once, a merge passes it on (it took 3 loads)."""
    _still_there(run)
    if not (run.adapter_dir / "adapter_config.json").is_file():
        if (run.model_dir / "config.json").is_file():
            raise ExportError(f"Run '{run.id}' fine-tuned every weight, so it has no adapter: export the full model.")
        raise ExportError(no_result_reason(run))
    _check_whole(run, run.adapter_dir, "adapter")  # then described: PEFT's blank card named its base by hub id
    describe(run, run.adapter_dir, "adapter", tokenizer := saved_tokenizer(run.adapter_dir))  # None: not saved
    _readable(run.adapter_dir)
    return run.adapter_dir, tokenizer


def nothing_to_download(run: RunDir) -> str:
    """Why `downloads(run)` is empty, in words: the run is not finished, or it or its result was deleted since."""
    try:
        _still_there(run)
    except ExportError as exc:
        return str(exc)
    return no_result_reason(run)


def _check_whole(run: RunDir, folder: Path, what: str) -> None:
    """Refuse to export `folder` when it is not the run's result (the run did not finish), lacks its weights (a save
    cut short) or a file of it is damaged (cut short, overwritten), naming the file and the way on."""
    # As sample, evaluate and Compare take a run's result (run_result): known to have finished.
    check_run_status(folder, ExportError, missing_ok=False)
    missing, damaged = missing_weights(folder), damaged_files(folder)
    if not missing + damaged:
        return
    said = (
        f"The {what} of run '{run.id}' is {'damaged' if damaged else 'incomplete'}: {damage_words(missing + damaged)} "
        f"(in {folder}). It cannot be exported or loaded."
    )
    checkpoint = run.last_checkpoint()
    if what == "adapter" and checkpoint is not None and (checkpoint / "adapter_config.json").is_file():
        said += f" Its last checkpoint holds the adapter as it was at {checkpoint.name}: {checkpoint}."
    else:
        said += " Restore the folder from a copy, or train the run again."
    raise ExportError(said)


def export_model(run: RunDir) -> Path:
    """The full model folder of a full fine-tune."""
    _still_there(run)
    if not (run.model_dir / "config.json").is_file():
        if is_full_run(run):
            raise ExportError(no_result_reason(run))
        raise ExportError(f"Run '{run.id}' has no full model: it trained an adapter (export it, or the merged model).")
    _check_whole(run, run.model_dir, "model")
    describe(run, run.model_dir, "model")
    _readable(run.model_dir)
    return run.model_dir


@contextlib.contextmanager
def _one_build_at_a_time(run: RunDir, wait: bool = True):
    """Held while a run's merged model or a zip is built, or the copies removed: across processes (two CLI
    commands) and threads (two sessions of one server), each opening the lock file on its own. `wait=False` raises
    an ExportError instead of waiting for a build in progress."""
    with open(run.export_lock, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise ExportError(
                f"A download of run '{run.id}' is being prepared now (another tab or a command): try again once it "
                "is ready."
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _merged_partial(run: RunDir) -> Path:
    return run.path / "merged.partial"


def _is_merged_export(folder: Path) -> bool:
    return (folder / "config.json").is_file()


def _whole(folder: Path) -> bool:
    """Whether a merged model built earlier still holds all its weights, none of its files damaged."""
    return not missing_weights(folder) and not damaged_files(folder)


def _current(run: RunDir, folder: Path) -> bool:
    """Whether a merged model built earlier is the one a build now would save: whole, from the same base and adapter,
    in the dtype it is saved in (`saved_dtype`)."""
    dtype = saved_dtype(run)
    return _whole(folder) and not merged_sources.changed(run) and dtype in (None, stored_dtype(folder))


def unknown_base_refusal(run: RunDir) -> str:
    """Why an adapter run cannot be merged when its config.json does not read (the base it names is lost: read as {},
    it would be the default model); "" where it reads or the run holds a whole model (a full fine-tune needs no
    base). Said by `export_merged` and, before torch, by `runs export --merged/--gguf`'s check."""
    if (run.model_dir / "config.json").is_file() or run.read_config():
        return ""
    return (
        f"Run '{run.id}' cannot be merged: its config.json does not read, so the base its adapter goes on is not "
        f"known. Export its adapter (`python -m ftlib runs export {run.id}`) and load it on its base, or restore "
        "config.json from a backup."
    )


def export_merged(run: RunDir, progress: Progress | None = None) -> Path:
    """A full model folder (safetensors + tokenizer) loadable with plain `AutoModelForCausalLM.from_pretrained`.

    Full fine-tuning already produced one; for adapters the base model is loaded in full precision and the adapter
    merged into it once, saved in the dtype the base is stored in (`saved_dtype`) and cached as `merged/` (built
    again when a file of it was damaged or lost since). A QLoRA run's base is the one its adapter trained on and the
    studio samples: its 4-bit weights as the quantization gives them back (`_merge`). Two builds at once take turns:
    the second finds the first one's `merged/` and returns it. ExportError where config.json does not read (the
    base it names is lost). `progress`: told the stages of a build (`export_progress`: loading, merging, saving).
    """
    _still_there(run)
    if (run.model_dir / "config.json").is_file():
        return export_model(run)
    if said := unknown_base_refusal(run):
        raise ExportError(said)
    adapter, tokenizer = _adapter(run)  # the merged model's tokenizer is the adapter's, saved with it
    if said := merge_refusal(run.id, adapter, str(run.read_config().get("model") or "default")):
        raise ExportError(said)  # an adapter of another base than config.json's: PEFT's error was a traceback
    target = run.merged_dir
    if _is_merged_export(target) and _current(run, target):
        write_stops(run, target, tokenizer)  # a merged model built before exports said where a reply ends
        return target
    with _said_if_deleted(run, "its merged model"), _one_build_at_a_time(run):
        _still_there(run)  # deleted while this build waited for the lock
        if _is_merged_export(target):
            if _current(run, target):
                return target  # built by another click, tab or command while this one waited
            # A copy damaged since (cut short, overwritten): handed out, it would not load; or one built from a base
            # or adapter that changed since (merged_sources): it would be another model; or one saved in another
            # dtype (float32, before merged models were saved as their base is stored).
            shutil.rmtree(target)
        _build_merged(run, adapter, target, tokenizer, progress)
    return target


def gguf_refusal(run: RunDir) -> str | None:
    """Why `export_gguf` cannot write `run` (a reward model; a base other than the default model, named or given as
    its folder: with llama.cpp's converter to run on the merged export instead), or None when it can."""
    from ftlib.gguf_export import CONVERTER
    from ftlib.models import DEFAULT_MODEL, default_model_dir

    config = run.read_config()
    if config.get("method") == "reward":
        return (
            f"Run '{run.id}' is a reward model: it scores answers, and GGUF runners (llama.cpp, Ollama) run models "
            "that write them. Export its adapter or model for `AutoModelForSequenceClassification`."
        )
    spec = str(config.get("model") or DEFAULT_MODEL).strip()
    if spec == DEFAULT_MODEL or user_path(spec).resolve() == default_model_dir().resolve():
        return None
    return (
        f"GGUF is written here for runs on the default model; run '{run.id}' tuned {spec}. Export its merged model "
        f"(`python -m ftlib runs export {run.id} --merged`) and convert that folder with {CONVERTER}."
    )


def gguf_dir(run: RunDir, out_type: str) -> Path:
    """Where `export_gguf` puts `run`'s GGUF file of `out_type` and its Ollama Modelfile."""
    return run.path / f"gguf-{out_type}"


def export_gguf(run: RunDir, out_type: str = "q8_0", progress: Progress | None = None) -> Path:
    """A folder holding the run's model as one GGUF file (`ftlib.gguf_export.write_gguf`, weights in `out_type`:
    q8_0, f16 or f32) and an Ollama `Modelfile` stopping where the studio does, for llama.cpp, Ollama and LM Studio.
    Written from the merged export (a full fine-tune's model), for runs on the default model; kept as
    `gguf-<type>/` and written again when what it was written from is newer. ExportError for a reward model or
    another base (`gguf_refusal`: with llama.cpp's converter to run on the merged export instead). `progress`: told
    the stages it does (`export_progress`: the merged model's, then writing the GGUF file)."""
    from ftlib.gguf_export import GGUF_TYPES, GGUFError

    _still_there(run)
    if out_type not in GGUF_TYPES:
        raise GGUFError(f"Unknown GGUF type '{out_type}': choose one of {', '.join(GGUF_TYPES)}.")
    if (reason := gguf_refusal(run)) is not None:
        raise ExportError(reason)
    source = export_merged(run, progress)  # a full fine-tune's model, or the adapter merged into the base
    target = gguf_dir(run, out_type)
    if _gguf_current(target, source):
        return target
    with _said_if_deleted(run, "its GGUF file"), _one_build_at_a_time(run):
        _still_there(run)
        if _gguf_current(target, source):
            return target  # written by another click, tab or command while this one waited
        _write_gguf_folder(run, source, target, out_type, progress)
    return target


def _gguf_current(target: Path, source: Path) -> bool:
    """A GGUF folder written after every file of the folder it was written from."""
    files = list(target.glob("*.gguf")) if target.is_dir() else []
    newest = max((f.stat().st_mtime for f in source.iterdir() if f.is_file()), default=0.0)
    return len(files) == 1 and (target / "Modelfile").is_file() and files[0].stat().st_mtime >= newest


def _write_gguf_folder(run: RunDir, source: Path, target: Path, out_type: str, progress: Progress | None) -> None:
    """Write `target` (through `<target>.partial`, renamed whole): the GGUF file and its Modelfile. Told as
    `WRITING_GGUF` once it is known it can be (a refusal is said alone)."""
    from ftlib.gguf_export import write_gguf
    from ftlib.modelfile import default_system, modelfile_text
    from ftlib.models import _default_gguf_path

    tmp = target.with_name(target.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)  # what a build that died midway left
    needed = sum(f.stat().st_size for f in source.glob("*.safetensors"))  # f32 at most: the source's size or less
    workspace.check_free_space(run.path, needed, "the GGUF file")
    tokenizer = run_tokenizer(run.read_config(), source)  # the run's template where its files are gone
    shown = str(run.read_config().get("name") or run.id)  # the GGUF's own name, as written (UTF-8): `Modèle 海盗`
    name = workspace.safe_name(shown, "model")  # its file's: `Modele.gguf`
    with _stage(progress, WRITING_GGUF), workspace.partial_output(tmp, target):
        tmp.mkdir()
        write_gguf(source, tmp / f"{name}.gguf", out_type, _default_gguf_path(), tokenizer.chat_template, shown)
        stops = [tokenizer.convert_ids_to_tokens(i) for i in write_stops(run, source, tokenizer)]  # the studio's
        (tmp / "Modelfile").write_text(modelfile_text(name, stops, default_system(tokenizer)), "utf-8", newline="\n")
        _readable(tmp, exact=True)
        if target.exists():
            shutil.rmtree(target)  # written from an older merged model
        tmp.rename(target)


@contextlib.contextmanager
def _said_if_deleted(run: RunDir, what: str):
    """Around a build: a run folder removed midway (`rm -r`, a script; `runs delete` refuses during a build) made
    the build fail on a missing file, in words only an engineer reads. Said as what happened instead."""
    try:
        yield
    except Exception as exc:
        if isinstance(exc, ExportError) or run.exists():
            raise
        raise ExportError(
            f"Run '{run.id}' was deleted while {what} was being built (from another tab or the command line): "
            "nothing of it is left to download."
        ) from exc


def _build_merged(run: RunDir, adapter: Path, target: Path, tokenizer=None, progress: Progress | None = None) -> None:
    """Merge, save (through `merged.partial`, with the adapter's `tokenizer`) and rename into `merged/`; lock held."""
    _clear_the_way(target)
    tmp = _merged_partial(run)
    shutil.rmtree(tmp, ignore_errors=True)  # what a build that died midway left (builds take turns: not ours)
    sources = merged_sources.current(run)  # before the merge reads them: a change during it is caught next time
    merged = _merge(run, adapter, progress=progress)  # loading, then merging
    if (dtype := saved_dtype(run)) is not None:
        from ftlib.models import pick_dtype

        merged = merged.to(pick_dtype("cpu", dtype))  # merged in float32 under `auto`; saved as its base is stored
    needed = sum(p.numel() * p.element_size() for p in merged.state_dict().values())
    workspace.check_free_space(run.path, needed, "the merged model")
    tokenizer = saved_tokenizer(adapter, must=True) if tokenizer is None else tokenizer  # the adapter's, at its end
    with _stage(progress, SAVING), workspace.partial_output(tmp, target):  # a failed save leaves no half model
        merged.save_pretrained(str(tmp), safe_serialization=True)
        tokenizer.save_pretrained(str(tmp))
        write_stops(run, tmp, tokenizer)
        write_card(run, tmp, "merged")
        _readable(tmp, exact=True)
        try:
            tmp.rename(target)
        except OSError:
            if target.exists():  # put there while this build ran
                _clear_the_way(target)
            raise
    # A base first converted by this very merge (the default model) had no files to stamp before it.
    merged_sources.record(run, sources if sources is not None else merged_sources.current(run))


def saved_dtype(run: RunDir) -> str | None:
    """The dtype `run`'s merged model is saved in: the run's *Weights dtype* where the user chose one (its base was
    loaded and merged in it), else the dtype its base's config.json says its weights are stored in
    (`model_files.stored_dtype`). Under `auto` a CPU merges in float32: a bfloat16 base's merged model was saved at
    twice the base's size. None (the base names none): as merged."""
    from ftlib.models import resolve_model

    config = run.read_config()
    if config.get("dtype") not in (None, "", "auto"):
        return str(config["dtype"])
    try:
        return stored_dtype(resolve_model(str(config.get("model") or "default"), fetch=False))
    except UserError:
        return None


def _merge(run: RunDir, adapter: Path, progress: Progress | None = None):
    """The base model with the run's adapter merged in, in full precision: the model the studio samples and evaluates
    (`ftlib.run_base`). A QLoRA run's base is loaded in 4-bit with the run's settings, quantized from the dtype the
    run loaded it in (`run_base.run_config_of`), as it trained, and given back in full precision (transformers'
    `dequantize`, exact in float32): its weights are then dequant(quant(W)), the ones the adapter learned to
    correct, and the adapter is merged into those, W' = dequant(quant(W)) + scale * B @ A. Merged into the
    unquantized W instead it is another model (its first greedy token differed on a tiny run)."""
    with _stage(progress, LOADING):  # PEFT's import too: 10 s or more where the server has not loaded it yet
        from peft import PeftModel

        from ftlib.run_base import load_run_base, quantization_key, run_config_of

        config = run_config_of(run.path)  # a QLoRA base's dtype as the run recorded it, as sampling reads it too
        dtype = None if config.get("dtype", "auto") == "auto" else config["dtype"]
        base = load_run_base(
            config.get("model", "default"),
            config,
            device="cpu",
            dtype=dtype,
            score=config.get("method") == "reward",  # a reward model: the base with a score head its adapter trained
        )
        if quantization_key(config) is not None:
            import logging

            import torch

            said = logging.getLogger("transformers.integrations.bitsandbytes")  # "dequantized in float32": on stderr
            level = said.level
            said.setLevel(logging.ERROR)
            try:
                base = base.dequantize().to(torch.float32)  # no rounding: every 4-bit value is exact in float32
            finally:
                said.setLevel(level)
    try:
        with _stage(progress, MERGING):
            return PeftModel.from_pretrained(base, str(adapter)).merge_and_unload()
    except Exception as exc:  # damage the cheap check cannot see (safetensors' own error names no file)
        if type(exc).__name__ != "SafetensorError":
            raise
        raise ExportError(
            f"The adapter of run '{run.id}' cannot be read ({exc}; in {adapter}): it is damaged. Restore the folder "
            "from a copy, or train the run again."
        ) from exc


def write_stops(run: RunDir, folder: Path, tokenizer=None) -> list[int]:
    """`ftlib.stops.write_for_run` for the run's adapter, merged or full model folder: `generate` on it stops where
    the studio does. `tokenizer`: the folder's own, where the caller has it loaded (else loaded again)."""
    try:
        return write_for_run(run.read_config(), folder, tokenizer)
    except Exception:
        _still_there(run)  # the run deleted meanwhile (its folder gone while its tokenizer loaded): said so
        raise


def describe(run: RunDir, folder: Path, kind: str, tokenizer=None) -> None:
    """Write the stops (`write_stops`) and the model card (`model_card.write_card`) of `run`'s `kind` export into
    `folder`; nothing where this account may only read it (a teammate's run on a shared server, a read-only disk:
    `copy_export` describes the copy instead), nor where the run's config.json cannot be read (it names the base:
    read as empty, the card and adapter_config.json would name the default model instead, for good: a review)."""
    if not run.read_config():
        return
    try:
        write_stops(run, folder, tokenizer)
        write_card(run, folder, kind)
    except OSError as exc:
        if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise


def _clear_the_way(target: Path) -> None:
    """`merged/` is where the merged model goes: an empty folder there is removed; anything else is refused by name
    (a folder that is not an earlier export, without a `config.json`: someone's own files)."""
    if not target.exists() and not target.is_symlink():
        return
    if target.is_dir() and not target.is_symlink():
        inside = sorted(p.name for p in target.iterdir())
        if not inside:
            target.rmdir()
            return
        held = ", ".join(inside[:5]) + (f" and {len(inside) - 5} more" if len(inside) > 5 else "")
        what = f"a folder that is not an earlier export (it holds {held}, no config.json)"
    else:
        what = "a file, not an earlier export"
    raise ExportError(
        f"{target} is in the way of the merged model: {what}. Move it elsewhere or delete it "
        f"(`rm -r {shlex.quote(str(target))}`), then export again."
    )


def exported_copies(run: RunDir) -> list[Path]:
    """What downloads left in a run's folder and would build again: an adapter run's merged model (`merged/`, when
    it is one), a merged model a build that died midway left (`merged.partial/`), GGUF files (`gguf-*/`) and the
    zips (`exports/`). A full fine-tune's `model/` is its result, never one of them."""
    merged = [run.merged_dir] if _is_merged_export(run.merged_dir) else []
    gguf = sorted(run.path.glob("gguf-*"))  # GGUF files (and one a build that died midway left)
    return [p for p in (*merged, _merged_partial(run), *gguf, run.exports_dir) if p.is_dir() and not p.is_symlink()]


def exported_bytes(run: RunDir) -> int:
    """Bytes the exported copies take (see `exported_copies`): a merged 135M model in fp32 is ~540 MB, its zip as
    much again. Counted while a Remove or a download may change them (`disk_use.tree_bytes`)."""
    return tree_bytes(*exported_copies(run))


def remove_exported(run: RunDir, wait: bool = False) -> int:
    """Remove a run's exported copies (`exported_copies`), its adapter or model untouched; returns the bytes freed.
    A download builds them again. Refused (ExportError) while a download of the run is being built, unless `wait`:
    the worker removes them, once that build is done, before it writes a new result they would no longer match."""
    if not run.path.is_dir():
        return 0  # deleted meanwhile: nothing left to remove
    with _one_build_at_a_time(run, wait=wait):
        freed = exported_bytes(run)
        for path in exported_copies(run):
            shutil.rmtree(path)
        merged_sources.record(run, None)
    return freed


def zip_folder(folder: Path, progress: Progress | None = None) -> Path:
    """A zip of `folder` in its run's `exports/` (rebuilt when the folder is newer), for downloads. Its entries are
    readable as the process's umask allows, whatever the files' own modes. `progress`: told `ZIPPING` with the
    fraction of the folder's bytes written, if it zips."""
    folder = Path(folder)
    run = RunDir(folder.parent)
    archive = run.exports_dir / f"{run.id}-{folder.name}.zip"
    if _zip_is_current(archive, folder):
        return archive
    with _said_if_deleted(run, f"the zip of its {folder.name}"), _one_build_at_a_time(run):
        _still_there(run)  # deleted while this build waited for the lock
        if _zip_is_current(archive, folder):
            return archive  # zipped by another click, tab or command while this one waited
        archive.parent.mkdir(exist_ok=True)
        for leftover in archive.parent.glob("*.partial.zip"):  # builds take turns: a dead build's, not ours
            leftover.unlink(missing_ok=True)
        # Safetensors hardly compress: the zip is about the folder's size.
        size = tree_bytes(folder)
        workspace.check_free_space(archive.parent, size, f"the zip of {folder.name}")
        partial = archive.with_name(archive.stem + ".partial.zip")
        with workspace.partial_output(partial, archive):
            _write_zip(folder, partial, progress)
            os.replace(partial, archive)
    return archive


def copy_export(
    folder: Path, target: Path, zip_too: bool = False, run: RunDir | None = None, progress: Progress | None = None
) -> list[Path]:
    """A copy of the export `folder` at `target` (`runs export --out`), its parents made as needed; with `zip_too`
    also `<target>.zip`; given the `run`, the copy has its card and stops (`describe`) even where the run's own
    folder may not be written. Returns the paths written. Both are built under `.partial` names renamed into place,
    after a free-space check, and their files get the modes the umask gives new files, as every export's do.
    `progress`: told the zip's `ZIPPING`, as `zip_folder` tells it.

    Refused (ExportError) before anything is written when `target` (or its zip) is in the way: an existing file, a
    folder that is not empty, a place inside `folder` itself, or another export writing it now (`out_held`)."""
    folder, target = Path(folder).resolve(), user_path(target).resolve()
    archive = target.with_name(target.name + ".zip")
    if target == folder or folder in target.parents:
        raise ExportError(f"--out {target} is inside the export it would copy ({folder}): name a folder elsewhere.")
    check_out(target, zip_too)  # as `runs export` checked it before building the export
    size = tree_bytes(folder)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"--out: cannot make {target.parent} ({exc.strerror}). Name another folder.") from None
    advice = "Free space there or name another --out folder; nothing was written."  # a zip is about the folder's size
    workspace.check_free_space(target.parent, size * (2 if zip_too else 1), f"a copy of {folder.name}", advice)
    with out_held(target):
        partial = target.with_name(f".{target.name}.partial")
        shutil.rmtree(partial, ignore_errors=True)  # what a copy that died midway left (copies to --out take turns)
        with workspace.partial_output(partial, target):
            # copyfile, not copy2: safetensors' own 0600 would keep the copy from the rest of a team, as in zips.
            shutil.copytree(folder, partial, copy_function=shutil.copyfile)
            if run is not None and not folder.name.startswith("gguf-"):  # a GGUF file carries its own metadata
                describe(run, partial, folder.name)  # the run's "adapter", "model" or "merged" folder
            os.replace(partial, target)  # onto the empty folder `out_held` holds: rename(2) replaces an empty one
        written = [target]
        if zip_too:
            partial_zip = archive.with_name(f".{archive.name}.partial")
            with workspace.partial_output(partial_zip, archive):
                _write_zip(target, partial_zip, progress)
                os.replace(partial_zip, archive)
            written.append(archive)
    return written


# zlib's level for export zips: 1, the fastest (weights gain little from the slower levels).
ZIP_LEVEL = 1


def _zip_is_current(archive: Path, folder: Path) -> bool:
    newest = max((p.stat().st_mtime for p in folder.rglob("*") if p.is_file()), default=0)
    return archive.is_file() and archive.stat().st_mtime >= newest


def _write_zip(folder: Path, target: Path, progress: Progress | None = None) -> None:
    """`folder`'s files and subfolders at the zip's top level, as `shutil.make_archive` lays them out, with the
    modes the umask gives a new file (safetensors' 0600 would unzip unreadable to the rest of a team); `progress`
    told `ZIPPING` and the fraction of the files' bytes written, each MiB."""
    mask, total, done = workspace.umask(), tree_bytes(folder), 0
    with _stage(progress, ZIPPING), zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            name = path.relative_to(folder).as_posix()
            if path.is_dir():
                info = zipfile.ZipInfo.from_file(path, name)
                info.external_attr = (stat.S_IFDIR | (0o777 & ~mask)) << 16 | 0x10  # 0x10: MS-DOS directory
                archive.writestr(info, b"")
            elif path.is_file():
                info = zipfile.ZipInfo.from_file(path, name)
                info.external_attr = (stat.S_IFREG | (0o666 & ~mask)) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                # zlib's fastest level: a merged 135M model's weights zip in 24 s instead of 39 s at the default 6,
                # 454 vs 449 MiB (BENCHMARKS, "Export zips"). `_compresslevel` is how a ZipInfo carries its level
                # through `open(info, "w")` on 3.11-3.12 (3.13 names it `compress_level` and keeps this alias).
                info._compresslevel = ZIP_LEVEL
                with open(path, "rb") as source, archive.open(info, "w") as sink:
                    while chunk := source.read(2**20):  # shutil.copyfileobj's loop, told as it goes
                        sink.write(chunk)
                        done += len(chunk)
                        if progress is not None and total:
                            progress(ZIPPING, min(done / total, 1.0))


__all__ = [
    "ExportError",
    "export_adapter",
    "export_merged",
    "export_model",
    "exported_bytes",
    "exported_copies",
    "nothing_to_download",
    "remove_exported",
    "saved_dtype",
    "write_stops",
    "describe",
    "zip_folder",
]
