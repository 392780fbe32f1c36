"""Which finished run Compare and Evaluate offer first: the newest one trained on the current dataset, named by a
short label with its age, steps and last step's loss (so a two-step test run on other data is never taken silently)."""

from __future__ import annotations

import json
import time

import pytest

from ftlib import modelset as M
from ftlib import runs as runs_module
from ftlib.run_picker import age_words, model_name, preselect, run_choices, train_labels
from ftlib.testing import make_run


def empty_adapter(folder):
    """An adapter folder as a finished run leaves it (the files the run list looks for; never loaded here)."""
    adapter = folder / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    (adapter / "adapter_model.safetensors").write_bytes(b"")
    return adapter


@pytest.fixture
def runs(tiny_model_dir, tmp_path):
    """Three finished runs: a real one on chat_style, then a newer 2-step test on another split, and a full fine-tune
    on chat_style that failed halfway (not finished: never offered)."""
    adapter = empty_adapter(tmp_path)
    now = time.time()
    steps = [{"kind": "train", "step": s, "loss": 2.0 / s} for s in range(1, 41)]
    make_run(
        "real",
        {"model": str(tiny_model_dir), "dataset": "chat_style"},
        adapter=adapter,
        metrics=steps,
        created=now - 3600,
        ended=now - 1500,
    )
    make_run(
        "test-2-steps",
        {"model": str(tiny_model_dir), "dataset": "numbers"},
        adapter=adapter,
        metrics=steps[:2],
        created=now - 120,
        ended=now - 60,
    )
    make_run("broken", {"model": str(tiny_model_dir), "dataset": "chat_style"}, state="failed", created=now - 30)
    return now


def test_the_newest_finished_run_on_the_current_dataset_is_offered_first(runs):
    choices = run_choices(M.list_run_adapters(), now=runs)
    assert [c.name for c in choices] == ["test-2-steps", "real"]  # newest first; the failed run is not offered
    assert choices[preselect(choices, "chat_style")].name == "real"
    assert choices[preselect(choices, "numbers")].name == "test-2-steps"
    assert choices[preselect(choices, "another")].name == "test-2-steps"  # none on it: the newest
    assert preselect([], "chat_style") is None


def test_each_run_is_named_by_a_short_label_and_its_facts(runs):
    real = next(c for c in run_choices(M.list_run_adapters(), now=runs) if c.name == "real")
    assert real.label.startswith("lora · chat_style · ")
    assert (real.facts, real.age) == ("40 steps · last step's loss 0.0500", "25 min ago")


@pytest.mark.parametrize(
    "seconds, words",
    [
        (0, "just now"),
        (59, "just now"),
        (60, "1 min ago"),
        (3599, "59 min ago"),
        (7200, "2 h ago"),
        (86400 * 3, "3 days ago"),
    ],
)
def test_ages_read_at_a_glance(seconds, words):
    assert age_words(seconds) == words


def test_the_run_last_chosen_comes_first_until_a_newer_one_finishes_on_the_dataset(runs):
    choices = run_choices(M.list_run_adapters(), now=runs)
    chosen_after_both = ("test-2-steps", runs - 10)
    assert choices[preselect(choices, "chat_style", chosen_after_both)].name == "test-2-steps"
    # "real" on chat_style finished 1500 s ago: a choice made before that gives way to it.
    assert choices[preselect(choices, "chat_style", ("test-2-steps", runs - 2000))].name == "real"
    assert choices[preselect(choices, "chat_style", ("deleted-run", runs))].name == "real"  # gone: the usual rule


def test_runs_with_the_same_label_and_facts_are_numbered_so_each_can_be_picked(tiny_model_dir, tmp_path):
    adapter = empty_adapter(tmp_path)
    now = time.time()
    config = {"model": str(tiny_model_dir), "dataset": "chat_style"}
    for name, ended in (("first", now - 50), ("second", now - 20)):
        make_run(name, config, adapter=adapter, created=now - 60, ended=ended)
    choices = run_choices(M.list_run_adapters(), now=now)
    assert [c.name for c in choices] == ["second", "first"]
    assert choices[0].label.endswith(" #2") and choices[1].label.endswith(" #1")
    assert choices[0].label[:-3] == choices[1].label[:-3]


def test_a_run_that_diverged_is_not_offered_first_and_says_so(runs, tiny_model_dir, tmp_path):
    adapter = next(iter(M.list_run_adapters())).path
    blown = [{"kind": "train", "step": s, "loss": v} for s, v in enumerate((3.2, 2.9, 9.0, 13.8, 14.3, 14.8), 1)]
    make_run(
        "blown-up",
        {"model": str(tiny_model_dir), "dataset": "chat_style"},
        adapter=adapter,
        metrics=blown,
        created=runs - 20,
        ended=runs - 5,
    )
    choices = run_choices(M.list_run_adapters(), now=runs)
    assert choices[0].name == "blown-up" and choices[0].diverged and choices[0].facts.endswith(" · diverged")
    assert choices[preselect(choices, "chat_style")].name == "real"  # the newest healthy run on the dataset
    assert not next(c for c in choices if c.name == "real").diverged
    only = [c for c in choices if c.name == "blown-up"]
    assert preselect(only, "chat_style") == 0  # alone, it is still offered


def test_a_run_is_named_as_it_was_given_and_by_what_its_method_is_judged_by(tiny_model_dir, tmp_path):
    """Walk 5 #7, #16: the name typed in the form was in no picker; a GRPO run read as its surrogate loss (negative,
    meaningless), a tiny loss as "last step's loss 0.000"."""
    adapter = empty_adapter(tmp_path)
    now = time.time()
    base = {"model": str(tiny_model_dir), "dataset": "pirate_prompts"}
    grpo = {**base, "method": "grpo", "name": "ahoy-grpo", "rewards": [{"regex": "^Ahoy"}]}
    steps = [{"kind": "train", "step": s, "loss": -0.0158, "reward": 0.5 + 0.25 * s} for s in (1, 2)]
    make_run("r-grpo", grpo, adapter=adapter, metrics=steps, ended=now - 9)
    make_run("r-tiny", base, adapter=adapter, metrics=[{"kind": "train", "step": 1, "loss": 0.00042}], ended=now - 5)
    choices = {c.name: c for c in run_choices(M.list_run_adapters(), now=now)}
    assert choices["r-grpo"].label.startswith("ahoy-grpo · grpo (lora) · pirate_prompts · ")
    assert choices["r-grpo"].facts == "2 steps · last step's reward 1.000"
    assert choices["r-tiny"].label.startswith("lora · pirate_prompts · ")  # no name given: as before
    assert choices["r-tiny"].facts == "1 step · last step's loss 0.00042"  # not "0.000"


def test_runs_on_two_base_models_name_their_model_and_a_template_not_the_models_own_is_named(tiny_model_dir, tmp_path):
    """Walk 8 A5: runs on two models (the sidebar's box) read alike, and a run on ChatML read as one on the model's
    own template. The model is named once the list holds runs on more than one; a template other than the model's
    own always."""
    adapter = empty_adapter(tmp_path)
    now = time.time()
    other = tmp_path / "models" / "qwen-0.5b"  # a second model folder: only its name is read here
    base = {"dataset": "chat_style"}
    make_run("r-tiny", {**base, "model": str(tiny_model_dir)}, adapter=adapter, created=now - 60, ended=now - 50)
    make_run("r-qwen", {**base, "model": str(other), "template": "chatml"}, adapter=adapter, ended=now - 40)
    tiny = model_name(str(tiny_model_dir))
    choices = {c.name: c for c in run_choices(M.list_run_adapters(), now=now)}
    assert choices["r-tiny"].label.startswith(f"lora on {tiny} · chat_style · "), choices["r-tiny"].label
    assert choices["r-qwen"].label.startswith("lora on qwen-0.5b · ChatML template · chat_style · ")
    # The Train page names every run (finished or not) the same way.
    assert train_labels(runs_module.list_runs()) == {name: c.label for name, c in choices.items()}
    # Compare offers only the runs on the sidebar's model: there the model is not repeated, the template still is.
    alone = run_choices([a for a in M.list_run_adapters() if a.name == "r-qwen"], now=now)
    assert alone[0].label.startswith("lora · ChatML template · chat_style · "), alone[0].label


@pytest.mark.parametrize(
    "spec, name",
    [
        ("default", "SmolLM2-135M-Instruct"),  # bare in a run's label, which the pages put in brackets
        ("HuggingFaceTB/SmolLM2-360M-Instruct", "SmolLM2-360M-Instruct"),
        ("/srv/models/llama-1b/", "llama-1b"),
        ("~/models/mine", "mine"),
        ("/ws/runs/20261129-2324-lora-chat/merged", "20261129-2324-lora-chat/merged"),  # "merged" alone says nothing
        ("", ""),
    ],
)
def test_a_model_is_named_short_as_the_sidebar_says_it(spec, name):
    assert model_name(spec) == name


def test_a_runs_number_in_compares_and_evaluates_picker_is_the_train_pages(tiny_model_dir, tmp_path, monkeypatch):
    """Compare's and Evaluate's pickers numbered runs by label and facts among the finished runs offered, the Train
    page by label over every run: of four runs of one minute, the oldest training (not offered), two finished alike
    were "#2" and "#3" on Train and "#1" and "#2" here, and one finished otherwise "#4" there and unnumbered here. A
    run's text here is the Train picker's, less its state icon; its summary is not read again at the next click."""
    from ftlib.rundir import RunDir
    from ui.run_choice import describe
    from ui.run_view import run_options

    adapter = empty_adapter(tmp_path)
    minute = time.time() // 60 * 60  # all inside one minute, whenever the test runs (labels show minutes)
    config = {"model": str(tiny_model_dir), "dataset": "chat_style", "max_steps": 10}
    steps = [{"kind": "train", "step": s, "loss": 2.0 - 0.1 * s} for s in (1, 2, 3)]
    make_run("r-a", config, state="running", created=minute + 1, started=time.time(), metrics=steps)
    for name, created, rows in (("r-b", minute + 2, steps), ("r-c", minute + 3, steps), ("r-d", minute + 4, [])):
        make_run(name, config, adapter=adapter, created=created, ended=created + 5, metrics=rows)
    every = runs_module.list_runs(refresh=False)
    train = run_options(every, train_labels(every))  # the Train page's picker texts
    assert [train[i].split(" — ")[0][-3:] for i in ("r-a", "r-b", "r-c", "r-d")] == [" #1", " #2", " #3", " #4"]
    reads = []
    real = RunDir.summary
    monkeypatch.setattr(RunDir, "summary", lambda self: reads.append(self.id) or real(self))
    choices = run_choices(M.list_run_adapters())
    assert {c.name: describe(c) for c in choices} == {i: train[i].split(" ", 1)[1] for i in ("r-b", "r-c", "r-d")}
    reads.clear()
    run_choices(M.list_run_adapters())
    assert reads == ["r-a"]  # the finished runs' summaries are kept (`kept_summary`); the one training is read


def test_runs_that_read_alike_only_without_their_base_model_are_named_as_train_names_them(tiny_model_dir, tmp_path):
    """Compare offers the runs on the sidebar's model and those whose config recorded none, and names no model when
    they are alike: such two runs of one minute ending alike read the same, so the second could not be picked. The
    Train page names the model (another run used another), so they have no number to tell them apart: here they are
    named as it names them."""
    adapter = empty_adapter(tmp_path)
    minute = time.time() // 60 * 60
    base = {"dataset": "chat_style", "max_steps": 10}
    make_run("r-other", {**base, "model": str(tmp_path / "models" / "qwen-0.5b")}, state="failed", created=minute)
    unrecorded = make_run("r-none", {**base, "model": str(tiny_model_dir)}, adapter=adapter, created=minute + 1)
    config = json.loads(unrecorded.config_file.read_text())
    unrecorded.config_file.write_text(json.dumps({k: v for k, v in config.items() if k != "model"}))
    make_run("r-tiny", {**base, "model": str(tiny_model_dir)}, adapter=adapter, created=minute + 2)
    usable = [a for a in M.list_run_adapters() if a.model in ("", str(tiny_model_dir))]
    assert {a.name for a in usable} == {"r-none", "r-tiny"}  # sentinel: what Compare offers
    texts = {c.name: f"{c.label} — {c.facts}" for c in run_choices(usable)}
    assert len(set(texts.values())) == 2, texts
    every = runs_module.list_runs(refresh=False)
    assert {c.name: c.label for c in run_choices(usable)} == {i: train_labels(every)[i] for i in texts}
