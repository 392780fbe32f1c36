"""Creating a run: its id, its folder made whole under a hidden name and renamed into place, its status as queued.

    run_id = create_run(RunConfig(method="lora", dataset="chat_style"))   # queued, not started (runs.submit starts it)

The folder is written as `runs/.ID.partial` (its own copy of its rows, env.json, status.json, config.json last) and
renamed to `runs/ID` once whole, under the queue's lock: a `train` killed while it copied a big file's rows left a
folder holding only config.json, listed as "unknown 0/2" for good, with `runs resume` saying "Run '...' is None"
(cold review t17). What a killed creation leaves is removed when the queue next moves (`remove_abandoned`).

Not known here: starting runs and the queue's order (runs.py), the run folder's files (rundir.py).
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import time
from pathlib import Path

from ftlib import run_data, workspace
from ftlib.config import RunConfig
from ftlib.errors import UserError
from ftlib.file_bytes import data_stem
from ftlib.run_env import run_env
from ftlib.run_people import Who, record
from ftlib.rundir import RunDir, locked
from ftlib.token_settings import status_fields

# The queue's lock (ftlib.runs): queue decisions, and the making of a run, so no run is started half made.
QUEUE_LOCK = ".queue.lock"
QUEUED_MESSAGE = "Waiting for its turn."  # a new run's status message; `runs.queue_place` says more


def _device_key(device: str) -> str:
    if device in ("", "auto", None):
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def _new_id(config: RunConfig) -> str:
    stem = config.name or data_stem(str(config.dataset)) or "run"
    # A name with folders in it ("exp/v1") keeps its parts, joined: safe_name keeps only a path's last part, which
    # took the date and method off the id too ("v1").
    stem = "_".join(p for p in re.split(r"[\\/]+", stem) if p not in ("", ".", "..")) or "run"
    # A name with nothing safe in it (only dots or symbols; letters of any script are kept) would end the id at
    # `-lora-`: its data's name, else "run"
    stem = next((s for s in (stem, data_stem(str(config.dataset))) if workspace.safe_name(s, "")), "run")
    base = workspace.safe_name(f"{time.strftime('%Y%m%d-%H%M%S')}-{config.method}-{stem}", default="run")[:80]
    candidate, n = base, 2
    while (workspace.runs_dir() / candidate).exists():
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def id_name_problem(name: str | None, run_id: str | None = None) -> str:
    """Why `name` cannot name a run (`run_id`: the run it would name, None for a new one): it is another run's id, so a
    command given it (`runs show NAME`, `sample --adapter NAME`) would find that run, not this one; "" if it can. The
    one rule `train --name`, the Train page's Run name and `runs rename` follow (`create_run`, `run_rename.rename`)."""
    name = (name or "").strip()
    if not name or name == run_id or not (workspace.runs_dir() / name / "config.json").is_file():
        return ""
    return (
        f"'{name}' is the id of another run: a command given it would find that run, not this one. "
        "Choose another name."
    )


def create_run(
    config: RunConfig | dict,
    estimated_memory: int | None = None,
    rows: tuple[list, list, dict] | None = None,
    by: Who | None = None,
    planned_steps: int | None = None,
) -> str:
    """Write a new run folder in state `queued` and return its id (does not start it). The run keeps this process's
    FTLIB_* settings (`RUN_ENV`): it trains with them whichever process launches it, resumes included.

    A dataset or model given as a path relative to this process's folder is recorded absolute (the worker runs in
    another folder), and the run keeps its own copy of its rows (`rows`: `run_data.dataset_rows(config)`, the rows
    the caller checked; read here when not given): the saved split, or the train/test split of a data file made now.
    A split saved over, a file edited later, changes neither a resume nor the run's evaluation.

    `estimated_memory`: the memory estimate shown before the start (`ftlib.memory.estimate(...).total`, bytes per
    process), kept in status.json so the run's measured peak can be read beside it. `by`: who started it, where
    known (ftlib.run_people: a signed-in browser session, the CLI's OS account; None: nobody known), in its who.json.
    `planned_steps`: the optimizer steps it takes (`overfitting.planned_steps`, from the rows the caller encoded),
    kept in status.json: its progress counts to them until the trainer reports its own (None: "step 0 of ?").
    """
    if isinstance(config, dict):
        config = RunConfig.from_dict(config)
    if problem := id_name_problem(config.name):  # before its rows are read and copied
        raise UserError(problem)
    config = run_data.absolute_paths(config)
    if config.rewards:  # reward models by run id: another trained under a deleted one's name must not stand in
        from ftlib.rewards import with_reward_run_ids

        config = dataclasses.replace(config, rewards=with_reward_run_ids(config.rewards))
    if rows is None:
        rows = run_data.readable_rows(config)  # read before the queue's lock: a big file takes a while
    root = workspace.runs_dir()
    planned = {"planned_steps": int(planned_steps)} if planned_steps else {}
    with locked(root / QUEUE_LOCK):
        run_id = _new_id(config)
        # Made under a hidden name and renamed into place whole: a `train` killed while it copied a big file's rows
        # left a folder holding only config.json, listed as "unknown 0/2" for good (cold review t17).
        run = RunDir(root / f".{run_id}.partial")
        run.path.mkdir(parents=True)
        try:
            # Its own copy of its rows: a teammate saving over a split's name later changes neither a resume nor the
            # run's evaluation (walk 8B: Evaluate showed another person's rows for a finished run), nor does an edit
            # to the data file it was split from.
            if rows is not None:
                workspace.keep_run_split(run.path, *rows)
            run.write_env(run_env())
            record(run.path, "start", by)
            run.update_status(**queued_status(run_id, config, rows is not None, estimated_memory), **planned)
            run.write_config(config)  # last: what makes a folder a run (`_all`)
            os.rename(run.path, root / run_id)
        except BaseException:
            shutil.rmtree(run.path, ignore_errors=True)  # e.g. a full disk: no half-made run left in the list
            raise
    return run_id


def queued_status(
    run_id: str, config: RunConfig, rows_kept: bool, estimated_memory: int | None = None, created: float | None = None
) -> dict:
    """The status.json of a run just queued: what `_advance` and `queue_place` read besides the config, and the digest
    of its model's tokenizer (`token_settings.status_fields`)."""
    return {
        "id": run_id,
        "state": "queued",
        "created": created or time.time(),
        "queued_at": time.time_ns(),
        "device": _device_key(config.device),
        "method": config.method,
        "tuning": config.tuning,
        "message": QUEUED_MESSAGE,
        "rows_kept": rows_kept,  # its split/: a resume without it is refused
        "rendezvous": f"{config.rdzv_endpoint} x{config.nnodes}" if config.nnodes > 1 else None,
        **({"estimated_memory": int(estimated_memory)} if estimated_memory else {}),
        **status_fields(config),  # its tokenizer's digest: runs on another tokenizer do not compare (run_compare)
    }


def remove_abandoned(root: Path) -> None:
    """Remove the folders of runs whose creation was cut short (its process killed). Called under the queue's lock
    (runs.advance), which `create_run` holds while it makes one: every `.ID.partial` folder found then is abandoned."""
    for folder in root.glob(".*.partial"):
        shutil.rmtree(folder, ignore_errors=True)


__all__ = ["QUEUED_MESSAGE", "QUEUE_LOCK", "create_run", "queued_status", "remove_abandoned"]
