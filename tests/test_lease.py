"""The device lease across processes (ftlib.lease) and how the studio's processes share a machine (ftlib.sharing).

Each test starts real processes (tests/lease_worker.py) on the test's own workspace and reads what they logged:
two holders never work at once and take turns, a waiter is told its position and who holds the device, the OS
frees the device of a killed holder, a killed waiter leaves the line. That a training run hands the device over
between optimizer steps is checked on the real run tests/test_runs.py stops, kills and resumes (one run for all
three). Nothing here is timed: every wait is for an event, with a generous deadline.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ftlib import lease, sharing
from tests.test_runs import real_config, wait_for

ROOT = Path(__file__).resolve().parents[1]
GIB = 1024**3


_started: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def _no_worker_left():
    """A failed test leaves no worker behind (one holding the device would wait for its release file forever)."""
    yield
    while _started:
        proc = _started.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


def worker(log: Path, *args: str, **env: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.lease_worker", str(log), *args],
        cwd=ROOT,
        env={**os.environ, **env},
        stderr=subprocess.PIPE,
    )
    _started.append(proc)
    return proc


def events(log: Path) -> list[tuple[int, str]]:
    if not log.is_file():
        return []
    return [(int(pid), event) for pid, _, event in (line.partition(" ") for line in log.read_text().splitlines())]


def states(log: Path, pid: int) -> list[dict | None]:
    return [json.loads(e[len("state ") :]) for p, e in events(log) if p == pid and e.startswith("state ")]


def finish(*procs: subprocess.Popen) -> None:
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()


def test_two_processes_never_work_at_once_and_take_turns(tmp_path):
    log = tmp_path / "log"
    # No shortest turn: a section boundary hands the device over as soon as the other one's turn is matched.
    a, b = (worker(log, "sections", "20", FTLIB_LEASE_MIN_TURN_S="0") for _ in range(2))
    finish(a, b)
    open_sections: set[int] = set()
    order = []
    for pid, event in events(log):
        if event == "+":
            assert not open_sections, f"{pid} started a section while {open_sections} held the device"
            open_sections.add(pid)
            order.append(pid)
        elif event == "-":
            open_sections.remove(pid)
    assert sorted(order.count(p.pid) for p in (a, b)) == [20, 20]
    switches = sum(1 for x, y in zip(order, order[1:], strict=False) if x != y)
    assert switches >= 2, order  # turns, not one process after the other
    handovers = [int(e.split()[1]) for _, e in events(log) if e.startswith("handovers")]
    assert sum(handovers) >= 2


def test_a_waiter_is_told_its_position_and_who_holds_the_device_and_the_line_is_first_come_first_served(tmp_path):
    log, release = tmp_path / "log", tmp_path / "release"
    holder = worker(log, "hold", str(release))
    wait_for(lambda: any(e == "held" for _, e in events(log)), timeout=60, poll=0.05)
    first = worker(log, "wait")
    wait_for(lambda: states(log, first.pid), timeout=60, poll=0.05)
    second = worker(log, "wait")
    wait_for(lambda: states(log, second.pid), timeout=60, poll=0.05)
    assert lease.holder("cpu")["label"] == "run-x" and len(lease.waiting("cpu")) == 2
    release.touch()
    finish(holder, first, second)

    state = states(log, first.pid)[0]
    assert state["position"] == 1 and state["holder"]["kind"] == "training"
    assert state["message"].startswith("Waiting for the training run `run-x` to pause")
    state = states(log, second.pid)[0]
    assert state["position"] == 2
    assert state["message"] == "Waiting for a free slot on the CPU: position 2 in line (run-x is using it)."
    assert states(log, first.pid)[-1] is None and states(log, second.pid)[-1] is None  # told the wait is over
    acquired = [pid for pid, e in events(log) if e == "acquired"]
    assert acquired == [first.pid, second.pid]
    assert lease.waiting("cpu") == []


def test_a_killed_holder_frees_the_device_and_a_killed_waiter_leaves_the_line(tmp_path):
    log = tmp_path / "log"
    holder = worker(log, "hold", str(tmp_path / "never"))
    wait_for(lambda: any(e == "held" for _, e in events(log)), timeout=60, poll=0.05)
    waiter = worker(log, "wait")
    wait_for(lambda: states(log, waiter.pid), timeout=60, poll=0.05)
    for proc in (waiter, holder):
        proc.send_signal(signal.SIGKILL)  # no chance to clean up: the OS drops their locks
        proc.wait(timeout=30)
    queue = lease.lock_dir() / "cpu.queue"
    assert len(list(queue.iterdir())) == 1  # the dead waiter's ticket is still on disk...
    assert lease.waiting("cpu") == []  # ...but nobody lines up behind it, and looking removed it
    assert list(queue.iterdir()) == []
    deadline = time.monotonic() + 30
    with lease.hold("cpu", "test", cancelled=lambda: time.monotonic() > deadline) as held:
        assert held.held


def test_a_cancelled_wait_ends_with_cancelled_and_leaves_the_line(tmp_path):
    log, release = tmp_path / "log", tmp_path / "release"
    holder = worker(log, "hold", str(release))
    wait_for(lambda: any(e == "held" for _, e in events(log)), timeout=60, poll=0.05)
    seen = []
    with pytest.raises(lease.Cancelled):
        lease.Hold("cpu", "test", on_wait=seen.append, cancelled=lambda: bool(seen)).acquire()
    assert seen[0].position == 1 and lease.waiting("cpu") == []
    release.touch()
    finish(holder)


def test_turns_are_tit_for_tat_a_newcomer_waits_one_safe_point_a_returning_waiter_its_own_last_turn(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("FTLIB_LEASE_MIN_TURN_S", "0")
    log = tmp_path / "log"
    with lease.hold("cpu", "training", "run-x") as held:
        assert held.checkpoint() is False  # nobody waits
        waiter = worker(log, "wait")
        wait_for(lambda: lease.waiting("cpu"), timeout=60, poll=0.05)
        waiter_id = lease.waiting("cpu")[0].split("-", 1)[1]
        held._turns[waiter_id] = 3600.0  # as if its own last turn had kept us waiting an hour
        assert held.checkpoint() is False and lease.waiting("cpu")  # so we may keep the device that long
        del held._turns[waiter_id]
        assert held.checkpoint() is True  # a newcomer: handed over at this safe point, and back
        assert held.handovers == 1 and [e for _, e in events(log) if e == "acquired"] == ["acquired"]
        turns = lease.holder("cpu")["turns"]
        assert set(turns) >= {held.id, waiter_id} and all(t >= 0 for t in turns.values())
    finish(waiter)


def test_holds_nest_and_the_forward_lock_is_a_safe_point():
    lock = lease.ForwardLock()
    with lease.hold("cpu", "outer") as outer:
        assert lease.hold("cpu", "inner").__enter__() is outer  # the same thread's hold of the same device
        handovers = []
        outer.checkpoint = lambda: handovers.append(1)  # what a forward under the lock calls
        with lock:
            assert lock.locked()
        assert handovers == [1]
    assert not lock.locked()


def test_a_hold_waiting_after_its_own_handover_does_not_name_itself_as_the_holder():
    """A review: `sample` beside a training run printed "position 2 in line (python -m ftlib sample is using it)":
    a hold that hands over writes the holder file as it leaves (its turn's length), so waiting again it read its own
    name there until the next holder wrote theirs."""
    seen, other = [], lease.Hold("cpu", "training", "run-x")
    other.acquire()
    mine = lease.Hold("cpu", "sample", "python -m ftlib sample", on_wait=seen.append)
    mine._write_holder()  # what its release at a handover leaves: the file names it
    waiting = threading.Thread(target=mine.acquire)
    waiting.start()
    try:
        wait_for(lambda: seen, timeout=30, poll=0.01)
    finally:
        other.release()
        waiting.join(timeout=30)
        mine.release()
    assert seen[0].message == "Waiting for a free slot on the CPU: position 1 in line.", seen[0].message


def test_off_switch_makes_holds_free(monkeypatch, tmp_path):
    monkeypatch.setenv("FTLIB_LEASE", "0")
    with lease.hold("cpu", "a"), lease.Hold("cpu", "b") as second:  # a second, separate hold: no wait
        assert second.held
    assert not (lease.lock_dir() / "cpu.queue").exists()


def test_the_cli_says_when_it_waits_for_the_device(tiny_model_dir, tmp_path):
    log, release = tmp_path / "log", tmp_path / "release"
    holder = worker(log, "hold", str(release))
    wait_for(lambda: any(e == "held" for _, e in events(log)), timeout=60, poll=0.05)
    command = ["-m", "ftlib", "sample", "--model", str(tiny_model_dir), "--prompt", "Hi", "--max-new-tokens", "3"]
    cli = subprocess.Popen(
        [sys.executable, *command, "--json"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    _started.append(cli)
    seen = []
    for line in cli.stderr:  # it waits, and says so, until the holder lets go
        seen.append(line.decode())
        if line.startswith(b"Waiting"):
            break
    assert seen[-1].startswith("Waiting for the training run `run-x` to pause"), seen
    release.touch()
    out, err = cli.communicate(timeout=120)
    assert cli.returncode == 0, err.decode()
    assert "got the CPU, going on" in err.decode()
    assert len(json.loads(out)["results"][0]["tokens"]) == 3
    finish(holder)


# ---------------------------------------------------------------------------------------------------------------
# The environment of our processes, and GPU memory for inference
# ---------------------------------------------------------------------------------------------------------------


@pytest.fixture
def no_quota(monkeypatch):
    """A machine without a CPU quota, whatever the one running the tests has (tests/test_cpu_quota.py has them)."""
    from ftlib import cpu_quota

    monkeypatch.setattr(cpu_quota, "thread_budget", lambda: None)


def test_process_env_sets_the_thread_budget_and_passive_waits_only_with_the_lease_off(no_quota):
    marker = sharing.DEFAULTED
    assert sharing.process_env({}) == {}  # the lease on: the holder's threads spin between parallel regions
    assert sharing.process_env({"FTLIB_THREADS": "3"}) == {"FTLIB_THREADS": "3", "OMP_NUM_THREADS": "3"}
    off = sharing.process_env({"FTLIB_LEASE": "0"})
    assert off == {
        "FTLIB_LEASE": "0",
        "OMP_WAIT_POLICY": "PASSIVE",
        "KMP_BLOCKTIME": "0",
        marker: "KMP_BLOCKTIME,OMP_WAIT_POLICY",
    }
    assert sharing.process_env(dict(off)) == off  # twice (the CLI's, then the launcher's): the same
    mine = sharing.process_env({"FTLIB_LEASE": "0", "OMP_WAIT_POLICY": "ACTIVE"})
    assert mine["OMP_WAIT_POLICY"] == "ACTIVE" and mine[marker] == "KMP_BLOCKTIME"  # only what it added


def test_a_child_keeps_passive_waits_only_where_processes_compute_at_once(no_quota):
    """Passive OpenMP waits, which every studio process got, made a training run's CPU steps 1.47x and the server's
    Compare grid 1.75x slower than the benchmarks (which never had them): with the lease, the holder computes alone."""
    waits = ("OMP_WAIT_POLICY", "KMP_BLOCKTIME")
    parent = sharing.process_env({"FTLIB_LEASE": "0"})  # a lease-off server or CLI: passive waits, marked as its own
    assert all(parent[k] for k in waits)
    run = sharing.process_env(dict(parent) | {"FTLIB_LEASE": "1"})  # a run queued with the lease on launched there
    assert not any(k in run for k in (*waits, sharing.DEFAULTED))
    assert sharing.process_env(dict(parent)) == parent  # lease off all along: kept
    assert sharing.process_env({"OMP_WAIT_POLICY": "PASSIVE"})["OMP_WAIT_POLICY"] == "PASSIVE"  # the user's own


# (id, free GiB, model GiB, claims as (run, GiB still to take), expected device, words the reason must hold)
PLACEMENTS = [
    ("no-run-room", 20, 2, [], "cuda:0", []),
    ("no-run-too-small", 2, 2, [], "cpu", ["has 2.00 GiB free", "need about 2.00 GiB"]),
    ("run-leaves-room", 40, 2, [("run-a", 30)], "cuda:0", ["run-a", "30.00 GiB"]),
    ("run-needs-it", 20, 2, [("run-a", 19)], "cpu", ["Models on the CPU, not cuda:0", "run-a", "19.00 GiB"]),
    ("largest-claim-counts", 20, 2, [("small", 1), ("big", 18)], "cpu", ["big", "18.00 GiB"]),
    ("run-holds-all-it-needs", 20, 2, [("run-a", 0)], "cuda:0", ["run-a"]),
    ("run-need-unknown", 80, 2, [("run-b", None), ("run-a", 1)], "cpu", ["run-b", "could not be estimated"]),
]


@pytest.mark.parametrize(
    ("free", "need", "claims", "device", "words"), [p[1:] for p in PLACEMENTS], ids=[p[0] for p in PLACEMENTS]
)
def test_inference_goes_to_the_gpu_only_beside_what_training_needs(free, need, claims, device, words):
    claims = [(r, None if g is None else int(g * GIB)) for r, g in claims]
    place = sharing.choose_device("cuda:0", int(need * GIB), int(free * GIB), claims)
    assert place.device == device
    for word in words:
        assert word in place.reason, place.reason
    assert bool(place.reason) == bool(words)


def test_a_running_run_claims_its_estimate_less_what_its_process_holds(tiny_model_dir, tmp_path, monkeypatch):
    from ftlib import memory, workspace

    config = real_config(tiny_model_dir, tmp_path, device="cuda:0")
    states = {"running": 4242, "queued": None, "finished": 4343}
    for state, pid in states.items():
        folder = workspace.runs_dir() / f"run-{state}"
        folder.mkdir(parents=True)
        (folder / "config.json").write_text(json.dumps(config.to_dict()))
        (folder / "status.json").write_text(json.dumps({"state": state, "device": "cuda:0", "pid": pid}))
    cpu_run = workspace.runs_dir() / "run-on-cpu"
    cpu_run.mkdir()
    (cpu_run / "config.json").write_text(json.dumps({**config.to_dict(), "device": "cpu"}))
    (cpu_run / "status.json").write_text(json.dumps({"state": "running", "device": "cpu", "pid": 1}))
    monkeypatch.setattr(sharing, "_gpu_memory_by_pid", lambda: {4242: 1000, 4343: 10**9})

    need = memory.estimate(config, device="cuda:0").total
    assert need > 1000
    assert sharing.training_claims("cuda:0") == [("run-queued", need), ("run-running", need - 1000)]
    assert sharing.training_claims("cuda") == sharing.training_claims("cuda:0")
    assert sharing.training_claims("cuda:1") == []
    creating = workspace.runs_dir() / ".run-being-created.partial"  # ftlib.run_create's folder, not a run yet
    shutil.copytree(workspace.runs_dir() / "run-queued", creating)
    assert sharing.training_claims("cuda:0") == [("run-queued", need), ("run-running", need - 1000)]

    gone = workspace.runs_dir() / "run-with-a-model-gone"  # its memory cannot be estimated any more
    gone.mkdir()
    (gone / "config.json").write_text(json.dumps({**config.to_dict(), "model": str(tmp_path / "gone")}))
    (gone / "status.json").write_text(json.dumps({"state": "queued", "device": "cuda:0"}))
    assert ("run-with-a-model-gone", None) in sharing.training_claims("cuda:0")

    damaged = workspace.runs_dir() / "run-damaged"  # one bad folder must not stop every GPU run from starting
    damaged.mkdir()
    (damaged / "config.json").write_text(json.dumps(config.to_dict()))
    (damaged / "status.json").write_text("[]")
    assert "run-damaged" not in dict(sharing.training_claims("cuda:0"))


def test_a_runs_gpu_memory_is_what_the_processes_of_its_session_hold(tiny_model_dir, tmp_path, monkeypatch):
    """status.json's pid is the run's launch process (ftlib.run_watch), which holds no GPU memory: its worker (or
    torchrun's workers), members of its session, do. Counted by pid alone, a running run claimed its whole estimate
    again and Compare moved to the CPU for memory the run already held."""
    from ftlib import memory, workspace

    leader = subprocess.Popen(
        [sys.executable, "-c", "import subprocess, sys; subprocess.run([sys.executable, '-c', "
         "'import os, time; print(os.getpid(), flush=True); time.sleep(60)'])"],
        stdout=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        worker = int(leader.stdout.readline())
        config = real_config(tiny_model_dir, tmp_path, device="cuda:0")
        folder = workspace.runs_dir() / "run-running"
        folder.mkdir(parents=True)
        (folder / "config.json").write_text(json.dumps(config.to_dict()))
        (folder / "status.json").write_text(json.dumps({"state": "running", "device": "cuda:0", "pid": leader.pid}))
        monkeypatch.setattr(sharing, "_gpu_memory_by_pid", lambda: {worker: 1000, os.getpid(): 10**9})
        need = memory.estimate(config, device="cuda:0").total
        assert sharing.training_claims("cuda:0") == [("run-running", need - 1000)]  # not this process's memory
    finally:
        os.killpg(leader.pid, signal.SIGKILL)
        leader.wait()


def test_a_generation_job_says_it_waits_and_then_generates_what_it_would_have(tiny_model_dir, tmp_path):
    from ftlib import modelset as M
    from ftlib import sampling as S

    ms = M.load_model_set(str(tiny_model_dir))
    rows = S.grid_rows(S.render_prompt(ms.tokenizer, "Hi")[1], [S.GREEDY, S.PRESETS["balanced"]], ["base"])
    log, release = tmp_path / "log", tmp_path / "release"
    holder = worker(log, "hold", str(release))
    wait_for(lambda: any(e == "held" for _, e in events(log)), timeout=60, poll=0.05)
    job = M.GenerationJob(ms, rows, max_new_tokens=5, seed=3, label="a Compare grid").start()
    wait_for(lambda: job.waiting, timeout=60, poll=0.05)
    assert job.waiting.startswith("Waiting for the training run `run-x` to pause") and not job.done
    assert job.snapshot() == [[], []]
    assert lease.waiting("cpu") and not job.done
    release.touch()
    finish(holder)
    assert job.wait(timeout=120) and job.error is None and job.waiting == ""
    expected = S.generate(ms.model, ms.tokenizer, rows, max_new_tokens=5, seed=3)
    assert [[t.id for t in row] for row in job.snapshot()] == [r.ids for r in expected]


def test_a_job_cancelled_while_it_waits_ends_without_an_error(tiny_model_dir, tmp_path):
    from ftlib import modelset as M
    from ftlib import sampling as S

    ms = M.load_model_set(str(tiny_model_dir))
    log, release = tmp_path / "log", tmp_path / "release"
    holder = worker(log, "hold", str(release))
    wait_for(lambda: any(e == "held" for _, e in events(log)), timeout=60, poll=0.05)
    job = M.GenerationJob(ms, S.grid_rows([1, 2, 3], [S.GREEDY], ["base"])).start()
    wait_for(lambda: job.waiting, timeout=60, poll=0.05)
    job.cancel()
    assert job.wait(timeout=60) and job.error is None and job.cancelled and job.finish_reason(0) == "cancelled"
    assert lease.waiting("cpu") == []
    release.touch()
    finish(holder)


def test_a_hold_interrupted_right_after_it_got_the_device_lets_it_go():
    """A page's on_wait raises when Streamlit reruns its script (an st.* call raises): if that happens in the last
    call, once the device is taken, the device must be free again, not locked by a hold nobody has."""

    class Rerun(BaseException):  # like Streamlit's RerunException, not an Exception
        pass

    def on_wait(state):
        if state is None:
            raise Rerun

    first = lease.Hold("cpu", "training", "the run").acquire()
    handed_over = threading.Timer(0.5, first.release)  # the page waits in line, then gets the device
    handed_over.start()
    with pytest.raises(Rerun):
        lease.Hold("cpu", "generation", "a page", on_wait=on_wait).acquire()
    handed_over.join()
    deadline = time.monotonic() + 30
    after = lease.Hold("cpu", "generation", "the next one", cancelled=lambda: time.monotonic() > deadline).acquire()
    assert after.held and lease.holder("cpu")["label"] == "the next one"
    after.release()


GROUP = "rendezvous 127.0.0.1:29511"


@pytest.mark.parametrize(
    "machines, label, group, waits",
    [
        (2, "run-x", "", False),
        (2, "run-y", GROUP, False),
        (2, "run-y", "", True),
        (2, "run-y", "rendezvous 127.0.0.1:29512", True),
        (1, "run-x", "", True),
    ],
    ids=[
        "a machine of the holding run",
        "its id a second later",
        "another run",
        "another run elsewhere",
        "one machine",
    ],
)
def test_a_machine_of_a_run_does_not_wait_for_the_lease_its_own_run_holds(
    tmp_path, monkeypatch, machines, label, group, waits
):
    """A cold reader: two "machines" of one run on one host (one workspace, so one lock folder) froze before step 1:
    machine 0 held the CPU lease and could not finish a step without machine 1, which waited for that lease. A
    machine's first process now stops waiting once its own run holds the lease; anyone else still waits. Machines
    with a workspace each name the run by their own id, which differed when they were queued a second apart (a CI
    run under load froze so for 600 s): what they share is where they meet (`distributed.rendezvous_group`)."""
    from types import SimpleNamespace

    log, release = tmp_path / "log", tmp_path / "release"
    holder = worker(log, "hold", str(release), LEASE_GROUP=GROUP)  # holds the CPU as the training run `run-x`
    wait_for(lambda: any(e == "held" for _, e in events(log)), timeout=60, poll=0.05)
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "1")
    callback = sharing.training_callback(label, on_wait=lambda state: None, group=group)
    args = SimpleNamespace(device="cpu", local_process_index=0, world_size=machines)
    began = threading.Event()
    threading.Thread(target=lambda: (callback.on_train_begin(args, None, None), began.set()), daemon=True).start()
    assert began.wait(timeout=2) is not waits
    release.touch()
    finish(holder)
    assert began.wait(timeout=30)
    assert (callback.hold is not None) is waits  # the run's other machine takes the turns for both
    if callback.hold is not None:
        callback.hold.release()


def test_the_lease_files_take_the_umasks_mode_so_a_teammates_account_can_take_the_device(monkeypatch, tmp_path):
    """An operator's review: README's group-shared workspace (`umask 002`, setgid folders) had `.locks/cpu.lock`
    made 0644 whatever the umask, so a teammate's account could not open it to take the device: its `train` or
    `sample` on the server's workspace failed with PermissionError."""
    monkeypatch.setenv("FTLIB_LOCK_DIR", str(tmp_path / "locks"))
    tickets = []  # the modes of the line's tickets, seen before a hold removes its own
    enqueue = lease.Hold._enqueue

    def seen(self, queue):
        ticket, fd = enqueue(self, queue)
        tickets.append(ticket.stat().st_mode & 0o777)
        return ticket, fd

    monkeypatch.setattr(lease.Hold, "_enqueue", seen)
    old = os.umask(0o002)
    try:
        with lease.hold("cpu", "generation", "a test"):
            pass
    finally:
        os.umask(old)
    for name in ("cpu.lock", "cpu.holder.json"):
        assert (tmp_path / "locks" / name).stat().st_mode & 0o777 == 0o664, name
    assert tickets == [0o664]
