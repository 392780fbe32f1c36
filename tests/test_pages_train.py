"""Train page (AppTest): defaults and explanations, a memory estimate that follows the settings, and a real tiny
run started from the page, polled until it finishes, seen the same from a second session."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import runs, workspace
from ftlib.testing import make_run
from ui.labels import as_set_on

APP = str(Path(__file__).resolve().parents[1] / "app.py")
SFT_ROWS = [
    {
        "messages": [
            {"role": "user", "content": f"What is {i} plus {i}?"},
            {"role": "assistant", "content": f"Ahoy! It is {2 * i}."},
        ]
    }
    for i in range(12)
]
# What the method choice offers on a split of conversations: all methods, those it cannot train marked.
SFT_SPLIT_METHODS = (
    *("LoRA", "QLoRA", "Full", "DPO — needs preference pairs", "Reward model — needs preference pairs"),
    *("KTO — needs good/bad answers", "GRPO"),
)
PREF_ROWS = [
    {
        "prompt": [{"role": "user", "content": f"Facts about {i}?"}],
        "chosen": [{"role": "assistant", "content": f"- {i}\n- {i + 1}"}],
        "rejected": [{"role": "assistant", "content": f"Well, {i} maybe."}],
    }
    for i in range(6)
]


def page(model_dir) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(model_dir)
    return at.run().switch_page("pages/4_Train.py").run()


def headline(at: AppTest) -> str:
    return next((m.value for m in at.markdown if m.value.startswith("####")), "")


def test_without_a_dataset_the_page_points_to_data(tiny_model_dir):
    at = page(tiny_model_dir)
    assert not at.exception
    assert "No dataset yet" in at.info[0].value
    assert any("No runs yet" in c.value for c in at.caption)


def test_form_explains_the_knobs_and_the_estimate_follows_the_settings(tiny_model_dir):
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    at = page(tiny_model_dir)
    assert not at.exception
    method = at.radio(key="train_method")
    assert method.options == [*SFT_SPLIT_METHODS] and method.value == "lora"  # GRPO: their prompts
    assert "adapter" in at.info[0].value  # the chosen method, explained
    assert not [c for c in at.caption if "lora = " in c.value]  # once, in plain words: no "lora = ..., dpo = ..." line
    assert at.number_input(key="train_learning_rate_lora_lora").value == pytest.approx(2e-3)
    assert at.number_input(key="train_batch_size").value == 8
    captions = " ".join(c.value for c in at.caption)
    assert "one update step takes batch size × gradient accumulation" in captions
    assert "How big each update step is" in captions
    first = at.metric[0].value
    at.number_input(key="train_batch_size").set_value(1).run()
    smaller = at.metric[0].value
    at.radio(key="train_method").set_value("full").run()
    full = at.metric[0].value
    assert first != smaller and full != smaller, (first, smaller, full)
    assert "every weight" in at.info[0].value


def test_lora_and_qlora_offer_the_adapters_settings_and_full_fine_tuning_none(tiny_model_dir):
    """A cold review: with LoRA or QLoRA picked, More settings had no rank, alpha, dropout or target layers (they
    asked for `tuning`, which only the preference methods drew), and QLoRA no 4-bit format."""
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    at = page(tiny_model_dir)
    adapter = ("train_lora_r", "train_lora_alpha", "train_lora_dropout")
    assert at.radio(key="train_method").value == "lora"
    assert all(at.number_input(key=key).value is not None for key in adapter)
    assert at.number_input(key="train_lora_r").value == 16 and at.number_input(key="train_lora_alpha").value == 32
    keys = {w.key for w in at.main if getattr(w, "key", None)}
    assert "train_lora_targets" in str(keys) and "train_quant_type" not in keys, keys
    at.radio(key="train_method").set_value("qlora").run()
    assert not at.exception
    assert at.number_input(key="train_lora_r").value == 16
    assert at.selectbox(key="train_quant_type").value == "nf4"
    at.radio(key="train_method").set_value("full").run()
    assert not at.exception
    gone = {w.key for w in at.main if getattr(w, "key", None)}
    assert not {"train_lora_r", "train_lora_alpha", "train_quant_type"} & gone, gone


@pytest.mark.parametrize(
    "key, typed, says",
    [
        (
            "train_learning_rate_lora_lora",
            50.0,
            "**Learning rate**: 50 is out of range; use a number above 0 and below 1",
        ),
        (
            "train_batch_size",
            100000,
            "**Batch size**: 100000 is out of range; use a number at least 1 and at most 1024",
        ),
        ("train_max_length", 3, "**Max length (tokens)**: 3 is out of range"),
    ],
)
def test_a_number_out_of_range_is_refused_under_its_box_and_nothing_starts(tiny_model_dir, key, typed, says):
    """The browser keeps a typed number on screen even when the page cannot use it: the page must say so, under the
    box, and offer no Start button, never start with the last good value the user no longer sees."""
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    at = page(tiny_model_dir)
    assert any(b.key == "train_start" for b in at.button)
    at.number_input(key=key).set_value(typed).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any(e.startswith(says) for e in errors), errors
    assert any("to start a run" in e for e in errors), errors
    assert not any(b.key == "train_start" for b in at.button)
    assert [b.disabled for b in at.button if b.key == "train_start_refused"] == [True]  # in sight, off
    assert runs.list_runs() == []


def test_a_preference_split_offers_dpo(tiny_model_dir):
    workspace.save_split("prefs", PREF_ROWS[:5], PREF_ROWS[5:])
    at = page(tiny_model_dir)
    assert not at.exception
    method = at.radio(key="train_method")
    assert method.value == "dpo"  # the first method this split fits, not LoRA
    assert method.options == [
        *("LoRA — needs conversations", "QLoRA — needs conversations", "Full — needs conversations"),
        *("DPO", "Reward model", "KTO", "GRPO — needs prompts"),
    ]
    assert at.radio(key="train_tuning").value == "lora"
    at.session_state["active_split"] = "numbers"  # another split of conversations: LoRA again, not a refusal
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    assert at.run().radio(key="train_method").value == "lora"
    # Set through session state, which the browser is told: its key merely dropped, Chromium's radio showed no method
    # over LoRA's description (the split changed by a teammate saving one while this tab had chosen none; helper 257).
    assert at.radio(key="train_method").proto.set_value
    at.session_state["active_split"] = "prefs"
    assert at.run().radio(key="train_method").value == "dpo"
    # "Weights trained" names only what it is shown for, not methods that set it themselves.
    tuning_help = next(c.value for c in at.caption if c.value.startswith("How DPO, a reward model, KTO and GRPO"))
    assert "lora, qlora and full methods" not in tuning_help


@pytest.mark.parametrize(
    "rows, method, says",
    [
        (
            SFT_ROWS,
            "dpo",
            "DPO needs pairs of a chosen and a rejected answer, but this split has conversations with answers: on the "
            "Data page, pick the sample **preference_pairs** (or load a file whose rows have `prompt`, `chosen` and "
            "`rejected`) and save a split.",
        ),
        (SFT_ROWS, "kto", "KTO needs answers labelled good or bad (or chosen/rejected pairs), but this split"),
        (PREF_ROWS, "lora", "pick the sample **chat_style** (or load a file whose rows have `messages`"),
        (PREF_ROWS, "grpo", "pick the sample **pirate_prompts**"),
    ],
)
def test_a_method_the_split_cannot_train_is_offered_marked_and_says_how_to_get_its_data(
    tiny_model_dir, rows, method, says
):
    """Every method is in the choice; one the split cannot train says, in one sentence, what data it needs and which
    sample or file gives it, and nothing can start (Streamlit cannot grey out one radio option)."""
    workspace.save_split("mine", rows[:-2], rows[-2:])
    at = page(tiny_model_dir)
    assert len(at.radio(key="train_method").options) == 7
    assert any(b.key == "train_start" for b in at.button)
    at.radio(key="train_method").set_value(method).run()
    assert not at.exception and not at.error
    assert [w.value for w in at.warning if says in w.value], [w.value for w in at.warning]
    assert not any(b.key == "train_start" for b in at.button)
    assert not [n for n in at.number_input if n.key == "train_batch_size"]  # nothing else to set for it
    assert runs.list_runs() == []


def test_a_batch_above_the_rows_and_many_passes_are_said_before_start(tiny_model_dir):
    """A batch bigger than the split holds only the split (the estimate with it), and 20 steps over 10 rows is 20
    passes: both said in plain words beside the Start button."""
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    at = page(tiny_model_dir)
    assert not [w for w in at.warning if "passes over" in w.value or "Batch size" in w.value]
    default = at.metric[0].value
    at.number_input(key="train_max_steps").set_value(20)
    at.number_input(key="train_batch_size").set_value(1024).run()
    said = [w.value for w in at.warning]
    assert any(w.startswith("Batch size 1024 is more than the 10 training rows") for w in said), said
    assert any(w.startswith("20 passes over 10 training rows: the model will memorise them") for w in said), said
    assert any(b.key == "train_start" for b in at.button)  # warnings, not refusals
    table = next(h.proto.body for h in at.get("html") if "what it holds" in h.proto.body)
    assert "for the 10 sequences of a step at once" in table  # what the activations cover: the 10 rows there are
    capped = at.metric[0].value
    at.number_input(key="train_batch_size").set_value(10).run()
    assert at.metric[0].value == capped != default


def test_start_a_real_run_watch_it_finish_and_see_it_from_a_second_tab(tiny_model_dir):
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    at = page(tiny_model_dir)
    at.number_input(key="train_max_steps").set_value(3)
    at.number_input(key="train_batch_size").set_value(2).run()
    estimated = next(m.value for m in at.metric if m.label.startswith("Estimated peak memory"))
    at.button(key="train_start").click().run()
    assert not at.exception
    run_id = at.session_state["train_selected"]
    assert run_id in headline(at)

    deadline = time.time() + 300
    while "finished" not in headline(at) and "failed" not in headline(at) and time.time() < deadline:
        time.sleep(2)
        at.run()  # what the polling fragment does every few seconds
    assert "finished" in headline(at), headline(at)
    assert not at.exception
    table = at.dataframe[-1].value
    row = table[table["id"] == run_id].iloc[0]
    assert "finished" in row["state"] and row["run"].startswith("lora · numbers · ")
    assert row["steps"] == "3/3" and row["training loss"] > 0
    assert any("Export" in m.value for m in at.markdown)
    assert len(at.get("plotly_chart")) >= 4  # loss, learning rate, grad norm, tokens/s
    # What the run measured, beside the estimate the page showed when Start was pressed (walk 9 F4).
    assert peak_caption(at).value.endswith(f", estimated {estimated} before the start)"), peak_caption(at).value

    second = page(tiny_model_dir)  # a refresh or a second tab: the same run, read from disk
    assert run_id in headline(second) and "finished" in headline(second)
    assert runs.find(run_id).summary().state == "finished"


def picker_labels(at: AppTest) -> list[str]:
    return at.selectbox[-1].options  # the run picker is the last select box (the form's come first)


def test_the_picker_the_heading_and_the_table_change_when_the_state_does(tiny_model_dir):
    """Running -> Stop pressed (a 'Stopping…' state) -> ended: the picker's icon, the heading, the table and the
    timing follow each change (the page reads the run's folder on every draw; the fragment redraws it while a run
    is active)."""
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    steps = [{"kind": "train", "step": s, "loss": 2.0 - 0.1 * s, "elapsed": 10.0 * s} for s in (1, 2, 3)]
    config = {"model": str(tiny_model_dir), "dataset": "numbers", "max_steps": 10}
    # No pid and just started: the queue takes it for a run being launched, so it counts as running.
    run = make_run("r-live", config, state="running", started=time.time(), max_steps=10, metrics=steps)
    at = page(tiny_model_dir)
    assert not at.exception
    assert picker_labels(at) == [f"🏃 {run.summary().label}"]
    assert headline(at).endswith("— running")
    assert at.dataframe[-1].value["state"].tolist() == ["🏃 running"]

    at.button(key="stop_r-live").click().run()
    assert headline(at).endswith("— stopping") and picker_labels(at)[0].startswith("✋")
    assert at.button(key="stopping_r-live").disabled  # says it is stopping, and cannot be pressed twice

    # What the worker writes when a stop it was asked for ends the run: the stored state stays `interrupted`, shown
    # as "stopped — resumable" (a plain "interrupted" read as a crash), with the steps and last step's loss in the
    # picker.
    run.end_attempt(state="interrupted", stopped_by="user", message="Stopped at step 3.")
    at.run()
    assert picker_labels(at) == [f"⏸️ {run.summary().label} — 3 steps · last step's loss 1.7000"]
    assert headline(at).endswith("— stopped — resumable")
    assert at.dataframe[-1].value["state"].tolist() == ["⏸️ stopped — resumable"]
    assert at.button(key="resume_r-live")


def two_runs_of_one_minute(tiny_model_dir) -> None:
    """Two finished runs, r-first and r-second, queued the same minute on the same data: equal labels."""
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    config = {"model": str(tiny_model_dir), "dataset": "numbers", "max_steps": 10}
    minute = time.time() // 60 * 60  # both inside one minute, whenever the test runs (labels show minutes)
    for name, created in (("r-first", minute + 1), ("r-second", minute + 2)):
        make_run(name, config, state="finished", created=created, ended=created + 5)


def test_two_runs_of_the_same_minute_on_the_same_data_can_each_be_picked(tiny_model_dir):
    """Equal picker texts are numbered from the oldest: Streamlit keeps a choice by its text, so the second of two
    equal texts could not be picked."""
    two_runs_of_one_minute(tiny_model_dir)
    at = page(tiny_model_dir)
    assert not at.exception
    labels = picker_labels(at)
    # Numbered beside the label, before the facts ("✅ lora · numbers · Dec 06 17:16 #2 — 0 steps").
    assert len(set(labels)) == 2 and sorted(label.split(" — ")[0][-2:] for label in labels) == ["#1", "#2"], labels
    picker = next(s for s in at.selectbox if s.label == "Run")
    other = next(o for o in picker.options if o != picker.value)
    picker.select(next(i for i in ("r-first", "r-second") if picker.format_func(i) == other)).run()
    assert not at.exception
    assert next(s for s in at.selectbox if s.label == "Run").format_func(at.session_state["train_selected"]) == other


def test_a_runs_number_stays_as_a_run_of_its_label_changes_state(tiny_model_dir):
    """Picker numbers were counted over the picker's texts, state icon and facts included: of two runs of one minute,
    one training beside one finished had no number, and both got one once it finished; of three, a "#2" read while
    the oldest trained became "#1" when it finished. A number depends on the label and the creation time alone."""
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    config = {"model": str(tiny_model_dir), "dataset": "numbers", "max_steps": 10}
    minute = time.time() // 60 * 60  # all inside one minute, whenever the test runs (labels show minutes)
    steps = [{"kind": "train", "step": s, "loss": 2.0 - 0.1 * s, "elapsed": 10.0 * s} for s in (1, 2, 3)]
    oldest = make_run(
        "r-a", config, state="running", created=minute + 1, started=time.time(), max_steps=10, metrics=steps
    )
    for name, created in (("r-b", minute + 2), ("r-c", minute + 3)):
        make_run(name, config, state="finished", created=created, ended=created + 5, step=3, metrics=steps)
    ids = ("r-a", "r-b", "r-c")

    def numbers(at: AppTest) -> dict[str, str]:
        assert not at.exception
        picker = next(s for s in at.selectbox if s.label == "Run")
        table = at.dataframe[-1].value.set_index("id")["run"].to_dict()
        named = {i: picker.format_func(i).split(" — ")[0] for i in ids}  # less the facts: "✅ label #2"
        return {i: (named[i].rsplit(" #", 1)[-1], table[i].rsplit(" #", 1)[-1]) for i in ids}

    at = page(tiny_model_dir)
    assert picker_labels(at)[0].startswith("🏃")  # sentinel: the oldest is training, the others finished
    assert numbers(at) == {"r-a": ("1", "1"), "r-b": ("2", "2"), "r-c": ("3", "3")}
    oldest.end_attempt(state="finished", step=3)  # now its picker text equals the others' but for the number
    at.run()
    assert all(o.startswith("✅") for o in picker_labels(at)), picker_labels(at)
    assert numbers(at) == {"r-a": ("1", "1"), "r-b": ("2", "2"), "r-c": ("3", "3")}


def test_every_pick_in_the_run_picker_is_shown_not_every_second_one(tiny_model_dir):
    """A cold review: in one session, every second pick showed the run picked before (its Resume, Delete and Export
    acting on it): the keyless picker's identity held the chosen index, so a pick went to the widget drawn before."""
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    names = [f"r-{n}" for n in ("apple", "bread", "cocoa", "dates")]
    for i, name in enumerate(names):
        config = {"model": str(tiny_model_dir), "dataset": "numbers", "max_steps": 10, "name": name}
        make_run(name, config, state="finished", created=time.time() - 600 + 60 * i)
    at = page(tiny_model_dir)
    for name in ("r-bread", "r-dates", "r-apple", "r-cocoa", "r-bread"):
        next(s for s in at.selectbox if s.label == "Run").select(name).run()
        assert not at.exception
        assert at.session_state["train_selected"] == name
        assert next(s for s in at.selectbox if s.label == "Run").value == name
        assert name in headline(at), (name, headline(at))


def test_a_run_whose_process_died_reads_interrupted_not_stopped(tiny_model_dir):
    make_run("r-killed", {"model": str(tiny_model_dir)}, state="interrupted", max_steps=10, parts_s=[30.0])
    at = page(tiny_model_dir)
    assert headline(at).endswith("— interrupted") and picker_labels(at)[0].startswith("⚠️")
    assert at.dataframe[-1].value["state"].tolist() == ["⚠️ interrupted"]


def test_resume_sits_where_stop_was_first_in_its_row(tiny_model_dir):
    """The Resume button was drawn in the second of the controls' columns, beside an empty first one."""
    make_run("r-stopped", {"model": str(tiny_model_dir)}, state="interrupted", stopped_by="user", max_steps=10)
    at = page(tiny_model_dir)
    assert column_of(at._tree, "resume_r-stopped") == 0


def column_of(node, key: str) -> int | None:
    """Which column of its row holds the widget with `key` (None: not in columns)."""
    from streamlit.testing.v1.element_tree import Column

    children = list(getattr(node, "children", {}).values())
    for i, child in enumerate(c for c in children if isinstance(c, Column)):
        if any(getattr(e, "key", None) == key for e in child):
            inner = column_of(child, key)
            return i if inner is None else inner
    for child in children:
        found = column_of(child, key)
        if found is not None:
            return found
    return None


def test_training_time_adds_up_every_attempt_and_shows_the_parts(tiny_model_dir):
    """A run stopped after 1:40 of training and resumed for 0:50 shows 2:30, not the resumed part only."""
    steps = [{"kind": "train", "step": s, "loss": 1.0, "elapsed": 15.0 * s} for s in range(1, 11)]
    make_run("r-resumed", {"model": str(tiny_model_dir)}, max_steps=10, parts_s=[100.0, 50.0], metrics=steps)
    at = page(tiny_model_dir)
    bar = at.get("progress")[0].proto.text
    assert bar.startswith("step 10 of 10 · 0:02:30 in all (0:01:40 before the stop + 0:00:50 after resuming)"), bar
    assert at.dataframe[-1].value["training time"].tolist() == ["0:02:30"]


def test_the_headline_speed_is_the_median_step_not_the_last(tiny_model_dir):
    """The step a stop falls on (or a slow first one) must not set the headline tokens/s."""
    speeds = (300.0, 320.0, 310.0, 305.0, 70.0)  # the last step was cut short by the stop
    steps = [{"kind": "train", "step": s, "loss": 1.0, "tokens_per_s": v} for s, v in enumerate(speeds, 1)]
    make_run("r-speed", {"model": str(tiny_model_dir)}, state="interrupted", stopped_by="user", metrics=steps)
    at = page(tiny_model_dir)
    speed = next(m for m in at.metric if m.label == "Tokens per second")
    assert speed.value == "305" and "median" in speed.proto.help


def test_the_loss_chart_marks_where_the_model_starts_memorising(tiny_model_dir):
    rows = [{"kind": "train", "step": s, "loss": 3.0 - 0.1 * s} for s in range(1, 13)]
    rows += [{"kind": "eval", "step": s, "eval_loss": v} for s, v in ((3, 2.5), (6, 2.2), (9, 2.3), (12, 2.5))]
    make_run("r-memorises", {"model": str(tiny_model_dir)}, max_steps=12, metrics=rows)
    at = page(tiny_model_dir)
    assert any("From step 6 the held-out loss rises" in w.value for w in at.warning)
    loss_chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert loss_chart["layout"]["title"]["text"] == "Loss"
    assert [a["text"] for a in loss_chart["layout"]["annotations"]] == ["memorising from here"]
    assert loss_chart["layout"]["shapes"][0]["x0"] == 6
    # Whole steps only: a short run's axis never shows step 1.5; the legend sits above the plot, off the axis title.
    assert loss_chart["layout"]["xaxis"]["dtick"] == 2 and loss_chart["layout"]["legend"]["yanchor"] == "bottom"


def test_the_memory_table_shows_what_each_part_holds_in_full(tiny_model_dir):
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    at = page(tiny_model_dir)
    table = next(h.proto.body for h in at.get("html") if "what it holds" in h.proto.body)
    assert "AdamW keeps two running averages" in table  # the whole sentence, in a cell that wraps


def test_templates_and_mask_policies_have_one_name_on_every_page(tiny_model_dir):
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    train = page(tiny_model_dir)
    tokens = AppTest.from_file(APP, default_timeout=120)
    tokens.session_state["active_model"] = str(tiny_model_dir)
    tokens.run().switch_page("pages/2_Tokens.py").run()
    batches = AppTest.from_file(APP, default_timeout=120)
    batches.session_state["active_model"] = str(tiny_model_dir)
    batches.run().switch_page("pages/3_Batches.py").run()

    def options(at: AppTest, label: str) -> set[str]:
        return set(next(s for s in at.selectbox if s.label == label).options)

    policies = options(tokens, "What is trained")
    assert policies == options(train, "What is trained") == options(batches, "What is trained")
    assert "every assistant reply" in policies and "all_assistant" not in policies
    assert "The model's own template" in options(tokens, "Chat template") & options(train, "Chat template")
    assert "The model's own template" in options(batches, "Chat template")


def keys(widgets) -> list[str]:
    return [w.key for w in widgets]


def test_the_form_offers_the_gpus_found_and_fsdp_when_there_are_several(tiny_model_dir, monkeypatch):
    from ftlib import distributed

    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    at = page(tiny_model_dir)  # this machine: no GPU, so one process and nothing to shard
    assert at.selectbox(key="train_nproc").options == ["1"] and "train_sharding" not in keys(at.selectbox)

    monkeypatch.setattr(distributed, "gpu_count", lambda: 4)
    at = page(tiny_model_dir)
    assert at.selectbox(key="train_nproc").options == ["1", "2", "3", "4"]
    at.radio(key="train_method").set_value("full").run()
    at.selectbox(key="train_sharding").set_value("fsdp").run()
    # One process has nothing to split: refused on the page with the setting and the fix, nothing to start.
    assert any("set nproc to the number of GPUs" in e.value for e in at.error) and "train_start" not in keys(at.button)
    at.selectbox(key="train_nproc").set_value(4).run()
    assert not at.exception and not at.error
    assert at.metric[0].label == "Estimated peak memory per GPU"
    memory = next(h.proto.body for h in at.get("html") if "what it holds" in h.proto.body)
    assert "split over 4 processes (FSDP)" in memory
    submitted = []
    monkeypatch.setattr(runs, "submit", lambda config, **kw: submitted.append(config) or "queued-run")
    at.button(key="train_start").click().run()
    assert [(c.nproc, c.sharding, c.method) for c in submitted] == [(4, "fsdp", "full")]
    command = runs.launch_command(runs.RunDir(workspace.runs_dir() / "x"), submitted[0])
    assert command[command.index("--") + 2 : command.index("--") + 8] == [
        *("-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "4", "-m"),
    ]  # under the run's launch process (ftlib.run_watch)


def test_a_learning_rate_far_above_the_default_is_warned_before_start(tiny_model_dir):
    """Walk 2: 0.5 for LoRA (250x its 0.002) was accepted without a word and the run diverged."""
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    at = page(tiny_model_dir)
    assert not [w for w in at.warning if "Learning rate" in w.value]
    box = at.number_input(key="train_learning_rate_lora_lora")
    assert box.proto.format == "%g"  # shown as 0.002, as every sentence writes it, not 2.0e-3
    box.set_value(0.5).run()
    said = [w.value for w in at.warning]
    assert any(w.startswith("Learning rate 0.5 is 250 times the usual 0.002 for LoRA") for w in said), said
    assert any(b.key == "train_start" for b in at.button)  # a warning, not a refusal


def test_a_finished_run_whose_loss_rose_is_marked_diverged_not_ticked(tiny_model_dir):
    rows = [{"kind": "train", "step": s, "loss": v} for s, v in enumerate((3.2, 2.9, 9.0, 13.8, 14.3, 14.8), 1)]
    run = make_run("r-diverged", {"model": str(tiny_model_dir)}, max_steps=6, metrics=rows)
    make_run(
        "r-fine",
        {"model": str(tiny_model_dir)},
        max_steps=6,
        metrics=[{**r, "loss": 3.0 - 0.1 * r["step"]} for r in rows],
    )
    at = page(tiny_model_dir)
    assert not at.exception
    labels = picker_labels(at)
    # Both runs made in one minute have one label: each is numbered too, beside it ("... #1 — 6 steps").
    facts = " — 6 steps · last step's loss 14.8000 · diverged"
    texts = (f"⚠️ {run.summary().label}{number}{facts}" for number in ("", " #1", " #2"))
    assert any(text in labels for text in texts), labels
    assert sum(label.startswith("✅") for label in labels) == 1  # the run that learnt keeps its tick
    picker = next(s for s in at.selectbox if s.label == "Run")
    picker.select("r-diverged").run()
    assert headline(at).endswith("— finished, diverged") and headline(at).startswith("#### ⚠️")
    assert any(
        w.value.startswith("Loss rose from 3.2 to 14.3: training diverged; try a lower learning rate")
        for w in at.warning
    )
    states = at.dataframe[-1].value.set_index("id")["state"]
    assert states["r-diverged"] == "⚠️ finished, diverged" and states["r-fine"] == "✅ finished"


def test_the_form_keeps_its_values_across_pages_and_tokens_and_batches_start_from_them(tiny_model_dir, monkeypatch):
    """Walk 2: batch 4 and max length 128 set on Train came back as 8 and 384 after a visit to Batches and Tokens,
    which said "8, as in training"."""
    from streamlit.elements.lib import policies

    warned = []  # Streamlit's logger does not propagate: catch its "default value but also ... Session State" warning
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    monkeypatch.setattr(policies._LOGGER, "warning", lambda message, *args, **kwargs: warned.append(message % args))
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    at = page(tiny_model_dir)
    at.number_input(key="train_batch_size").set_value(4)
    at.number_input(key="train_max_length").set_value(128)
    at.toggle(key="train_group_by_length").set_value(False)
    at.radio(key="train_method").set_value("full").run()
    at.number_input(key="train_learning_rate_full_full").set_value(1e-4).run()
    assert not at.exception

    at.switch_page("pages/3_Batches.py").run()
    assert not at.exception
    assert at.number_input(key="batch_split_size").value == 4
    assert at.number_input(key="batch_max_length").value == 128
    captions = [c.value for c in at.caption]
    assert "Batch size 4, as set on the Train page." in captions, captions
    assert "Max length (tokens) 128, as set on the Train page." in captions
    at.number_input(key="batch_split_size").set_value(2).run()
    assert "Batch size 2 is for this preview only: training uses 4, as set on the Train page." in [
        c.value for c in at.caption
    ]

    at.switch_page("pages/2_Tokens.py").run()
    assert not at.exception
    assert at.number_input(key="tok_max_length").value == 128

    at.switch_page("pages/4_Train.py").run()
    assert not at.exception
    assert at.radio(key="train_method").value == "full"
    assert at.number_input(key="train_batch_size").value == 4
    assert at.number_input(key="train_max_length").value == 128
    assert at.number_input(key="train_learning_rate_full_full").value == pytest.approx(1e-4)
    assert at.toggle(key="train_group_by_length").value is False
    assert not warned, warned


# The template and what is trained, on each page that shows them: (page, template box, policy box).
SHARED_BOXES = {
    "Tokens": ("pages/2_Tokens.py", "tok_template", "tok_policy"),
    "Batches": ("pages/3_Batches.py", "batch_template", "batch_policy"),
    "Train": ("pages/4_Train.py", "train_template", "train_mask_policy"),
}


def shows(at: AppTest, where: str, template: str, policy: str, template_set_on: str, policy_set_on: str) -> None:
    """`where`, opened: its boxes show `template` and `policy`, each said to be set on its page when that is not this
    one (and nothing said when it is)."""
    path, template_key, policy_key = SHARED_BOXES[where]
    at.switch_page(path).run()
    assert not at.exception, at.exception
    assert (at.selectbox(key=template_key).value, at.selectbox(key=policy_key).value) == (template, policy), where
    captions = [c.value for c in at.caption]
    for said, set_on in (
        (as_set_on("template", template, template_set_on), template_set_on),
        (as_set_on("mask_policy", policy, policy_set_on), policy_set_on),
    ):
        assert (said in captions) == (set_on != where), (where, said, captions)
    assert not [c for c in captions if f", as set on the {where} page." in c], captions


def test_the_template_and_what_is_trained_are_one_choice_on_tokens_batches_and_train(
    tiny_model_dir, monkeypatch, duplicate_warnings
):
    """A cold review: with Train set to ChatML, the last reply and max length 128, Tokens and Batches showed the
    model's own template and every reply (the max length already followed Train). They are one choice on the three
    pages: the last change, on whichever page, is what each shows, and a page says where it was set."""
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    at = page(tiny_model_dir)
    at.switch_page("pages/2_Tokens.py").run()  # seen before Train changes anything: it must still follow Train
    at.switch_page("pages/4_Train.py").run()
    at.selectbox(key="train_template").set_value("chatml").run()
    at.selectbox(key="train_mask_policy").set_value("last_assistant").run()
    at.number_input(key="train_max_length").set_value(128).run()
    shows(at, "Tokens", "chatml", "last_assistant", "Train", "Train")
    assert at.number_input(key="tok_max_length").value == 128
    captions = [c.value for c in at.caption]  # worded as the max length's caption
    assert "Max length (tokens) 128, as set on the Train page." in captions
    assert "Chat template: ChatML, as set on the Train page." in captions
    assert "What is trained: the last assistant reply, as set on the Train page." in captions
    shows(at, "Batches", "chatml", "last_assistant", "Train", "Train")

    at.selectbox(key="batch_template").set_value("llama3").run()  # the last change wins, wherever it is made
    shows(at, "Train", "llama3", "last_assistant", "Batches", "Train")
    shows(at, "Tokens", "llama3", "last_assistant", "Batches", "Train")
    at.selectbox(key="tok_policy").set_value("all_assistant").run()
    shows(at, "Batches", "llama3", "all_assistant", "Batches", "Tokens")
    shows(at, "Train", "llama3", "all_assistant", "Batches", "Tokens")
    # What Train shows is what a run gets.
    submitted = []
    monkeypatch.setattr(runs, "submit", lambda config, **kw: submitted.append(config) or "queued-run")
    at.button(key="train_start").click().run()
    assert [(c.template, c.mask_policy, c.max_length) for c in submitted] == [("llama3", "all_assistant", 128)]
    assert not duplicate_warnings, duplicate_warnings


def test_a_new_session_starts_the_form_from_the_run_last_started(tiny_model_dir, monkeypatch):
    """Walk 5: a refresh during a run brought the form back to its defaults, so Start after it quietly started a
    default run. The settings of the run last started come back in a new session; a stored value no longer valid
    (an unknown setting, one out of its limits, a choice no longer offered) is left out, and its box shows its
    default."""
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    submitted = []

    def submit(config, **kw):  # a run folder as the queue leaves it (finished: nothing to start)
        submitted.append(config)
        return make_run(f"r-{len(submitted)}", config.to_dict(), state="finished").id

    monkeypatch.setattr(runs, "submit", submit)
    at = page(tiny_model_dir)
    at.number_input(key="train_max_steps").set_value(7)
    at.number_input(key="train_learning_rate_lora_lora").set_value(0.0005)
    at.number_input(key="train_eval_every").set_value(3)
    at.number_input(key="train_save_every").set_value(5)
    at.text_input(key="train_name").set_value("lora-b").run()
    at.button(key="train_start").click().run()
    assert not at.exception
    assert [(c.max_steps, c.learning_rate, c.eval_every, c.save_every, c.name) for c in submitted] == [
        (7, 0.0005, 3, 5, "lora-b")
    ]

    refreshed = page(tiny_model_dir)  # a new session, as after a browser refresh
    assert not refreshed.exception
    assert refreshed.number_input(key="train_max_steps").value == 7
    assert refreshed.number_input(key="train_learning_rate_lora_lora").value == pytest.approx(0.0005)
    assert refreshed.number_input(key="train_eval_every").value == 3
    assert refreshed.number_input(key="train_save_every").value == 5
    assert refreshed.text_input(key="train_name").value == ""  # a name is one run's (see the test below)
    refreshed.button(key="train_start").click().run()
    assert (submitted[-1].max_steps, submitted[-1].name) == (7, "")  # not a default run

    stored = runs.find("r-2").config_file  # the run last started: its settings edited by hand, or by an older app
    record = json.loads(stored.read_text())
    record.update(batch_size=0, scheduler="zigzag", colour="red", max_steps=9)
    stored.write_text(json.dumps(record))
    later = page(tiny_model_dir)
    assert not later.exception and not later.error
    assert later.number_input(key="train_batch_size").value == 8  # 0 is below its limit: the default
    assert later.selectbox(key="train_scheduler").value == "cosine"
    assert later.number_input(key="train_max_steps").value == 9


def test_a_new_session_says_which_run_its_settings_came_from_never_takes_its_name_and_can_start_from_the_defaults(
    tiny_model_dir, monkeypatch
):
    """Cold review 19: a new browser session on another split silently showed `full 2 3 'experiment-A'`: every
    setting of the run last started, its name too, with no word on where they came from and no way back to the
    defaults. The name is not carried (a second run under it reads as the first); the form names the run its
    settings came from, and "Start from the defaults" puts every box back, the choices shared with Tokens and
    Batches too."""
    from ftlib.config import RunConfig

    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])

    def submit(config, **kw):  # a run folder the picker lists, as the queue leaves it (finished: nothing to start)
        make_run("r-started", config.to_dict(), state="finished")
        return "r-started"

    monkeypatch.setattr(runs, "submit", submit)
    at = page(tiny_model_dir)
    assert not [c for c in at.caption if c.value.startswith("Settings start from")]  # nothing was started yet
    at.radio(key="train_method").set_value("full").run()
    at.number_input(key="train_max_steps").set_value(2)
    at.number_input(key="train_early_stopping_patience").set_value(3)
    at.number_input(key="train_max_length").set_value(128)
    at.text_input(key="train_name").set_value("experiment-A").run()
    at.button(key="train_start").click().run()
    assert not at.exception, at.exception

    workspace.save_split("numbers-b", SFT_ROWS[2:], SFT_ROWS[:2])
    fresh = AppTest.from_file(APP, default_timeout=120)  # a new session, on another split
    fresh.session_state["active_model"] = str(tiny_model_dir)
    fresh.session_state["active_split"] = "numbers-b"
    fresh.run().switch_page("pages/4_Train.py").run()
    assert not fresh.exception, fresh.exception

    def form() -> tuple:
        number = fresh.number_input
        return (
            fresh.radio(key="train_method").value,
            number(key="train_max_steps").value,
            number(key="train_early_stopping_patience").value,
            number(key="train_max_length").value,
            fresh.text_input(key="train_name").value,
        )

    assert form() == ("full", 2, 3, 128, "")
    said = [c.value for c in fresh.caption if c.value.startswith("Settings start from")]
    assert len(said) == 1 and said[0].startswith(
        "Settings start from the last run started in this workspace, experiment-A · full · numbers · "
    ), said
    assert said[0].endswith(" (every setting but its name).")
    # A cold walk: in a fifth of the row beside the note, the button's label was cut ("Start from the defa...").
    assert "train_form_defaults" not in [b.key for column in fresh.columns for b in column.button]
    assert fresh.button(key="train_form_defaults").label == "Start from the defaults"
    fresh.switch_page("pages/2_Tokens.py").run()  # the run's max length is the shared choice's starting point
    assert fresh.number_input(key="tok_max_length").value == 128

    fresh.switch_page("pages/4_Train.py").run()
    fresh.button(key="train_form_defaults").click().run()
    assert not fresh.exception, fresh.exception
    defaults = RunConfig(dataset="x")
    assert form() == ("lora", defaults.max_steps, defaults.early_stopping_patience, defaults.max_length, "")
    assert (defaults.max_steps, defaults.early_stopping_patience, defaults.max_length) != (2, 3, 128)  # sentinel
    assert not [c for c in fresh.caption if c.value.startswith("Settings start from")]
    fresh.switch_page("pages/2_Tokens.py").run()
    assert fresh.number_input(key="tok_max_length").value == defaults.max_length


def test_the_max_length_is_one_choice_on_tokens_batches_and_train(tiny_model_dir, monkeypatch, duplicate_warnings):
    """Cold review 19: max length 128 set on Tokens (whose help says rows are cut "as training cuts them") came to
    Train as 384, while the template and the mask policy set beside it came through. It is one choice on the three
    pages, as they are: the last change wins, wherever it is made, and a page says where it was set. A length no run
    takes (Tokens' 0 = no limit, a number out of range on Train) is not the choice."""
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    at = page(tiny_model_dir)
    boxes = {"Tokens": "tok_max_length", "Batches": "batch_max_length", "Train": "train_max_length"}

    def shows(where: str, length: int, set_on: str) -> None:
        at.switch_page({"Tokens": "pages/2_Tokens.py", "Batches": "pages/3_Batches.py"}.get(where, "pages/4_Train.py"))
        at.run()
        assert not at.exception, at.exception
        assert at.number_input(key=boxes[where]).value == length, where
        said = f"Max length (tokens) {length}, as set on the {set_on} page."
        assert (said in [c.value for c in at.caption]) == (set_on != where), (where, [c.value for c in at.caption])

    at.switch_page("pages/2_Tokens.py").run()
    assert at.number_input(key="tok_max_length").value == 384  # the Train form's default, until a page changes it
    at.number_input(key="tok_max_length").set_value(128).run()
    shows("Train", 128, "Tokens")
    shows("Batches", 128, "Tokens")
    at.number_input(key="batch_max_length").set_value(96).run()
    shows("Tokens", 96, "Batches")
    at.number_input(key="tok_max_length").set_value(0).run()  # no limit: this preview's own
    assert "No limit: for this preview only; training cuts at 96." in [c.value for c in at.caption]
    shows("Train", 96, "Batches")
    at.number_input(key="train_max_length").set_value(5).run()  # refused under its box, and left there
    assert at.number_input(key="train_max_length").value == 5
    assert [e.value for e in at.error if e.value.startswith("**Max length (tokens)**: 5 is out of range")]
    at.number_input(key="train_max_length").set_value(256).run()
    shows("Tokens", 256, "Train")
    shows("Batches", 256, "Train")
    shows("Train", 256, "Train")
    submitted = []  # what Train shows is what a run gets
    monkeypatch.setattr(runs, "submit", lambda config, **kw: submitted.append(config) or "queued-run")
    at.button(key="train_start").click().run()
    assert [c.max_length for c in submitted] == [256]
    assert not duplicate_warnings, duplicate_warnings


def clearable(at: AppTest) -> list[str]:
    """The keys of the select boxes, radios and number boxes drawn with no default: Streamlit gives such a box a
    "Clear value" button, and emptied it holds no value at all."""
    boxes = [*at.selectbox, *at.radio, *at.number_input]
    return [box.key for box in boxes if not box.proto.HasField("default")]


def test_no_box_put_back_after_a_visit_or_in_a_new_session_can_be_emptied(
    tiny_model_dir, monkeypatch, duplicate_warnings
):
    """A cold review: Hermes picked on Tokens, Train's Chat template box showed it with a "Clear value" button (a box
    put back was drawn with index=None, so that Streamlit would not warn of a default beside it); cleared, it said
    `Unknown template ''.` with the internal ids, and on Tokens nothing was drawn under the box. A box put back, after
    a visit elsewhere or from the run last started, is drawn on Streamlit's own default (index 0, "min"), which does
    not warn either, and keeps the value put back."""
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    monkeypatch.setattr(runs, "submit", lambda config, **kw: make_run("r-1", config.to_dict(), state="finished").id)
    at = page(tiny_model_dir)
    at.switch_page("pages/2_Tokens.py").run()
    at.selectbox(key="tok_template").set_value("hermes").run()
    at.selectbox(key="tok_policy").set_value("last_assistant").run()
    at.radio(key="tok_source").set_value("Type a conversation").run()
    at.toggle(key="tok_compare").set_value(True).run()
    at.selectbox(key="tok_template_b").set_value("llama3").run()  # a box of this page alone, kept by ui.kept
    at.switch_page("pages/4_Train.py").run()
    at.radio(key="train_method").set_value("full").run()
    at.number_input(key="train_max_steps").set_value(7).run()
    at.selectbox(key="train_scheduler").set_value("linear").run()  # not the default, cosine (a sentinel)
    at.switch_page("pages/3_Batches.py").run()

    def walk(session: AppTest, pages: tuple[str, ...]) -> None:
        for name in pages:
            session.switch_page(f"pages/{name}.py").run()
            assert not session.exception and not session.error, (name, session.exception, session.error)
            assert not clearable(session), (name, clearable(session))
            if name == "2_Tokens":
                assert session.selectbox(key="tok_template").value == "hermes"
                assert session.selectbox(key="tok_policy").value == "last_assistant"
            if name == "4_Train":
                assert session.selectbox(key="train_template").value == "hermes"
                assert session.number_input(key="train_max_steps").value == 7
                assert session.selectbox(key="train_scheduler").value == "linear"

    walk(at, ("2_Tokens", "4_Train", "3_Batches", "2_Tokens", "4_Train"))
    assert at.radio(key="train_method").value == "full"
    at.switch_page("pages/2_Tokens.py").run()
    assert (at.radio(key="tok_source").value, at.selectbox(key="tok_template_b").value) == (
        "Type a conversation",
        "llama3",
    )
    at.switch_page("pages/4_Train.py").run()
    at.button(key="train_start").click().run()

    fresh = page(tiny_model_dir)  # a new session: Train starts from the run last started, Tokens from its template
    walk(fresh, ("4_Train", "2_Tokens", "3_Batches", "4_Train"))
    assert not duplicate_warnings, duplicate_warnings


def test_the_gpus_box_says_what_was_found_and_that_several_machines_start_from_the_cli(tiny_model_dir, monkeypatch):
    """Walk 5: "GPUs: 1" with no word on a machine without a GPU, and nothing about several machines."""
    from ftlib import distributed

    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    monkeypatch.setattr(distributed, "gpu_count", lambda: 0)
    at = page(tiny_model_dir)
    captions = [c.value for c in at.caption]
    note = next(c for c in captions if c.startswith("No GPU found: runs use the CPU."))
    assert 'started from the command line on each of them (README, "Several GPUs, several machines")' in note
    monkeypatch.setattr(distributed, "gpu_count", lambda: 2)
    at = page(tiny_model_dir)
    assert any(c.value.startswith("2 GPUs found: one process per GPU.") for c in at.caption)
    assert not any(c.value.startswith("No GPU found") for c in at.caption)


@pytest.mark.parametrize(
    "rows, method, tuning, fix",
    [(SFT_ROWS, "qlora", None, "slower than LoRA"), (PREF_ROWS, "reward", "qlora", "slower than a LoRA adapter")],
)
def test_qlora_on_the_cpu_says_what_4bit_means_there_and_still_starts(tiny_model_dir, rows, method, tuning, fix):
    """Walk 5: QLoRA on a CPU said only "Fits ... on cpu". It trains correctly there (ftlib.training_model keeps
    bitsandbytes' 4-bit layers on their trainable path: tests/test_qlora_cpu.py), so the page says what 4-bit means on
    a CPU and offers Start."""
    workspace.save_split("mine", rows[:-2], rows[-2:])
    at = page(tiny_model_dir)  # no GPU here: device auto trains on the CPU
    at.radio(key="train_method").set_value(method).run()
    if tuning:
        at.radio(key="train_tuning").set_value(tuning).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    said = " ".join(i.value for i in at.info)
    assert "4-bit weights on the CPU" in said and fix in said, said
    assert "a quarter of their bf16 memory (the embeddings and norms keep theirs)" in said, said
    # A cold review: "the least memory" beside an estimate twice LoRA's (bigger fp32 activations off the fast path).
    assert "can need more memory than LoRA" in said, said
    assert any(b.key == "train_start" for b in at.button)


# ---------------------------------------------------------------------------------------------------------------
# Walk 5: what a GRPO run, a queued run, a failed run and a named run show
# ---------------------------------------------------------------------------------------------------------------


def grpo_metrics() -> list[dict]:
    """A GRPO run as metrics.jsonl has it: rewards rise on the answers and on held-out prompts; its surrogate loss
    sits around 0 and its held-out loss 'rises' (meaningless, and never to be shown as a held-out loss)."""
    rows = [
        {"kind": "train", "step": s, "loss": 0.002 * s, "reward": 0.3 + 0.1 * s, "reward_std": 0.2}
        | {"reward_regex": 0.1 * s, "reward_regex_std": 0.05, "kl": 0.001 * s, "completion_length": 30.0}
        for s in range(1, 7)
    ]
    rows += [
        {"kind": "eval", "step": s, "eval_loss": loss, "eval_reward": reward, "eval_reward_regex": regex}
        for s, loss, reward, regex in ((0, -0.0301, 0.93, 0.46), (3, -0.0210, 1.05, 0.61), (6, -0.0158, 1.24, 0.78))
    ]
    return rows


def test_a_grpo_run_shows_its_held_out_reward_never_a_held_out_loss(tiny_model_dir):
    run = make_run(
        "r-grpo",
        {"method": "grpo", "rewards": [{"regex": "^Ahoy"}], "model": str(tiny_model_dir), "max_steps": 6},
        max_steps=6,
        metrics=grpo_metrics(),
    )
    at = page(tiny_model_dir)
    assert not at.exception, at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["Held-out reward"] == "1.240" and shown["Reward"] == "0.900"
    assert any(c.value.startswith("± 0.200 over the step's answers") for c in at.caption)  # the spread, under it
    assert "Held-out loss" not in shown and "Training loss" not in shown, shown
    assert not [w for w in at.warning if "held-out loss" in w.value]  # its surrogate's rise is no memorising
    rewards = next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if "Rewards (mean" in c.proto.spec)
    traces = {t["name"]: t for t in rewards["data"]}
    assert traces["held-out total"]["y"] == [0.93, 1.05, 1.24] and traces["held-out total"]["x"] == [0, 3, 6]
    assert traces["held-out regex"]["y"] == [0.46, 0.61, 0.78]
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert "Loss" not in titles  # the training/held-out loss chart; engineers find GRPO's surrogate under theirs
    row = at.dataframe[-1].value.set_index("id").loc[run.id]
    assert (row["training (last step)"], row["held-out"]) == ("reward 0.900", "reward 1.240")
    assert picker_labels(at) == [f"✅ {run.summary().label} — 6 steps · last step's reward 0.900"]


def test_a_queued_run_says_its_place_in_line_and_its_steps_and_no_training_time(tiny_model_dir):
    config = {"model": str(tiny_model_dir), "dataset": "numbers"}
    steps = [{"kind": "train", "step": s, "loss": 2.0 - 0.1 * s, "elapsed": 3.0 * s} for s in range(1, 6)]
    # No pid and just started: the queue takes it for a run being launched, so it counts as running.
    ahead = make_run(
        "r-ahead",
        {**config, "name": "lora-a", "max_steps": 12},
        state="running",
        phase="training",
        started=time.time(),
        max_steps=12,
        metrics=steps,
        device="cpu",
    )
    waiting = make_run(
        "r-waiting",
        {**config, "name": "lora-b", "max_steps": 12},
        state="queued",
        queued_at=time.time_ns(),
        device="cpu",
        message="Waiting for its turn.",
    )
    at = page(tiny_model_dir)
    picker = next(s for s in at.selectbox if s.label == "Run")
    # It opens on the run training, not the newest run queued behind it (a cold review: it opened on the 4th in line).
    assert picker.value == ahead.id
    picker.select(waiting.id).run()
    assert not at.exception, at.exception
    said = " ".join(c.value for c in at.caption)
    assert f"Queued: 2nd in line, after {ahead.summary().label} (training, step 5 of 12)." in said, said
    assert "Waiting for its turn" not in said
    bar = at.get("progress")[0].proto.text
    assert bar == "step 0 of 12", bar  # its steps as configured; no "0:00:00 training" before it trains
    table = at.dataframe[-1].value.set_index("id")
    assert (table.loc[waiting.id, "steps"], table.loc[waiting.id, "training time"]) == ("0/12", "-")


def test_a_rerun_lists_the_runs_once(tiny_model_dir, monkeypatch):
    """A cold review: each rerun listed every run twice (the page, then its fragment), each listing reading every run's
    files, every 2 s while a run trains."""
    make_run("r-one", {"model": str(tiny_model_dir), "dataset": "numbers"})
    at = page(tiny_model_dir)
    calls = []
    listing = runs.list_runs
    monkeypatch.setattr(runs, "list_runs", lambda *a, **k: calls.append(1) or listing(*a, **k))
    at.run()
    assert not at.exception and len(calls) == 1 and picker_labels(at)


def test_each_run_reads_by_the_name_it_was_given(tiny_model_dir):
    """Walk 5 #7: two runs named lora-a and lora-b both read "lora · chat_style · Nov 30 14:15"."""
    minute = time.time() // 60 * 60
    for name in ("lora-a", "lora-b"):
        config = {"model": str(tiny_model_dir), "dataset": "chat_style", "name": name}
        make_run(f"r-{name}", config, created=minute + 1, ended=minute + 5)
    at = page(tiny_model_dir)
    labels = picker_labels(at)
    assert sorted(label.split(" · ")[0] for label in labels) == ["✅ lora-a", "✅ lora-b"], labels
    assert sorted(at.dataframe[-1].value["run"].str.split(" · ").str[0]) == ["lora-a", "lora-b"]


def test_a_failed_run_shows_dashes_and_resume_only_where_it_can_help(tiny_model_dir):
    """Walk 5 #16, #19: a run that failed before training showed "None | None" and offered Resume, though its
    settings were the failure."""
    settings = "`function` names 'wrongtype', which is not a reward function the server's operator registered."
    make_run("r-settings", {"model": str(tiny_model_dir)}, state="failed", message=settings, user_error=True)
    make_run("r-crash", {"model": str(tiny_model_dir)}, state="failed", message="RuntimeError: CUDA error")
    at = page(tiny_model_dir)
    at.session_state["train_selected"] = "r-settings"  # the run the picker shows
    at.run()
    assert not at.exception, at.exception
    assert any(e.value == settings for e in at.error)
    assert not any(b.key == "resume_r-settings" for b in at.button)  # resuming would fail the same way
    table = at.dataframe[-1].value.set_index("id")
    assert table.loc["r-settings", ["training (last step)", "held-out"]].tolist() == ["-", "-"]
    at.session_state["train_selected"] = "r-crash"
    assert at.run().button(key="resume_r-crash")  # a crash may not happen again


def test_a_reward_model_is_named_by_its_accuracy_not_a_loss_of_0_000(tiny_model_dir):
    rows = [{"kind": "train", "step": s, "loss": 0.0004 / s, "accuracy": 0.9 + 0.02 * s} for s in (1, 2, 3)]
    rows += [{"kind": "eval", "step": 3, "eval_loss": 0.0007, "eval_accuracy": 0.875}]
    run = make_run("r-rm", {"method": "reward", "model": str(tiny_model_dir)}, max_steps=3, metrics=rows)
    at = page(tiny_model_dir)
    assert not at.exception, at.exception
    assert picker_labels(at) == [f"✅ {run.summary().label} — 3 steps · held-out accuracy 88%"]
    row = at.dataframe[-1].value.set_index("id").loc[run.id]
    assert (row["training (last step)"], row["held-out"]) == ("accuracy 96%", "accuracy 88%")


def test_a_value_typed_then_left_with_the_click_that_opens_another_page_is_kept(tiny_model_dir):
    """Walk 6: Max steps 8 and Evaluate every 4 typed on Train were back to 0 after a visit to Evaluate. A value typed
    and not yet sent goes with the click on another page, so the Train script, which kept its copies, never ran with
    it; the boxes' callbacks keep it now."""
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    at = page(tiny_model_dir)
    at.number_input(key="train_max_steps").set_value(8)
    at.number_input(key="train_eval_every").set_value(4)
    at.toggle(key="train_group_by_length").set_value(False)
    at.switch_page("pages/6_Evaluate.py").run()  # no Train run in between: the values came with this click
    at.switch_page("pages/4_Train.py").run()
    assert not at.exception
    assert at.number_input(key="train_max_steps").value == 8 and at.number_input(key="train_eval_every").value == 4
    assert at.toggle(key="train_group_by_length").value is False


def test_a_split_of_pairs_is_counted_in_pairs(tiny_model_dir):
    """Walk 7: Train said "9 training rows" for 9 preference pairs, and the Data page's split picker "1 test rows"."""
    workspace.save_split("pairs", PREF_ROWS[:-1], PREF_ROWS[-1:], {"format": "preference"})
    at = page(tiny_model_dir)
    assert any(f"{len(PREF_ROWS) - 1} training pairs, 1 held out" in c.value for c in at.caption)
    data = at.switch_page("pages/1_Data.py").run()
    assert (
        data.selectbox(key="split_pick")
        .format_func("pairs")
        .startswith(f"pairs ({len(PREF_ROWS) - 1} train, 1 test pair)")
    )


def test_exported_copies_say_their_size_and_can_be_removed_without_touching_the_result(tiny_model_dir, tmp_path):
    """Walk 5: two exports took ~1 GB per LoRA run in the workspace (a merged model and zips) and nothing said so."""
    from ftlib import export

    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    (adapter / "adapter_model.safetensors").write_bytes(EMPTY_SAFETENSORS)
    run = make_run("r-exported", {"model": str(tiny_model_dir)}, adapter=adapter)
    run.merged_dir.mkdir()
    (run.merged_dir / "model.safetensors").write_bytes(b"\0" * (3 * 1024**2))
    (run.merged_dir / "config.json").write_text("")  # what makes it an export (empty: the sizes stay round)
    run.exports_dir.mkdir()
    (run.exports_dir / "r-exported-merged.zip").write_bytes(b"\0" * (2 * 1024**2))
    assert export.exported_bytes(run) == 5 * 1024**2
    at = page(tiny_model_dir)
    assert any("exported copies (the merged model, GGUF files, the zips) take 5 MiB" in c.value for c in at.caption)
    # A run on a model folder of its own: no GGUF download, and the page says why (it was left out unsaid).
    assert any(
        c.value.startswith("No GGUF download: GGUF is written here for runs on the default") for c in at.caption
    )
    at.button(key="rm_exports_r-exported").click().run()
    assert not at.exception and any("Removed 5 MiB" in s.value for s in at.success)
    assert not run.merged_dir.exists() and not run.exports_dir.exists()
    assert (run.adapter_dir / "adapter_model.safetensors").is_file()  # the run's own result stays
    at.run()
    assert not any("exported copies" in c.value for c in at.caption) and "rm_exports_r-exported" not in keys(at.button)


def test_an_ended_run_can_be_deleted_from_the_page_behind_a_confirmation(tiny_model_dir):
    """Walks 5-7 left this open: the CLI had `runs delete`, the page had no way to remove a run (~1 GB each once
    exported). An ended run offers "Delete…", which asks under that run and names it; Cancel closes the question; a
    run still in line (or training) offers no Delete."""
    done = make_run("r-done", {"model": str(tiny_model_dir)})
    kept = make_run("r-kept", {"model": str(tiny_model_dir)})
    # No pid and just started: the queue takes it for a run being launched, so it counts as running.
    make_run("r-live", {"model": str(tiny_model_dir)}, state="running", phase="training", started=time.time())
    at = page(tiny_model_dir)
    at.session_state["train_selected"] = "r-live"
    at.run()
    assert "delete_ask_r-live" not in keys(at.button) and "stop_r-live" in keys(at.button)
    at.session_state["train_selected"] = "r-done"
    at.run()
    assert "delete_r-done" not in keys(at.button)  # nothing deletes in one click
    at.button(key="delete_ask_r-done").click().run()
    assert any(w.value.startswith("Delete run `r-done` for good?") for w in at.warning)
    at.button(key="delete_cancel_r-done").click().run()
    assert "delete_r-done" not in keys(at.button) and not any("for good?" in w.value for w in at.warning)
    at.button(key="delete_ask_r-done").click().run()
    assert at.button(key="delete_r-done").label == "Delete r-done"
    at.button(key="delete_r-done").click().run()
    assert not at.exception, at.exception
    assert any("Deleted run `r-done`" in s.value for s in at.success)
    assert not done.path.exists() and kept.path.exists()
    assert "r-done" not in at.dataframe[-1].value["id"].tolist()
    make_run("r-live", {"model": str(tiny_model_dir)}, state="finished")  # it ended
    runs.delete("r-live")
    at.session_state["train_selected"] = "r-kept"
    at.run().button(key="delete_ask_r-kept").click().run()
    at.button(key="delete_r-kept").click().run()  # the last run: the page says there are none, no error
    assert not at.exception, at.exception
    assert not kept.path.exists() and any("Deleted run `r-kept`" in s.value for s in at.success)
    assert any(c.value == "No runs yet." for c in at.caption)


def all_text(at: AppTest) -> str:
    """Every message, caption and heading on the page."""
    shown = (at.error, at.warning, at.info, at.success, at.caption, at.markdown)
    return "\n".join(e.value for elements in shown for e in elements)


def run_picker(at: AppTest):
    return next(s for s in at.selectbox if s.label == "Run")


def test_deleting_a_run_a_teammate_deleted_first_says_so_and_leaves_no_other_run_one_click_away(
    tiny_model_dir, tmp_path
):
    """Walk 8B #3: Ben deleted ana-long while Ana had its Delete open. Her click said "There is no run '…'. `python
    -m ftlib runs list` shows the runs", and her picker moved to Ben's run with "Delete this run" under the pointer."""
    make_run("r-ana-long", {"model": str(tiny_model_dir), "name": "ana-long"})
    # With its adapter: a finished run without one is warned about in its Export section.
    make_run("r-ben", {"model": str(tiny_model_dir), "name": "ben-hot"}, adapter=fake_adapter(tmp_path))
    at = page(tiny_model_dir)
    at.session_state["train_selected"] = "r-ana-long"
    at.run().button(key="delete_ask_r-ana-long").click().run()
    runs.delete("r-ana-long")  # Ben, from his page or the command line
    at.button(key="delete_r-ana-long").click().run()
    assert not at.exception, at.exception
    said = [w.value for w in at.warning]
    assert said == ["Run `r-ana-long` was deleted, perhaps from another tab or the command line."], said
    assert not at.error and "runs list" not in all_text(at)  # a browser user has no command line
    assert "r-ben" in headline(at)  # the picker shows the run that is left...
    assert "delete_r-ben" not in keys(at.button) and not any("for good?" in w for w in said)  # ...asking nothing
    at.run()
    assert not at.warning  # said once


def test_the_delete_question_belongs_to_its_run_and_closes_when_another_is_picked(tiny_model_dir):
    make_run("r-one", {"model": str(tiny_model_dir)})
    make_run("r-two", {"model": str(tiny_model_dir)})
    at = page(tiny_model_dir)
    at.session_state["train_selected"] = "r-one"
    at.run().button(key="delete_ask_r-one").click().run()
    assert "delete_r-one" in keys(at.button)
    run_picker(at).select("r-two").run()
    assert not [k for k in keys(at.button) if k.startswith("delete_r-")], keys(at.button)
    run_picker(at).select("r-one").run()
    assert "delete_r-one" not in keys(at.button)  # closed, not waiting for the return to r-one
    assert all(r.state == "finished" for r in runs.list_runs())  # nothing was deleted


# A safetensors file holding no tensor: an 8-byte header length, then the header `{}` padded to 8 bytes. Exports
# check an adapter's files read whole (ftlib.integrity), so a fake one is a valid file.
EMPTY_SAFETENSORS = (8).to_bytes(8, "little") + b"{}      "


def fake_adapter(folder: Path) -> Path:
    """An adapter folder as a LoRA run leaves it (no weights: nothing here loads them)."""
    adapter = folder / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    (adapter / "adapter_model.safetensors").write_bytes(EMPTY_SAFETENSORS)
    return adapter


def captured_downloads(monkeypatch) -> dict[str, tuple]:
    """File name -> (media file manager, file id) of each download button the page draws: what a click asks for."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    built: dict[str, tuple] = {}
    register = MediaFileManager.add_deferred

    def capture(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        file_id = register(self, data_callable, mimetype, coordinates, file_name, **kw)
        built[file_name] = (self, file_id)
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", capture)
    return built


def click_download(manager, file_id: str):
    """What a click on a download button does on the server: Streamlit's own handler runs the button's callable.
    Returns its answer to the browser and what it logged."""
    import asyncio
    import logging

    from streamlit.proto.BackMsg_pb2 import BackendOperationRequest
    from streamlit.runtime.backend_operation_handler import DeferredFileHandler

    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    log = logging.getLogger(DeferredFileHandler.__module__)
    log.addHandler(handler)
    try:
        request = BackendOperationRequest(request_id="click")
        request.deferred_file.file_id = file_id
        response = asyncio.run(DeferredFileHandler(lambda: manager).handle(request, "session"))
    finally:
        log.removeHandler(handler)
    return response, records


def test_a_download_of_a_run_deleted_elsewhere_says_so_and_logs_no_traceback(tiny_model_dir, tmp_path, monkeypatch):
    """Walk 8B #11: Ben deleted ana-caps from the CLI; Ana's Download did nothing, her page moved to another run, and
    the server logged a traceback: "Run '…' has no adapter yet: it is None"."""
    built = captured_downloads(monkeypatch)
    make_run("r-ana-caps", {"model": str(tiny_model_dir)}, adapter=fake_adapter(tmp_path))
    make_run("r-other", {"model": str(tiny_model_dir)})
    at = page(tiny_model_dir)
    at.session_state["train_selected"] = "r-ana-caps"
    at.run()
    assert not at.exception and "r-ana-caps-adapter.zip" in built
    runs.delete("r-ana-caps")  # from the command line
    response, logged = click_download(*built["r-ana-caps-adapter.zip"])
    assert response.error_msg  # the browser is told it failed
    assert [r.exc_info for r in logged] == [None], "a traceback in the server log"
    assert "Run 'r-ana-caps' was deleted, perhaps from another tab or the command line" in logged[0].getMessage()
    at.run()  # the rerun the click starts
    assert not at.exception, at.exception
    said = [w.value for w in at.warning]
    assert "Run `r-ana-caps` was deleted, perhaps from another tab or the command line." in said, said
    assert "runs list" not in all_text(at) and "no adapter yet" not in all_text(at)


def test_the_exported_copies_size_is_read_once_the_download_is_written(tiny_model_dir, tmp_path, monkeypatch):
    """Walk 8B #7: right after the adapter's download the page said the exported copies took 2 MiB (18 real), after
    the merged model's 18 MiB (983 real): the size was read while the click's zip was still being written."""
    import threading

    from ftlib import export

    built = captured_downloads(monkeypatch)
    run = make_run("r-zip", {"model": str(tiny_model_dir)}, adapter=fake_adapter(tmp_path))
    run.merged_dir.mkdir()
    (run.merged_dir / "model.safetensors").write_bytes(b"\0" * (2 * 1024**2))
    (run.merged_dir / "config.json").write_text("")  # what makes it an export (empty: the sizes stay round)
    at = page(tiny_model_dir)
    assert any("take 2 MiB" in c.value for c in at.caption)

    writing, written = threading.Event(), threading.Event()

    def slow_zip(folder: Path, progress=None) -> Path:  # a big zip: still being written as the click's rerun draws
        writing.set()
        assert written.wait(30)
        run.exports_dir.mkdir(exist_ok=True)
        archive = run.exports_dir / "r-zip-adapter.zip"
        archive.write_bytes(b"\0" * (16 * 1024**2))
        return archive

    monkeypatch.setattr(export, "zip_folder", slow_zip)
    click = threading.Thread(target=click_download, args=built["r-zip-adapter.zip"])
    click.start()
    assert writing.wait(30)
    at.run()  # the rerun the click starts, while the zip is written
    captions = [c.value for c in at.caption]
    assert not any("take 2 MiB" in c for c in captions), captions  # not the size from before the zip
    assert any(c.startswith("⏳ Preparing the download") for c in captions), captions
    written.set()
    click.join(30)
    at.run()  # what the page's polling does once the zip is ready
    assert any("take 18 MiB" in c.value for c in at.caption), [c.value for c in at.caption]
    assert not any("Preparing the download" in c.value for c in at.caption)


def test_removed_copies_are_said_once_and_a_teammates_stale_remove_says_there_was_nothing(tiny_model_dir, tmp_path):
    """Walk 8B #8: after Ben's "Remove them" his page said "take 983 MiB… Remove them" and "Removed 983 MiB" at once;
    Ana's out-of-date button then did nothing and said nothing."""
    run = make_run("r-shared", {"model": str(tiny_model_dir)}, adapter=fake_adapter(tmp_path))
    run.merged_dir.mkdir()
    (run.merged_dir / "model.safetensors").write_bytes(b"\0" * (3 * 1024**2))
    (run.merged_dir / "config.json").write_text("")  # what makes it an export (empty: the sizes stay round)
    ana, ben = page(tiny_model_dir), page(tiny_model_dir)
    assert all(any("take 3 MiB" in c.value for c in at.caption) for at in (ana, ben))
    ben.button(key="rm_exports_r-shared").click().run()
    assert [s.value for s in ben.success] == ["Removed 3 MiB; the run's own result is untouched."]
    assert not any("take 3 MiB" in c.value for c in ben.caption) and "rm_exports_r-shared" not in keys(ben.button)
    ana.button(key="rm_exports_r-shared").click().run()  # drawn before Ben's click
    assert not ana.exception, ana.exception
    assert [i.value for i in ana.info if "remove" in i.value] == [
        "Nothing to remove: the exported copies were already removed (perhaps in another tab)."
    ]
    assert not ana.success and "rm_exports_r-shared" not in keys(ana.button)
    assert (run.adapter_dir / "adapter_model.safetensors").is_file()


def test_a_run_that_failed_on_an_infinite_gradient_offers_no_resume_and_says_why_once(tiny_model_dir):
    """Walk 8B #5: ben-hot (learning rate 0.9) failed at step 5 with an inf gradient and no checkpoint. The page
    offered Resume, which starts again from step 0 with the same settings, and showed the message twice."""
    from ftlib.metrics import non_finite_message

    steps = [{"kind": "train", "step": s, "loss": 2.0 + s, "grad_norm": 40.0 * s} for s in (1, 2, 3, 4)]
    steps.append({"kind": "train", "step": 5, "loss": 9.5, "grad_norm": float("inf")})
    why = non_finite_message(5, "gradient size", float("inf"), 0.9)
    config = {"model": str(tiny_model_dir), "learning_rate": 0.9, "max_steps": 6}
    make_run("r-hot", config, state="failed", message=why, max_steps=6, metrics=steps)
    at = page(tiny_model_dir)
    assert not at.exception, at.exception
    assert "resume_r-hot" not in keys(at.button)
    assert all_text(at).count("Training stopped at step 5") == 1, all_text(at)
    assert [e.value for e in at.error] == [why]
    assert "such as 0.002, the usual for LoRA (this run used 0.9)" in why and "float16" not in why


def test_runs_on_two_models_name_their_model_and_a_template_not_the_models_own(tiny_model_dir, tmp_path):
    """Walk 8 A5: the picker and the table showed method, dataset and time only: runs on two models (the sidebar's
    box) read alike, and a run on ChatML read as one on the model's own template."""
    other = tmp_path / "qwen-0.5b"  # another model folder: only its name is read on this page
    now = time.time()
    make_run("r-tiny", {"model": str(tiny_model_dir), "dataset": "numbers"}, created=now - 60, ended=now - 50)
    make_run("r-qwen", {"model": str(other), "dataset": "numbers", "template": "chatml"}, created=now, ended=now)
    at = page(tiny_model_dir)
    assert not at.exception
    picker = next(s for s in at.selectbox if s.label == "Run")
    texts = {run_id: picker.format_func(run_id) for run_id in ("r-tiny", "r-qwen")}
    assert texts["r-tiny"].startswith(f"✅ lora on {tiny_model_dir.name} · numbers · "), texts
    assert texts["r-qwen"].startswith("✅ lora on qwen-0.5b · ChatML template · numbers · "), texts
    table = dict(zip(at.dataframe[-1].value["id"], at.dataframe[-1].value["run"], strict=True))
    assert table == {run_id: text[2:].split(" — ")[0] for run_id, text in texts.items()}


def test_the_selected_run_names_its_model_even_when_every_run_used_one(tiny_model_dir):
    make_run("r-only", {"model": str(tiny_model_dir), "dataset": "numbers", "template": "alpaca"})
    at = page(tiny_model_dir)
    assert not at.exception
    assert picker_labels(at)[0].startswith("✅ lora · Alpaca template · numbers · ")  # one model: not repeated
    assert any(c.value.startswith(f"lora on {tiny_model_dir.name} · Alpaca template · ") for c in at.caption)


def peak_caption(at: AppTest):
    return next((c for c in at.caption if c.value.startswith(("Peak memory", "Peak GPU memory"))), None)


def test_a_running_run_shows_its_peak_memory_beside_its_estimate_and_an_old_run_nothing(tiny_model_dir):
    """Walk 9 F4: the estimate could not be checked against the run. The peak each logged step records is shown
    beside the estimate the run was started with, and follows it while the run trains."""
    mib = 1024**2
    config = {"model": str(tiny_model_dir), "dataset": "numbers", "max_steps": 10}
    steps = [{"kind": "train", "step": s, "loss": 1.0, "peak_memory": (1500 + 10 * s) * mib} for s in (1, 2)]
    started = {"state": "running", "started": time.time(), "max_steps": 10, "estimated_memory": 1280 * mib}
    run = make_run("r-live", config, metrics=steps, **started)
    make_run("r-old", config, created=time.time() - 60)  # from before peaks were recorded
    at = page(tiny_model_dir)
    assert not at.exception
    caption = peak_caption(at)
    assert caption.value == "Peak memory 1.48 GiB (process, estimated 1.25 GiB before the start)"
    assert "Python, torch and the tokenizer" in caption.proto.help  # held before training; counted too

    run.append_metric({"kind": "train", "step": 3, "loss": 0.9, "peak_memory": 1720 * mib})  # the next step
    at.run()  # what the polling fragment does every few seconds
    assert peak_caption(at).value == "Peak memory 1.68 GiB (process, estimated 1.25 GiB before the start)"

    at.selectbox[-1].select("r-old").run()
    assert not at.exception and "r-old" in headline(at)
    assert peak_caption(at) is None


def test_a_refused_combination_of_settings_is_said_in_the_forms_words(tiny_model_dir):
    """KTO with the prompt trained too (its KL pairs need the prompt masked) was refused in the config file's words:
    "`mask_policy` everything ... Use all_assistant, last_assistant or completion_only"."""
    rows = [
        {
            "prompt": [{"role": "user", "content": f"Greet crew {i}"}],
            "completion": [{"role": "assistant", "content": "Ahoy!" if i % 2 else "Hello."}],
            "label": bool(i % 2),
        }
        for i in range(8)
    ]
    workspace.save_split("kto", rows[:6], rows[6:], {"format": "unpaired_preference"})
    at = page(tiny_model_dir)
    at.radio(key="train_method").set_value("kto").run()
    at.selectbox(key="train_mask_policy").set_value("everything").run()
    refusal = next(e.value for e in at.error if "KTO" in e.value)
    assert refusal.startswith("**What is trained** everything does not work with KTO"), refusal
    assert '"every assistant reply"' in refusal and "all_assistant" not in refusal and "`" not in refusal
    assert "train_start" not in [b.key for b in at.button]
    # The button stays where a newcomer looks for it, switched off, saying why (it had vanished for a caption).
    (off,) = [b for b in at.button if b.key == "train_start_refused"]
    assert off.disabled and off.label == "Start training" and "Fix what is named above" in off.help
    at.selectbox(key="train_mask_policy").set_value("completion_only").run()
    assert "train_start" in [b.key for b in at.button] and "train_start_refused" not in [b.key for b in at.button]


def test_kto_on_lopsided_labels_says_which_weight_to_raise_and_the_box_is_there(tiny_model_dir):
    rows = [
        {"prompt": f"Greet crew {i}", "completion": "Ahoy!" if i < 6 else "Go away.", "label": i < 6} for i in range(8)
    ]
    workspace.save_split("kto-lopsided", rows[:7], rows[7:], {"format": "unpaired_preference"})
    at = page(tiny_model_dir)
    at.radio(key="train_method").set_value("kto").run()
    said = [w.value for w in at.warning if "KTO would weigh" in w.value]
    assert len(said) == 1 and "the 6 good answers 6 times the 1 bad one" in said[0], said
    assert "Set **Weight of bad answers** between 4.5 and 6." in said[0] and "`" not in said[0]
    at.number_input(key="train_undesirable_weight").set_value(5.0).run()
    assert not any("KTO would weigh" in w.value for w in at.warning)
    assert "train_start" in [b.key for b in at.button]


def test_the_kto_loss_is_a_choice_in_words_and_apo_zero_unpaired_takes_batches_of_one(tiny_model_dir):
    rows = [
        {"prompt": f"Greet crew {i}", "completion": "Ahoy!" if i % 2 else "Go away.", "label": bool(i % 2)}
        for i in range(8)
    ]
    workspace.save_split("kto-loss", rows[:6], rows[6:], {"format": "unpaired_preference"})
    at = page(tiny_model_dir)
    at.radio(key="train_method").set_value("kto").run()
    assert "train_dpo_loss_type" not in [s.key for s in at.selectbox]  # each loss is shown for its method only
    loss = at.selectbox(key="train_kto_loss_type")
    assert loss.value == "kto" and loss.label == "KTO loss"
    assert loss.options[1].startswith("apo_zero_unpaired: APO-zero on single answers")  # the options' words
    at.number_input(key="train_batch_size").set_value(1).run()
    assert any("at least 2 for KTO" in e.value for e in at.error)
    at.selectbox(key="train_kto_loss_type").set_value("apo_zero_unpaired").run()
    assert not any("at least 2 for KTO" in e.value for e in at.error), [e.value for e in at.error]
    assert "train_start" in [b.key for b in at.button]


CUSTOM = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def test_a_new_session_starts_every_page_from_the_last_run_its_custom_template_included(tiny_model_dir):
    """A cold test of this session's features: a new session opened on Tokens showed the model's own template and
    384 until Train was drawn; and a run with a custom template came back as the model's own (its Jinja text, kept
    only by the session, was not put back) while the caption said "every setting but its name"."""
    from ftlib.config import RunConfig

    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    last = RunConfig(model=str(tiny_model_dir), dataset="numbers", template="custom", template_source=CUSTOM)
    make_run("r-custom", last.to_dict() | {"max_length": 96})
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at.session_state["active_split"] = "numbers"
    at.run().switch_page("pages/2_Tokens.py").run()  # Tokens first, before the Train page was ever drawn
    assert not at.exception, at.exception
    assert at.selectbox(key="tok_template").value == "custom"
    assert at.number_input(key="tok_max_length").value == 96
    at.switch_page("pages/4_Train.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="train_template").value == "custom"
    assert at.number_input(key="train_max_length").value == 96
    assert [c for c in at.caption if c.value.startswith("Settings start from the last run started")]


def _column_rows(node) -> list[list[list[str]]]:
    """Every row of columns on the page, each column as the keys of its buttons."""
    rows, kids = [], list(getattr(node, "children", {}).values())
    if kids and all(type(k).__name__ == "Column" for k in kids):
        rows.append([[b.key for b in k.button] for k in kids])
    for kid in kids:
        rows += _column_rows(kid)
    return rows


def test_the_runs_table_shows_a_long_run_label_whole_and_delete_sits_first(tiny_model_dir):
    """A cold review: the table's run column cut "lora · ChatML + tools (Hermes) template · chat_tools · Dec 03 08:58"
    at "…templat", and a finished run's "Delete…" sat alone in the second column, a gap to its left."""
    from ui.run_view import RUN_LABEL_FITS, WRAPPING_ROW_HEIGHT

    name = "a run with a long name that its column cannot hold"
    run = make_run("r-long", {"model": str(tiny_model_dir), "name": name}, max_steps=2, metrics=_two_steps())
    at = page(tiny_model_dir)
    assert not at.exception, at.exception
    table = at.dataframe[-1]
    label = table.value.set_index("id").loc[run.id, "run"]
    assert name in label and len(label) > RUN_LABEL_FITS
    assert table.proto.row_height == WRAPPING_ROW_HEIGHT  # rows tall enough that Streamlit wraps the cell
    buttons = next(r for r in _column_rows(at.main) if ["delete_ask_r-long"] in r)
    assert buttons[0] == ["delete_ask_r-long"]  # the first column: nothing else to press for a finished run

    stopped = make_run("r-short", {"model": str(tiny_model_dir)}, state="running", metrics=_two_steps())
    stopped.end_attempt(state="interrupted", stopped_by="user", message="Stopped at step 2.")
    at.session_state["train_selected"] = stopped.id
    at.run()
    assert not at.exception, at.exception
    buttons = next(r for r in _column_rows(at.main) if ["delete_ask_r-short"] in r)
    assert buttons[:2] == [["resume_r-short"], ["delete_ask_r-short"]]  # beside Resume, as before
    assert at.dataframe[-1].proto.row_height == WRAPPING_ROW_HEIGHT  # one long label: every row may wrap


def _two_steps() -> list[dict]:
    return [{"kind": "train", "step": s, "loss": 2.0 / s} for s in (1, 2)] + [
        {"kind": "eval", "step": 2, "eval_loss": 1.5}
    ]


def test_runs_list_and_the_runs_table_say_the_training_value_is_the_last_steps(tiny_model_dir, capsys):
    """A cold review: the headline said "Training loss, last 6 steps 10.7119" while the table and `runs list` said
    "loss 10.6250" of the same run, unnamed: the last step's own."""
    from ftlib.cli import main

    make_run("r-words", {"model": str(tiny_model_dir)}, max_steps=2, metrics=_two_steps())
    at = page(tiny_model_dir)
    assert at.dataframe[-1].value.set_index("id").loc["r-words", "training (last step)"] == "loss 1.0000"
    assert any(m.label == "Training loss, step 2" and m.value == "1.0000" for m in at.metric)  # the later half
    assert main(["runs", "list"]) == 0
    head, row = capsys.readouterr().out.splitlines()[:2]
    assert "training (last step)" in head and "loss 1.0000" in row
    assert head.index("training (last step)") == row.index("loss 1.0000")  # the column under its heading


def test_stop_and_delete_in_a_workspace_this_server_may_not_write_say_so_in_words(tiny_model_dir, monkeypatch):
    """A teammate's run written without the group's write access: Stop and Delete showed PermissionError tracebacks
    (a cold review with a read-only workspace). Each says what could not be done and the team set-up that fixes it."""
    make_run("r-live", {"model": str(tiny_model_dir)}, state="running", phase="training", started=time.time())
    make_run("r-done", {"model": str(tiny_model_dir)})

    def denied(run_id, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(runs.find(run_id).path / "STOP"))

    monkeypatch.setattr(runs, "stop", denied)
    monkeypatch.setattr(runs, "delete", denied)
    at = page(tiny_model_dir)
    at.session_state["train_selected"] = "r-live"
    at.run().button(key="stop_r-live").click().run()
    assert not at.exception, at.exception
    (said,) = [e.value for e in at.error]
    assert said.startswith("Could not stop the run: cannot use ") and said.endswith(
        "/r-live/STOP: permission denied; this server's account may not write there: give the workspace group write "
        "access (README: Running it for a team)"
    )
    at.session_state["train_selected"] = "r-done"
    at.run().button(key="delete_ask_r-done").click().run()
    at.button(key="delete_r-done").click().run()
    assert not at.exception, at.exception
    assert [e.value.split(":")[0] for e in at.error] == ["Could not delete the run"]
    assert "permission denied" in at.error[0].value and "Errno" not in at.error[0].value


def test_remembered_choices_are_read_without_creating_their_folder(tmp_path, monkeypatch):
    """The Data page crashed on a workspace the account may only read: reading the remembered choices made their
    folder first (a cold review)."""
    monkeypatch.setenv("FTLIB_WORKSPACE", str(tmp_path / "ws"))
    (tmp_path / "ws").mkdir()
    assert workspace.remembered_choices() == {} and not (tmp_path / "ws" / workspace.CHOICES_DIR).exists()


def test_label_smoothing_is_offered_with_the_dpo_losses_that_read_it_and_exo_pair_needs_it(tiny_model_dir):
    workspace.save_split("prefs-smoothed", PREF_ROWS[:5], PREF_ROWS[5:])
    at = page(tiny_model_dir)
    assert at.radio(key="train_method").value == "dpo"
    assert "train_dpo_label_smoothing" not in [n.key for n in at.number_input]  # sigmoid does not read it
    at.selectbox(key="train_dpo_loss_type").set_value("exo_pair").run()
    assert at.number_input(key="train_dpo_label_smoothing").value == 0.0
    assert any("exo_pair needs" in e.value for e in at.error), [e.value for e in at.error]
    assert "train_start" not in [b.key for b in at.button]
    at.number_input(key="train_dpo_label_smoothing").set_value(0.001).run()
    assert not any("exo_pair needs" in e.value for e in at.error)
    assert "train_start" in [b.key for b in at.button]


def test_rows_the_run_would_refuse_keep_the_start_button_in_sight_switched_off(tiny_model_dir):
    """A newcomer's walk: a split of tool calls the model's template drops is refused before the run (right), but the
    Start button vanished for a grey caption, and they looked for the button rather than at the red box above."""
    call = {"type": "function", "function": {"name": "get_tide", "arguments": '{"port": "Whitby"}'}}
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"High tide at Whitby on day {i}?"},
                {"role": "assistant", "content": "", "tool_calls": [{"id": f"c{i}", **call}]},
                {"role": "tool", "tool_call_id": f"c{i}", "content": f"{i + 6}:05"},
                {"role": "assistant", "content": f"High tide is at {i + 6}:05."},
            ]
        }
        for i in range(8)
    ]
    workspace.save_split("tides", rows[:6], rows[6:])
    at = page(tiny_model_dir)
    assert not at.exception and at.error
    assert any("to start a run" in c.value for c in at.caption)
    assert "train_start" not in [b.key for b in at.button]
    assert [b.disabled for b in at.button if b.key == "train_start_refused"] == [True]
