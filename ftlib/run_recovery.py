"""What can be done about a run that stopped or whose files do not read: whether Resume can help it (`resumable`:
a stopped or lost run, a failure that may not happen again, a finished run whose result's weights do not read), and
what to do about a run whose config.json or status.json does not read (`damage_message`: restore, resume, export or
delete, in the words `RunDir.summary` shows). Its own module: the rules for recovering a run are apart from reading
and writing its files (rundir.py, which asks these for each summary); `run` is a `ftlib.rundir.RunDir`, not
imported here (rundir imports this module).

    resumable(run, "failed", run.read_status(), last_train_row)  # True: Resume continues from its checkpoint
    damage_message(run, "is empty", None)  # "status.json is empty: the run's state is lost. ..."
"""

from __future__ import annotations

import math

from ftlib import workspace
from ftlib.integrity import damaged_files, file_problem, missing_weights
from ftlib.run_files import MISSING, ended_at
from ftlib.run_summary import both_lost_words


def damage_message(run, status_problem: str | None, config_problem: str | None) -> str:
    """What to do about a run whose config.json or status.json does not read ("" when both read)."""
    if not (config_problem or status_problem):
        return ""
    CONFIG_FILE, STATUS_FILE = run.config_file.name, run.status_file.name  # rundir's CONFIG_FILE, STATUS_FILE
    if config_problem and status_problem:  # neither resume nor export: what is left, not each other (a loop)
        return both_lost_words(run, {CONFIG_FILE: config_problem, STATUS_FILE: status_problem})
    how = f"`python -m ftlib runs delete {run.id}`, or Delete on the Train page"
    checkpoint, result = run.last_checkpoint(), run.output()
    if config_problem:  # what it trained reads no config.json: said first, deleting it last (a review)
        uses = f"`python -m ftlib runs export {run.id}`; `sample --adapter {run.id} --model` its base model"
        kept = f" Its {checkpoint.name} is kept." if checkpoint else ""
        kept = f" What it trained still exports and samples ({uses})." if result else kept
        return (
            f"{CONFIG_FILE} {config_problem}: the run's settings are lost, so it cannot resume.{kept} Restore "
            f"{CONFIG_FILE} from a backup to resume it; delete the run only once nothing in it is needed ({how})."
        )
    cause = " (a `train` killed while it created the run?)" if status_problem == MISSING else ""
    kept = f" Its result is in {result[0].name}/, as a finished run leaves it." if result else ""
    if ended_at(checkpoint):  # the worker then trains no step (`run_resume.ended_at`): it writes the result
        does = f"write its result again from {checkpoint.name}, where its training had ended (no step is trained)"
    else:
        where = f"from {checkpoint.name}" if checkpoint else "from the beginning, as it has no checkpoint"
        does = f"train again {where}" + (", replacing that result" if result else "")
    return (
        f"{STATUS_FILE} {status_problem}{cause}: the run's state is lost.{kept} Resume it to {does}, "
        f"or delete it (`python -m ftlib runs resume {run.id}` or `runs delete {run.id}`; Resume and Delete on "
        "the Train page)."
    )


def resumable(run, state: str, status: dict, last: dict | None = None) -> bool:
    """Whether Resume can help: a stopped or lost run, a failed one with a checkpoint to continue from, or one
    whose failure may not happen again (a crash, out of memory, a full disk). A run that failed before saving a
    checkpoint on the person's own settings or data (`user_error` in status.json), or on a loss or gradient that
    turned NaN/inf (its last training row: the learning rate, which a resume keeps, made it), would start again
    from step 0 and fail the same way; one that failed resuming from a damaged checkpoint (`damaged_checkpoint`)
    would again while it is still damaged (checked now: a file restored or removed since refuses nothing). One
    that failed because a reward-model run it scores with could not be used (`unusable_reward_models`) is
    resumable once each is a finished reward model again, asked now (a run deleted, then copied back)."""
    if (damaged := status.get("damaged_checkpoint")) and damaged_files(run.checkpoints / str(damaged)):
        return False
    waited_on = run.reward_models_failed_on(status)
    if state == "failed" and waited_on:
        return all(
            type(run)(run.path.parent / workspace.safe_name(str(name), "-")).is_finished_reward_model()
            for name in waited_on
        )
    if state == "interrupted":
        return True
    if state == "finished":  # weights of its result that do not read: written again where its training ended
        result = run.output()
        damaged = result and (
            [p for p in result[0].glob("*.safetensors") if file_problem(p)] or missing_weights(result[0])
        )
        return bool(damaged) and ended_at(run.last_checkpoint())
    if state != "failed":
        return False
    broke = bool(last) and not all(_finite(last.get(key)) for key in ("loss", "grad_norm"))
    return not (status.get("user_error") or broke) or run.last_checkpoint() is not None


def _finite(value) -> bool:
    """A logged number that is finite, or none logged (a step may leave out its gradient size)."""
    return value is None or (isinstance(value, (int, float)) and math.isfinite(value))


__all__ = ["damage_message", "resumable"]
