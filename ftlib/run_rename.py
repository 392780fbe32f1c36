"""Renaming a run: the name its pickers, the runs table and `runs show` show, and that commands take for it
(config.json's `name`, as `train --name` and the Train form's "Run name" give it), never its id: the folder, and every
file, link and command that names the run by it, stay as they are.

    renamed = rename("20261207-101500-dpo-pairs", "pirate v2", by=cli_user())   # Renamed(old='', new='pirate v2', ...)
    renamed.sentence(), renamed.warnings                                        # what the page and the CLI say

Refused (`runs.RunError`, naming the run and the fix): a name of more than one line or longer than `MAX_NAME`
characters or empty, one that is another run's id (a command given it would find that run), a config.json that does
not read, and a reward model that GRPO runs find by the name it has (renamed, they could not resume or be evaluated).
A name another run has too is done and warned, as `train --name` warns: a command then finds each by its id alone.

config.json is replaced whole (a temporary file renamed into place) with only its `name` changed, under the queue's
lock (a Delete meanwhile finds the run gone, or removes it after), its modification time kept: it stands for when the
run was queued where status.json lost that (`RunDir.summary`, `last_run`). status.json is touched (its `updated`), so a
page that follows the runs (`runs.runs_changed_key`) shows the new name. The run may be training: the worker read its
settings when it started, and the name trains nothing.

Not known here: the queue (runs.py), the run folder's files (rundir.py), who the person is (the caller passes `by`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from ftlib import run_people, workspace
from ftlib.config_checks import MAX_RUN_NAME, run_name
from ftlib.errors import numbered, plural
from ftlib.run_create import QUEUE_LOCK, id_name_problem
from ftlib.run_files import json_object
from ftlib.rundir import STATES, locked, run_folders
from ftlib.runs import RunError, find

MAX_NAME = MAX_RUN_NAME  # characters: a name is a label in a picker and a table cell, not a note


@dataclass(frozen=True)
class Renamed:
    """What a rename did: the run's id, its name before and after ("" = none), and what is worth saying (the same
    name on other runs)."""

    run_id: str
    old: str
    new: str
    warnings: list[str] = field(default_factory=list)

    def sentence(self) -> str:
        """'Run `ID` is now named 'pirate v2' (it was 'pirates'); its id stays.', or that it already was."""
        if self.old == self.new:
            return f"Run `{self.run_id}` is already named '{self.new}'."
        was = f" (it was '{self.old}')" if self.old else ""
        return f"Run `{self.run_id}` is now named '{self.new}'{was}; its id stays."


def check_name(name: str) -> str:
    """The name as a run keeps it (spaces around it dropped); RunError saying what is wrong with it and how to fix it:
    empty, or refused by the rule `train --name` and the Train page's Run name box follow (`config_checks.run_name`).

    >>> check_name("  pirate v2 ")
    'pirate v2'
    >>> check_name("two\\nlines")
    Traceback (most recent call last):
    ...
    ftlib.runs.RunError: A run's name is one line: this one has a line break or another control character (...
    """
    if not str(name).strip():
        raise RunError("A run's name cannot be empty: type one (the run keeps its id whatever its name).")
    return run_name(name, RunError)


def _found_by_name(run_id: str, name: str) -> list[str]:
    """The other runs whose GRPO rewards find the reward model `run_id` by `name` (not by its id)."""
    users = []
    for folder in sorted(workspace.runs_dir().iterdir()):
        if folder.name == run_id or not folder.is_dir():
            continue
        config, _ = json_object(folder / "config.json")
        specs = config.get("rewards") if config.get("method") == "grpo" else None
        if isinstance(specs, list) and any(isinstance(s, dict) and s.get("model") == name for s in specs):
            users.append(folder.name)
    return users


def rename(run_id: str, name: str, by: run_people.Who | None = None) -> Renamed:
    """Give run `run_id` (its id) the name `name`, in its config.json; its id never changes. `by`: who
    did it, where known, in the run's who.json (ftlib.run_people). Returns what was done (`Renamed`, with a warning
    when other runs have that name); RunError when the run is gone or the name is refused (see the module)."""
    new = check_name(name)
    with locked(workspace.runs_dir() / QUEUE_LOCK):
        run = find(run_id)  # under the lock: a Delete that took it first leaves no run to rename
        config, problem = json_object(run.config_file)
        if problem is not None:
            raise RunError(
                f"Run '{run_id}': its {run.config_file.name} {problem}, so its name cannot be changed. Its id still "
                "names it everywhere; delete the run if it is of no use."
            )
        old = str(config.get("name") or "").strip()
        if new == old:
            return Renamed(run_id, old, new)
        if problem := id_name_problem(new, run_id):
            raise RunError(problem)
        if old and config.get("method") == "reward" and (users := _found_by_name(run_id, old)):
            them = "it" if len(users) == 1 else "them"
            raise RunError(
                f"Reward model '{run_id}' is found by its name '{old}' by {numbered('GRPO run', users)}: renamed, "
                f"{them} could not resume or be evaluated with it. Keep its name."
            )
        stamp = run.config_file.stat()
        workspace.atomic_write_text(run.config_file, json.dumps({**config, "name": new}, indent=1))
        # Its time stands for when the run was queued where status.json lost it (RunDir.summary, last_run)
        os.utime(run.config_file, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
        run.update_status_while(STATES)  # pages following the runs see a change (not a status that does not read)
    run_people.record(run.path, "rename", by)
    # Read as the runs table reads a name (config.json's), without each run's metrics
    alike = [r.id for r in run_folders() if r.id != run_id and str(r.read_config().get("name") or "").strip() == new]
    warnings = []
    if alike:
        warnings.append(
            f"{plural(len(alike), 'other run')} already named '{new}' ({', '.join(alike[:3])}): where a run is "
            "given by its name (a command, a GRPO run's reward model), each is found by its id alone. Give it a name "
            "of its own to call it by name."
        )
    return Renamed(run_id, old, new, warnings)


__all__ = ["MAX_NAME", "Renamed", "check_name", "rename"]
