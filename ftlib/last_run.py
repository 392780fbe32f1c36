"""The run a new session's Train form starts from: the newest run of the workspace, however it was started.

    run_id, settings = last_run_settings()   # ("20261202-101400-lora-chat_style", {"method": "lora", ...})

A new session (a browser refresh, a second tab, a server restart) starts the Train form, and the choices it shares
with Tokens and Batches, from the settings of the run last started in this workspace, not from the defaults. Those
are read from that run's own `config.json`, the one record every run has whichever way it was queued: the Train page,
`python -m ftlib train ...` or `train runs/ID/config.json` (a separate file written by the page alone named an older
page run after a CLI one). A run deleted since is not the last run: the one before it is.

Each setting is checked alone against its declaration (`RunConfig`): an unknown setting, a value of the wrong type,
out of its limits or no longer among its choices is left out, never an error (the form's default applies to it); an
old name is read as its new one.

Not known here: which settings a page puts back (ui/form.py leaves out the model, the dataset and the run's name).
"""

from __future__ import annotations

import copy
import dataclasses

from ftlib.builtin_templates import BUILTINS
from ftlib.config import RENAMED, ConfigError, RunConfig
from ftlib.fields import check_limits, coerce_fields
from ftlib.methods import check_rewards, coerce_rewards
from ftlib.rundir import RunDir, run_folders


def _created(run: RunDir) -> float:
    """When a run was queued (status.json's `created`), else when its config.json was written."""
    status = run.read_status()
    created = status.get("created") if isinstance(status, dict) else None
    if isinstance(created, int | float) and not isinstance(created, bool):
        return float(created)
    try:
        return run.config_file.stat().st_mtime
    except OSError:
        return 0.0


def newest_runs() -> list[RunDir]:
    """The workspace's runs (`rundir.run_folders`: as the queue lists them), the most recently queued first."""
    return sorted(run_folders(), key=_created, reverse=True)


def valid_settings(stored: dict) -> dict:
    """The settings of `stored` (a run's config.json as saved) that are valid each on its own.

    >>> valid_settings({"max_steps": 40, "learning_rate": 5.0, "colour": "red", "dpo_beta": 0.25, "template": "x"})
    {'max_steps': 40, 'beta': 0.25}
    """
    base, kept = RunConfig(), {}
    specs = {f.name: f for f in dataclasses.fields(RunConfig)}
    for name, value in stored.items():
        name = RENAMED.get(name, name)
        if name not in specs or name in kept:
            continue
        probe = copy.copy(base)  # one setting changed: its own type and limits are checked, not its combinations
        try:
            if name == "rewards":
                value = coerce_rewards(value, ConfigError)
                check_rewards(value, ConfigError)
            elif name == "lora_targets" and not (isinstance(value, list) and all(isinstance(t, str) for t in value)):
                continue
            elif name == "template" and value not in (*BUILTINS, "tokenizer", "custom"):
                continue  # a template this version does not have: the Data page measured with none (a review)
            setattr(probe, name, value)
            coerce_fields(probe, ConfigError)
            check_limits(probe, ConfigError)
        except ConfigError:
            continue
        kept[name] = getattr(probe, name)
    return kept


def last_run_settings() -> tuple[str | None, dict]:
    """(the id of the run last queued in this workspace, its valid settings: `valid_settings`); (None, {}) when there
    is no run. A run whose config.json does not read as settings (cut short, edited by hand) is passed over for the
    one before it."""
    run_id, stored = _last_stored()
    return (run_id, valid_settings(stored)) if run_id is not None else (None, {})


def last_run_id() -> str | None:
    """The id `last_run_settings` gives, without checking each of its settings: what a page asks at every click, to
    see whether another run was started since (the check of 50 settings was a tenth of a Tokens page's click)."""
    return _last_stored()[0]


def _last_stored() -> tuple[str | None, dict]:
    """(id, config.json as stored) of the run last queued whose config.json reads as settings; (None, {}) if none."""
    for run in newest_runs():
        stored = run.read_config()
        if isinstance(stored, dict) and stored:
            return run.id, stored
    return None, {}
