"""Helper 208's shared-server walk, continued (helper 213): what a teammate reads of another person's run."""

from __future__ import annotations

from pathlib import Path

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
