"""Where a stopped or failed run resumes from, and whether a resume would fail again, checked now.

    resume_words(run.last_checkpoint())   # "resume continues from checkpoint-6 (step 6)"
    ended_at(run.last_checkpoint())       # True: saved where training had ended, a resume only writes the result
                                          # (ftlib.run_files, which rundir reads it with too)
    stopped_now_message(7, checkpoint)    # how a run stopped at once (a second stop) ends
    refusal(run)                          # None, or why `runs resume` would fail the same way now
    unusable_reward_models(config)        # {run id: why} for the reward-model runs a GRPO run scores with
    reward_model_users(run_id)            # the queued or training GRPO runs that score with this reward model
    reward_model_users_said(run_id)       # what deleting that reward model costs every GRPO run scoring with it

A failure's stored message says why the run failed then. Where the cause can be fixed outside the run (a reward-model
run that was deleted, then copied back), whether a resume would fail again is asked now, not read from that message:
a resume is refused only while it would really fail the same way.

Not known here: the queue (runs.py), the run folder's files (rundir.py), what makes a reward model usable
(rewards.check_reward_run).
"""

from __future__ import annotations

from pathlib import Path

from ftlib import workspace
from ftlib.errors import UserError
from ftlib.run_files import checkpoint_step, ended_at  # what a checkpoint's own files say (re-exported: worker)
from ftlib.rundir import RunDir


def resume_words(checkpoint: Path | None) -> str:
    """Where a resume continues from, as the end of a sentence (the newest complete checkpoint, or the beginning);
    from a checkpoint saved where training had ended (`ended_at`), a resume trains no step: it only writes the result.

    >>> resume_words(Path("runs/r1/checkpoints/checkpoint-6"))
    'resume continues from checkpoint-6 (step 6)'
    >>> resume_words(None)
    'no checkpoint was saved, so a resume starts from the beginning'
    """
    if checkpoint is None:
        return "no checkpoint was saved, so a resume starts from the beginning"
    if ended_at(checkpoint):
        return (
            f"training had ended at {checkpoint.name}, so a resume only writes the result from it (no step is trained)"
        )
    step = checkpoint_step(checkpoint)
    return f"resume continues from {checkpoint.name}" + (f" (step {step})" if step is not None else "")


def stopped_now_message(step: int | None, checkpoint: Path | None, by_user: bool = True) -> str:
    """How a run stopped at once ends (a second stop: its processes told to end mid-step, so the step under way is
    not saved): its last step, and where a resume continues from.

    >>> stopped_now_message(7, Path("runs/r1/checkpoints/checkpoint-6"))
    'Stopped at once at step 7 (a second stop), without saving a new checkpoint; resume continues from checkpoint-6 \
(step 6).'
    >>> stopped_now_message(0, None, by_user=False)
    'Stopped at once by the system (a second SIGTERM) before its first step, without saving a new checkpoint; no \
checkpoint was saved, so a resume starts from the beginning.'
    """
    who = "(a second stop)" if by_user else "by the system (a second SIGTERM)"
    at = f"at step {step} {who}" if step else f"{who} before its first step"
    return f"Stopped at once {at}, without saving a new checkpoint; {resume_words(checkpoint)}."


def unusable_reward_models(config: dict) -> dict[str, str]:
    """The reward-model runs a GRPO run's config (`rewards: [{"model": RUN_ID}]`) names that cannot be used now (gone,
    not finished, not a reward model), each with the reason `rewards.check_reward_run` gives; {} for other runs."""
    from ftlib.rewards import check_reward_run

    found = {}
    specs = config.get("rewards") or [] if config.get("method") == "grpo" else []
    for spec in specs:
        if not isinstance(spec, dict) or not isinstance(spec.get("model"), str):
            continue
        try:
            check_reward_run(spec["model"])
        except UserError as exc:
            found[spec["model"]] = str(exc)
    return found


def reward_model_users(run_id: str, states: tuple[str, ...] | None = ("queued", "running", "stopping")) -> list[str]:
    """The GRPO runs whose rewards score answers with the reward-model run `run_id` (`{"model": run_id}`, or its
    name, as runs queued before names were recorded as ids have it), in one of `states` (None: any): by default the
    queued or training ones, which deleting it now would fail."""
    root = workspace.runs_dir()
    names = {run_id, str(RunDir(root / run_id).read_config().get("name") or "").strip()} - {""}
    users = []
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        other = RunDir(folder)
        if other.id == run_id or (states is not None and other.read_status().get("state") not in states):
            continue
        specs = other.read_config().get("rewards") or []
        if any(isinstance(spec, dict) and spec.get("model") in names for spec in specs):
            users.append(other.id)
    return users


def reward_model_users_said(run_id: str) -> str:
    """One sentence naming every GRPO run that scores with the reward-model run `run_id`, whatever its state (an
    ended one resumes and is evaluated with it): what deleting `run_id` costs them, as `runs delete` warns and the
    Train page's delete question says it; "" when none does.

    >>> reward_model_users_said("no-such-run")
    ''
    """
    users = reward_model_users(run_id, states=None)
    if not users:
        return ""
    several = len(users) > 1
    return (
        f"{', '.join(users)} {'score' if several else 'scores'} with this reward model: without it, resuming or "
        f"evaluating {'them' if several else 'it'} fails."
    )


def refusal(run: RunDir) -> str | None:
    """Why `runs resume` refuses the run now (None when it may resume): a damaged checkpoint it would resume from,
    a reward-model run it failed on that still cannot be used, a failure on its settings or data before any
    checkpoint, or its own copy of its rows gone. Only `interrupted` and `failed` runs are asked about."""
    status = run.read_status()
    resumable = run.summary().resumable
    if not resumable and status.get("damaged_checkpoint"):  # the worker's message says the way on
        said = status.get("message") or "its last checkpoint is damaged."
        return f"Run '{run.id}' cannot resume: {said}"
    if status.get("state") == "failed" and run.reward_models_failed_on(
        status
    ):  # asked now: the run may be back (copied in)
        still = unusable_reward_models(run.read_config())
        if still:
            return (
                f"Run '{run.id}' failed because a reward-model run it scores answers with could not be used, and it "
                f"still cannot, so a resume would fail the same way: {' '.join(still.values())} Resume once that "
                "run is back and finished, or start a new run with another reward model."
            )
    elif not resumable:
        return (
            f"Run '{run.id}' failed on its settings or data before saving a checkpoint, so a resume would fail "
            f"the same way: {status.get('message') or 'see its log'} Fix that and start a new run."
        )
    kept = workspace.kept_split(run.path)
    if kept is not None and (damaged := workspace.split_problem(kept)):
        return f"Run '{run.id}' cannot resume: {damaged}"
    if status.get("rows_kept") and kept is None:
        # Trained on its own copy of its rows: without it a resume would read the file as it is now, silently.
        return (
            f"Run '{run.id}' kept its own copy of its rows ({workspace.RUN_SPLIT_DIR}/ in its folder), which is "
            "gone: a resume would train on the data as it is now, not on the rows it started with. Start a new "
            "run on the data instead."
        )
    return None


__all__ = [
    "checkpoint_step",
    "ended_at",
    "refusal",
    "resume_words",
    "reward_model_users",
    "reward_model_users_said",
    "stopped_now_message",
    "unusable_reward_models",
]
