"""A second stop ("Stop now") ends a run as stopped by the person, saying where a resume continues from; a run that
failed on a reward-model run it could not use resumes once that run is back, and is refused while it is not.

Stop now is tested on real tiny-model training (the worker's SIGTERM handler) and on a stand-in that dies of the
signal without a word (the queue settles it); the resume checks on run folders as the worker leaves them.
"""

from __future__ import annotations

import os
import signal

import pytest

from ftlib import runs, worker
from ftlib.config import RunConfig
from ftlib.testing import make_run
from tests.test_runs import config, fake_runner, real_config, states, step_of, wait_for  # noqa: F401 (a fixture)

# ---------------------------------------------------------------------------------------------------------------
# Stop now
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("save_every", "resume_from"),
    [(2, "resume continues from checkpoint-"), (0, "no checkpoint was saved, so a resume starts from the beginning")],
)
def test_stop_now_ends_a_real_run_as_stopped_by_the_person_without_a_traceback(
    tiny_model_dir, tmp_path, save_every, resume_from
):
    run_id = runs.submit(real_config(tiny_model_dir, tmp_path, save_every=save_every, eval_every=0, max_steps=400))
    run = runs.find(run_id)
    wait_for(lambda: step_of(run_id) >= 3)
    assert runs.stop(run_id)["state"] == "stopping"
    said = runs.stop(run_id)["message"]  # at once: the step under way never ends with its checkpoint
    assert said.startswith("Stopping now: its processes were told to end") and resume_from in said, said
    wait_for(lambda: states()[run_id] == "interrupted", timeout=120)

    info = run.summary()
    assert info.stopped_by_user and info.resumable and info.state_text == "stopped — resumable"
    checkpoint = run.last_checkpoint()
    assert (checkpoint is None) == (save_every == 0), checkpoint
    expected = f"Stopped at once at step {info.step} (a second stop), without saving a new checkpoint; " + (
        f"resume continues from {checkpoint.name} (step {checkpoint.name.split('-')[1]})."
        if checkpoint
        else "no checkpoint was saved, so a resume starts from the beginning."
    )
    assert info.message == expected
    log = run.log_file.read_text()
    assert "Traceback" not in log and "KeyboardInterrupt" not in log
    assert f"[ftlib] {expected}" in log  # one line says it instead


@pytest.mark.usefixtures("fake_runner")
def test_a_stop_now_that_kills_a_process_before_it_can_say_so_is_still_the_persons_stop():
    """A stand-in that never reads the stop file and dies of the SIGTERM without a word (a process stuck waiting for
    another machine): the queue settles it as the person's stop, not as a process that ended unexpectedly."""
    run_id = runs.submit(config("waits"))
    run = runs.find(run_id)
    wait_for(lambda: run.read_status().get("pid"))
    runs.stop(run_id)
    assert "no checkpoint was saved, so a resume starts from the beginning" in runs.stop(run_id)["message"]
    wait_for(lambda: states()[run_id] == "interrupted", timeout=60)
    info = run.summary()
    assert info.stopped_by_user and info.resumable
    assert info.message.startswith("Stopped at once (a second stop) before its first step"), info.message
    runs.resume(run_id)  # the mark of the stop now goes with the attempt
    assert "stop_now" not in {k for k, v in run.read_status().items() if v is not None}


@pytest.mark.usefixtures("fake_runner")
def test_a_worker_that_ends_the_moment_it_is_signalled_keeps_its_own_last_message(monkeypatch):
    """The worker writes "Stopped at once ..." as it ends; the queue's "Stopping now ..." must not land after it
    (it did when written after the signal: a stopped run then said "Stopping now" for good)."""
    run_id = runs.submit(config("waits"))
    run = runs.find(run_id)
    wait_for(lambda: run.read_status().get("pid"))
    runs.stop(run_id)
    real_end = runs._end_session

    def worker_ends_at_once(pid):  # as a fast worker does between the signal and the queue's next line
        run.update_status(state="interrupted", stopped_by="user", message="Stopped at once at step 3 (a second stop).")
        real_end(pid)

    monkeypatch.setattr(runs, "_end_session", worker_ends_at_once)
    assert runs.stop(run_id)["message"].startswith("Stopping now")
    assert run.read_status()["message"] == "Stopped at once at step 3 (a second stop)."
    wait_for(lambda: states()[run_id] == "interrupted", timeout=60)


@pytest.mark.parametrize(("stop_file", "by_user"), [(True, True), (False, False)])
def test_the_sigterm_handler_stops_now_on_a_stop_already_asked_and_then_ignores_further_signals(
    tmp_path, monkeypatch, stop_file, by_user
):
    from ftlib.rundir import RunDir

    run = RunDir(tmp_path / "run")
    run.path.mkdir()
    monkeypatch.setattr(worker, "_SIGNALLED", [])
    monkeypatch.setattr(worker, "_ENDING", [])
    before = signal.getsignal(signal.SIGTERM)
    try:
        worker.install_stop_signal(run)
        if stop_file:
            run.request_stop()  # `runs stop` asked first: this SIGTERM is its second
        else:
            os.kill(os.getpid(), signal.SIGTERM)  # the system's first: a graceful stop, asked through the stop file
            assert run.stop_requested()
        with pytest.raises(worker.StopNow) as raised:
            os.kill(os.getpid(), signal.SIGTERM)
        assert raised.value.by_user is by_user
        os.kill(os.getpid(), signal.SIGTERM)  # torchrun passing its own on: the run is ending, nothing is raised
    finally:
        signal.signal(signal.SIGTERM, before)


def test_a_stop_now_while_loading_ends_the_attempt_with_the_checkpoint_it_would_resume_from(monkeypatch):
    import ftlib.training

    def stopped_now(*args, **kwargs):
        raise worker.StopNow(by_user=True)

    monkeypatch.setattr(ftlib.training, "build_trainer", stopped_now)
    run = make_run("r-loading", {"dataset": "rows.jsonl"}, state="stopping", started=1.0, pid=os.getpid())
    (run.checkpoints / "checkpoint-4").mkdir(parents=True)
    (run.checkpoints / "checkpoint-4" / "trainer_state.json").write_text("{}")
    assert worker.execute(run.path) == "interrupted"
    status = run.read_status()
    assert status["stopped_by"] == "user" and status["state"] == "interrupted"
    assert status["message"] == (
        "Stopped at once (a second stop) before its first step, without saving a new checkpoint; resume continues "
        "from checkpoint-4 (step 4)."
    )


def test_a_stop_now_while_the_libraries_import_ends_the_run_without_a_traceback(monkeypatch, capsys):
    """A second stop within a second of the start landed in an import above execute's handler: the log ended in a
    traceback of torch's import code and `StopNow: stop now` (a cold review)."""
    from ftlib import runs

    def importing(*args, **kwargs):
        raise worker.StopNow(by_user=True)

    monkeypatch.setattr(worker, "_leave_out_unused_libraries", importing)
    monkeypatch.setattr(worker, "install_stop_signal", lambda run: None)
    monkeypatch.setattr(runs, "advance", lambda **_: None)
    run = make_run("r-importing", {"dataset": "rows.jsonl"}, state="stopping", started=1.0, pid=os.getpid())
    assert worker.main([str(run.path)]) == 0
    status = run.read_status()
    assert (status["state"], status["stopped_by"]) == ("interrupted", "user")
    assert status["message"].startswith("Stopped at once (a second stop) before its first step")
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err and "[ftlib] Stopped at once" in out.out


# ---------------------------------------------------------------------------------------------------------------
# Resuming a run that failed on a reward-model run
# ---------------------------------------------------------------------------------------------------------------

GONE = (
    "There is no run 'rm-1' here. Train a reward model first (method reward on preference pairs) and give its run id."
)
GRPO = {"method": "grpo", "dataset": "prompts.jsonl", "rewards": [{"model": "rm-1"}]}


def reward_model(tmp_path, state: str = "finished"):
    adapter = tmp_path / "adapter-src"
    adapter.mkdir(exist_ok=True)
    (adapter / "adapter_config.json").write_text("{}")
    return make_run("rm-1", {"method": "reward", "dataset": "pairs.jsonl"}, state=state, adapter=adapter)


# (id, the failed run's status fields, the reward-model run now: None = gone, else its state; resumable now)
RESUME_CASES = [
    ("gone-still", {"unusable_reward_models": ["rm-1"]}, None, False),
    ("back", {"unusable_reward_models": ["rm-1"]}, "finished", True),
    ("back-but-not-trained-yet", {"unusable_reward_models": ["rm-1"]}, "queued", False),
    ("failed-before-it-was-recorded", {}, "finished", True),  # its stored error names the run: asked again too
    (
        "a-data-error-with-the-model-there",
        {"error": "The dataset has no usable prompt.", "message": "x"},
        "finished",
        False,
    ),
]


@pytest.mark.parametrize(
    ("case", "fields", "model_state", "resumable"), RESUME_CASES, ids=[c[0] for c in RESUME_CASES]
)
@pytest.mark.usefixtures("fake_runner")
def test_a_failure_on_a_reward_model_run_is_checked_again_when_resumed(
    tmp_path,
    case,
    fields,
    model_state,
    resumable,
):
    failed = {"error": f"`rewards` item 1: {GONE}", "message": f"`rewards` item 1: {GONE}", "user_error": True}
    run = make_run("grpo-1", GRPO, state="failed", rows_kept=False, **{**failed, **fields})
    if model_state is not None:
        reward_model(tmp_path, model_state)
    assert run.summary().resumable is resumable
    if resumable:
        assert runs.resume(run.id)["state"] == "queued"
        assert run.read_status().get("unusable_reward_models") is None
        return
    with pytest.raises(runs.RunError) as refused:
        runs.resume(run.id)
    said = str(refused.value)
    if case == "a-data-error-with-the-model-there":
        assert "failed on its settings or data before saving a checkpoint" in said
    else:  # said as it is now, not as it was
        assert "and it still cannot" in said
        assert ("There is no run 'rm-1' here" if model_state is None else "The reward model 'rm-1' is queued") in said


def test_the_worker_records_the_reward_model_run_a_grpo_run_failed_on(tiny_model_dir, samples_dir, tmp_path):
    grpo = RunConfig(
        model=str(tiny_model_dir),
        method="grpo",
        dataset=str(samples_dir / "pirate_prompts.jsonl"),
        rewards=[{"model": "rm-1"}],
        max_steps=1,
        device="cpu",
    )
    run = runs.find(runs.create_run(grpo))
    assert worker.execute(run.path) == "failed"
    status = run.read_status()
    assert status["unusable_reward_models"] == ["rm-1"] and "There is no run 'rm-1' here" in status["message"]
    assert not run.summary().resumable
    reward_model(tmp_path)  # copied back
    assert run.summary().resumable
