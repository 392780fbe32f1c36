"""Follow-ups to helper 65's walk of a run's lifecycle in two browser sessions on one server (helper 66): what the
queue, a stop from another session, Compare's "base" and a new session's model said that misled. Each test fails
without its fix."""

from __future__ import annotations

import time

from ftlib import runs
from ftlib.testing import make_run
from ui.run_view import run_options


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
