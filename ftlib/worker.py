"""The training process: `python -m ftlib.worker RUN_DIR` trains one run, then starts the next queued one
(under torchrun, run_watch does, once every process ended).

    python -m ftlib.worker RUN_DIR                                              # what the queue launches
    python -m torch.distributed.run --nproc-per-node 2 -m ftlib.worker RUN_DIR  # DDP or FSDP, same entry point

The queue (runs.py) writes the run folder and starts this process in its own session, so a run outlives the
browser tab, the Streamlit server and the CLI that started it. Here the run's status is kept true at every
phase (loading, training, saving, finished / failed / interrupted), and a failure of any kind ends as one
readable message in status.json (out of memory, a full disk and the user's own errors each say what to do),
never as a silent dead run. SIGTERM asks for a graceful stop (a checkpoint first); a second one, or one after a
person asked to stop (`runs stop` asked twice: "Stop now"), stops now (`StopNow`): the run ends stopped as a stop
does, without a checkpoint of the step under way, said in one line of the log rather than a traceback. A run that
died writing its result resumes from the checkpoint of its last step and only writes the result from it (no step past
the end: `train_no_step`); a merged model or zip built from an earlier result goes first (`export.remove_exported`).
Under torchrun, global rank 0 writes the metrics and the model, and the first process of the machine the run folder
was created for writes its status (ftlib.distributed: on several machines each has its own run folder).

Not known here: how a trainer is built (training.py), the queue (runs.py).
"""

from __future__ import annotations

import logging
import os
import re
import signal
import sys
import time
import traceback
import warnings
from pathlib import Path

from ftlib import sharing, workspace
from ftlib.errors import UserError, plural
from ftlib.run_resume import ended_at, resume_words, stopped_now_message, unusable_reward_models
from ftlib.rundir import RunDir

# Library messages every run printed that are harmless here and read as errors in "Last log lines" (issue 19, item
# 18): (logger, the message's start) and (warning category, the message's start). Each is matched exactly, so the
# user's own errors and every other library message still reach the log.
KNOWN_HARMLESS_LOGS = (
    # bitsandbytes, imported by PEFT, looks for an optional faster 4-bit kernel for CPUs with AVX512-BF16 and falls
    # back to its own; LoRA and full fine-tuning never use 4-bit layers, and QLoRA runs the same math without it.
    # Since transformers 5.25 brought the `kernels` package, that look-up asks the Hub (kernels-community); `import
    # ftlib` sets HF_HUB_OFFLINE=1 unless FTLIB_ALLOW_HUB is on, so it fails into this message at once.
    ("bitsandbytes.backends.cpu.ops", "Failed to load CPU gemm_4bit_forward from kernels-community"),
    # The same look-up, offline, first tells (through the `kernels` package) that it skips the publisher check.
    (
        "kernels._internals.hf_hub",
        "Skipping publisher trust check for 'kernels-community/quantization-bitsandbytes' because",
    ),
)
KNOWN_HARMLESS_WARNINGS = (
    # TRL reads transformers' deprecated alias (trl/models/utils.py); the value is the same under the new name.
    (FutureWarning, "`is_gradient_checkpointing` is deprecated"),
)


def _not_starting_with(start: str):
    return lambda record: not record.getMessage().startswith(start)


# One filter object per known message, so a second call (the app calls it on every rerun) adds nothing.
_LOG_FILTERS = [(name, _not_starting_with(start)) for name, start in KNOWN_HARMLESS_LOGS]


def quiet_known_noise() -> None:
    """Keep the known-harmless library messages above out of the run's log (and the app's server log, the CLI's
    stderr); nothing else is filtered. Calling it again adds nothing (Python drops a warnings filter equal to one
    it is given).

    transformers' "Loading weights: 0%|..." bars go too (walk 8B: they filled the server log, each run's train.log
    and `runs show`'s last log lines): transformers reads HF_HUB_DISABLE_PROGRESS_BARS when it is imported, and is
    told directly when it already is. `HF_HUB_DISABLE_PROGRESS_BARS=0` set by the operator brings them back.
    """
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    bars_off = os.environ["HF_HUB_DISABLE_PROGRESS_BARS"].strip().lower() in {"1", "true", "yes", "on"}
    # Another session's thread may be importing it right now: in sys.modules, not yet run to its end (eight browser
    # sessions opened at once met "partially initialized module ... has no attribute 'disable_progress_bar'"). That
    # import reads the variable itself: every thread that imports transformers here set it first.
    disable_bars = getattr(sys.modules.get("transformers.utils.logging"), "disable_progress_bar", None)
    if bars_off and disable_bars is not None:
        disable_bars()
    for name, not_harmless in _LOG_FILTERS:
        logger = logging.getLogger(name)
        if not_harmless not in logger.filters:
            logger.addFilter(not_harmless)
    for category, start in KNOWN_HARMLESS_WARNINGS:
        warnings.filterwarnings("ignore", message=re.escape(start), category=category)


def friendly_error(exc: BaseException, checkpoint: Path | None = None) -> str:
    """One actionable sentence for the failures people meet: out of memory, a full disk, their own errors, and (a
    resume from `checkpoint`) a damaged checkpoint, named with the way on."""
    text = str(exc)
    lowered = text.lower()
    if (
        isinstance(exc, MemoryError)
        or "out of memory" in lowered
        or "can't allocate memory" in lowered
        or "not enough memory" in lowered
    ):
        return (
            "The device ran out of memory. Lower the batch size or max length, turn on gradient checkpointing, "
            f"or use LoRA/QLoRA instead of full fine-tuning. ({type(exc).__name__}: {text[:300]})"
        )
    if workspace.is_disk_full(exc):
        filename = getattr(exc, "path", None) or getattr(exc, "filename", None)  # path: a workspace.DiskFullError
        where = f" while writing {filename}" if filename else ""
        reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or text[:200]
        return (
            f"The disk is full{where} ({reason}). {workspace.space_hint()}Then resume: the run continues from "
            "its last complete checkpoint, and its metrics so far are kept."
        )
    if isinstance(exc, UserError):  # the engine's own errors already read as sentences
        return text
    if "gloo" in lowered and any(w in lowered for w in ("connection reset", "connection closed", "timed out waiting")):
        # Another process of the run ended (killed, out of memory) or hangs: this one only saw its peer go away.
        return (
            "Another process of this run stopped answering (killed, out of memory, or stuck; on several machines: "
            "one of them, or the network between them), so this one could not exchange gradients and stopped too. "
            "Its log says which; resume the run on every machine. "
            f"({type(exc).__name__}: {text[:200]})"
        )
    damaged = damaged_checkpoint(checkpoint)
    if damaged:  # safetensors' and torch's errors name no file ("Error while deserializing header: ...")
        return _damaged_checkpoint_words(checkpoint, damaged) + f" ({type(exc).__name__}: {text[:300]})"
    return f"{type(exc).__name__}: {text[:500]}"


def damaged_checkpoint(checkpoint: Path | None) -> list[tuple[Path, str]]:
    """The damaged files of the checkpoint a run resumed from (cut short, overwritten: `ftlib.integrity`)."""
    from ftlib.integrity import damaged_files

    return damaged_files(checkpoint) if checkpoint is not None else []


# Files of a checkpoint that transformers' Trainer (5.x) resumes without: it never reads training_args.bin back, and
# reads rng_state.pth (rng_state_N.pth per process) and scaler.pt only where they are there; optimizer.pt and
# scheduler.pt are read only where both are. A damaged one of these is removed rather than the whole checkpoint.
_NOT_NEEDED = re.compile(r"^(rng_state(_\d+)?\.pth|scaler\.pt|training_args\.bin)$")
_OPTIMIZER = ("optimizer.pt", "scheduler.pt")


def _damaged_checkpoint_words(checkpoint: Path, damaged: list[tuple[Path, str]]) -> str:
    """ "checkpoint-4 of this run is damaged (...): " and the way on that keeps the most: remove only the damaged
    files a resume does without (its steps kept), else delete the checkpoint to resume from the one before."""
    import shlex

    from ftlib.integrity import damage_words

    def step(path: Path) -> int:
        number = path.name.rsplit("-", 1)[-1]
        return int(number) if number.isdigit() else -1

    before = [
        step(p)
        for p in checkpoint.parent.glob("checkpoint-*")
        if 0 <= step(p) < step(checkpoint) and (p / "trainer_state.json").is_file()
    ]
    earlier = f"checkpoint-{max(before)}" if before else None
    then = (
        f"to resume from the one before ({earlier})"
        if before
        else "to resume from the beginning (it has no earlier checkpoint)"
    )
    delete = f"(`rm -r {shlex.quote(str(checkpoint))}`) {then}"
    names = {path.name for path, _ in damaged}
    said = f"{checkpoint.name} of this run is damaged ({damage_words(damaged)}): "
    if not all(_NOT_NEEDED.match(name) or name in _OPTIMIZER for name in names):
        return said + f"delete it {delete}, or start a new run."
    optimizer = bool(names & set(_OPTIMIZER))
    files = sorted(names | (set(_OPTIMIZER) if optimizer else set()))
    remove = f"remove {' and '.join(files)} (`rm -f {' '.join(shlex.quote(str(checkpoint / f)) for f in files)}`)"
    if not optimizer:  # nothing the steps trained lives there (rng_state.pth: only later random draws differ)
        them = "it" if len(files) == 1 else "them"
        return said + f"{remove} and resume: a resume does without {them} and continues from {checkpoint.name}."
    return (
        said + f"{remove} to resume from {checkpoint.name} with all its steps, the optimizer's state and the "
        "learning-rate schedule starting afresh (a resume reads them only where both are there); or "
        + (f"delete {checkpoint.name} {delete} with them intact." if before else "start a new run.")
    )


def execute(run_dir: str | Path) -> str:
    """Train the run in `run_dir` in this process; return its final state. Writes status as it goes (rank 0)."""
    from ftlib import export, file_modes, overfitting
    from ftlib.config import RunConfig
    from ftlib.distributed import Topology, agree_on_checkpoint, agree_on_settings, rendezvous_group
    from ftlib.library_notices import tokens_aligned_quietly
    from ftlib.metrics import MetricsCallback
    from ftlib.run_files import checkpoint_step
    from ftlib.run_phases import LOADING, first_step_words, held_out_chart, phase_callback
    from ftlib.training import attach_throughput, build_trainer, remove_unfinished_save, save_final

    run = RunDir(Path(run_dir))
    where = Topology.current()
    main = where.is_main  # metrics, checkpoints, the model
    owner = main  # writes status.json; the config's node_rank decides once it is read (the closures see the change)
    status = run.read_status()
    resume = bool(status.get("resume"))
    checkpoint = None  # the one resumed from, once known: a failure may be its damage
    config = prepared = None  # once known: what a failure or a stop now is said with

    def update(**fields) -> None:
        if owner:
            run.update_status(**fields)

    def end(**fields) -> None:
        if owner:
            run.end_attempt(**fields)

    try:
        config = RunConfig.from_file(run.config_file)
        owner = where.owns(config.node_rank)
        if owner:
            # The launcher already wrote `running` (or `stopping`, if a stop came first); a run started by hand
            # (e.g. under torchrun) registers itself here.
            extra = {} if status.get("pid") else {"pid": os.getpid(), "started": time.time(), "ended": None}
            if status.get("state") != "stopping":
                extra["state"] = "running"
            update(phase=LOADING, error=None, message="Running.", damaged_checkpoint=None, **extra)
        callback = MetricsCallback(run, is_main=main)
        phases = phase_callback(update)  # the status's phase: the step-0 evaluation, the first step, training
        checkpoint = run.last_checkpoint() if resume else None
        if resume and main:
            remove_unfinished_save(run.path)  # a result half written when the run died: disk space back first
        ended = ended_at(checkpoint)  # saved after the last step: the run died writing its result
        # The lease's callback first: its handover at the start of a step is then outside the step the metrics
        # callback times for tokens/s. A run that starts from step 0 evaluates once before it (the base model's
        # held-out loss, step 0 of the chart); one resumed from a checkpoint has that point already.
        prepared = build_trainer(
            config,
            run.path,
            # Machines of one run meet at one endpoint; each names the run by its own workspace's id.
            callbacks=[
                sharing.training_callback(run.path.name, group=rendezvous_group(config)),
                callback,
                # safetensors writes 0600: a teammate's account (README's group-shared workspace) resumes from them too
                file_modes.checkpoints_readable(),
                phases,
            ],
            evaluate_first=checkpoint is None,
        )
        attach_throughput(prepared, callback)
        phases.eval_rows = prepared.eval_rows
        phases.chart = held_out_chart(config.method)  # GRPO's held-out score is on its Rewards chart
        callback.count_trained_tokens(prepared.trainer)  # TRL logs only the tokens read, prompt and answer alike
        if main:
            # As `training.encode_for_training` leaves rows out: a GRPO prompt trains no token of its own, and is left
            # out only when the max length cuts it (it would be answered mid-sentence).
            why = (
                f"a prompt longer than the max length of {config.max_length}"
                if config.method == "grpo"
                else "nothing to learn"
            )
            # Each split's own count: "1 row dropped" of a run holding out rows did not say which split lost it.
            splits = ((prepared.dropped, "training"), (prepared.eval_dropped, "eval"))
            dropped = " and ".join(plural(n, f"{split} row") for n, split in splits if n) or "0 rows"
            print(
                f"[ftlib] {plural(prepared.train_rows, 'training row')}, {plural(prepared.eval_rows, 'eval row')} "
                f"from {prepared.source}; {dropped} dropped for having {why}",
                flush=True,
            )
            if checkpoint is not None:
                rest = ": training had ended there, so only its result is written" if ended else ""
                print(f"[ftlib] resuming from {checkpoint.name}{rest}", flush=True)
        agree_on_checkpoint(checkpoint)
        agree_on_settings(config, run.path)  # machines reading their own config and data: the same ones
        if owner and not main:
            print(
                f"[ftlib] machine {where.node_rank} of {config.nnodes}: training with machine 0 at "
                f"{config.rdzv_endpoint}, which shows the progress and keeps the metrics",
                flush=True,
            )
        callback.prepare_resume(checkpoint)
        update(
            # Resumed: its first step's words now, not "training" with the time left of the steps before its stop
            # while it waits for the device (the lease's turn comes before the phase callback's)
            phase=first_step_words(checkpoint_step(checkpoint) or 0) if checkpoint and not ended else "training",
            train_rows=prepared.train_rows,
            eval_rows=prepared.eval_rows,
            resumed_from=checkpoint.name if checkpoint else None,
        )
        if ended:
            train_no_step(prepared.trainer)
        with tokens_aligned_quietly():  # transformers' notice of config ids taking the tokenizer's: the studio's own
            prepared.trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
        if callback.failure:
            end(state="failed", phase="", message=callback.failure, error=callback.failure)
            return "failed"
        if callback.stopped:
            step = prepared.trainer.state.global_step
            by_signal = bool(_SIGNALLED) and not _SIGNALLED[0]  # a SIGTERM came first: the system, not the person
            # The callback saved a checkpoint at this step (also with save_every 0): the resume continues from it.
            end(
                state="interrupted",
                stopped_by=None if by_signal else "user",
                phase="",
                message=(f"Stopped by the system (SIGTERM) at step {step}" if by_signal else f"Stopped at step {step}")
                + f"; {resume_words(run.last_checkpoint())}.",
            )
            return "interrupted"
        if prepared.trainer.state.global_step == 0:  # "finished" with nothing learned would be a lie
            raise UserError(
                "The run ended without a single training step: the trainer found no full batch of rows (GRPO leaves "
                "out a batch with fewer prompts than the batch size). Lower the batch size or add rows."
            )
        update(phase="saving")
        # A merged model or a zip built from an earlier result (`runs export` of a run that died saving, before
        # exports asked for a finished run) would no longer match: removed first, so none outlives what it came from.
        if prepared.trainer.args.should_save and export.exported_copies(run):
            export.remove_exported(run, wait=True)
        final = save_final(prepared, config, run.path)
        saved = final.is_dir()  # on machines other than 0, FSDP runs save nothing (the whole model is on machine 0)
        if saved:
            file_modes.readable(final)  # Compare, Evaluate and exports of a teammate's account load it too
        state = prepared.trainer.state
        message = overfitting.finish_message(state, config) or "Finished."  # early stopping says where it stopped
        if config.method == "grpo":  # a run whose answers all scored alike learned nothing: said, not "Finished."
            message += overfitting.no_signal_note(state.log_history)
        if not main:
            message = (
                f"Finished as machine {where.node_rank} of {config.nnodes}; machine 0's run folder has the metrics"
                + ("." if saved else " and the trained model.")
            )
        run.clear_stop()  # a stop asked after the last step finds nothing to stop: no STOP file outlives the run
        end(
            state="finished",
            phase="",
            output=final.name if saved else None,
            message=message,
            kept_step=overfitting.kept_step(state, config),
            step=state.global_step,
            max_steps=state.max_steps,
        )
        return "finished"
    except KeyboardInterrupt as exc:  # a stop now (StopNow), or Ctrl-C where the worker was started by hand
        step = prepared.trainer.state.global_step if prepared is not None else None
        return stopped_now(run, exc, step, owner)
    except BaseException as exc:  # a crash must end as a readable status, never a silent dead run
        # A full disk: the checkpoint it cut short goes first (no resume reads it), so the log and status.json below
        # can be written (a cold review: the traceback stopped at 4 KiB, status.json kept `running` for good).
        at = prepared.trainer.state.global_step if prepared is not None else None  # its checkpoint, if being saved
        freed = remove_unfinished_checkpoints(run, at) if main and workspace.is_disk_full(exc) else []
        message = friendly_error(exc, checkpoint)
        if freed:
            was = "was" if len(freed) == 1 else "were"
            message += f" ({' and '.join(freed)}, cut short by the full disk, {was} removed.)"
        # The user's own errors (settings, data, a full disk) are their message, one line in the log; a traceback
        # there only buries it. Anything else is a bug or a crash, and its traceback is what an engineer needs.
        _say(None if isinstance(exc, UserError) else traceback.format_exc(), sys.stderr)
        cut = "\n" if workspace.is_disk_full(exc) else ""  # a line of its own after a log line the disk cut short
        _say(f"{cut}[ftlib] error: {message}")
        # A damaged checkpoint fails every resume from it: not offered again while it is there (RunSummary.resumable).
        damaged = checkpoint.name if damaged_checkpoint(checkpoint) else None
        # A full disk (an OSError) may pass once space is freed; the user's settings or data fail the same way again
        # until they are fixed, so without a checkpoint there is nothing to resume (RunSummary.resumable).
        user_error = isinstance(exc, UserError) and not isinstance(exc, OSError)
        # A reward-model run it scores with that could not be used (deleted, not finished) may be back later: a resume
        # asks again then rather than repeating this message (ftlib.run_resume.refusal, RunSummary.resumable).
        unusable = _unusable_reward_models(config) if user_error else {}
        unusable = sorted(name for name in unusable if repr(name) in message)
        for last_try in (False, True):
            try:
                end(
                    state="failed",
                    phase="",
                    message=message,
                    error=message,
                    log_tail=run.log_tail(since=run.read_status().get("log_start")),  # this attempt's lines
                    user_error=user_error or None,
                    damaged_checkpoint=damaged,
                    unusable_reward_models=unusable or None,
                )
                break
            except OSError as failed:  # a full disk: once more after removing a checkpoint it cut short, if any;
                # else the queue reports the run as ended on a full disk (runs.reconcile) and the log holds the message
                if last_try or not (main and remove_unfinished_checkpoints(run, at)):
                    _say(f"[ftlib] status.json could not be written: {type(failed).__name__}: {failed}")
                    break
        return "failed"


def remove_unfinished_checkpoints(run: RunDir, step: int | None = None) -> list[str]:
    """Remove the run's checkpoints a failure cut short: those without trainer_state.json (the Trainer writes it
    last), and the one of `step` (the failure's step: its checkpoint was being saved) whose trainer_state.json does
    not read (the disk filled while writing it). No resume reads them (`RunDir.last_checkpoint`), and on a full disk
    their space is what lets the run's log and status be written. Returns their names."""
    import json
    import shutil

    def cut_short(path: Path) -> bool:
        state = path / "trainer_state.json"
        if not state.is_file():
            return True
        try:
            return path.name == f"checkpoint-{step}" and not isinstance(json.loads(state.read_bytes()), dict)
        except (OSError, ValueError):
            return path.name == f"checkpoint-{step}"

    removed = [path.name for path in sorted(run.checkpoints.glob("checkpoint-*")) if path.is_dir() and cut_short(path)]
    for name in removed:
        shutil.rmtree(run.checkpoints / name, ignore_errors=True)
    return removed


def _say(line: str | None, stream=None) -> None:
    """Print `line` to the log (stdout, or `stream`; None: nothing); a log the disk is too full for loses the line,
    not the run's end."""
    try:
        if line:
            print(line.rstrip("\n"), file=stream or sys.stdout, flush=True)
        sys.stdout.flush()
    except OSError:
        pass


def train_no_step(trainer) -> None:
    """Make `trainer.train(resume_from_checkpoint=...)` train no step, for a checkpoint saved where the run's training
    had ended (`run_resume.ended_at`). The Trainer still loads it (and at the end early stopping's best checkpoint)
    exactly as after the run's last step, and the result is saved from that; only the step it would train past the
    end is left out. Each step starts by collecting its batches (`get_batch_samples`): there are none, and the loop is
    told to stop; the evaluation and the checkpoint an epoch's end asks for are left out too, and the summary the
    Trainer logs at the end (the run has all three at that step already, from before it died; this attempt's summary
    would say a training loss of 0 over no step)."""
    from transformers import TrainerCallback

    asked = []
    log = trainer.log

    def no_summary(logs, *args, **kwargs):
        if "train_runtime" not in logs:
            log(logs, *args, **kwargs)

    def no_batches(*args, **kwargs):
        asked.append(True)
        trainer.control.should_training_stop = True
        return [], None

    class NothingAtTheEnd(TrainerCallback):
        def on_epoch_end(self, args, state, control, **kwargs):
            if asked:
                control.should_evaluate = control.should_save = False
            return control

    trainer.get_batch_samples, trainer.log = no_batches, no_summary
    trainer.add_callback(NothingAtTheEnd())


def _unusable_reward_models(config) -> dict[str, str]:
    """`run_resume.unusable_reward_models` of a run's config; {} when it could not be read or checked."""
    try:
        return unusable_reward_models(config.to_dict()) if config is not None else {}
    except Exception:  # never turn the failure being recorded into another one
        return {}


def stopped_now(run: RunDir, exc: KeyboardInterrupt, step: int | None, owner: bool) -> str:
    """End a run stopped at once (a StopNow, or Ctrl-C) at `step` (None: before its first): its message in the log,
    not a traceback of where the signal came in, and status `interrupted` (written by the status's `owner`)."""
    by_user = not isinstance(exc, StopNow) or exc.by_user
    message = stopped_now_message(step, run.last_checkpoint(), by_user=by_user)
    print(f"[ftlib] {message}", flush=True)
    if owner:
        run.end_attempt(state="interrupted", stopped_by="user" if by_user else None, phase="", message=message)
    return "interrupted"


class StopNow(KeyboardInterrupt):
    """Raised by the SIGTERM handler to stop the run now, mid-step: `by_user` when a person had asked to stop (the
    STOP file was there when the first SIGTERM came: `runs stop` asked twice), else the system's second SIGTERM."""

    def __init__(self, by_user: bool):
        super().__init__("stop now")
        self.by_user = by_user


# One entry per SIGTERM this process received: whether a person had asked for the stop already (a STOP file).
_SIGNALLED: list[bool] = []
# Set once a stop now is raised: further SIGTERMs are then ignored while the run ends.
_ENDING: list[bool] = []


def install_stop_signal(run: RunDir) -> None:
    """SIGTERM asks for a graceful stop (a STOP file the trainer callback sees) instead of dying mid-step; a second
    one, or one after a person asked to stop, stops now (`StopNow`)."""

    def handler(signum, frame):  # noqa: ARG001
        if _ENDING:
            return
        _SIGNALLED.append(run.stop_requested())
        if len(_SIGNALLED) > 1 or _SIGNALLED[0]:
            _ENDING.append(True)  # a further SIGTERM (torchrun passes its own on) must not cut the ending short
            raise StopNow(by_user=_SIGNALLED[0])
        run.request_stop()

    signal.signal(signal.SIGTERM, handler)


def _leave_out_unused_libraries(run: RunDir) -> None:
    """A second off a run's start where it quantizes nothing (ftlib.training_model.leave_out_bitsandbytes)."""
    from ftlib.config import RunConfig
    from ftlib.training_model import leave_out_bitsandbytes

    try:
        leave_out_bitsandbytes(RunConfig.from_file(run.config_file))
    except Exception:  # a config that cannot be read fails in `execute`, with its message in status.json
        pass


# What a run trains with: torch, transformers, PEFT (ftlib.metrics imports them first), TRL, datasets.
RUN_LIBRARIES = ("datasets", "trl", "ftlib.metrics", "ftlib.training")


def _import_libraries_unscanned(modules: tuple[str, ...] = RUN_LIBRARIES) -> None:
    """Import `modules` (names, as `import` takes them; a run's by default) with Python's cyclic garbage collector
    paused, then keep those objects out of its later passes (`gc.freeze`). For a process started for one job: the
    run's own (`main`'s `fresh_process`, after `_leave_out_unused_libraries`), or the CLI's (`ftlib.cli.main`'s); one
    that has imported torch already is left as it is.

    Each full pass of the collector walks every object alive, and these imports bring ~0.4 million: 9 full passes
    before a LoRA run's first step, each slower than the last, ~1.2 s of a ~7 s start (BENCHMARKS.md "Start-up").
    Imports leave next to no cyclic garbage (0-50 objects a pass, measured), so the pause holds nothing back and the
    freeze keeps only what lives as long as the process anyway; the collector runs as before once they are imported.
    """
    import gc
    import importlib

    if "torch" in sys.modules:  # a test or the app: freezing there would keep its garbage for good
        return
    gc.disable()
    try:
        for module in modules:
            importlib.import_module(module)
    except Exception:  # a broken install fails where the job imports it, as before, with its own traceback
        pass
    finally:
        gc.freeze()
        gc.enable()


def main(argv: list[str] | None = None, fresh_process: bool = False) -> int:
    """`python -m ftlib.worker RUN_DIR`: train, then start the next queued run (rank 0 only). `fresh_process`: this
    process is the run's own, started for it (`python -m`), so its libraries are imported unscanned."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m ftlib.worker RUN_DIR", file=sys.stderr)
        return 2
    from ftlib import runs
    from ftlib.distributed import Topology, close_process_group

    quiet_known_noise()  # before the libraries are imported: bitsandbytes logs on import
    from ftlib import pattern_search

    pattern_search.SEARCH_SECONDS = pattern_search.RUN_SEARCH_SECONDS  # this process is the run's alone
    run = RunDir(Path(argv[0]).resolve())
    install_stop_signal(run)
    try:
        _leave_out_unused_libraries(run)
        if fresh_process:  # not a test calling main: its process keeps its collector as it is
            _import_libraries_unscanned()
        state = execute(run.path)
    except KeyboardInterrupt as exc:  # a stop now while the libraries load, before execute's own handler is set up
        state = stopped_now(run, exc, None, Topology.current().is_main)
    try:
        owner = Topology.current().owns(run.read_config().get("node_rank", 0))
    except Exception:  # an unreadable config: the failure is in status.json already
        owner = Topology.current().is_main
    # Under torchrun the queue moves on in run_watch once every process ended: a run started from here got this
    # process's RANK, WORLD_SIZE and MASTER_PORT (a one-process run waited for a second one for ever) and thread share.
    if owner and "TORCHELASTIC_RUN_ID" not in os.environ:
        try:
            runs.advance()  # the queue moves on when a run ends
        except Exception:  # never turn a finished run into a failure because the next one could not start
            traceback.print_exc()
    close_process_group()  # a gloo group left to the exit can abort there: a finished run said failed
    return 0 if state in ("finished", "interrupted") else 1


if __name__ == "__main__":
    raise SystemExit(main(fresh_process=True))
