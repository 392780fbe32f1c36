"""Where a reply ends, written into a model folder: the `eos_token_id` of its generation_config.json lists the tokens
the studio stops at, so that plain `model.generate` on an export stops where Compare and Evaluate stop.

    ids = write_eos(folder, tokenizer, template)            # a merged or full model's folder (its own config kept)
    ids = write_eos(adapter, tokenizer, template, base_gc)  # beside an adapter: the base's config, the ids added

The studio stops at `ftlib.sampling.stop_token_ids`: the tokenizer's and the generation config's eos, the known
end-of-turn tokens and the end-of-turn marker of the template the run trained with. transformers' `generate` stops
at the generation config's `eos_token_id` alone, so a base whose eos is not its template's end of turn (a
Qwen2.5 base: eos `<|endoftext|>`, turns ended by `<|im_end|>`) wrote past every reply to the length limit. The
base's own eos stays first (transformers pads with the first eos when a config names no pad token).

An adapter runs on the user's own base, whose generation config is the one transformers and PEFT use: neither reads
one beside the adapter (`PeftModel.from_pretrained` reads the adapter's config and weights; `from_pretrained` on an
adapter folder loads the base's generation config). The file there is for `GenerationConfig.from_pretrained(folder)`
or for reading the ids to pass as `generate(..., eos_token_id=ids)`; `ftlib.export` says so.

Not known here: where the folders are (export.py, training.py).
"""

from __future__ import annotations

import contextlib
import copy
import errno
from pathlib import Path
from types import SimpleNamespace

from ftlib import workspace
from ftlib.sampling import stop_token_ids

CONFIG_NAME = "generation_config.json"


def eos_list(value) -> list[int]:
    """A generation config's `eos_token_id` (None, one id or a list) as a list.

    >>> eos_list(None), eos_list(0), eos_list([2, 0])
    ([], [0], [2, 0])
    """
    return [] if value is None else [int(value)] if isinstance(value, int) else [int(v) for v in value]


def export_eos_ids(tokenizer, generation_config, template) -> list[int]:
    """The ids a model with `generation_config` stops at in the studio when prompted in `template` (a ChatTemplate, or
    None): its own eos first (the generation config's, else the tokenizer's), then the others in id order."""
    own = eos_list(getattr(generation_config, "eos_token_id", None))
    if not own and tokenizer.eos_token_id is not None:
        own = [int(tokenizer.eos_token_id)]
    templates = [template] if template is not None else []
    stops = stop_token_ids(tokenizer, SimpleNamespace(generation_config=generation_config), templates)
    return [*own, *sorted(stops - set(own))]


def write_eos(folder: Path, tokenizer, template, base=None) -> list[int]:
    """Make `folder`'s generation_config.json stop at `export_eos_ids`; returns them. The folder's own file is kept
    otherwise (a merged or full model's: its base's sampling defaults); without one, `base` (a GenerationConfig, the
    base model's) is written with the ids, else a config of the ids alone. Written (atomically) only when it changes,
    so an export's zip is rebuilt only when its folder did."""
    from transformers import GenerationConfig

    path = Path(folder) / CONFIG_NAME
    config = GenerationConfig.from_pretrained(str(folder)) if path.is_file() else copy.deepcopy(base)
    config = config if config is not None else GenerationConfig()
    ids = export_eos_ids(tokenizer, config, template)
    if path.is_file() and eos_list(config.eos_token_id) == ids:
        return ids
    config.eos_token_id = ids
    if not path.parent.is_dir():  # removed meanwhile (its run deleted): not made again by a write into it
        raise FileNotFoundError(errno.ENOENT, "The folder is gone", str(path.parent))
    workspace.atomic_write_text(path, config.to_json_string(use_diff=True))
    return ids


def base_generation_config(model_folder: Path):
    """The GenerationConfig transformers gives a model loaded from `model_folder` (its generation_config.json, else
    one made from its config.json); None when neither can be read."""
    from transformers import AutoConfig, GenerationConfig

    try:
        return GenerationConfig.from_pretrained(str(model_folder))
    except (OSError, ValueError):
        pass
    try:
        return GenerationConfig.from_model_config(AutoConfig.from_pretrained(str(model_folder)))
    except (OSError, ValueError):
        return None


def saved_tokenizer(folder: Path, must: bool = False):
    """The tokenizer saved in `folder` (a run's adapter, a merged or full model), as transformers loads it; None where
    the folder holds none (no tokenizer_config.json), unless `must` (transformers then looks on: an adapter's base)."""
    if not (must or (Path(folder) / "tokenizer_config.json").is_file()):
        return None
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(folder))


def run_tokenizer(config: dict, folder: Path):
    """The tokenizer a run saved with its result in `folder`; where its files are gone (deleted, a folder put there
    by hand), made again as training made it: the base's (`config`: the run's config.json), its chat_template the
    run's template. UserError when `config` is empty (unread): the template is then said by neither."""
    if (tokenizer := saved_tokenizer(folder)) is not None:
        return tokenizer
    from ftlib.errors import UserError
    from ftlib.models import load_tokenizer
    from ftlib.templates import get_template

    if not config:
        raise UserError(
            f"{folder} has no tokenizer (no tokenizer_config.json), and its run's config.json, which names the chat "
            "template it trained with, cannot be read. Restore either from a copy, or train the run again."
        )
    tokenizer = load_tokenizer(str(config.get("model") or "default"))
    name, source = str(config.get("template") or "tokenizer"), config.get("template_source") or None
    template = get_template(name, tokenizer, source)
    if template.name != "tokenizer":  # as training.save_final saved it: the model's own template is its tokenizer's
        tokenizer.chat_template = template.source
    return tokenizer


def write_for_run(config: dict, folder: Path, tokenizer=None) -> list[int]:
    """`write_eos` for a folder a run left or an export built (`config`: the run's config.json): the template the
    run trained with, the folder's own tokenizer (saved with it; `tokenizer` where the caller has it loaded already)
    else the base's, and beside an adapter the base's generation config. Returns the ids; [] for a reward model,
    which writes no text. A folder this account may not write (another's, on a shared server) keeps its file."""
    if config.get("method") == "reward":
        return []
    from ftlib.errors import UserError
    from ftlib.models import load_tokenizer, resolve_model
    from ftlib.templates import get_template

    folder, spec = Path(folder), str(config.get("model") or "default")
    if tokenizer is None:
        tokenizer = saved_tokenizer(folder) or load_tokenizer(spec)
    name, source = str(config.get("template") or "tokenizer"), config.get("template_source") or None
    template = None  # none to be had (a tokenizer without a template of its own): the eos and known markers only
    with contextlib.suppress(UserError):
        template = get_template(name, tokenizer, source)
    base = None
    if not (folder / CONFIG_NAME).is_file():  # beside an adapter: the base's config, the ids added
        with contextlib.suppress(UserError):
            base = base_generation_config(resolve_model(spec))
    try:
        return write_eos(folder, tokenizer, template, base)
    except PermissionError:
        return []


def adapter_note(config: dict, adapter: Path) -> str | None:
    """What to pass for `generate` to stop where the studio does when the adapter in `adapter` runs on its base: the
    ids its generation_config.json lists that the base's own leaves out; None when there are none."""
    from transformers import GenerationConfig

    from ftlib.errors import UserError
    from ftlib.models import resolve_model

    if config.get("method") == "reward" or not (Path(adapter) / CONFIG_NAME).is_file():
        return None
    ids = eos_list(GenerationConfig.from_pretrained(str(adapter)).eos_token_id)
    try:
        own = eos_list(
            getattr(base_generation_config(resolve_model(str(config.get("model") or "default"))), "eos_token_id", None)
        )
    except UserError:
        return None
    missing = [i for i in ids if i not in own]
    if not missing:
        return None
    return (
        f"the base's generation config stops at eos {own}, not at the end of turn this run trained ({missing}): "
        f"pass `eos_token_id={ids}` to `generate`, or set "
        f"`model.generation_config = GenerationConfig.from_pretrained({str(adapter)!r})`."
    )


__all__ = [
    "CONFIG_NAME",
    "adapter_note",
    "base_generation_config",
    "eos_list",
    "export_eos_ids",
    "write_eos",
    "run_tokenizer",
    "saved_tokenizer",
    "write_for_run",
]
