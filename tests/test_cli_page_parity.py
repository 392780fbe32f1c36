"""The CLI and the pages as one product: the same defaults (held once, by the engine), the same limits and the same
notes before a run starts, whichever of the two a team uses."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest

from ftlib import config as config_module
from ftlib import runs
from ftlib.cli import build_parser, main
from ftlib.data import count_test_rows
from ftlib.splits import default_test_ratio

ROOT = Path(__file__).resolve().parents[1]
CHATS = [
    {"messages": [{"role": "user", "content": f"Name a colour, {i}."}, {"role": "assistant", "content": "Teal."}]}
    for i in range(6)
]


def _rows_file(tmp_path: Path) -> str:
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in CHATS))
    return str(path)


def test_data_split_holds_out_what_the_data_page_starts_with(tmp_path, capsys):
    """The Data page starts a small file's split at the ratio that holds out 5 rows (qa_table's 32: 0.15); `data
    split` without --test-size held out 0.1 (4 rows) and warned that 4 held-out rows are few."""
    out = tmp_path / "split"
    assert main(["data", "split", str(ROOT / "samples" / "qa_table.csv"), "--out", str(out)]) == 0
    said = capsys.readouterr().out
    test_rows = (out / "test.jsonl").read_text().splitlines()
    assert len(test_rows) == count_test_rows(32, default_test_ratio(32)) == 5
    assert json.loads((out / "meta.json").read_text())["test_size"] == default_test_ratio(32) == 0.15
    assert "Only 4 held-out rows" not in said


def test_batch_takes_the_batch_size_grad_accum_and_seed_a_run_takes(tmp_path, capsys):
    """`batch --batch-size 2000` was counted, where `train` and the Batches page refuse a batch size over 1024."""
    rows = _rows_file(tmp_path)
    for flag, value, name in (
        ("--batch-size", "2000", "batch_size"),
        ("--grad-accum", "5000", "grad_accum"),
        ("--seed", "-1", "seed"),
    ):
        assert main(["batch", rows, flag, value]) == 2
        err = capsys.readouterr().err
        assert f"batch: argument {flag}: {value} is out of range: a run's {name} is at least" in err


def test_tokens_and_batch_start_from_a_runs_template_and_policy(monkeypatch):
    """Their --template and --policy defaults are the run settings' (RunConfig), as the Tokens and Batches pages
    start from them, not a second copy of the same words."""
    real = config_module.field_specs()
    changed = {
        **real,
        "mask_policy": dataclasses.replace(real["mask_policy"], default="last_assistant"),
        "template": dataclasses.replace(real["template"], default="chatml"),
    }
    monkeypatch.setattr(config_module, "field_specs", lambda: changed)
    parser = build_parser()
    for command in (["tokens", "f.jsonl"], ["batch", "f.jsonl"], ["data", "inspect", "f.jsonl"]):
        args = parser.parse_args(command)
        assert args.template == "chatml", command
        assert getattr(args, "policy", "last_assistant") == "last_assistant", command


def _queue(monkeypatch, tmp_path, tiny_model_dir) -> None:
    """`train ... --detach` of a 2-step LoRA run on a tiny model, a stand-in process instead of training."""
    monkeypatch.setattr(runs, "launch_command", lambda run, config, **_: [sys.executable, "-c", "pass", str(run.path)])
    flags = ["--model", str(tiny_model_dir), "--dataset", _rows_file(tmp_path), "--device", "cpu", "--detach"]
    assert main(["train", "--method", "lora", "--max-steps", "2", *flags]) == 0


def test_train_warns_as_the_train_page_when_the_estimate_does_not_fit(monkeypatch, tmp_path, capsys, tiny_model_dir):
    """The Train page shows the memory estimate's red box (`MemoryEstimate.too_big`) before Start; `train` queued
    such a run without a word."""
    from ftlib import memory

    monkeypatch.setattr(memory, "_device_memory", lambda device: 1024)  # 1 KiB free
    _queue(monkeypatch, tmp_path, tiny_model_dir)
    err = capsys.readouterr().err
    assert "warning: estimated peak memory " in err and "More than the 1 KiB of free RAM on cpu." in err

    monkeypatch.setattr(memory, "_device_memory", lambda device: 1 << 50)
    _queue(monkeypatch, tmp_path, tiny_model_dir)
    assert "estimated peak memory" not in capsys.readouterr().err


def test_train_says_how_long_the_run_takes_as_the_train_page_does(monkeypatch, tmp_path, capsys, tiny_model_dir):
    """The page says "About 0:00:01 of training ..." under the estimate where an earlier run measured its speed on
    this server (`ftlib.run_time`); `train` said nothing."""
    from ftlib import run_time

    monkeypatch.setattr(run_time, "measured_rate", lambda config, device, runs=None: (1000.0, "r-earlier"))
    _queue(monkeypatch, tmp_path, tiny_model_dir)
    err = capsys.readouterr().err
    assert "note: About 0:00:01 of training (not counting loading the model, held-out evaluations or saving " in err
    assert "that run r-earlier measured with this model and method on this server's CPU" in err


def test_runs_show_sizes_the_exported_copies_and_runs_export_removes_them_as_the_export_panel_does(capsys):
    """The Train page's Export panel says what a run's exported copies (merged model, GGUF files, zips) take and
    removes them; from the CLI only `rm` did, and `runs show` said nothing of them."""
    from ftlib.testing import make_run

    run = make_run("r-done", {"dataset": "d"}, step=4)
    run.exports_dir.mkdir()
    (run.exports_dir / "r-done-merged.zip").write_bytes(b"\0" * 4096)
    assert main(["runs", "show", "r-done"]) == 0
    assert "exported copies: 4 KiB in the run's folder" in capsys.readouterr().out

    assert main(["runs", "export", "r-done", "--remove", "--zip"]) == 2  # one or the other
    assert "--remove removes the exported copies, which --zip builds" in capsys.readouterr().err
    assert run.exports_dir.is_dir()

    assert main(["runs", "export", "r-done", "--remove"]) == 0
    assert (
        capsys.readouterr().out == "r-done: removed the exported copies (4 KiB freed); its own result is untouched\n"
    )
    assert not run.exports_dir.exists() and run.path.is_dir()
    assert main(["runs", "show", "r-done"]) == 0
    assert "exported copies" not in capsys.readouterr().out
    assert main(["runs", "export", "r-done", "--remove"]) == 0
    assert capsys.readouterr().out == "r-done: no exported copies to remove\n"


def test_the_train_pages_delete_question_names_the_grpo_runs_a_reward_model_scores_as_runs_delete_does(
    tiny_model_dir, capsys
):
    """`runs delete` warned that a GRPO run scoring with the reward model could no longer resume or be evaluated;
    the Train page's question said "nothing else changes". One engine sentence now (run_resume)."""
    from streamlit.testing.v1 import AppTest

    from ftlib.testing import make_run

    make_run("r-rm", {"method": "reward", "model": str(tiny_model_dir)})
    grpo = {"method": "grpo", "model": str(tiny_model_dir), "rewards": [{"model": "r-rm"}]}
    make_run("r-grpo", grpo)
    said = "r-grpo scores with this reward model: without it, resuming or evaluating it fails."

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at = at.run().switch_page("pages/4_Train.py")
    at.session_state["train_selected"] = "r-rm"
    at.run()
    at.button(key="delete_ask_r-rm").click().run()
    (question,) = [w.value for w in at.warning if "for good?" in w.value]
    assert question.endswith(f"Teammates lose it too. {said}") and "nothing else changes" not in question

    at.button(key="delete_cancel_r-rm").click().run()
    at.session_state["train_selected"] = "r-grpo"
    at.run()
    at.button(key="delete_ask_r-grpo").click().run()
    assert any(w.value.endswith("Teammates lose it too; nothing else changes.") for w in at.warning)

    capsys.readouterr()  # the AppTest's own log lines
    assert main(["runs", "delete", "r-rm", "--yes"]) == 0
    assert capsys.readouterr().err == f"warning: {said}\n"


def test_the_score_panel_takes_a_system_message_as_score_system_does(tiny_model_dir, tmp_path, capsys):
    """`python -m ftlib score --system` scores the answers after a system prompt; the Train page's Score panel (the
    same command in the browser) had no box for one. Both now give the same scores."""
    from streamlit.testing.v1 import AppTest
    from transformers import AutoModelForSequenceClassification

    from ftlib.models import load_tokenizer
    from ftlib.testing import make_run
    from ui.tables import one_line

    folder = tmp_path / "reward-model"
    AutoModelForSequenceClassification.from_pretrained(tiny_model_dir, num_labels=1).save_pretrained(folder)
    load_tokenizer(str(tiny_model_dir)).save_pretrained(folder)
    config = {"method": "reward", "tuning": "full", "model": str(tiny_model_dir)}
    run = make_run("20261201-120000-reward-pairs", config, model=folder, output="model")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at = at.run().switch_page("pages/4_Train.py")
    at.session_state["train_selected"] = run.id
    at.run()
    at.text_input(key=f"score_system_{run.id}").set_value("Answer as a pirate.")
    at.text_input(key=f"score_prompt_{run.id}").set_value("How do I sleep?")
    at.button(key=f"score_button_{run.id}").click().run()
    assert not at.exception, at.exception
    table = next(d.value for d in at.dataframe if "score" in d.value)
    answers = [at.text_area(key=f"score_answer_{run.id}_{i}").value for i in range(2)]

    capsys.readouterr()  # the AppTest's own log lines
    argv = ["score", run.id, "--system", "Answer as a pirate.", "--prompt", "How do I sleep?", "--json"]
    assert main([*argv, "--response", answers[0], "--response", answers[1]]) == 0
    cli = json.loads(capsys.readouterr().out)["scores"]
    page = dict(zip(table["answer"], table["score"], strict=True))
    assert [page[one_line(a)] for a in answers] == pytest.approx(cli, abs=1e-5)  # a line break shown as ⏎


def test_the_train_form_offers_one_gpu_of_several_as_train_device_does(tiny_model_dir, monkeypatch):
    """`train --device cuda:1` pins a run to one GPU (the queue runs one run per device); the Train form offered
    auto, cpu and cuda only, so a server's second GPU could not be given a run of its own from the browser."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from ftlib import distributed, models, workspace

    workspace.save_split("colours", CHATS[:5], CHATS[5:])
    monkeypatch.setattr(models, "cuda_available", lambda: True)
    monkeypatch.setattr(distributed, "gpu_count", lambda: 3)
    st.cache_resource.clear()  # the page keeps whether CUDA is there for the server's life
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.session_state["active_model"] = str(tiny_model_dir)
        at = at.run().switch_page("pages/4_Train.py").run()
        assert not at.exception, at.exception
        assert at.selectbox(key="train_device").options == ["auto", "cpu", "cuda", "cuda:0", "cuda:1", "cuda:2"]
        monkeypatch.setattr(distributed, "gpu_count", lambda: 1)  # one GPU: cuda is that one
        at.run()
        assert at.selectbox(key="train_device").options == ["auto", "cpu", "cuda"]
    finally:
        st.cache_resource.clear()  # no later page in this process believes in a GPU


def test_runs_show_and_the_end_of_train_warn_of_a_diverged_or_memorising_run_as_the_train_page_does(capsys):
    """The Train page warns under a run whose loss rose (diverged) or whose held-out loss turned while the training
    loss fell (memorising, with early stopping as the fix); `runs show` and `train`'s end line said neither (only
    "finished, diverged" as the state)."""
    from ftlib.commands.train import said_end
    from ftlib.testing import make_run

    rising = [{"kind": "train", "step": s, "loss": v} for s, v in enumerate((3.2, 2.9, 9.0, 13.8, 14.3, 14.8), 1)]
    make_run("r-rose", {"dataset": "d"}, metrics=rising, step=6, max_steps=6)
    memorising = [{"kind": "train", "step": s, "loss": 3.0 - 0.1 * s} for s in range(1, 13)]
    memorising += [{"kind": "eval", "step": s, "eval_loss": v} for s, v in ((3, 2.5), (6, 2.2), (9, 2.3), (12, 2.5))]
    make_run("r-memo", {"dataset": "d"}, metrics=memorising, step=12, max_steps=12)
    make_run("r-fine", {"dataset": "d"}, metrics=memorising[:6], step=6, max_steps=6)

    assert main(["runs", "show", "r-rose"]) == 0
    err = capsys.readouterr().err
    assert (
        "warning: Loss rose from 3.2 to 14.3: training diverged; try a lower learning rate (`--learning-rate`)." in err
    )
    assert main(["runs", "show", "r-memo"]) == 0
    err = capsys.readouterr().err
    assert "warning: From step 6 the held-out loss rises (2.200 → 2.500) while the training loss still falls" in err
    assert "`--early-stopping-patience N` stops there and keeps the best checkpoint" in err
    assert main(["runs", "show", "r-fine"]) == 0
    assert "warning:" not in capsys.readouterr().err

    assert said_end("r-memo", runs.find("r-memo").summary()) == 0  # how `train` and `runs resume --wait` end
    assert "warning: From step 6 the held-out loss rises" in capsys.readouterr().err


def test_the_batches_pages_length_grouped_row_is_the_runs_for_its_seed_as_batch_seed_counts_it(
    monkeypatch, tmp_path, capsys
):
    """Length grouping shuffles the rows into chunks with the run's seed: `batch --seed` counts it for a seed, the
    Batches page counted seed 0 whatever seed the Train form held."""
    from streamlit.testing.v1 import AppTest

    from ftlib import workspace
    from ftlib.batch_costs import STRATEGY_LABELS

    rows = [
        {
            "messages": [
                {"role": "user", "content": f"Q{i}?"},
                {"role": "assistant", "content": "w " * (2 + 7 * i % 23)},
            ]
        }
        for i in range(240)
    ]
    workspace.save_split("grouped-by-seed", rows, rows[:2])
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))

    def padding(seed: int) -> int:
        assert main(["batch", str(path), "--batch-size", "2", "--seed", str(seed), "--json"]) == 0
        (grouped,) = [
            s for s in json.loads(capsys.readouterr().out)["strategies"] if s["strategy"] == "length_grouped"
        ]
        return grouped["padded_positions"]

    assert padding(5) != padding(0)  # more than 50 steps' rows: the seed decides which rows share a chunk
    settings = {"batch_size": 2, "seed": 5}
    monkeypatch.setattr(
        "ui.labels.training_default", lambda name: settings.get(name, config_module.field_specs()[name].default)
    )
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at = at.switch_page("pages/3_Batches.py").run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    grouped = table[table["strategy"] == STRATEGY_LABELS["length_grouped"]]
    assert grouped["padding"].tolist() == [padding(5)]


def test_runs_show_json_holds_the_exported_copies_and_the_warnings_the_text_says(capsys):
    """`runs show --json` is "everything": it left out what the text adds (the exported copies' size, a diverged
    run's warning), so a script reading it could not know what the Train page shows."""
    from ftlib.testing import make_run

    rising = [{"kind": "train", "step": s, "loss": v} for s, v in enumerate((3.2, 2.9, 9.0, 13.8, 14.3, 14.8), 1)]
    run = make_run("r-rose", {"dataset": "d"}, metrics=rising, step=6, max_steps=6)
    run.exports_dir.mkdir()
    (run.exports_dir / "r-rose-merged.zip").write_bytes(b"\0" * 4096)
    assert main(["runs", "show", "r-rose", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["exported_bytes"] == 4096
    assert record["warnings"] == [
        "Loss rose from 3.2 to 14.3: training diverged; try a lower learning rate (`--learning-rate`). This run's "
        "result is likely worse than the model it started from."
    ]
    make_run("r-fine", {"dataset": "d"}, step=2)
    assert main(["runs", "show", "r-fine", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["exported_bytes"] == 0 and record["warnings"] == []
