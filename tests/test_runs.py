"""The run registry and queue: order, one run per device, concurrent submits, dead processes, stop and resume.

Queue mechanics use a stand-in training process (a Python that sleeps, or crashes, with the run folder on its
command line); stop/resume and a killed run use real tiny-model training subprocesses.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from ftlib import lease, runs, workspace
from ftlib.config import RunConfig
from ftlib.run_processes import alive
from ftlib.worker import execute


def config(name: str = "", **kw) -> RunConfig:
    return RunConfig(dataset="nowhere.jsonl", name=name, device=kw.pop("device", "cpu"), **kw)


@pytest.fixture
def fake_runner(monkeypatch):
    """Launch a stand-in process instead of training: `behaviour` says what it does."""
    behaviour = {"code": "import time; time.sleep(120)"}

    def command(run, config, child_env=None):  # the run's own settings as run_watch would give them (env(1))
        settings = [f"{key}={value}" for key, value in (child_env or {}).items()]
        # env(1) only where there are settings: its exec of Python is a second moment with an empty command line
        return [*(["env", *settings] if settings else []), sys.executable, "-c", behaviour["code"], str(run.path)]

    monkeypatch.setattr(runs, "launch_command", command)
    yield behaviour
    for run in runs._all():  # end every process this test started, by its own pid
        pid = run.read_status().get("pid")
        if pid and alive(pid, run):
            os.killpg(pid, signal.SIGKILL)
    runs._reap()


def wait_for(predicate, timeout: float = 240, poll: float = 0.3):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError("condition not reached in time")


def states() -> dict[str, str]:
    return {r.id: r.state for r in runs.list_runs()}


def kill(run_id: str) -> None:
    pid = runs.find(run_id).read_status()["pid"]
    os.killpg(pid, signal.SIGKILL)  # the run is its own session: this ends it and its children, nothing else
    wait_for(lambda: not alive(pid, runs.find(run_id)))


# ---------------------------------------------------------------------------------------------------------------
# Queue mechanics (stand-in processes)
# ---------------------------------------------------------------------------------------------------------------


def test_a_crash_after_a_full_disk_reads_as_the_workers_own_sentence_and_listing_goes_on(fake_runner, monkeypatch):
    """A cold review: a checkpoint on a full disk left the run 'running' (its status could not be written), and once
    noticed its message was "The training process crashed:     super()._save_checkpoint(model, Resume continues
    ..." (the traceback's last line); while the disk stayed full, `runs list` itself failed writing status.json."""
    fake_runner["code"] = (
        "import sys; print('Traceback (most recent call last):'); print('RuntimeError: unexpected pos 5120 vs 5012');"
        "print('[ftlib] error: The disk is full (No space left on device). Then resume.');"
        "print('    super()._save_checkpoint(model, trial)'); sys.exit(1)"
    )
    crashed = runs.submit(config("full-disk"))
    wait_for(lambda: "[ftlib] error" in " ".join(runs.find(crashed).log_tail()))
    real = runs.RunDir.end_attempt

    def disk_full(self, **fields):
        raise workspace.DiskFullError(28, "No space left on device")

    monkeypatch.setattr(runs.RunDir, "end_attempt", disk_full)
    wait_for(lambda: not alive(runs.find(crashed).read_status().get("pid"), runs.find(crashed)))
    assert {r.id for r in runs.list_runs()} >= {crashed}  # listing goes on; the run reads as it did
    monkeypatch.setattr(runs.RunDir, "end_attempt", real)
    wait_for(lambda: states()[crashed] == "failed")
    message = runs.find(crashed).summary().message
    assert message.startswith("The training process crashed: The disk is full (No space left on device). Then resume.")


def test_runs_start_in_order_one_at_a_time_per_device(fake_runner):
    first, second, third = (runs.submit(config(n)) for n in ("a", "b", "c"))
    gpu = runs.submit(config("g", device="cuda:1"))  # another device: starts at once, beside the CPU run
    assert states() == {first: "running", second: "queued", third: "queued", gpu: "running"}
    kill(first)
    assert states() == {first: "interrupted", second: "running", third: "queued", gpu: "running"}
    kill(second)
    assert states() == {first: "interrupted", second: "interrupted", third: "running", gpu: "running"}


def test_concurrent_submits_are_all_queued_and_nothing_is_corrupted(fake_runner):
    barrier, ids = threading.Barrier(6), []

    def submit(i: int) -> None:
        barrier.wait()
        ids.append(runs.submit(config(f"same-name-{i % 2}")))

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 6
    found = states()
    assert sorted(found.values()) == ["queued"] * 5 + ["running"]
    for run_id in ids:  # every status file is complete JSON
        json.loads((runs.find(run_id).status_file).read_text())


def test_a_killed_process_is_interrupted_and_a_crashed_one_failed_with_their_last_log_lines(fake_runner):
    fake_runner["code"] = "import time; print('[step 3/10] loss 1.2', flush=True); time.sleep(120)"
    killed = runs.submit(config("killed"))
    wait_for(lambda: runs.find(killed).log_tail())
    kill(killed)
    fake_runner["code"] = (
        "import sys; print('Traceback (most recent call last):'); print('RuntimeError: boom in layer 3'); sys.exit(1)"
    )
    crashed = runs.submit(config("crashed"))
    wait_for(lambda: states()[crashed] == "failed")
    info = {r.id: r for r in runs.list_runs()}
    assert info[killed].state == "interrupted" and "ended unexpectedly" in info[killed].message
    assert info[killed].log_tail == ["[step 3/10] loss 1.2"]
    assert info[crashed].state == "failed" and "RuntimeError: boom in layer 3" in info[crashed].message
    assert info[crashed].resumable and info[killed].resumable
    assert not info[killed].stopped_by_user  # a dead process is not a stop the person asked for


def test_stop_takes_a_queued_run_out_and_resume_puts_it_back_last(fake_runner):
    running, waiting, later = (runs.submit(config(n)) for n in ("r", "w", "l"))
    runs.stop(waiting)
    assert states()[waiting] == "interrupted" and runs.find(waiting).summary().stopped_by_user
    # Back in the queue, behind `later`; it never started, so it waits for its turn as a new run does (a cold
    # review: "Waiting to resume from the beginning").
    assert runs.resume(waiting)["message"] == "Waiting for its turn."
    assert not runs.find(waiting).summary().stopped_by_user
    kill(running)
    assert states() == {running: "interrupted", waiting: "queued", later: "running"}
    with pytest.raises(runs.RunError, match="only stopped, interrupted or failed"):
        runs.resume(later)
    with pytest.raises(runs.RunError, match="There is no run"):
        runs.stop("../../etc")


def test_a_new_process_sees_the_runs_as_they_are(fake_runner):
    run_id = runs.submit(config("seen"))
    runs._CHILDREN.clear()  # as if the app restarted: no in-memory handles left
    assert states() == {run_id: "running"}


# ---------------------------------------------------------------------------------------------------------------
# Real training subprocesses
# ---------------------------------------------------------------------------------------------------------------


def real_config(tiny_model_dir, tmp_path, **kw) -> RunConfig:
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"Count to {i}, please, in words."},
                {"role": "assistant", "content": " ".join(["one", "two", "three", "four"] * (i % 5 + 2))},
            ]
        }
        for i in range(40)
    ]
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    base = {
        "model": str(tiny_model_dir),
        "dataset": str(data),
        "batch_size": 8,
        "max_length": 128,
        "max_steps": 30,
        "learning_rate": 1e-3,
        "test_size": 0.1,
        "device": "cpu",
    }
    base.update(kw)
    return RunConfig(**base)


def test_a_stop_asked_while_the_result_is_saved_finds_the_run_finished_and_leaves_no_stop_file(
    tiny_model_dir, tmp_path, monkeypatch
):
    """A stop that comes after the last step (the worker saving the result) has nothing to stop: the run ends
    finished and no STOP file outlives it (it did, noticed in a review)."""
    from ftlib import training

    run_id = runs.create_run(real_config(tiny_model_dir, tmp_path, max_steps=2, eval_every=0, save_every=0))
    run = runs.find(run_id)
    save_final = training.save_final

    def stop_asked_meanwhile(*args, **kwargs):
        run.request_stop()
        return save_final(*args, **kwargs)

    monkeypatch.setattr(training, "save_final", stop_asked_meanwhile)
    assert execute(run.path) == "finished"
    assert (run.read_status()["state"], run.stop_requested()) == ("finished", False)


def step_of(run_id: str) -> int:
    rows = [r for r in runs.find(run_id).read_metrics() if r.get("kind") == "train"]
    return rows[-1]["step"] if rows else 0


def test_a_run_stopped_paused_for_the_device_and_killed_resumes_each_time_with_every_step_once_and_its_schedule(
    tiny_model_dir, tmp_path, monkeypatch
):
    """One real training run through each thing that interrupts one, in turn: a stop (a checkpoint with the optimizer
    and the schedule), a resume; another job taking the device (the run hands it over between steps, ftlib.lease); its
    process killed (reported as such, not as a stop); a last resume to the end: every step once, the schedule
    unbroken. Three tests (the stop, the kill, and tests/test_lease.py's handover) each trained a run of their own."""
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    # Checkpoints every 2 steps besides the stop's (one kept, `save_total_limit`): the kill's resume reads a periodic
    # one, as the kill test this one replaced did, and the steps written past it are dropped.
    run_id = runs.submit(real_config(tiny_model_dir, tmp_path, save_every=2, eval_every=0))
    wait_for(lambda: step_of(run_id) >= 3)
    assert runs.stop(run_id)["state"] == "stopping"
    info = runs.wait(run_id, timeout=240, poll=0.3)
    assert info.state == "interrupted" and info.stopped_by_user, info  # shown as "stopped — resumable"
    checkpoint = runs.find(run_id).last_checkpoint()
    stopped_at = int(checkpoint.name.split("-")[1])  # the stop's own checkpoint, the newest
    assert 3 <= stopped_at < 30 and (checkpoint / "optimizer.pt").is_file() and (checkpoint / "scheduler.pt").is_file()

    runs.resume(run_id)
    wait_for(lambda: step_of(run_id) >= stopped_at + 2)  # trains again, past the checkpoint it resumed from
    pid = runs.find(run_id).read_status()["pid"]
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    # The run holds the device while it computes: no passive OpenMP waits for it (sharing.process_env).
    assert not any(item.startswith(b"OMP_WAIT_POLICY=") for item in environ)
    with lease.hold("cpu", "generation", "the test"):
        assert lease.holder("cpu")["label"] == "the test"
        at_start = step_of(run_id)
        time.sleep(1.0)  # a pause long enough for several tiny steps, had the run not handed the device over
        assert step_of(run_id) == at_start, "the run trained while the test held the device"
    assert at_start < 30  # the test got the device in the middle of the run
    # The device back, the run trains on, past a periodic checkpoint of this attempt (2 steps apart)
    wait_for(lambda: step_of(run_id) > max(at_start, stopped_at + 4))
    assert step_of(run_id) < 30, "the run ended before the kill"
    kill(run_id)  # mid-run, steps past its checkpoint already written: the resume must not repeat them
    info = {r.id: r for r in runs.list_runs()}[run_id]
    assert info.state == "interrupted" and "ended unexpectedly" in info.message and not info.stopped_by_user
    assert any(line.startswith("[step ") for line in info.log_tail)
    runs.resume(run_id)
    info = runs.wait(run_id, timeout=300, poll=0.3)
    assert info.state == "finished", info
    log = runs.find(run_id).log_file.read_text()
    # The first resume starts from the stop's checkpoint, the second from a newer, periodic one.
    resumed = [int(n) for n in re.findall(r"resuming from checkpoint-(\d+)", log)]
    assert len(resumed) == 2 and resumed[0] == stopped_at < resumed[1] and resumed[1] % 2 == 0, (resumed, log[-3000:])
    train = [r for r in runs.find(run_id).read_metrics() if r["kind"] == "train"]
    assert [r["step"] for r in train] == list(range(1, 31))  # every step once: nothing lost, nothing repeated
    assert [m["step"] for m in runs.get(run_id)["metrics"] if m.get("kind") == "train"] == list(range(1, 31))
    # The schedule continued where it stopped (a fresh start would warm up again from zero).
    import torch
    from transformers import get_cosine_schedule_with_warmup

    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1e-3)
    sched = get_cosine_schedule_with_warmup(opt, num_warmup_steps=1, num_training_steps=30)  # floor(30 x 0.05)
    expected = []
    for _ in range(30):
        expected.append(sched.get_last_lr()[0])
        opt.step()
        sched.step()
    assert [r["learning_rate"] for r in train] == pytest.approx(expected, rel=1e-6)
    assert (runs.find(run_id).path / "adapter" / "adapter_model.safetensors").is_file()
    evals = [r for r in runs.find(run_id).read_metrics() if r["kind"] == "eval"]
    # The base model's held-out loss at step 0 (evaluated before the first step), once: no resume repeated it.
    steps = [r["step"] for r in evals]
    assert steps[0] == 0 and steps == sorted(set(steps)) and evals[0]["eval_loss"] > evals[-1]["eval_loss"], steps
    # Known-harmless library noise stays out of the log (the gemm_4bit line only appears on AVX512-BF16 CPUs).
    assert "gemm_4bit_forward" not in log and "FutureWarning" not in log, log[:2000]


# ---------------------------------------------------------------------------------------------------------------
# What a run takes from the process that queued it; where a queued run is in line; failures a resume cannot fix
# ---------------------------------------------------------------------------------------------------------------

# A stand-in worker that writes down the environment it was started with, then trains "forever".
RECORD_ENV = (
    "import json, os, sys, time; "
    "open(os.path.join(sys.argv[1], 'worker-env.json'), 'w').write(json.dumps(dict(os.environ))); "
    "time.sleep(120)"
)


def worker_env(run_id: str) -> dict:
    seen = runs.find(run_id).path / "worker-env.json"
    wait_for(lambda: seen.is_file() and seen.read_text().endswith("}"))
    env = json.loads(seen.read_text())
    seen.unlink()
    return env


def test_a_run_trains_with_the_settings_of_the_process_that_queued_it_whoever_starts_it(
    fake_runner, monkeypatch, tmp_path
):
    """Walk 5 #1: queued from a shell with FTLIB_REWARD_FUNCTIONS set, a run was started by the Streamlit server's
    queue with the server's environment and failed: "none are registered (FTLIB_REWARD_FUNCTIONS unset)"."""
    fake_runner["code"] = RECORD_ENV
    busy = runs.submit(config("busy"))  # holds the CPU, so the next run waits in the queue
    # The CLI's shell: a registry named relative to its folder, a thread budget, and secrets never to be copied.
    shell = tmp_path / "operator"
    (shell / "rewards").mkdir(parents=True)
    monkeypatch.chdir(shell)
    monkeypatch.setenv("FTLIB_REWARD_FUNCTIONS", "rewards/registry.yaml")
    monkeypatch.setenv("FTLIB_THREADS", "3")
    monkeypatch.setenv("FTLIB_PASSWORD", "hunter2-sentinel")
    monkeypatch.setenv("HF_TOKEN", "hf_sentinel")
    queued = runs.create_run(config("grpo-from-cli"))
    # The server advances the queue: none of that in its environment, and a thread budget of its own.
    monkeypatch.chdir(tmp_path)
    for name in ("FTLIB_REWARD_FUNCTIONS", "FTLIB_PASSWORD", "HF_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("FTLIB_THREADS", "7")
    worker_env(busy)
    kill(busy)  # the queue moves on: the server's process launches the queued run
    assert states()[queued] == "running"
    env = worker_env(queued)
    registry = str(shell / "rewards" / "registry.yaml")  # absolute: the worker runs in another folder
    assert env["FTLIB_REWARD_FUNCTIONS"] == registry
    assert (env["FTLIB_THREADS"], env["OMP_NUM_THREADS"]) == ("3", "3")
    assert "FTLIB_PASSWORD" not in env and "HF_TOKEN" not in env
    kept = runs.find(queued).path.rglob("*")
    assert not any("sentinel" in p.read_text() for p in kept if p.is_file())  # no secret in the run folder

    kill(queued)  # its process died; resumed from a process that has none of those settings either
    monkeypatch.delenv("FTLIB_THREADS")
    runs.resume(queued)
    env = worker_env(queued)
    assert env["FTLIB_REWARD_FUNCTIONS"] == registry and env["OMP_NUM_THREADS"] == "3"


# What only the server reads, never kept with a run (runs.RUN_ENV's comment says why), and a marker sharing.py sets.
SERVER_ONLY = {"FTLIB_WORKSPACE", "FTLIB_PASSWORD", "FTLIB_WARM_UP", "FTLIB_DATA_DIRS", "FTLIB_MODEL_DIRS"}
INTERNAL = {"FTLIB_DEFAULTED_ENV", "FTLIB_GPU"}  # set by the studio for its own processes


def test_every_setting_the_code_reads_is_in_the_readme_and_each_that_shapes_a_run_is_kept_with_it():
    """A cold reader: FTLIB_PADDING_FREE (ftlib/fastpath.py) was in no table, and README said a run keeps "the
    `FTLIB_*` settings" of the process that queued it where only `runs.RUN_ENV` is kept (FTLIB_PADDING_FREE not)."""
    import re

    root = Path(__file__).resolve().parents[1]
    code = [*root.joinpath("ftlib").rglob("*.py"), *root.joinpath("ui").rglob("*.py"), *root.glob("*.py")]
    read = {m for p in code for m in re.findall(r'"(FTLIB_[A-Z0-9_]+)"', p.read_text(encoding="utf-8"))} - INTERNAL
    readme = (root / "README.md").read_text(encoding="utf-8")
    settings = readme.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    table = {m for line in settings.splitlines() if line.startswith("| `") for m in re.findall(r"`(FTLIB_\w+)`", line)}
    assert read - table == set(), "settings the code reads that README's Settings table does not name"
    assert set(runs.RUN_ENV) == read - SERVER_ONLY, "a setting that shapes a run, not kept with it (or the reverse)"
    kept = settings.split("A run keeps the settings", 1)[1].split("are not kept", 1)[0]
    assert all(f"`{name}`" in kept for name in runs.RUN_ENV), "README names which settings a run keeps"
    assert runs.run_env({"FTLIB_PADDING_FREE": "0", "FTLIB_WARM_UP": "0"}) == {"FTLIB_PADDING_FREE": "0"}


def test_a_one_process_gpu_run_sees_its_gpu_alone_and_takes_turns_under_its_name(fake_runner, monkeypatch):
    """A review of the GPU paths: given every GPU, the HF Trainer trained `cuda:1` on GPU 0 and wrapped a `cuda`/`auto`
    run in DataParallel over all of them. The launcher shows a one-process GPU run its GPU alone (through the mask it
    was given); the run trains on cuda:0 of what it sees and takes its lease turns under the server's name for it."""
    from types import SimpleNamespace

    from ftlib import distributed, sharing

    monkeypatch.setattr(distributed, "gpu_count", lambda: 4)  # a GPU machine, as the launcher sees it
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "4,5,6,7")
    fake_runner["code"] = RECORD_ENV
    run_id = runs.submit(config("on-gpu-1", device="cuda:1"))
    env = worker_env(run_id)
    assert (env["CUDA_VISIBLE_DEVICES"], env["FTLIB_GPU"]) == ("5", "cuda:1")
    kill(run_id)
    assert distributed.refusals(config(device="cuda:4"), gpus=4) == [
        "`device` is cuda:4 but this machine has 4 GPUs, numbered from cuda:0."
    ]
    monkeypatch.setenv("FTLIB_GPU", "cuda:1")  # inside that run's process
    assert distributed.device_for_process(config(device="cuda:1")) == "cuda:0"
    callback = sharing.training_callback("on-gpu-1", on_wait=lambda state: None)
    callback.on_train_begin(SimpleNamespace(device="cuda:0", local_process_index=0, world_size=1), None, None)
    try:
        assert callback.hold.device == lease.device_key("cuda:1")
    finally:
        callback.hold.release()


def test_the_processes_of_a_cpu_run_split_its_thread_budget(fake_runner, monkeypatch):
    """torchrun gave each of two CPU processes the whole FTLIB_THREADS budget (their OpenMP threads then wait for each
    other), or 1 thread each when none was set; each gets its share, through the one environment torchrun hands on."""
    fake_runner["code"] = RECORD_ENV
    monkeypatch.setenv("FTLIB_THREADS", "6")
    split = runs.submit(config("two-processes", nproc=2, batch_size=4))
    assert worker_env(split)["OMP_NUM_THREADS"] == "3"
    kill(split)
    alone = runs.submit(config("one-process"))
    assert worker_env(alone)["OMP_NUM_THREADS"] == "6"
    kill(alone)


def test_a_run_folder_cannot_make_the_server_run_code_through_its_recorded_settings(fake_runner, monkeypatch):
    """env.json is read from the workspace: a file anyone able to write there could edit must not start the worker
    with PYTHONPATH/LD_PRELOAD, nor, unless it is this user's own file writable by nobody else, with a registry of
    reward functions or remote code allowed."""
    fake_runner["code"] = RECORD_ENV
    monkeypatch.delenv("FTLIB_REWARD_FUNCTIONS", raising=False)
    run_id = runs.create_run(config("planted"))
    run = runs.find(run_id)
    assert run.env_file.stat().st_mode & 0o777 == 0o600  # whatever the umask: the queuing user's own
    planted = {"FTLIB_REWARD_FUNCTIONS": "/tmp/evil.yaml", "FTLIB_THREADS": "2", "PYTHONPATH": "/tmp/evil"}
    planted["FTLIB_LOCK_DIR"] = "/tmp/elsewhere"  # where the server would write its lease files
    run.write_env({**planted, "LD_PRELOAD": "/tmp/evil.so"})
    run.env_file.chmod(0o666)  # writable by anyone: only its harmless settings count
    assert runs.recorded_env(run) == {"FTLIB_THREADS": "2"}
    run.env_file.chmod(0o644)  # this user's own file: its settings are the queuing process's
    assert runs.recorded_env(run) == {
        "FTLIB_REWARD_FUNCTIONS": "/tmp/evil.yaml",
        "FTLIB_THREADS": "2",
        "FTLIB_LOCK_DIR": "/tmp/elsewhere",
    }
    run.env_file.chmod(0o666)
    runs.advance()
    env = worker_env(run_id)
    assert "FTLIB_REWARD_FUNCTIONS" not in env and env.get("PYTHONPATH") != "/tmp/evil" and "LD_PRELOAD" not in env
    assert env["FTLIB_THREADS"] == "2"


def test_a_queued_run_says_where_it_is_in_line_and_behind_what(fake_runner, capsys):
    """Walk 5 #6: a queued run said "Waiting for its turn. · step 0 of ? · 0:00:00 training"."""
    first = runs.submit(config("lora-a", max_steps=12))
    second = runs.submit(config("lora-b", max_steps=20))
    third = runs.submit(config())  # no name; epochs decide its steps
    elsewhere = runs.submit(config("on-gpu", device="cuda:1"))  # another device: not in their line
    ahead = runs.find(first)
    ahead.update_status(phase="training", max_steps=12)  # what the worker writes once training begins
    ahead.append_metric({"kind": "train", "step": 5, "loss": 1.5})
    first_label, second_label = (runs.find(r).summary().label for r in (first, second))
    assert first_label.startswith("lora-a · lora · nowhere · ")  # the name given, first
    assert runs.queue_place(second) == f"Queued: 2nd in line, after {first_label} (training, step 5 of 12)."
    assert runs.queue_place(third) == (
        f"Queued: 3rd in line, after {first_label} (training, step 5 of 12) and {second_label} (queued)."
    )
    assert runs.queue_place(first) == runs.queue_place(elsewhere) == ""  # running: not in line
    from ftlib.cli import main  # `runs show` says it in its text and its JSON alike (the JSON said "Waiting ...")

    assert main(["runs", "show", second, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["message"] == runs.queue_place(second)
    waiting = runs.find(second).summary()
    assert (waiting.step, waiting.max_steps, waiting.duration_s) == (0, 20, 0)  # its steps are known before it starts
    assert runs.find(third).summary().max_steps == 0  # "?": the trainer counts them from the epochs


def test_a_run_that_cannot_load_its_data_fails_with_the_reason_in_one_log_line_and_offers_no_resume_a_crash_does(
    tiny_model_dir, tmp_path, monkeypatch, capsys
):
    """Walk 5 #19: a run whose settings were wrong offered Resume (which fails the same way) and its log had a
    traceback for an error the user fixes. A crash keeps its traceback and can be resumed. (The failed run's status
    was test_a_run_that_cannot_load_its_data_fails_with_the_reason's, which ran the same failing run again.)"""
    run_id = runs.create_run(RunConfig(model=str(tiny_model_dir), dataset="no-such-split"))
    assert execute(runs.find(run_id).path) == "failed"
    status = runs.find(run_id).read_status()
    assert status["state"] == "failed" and "no-such-split" in status["message"]
    printed = capsys.readouterr()
    log = printed.out + printed.err
    assert "Traceback" not in log and "[ftlib] error: " in log and "no-such-split" in log
    info = runs.find(run_id).summary()
    assert info.state == "failed" and not info.resumable
    with pytest.raises(runs.RunError, match="Fix that and start a new run"):
        runs.resume(run_id)
    # Once a checkpoint exists, resume has something to continue from.
    checkpoint = runs.find(run_id).checkpoints / "checkpoint-4"
    checkpoint.mkdir(parents=True)
    (checkpoint / "trainer_state.json").write_text("{}")
    assert runs.find(run_id).summary().resumable

    import ftlib.training

    def crash(*args, **kwargs):
        raise RuntimeError("CUDA error: an illegal memory access was encountered")

    monkeypatch.setattr(ftlib.training, "build_trainer", crash)
    crashed = runs.create_run(real_config(tiny_model_dir, tmp_path))
    assert execute(runs.find(crashed).path) == "failed"
    printed = capsys.readouterr()
    assert "Traceback" in printed.err and "illegal memory access" in printed.err
    assert runs.find(crashed).summary().resumable  # a crash may not happen again


def test_cli_runs_stop_without_an_id_stops_the_one_active_run_or_names_them(fake_runner, capsys):
    """Walk 7: `runs stop` without an id printed argparse's "the following arguments are required: id"."""
    from ftlib.cli import main

    assert main(["runs", "stop"]) == 2
    assert "no run is running or queued" in capsys.readouterr().err
    first = runs.submit(config("first"))
    second = runs.submit(config("second"))  # queued behind it: two active runs, so the CLI asks which
    assert main(["runs", "stop"]) == 2
    said = capsys.readouterr().err  # newest first, as `runs list` orders them
    assert said.startswith("error: runs stop: which run?") and first in said and second in said
    assert main(["runs", "stop", second]) == 0  # said as `runs list` says it (a cold review: "interrupted - ...")
    assert capsys.readouterr().out.startswith(f"{second}: stopped — resumable: ")  # `train`'s ": "
    assert main(["runs", "stop"]) == 0  # one left: that one
    assert capsys.readouterr().out.startswith(f"{first}: ")
    wait_for(lambda: states()[first] in ("interrupted", "stopping"))


def test_cli_runs_delete_asks_first_and_a_script_must_say_yes(fake_runner, capsys, monkeypatch):
    """Walk 5: `runs delete` removed a run and everything it trained without a word."""
    import io

    from ftlib.cli import main

    run_id = runs.create_run(config("keep-me"))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # no terminal: a script
    assert main(["runs", "delete", run_id]) == 2
    assert "add --yes to delete" in capsys.readouterr().err and runs.find(run_id).exists()

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stdin", Terminal("n\n"))
    assert main(["runs", "delete", run_id]) == 0
    assert capsys.readouterr().out.rstrip().endswith("kept") and runs.find(run_id).exists()
    monkeypatch.setattr(sys, "stdin", Terminal("y\n"))
    assert main(["runs", "delete", run_id]) == 0
    assert f"deleted {run_id}" in capsys.readouterr().out
    with pytest.raises(runs.RunError):
        runs.find(run_id)
    other = runs.create_run(config("scripted"))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["runs", "delete", other, "--yes"]) == 0


def test_a_run_keeps_its_own_copy_of_its_split_so_saving_over_the_name_changes_nothing(tiny_model_dir):
    """Walk 8B #2: Ben saved his rows under the split name Ana's runs were trained on ("train", the default name of
    any train.jsonl upload), and Evaluate then scored Ana's finished run on Ben's rows; a resume would have trained
    on them. A run keeps its own copy of the saved split it was queued on."""
    import shutil

    from ftlib import workspace
    from ftlib.training import build_trainer, load_rows

    def chats(who: str, n: int) -> list[dict]:
        return [
            {"messages": [{"role": "user", "content": f"{who} {i}?"}, {"role": "assistant", "content": f"{who} {i}."}]}
            for i in range(n)
        ]

    ana, ben = chats("Ana", 10), chats("Ben", 14)
    workspace.save_split("train", ana[:8], ana[8:])
    run = runs.find(runs.create_run(RunConfig(model=str(tiny_model_dir), dataset="train", max_steps=1, batch_size=2)))
    workspace.save_split("train", ben[:12], ben[12:])  # "Replace it" ticked
    assert load_rows(run.config())[:2] == (ben[:12], ben[12:])  # the name means Ben's rows now
    train, test, source = load_rows(run.config(), run.path)
    assert (train, test) == (ana[:8], ana[8:]) and "as it was when the run was queued" in source
    assert build_trainer(run.config(), run.path).train_rows == 8  # what the worker (and a resume) trains on
    from ftlib.evaluate import run_info

    assert run_info(run.path).test_rows == ana[8:]  # Evaluate scores it on its own held-out rows
    shutil.rmtree(workspace.split_folder("train"))  # removed altogether: the run still has its rows
    assert load_rows(run.config(), run.path)[:2] == (ana[:8], ana[8:])
    # A run on a data file (here a shipped sample) keeps the train/test split made when it was queued.
    data_run = runs.find(runs.create_run(RunConfig(model=str(tiny_model_dir), dataset="chat_style")))
    assert load_rows(data_run.config(), data_run.path)[:2] == load_rows(data_run.config())[:2]
    assert workspace.kept_split(data_run.path) is not None


def test_a_process_in_the_middle_of_its_exec_counts_as_alive(tmp_path, monkeypatch):
    """Popen returns once the child's exec has begun, and the kernel sets the new command line a moment later: read
    in between, /proc/PID/cmdline is empty. A reconcile then (another session's page, under load) judged the run's
    process dead and marked it interrupted 6 ms after launch while it trained on (a CI run of the browser tests).
    An empty command line is alive; another program's (a recycled pid) is not."""
    from pathlib import Path

    from ftlib.rundir import RunDir

    run = RunDir(tmp_path / "20261130-190120-lora-chat_style")
    me = os.getpid()
    cmdline = {"now": b""}
    real = Path.read_bytes
    monkeypatch.setattr(
        Path, "read_bytes", lambda self: cmdline["now"] if str(self) == f"/proc/{me}/cmdline" else real(self)
    )
    assert alive(me, run)  # mid-exec
    cmdline["now"] = f"python\0-m\0ftlib.worker\0{run.path}\0".encode()
    assert alive(me, run)
    cmdline["now"] = b"/usr/bin/some-other-program\0--flag\0"
    assert not alive(me, run)  # the pid now belongs to someone else


def test_workers_a_dead_launcher_left_keep_the_run_running(fake_runner):
    """A cold review: kill -9 of a `--nproc 2` run's torchrun left both workers training while the run read
    "interrupted"; a resume then started a second set writing to the same folder. The run's session counts."""
    fake_runner["code"] = (
        "import os, subprocess, sys; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)', "
        "sys.argv[1]]); os._exit(0)"
    )
    run_id = runs.submit(config("orphans"))
    run = runs.find(run_id)
    pid = wait_for(lambda: run.read_status().get("pid"))
    wait_for(lambda: _exited(pid), timeout=60)  # the launcher is gone (or a zombie): its child is not
    assert states()[run_id] == "running" and alive(pid, run)  # its worker trains on
    with pytest.raises(runs.RunError, match="still running"):
        runs.delete(run_id)
    with pytest.raises(runs.RunError, match="only stopped, interrupted or failed runs can be resumed"):
        runs.resume(run_id)
    os.killpg(pid, signal.SIGKILL)
    wait_for(lambda: states()[run_id] == "interrupted")


def test_a_run_whose_status_cannot_be_read_is_stopped_by_its_process_and_not_deleted_under_it(fake_runner):
    run_id = runs.submit(config("garbled"))
    run = runs.find(run_id)
    wait_for(lambda: run.read_status().get("pid"))
    pid = run.read_status()["pid"]
    run.status_file.write_text('{"state": "runn')  # half a file
    runs.stop(run_id)
    assert run.stop_requested()  # the stop file: the worker reads it whatever its status says
    with pytest.raises(runs.RunError, match="still running"):
        runs.delete(run_id)
    os.killpg(pid, signal.SIGKILL)
    wait_for(lambda: not alive(pid, run))
    with pytest.raises(runs.RunError, match="no readable status"):
        runs.stop(run_id)
    runs.delete(run_id)
    assert not run.path.exists()


def test_a_resume_without_the_runs_own_rows_is_refused(fake_runner):
    """A cold review: with the run's split/ removed, a resume read the data file as it was then (60 rows where it
    had trained on 171), without a word."""
    rows = [{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]}] * 4
    run_id = runs.submit(config("kept"), rows=(rows, [], {"name": "x"}))
    run = runs.find(run_id)
    wait_for(lambda: run.read_status().get("pid"))
    runs.stop(run_id)
    kill(run_id)
    wait_for(lambda: states()[run_id] == "interrupted")
    shutil.rmtree(run.path / "split")
    with pytest.raises(runs.RunError, match="kept its own copy of its rows .split/ in its folder., which is gone"):
        runs.resume(run_id)


def _exited(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def test_a_dead_processs_attempt_ends_at_its_last_sign_of_life_not_when_noticed(fake_runner):
    """A cold review: a worker killed at 10 s into its attempt and noticed two minutes later read as "0:02:06
    training". The attempt ends where its process last wrote its log or a metric."""
    fake_runner["code"] = "import time; print('step 1', flush=True); time.sleep(120)"
    run_id = runs.submit(config("oom"))
    run = runs.find(run_id)
    wait_for(lambda: "step 1" in " ".join(run.log_tail()))
    started = float(run.read_status()["started"])
    os.utime(run.log_file, (started + 4.0, started + 4.0))  # its last write, 4 s into the attempt
    pid = run.read_status()["pid"]
    os.killpg(pid, signal.SIGKILL)
    wait_for(lambda: not alive(pid, run))
    time.sleep(1.5)  # noticed later
    wait_for(lambda: states()[run_id] == "interrupted")
    status = run.read_status()
    assert status["parts_s"] == [pytest.approx(4.0, abs=0.01)] and status["ended"] == pytest.approx(started + 4.0)


def test_a_second_stop_ends_a_run_that_never_reaches_the_end_of_a_step(fake_runner):
    """A cold review: a run waiting for its other machines stayed "stopping" for its 15-minute rendezvous timeout:
    the stop file is read between steps only. Asked again, its processes are ended."""
    run_id = runs.submit(config("waits"))  # the stand-in sleeps: it never reads the stop file
    run = runs.find(run_id)
    pid = wait_for(lambda: run.read_status().get("pid"))
    assert runs.stop(run_id)["state"] == "stopping"
    time.sleep(0.5)
    assert states()[run_id] == "stopping" and alive(pid, run)
    assert runs.stop(run_id)["message"].startswith("Stopping now: its processes were told to end")
    wait_for(lambda: states()[run_id] == "interrupted", timeout=60)
    assert run.summary().resumable


def test_two_machines_halves_of_one_run_in_one_workspace_do_not_queue_behind_each_other(fake_runner):
    """A cold review: machine 1's half of a two-machine run, queued in the workspace machine 0's half trained in (one
    host, or a home folder both machines mount), waited behind it, while machine 0 waited for it to join."""
    both = {"nnodes": 2, "rdzv_endpoint": "localhost:29612"}
    first = runs.submit(config("m0", node_rank=0, **both))
    second = runs.submit(config("m1", node_rank=1, **both))
    wait_for(lambda: states()[first] == "running" and states()[second] == "running")
    other = runs.submit(config("another", nnodes=2, node_rank=0, rdzv_endpoint="localhost:29700"))
    assert states()[other] == "queued" and runs.queue_place(other).startswith("Queued: 3rd in line")


def test_an_account_that_may_not_write_a_queued_run_lists_it_and_leaves_it_queued(fake_runner, monkeypatch):
    """A shared workspace: a run queued by another OS account, its status not writable here. Listing runs (which
    starts queued runs on free devices) failed with PermissionError; the run is left for its owner's queue."""
    with monkeypatch.context() as patched:  # queued by the other account: nothing launches it here
        patched.setattr(runs, "advance", lambda **_: [])
        theirs = runs.submit(config("theirs"))
    real_update = runs.RunDir.update_status

    def not_ours(self, **fields):
        if self.id == theirs:
            raise PermissionError(13, "Permission denied", str(self.status_file))
        return real_update(self, **fields)

    monkeypatch.setattr(runs.RunDir, "update_status", not_ours)
    assert states() == {theirs: "queued"}
    monkeypatch.setattr(runs.RunDir, "update_status", real_update)  # its owner lists: it starts
    assert states() == {theirs: "running"}


def test_a_reward_model_a_queued_grpo_run_scores_with_is_not_deleted_under_it():
    """A lifecycle walk: deleting a reward-model run that a queued GRPO run scores its answers with was allowed; the
    GRPO run then failed when it started. Refused now, naming the run; a stopped or finished user does not block."""
    from ftlib.testing import make_run

    make_run("rm-1", {"method": "reward", "dataset": "x"})
    make_run("grpo-1", {"method": "grpo", "dataset": "x", "rewards": [{"model": "rm-1"}]}, state="queued")
    make_run("grpo-2", {"method": "grpo", "dataset": "x", "rewards": [{"model": "rm-1"}]}, state="finished")
    with pytest.raises(runs.RunError, match="scores the answers of the queued or running run grpo-1: deleting it"):
        runs.delete("rm-1")
    assert runs.find("rm-1").exists()
    runs.stop("grpo-1")  # out of the queue: nothing waits for the reward model any more
    runs.delete("rm-1")
    with pytest.raises(runs.RunError):
        runs.find("rm-1")


def test_a_run_name_with_folders_in_it_keeps_the_date_and_method_in_the_id(tiny_model_dir):
    """A cold review: `--name exp/v1` made the id `v1` (and `../../etc` made `etc`): safe_name keeps a path's last
    part, which dropped the date and method the ids of all other runs start with."""
    import re

    cases = (("exp/v1", "lora-exp_v1"), ("../../etc", "lora-etc"), ("a\\b", "lora-a_b"), ("Café", "lora-Cafe"))
    # A name of letters of another script is kept (`海盗`); one with none safe_name can keep is named by its data (the
    # id ended `-lora-`)
    for name, tail in (*cases, ("海盗", "lora-海盗"), ("\U0001f3f4\u200d\u2620\ufe0f", "lora-no-such-split")):
        run_id = runs.create_run(RunConfig(model=str(tiny_model_dir), dataset="no-such-split", name=name))
        assert re.fullmatch(rf"\d{{8}}-\d{{6}}-{tail}(-\d+)?", run_id), run_id
        assert (workspace.runs_dir() / run_id).is_dir()


def test_a_stop_that_meets_the_run_finishing_leaves_it_finished_and_without_a_stop_file(fake_runner, monkeypatch):
    """Noticed in a review: a stop asked as the run wrote "finished" could write "stopping" over it, and left a STOP
    file in the finished run's folder."""
    run_id = runs.submit(config("racing"))
    run = runs.find(run_id)
    wait_for(lambda: run.read_status().get("pid"))
    pid = run.read_status()["pid"]
    real_request = type(run).request_stop

    def finished_meanwhile(self):  # the worker writes "finished" between the stop's read and its request
        self.update_status(state="finished", message="Finished.")
        real_request(self)

    monkeypatch.setattr(type(run), "request_stop", finished_meanwhile)
    with pytest.raises(runs.RunError, match="nothing to stop"):
        runs.stop(run_id)
    assert (run.read_status()["state"], run.stop_requested()) == ("finished", False)
    os.killpg(pid, signal.SIGKILL)
    wait_for(lambda: not alive(pid, run))


def test_a_run_started_by_the_server_does_not_get_its_access_password(fake_runner, monkeypatch):
    """An operator's review: the worker of every run the server started inherited FTLIB_PASSWORD, where a registered
    reward function or a model's own code could read it; training has no use for it."""
    fake_runner["code"] = RECORD_ENV
    monkeypatch.setenv("FTLIB_PASSWORD", "hunter2-sentinel")
    run_id = runs.submit(config("from-the-server"))
    env = worker_env(run_id)
    kill(run_id)
    assert "FTLIB_PASSWORD" not in env and env["FTLIB_WORKSPACE"]
