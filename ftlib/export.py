"""What a finished run can be downloaded as: its adapter, the adapter merged into the base, or its full model.

    for item in downloads(run):                       # what the Train page offers, in order
        item.label, item.caption, item.build()        # build() returns the folder to zip (merging if needed)
    zip_folder(export_merged(run))                     # the same from code

Every export is safetensors plus the tokenizer, whose `chat_template` is the template the run trained with
(a custom template included), so a model loaded elsewhere formats chats exactly as training did. Builds go
through `.partial` names renamed into place, after a free-space check: a full disk leaves no half file.

Not known here: the queue (runs.py), training (training.py).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ftlib import workspace
from ftlib.errors import UserError
from ftlib.rundir import RunDir


class ExportError(UserError):
    """A run has nothing of that kind to export (yet); the message says what it has."""


def _still_there(run: RunDir) -> None:
    """A download clicked on a page drawn before the run was deleted elsewhere: say so, not "it has no adapter"."""
    if not run.exists():
        raise ExportError(
            f"Run '{run.id}' was deleted, perhaps from another tab or the command line: nothing of it is left to "
            "download."
        )


def export_adapter(run: RunDir) -> Path:
    """The run's LoRA adapter folder (PEFT format, safetensors), loadable with `PeftModel.from_pretrained`."""
    _still_there(run)
    if not (run.adapter_dir / "adapter_config.json").is_file():
        if (run.model_dir / "config.json").is_file():
            raise ExportError(f"Run '{run.id}' fine-tuned every weight, so it has no adapter: export the full model.")
        raise ExportError(_no_adapter_yet(run))
    return run.adapter_dir


def _no_adapter_yet(run: RunDir) -> str:
    """Why a run has no adapter to export yet, and the way on: resume it, or take its last checkpoint's adapter."""
    status = run.read_status()
    state, step = status.get("state"), status.get("step")
    said = f"Run '{run.id}' has no adapter yet: it is {state}" + (f" at step {step}" if step else "") + "."
    if state in ("running", "queued", "stopping"):
        return said + " The adapter is written when it finishes."
    checkpoint = run.last_checkpoint()
    if state in ("interrupted", "failed") and checkpoint is not None:
        said += (
            f" Resume it to finish (Resume on the Train page, or `python -m ftlib runs resume {run.id}`); its last "
            f"checkpoint holds the adapter as it was at {checkpoint.name}: {checkpoint}"
        )
        if (checkpoint / "adapter_config.json").is_file():
            said += " (loadable with PeftModel.from_pretrained)."
        else:
            said += "."
    return said


def export_model(run: RunDir) -> Path:
    """The full model folder of a full fine-tune."""
    _still_there(run)
    if not (run.model_dir / "config.json").is_file():
        raise ExportError(f"Run '{run.id}' has no full model: it trained an adapter (export it, or the merged model).")
    return run.model_dir


def export_merged(run: RunDir) -> Path:
    """A full model folder (safetensors + tokenizer) loadable with plain `AutoModelForCausalLM.from_pretrained`.

    Full fine-tuning already produced one; for adapters the base model is loaded in its full precision (also for
    QLoRA) and the adapter is merged into it once, cached as `merged/`.
    """
    _still_there(run)
    if (run.model_dir / "config.json").is_file():
        return run.model_dir
    adapter = export_adapter(run)
    target = run.merged_dir
    if (target / "config.json").is_file():
        return target
    from peft import PeftModel
    from transformers import AutoTokenizer

    from ftlib.models import load_model

    config = run.read_config()
    base = load_model(
        config.get("model", "default"),
        device="cpu",
        dtype=None if config.get("dtype", "auto") == "auto" else config["dtype"],
        score=config.get("method") == "reward",  # a reward model: the base with a score head, its adapter trained it
    )
    merged = PeftModel.from_pretrained(base, str(adapter)).merge_and_unload()
    needed = sum(p.numel() * p.element_size() for p in merged.state_dict().values())
    workspace.check_free_space(run.path, needed, "the merged model")
    tmp = run.path / "merged.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    with workspace.partial_output(tmp, target):  # a failed save leaves no half model behind
        merged.save_pretrained(str(tmp), safe_serialization=True)
        AutoTokenizer.from_pretrained(str(adapter)).save_pretrained(str(tmp))  # saved with the adapter at the end
    tmp.rename(target)
    return target


def exported_copies(run: RunDir) -> list[Path]:
    """What downloads left in a run's folder and would build again: an adapter run's merged model (`merged/`) and
    the zips (`exports/`). A full fine-tune's `model/` is its result, never one of them."""
    return [p for p in (run.merged_dir, run.exports_dir) if p.is_dir()]


def exported_bytes(run: RunDir) -> int:
    """Bytes the exported copies take (see `exported_copies`): a merged 135M model in fp32 is ~540 MB, its zip as
    much again."""
    return sum(f.stat().st_size for p in exported_copies(run) for f in p.rglob("*") if f.is_file())


def remove_exported(run: RunDir) -> int:
    """Remove a run's exported copies (`exported_copies`), its adapter or model untouched; returns the bytes freed.
    A download builds them again."""
    freed = exported_bytes(run)
    for path in exported_copies(run):
        shutil.rmtree(path)
    return freed


def zip_folder(folder: Path) -> Path:
    """A zip of `folder` in its run's `exports/` (rebuilt when the folder is newer), for downloads."""
    folder = Path(folder)
    archive = folder.parent / "exports" / f"{folder.parent.name}-{folder.name}.zip"
    newest = max((p.stat().st_mtime for p in folder.rglob("*") if p.is_file()), default=0)
    if archive.is_file() and archive.stat().st_mtime >= newest:
        return archive
    archive.parent.mkdir(exist_ok=True)
    # Safetensors hardly compress: the zip is about the folder's size.
    workspace.check_free_space(
        archive.parent, sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()), f"the zip of {folder.name}"
    )
    partial = str(archive.with_suffix("")) + ".partial"
    with workspace.partial_output(Path(partial + ".zip"), archive):
        base = shutil.make_archive(partial, "zip", root_dir=folder)
    os.replace(base, archive)
    return archive


@dataclass(frozen=True)
class Download:
    """One thing a finished run offers for download. `build()` returns the folder to zip (it may take a while)."""

    kind: str  # "adapter" | "merged" | "model"
    label: str
    caption: str
    build: Callable[[], Path]

    def file_name(self, run: RunDir) -> str:
        return f"{run.id}-{self.kind}.zip"


def downloads(run: RunDir) -> list[Download]:
    """What a finished run can be downloaded as (empty before it finishes), in the order to offer them."""
    if run.read_config().get("method") == "reward":
        return _reward_downloads(run)
    if (run.adapter_dir / "adapter_config.json").is_file():
        return [
            Download(
                "adapter",
                "Download the adapter (PEFT, .zip)",
                "Small: load it on top of the base model with `PeftModel.from_pretrained(base, folder)`.",
                lambda: export_adapter(run),
            ),
            Download(
                "merged",
                "Download the merged model (.zip)",
                "The adapter merged into the base: a plain model for `AutoModelForCausalLM.from_pretrained`. "
                "Preparing it takes a moment.",
                lambda: export_merged(run),
            ),
        ]
    if (run.model_dir / "config.json").is_file():
        return [
            Download(
                "model",
                "Download the model (.zip)",
                "A full model folder (safetensors) for `AutoModelForCausalLM.from_pretrained`.",
                lambda: export_model(run),
            )
        ]
    return []


def _reward_downloads(run: RunDir) -> list[Download]:
    """A reward model's downloads: what loads it is AutoModelForSequenceClassification (num_labels=1)."""
    if (run.adapter_dir / "adapter_config.json").is_file():
        return [
            Download(
                "adapter",
                "Download the reward model's adapter and score head (PEFT, .zip)",
                "Load the base with `AutoModelForSequenceClassification.from_pretrained(base, num_labels=1)`, then "
                "`PeftModel.from_pretrained(that, folder)`; `.logits[:, 0]` is the score.",
                lambda: export_adapter(run),
            ),
            Download(
                "merged",
                "Download the merged reward model (.zip)",
                "The adapter merged into the base, score head included: a plain "
                "`AutoModelForSequenceClassification.from_pretrained(folder)`.",
                lambda: export_merged(run),
            ),
        ]
    if (run.model_dir / "config.json").is_file():
        return [
            Download(
                "model",
                "Download the reward model (.zip)",
                "A full model folder with its score head, for `AutoModelForSequenceClassification.from_pretrained`.",
                lambda: export_model(run),
            )
        ]
    return []


__all__ = [
    "Download",
    "ExportError",
    "downloads",
    "export_adapter",
    "export_merged",
    "export_model",
    "exported_bytes",
    "exported_copies",
    "remove_exported",
    "zip_folder",
]
