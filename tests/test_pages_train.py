"""Train page (AppTest): defaults and explanations, a memory estimate that follows the settings, and a real tiny
run started from the page, polled until it finishes, seen the same from a second session."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import runs, workspace

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
    assert method.options == ["LoRA", "QLoRA", "Full", "GRPO"] and method.value == "lora"  # GRPO: their prompts
    assert "adapter" in at.info[0].value  # the chosen method, explained
    assert at.number_input(key="train_learning_rate_lora_lora").value == pytest.approx(2e-3)
    assert at.number_input(key="train_batch_size").value == 8
    captions = " ".join(c.value for c in at.caption)
    assert "Examples processed together in one step" in captions and "How big each update step is" in captions
    first = at.metric[0].value
    at.number_input(key="train_batch_size").set_value(1).run()
    smaller = at.metric[0].value
    at.radio(key="train_method").set_value("full").run()
    full = at.metric[0].value
    assert first != smaller and full != smaller, (first, smaller, full)
    assert "every weight" in at.info[0].value


def test_a_preference_split_offers_dpo(tiny_model_dir):
    workspace.save_split("prefs", PREF_ROWS[:5], PREF_ROWS[5:])
    at = page(tiny_model_dir)
    assert not at.exception
    assert at.radio(key="train_method").options == ["DPO", "Reward model", "KTO"]
    assert at.radio(key="train_tuning").value == "lora"


def test_start_a_real_run_watch_it_finish_and_see_it_from_a_second_tab(tiny_model_dir):
    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    at = page(tiny_model_dir)
    at.number_input(key="train_max_steps").set_value(3)
    at.number_input(key="train_batch_size").set_value(2).run()
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
    assert "finished" in row["status"] and row["run"].startswith("lora · numbers · ")
    assert row["steps"] == "3/3" and row["train loss"] > 0
    assert any("Export" in m.value for m in at.markdown)
    assert len(at.get("plotly_chart")) >= 4  # loss, learning rate, grad norm, tokens/s

    second = page(tiny_model_dir)  # a refresh or a second tab: the same run, read from disk
    assert run_id in headline(second) and "finished" in headline(second)
    assert runs.find(run_id).summary().state == "finished"


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
    assert any("split over 4 processes (FSDP)" in what for what in at.dataframe[0].value["what"])
    submitted = []
    monkeypatch.setattr(runs, "submit", lambda config: submitted.append(config) or "queued-run")
    at.button(key="train_start").click().run()
    assert [(c.nproc, c.sharding, c.method) for c in submitted] == [(4, "fsdp", "full")]
    assert runs.launch_command(runs.RunDir(workspace.runs_dir() / "x"), submitted[0])[1:7] == [
        *("-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "4", "-m"),
    ]
