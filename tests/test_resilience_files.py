"""A run folder in any state a crash, a full disk or a hand can leave it (cold review 20): one damaged file never
stops the other runs, the commands or the queue; the damaged run is listed naming the file and what to do; a run
killed while it was created leaves nothing half made; a dead process is judged by its own attempt's log; a
workspace this account may only read is still listed; SIGTERM stops a foreground `train` as Ctrl-C does.

Queue mechanics use a stand-in training process (a Python that sleeps, or crashes, with the run folder on its
command line), as tests/test_runs.py does.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ftlib import runs, workspace
from ftlib.cli import main
from ftlib.modelset import list_run_adapters
from ftlib.run_processes import alive
from ftlib.testing import make_run
from tests.test_runs import config, fake_runner, wait_for  # noqa: F401 (fake_runner: a fixture used by name)

STEPS = [{"kind": "train", "step": s, "loss": 2.0 / s, "elapsed": float(s)} for s in range(1, 7)]
# (id, file, bytes written over it, the sentence the run is listed with). Each crashed every `runs` command, the
# Train, Compare and Evaluate pages, or the queue, or read as a run without a word.
DAMAGE = [
    ("status-list", "status.json", b"[]\n", "status.json holds a JSON list, not an object: the run's state is lost"),
    ("status-bytes", "status.json", b"\xff\xfe{\x00\x91", "status.json is not UTF-8 text (damaged bytes)"),
    ("status-cut", "status.json", b'{"id": "x", "state": "fini', "status.json is not complete JSON (cut short"),
    ("status-empty", "status.json", b"", "status.json is empty: the run's state is lost. Resume it"),
    ("config-cut", "config.json", b'{"method": "lo', "config.json is not complete JSON (cut short or overwritten)"),
    ("metrics-list", "metrics.jsonl", b"[1, 2]\n", "metrics.jsonl has 1 damaged line"),
    ("metrics-bytes", "metrics.jsonl", b'{"kind": "train", "step": 7, "loss": \xff\n', "metrics.jsonl has 1 damaged"),
]


def damaged(run_id: str, file: str, data: bytes):
    """A finished 6-step run whose `file` holds `data` (metrics.jsonl: `data` appended)."""
    run = make_run(run_id, {"dataset": "chat_style", "max_steps": 6}, metrics=STEPS, step=6, max_steps=6)
    path = run.path / file
    path.write_bytes(path.read_bytes() + data if file == "metrics.jsonl" else data)
    return run


@pytest.mark.parametrize(("run_id", "file", "data", "says"), DAMAGE, ids=[d[0] for d in DAMAGE])
def test_a_damaged_run_is_listed_naming_the_file_and_what_to_do_and_the_others_are_unaffected(
    run_id,
    file,
    data,
    says,
    fake_runner,  # noqa: F811 (the fixture imported above)
    capsys,
):
    make_run("a-good", {"dataset": "chat_style", "max_steps": 6}, metrics=STEPS, step=6, max_steps=6)
    damaged(run_id, file, data)
    by_id = {r.id: r for r in runs.list_runs()}  # reconciles and advances first, as every page and command does
    assert by_id["a-good"].state == "finished" and by_id["a-good"].unreadable == []
    assert by_id["a-good"].train_loss == pytest.approx(2.0 / 6)
    info = by_id[run_id]
    assert any(said.startswith(says) for said in info.unreadable), info.unreadable
    if file == "status.json":  # the state is lost: said as such, resumable, and delete named as the other way
        assert info.state == "unknown" and info.state_text == "no readable status" and info.resumable
        assert info.message == info.unreadable[0] and f"runs delete {run_id}" in info.message
    if file == "config.json":  # the settings are lost: nothing to resume
        assert not info.resumable and f"runs delete {run_id}" in info.message
    if file == "metrics.jsonl":  # the rows that read still count
        assert (info.state, info.step, info.train_loss) == ("finished", 6, pytest.approx(2.0 / 6))
    # Every command goes on: the list (its damaged run named on stderr), show, and the queue behind it.
    for argv in (["runs", "list"], ["runs", "list", "--json"], ["runs", "show", run_id], ["runs", "show", "a-good"]):
        assert main(argv) == 0, argv
    said = capsys.readouterr()
    assert f"note: {run_id}: {says}" in said.err and f"{run_id}" in said.out
    queued = runs.submit(config("after-it"))
    assert {r.id: r.state for r in runs.list_runs()}[queued] == "running"


def test_a_worker_ending_beside_a_damaged_run_still_moves_the_queue_on(fake_runner):  # noqa: F811
    """The cold review: `train` created its folder, then crashed in `advance()` (status.json `[]` in another run),
    and the new run stayed queued for good; the worker's end-of-run advance failed the same way."""
    damaged("x-broken", "status.json", b"[]")
    first = runs.submit(config("first"))
    second = runs.submit(config("second"))
    assert {r.id: r.state for r in runs.list_runs()}[second] == "queued"
    pid = runs.find(first).read_status()["pid"]
    os.killpg(pid, signal.SIGKILL)
    wait_for(lambda: not alive(pid, runs.find(first)))
    assert runs.after_exit(runs.find(first).path) == [second]  # what the run's launch process does once it ended


def test_a_finished_run_whose_metrics_were_cut_short_reads_its_steps_and_says_lines_are_missing():
    """The cold review: a finished 6-step run whose metrics.jsonl was cut read "finished 1/6", without a word."""
    run = make_run("r-cut", {"dataset": "chat_style", "max_steps": 6}, metrics=STEPS, step=6, max_steps=6)
    run.metrics_file.write_bytes(run.metrics_file.read_bytes()[:90])  # step 1's row and half of step 2's
    info = run.summary()
    assert (info.state, info.step, info.max_steps) == ("finished", 6, 6)
    assert info.unreadable == [
        "metrics.jsonl has 1 damaged line (cut short, or not a metric row), left out of the charts and numbers."
    ]
    # Its loss is step 1's, the last that reads: said so, not as the last step's (a cold review saw step 1's loss
    # beside "2 steps" as if the last step's).
    assert (info.train_score, info.train_score_step) == (2.0, 1)
    assert info.facts == "6 steps · step 1's loss 2.0000" and info.train_text == "loss 2.0000 (step 1)"
    whole = make_run("r-whole", {"dataset": "chat_style", "max_steps": 6}, metrics=STEPS, step=6, max_steps=6)
    assert whole.summary().facts == "6 steps · last step's loss 0.3333" and "step" not in whole.summary().train_text
    running = make_run("r-live", {"dataset": "chat_style"}, state="running", metrics=STEPS[:2])
    with open(running.metrics_file, "a") as handle:
        handle.write('{"kind": "train", "st')  # the writer is mid-line: not damage
    assert running.summary().unreadable == [] and running.summary().step == 2


def test_compare_offers_only_runs_known_to_have_finished(tmp_path):
    """`.get("state", "finished")` offered a run whose status.json was missing as finished; one that did not read as
    a JSON object stopped Compare and Evaluate."""
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    (adapter / "adapter_model.safetensors").write_bytes(b"")
    make_run("r-good", {"method": "lora"}, adapter=adapter)
    make_run("r-no-status", {"method": "lora"}, adapter=adapter, state=None)
    for run_id, file, data in (("r-list", "status.json", b"[]"), ("r-bytes", "status.json", b"\xff"),
                               ("r-config", "config.json", b"{")):  # fmt: skip
        (make_run(run_id, {"method": "lora"}, adapter=adapter).path / file).write_bytes(data)
    assert [r.name for r in list_run_adapters()] == ["r-good"]


def test_a_kill_after_a_resume_is_judged_by_the_new_attempts_log_not_the_crash_before(fake_runner):  # noqa: F811
    """The cold review: a run that crashed once, resumed, then killed while loading, read "The training process
    crashed: PermissionError ..." and failed: train.log is appended across attempts, and the earlier traceback was
    among its last 40 lines."""
    fake_runner["code"] = (
        "import sys; print('Traceback (most recent call last):'); print('PermissionError: checkpoints'); sys.exit(1)"
    )
    run_id = runs.submit(config("crashed-once"))
    wait_for(lambda: {r.id: r.state for r in runs.list_runs()}[run_id] == "failed")
    fake_runner["code"] = "import time; print('[ftlib] loading', flush=True); time.sleep(120)"
    runs.resume(run_id)
    run = runs.find(run_id)
    wait_for(lambda: "[ftlib] loading" in run.log_tail())
    os.killpg(run.read_status()["pid"], signal.SIGKILL)
    info = wait_for(lambda: next((r for r in runs.list_runs() if r.id == run_id and r.state != "running"), None))
    assert info.state == "interrupted" and info.message.startswith("The training process ended unexpectedly")
    assert info.log_tail == ["[ftlib] loading"]  # this attempt's lines only


def test_a_train_killed_while_it_creates_its_run_leaves_no_run_behind():
    """The cold review: `train` killed while it copied a big file's rows left a folder holding only config.json,
    listed as "unknown 0/2" for good. A run's folder is made under a hidden name and renamed into place whole."""
    script = (
        "import os\n"
        "from ftlib import workspace, runs\n"
        "from ftlib.config import RunConfig\n"
        "def killed(*args, **kwargs):\n"
        "    os._exit(9)  # as kill -9 while it writes the run's rows\n"
        "workspace.keep_run_split = killed\n"
        "config = RunConfig(dataset='nowhere.jsonl', name='bigcreate', device='cpu')\n"
        "runs.create_run(config, rows=([{'text': 'x'}], [], {}))\n"
    )
    env = {**os.environ, "FTLIB_WORKSPACE": str(workspace.workspace_dir())}
    done = subprocess.run([sys.executable, "-c", script], env=env, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 9
    assert runs.list_runs(refresh=False) == []

    def left() -> list[str]:
        return [p.name for p in workspace.runs_dir().iterdir() if not p.name.endswith(".lock")]

    assert len(left()) == 1 and left()[0].startswith(".") and left()[0].endswith("-bigcreate.partial")
    runs.advance()  # the queue, moving next, clears what the killed creation left
    assert left() == []


def test_a_run_with_only_its_config_says_so_and_resumes_from_it(fake_runner, capsys):  # noqa: F811
    """The cold review: a folder holding only config.json read `unknown ... 0/2` for good, `runs show` gave an empty
    message, and `runs resume` said "Run '…' is None; only interrupted or failed runs can be resumed."."""
    run = make_run("r-config-only", {"dataset": "nowhere.jsonl", "max_steps": 2}, state=None)
    info = run.summary()
    assert info.state_text == "no readable status" and info.resumable
    assert info.message.startswith("status.json is missing (a `train` killed while it created the run?): the run's")
    assert (
        "Resume it to train again from the beginning" in info.message and "runs delete r-config-only" in info.message
    )
    with pytest.raises(runs.RunError, match="no readable status .status.json. and no process training it"):
        runs.stop(run.id)
    assert main(["runs", "resume", run.id]) == 0
    assert "r-config-only: queued: Waiting to resume from the beginning" in capsys.readouterr().out
    status = run.read_status()
    assert status["device"] == "cpu" and status["method"] == "lora" and status["created"]
    assert wait_for(lambda: {r.id: r.state for r in runs.list_runs()}[run.id] == "running")


def test_a_run_that_lost_its_config_is_listed_as_damaged_and_can_be_deleted(capsys):
    """A cold review: a run folder without config.json (adapter, checkpoints and metrics still there) was in no list,
    and `runs show`/`export`/`delete` said "There is no run": its disk space lost for good, without a word."""
    run = make_run("r-lost-config", {"dataset": "chat_style", "max_steps": 6}, metrics=STEPS, step=6, max_steps=6)
    run.config_file.unlink()
    (info,) = [r for r in runs.list_runs() if r.id == run.id]
    assert info.unreadable[0].startswith("config.json is missing: the run's settings are lost, so it cannot resume.")
    assert not info.resumable and info.step == 6
    assert main(["runs", "show", run.id]) == 0
    assert main(["runs", "delete", run.id, "--yes"]) == 0 and not run.path.exists()
    (run.path.parent / "notes").mkdir()  # a folder of the person's own, holding no run's file: not a run
    assert [r.id for r in runs.list_runs()] == []


def test_a_run_whose_config_does_not_read_refuses_to_resume_saying_why():
    run = make_run("r-no-config", {"dataset": "d"}, state="interrupted")
    run.config_file.write_bytes(b"\xff")
    with pytest.raises(runs.RunError, match="cannot resume: config.json is not UTF-8 text .damaged bytes.: the run's"):
        runs.resume(run.id)


def test_an_account_that_may_only_read_the_workspace_lists_and_shows_its_runs(monkeypatch, capsys):
    """README: "Without write access an account still lists and reads them." `runs list` and `runs show` refused
    with "cannot use .../runs/.queue.lock: permission denied": listing always took the queue's lock first."""
    make_run("r-theirs", {"dataset": "chat_style", "max_steps": 6}, metrics=STEPS, step=6, max_steps=6)
    lock = workspace.runs_dir() / ".queue.lock"

    def read_only(path, wait=True):
        raise PermissionError(13, "Permission denied", str(lock))  # what opening a lock file there raises

    monkeypatch.setattr(runs, "locked", read_only)
    assert main(["runs", "list"]) == 0 and main(["runs", "show", "r-theirs"]) == 0
    said = capsys.readouterr()
    assert "r-theirs" in said.out and "state: finished" in said.out
    assert said.err.count("note: This account may not write the workspace") == 2
    notes: list[str] = []
    assert [r.id for r in runs.list_runs(notes=notes)] == ["r-theirs"]
    assert notes == [
        f"This account may not write the workspace (Permission denied: {lock}): the runs are shown as their files "
        "say, without noticing a run whose process has ended, so a state may be out of date."
    ]


def test_a_dead_run_in_a_folder_this_account_may_only_read_is_listed_with_a_note(monkeypatch, capsys):
    """A teammate's run whose process died, in a folder this account may not write: `runs list` said `running` with
    no note, exit 0, and the Train page offered Stop (a cold review); marking it ended failed silently."""
    from ftlib.rundir import RunDir

    run = make_run("r-dead", {"dataset": "d"}, state="running", phase="training", pid=2**22 + 12345, started=1.0)
    denied = PermissionError(13, "Permission denied", str(run.path / "status.json"))

    def end_attempt(self, **kwargs):
        raise denied

    monkeypatch.setattr(RunDir, "end_attempt", end_attempt)
    notes: list[str] = []
    assert {r.id: r.state for r in runs.list_runs(notes=notes)} == {"r-dead": "running"}
    assert notes == [
        f"The process of 1 run 'r-dead' has ended, but this account may not write its folder (Permission denied: "
        f"{run.path / 'status.json'}): it is shown as its files say until an account that may write there lists "
        "the runs."
    ]
    assert main(["runs", "list"]) == 0
    assert "note: The process of 1 run 'r-dead' has ended" in capsys.readouterr().err


def test_sigterm_to_a_foreground_train_stops_its_run_as_ctrl_c_does(monkeypatch):
    """The cold review: `timeout 600 python -m ftlib train ...` exited 143 at its SIGTERM without a word, and the run
    trained on in the background. SIGTERM now asks the run to stop (a checkpoint first), as the first Ctrl-C does."""
    from ftlib.commands import train

    run = make_run("r-fg", {"dataset": "d", "max_steps": 40}, state="running", pid=None, started=time.time())
    monkeypatch.setattr(runs, "advance", lambda **_: [])  # its process is the test: nothing else is started or settled
    sent, real_sleep = [], time.sleep

    def sleep(_seconds):
        if not sent:
            sent.append(True)
            os.kill(os.getpid(), signal.SIGTERM)  # what `timeout` sends
            real_sleep(5)  # cut short: the handler raises as soon as the signal arrives
        elif run.stop_requested():  # the worker saves a checkpoint and ends, as a stop asks
            run.end_attempt(state="interrupted", stopped_by="user", phase="", message="Stopped at step 3.")

    class EndedByDefault(Exception):
        """What SIGTERM's default action stands for here: the command ended without a word."""

    def ended(signum, frame):
        raise EndedByDefault()

    previous = signal.signal(signal.SIGTERM, ended)
    try:
        monkeypatch.setattr(time, "sleep", sleep)
        out = io.StringIO()
        info = train.follow(run.id, out=out, poll=0)
        assert signal.getsignal(signal.SIGTERM) is ended  # the command's own handler is back once it returns
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert info.state == "interrupted" and info.stopped_by_user
    assert "[r-fg] stopping on SIGTERM (saving a checkpoint); SIGTERM again to leave it running" in out.getvalue()
    assert "[r-fg] stopped: Stopped at step 3." in out.getvalue()  # as `runs list` says it, not "interrupted"


def kept_rows(run, rows: int = 6):
    """`run` with its own copy of the rows it was queued on, as `train` keeps it."""
    chat = [{"messages": [{"role": "user", "content": f"Hi {i}"}, {"role": "assistant", "content": "Ahoy!"}]}
            for i in range(rows)]  # fmt: skip
    workspace.keep_run_split(run.path, chat[:-2], chat[-2:], {"name": "chat_style", "kept_from": "sample"})
    run.update_status(rows_kept=True)
    return run.path / workspace.RUN_SPLIT_DIR


@pytest.mark.parametrize("file", ["train.jsonl", "test.jsonl", "meta.json"])
def test_a_runs_own_rows_cut_short_are_named_with_the_line_and_refuse_a_resume(file, capsys):
    """A fault-injection review: a cut split/test.jsonl made `evaluate RUN` print a traceback ending in a bare
    JSONDecodeError; a cut train.jsonl failed the resumed run the same way, and `runs resume` accepted it again."""
    from ftlib.training import load_rows

    run = make_run(f"r-cut-{file[:4]}", {"dataset": "chat_style", "max_steps": 6}, state="interrupted")
    split = kept_rows(run)
    data = (split / file).read_bytes()
    (split / file).write_bytes(data[: len(data) - 20])  # cut in the last row
    with pytest.raises(workspace.SplitDamaged) as refused:
        load_rows(run.config(), run.path)
    said = str(refused.value)
    assert said.startswith(f"{split / file} cannot be read (") and "cut short, edited or removed" in said
    assert f"the rows run '{run.id}' was queued on, so those rows are lost: start a new run" in said
    if file != "meta.json":
        assert "(line " in said  # the line of the file that does not read
    with pytest.raises(runs.RunError, match=f"Run '{run.id}' cannot resume: .*{file} cannot be read"):
        runs.resume(run.id)


def test_a_saved_split_cut_short_says_to_save_it_again_and_a_queued_runs_lost_rows_refuse_to_train(tmp_path):
    """A queued run whose split/ was removed trained on the data as it is now, silently (its status said it kept its
    rows); a resume refuses that case already."""
    from ftlib.training import load_rows

    folder = workspace.save_split("tides", [{"text": "High tide at noon."}] * 3, [{"text": "Low tide."}])
    (folder / "train.jsonl").write_text('{"text": "High tide at noon."}\n{"text": "Hi')
    with pytest.raises(workspace.SplitDamaged, match=r"train.jsonl cannot be read \(line 2: .*Save the split again"):
        workspace.load_split("tides")
    run = make_run("r-split-gone", {"dataset": "chat_style", "max_steps": 6}, state="queued")
    kept_rows(run)
    shutil.rmtree(run.path / workspace.RUN_SPLIT_DIR)
    with pytest.raises(
        workspace.SplitDamaged, match=r"own copy of the rows it was queued on \(split/ in its folder\)"
    ):
        load_rows(run.config(), run.path)
