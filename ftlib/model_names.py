"""How a model is named where a person reads it: the embedded default by its own name, any other model as given.

The Model box, `--model` and a run's config.json call the embedded default `default` (a spec: what is typed); a page
or the CLI's text that names a model says `model_said(spec)`, so Home, Data, Tokens, Train and Evaluate and the CLI
say "SmolLM2-135M-Instruct (embedded default)" alike. `ftlib.run_picker.model_name` (a run's short base name, in
its label) names it "SmolLM2-135M-Instruct": the pages put a label in brackets, and these words nested brackets in
them. A --json value stays the spec.

Not known here: loading or resolving a model (models.py).
"""

from __future__ import annotations

DEFAULT_MODEL = "default"
DEFAULT_MODEL_NAME = "SmolLM2-135M-Instruct"
DEFAULT_SAID = f"{DEFAULT_MODEL_NAME} (embedded default)"


def model_said(spec: str) -> str:
    """A model's name as a person reads it: the embedded default (`spec` `default`) as "SmolLM2-135M-Instruct
    (embedded default)"; any other model (a hub id, a folder) as given.

    >>> model_said("default"), model_said("Qwen/Qwen2.5-0.5B")
    ('SmolLM2-135M-Instruct (embedded default)', 'Qwen/Qwen2.5-0.5B')
    """
    return DEFAULT_SAID if str(spec).strip() == DEFAULT_MODEL else spec


__all__ = ["DEFAULT_MODEL", "DEFAULT_MODEL_NAME", "DEFAULT_SAID", "model_said"]
