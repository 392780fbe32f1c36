"""A prompt as each model of a comparison reads it: its chat template, rendered with the generation prompt and
tokenized (`render_prompts`), and the template's thinking switch (`enable_thinking`, Qwen3's).

    prompts = render_prompts(model_set, "Is it warm in Oslo?", thinking=False)   # name -> ModelPrompt
    thinking_default(template), thinking_writes(template)                       # the switch, probed
    trained_with_tools(run_folders)                                             # runs taught to call tools

A template with the switch (`ChatTemplate.thinking_switch`) writes its reasoning block itself when told to skip it:
Qwen3's writes an empty `<think>\\n\\n</think>\\n\\n` after the generation prompt, so the model answers at once. The
switch is given as transformers' `apply_chat_template(..., enable_thinking=...)` gives it; None gives nothing (the
template's default). Training renders no generation prompt and gives no switch. Not known here: loading the models
(`ftlib.modelset`), decoding (`ftlib.sampling`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

_PROBE = [{"role": "user", "content": "ftlibprobe question"}]


class ModelPrompt(NamedTuple):
    """A prompt as one model reads it: the rendered text, its token ids and the chat template's name."""

    text: str
    ids: list[int]
    template: str


def render_prompts(
    model_set,
    prompt: str | list[dict],
    system: str | None = None,
    template=None,
    tools=None,
    fix=None,
    thinking: bool | None | Mapping[str, bool | None] = None,
) -> dict[str, ModelPrompt]:
    """Each model's prompt (`model_set`: a `modelset.ModelSet`), rendered with the chat template it was trained with
    (see `ftlib.sampling.render_prompt`): a tuned model answers the way it was taught only in its own format.

    The base model gets the first tuned model's template, so it starts from the very prompt that model was tuned
    on (its own template when no tuned model names one). `template` (a name or a ChatTemplate) overrides them all.
    `tools`: a test row's tool schemas, rendered as training rendered them (a typed prompt has none). `thinking`:
    `enable_thinking` for every template (one without the switch does not read it); None: each one's default; a
    mapping: each model's own by name (how its run trained: `run_thinking`), the base the first tuned model's.
    Models sharing a template and setting share one rendering. Raises SamplingError / TemplateError as
    `render_prompt` (`fix`).
    """
    from ftlib.sampling import render_prompt
    from ftlib.templates import get_template

    def trained_with(name: str) -> tuple[str, str]:
        found = model_set.templates.get(name)
        if found is None and name == "base":
            found = next((model_set.templates[n] for n in model_set.tuned if n in model_set.templates), None)
        return found or ("tokenizer", "")

    def thinking_of(name: str) -> bool | None:
        if not isinstance(thinking, Mapping):
            return thinking
        if name == "base" and name not in thinking:
            return base_thinking(thinking, model_set.tuned)
        return thinking.get(name)

    rendered: dict[tuple[str, str, bool | None], ModelPrompt] = {}
    prompts = {}
    for name in model_set.names:
        key = (*(("", "") if template is not None else trained_with(name)), thinking_of(name))
        if key not in rendered:
            chosen = template
            if template is None:  # a custom template is its Jinja text, which only the run carries
                chosen = get_template("custom", model_set.tokenizer, key[1]) if key[0] == "custom" else key[0]
            text, ids = render_prompt(
                model_set.tokenizer, prompt, system, template=chosen, tools=tools, fix=fix, thinking=key[2]
            )
            rendered[key] = ModelPrompt(text, ids, getattr(chosen, "name", chosen))
        prompts[name] = rendered[key]
    return prompts


def base_thinking(thinking: Mapping[str, bool | None], tuned: Sequence[str]) -> bool | None:
    """The `enable_thinking` the base model is asked with beside tuned models each asked their own way (`thinking`,
    by name): the first tuned model's, so base and that run answer one prompt and a difference between them is the
    tuning's, not the switch's (`render_prompts`, `sample`, Compare's "As each run trained"); None: its default.

    >>> base_thinking({"r1": False, "r2": True}, ["r1", "r2"]), base_thinking({}, ["r1"])
    (False, None)
    """
    return next((thinking[n] for n in tuned if n in thinking), None)


def _opened(template, thinking: bool | None) -> str | None:
    from ftlib.templates import TemplateError, render

    try:
        return render(template, _PROBE, add_generation_prompt=True, thinking=thinking)
    except TemplateError:  # a template that refuses a lone user turn: nothing to read off
        return None


def thinking_default(template) -> bool | None:
    """Whether a ChatTemplate thinks when given no `enable_thinking`: True where its prompt is then the one it writes
    with the switch on (Qwen3's), False where it is the one it writes with it off; None for a template without the
    switch, or one whose prompt differs from both or cannot be rendered."""
    if not template.thinking_switch:
        return None
    default, on, off = (_opened(template, value) for value in (None, True, False))
    if default is None or on == off:
        return None
    return True if default == on else False if default == off else None


def thinking_writes(template) -> tuple[str, str]:
    """What a ChatTemplate writes after its generation prompt with `enable_thinking` on and off, read off a one-turn
    probe's renders past their shared start: ("", "<think>\\n\\n</think>\\n\\n") for Qwen3's. ("", "") for a template
    without the switch or one that cannot be rendered."""
    on, off = (_opened(template, value) for value in (True, False))
    if not template.thinking_switch or on is None or off is None:
        return "", ""
    from ftlib.templates import token_boundary

    shared = token_boundary([on, off], len(os.path.commonprefix([on, off])))  # never inside a control token
    return on[shared:], off[shared:]


def trained_with_tools(runs: Sequence[Path | str]) -> list[str]:
    """The names of `runs` (run folders, or their adapter/ or model/ folders) whose first training row shows tool
    schemas (`tools`), read from each run's own copy of its rows (`workspace.kept_split`; a bare folder has none):
    asked a prompt without tools, such a run is asked without the tools it learned to call (a tool-calling run asked
    "Is it warm in Paris?" made up a temperature rather than call its weather tool)."""
    from ftlib.rundir import run_folder_of
    from ftlib.workspace import kept_split

    named = []
    for run in runs:
        folder = run_folder_of(run)
        kept = kept_split(folder)
        if kept is None:
            continue
        try:
            with (kept / "train.jsonl").open(encoding="utf-8") as rows:
                first = json.loads(rows.readline(1 << 20) or "{}")
        except (OSError, ValueError):
            continue
        if isinstance(first, dict) and first.get("tools"):
            named.append(Path(folder).name)
    return named
