"""Follow-ups to helper 65's walk of a run's lifecycle in two browser sessions on one server (helper 66): what the
queue, a stop from another session, Compare's "base" and a new session's model said that misled. Each test fails
without its fix."""

from __future__ import annotations

import json
import time

from ftlib import runs, workspace
from ftlib.run_people import WHO_FILE, Who, record
from ftlib.testing import make_run
from ui.run_view import run_options


def events(run_id: str) -> list[dict]:
    return json.loads((runs.find(run_id).path / WHO_FILE).read_text())["events"]


def test_the_queue_names_the_runs_ahead_as_the_picker_does():
    """The walk: "Queued: 2nd in line, after lora · chat_style · Dec 06 17:16 (training, step 5 of 12)" beside a
    picker that said "lora on r7/merged · chat_style · Dec 06 17:16" and numbered equal texts "#1", "#2": the queue's
    names had no model and no number, so two runs ahead of one minute read alike and neither was found in the
    picker. The queue names them with the picker's label function over every run, numbers included."""
    minute = time.time() // 60 * 60  # all inside one minute, whenever the test runs (labels show minutes)
    config = {"model": "/srv/models/r7/merged", "dataset": "chat_style", "max_steps": 12}
    make_run("r-old", {**config, "model": "default"}, created=minute - 3600)  # another base model: labels name it
    make_run("r-a", config, state="running", created=minute + 1, phase="training", max_steps=12)
    runs.find("r-a").append_metric({"kind": "train", "step": 5, "loss": 1.5})
    for i, name in enumerate(("r-b", "r-c", "r-d"), start=2):
        make_run(name, config, state="queued", created=minute + i, queued_at=minute + i)
    infos = runs.list_runs(refresh=False)
    from ftlib.run_picker import train_labels

    picker = run_options(infos, train_labels(infos))  # the Train page's picker texts
    assert picker["r-b"].endswith(" #1") and picker["r-c"].endswith(" #2"), picker  # sentinel: equal texts
    said = runs.queue_place("r-d")
    label = train_labels(infos)["r-a"]
    assert label.startswith("lora on r7/merged · chat_style · "), label
    assert said == (
        f"Queued: 4th in line, after {label} (training, step 5 of 12), {label} #1 (queued) and {label} #2 (queued)."
    ), said
    for name in ("r-a", "r-b", "r-c"):  # each name the queue says is in that run's picker text
        named = picker[name].split(" ", 1)[1]
        assert named in said, (named, said)


def test_a_stop_from_a_browser_without_a_sign_in_is_said_on_every_page_of_the_run(tiny_model_dir):
    """The walk: session B stopped session A's run on a server with the password alone; A's page then said only
    "Stopped at step 3.", as a crash or the command line would read. No one is named (there is no identity), but the
    stop is said to have come from a browser by someone not signed in: true whoever pressed it, A's own tab too."""
    from tests.test_pages_train import SFT_ROWS, page

    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    steps = [{"kind": "train", "step": s, "loss": 2.0 - 0.1 * s, "elapsed": 10.0 * s} for s in (1, 2, 3)]
    config = {"model": str(tiny_model_dir), "dataset": "numbers", "max_steps": 10}
    run = make_run("r-live", config, state="running", started=time.time(), max_steps=10, metrics=steps)
    record(run.path, "start", None)  # started by a session without identity: nobody named
    bob = page(tiny_model_dir)  # session B
    bob.button(key="stop_r-live").click().run()
    assert not bob.exception, bob.exception
    said = "stopped in a browser by someone not signed in"
    assert events("r-live")[-1]["by"] == {"name": "", "email": "", "via": "browser"}
    run.end_attempt(state="interrupted", stopped_by="user", message="Stopped at step 3.")  # what the worker writes
    ana = page(tiny_model_dir)  # session A, a tab of its own
    caption = next(c.value for c in ana.caption if "Stopped at step 3." in c.value)
    assert caption.endswith(f"Stopped at step 3. · {said}"), caption
    assert runs.find("r-live").summary().as_dict()["last_action"] == said  # `runs show --json` says it too
    # Resumed from the command line: the last to act is named, the browser's stop no longer said.
    record(run.path, "resume", Who(name="bob", via="cli"))
    assert runs.find("r-live").summary().people_text == "resumed by bob (command line)"


def test_an_engine_caller_that_names_no_one_is_still_nobody():
    run = make_run("r-quiet", state="interrupted", stopped_by="user")
    record(run.path, "stop", None)  # `runs.stop(run_id)` from Python: not known to be a browser
    assert run.summary().people_text == ""
