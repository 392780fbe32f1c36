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
    # Equal labels are numbered from the oldest, whatever each run's state (its icon).
    assert [picker[r][-3:] for r in ("r-a", "r-b", "r-c")] == [" #1", " #2", " #3"], picker
    said = runs.queue_place("r-d")
    label = train_labels(infos)["r-a"]
    assert label.startswith("lora on r7/merged · chat_style · "), label
    assert said == (
        f"Queued: 4th in line, after {label} #1 (training, step 5 of 12), {label} #2 (queued) and {label} #3 (queued)."
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
    # This server has no sign-in: the page says so rather than "by someone not signed in", which read as a stranger
    # to the person who had just pressed Stop (helper 247); `runs show --json` keeps the engine's words.
    assert caption.endswith("Stopped at step 3. · stopped in a browser (this server has no sign-in)"), caption
    assert runs.find("r-live").summary().as_dict()["last_action"] == said
    # Resumed from the command line: the last to act is named, the browser's stop no longer said.
    record(run.path, "resume", Who(name="bob", via="cli"))
    assert runs.find("r-live").summary().people_text == "resumed by bob (command line)"


def test_an_engine_caller_that_names_no_one_is_still_nobody():
    run = make_run("r-quiet", state="interrupted", stopped_by="user")
    record(run.path, "stop", None)  # `runs.stop(run_id)` from Python: not known to be a browser
    assert run.summary().people_text == ""


def _merged_export(model_dir, card: bool = True):
    """Run r7's merged model in its folder (runs/r7/merged): `model_dir`'s weights, with the card an export writes."""
    import shutil

    from ftlib.model_card import write_card

    r7 = make_run("r7", {"method": "lora", "model": str(model_dir)}, max_steps=3)
    shutil.copytree(model_dir, r7.merged_dir)
    if card:
        write_card(r7, r7.merged_dir, "merged")
    return r7.merged_dir


def test_a_model_the_studio_fine_tuned_is_told_from_a_base(tiny_model_dir, tmp_path):
    import shutil

    from ftlib.model_card import studio_export, write_card

    assert studio_export(str(tiny_model_dir)) == ""  # a model as published (no card of the studio's)
    merged = _merged_export(tiny_model_dir)
    assert studio_export(str(merged)) == "run r7's merged model"
    copy = tmp_path / "pirate-135m"  # `runs export r7 --merged --out ~/models/pirate-135m`: the card goes with it
    shutil.copytree(merged, copy)
    assert studio_export(str(copy)) == "run r7's merged model"
    full = make_run("r8", {"method": "full", "model": str(tiny_model_dir)}, model=tiny_model_dir)
    write_card(full, full.model_dir, "model")
    assert studio_export(str(full.model_dir)) == "run r8's fine-tuned model"
    (full.model_dir / "README.md").unlink()  # an account that could not write the card: the run folder says it
    assert studio_export(str(full.model_dir)) == "run r8's fine-tuned model"
    (copy / "README.md").write_text("---\nlicense: mit\n---\n# Someone's own model\n")  # not the studio's card
    assert studio_export(str(copy)) == ""


def test_compare_and_evaluate_name_a_merged_sidebar_model_not_base(varied_dir, adapter_template):
    """The walk typed run r7's merged export into the sidebar: Compare's rows and its next-token picker called it
    "base", which reads as the model as published. It is named as the sidebar names it ("r7/merged"), and Evaluate's
    line on a run trained on it says the base is itself fine-tuned; a model as published keeps "base"."""
    from tests.test_pages_compare import open_page

    at, merged = lora_run_on_export(varied_dir, adapter_template, "pages/5_Compare.py")
    model_box = next(s for s in at.selectbox if s.label == "Model")
    assert model_box.options[0] == "r7/merged", model_box.options
    at = open_page("pages/6_Evaluate.py", merged)
    assert not at.exception, at.exception
    line = next(c.value for c in at.caption if c.value.startswith("Base model"))
    assert "Base model `r7/merged` (itself fine-tuned: run r7's merged model) · " in line, line  # as Compare names it
    at = open_page("pages/5_Compare.py", varied_dir)  # sentinel: the model as published is still "base"
    assert next(s for s in at.selectbox if s.label == "Model").options[0] == "base"


def lora_run_on_export(varied_dir, adapter_template, page: str = "pages/6_Evaluate.py"):
    """(the `page` opened, the export's folder) of a LoRA run on the `colours` split whose base is run r7's merged
    export (`_merged_export`), that export the sidebar's model."""
    from tests.test_pages_compare import TEST_ROWS, open_page

    merged = _merged_export(varied_dir)
    workspace.save_split("colours", TEST_ROWS[:1], TEST_ROWS, {"format": "messages"})
    config = {"model": str(merged), "dataset": "colours", "template": "tokenizer", "method": "lora"}
    make_run("20260101-000000-lora-colours", config, adapter=adapter_template)
    at = open_page(page, merged)
    assert not at.exception, at.exception
    return at, merged
