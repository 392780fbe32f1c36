"""One copy of a base model for every set of tuned models a server's pages ask for.

    bases = SharedBases()
    a = bases.model_set("default", [])                      # the base alone (the server's warm-up)
    b = bases.model_set("default", ["runs/r1"])             # the same base, r1's adapter loaded into it
    c = bases.model_set("default", ["runs/r1", "runs/r2"])  # the same base again, r2's adapter added
    # a.model, b.model and c.model share every weight: one copy of the base in memory, not three

Compare and Evaluate each asked `modelset.load_model_set` for a fresh base per set of runs (PEFT injects LoRA layers
into the model it wraps, so a wrapped base could not be shared): three sets of a 7B model were three copies of it on
the GPU. Here each base is loaded once per (model, device, dtype, 4-bit settings) and every adapter any set asks for
is loaded into it by a name of its own (PEFT `load_adapter`); a set (`ModelSet`) is a view that routes its rows to
its adapters by those names (`ModelSet.selected`). A full fine-tune is a model of its own, shared by path.

Why a base row stays the base: rows select their adapter per forward (PEFT's `adapter_names`, `sampling.
adapter_kwargs`), and a forward without them (a set made before the base was wrapped holds the unwrapped model,
whose layers are now PEFT's) runs no adapter, because every LoRA layer's active adapters are set to none after each
load (`_no_active_adapter`). Loads take the device's forward lock, which every forward takes: no forward sees a base
half-way through a load.

A base lives as long as a set using it (weak references): when the pages' cache lets go of every set of a model, its
base goes too. An adapter no live set selects is unloaded when the next set is built (~160 MB for a 7B model's at
the default rank, in fp32; a server whose pages opened run after run kept them all). Not for training (nothing here
is trainable) nor for the CLI, which loads what one command needs (`load_model_set`).
"""

from __future__ import annotations

import threading
import weakref
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from ftlib.lease import ForwardLock
from ftlib.modelset import (
    ModelSet,
    SamplingError,
    find_adapter,
    plan_tuned,
    trained_template,
)


class _Base:
    """One loaded base and the adapters loaded into it: `model` is the base until the first adapter, then the
    PeftModel around it; `names` maps each adapter folder to its name inside the model."""

    def __init__(self, model) -> None:
        self.model = model
        self.names: dict[str, str] = {}
        self.tries = 0  # adapters this base was asked to load: each try's name is new, a failed one's included
        self.users: Counter = Counter()  # an adapter's name in the model -> the live sets that select it

    def attach(self, path: Path, lock: ForwardLock, shown: str) -> str:
        """The name of the adapter at `path` in this base, loaded first when it is not there yet (`shown`: the set's
        name for it, for the error)."""
        folder = find_adapter(path)
        key = str(folder.resolve())
        if key in self.names:
            return self.names[key]
        from peft import PeftModel

        self.tries += 1
        name = f"adapter_{self.tries}"  # its own in this base, whatever each set calls it
        with lock:
            try:
                if isinstance(self.model, PeftModel):
                    self.model.load_adapter(str(folder), adapter_name=name, is_trainable=False)
                else:
                    self.model = PeftModel.from_pretrained(
                        self.model, str(folder), adapter_name=name, is_trainable=False
                    ).eval()
            except (ValueError, RuntimeError, KeyError, OSError) as exc:
                raise SamplingError(
                    f"Could not load the adapter '{shown}' from {folder}: {exc}. Was it trained on this base model?"
                ) from exc
            finally:  # a load that failed half-way may have put its layers in: never active either
                _no_active_adapter(self.model)
        self.names[key] = name
        return name


def keeps_whole_weights(folder: Path) -> bool:
    """Whether an adapter holds more than LoRA matrices: modules it saves whole (`modules_to_save`: its own LM head),
    trainable tokens, or a layer's own weights (PEFT saves `embed_tokens.base_layer.weight` for a LoRA on embeddings).
    Such an adapter gets a base of its own: loaded into a shared one, its saved modules broke the other adapters'
    rows (PEFT looks them up by adapter in a mixed batch) and its saved weights overwrote the base every set reads
    (a review, 2026-12-04)."""
    from safetensors import safe_open

    from ftlib.run_files import json_object

    config = json_object(folder / "adapter_config.json")[0]
    if config.get("modules_to_save") or config.get("trainable_token_indices"):
        return True
    for path in folder.glob("*.safetensors"):
        with safe_open(str(path), "pt") as weights:
            if any("lora_" not in key for key in weights.keys()):
                return True
    return False


def _no_active_adapter(model) -> None:
    """Every LoRA layer, and every module an adapter saves whole (`modules_to_save`: a copy of the LM head), with no
    adapter active: a forward without `adapter_names` runs the base (PEFT activates the first adapter loaded)."""
    from peft.tuners.tuners_utils import BaseTunerLayer
    from peft.utils.other import AuxiliaryTrainingWrapper

    for module in model.modules():
        if isinstance(module, BaseTunerLayer | AuxiliaryTrainingWrapper):
            module.set_adapter([], inference_mode=True)


class SharedBases:
    """The bases, adapters and full fine-tunes of one process's model sets (`model_set`), each loaded once."""

    def __init__(self) -> None:
        self._bases: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
        self._full: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
        self._locks: dict[str, ForwardLock] = {}
        self._loading = threading.Lock()  # one set built at a time: two pages never load one base twice
        # Adapters no live set selects any more, unloaded when the next set is built (`_unload_unused`). An RLock:
        # a set's finalizer runs wherever the garbage collector does, this thread holding it included.
        self._unused: list[tuple[weakref.ref, str, ForwardLock]] = []
        self._unused_lock = threading.RLock()

    def model_set(
        self,
        model_spec: str,
        tuned_paths: Sequence[str | Path] = (),
        device: str | None = None,
        dtype: str | None = None,
        tokenizer=None,
    ) -> ModelSet:
        """As `modelset.load_model_set` (the same checks, names, templates and errors), on the bases already loaded:
        the base `model_spec` as `device`/`dtype` give it (4-bit as a QLoRA run trained, for its adapters), with the
        given runs' adapters loaded into it and their full fine-tunes beside it."""
        from ftlib.models import load_model, load_tokenizer, pick_device

        adapters, full_paths, given, configs, keys, shared = plan_tuned(model_spec, tuned_paths)
        tokenizer = tokenizer or load_tokenizer(model_spec)
        first = next((name for name in adapters if keys[name] == shared), None)
        where = pick_device(device)
        lock = self._locks.setdefault(where, ForwardLock())
        with self._loading:
            self._unload_unused()
            selecting: list = []  # (base, the adapter's name in it, the device's lock) of each adapter
            try:
                held = [self._base(model_spec, shared, configs[first] if first else None, where, dtype)]
                selected, apart = {}, {}
                for name, path in adapters.items():
                    folder = find_adapter(path)
                    if keeps_whole_weights(folder):  # on a base of its own: see the function
                        own = ("own", str(folder.resolve()), keys[name])
                        base = self._base(model_spec, own, configs[name], where, dtype)
                    elif keys[name] == shared:
                        base = held[0]
                    else:  # a QLoRA run's 4-bit base beside a LoRA run's, or the other way round
                        base = self._base(model_spec, keys[name], configs[name], where, dtype)
                    held.append(base)
                    selected[name] = base.attach(path, lock, name)
                    selecting.append((base, selected[name], lock))
                    base.users[selected[name]] += 1
                    if base is not held[0]:
                        apart[name] = base
                full_models = {}
                for name, path in full_paths.items():
                    found = self._full.get((str(path), where, dtype))
                    if found is None:
                        from ftlib.models import ModelError

                        try:
                            found = _Base(load_model(str(path), device=where, dtype=dtype).eval())
                        except ModelError as exc:
                            raise SamplingError(f"Could not load the fine-tuned model '{name}': {exc}") from exc
                        self._full[(str(path), where, dtype)] = found
                    held.append(found)
                    full_models[name] = found.model
            except BaseException:
                self._release(selecting)  # what this set loaded before it failed may go
                raise
        templates = {n: t for n, p in {**adapters, **full_paths}.items() if (t := trained_template(p)) is not None}
        model_set = ModelSet(
            model=held[0].model,
            tokenizer=tokenizer,
            adapters=adapters,
            lock=lock,
            full_models=full_models,
            templates=templates,
            apart={name: base.model for name, base in apart.items()},
            given=given,
            selected=selected,
            holds=held,
        )
        weakref.finalize(model_set, self._release, selecting)  # holds its bases until the set goes, as the set did
        return model_set

    def has_base(self, model_spec: str, device: str) -> bool:
        """Whether the base `model_spec` is loaded on `device` as a set without 4-bit runs uses it (for
        `sharing.inference_device`: only what a new set adds must fit there)."""
        return (model_spec, device, None, None) in self._bases

    def _release(self, selecting: list) -> None:
        """A set went: each adapter it selected that no live set selects now waits to be unloaded."""
        with self._unused_lock:
            for base, inside, lock in selecting:
                base.users[inside] -= 1
                if base.users[inside] <= 0:
                    self._unused.append((weakref.ref(base), inside, lock))

    def _unload_unused(self) -> None:
        """Unload the adapters no live set selects (PEFT `delete_adapter`, under the device's lock): a server whose
        pages opened run after run kept every adapter in the base (~160 MB each for a 7B model's, in fp32). The last
        adapter of a base stays (PEFT keeps at least one); it goes with its base."""
        with self._unused_lock:
            unused, self._unused = self._unused, []
        for ref, inside, lock in unused:
            base = ref()
            if base is None or base.users[inside] > 0 or inside not in base.names.values():
                continue
            if len(base.names) < 2:  # the last: unloaded once another is loaded beside it
                with self._unused_lock:
                    self._unused.append((ref, inside, lock))
                continue
            with lock:
                base.model.delete_adapter(inside)
                # PeftModel keeps the deleted one as its active adapter (its config lookups would fail): another
                # adapter for it, then none in the layers.
                base.model.set_adapter(next(iter(base.model.peft_config)), inference_mode=True)
                _no_active_adapter(base.model)
            base.names = {key: name for key, name in base.names.items() if name != inside}

    def _base(self, model_spec: str, key, config: dict | None, device: str, dtype: str | None) -> _Base:
        """The loaded base for adapters of runs whose 4-bit settings are `key` (None: not 4-bit; ("own", folder, ...):
        one adapter's own, `keeps_whole_weights`), loaded first when no set holds it now."""
        from ftlib.run_base import load_run_base

        found = self._bases.get((model_spec, device, dtype, key))
        if found is None:
            found = _Base(load_run_base(model_spec, config, device=device, dtype=dtype).eval())
            self._bases[(model_spec, device, dtype, key)] = found
        return found


__all__ = ["SharedBases"]
