"""Helper 208's shared-server walk, continued (helper 213): what a teammate reads of another person's run."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import lease, run_people
from ftlib.testing import make_run


def _anas_run(name: str = "bob quick test"):
    run = make_run("20261207-161347-lora-chat_style", {"dataset": "chat_style", "name": name}, state="running")
    run_people.record(run.path, "start", run_people.Who(name="Ana", email="ana@example.com"))
    return run


def test_waiting_for_a_training_run_names_it_as_the_train_picker_does_and_who_started_it():
    run = _anas_run()
    holder = {"kind": "training", "label": run.id, "pid": 1}
    first = lease.WaitState("cpu", 1, holder).message
    assert first.startswith("Waiting for the training run `bob quick test · lora · chat_style · "), first
    assert ", started by ana@example.com, to pause: it lends the CPU after its current step." in first
    assert run.id not in first
    second = lease.WaitState("cpu", 2, holder).message
    assert "(the training run `bob quick test · lora" in second
    assert "started by ana@example.com, is using it)" in second
    # A run whose folder is gone (deleted meanwhile) is still named by its id.
    gone = lease.WaitState("cpu", 1, {"kind": "training", "label": "20261207-gone"}).message
    assert gone.startswith("Waiting for the training run `20261207-gone` to pause"), gone


APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _train_page(model_dir, selected: str, user: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if user is not None:
        from tests.test_run_people import AUTH

        at.secrets["auth"] = AUTH
        at.user = user
    at.session_state["active_model"] = str(model_dir)
    at.run().switch_page("pages/4_Train.py").run()
    at.session_state["train_selected"] = selected
    return at.run()


def test_rename_of_a_run_with_no_name_shows_the_pickers_label_in_its_empty_box(tiny_model_dir):
    make_run("r-plain", {"model": str(tiny_model_dir), "dataset": "chat_style"})
    at = _train_page(tiny_model_dir, "r-plain")
    at.button(key="rename_ask_r-plain").click().run()
    box = at.text_input(key="rename_to_r-plain")
    assert box.value == ""
    assert box.placeholder.startswith("lora · chat_style · "), box.placeholder


BOB = {"is_logged_in": True, "name": "Bob Stone", "email": "bob@example.com"}
ANA = {"is_logged_in": True, "name": "Ana Lima", "email": "ana@example.com"}


def _live_run(model_dir, started_by: run_people.Who | None):
    from ftlib import workspace
    from tests.test_pages_train import SFT_ROWS

    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    config = {"model": str(model_dir), "dataset": "numbers", "max_steps": 10, "name": "ana pirate run"}
    # No pid and just started: the queue takes it for a run being launched, so it counts as running.
    run = make_run("r-live", config, state="running", started=time.time(), max_steps=10)
    run_people.record(run.path, "start", started_by)
    return run


def _state(run) -> str:
    return run.read_status()["state"]


@pytest.fixture
def authlib(monkeypatch):
    import ui.auth

    monkeypatch.setattr(ui.auth, "_authlib_installed", lambda: True)  # as tests/test_run_people.py signs in


def test_stopping_another_signed_in_persons_run_asks_first(tiny_model_dir, authlib):
    run = _live_run(tiny_model_dir, run_people.Who(name="Ana Lima", email="ana@example.com"))
    bob = _train_page(tiny_model_dir, "r-live", user=BOB)
    bob.button(key="stop_r-live").click().run()
    assert not bob.exception, bob.exception
    assert _state(run) == "running"  # one click stopped a teammate's run (Delete takes two)
    asked = [w.value for w in bob.warning if w.value.startswith("Stop ana@example.com's run `ana pirate run · lora")]
    assert asked, [w.value for w in bob.warning]
    bob.button(key="stop_cancel_r-live").click().run()
    assert _state(run) == "running" and not any(w.value.startswith("Stop ana") for w in bob.warning)
    bob.button(key="stop_r-live").click().run()
    bob.button(key="stop_yes_r-live").click().run()
    assert not bob.exception, bob.exception
    assert _state(run) == "stopping"
    assert run_people.people(run.path).last_action == "stopped by bob@example.com"


def test_ones_own_run_and_a_run_of_nobody_known_stop_at_one_click(tiny_model_dir, authlib):
    run = _live_run(tiny_model_dir, run_people.Who(name="Ana Lima", email="ana@example.com"))
    ana = _train_page(tiny_model_dir, "r-live", user=ANA)
    ana.button(key="stop_r-live").click().run()
    assert _state(run) == "stopping"
    assert run_people.started_by_another(run.path, None) == "ana@example.com"
    assert run_people.started_by_another(run.path, run_people.Who(name="Ana Lima", email="ana@example.com")) == ""
    cli = make_run("r-cli", {"dataset": "d"}, state="running")
    run_people.record(cli.path, "start", run_people.Who(name="bob", via="cli"))
    assert run_people.started_by_another(cli.path, None) == ""  # the command line: no sign-in to tell people apart


def test_runs_list_has_a_name_column_so_a_run_named_on_the_page_is_found(capsys):
    from ftlib.cli import main

    make_run("20261207-161347-lora-chat_style", {"dataset": "chats", "name": "bob quick test"})
    make_run("20261207-161500-lora-chat_style", {"dataset": "chats", "name": "a very long name " * 5})
    make_run("20261207-161600-lora-chat_style", {"dataset": "chats"})
    assert main(["runs", "list"]) == 0
    head, *lines = capsys.readouterr().out.splitlines()
    at, state = head.index("name"), head.index("state")
    named = {line[:48].strip(): line[at:state] for line in lines}
    assert named["20261207-161347-lora-chat_style"].rstrip() == "bob quick test"
    assert named["20261207-161500-lora-chat_style"].rstrip() == "a very long name a very…"  # cut to fit
    assert named["20261207-161600-lora-chat_style"].rstrip() == "-"
    assert all(line[state - 2 : state] == "  " for line in lines)  # each name ends before the state column


def test_runs_list_has_no_name_column_where_no_run_has_a_name(capsys):
    from ftlib.cli import main

    make_run("r-plain", {"dataset": "chats"})
    assert main(["runs", "list"]) == 0
    assert capsys.readouterr().out.splitlines()[0].split()[:2] == ["id", "state"]


def test_a_resumed_runs_first_step_is_said_as_such_with_no_time_left_from_before_its_stop(
    tiny_model_dir, tmp_path, monkeypatch
):
    """Helper 208's walk: a run stopped after its slow first step (172 s) and resumed said "running the first step
    (the slowest...)" at step 1 of 10, beside "about 0:25:49 left" (172 s x 9) kept from before the stop."""
    import json

    from ftlib import run_phases, runs, worker
    from ftlib.rundir import RunDir
    from tests.test_training import SFT_ROWS, tiny_config

    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in SFT_ROWS))
    run = runs.find(runs.create_run(tiny_config(tiny_model_dir, dataset=str(data), max_steps=6, test_size=0.25)))
    asked = []  # a stop asked for during step 2 (the metrics callback asks once a step)
    monkeypatch.setattr(RunDir, "stop_requested", lambda self: asked.append(1) or len(asked) == 2)
    assert worker.execute(run.path) == "interrupted"
    monkeypatch.setattr(RunDir, "stop_requested", lambda self: False)
    seen = []  # (phase, time left, step) as a page reads them after each status write of the resumed attempt
    write = RunDir.update_status

    def watched(self, **fields):
        write(self, **fields)
        summary = self.summary()
        seen.append((summary.phase, summary.eta_s, summary.step))

    monkeypatch.setattr(RunDir, "update_status", watched)
    run.update_status(state="queued", resume=True)  # as `runs resume` queues it
    assert worker.execute(run.path) == "finished"
    resumed = "running step 3, the first since the resume (the slowest: the time left shows after it)"
    phases = [phase for phase, _, _ in seen]
    assert resumed in phases and run_phases.FIRST_STEP not in phases, phases
    at_first = [(eta, step) for phase, eta, step in seen if phase == resumed]
    assert at_first and all(eta is None and step == 2 for eta, step in at_first), seen
    assert phases.index(run_phases.TRAINING, phases.index(resumed)) > phases.index(resumed)  # then "training"


def test_the_question_for_a_queued_run_says_it_leaves_the_queue_not_that_it_saves_a_step(tiny_model_dir, authlib):
    """Helper 212's review: the question said 'It saves a checkpoint after its current step' of a run still queued,
    which runs.stop takes out of the queue with no step to save."""
    from ftlib import workspace
    from tests.test_pages_train import SFT_ROWS

    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    config = {"model": str(tiny_model_dir), "dataset": "numbers", "max_steps": 10, "name": "ana pirate run"}
    # A run training ahead of it (no pid, just started: the queue counts it as running), so it stays queued.
    make_run("r-ahead", {**config, "name": "ahead"}, state="running", started=time.time(), max_steps=10, device="cpu")
    run = make_run("r-wait", config, state="queued", queued_at=time.time_ns(), device="cpu")
    run_people.record(run.path, "start", run_people.Who(name="Ana Lima", email="ana@example.com"))
    bob = _train_page(tiny_model_dir, "r-wait", user=BOB)
    assert _state(run) == "queued", _state(run)
    bob.button(key="stop_r-wait").click().run()
    assert not bob.exception, bob.exception
    (asked,) = [w.value for w in bob.warning if w.value.startswith("Stop ana@example.com's run")]
    assert "It leaves the queue before it starts; Resume puts it back" in asked and "checkpoint" not in asked
    bob.button(key="stop_yes_r-wait").click().run()
    assert _state(run) == "interrupted"
