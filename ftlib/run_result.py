"""Whether a run's folder holds its result (its `adapter/` or `model/`), and when not, why in words with the way on.

    no_result_reason(run)          # "Run 'r1' has no adapter yet: it is running at step 3/10. ..."
    check_run_status(tuned)        # refuse `<run>/adapter` of a run that did not finish (sample, evaluate, rewards)

Export (`ftlib.export`) and the commands that load a run's adapter (`sample`, `evaluate`, a reward model as a GRPO
reward) take a run's result from the same rule: a folder is the run's result only once its status says
"finished"; before that, an `adapter/` there may be what a save cut short. Not known here: loading or exporting.
"""

from __future__ import annotations

from pathlib import Path

from ftlib.config import tuning_of
from ftlib.errors import UserError
from ftlib.run_files import MISSING
from ftlib.rundir import RunDir, run_folder_of


def no_result_reason(run: RunDir, left: Path | None = None) -> str:
    """Why a run has no adapter (or model) to export or load, and the way on: resume, its last checkpoint's, or (a
    finished run's result deleted since) put it back or train again. `left`: a result folder of a run that did not
    finish."""
    summary = run.summary()  # as `runs list` and the Train page say it: "stopped — resumable", step 91/3000
    state, step = summary.state, summary.step
    if state == "finished":
        return _result_gone(run, step)
    kind = "model" if is_full_run(run) else "adapter"
    at = f" at step {step}" + (f"/{summary.max_steps}" if summary.max_steps else "") if step else ""
    # unknown: status.json missing or damaged (run_files)
    now = {"unknown": "its status does not read", "failed": "it failed"}.get(state, f"it is {summary.state_text}")
    said = f"Run '{run.id}' has no {kind} yet: {now}{at}."
    if state == "unknown" and not summary.resumable:  # nor does config.json: what is left and the way on, as listed
        return f"Run '{run.id}' cannot be used: {summary.message}"
    if state in ("running", "queued", "stopping"):
        return said + f" The {kind} is written when it finishes."
    if left is not None:
        said = (
            f"Run '{run.id}' did not finish: {now}{at}, so its {left.name}/ folder is not its "
            "result (what a save cut short left, or one the run died before recording)."
        )
    checkpoint = run.last_checkpoint()
    how = f"Resume it to finish (Resume on the Train page, or `python -m ftlib runs resume {run.id}`)"
    # A run whose status.json does not read resumes from its last checkpoint too (`runs.resume`; `runs show` says so).
    if state in ("interrupted", "failed", "unknown") and checkpoint is not None:
        peft = (checkpoint / "adapter_config.json").is_file()
        said += f" {how}; its last checkpoint holds the {kind} as it was at {checkpoint.name}: {checkpoint}"
        said += " (loadable with PeftModel.from_pretrained)." if peft else "."
    elif left is not None:
        said += f" {how}."
    elif summary.resumable:  # stopped or lost before its first checkpoint: a resume trains it from the start
        said += f" {how}: it starts from the beginning, as it has no checkpoint."
    elif state == "failed":  # failed before its first checkpoint: nothing to resume from; its log says why
        said += (
            f" Its log says why (its Log on the Train page, or `python -m ftlib runs log {run.id}`); fix that and "
            "train it again."
        )
    return said


def is_full_run(run: RunDir) -> bool:
    """Whether the run fine-tuned every weight (its result is `model/`, not `adapter/`)."""
    if run.read_status().get("output") in ("model", "adapter"):
        return run.read_status()["output"] == "model"
    config = run.read_config()
    return tuning_of(str(config.get("method", "lora")), config.get("tuning", config.get("dpo_tuning"))) == "full"


def _result_gone(run: RunDir, step) -> str:
    """A finished run whose `adapter/` (or `model/`) is missing: deleted or moved after it ended."""
    kind, folder = ("model", run.model_dir) if is_full_run(run) else ("adapter", run.adapter_dir)
    said = (
        f"Run '{run.id}' finished" + (f" at step {step}" if step else "") + f", but its {kind} is no longer in its "
        f"folder ({folder} is missing or incomplete): it was deleted or moved after the run ended, so there is "
        "nothing to export."
    )
    checkpoint = run.last_checkpoint()
    marker = "config.json" if kind == "model" else "adapter_config.json"
    if checkpoint is not None and (checkpoint / marker).is_file():
        return said + f" Its last checkpoint holds the {kind} as it was at {checkpoint.name}: {checkpoint}."
    return said + f" Put the {kind} folder back there, or train the run again."


def check_run_status(
    tuned: str | Path, error: type[Exception] = UserError, finished: bool = True, missing_ok: bool = True
) -> None:
    """Refuse the result folder of a run (`<run>/adapter`, `<run>/model`, or the run's folder) unless the run
    finished: its status.json does not read (`[]`, bytes not UTF-8, cut short, no state), so whether the folder is
    its result is not known; or it is running, stopped or failed (`no_result_reason` says which, and the way on).
    A folder from outside a run, or a run from before status files, has no status file: not refused unless
    `missing_ok=False` (export: a run in the workspace always has one). `finished=False`: only the status that does
    not read is refused (a caller that says more about the run's state itself). Raises `error` (the caller's kind
    of UserError) with the words."""
    run = RunDir(run_folder_of(tuned))
    status, problem = run.checked_status()
    if problem is not None and (problem != MISSING or not missing_ok):
        if not run.summary().resumable:  # its config.json does not read either: no resume to point to (a loop)
            raise error(f"Run '{run.id}' cannot be used: {run.summary().message}")
        raise error(
            f"Run '{run.id}' cannot be used: its status file {run.status_file} {problem}, so whether it finished, and "
            f"so whether its {Path(tuned).name}/ folder is its result, is not known. Resume it (`python -m ftlib runs "
            f"resume {run.id}`, or Resume on the Train page) or delete it (`python -m ftlib runs delete {run.id}`)."
        )
    if finished and problem is None and status.get("state") != "finished":
        left = Path(tuned) if Path(tuned) != run.path else None
        raise error(no_result_reason(run, left=left))


__all__ = ["check_run_status", "is_full_run", "no_result_reason"]
