"""The models a comparison runs: a base model with tuned LoRA adapters in it, full fine-tunes beside it.

`load_model_set(base, [run, ...])` loads the base once and every run's adapter into it under the run's name
(PEFT mixed-adapter batches run base and adapters in one batch); a full fine-tune is a whole model of its own.
Finding what a run left (`find_tuned`: its adapter, else its full model) and listing the workspace's finished
runs (`list_run_adapters`) live here too. Adapters are read from safetensors only.

Decoding over a set (`generate_with_set`; `GenerationJob`, the same in a background thread for the pages) routes
each row to the model that runs it and calls `ftlib.sampling`'s batched loop once per model. A run's files are
`ftlib.rundir`'s (this only reads them). Nothing here knows about Streamlit.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ftlib.decoding import DEFAULT_NEW_TOKENS
from ftlib.jobs import BackgroundJob
from ftlib.lease import ForwardLock

# A prompt as each model of a set reads it: in ftlib.model_prompts, part of this module's API as it always was.
from ftlib.model_prompts import ModelPrompt, render_prompts  # noqa: F401
from ftlib.run_files import json_object
from ftlib.run_result import check_run_status
from ftlib.rundir import RunDir, run_folder_of, run_folders
from ftlib.sampling import BASE, GenRow, RowResult, SamplingError, TokenInfo, generate, generate_stream, trained_stops
from ftlib.user_paths import user_path


def find_adapter(run_or_dir: str | Path) -> Path:
    """The adapter directory for a run: the dir itself if it has `adapter_config.json`, else `adapter/` or
    `final/` inside it, else the single child directory one level down that holds one. Its weights must be
    safetensors: PEFT would read a pickled `adapter_model.bin`, and unpickling can run code."""
    path = user_path(run_or_dir)
    if not path.is_dir():
        raise SamplingError(f"'{path}' is not a directory. Point to a finished run or to an adapter folder.")
    return _safetensors_only(_adapter_dir(path))


def _adapter_dir(path: Path) -> Path:
    if (path / "adapter_config.json").is_file():
        return path
    for name in ("adapter", "final", "final_adapter"):
        if (path / name / "adapter_config.json").is_file():
            return path / name
    found = sorted(p.parent for p in path.glob("*/adapter_config.json") if not p.parent.name.startswith("checkpoint"))
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise SamplingError(f"'{path}' holds several adapters ({', '.join(p.name for p in found)}); point to one.")
    raise SamplingError(
        f"No adapter in '{path}': expected adapter_config.json there or in adapter/ or final/. "
        "Is the run finished? A run saves its adapter only at the end."
    )


def _safetensors_only(adapter: Path) -> Path:
    if not (adapter / "adapter_model.safetensors").is_file():
        pickled = (adapter / "adapter_model.bin").is_file()
        raise SamplingError(
            f"The adapter in '{adapter}' has "
            + ("only pickled weights (adapter_model.bin). " if pickled else "no adapter_model.safetensors. ")
            + "This studio loads safetensors only, because unpickling a file can run code: convert it with "
            "`PeftModel.from_pretrained(...).save_pretrained(folder, safe_serialization=True)` somewhere you trust."
        )
    return adapter


def find_full_model(run_or_dir: str | Path) -> Path | None:
    """The model folder of a full fine-tune: the dir itself, or `model/` inside a run; None when there is none."""
    path = user_path(run_or_dir)
    for folder in (path, path / "model"):
        is_model = (folder / "config.json").is_file() and not (folder / "adapter_config.json").is_file()
        if is_model and any(folder.glob("*.safetensors")):
            return folder
    return None


def find_tuned(run_or_dir: str | Path) -> tuple[Path, bool]:
    """What a finished run (or a folder) holds to compare with its base: (folder, is_full_model). An adapter when
    there is one (see `find_adapter`), else the full model a full fine-tune saved. SamplingError when it holds
    neither, or when it is a run that did not finish (its state and the way on: `ftlib.run_result`)."""
    try:
        return find_adapter(run_or_dir), False
    except SamplingError as exc:
        full = find_full_model(run_or_dir)
        if full is None:
            check_run_status(run_or_dir, SamplingError)  # a run not finished: its state and the way on
            raise SamplingError(
                f"{exc} Nor is there a full fine-tuned model (model/config.json with safetensors weights)."
            ) from exc
        return full, True


@dataclass(frozen=True)
class RunAdapter:
    """A finished run's adapter (or, for a full fine-tune, its model), with the base and template it trained with."""

    name: str  # the run's folder name
    path: Path  # the adapter directory, or the model directory when `full`
    model: str  # base model spec from the run's config.json ("" when unknown)
    template: str = "tokenizer"
    full: bool = False  # a full fine-tune: a whole model of its own, loaded beside the base
    template_source: str = ""  # the Jinja text when the run trained with a custom template

    def chat_template(self, tokenizer):
        """The ftlib ChatTemplate this run trained with (its custom source included)."""
        from ftlib.templates import get_template

        return get_template(self.template, tokenizer=tokenizer, source=self.template_source or None)


def list_run_adapters(root: Path | None = None, reward_models: bool = False) -> list[RunAdapter]:
    """Every run under the workspace's runs/ (or `root`) that finished with an adapter or a full model, newest first;
    reward-model runs only with `reward_models` (they score answers, they write none: the Evaluate page scores
    held-out pairs with them, `ftlib.reward_eval`). Reads the run folders directly: `ftlib.runs.list_runs` would also
    advance the queue."""
    out = []
    for run in sorted(run_folders(root), key=lambda run: run.path.stat().st_mtime, reverse=True):
        path = run.path
        # Not a run going (its adapter may be half written), nor one whose status.json or config.json does not read.
        if run.read_status().get("state") != "finished" or not (config := run.read_config()):
            continue
        if config.get("method") == "reward" and not reward_models:
            continue  # a reward model scores answers, it does not write them (see ftlib.rewards)
        try:
            tuned, full = find_tuned(path)
        except SamplingError:
            continue
        template, source = str(config.get("template") or "tokenizer"), str(config.get("template_source") or "")
        out.append(RunAdapter(run.id, tuned, str(config.get("model") or ""), template, full, source))
    return out


def adapter_name_for(path: Path, taken: set[str]) -> str:
    """A short unique adapter name from a run or adapter path (the run's folder name)."""
    base = run_folder_of(path).name
    base = "".join(c if c.isalnum() or c in "-_" else "_" for c in base) or "tuned"
    if base == BASE:
        base = "tuned"
    name, i = base, 2
    while name in taken:
        name, i = f"{base}_{i}", i + 1
    return name


def is_reward_model(folder: Path) -> bool:
    """Whether a tuned folder (an adapter or a full model) is a reward model's: a score head, not an LM head."""
    for name, key in (("adapter_config.json", "task_type"), ("config.json", "architectures")):
        value = json_object(folder / name)[0].get(key)  # {} for a file that is missing or does not read
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and (v == "SEQ_CLS" or v.endswith("ForSequenceClassification")) for v in values):
            return True
    return False


def adapter_misfits(model_spec: str, adapter: Path) -> list[str]:
    """The LoRA weights of `adapter` whose shapes do not fit the base `model_spec`, each as "size mismatch for
    MODULE.lora_A: [16, 64] in the adapter, [16, 576] in this base"; [] when all fit or it cannot be told.

    Read from the files' headers and the base built on the meta device (no weights), so a misfit is refused before
    anything is loaded. A LoRA A is [r, in_features] and a B [out_features, r] of the layer it adapts; layers without
    in/out features (embeddings, GPT-2's Conv1D) are left to PEFT's own check when the adapter loads.
    """
    import re

    try:
        from safetensors import safe_open

        from ftlib.models import model_layers, resolve_model

        layers = model_layers(resolve_model(model_spec))
        features = {
            name: (layer.in_features, layer.out_features)
            for name, layer in layers.items()
            if isinstance(layer.in_features, int) and isinstance(layer.out_features, int)
        }
        misfits = []
        with safe_open(str(adapter / "adapter_model.safetensors"), "pt") as weights:
            for key in weights.keys():
                found = re.fullmatch(r"base_model\.model\.(.+)\.lora_([AB])\.weight", key)
                if not found or found[1] not in features:
                    continue
                in_features, out_features = features[found[1]]
                shape = list(weights.get_slice(key).get_shape())
                fits = [shape[0], in_features] if found[2] == "A" else [out_features, shape[1]]
                if shape != fits:
                    misfits.append(
                        f"size mismatch for {found[1]}.lora_{found[2]}: {shape} in the adapter, {fits} in this base"
                    )
        return misfits
    except Exception:  # a pre-check only: what it cannot read, loading the adapter checks (and `attach_adapters` says)
        return []


def check_tuned(model_spec: str, tuned: dict[str, tuple[Path, bool]]) -> None:
    """Refuse, before loading anything, a tuned model that cannot run in a comparison on `model_spec`: what its files
    tell (`check_tuned_files`), then an adapter whose weights do not fit this base (`adapter_misfits`). `tuned`: name
    -> (folder, is_full_model), as `find_tuned` finds them. SamplingError naming the fix."""
    check_tuned_files(tuned)
    check_fits(model_spec, {name: path for name, (path, full) in tuned.items() if not full})


def check_tuned_files(tuned: dict[str, tuple[Path, bool]]) -> None:
    """Refuse what a tuned model's files tell, without torch: one of a run that did not finish or whose status.json
    does not read (`check_run_status`), a damaged or missing weights file, a reward model (it scores answers, it does
    not write them). `tuned` as `check_tuned`'s. SamplingError naming the fix."""
    from ftlib.adapter_shapes import unmixed_adapter
    from ftlib.integrity import damage_words, damaged_files, missing_weights

    for name, (path, full) in tuned.items():
        check_run_status(path, SamplingError)
        if damaged := damaged_files(path) + missing_weights(path):  # safetensors' own errors name no file
            run = RunDir(run_folder_of(path))  # a finished run's, with a checkpoint where its training ended
            again = run.exists() and (info := run.summary()).state == "finished" and info.resumable
            how = f"resume the run to write it again where its training ended (`python -m ftlib runs resume {run.id}`)"
            raise SamplingError(
                f"The {'model' if full else 'adapter'} of '{name}' ({path}) is damaged: {damage_words(damaged)}. It "
                f"cannot be loaded; {how if again else 'put back a whole copy of it, or train the run again'}."
            )
        if not full and (said := unmixed_adapter(path, name)):  # an MoE's experts adapted whole
            raise SamplingError(said)
        if is_reward_model(path):
            raise SamplingError(
                f"'{name}' ({path}) is a reward model: it scores answers, it does not write them. Score answers with "
                f"`python -m ftlib score RUN`, or measure it on held-out pairs with `python -m ftlib evaluate RUN`."
            )


def check_fits(model_spec: str, adapters: dict[str, Path]) -> None:
    """Refuse an adapter (name -> folder) whose weights do not fit the base `model_spec` (`adapter_misfits`: the base
    built on the meta device, so torch is imported; then `adapter_shapes.config_misfits`, which also finds layers the
    base does not have), in `adapter_shapes.misfit_words`. SamplingError naming the fix."""
    from ftlib.adapter_shapes import base_folder, config_misfits, misfit_words

    folder = base_folder(model_spec) if adapters else None  # where known without converting or downloading it
    for name, path in adapters.items():
        if misfits := adapter_misfits(model_spec, path) or (config_misfits(folder, path) if folder else []):
            raise SamplingError(misfit_words(name, path, model_spec, misfits))


def attach_adapters(model, adapters: dict[str, str | Path]):
    """Wrap `model` in a PeftModel holding every adapter under its name. This mutates `model` (PEFT injects
    LoRA layers into it): never pass a shared/cached model, load a fresh one."""
    if not adapters:
        return model
    from peft import PeftModel

    wrapped = None
    for name, path in adapters.items():
        path = find_adapter(path)
        try:
            if wrapped is None:
                wrapped = PeftModel.from_pretrained(model, str(path), adapter_name=name, is_trainable=False)
            else:
                wrapped.load_adapter(str(path), adapter_name=name, is_trainable=False)
        except (ValueError, RuntimeError, KeyError, OSError) as exc:
            raise SamplingError(
                f"Could not load the adapter '{name}' from {path}: {exc}. Was it trained on this base model?"
            ) from exc
    return wrapped.eval()


@dataclass
class ModelSet:
    """A base model with its adapters loaded, full fine-tunes beside it, the tokenizer, and a lock for forwards
    (taking it is a safe point of the calling thread's device lease, see `ftlib.lease.ForwardLock`).

    Adapters share the base's weights and run in its batches (PEFT mixed-adapter batches); a full fine-tune is a
    whole model of its own, so its rows run in batches of their own (`route`, `by_model`)."""

    model: object
    tokenizer: object
    adapters: dict[str, Path]
    lock: ForwardLock = field(default_factory=ForwardLock)  # also a safe point of the device lease (ftlib.lease)
    full_models: dict[str, object] = field(default_factory=dict)
    # The chat template each tuned model trained with, as (name, custom Jinja text or ""), read from its run's
    # config.json; a folder from outside a run has none (it is prompted like the base).
    templates: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Adapters on a base of their own, loaded otherwise than `model` (a QLoRA run's 4-bit base beside a LoRA run's
    # full-precision one): name -> that base with the adapter in it (`ftlib.run_base`).
    apart: dict[str, object] = field(default_factory=dict)
    # The tuned models' names in the order they were given (adapters and full fine-tunes mixed), for `names`.
    given: list[str] = field(default_factory=list)
    # An adapter's name inside its model where the set's name is not it (a base shared by sets: ftlib.shared_base),
    # and what keeps such shared models loaded while the set is in use.
    selected: dict[str, str] = field(default_factory=dict)
    holds: list = field(default_factory=list, repr=False)

    @property
    def device(self) -> str:
        """Where the models are (`cpu`, `cuda:0`, ...): the device lease their work takes."""
        return str(next(self.model.parameters()).device)

    @property
    def names(self) -> list[str]:
        """ "base", then the tuned models as given (adapters, then full fine-tunes, for a set built by hand)."""
        return ["base", *(self.given or [*self.adapters, *self.full_models])]

    @property
    def tuned(self) -> list[str]:
        """The fine-tuned models' names, in the order they were given."""
        return self.names[1:]

    def route(self, name: str | None) -> tuple[object, str | None]:
        """The model that runs `name` (None or "base" = base) and the adapter to select in it (None = none)."""
        if name in self.full_models:
            return self.full_models[name], None
        if name in self.apart:
            return self.apart[name], self.selected.get(name, name)
        return self.model, None if name in (None, "base", BASE) else self.selected.get(name, name)

    def by_model(self, names: Sequence[str | None]) -> list[tuple[object, list[int], list[str | None]]]:
        """Positions in `names` grouped by the model that runs them: (model, indices into `names`, the adapter to
        select in that model for each). Base and adapters share one group; each full fine-tune has its own."""
        groups: dict[int, tuple[object, list[int], list[str | None]]] = {}
        for i, name in enumerate(names):
            model, adapter = self.route(name)
            group = groups.setdefault(id(model), (model, [], []))
            group[1].append(i)
            group[2].append(adapter)
        return list(groups.values())


def find_tuned_set(tuned_paths: Sequence[str | Path]) -> tuple[dict[str, Path], dict[str, Path], list[str]]:
    """(adapters {name: folder}, full fine-tunes {name: folder}, all names in the order given) of `tuned_paths` (run
    folders, adapter or model folders: `find_tuned`), refused as their files tell (`check_tuned_files`: a run that did
    not finish, a damaged weights file, a reward model), without importing torch: `sample` and `evaluate` find them
    before the model's libraries are imported and hand them to `load_model_set` (its `found`). SamplingError."""
    adapters, full_paths, given = {}, {}, []  # {name: folder} twice, and the names in the order given
    for p in tuned_paths:
        path, full = find_tuned(p)
        name = adapter_name_for(path, {*given, "base"})
        (full_paths if full else adapters)[name] = path
        given.append(name)
    check_tuned_files({n: (path, n in full_paths) for n, path in {**adapters, **full_paths}.items()})
    return adapters, full_paths, given


def plan_tuned(model_spec: str, tuned_paths: Sequence[str | Path], found: tuple | None = None) -> tuple:
    """(adapters and full fine-tunes {name: folder}, all names in order, each adapter's run config and base key
    (`run_base.quantization_key`), the key all share or None) of `tuned_paths` (`find_tuned_set`, or `found`: what it
    gave for them already, its checks not made again). UserError, before any base loads, for what cannot work: a
    reward model, an adapter of another base."""
    from ftlib.models import check_generates, resolve_model
    from ftlib.run_base import quantization_key, run_config_of

    check_generates(resolve_model(model_spec), model_spec)  # a reward model's folder writes nothing
    adapters, full_paths, given = find_tuned_set(tuned_paths) if found is None else found
    check_fits(model_spec, adapters)
    configs = {name: run_config_of(path) for name, path in adapters.items()}
    keys = {name: quantization_key(config) for name, config in configs.items()}
    shared = next(iter(keys.values())) if len(set(keys.values())) == 1 else None
    return adapters, full_paths, given, configs, keys, shared


def load_model_set(
    model_spec: str,
    tuned_paths: Sequence[str | Path] = (),
    device: str | None = None,
    dtype: str | None = None,
    tokenizer=None,
    found: tuple | None = None,
) -> ModelSet:
    """Load a fresh base model (and tokenizer, unless `tokenizer` is the model's, already loaded: sampling only
    reads it), attach the given adapters and load the given full fine-tunes (run dirs, adapter dirs or model dirs;
    see `find_tuned`). Each adapter is put on the base as its run trained it (4-bit for a QLoRA run: `ftlib.run_base`);
    the base row is that base when every adapter shares it, else the base as `device`/`dtype` give it. `found`:
    `find_tuned_set(tuned_paths)`, where the caller found them before torch was imported (`plan_tuned`)."""
    from ftlib.models import ModelError, load_model, load_tokenizer
    from ftlib.run_base import load_run_base

    adapters, full_paths, given, configs, keys, shared = plan_tuned(model_spec, tuned_paths, found)
    tokenizer = tokenizer or load_tokenizer(model_spec)
    on_base = {name: path for name, path in adapters.items() if keys[name] == shared}
    first = next(iter(on_base), None)
    base = load_run_base(model_spec, configs[first] if first else None, device=device, dtype=dtype)
    model = attach_adapters(base.eval(), on_base)
    apart = {  # an adapter whose run's base was loaded otherwise: on a base of its own
        name: attach_adapters(load_run_base(model_spec, configs[name], device, dtype).eval(), {name: path})
        for name, path in adapters.items()
        if name not in on_base
    }
    full_models = {}
    for name, path in full_paths.items():
        try:
            full_models[name] = load_model(str(path), device=device, dtype=dtype).eval()
        except ModelError as exc:
            raise SamplingError(f"Could not load the fine-tuned model '{name}': {exc}") from exc
    templates = {
        name: found
        for name, path in {**adapters, **full_paths}.items()
        if (found := trained_template(path)) is not None
    }
    return ModelSet(
        model=model,
        tokenizer=tokenizer,
        adapters=adapters,
        full_models=full_models,
        templates=templates,
        apart=apart,
        given=given,
    )


def trained_template(path: str | Path) -> tuple[str, str] | None:
    """The chat template a run trained with, as (name, custom Jinja text or ""), from the config.json of the run
    that `path` (the run, or its adapter/ or model/ folder) belongs to; None when there is no readable one. A run of
    raw text (`run_data.trained_on_text`) gives ("text", ""): its rows were read without a template, its prompt is a
    text to continue, and the base then reads it so too."""
    from ftlib.run_data import trained_on_text

    config = RunDir(run_folder_of(path)).read_config()
    name = config.get("template") if isinstance(config, dict) else None
    if not isinstance(name, str) or not name:
        return None
    if trained_on_text(run_folder_of(path)):  # its config's template (the default `tokenizer`) wrote none of its rows
        return "text", ""
    source = config.get("template_source")
    return name, source if isinstance(source, str) else ""


# ---------------------------------------------------------------------------------------------------------------
# Decoding over a ModelSet: one batched loop per model, in a background job for the pages
# ---------------------------------------------------------------------------------------------------------------


def set_stops(model_set: ModelSet, model, template=None) -> set[int]:
    """Where a reply of `model` (one of the set's) ends: `trained_stops` for the templates its prompts are in
    (`render_prompts`: each tuned model's own, or `template` where it overrode them)."""
    return trained_stops(model_set.tokenizer, model, [model_set.templates.get(n) for n in model_set.tuned], template)


def rows_by_model(model_set: ModelSet, rows: Sequence[GenRow]) -> list[tuple[object, list[int], list[GenRow]]]:
    """`rows` grouped by the model that decodes them (`ModelSet.by_model`): (model, indices into `rows`, the rows
    as that model runs them, naming the adapter to select in it)."""
    return [
        (model, indices, [replace(rows[i], adapter=a) for i, a in zip(indices, adapters, strict=True)])
        for model, indices, adapters in model_set.by_model([r.adapter for r in rows])
    ]


def check_context(model_set: ModelSet, rows: Sequence[GenRow], max_new_tokens: int) -> None:
    """SamplingError when a prompt and the tokens asked for do not fit the model's context (its config's
    `max_position_embeddings`): past it a model writes from positions it never saw, silently (a cold review: an
    8,300-word prompt to SmolLM2's 8,192 answered "The code of")."""
    limit = getattr(getattr(model_set.model, "config", None), "max_position_embeddings", None)
    longest = max((len(row.input_ids) for row in rows), default=0)
    if isinstance(limit, int) and longest + max_new_tokens > limit:
        raise SamplingError(
            f"The prompt is {longest} tokens and {max_new_tokens} new tokens are asked for: "
            f"{longest + max_new_tokens} in all, over the model's context of {limit} tokens. Shorten the prompt or "
            "ask for fewer new tokens."
        )


def generate_with_set(model_set: ModelSet, rows: Sequence[GenRow], template=None, **options) -> list[RowResult]:
    """`generate` over a ModelSet's models, one decoding loop per model (see `rows_by_model`); each result
    keeps its own row (the model's name included). `options` are `generate`'s; `template`: see `set_stops`."""
    check_context(model_set, rows, int(options.get("max_new_tokens", DEFAULT_NEW_TOKENS)))
    results: list[RowResult | None] = [None] * len(rows)
    stops = options.pop("stop_ids", None)
    for model, indices, group in rows_by_model(model_set, rows):
        ends = stops if stops is not None else set_stops(model_set, model, template)
        found = generate(model, model_set.tokenizer, group, stop_ids=ends, lock=model_set.lock, **options)
        for i, result in zip(indices, found, strict=True):
            result.row = rows[i]
            results[i] = result
    return results


@dataclass(frozen=True)
class GenerationProgress:
    """Where a `GenerationJob` stands: `tokens` written of at most `max_tokens` (each finished answer counts what it
    wrote, each running one `max_new_tokens`), `finished` answers of `answers`, and `elapsed_s` of decoding (0 while
    it waits for the device; neither that wait nor its turns lent to a training run since are counted).

    >>> p = GenerationProgress(tokens=300, max_tokens=900, finished=1, answers=4, elapsed_s=60.0)
    >>> p.fraction, p.tokens_per_s
    (0.3333333333333333, 5.0)

    `prefill_s`, `first_tokens`: the decoding seconds before the first tokens came (the prompts read, a slow step on a
    busy CPU) and how many came then; None, 0 before. A pace for the time left is the writing's after them.
    """

    tokens: int
    max_tokens: int
    finished: int
    answers: int
    elapsed_s: float
    prefill_s: float | None = None
    first_tokens: int = 0

    @property
    def fraction(self) -> float:
        return self.tokens / self.max_tokens if self.max_tokens else 1.0

    @property
    def tokens_per_s(self) -> float | None:
        """Tokens written per second over the whole set (its rows decode together); None before any."""
        return self.tokens / self.elapsed_s if self.tokens and self.elapsed_s > 0 else None


class GenerationJob(BackgroundJob):
    """`generate_stream` in a daemon thread, collecting tokens per row; readers poll `snapshot()` and `progress()`.

    The thread never touches any UI: a page (or anything else) reads the lists while it runs. Appending to a
    list is atomic in CPython, so a snapshot is always a consistent prefix of each row.
    """

    thread_name = "ftlib-generate"
    kind = "generation"

    def __init__(
        self,
        model_set: ModelSet,
        rows: Sequence[GenRow],
        max_new_tokens: int = DEFAULT_NEW_TOKENS,
        seed: int = 0,
        top_alternatives: int = 5,
        label: str = "a generation",
        template=None,
    ):
        """`template`: the one the prompts were rendered in where it overrode each model's own (`render_prompts`)."""
        super().__init__(label, device=model_set.device)  # the device lease its forwards take turns on
        self.model_set, self.template = model_set, template
        self.rows = list(rows)
        self.max_new_tokens, self.seed, self.top_alternatives = max_new_tokens, seed, top_alternatives
        self.tokens: list[list[TokenInfo]] = [[] for _ in self.rows]
        self.started: float | None = None  # time.monotonic() when decoding began (after any wait for the device)
        self.ended: float | None = None
        self.first: tuple[float, int] | None = None  # (decoding seconds, tokens) when the first tokens came

    def work(self) -> None:
        self.started = time.monotonic()
        try:
            self._decode()
        finally:
            self.ended = time.monotonic()

    def _decode(self) -> None:
        ms = self.model_set
        check_context(ms, self.rows, self.max_new_tokens)
        # One decoding loop per model: the base and its adapters together, then each full fine-tune. Seeds are
        # per row and setting, so a row samples the same tokens whichever loop it is in.
        for model, indices, rows in rows_by_model(ms, self.rows):
            stream = generate_stream(
                model,
                ms.tokenizer,
                rows,
                self.max_new_tokens,
                self.seed,
                stop_ids=set_stops(ms, model, self.template),
                top_alternatives=self.top_alternatives,
                lock=ms.lock,
            )
            for events in stream:
                for i, info in events:
                    self.tokens[indices[i]].append(info)
                if self.first is None and events:  # the prompts read (prefill): what follows is the writing's pace
                    self.first = (self.progress().elapsed_s, sum(map(len, self.tokens)))
                if self.cancelled:
                    stream.close()
                    return

    def snapshot(self) -> list[list[TokenInfo]]:
        return [list(t) for t in self.tokens]

    def _finished(self, toks: list[TokenInfo]) -> bool:
        return bool(toks) and bool(toks[-1].end or toks[-1].stop or len(toks) >= self.max_new_tokens)

    def progress(self) -> GenerationProgress:
        lengths = [(len(t), self._finished(t)) for t in self.snapshot()]
        start = self.started
        return GenerationProgress(
            tokens=sum(n for n, _ in lengths),
            max_tokens=sum(n if done else self.max_new_tokens for n, done in lengths),
            finished=sum(done for _, done in lengths),
            answers=len(lengths),
            # Less its turns lent mid-way (a training run's steps): a grid's rate and time left are its own decoding's
            elapsed_s=0.0 if start is None else max(0.0, (self.ended or time.monotonic()) - start - self.waited()),
            **({} if self.first is None else {"prefill_s": self.first[0], "first_tokens": self.first[1]}),
        )

    def finish_reason(self, i: int) -> str:
        toks = self.tokens[i]
        if toks and (toks[-1].end or toks[-1].stop):  # its last token says why (`sampling.FINISH_REASONS`)
            return toks[-1].end or "stop"
        return "length" if len(toks) >= self.max_new_tokens else ("cancelled" if self.done else "")
