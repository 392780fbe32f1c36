"""Runs side by side (`ftlib.run_compare`, `runs compare`): the settings that differ (an older run's missing setting
shown as its default), each run's numbers, and held-out losses said not to compare when their rows or their kind of
loss differ. Run folders are written directly (`make_run`), with the held-out rows each kept (`keep_run_split`)."""

from __future__ import annotations

import json

import pytest

from ftlib import run_compare, workspace
from ftlib.cli import main
from ftlib.errors import UserError
from ftlib.testing import make_run

HELD_OUT = [{"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]}]
OTHER_ROWS = [{"messages": [{"role": "user", "content": "3+3?"}, {"role": "assistant", "content": "6"}]}]


def curve(start: float, drop: float, steps: int = 6, tokens: int = 100) -> list[dict]:
    """A run's metrics: a training loss falling by `drop` a step, held-out losses at steps 0, 3 and 6."""
    rows = [
        {"kind": "train", "step": s, "loss": start - drop * s, "tokens": tokens * s, "tokens_per_s": 250.0 + s}
        for s in range(1, steps + 1)
    ]
    return rows + [{"kind": "eval", "step": s, "eval_loss": start + 0.2 - drop * s} for s in (0, 3, 6)]


def run(run_id: str, config: dict, metrics: list[dict], held_out=HELD_OUT, **status):
    made = make_run(run_id, {"dataset": "numbers", "max_steps": 6, **config}, metrics=metrics, **status)
    workspace.keep_run_split(made.path, HELD_OUT, held_out, {})
    return made


def test_the_settings_that_differ_and_each_runs_numbers():
    run("r-slow", {"learning_rate": 2e-4, "lora_r": 16}, curve(2.0, 0.05), step=6)
    run("r-fast", {"learning_rate": 1e-3, "lora_r": 16}, curve(2.0, 0.2), step=6)
    c = run_compare.compare(["r-slow", "r-fast"])
    assert [(s.name, s.values, s.absent) for s in c.settings] == [
        ("learning_rate", ["0.0002", "0.001"], [False, False])
    ]  # LoRA rank, dataset, max steps: equal in both, left out
    slow, fast = c.runs
    assert (fast.final_train_loss, fast.best_eval_loss, fast.best_eval_step) == (pytest.approx(0.8), 1.0, 6)
    assert (slow.steps, slow.tokens, slow.tokens_per_s) == (6, 600, 253.5)
    assert c.comparable and c.same_rows and c.same_loss and c.notes == []
    drawn = [(s.run_id, s.kind, s.apart) for s in c.series]
    assert drawn == [(i, k, False) for i in ("r-slow", "r-fast") for k in ("training", "held-out")]


def test_a_setting_an_older_run_lacks_is_its_default_and_marked():
    """A config.json written before `beta` existed: its DPO run loads with beta 0.1, shown so and marked absent."""
    run("r-new", {"method": "dpo", "beta": 0.5}, curve(0.7, 0.01))
    old = run("r-old", {"method": "dpo"}, curve(0.7, 0.02))
    config = json.loads(old.config_file.read_text())
    del config["beta"]
    old.config_file.write_text(json.dumps(config))
    beta = next(s for s in run_compare.compare(["r-new", "r-old"]).settings if s.name == "beta")
    assert (beta.values, beta.absent) == (["0.5", "0.1"], [False, True])


def test_an_old_spelling_is_read_as_its_new_name_and_a_dropped_setting_as_a_dash():
    diffs = run_compare.setting_diffs([{"method": "dpo", "dpo_beta": 0.3, "gone": 1}, {"method": "dpo"}])
    assert [(d.name, d.values, d.absent) for d in diffs] == [
        ("beta", ["0.3", "0.1"], [False, True]),
        ("gone", ["1", "-"], [False, True]),
    ]


def test_a_run_whose_config_does_not_read_is_compared_with_dashes_not_a_traceback():
    run("r-fine", {"learning_rate": 2e-4}, curve(2.0, 0.1))
    broken = run("r-broken", {}, curve(2.0, 0.1))
    broken.config_file.write_text('{"method": "lo')
    c = run_compare.compare(["r-fine", "r-broken"])
    rate = next(s for s in c.settings if s.name == "learning_rate")
    assert (rate.values, rate.absent) == (["0.0002", "-"], [False, True])
    assert not c.comparable and "a loss of a kind not known" in c.note


def test_runs_scored_on_other_held_out_rows_do_not_compare():
    run("r-seed1", {"seed": 1}, curve(2.0, 0.1))
    run("r-seed2", {"seed": 2}, curve(2.0, 0.1), held_out=OTHER_ROWS)
    c = run_compare.compare(["r-seed1", "r-seed2"])
    assert not c.comparable and c.same_rows is False and c.same_loss
    assert "hold out different ones" in c.note and "r-seed1 (set 1); r-seed2 (set 2)" in c.note
    assert [s.apart for s in c.series if s.kind == "held-out"] == [True, True]
    assert [s.apart for s in c.series if s.kind == "training"] == [False, False]


def test_an_sft_and_a_dpo_run_are_not_the_same_loss():
    run("r-sft", {"method": "lora"}, curve(2.0, 0.1))
    run("r-dpo", {"method": "dpo"}, curve(0.69, 0.01))
    c = run_compare.compare(["r-sft", "r-dpo"], labels={"r-sft": "the SFT run"})
    assert not c.comparable and not c.same_loss and c.same_rows
    assert (
        "not the same measure" in c.note and "the SFT run: next-token loss" in c.note and "r-dpo: DPO loss" in c.note
    )
    assert {s.group for s in c.series if s.run_id == "r-sft"} != {s.group for s in c.series if s.run_id == "r-dpo"}


def test_dpo_runs_at_another_beta_are_not_the_same_loss():
    run("r-b1", {"method": "dpo", "beta": 0.1}, curve(0.69, 0.01))
    run("r-b5", {"method": "dpo", "beta": 0.5}, curve(0.69, 0.01))
    c = run_compare.compare(["r-b1", "r-b5"])
    assert not c.same_loss and "beta 0.1" in c.note and "beta 0.5" in c.note


def test_tokens_add_up_over_attempts():
    """`tokens` counts from 0 in each attempt: a stopped and resumed run read both attempts' tokens."""
    rows = [{"kind": "train", "step": s, "tokens": t} for s, t in ((1, 100), (2, 200), (3, 100), (4, 200), (5, 300))]
    assert run_compare.attempt_tokens(rows) == 500
    assert run_compare.attempt_tokens([{"kind": "train", "step": 1, "loss": 1.0}]) is None


def test_the_default_pick_is_the_two_newest_finished_runs_of_one_method():
    run("r-lora-1", {"method": "lora"}, curve(2.0, 0.1), created=100.0)
    run("r-dpo-1", {"method": "dpo"}, curve(0.7, 0.01), created=200.0)
    run("r-lora-2", {"method": "lora"}, curve(2.0, 0.1), created=300.0)
    run("r-dpo-2", {"method": "dpo"}, curve(0.7, 0.01), created=400.0, state="failed")
    run("r-lora-3", {"method": "full"}, curve(2.0, 0.1), created=500.0)
    from ftlib import runs

    assert run_compare.default_pick(runs.list_runs()) == ["r-lora-2", "r-lora-1"]
    offered = [s.id for s in run_compare.comparable_runs(runs.list_runs())]
    assert offered == ["r-lora-3", "r-lora-2", "r-dpo-1", "r-lora-1"]  # not the failed one


@pytest.mark.parametrize(
    ("ids", "says"),
    [
        (["r-one"], "Comparing needs two runs or more; 1 run given."),
        (["r-one", "r-one"], "Run 'r-one' is given twice"),
        (["r-one", "nope"], "There is no run 'nope'"),
    ],
)
def test_the_engine_refuses_with_a_sentence(ids, says):
    run("r-one", {}, curve(2.0, 0.1))
    with pytest.raises(UserError, match=says):
        run_compare.compare(ids)


# -- the command line ------------------------------------------------------------------------------------------------
def test_runs_compare_prints_a_table_of_what_differs_and_the_numbers(capsys):
    run("r-slow", {"learning_rate": 2e-4}, curve(2.0, 0.05), step=6)
    run("r-other", {"learning_rate": 1e-3, "seed": 7}, curve(2.0, 0.2), held_out=OTHER_ROWS, step=6)
    assert main(["runs", "compare", "r-slow", "r-other"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[:2] == ["run 1: r-slow", "run 2: r-other"]
    head = next(line for line in lines if line.startswith("settings that differ"))
    assert head.split()[-2:] == ["run", "2"] and head.index("run 1") < head.index("run 2")
    rate = next(line for line in lines if line.startswith("Learning rate (learning_rate)"))
    assert rate.split()[-2:] == ["0.0002", "0.001"]
    assert rate.index("0.0002") == head.index("run 1")  # under its column's heading
    assert next(line for line in lines if line.startswith("Seed (seed)")).split()[-2:] == ["0", "7"]
    best = next(line for line in lines if line.startswith("best held-out loss"))
    assert best.split()[3:] == ["1.9000", "(step", "6)", "1.0000", "(step", "6)"]
    assert "steps                      6/6" in out
    assert err.startswith("note: Held-out losses compare only between runs scored on the same rows")


def test_runs_compare_json_holds_settings_numbers_and_series(capsys):
    run("r-slow", {"learning_rate": 2e-4}, curve(2.0, 0.05))
    run("r-fast", {"learning_rate": 1e-3}, curve(2.0, 0.2))
    assert main(["runs", "compare", "r-slow", "r-fast", "--json"]) == 0
    out, err = capsys.readouterr()
    record = json.loads(out)
    assert record["settings"] == [
        {"name": "learning_rate", "label": "Learning rate", "values": ["0.0002", "0.001"], "absent": [False, False]}
    ]
    assert [r["best_eval_loss"] for r in record["runs"]] == [pytest.approx(1.9), pytest.approx(1.0)]
    assert record["comparable"] is True and record["notes"] == [] and err == ""
    held_out = next(s for s in record["series"] if s["run_id"] == "r-fast" and s["kind"] == "held-out")
    assert held_out["steps"] == [0, 3, 6]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["r-one"], "error: Comparing needs two runs or more; 1 run given."),
        (["r-one", "r-one"], "error: Run 'r-one' is given twice: give two different runs or more."),
        (["r-one", "nope"], "error: There is no run 'nope', by id or by name, in "),
    ],
    ids=["one-run", "same-run-twice", "unknown-run"],
)
def test_runs_compare_refuses_in_one_line(capsys, args, says):
    run("r-one", {}, curve(2.0, 0.1))
    assert main(["runs", "compare", *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(says) and err.count("\n") == 1


def test_a_run_named_by_its_id_and_its_name_is_the_same_run_twice(capsys):
    run("r-named", {"name": "ana-team"}, curve(2.0, 0.1))
    assert main(["runs", "compare", "r-named", "ana-team"]) == 2
    assert capsys.readouterr().err == "error: Run 'r-named' is given twice: give two different runs or more.\n"


def test_the_default_pick_prefers_two_runs_that_held_out_the_same_rows():
    """The newest run held out other rows (another file): the pick opens on two runs whose held-out losses compare."""
    run("r-a", {"method": "lora"}, curve(2.0, 0.1), created=100.0)
    run("r-b", {"method": "lora"}, curve(2.0, 0.1), created=200.0)
    run("r-other", {"method": "lora"}, curve(2.0, 0.1), held_out=OTHER_ROWS, created=300.0)
    from ftlib import runs

    assert run_compare.default_pick(runs.list_runs()) == ["r-b", "r-a"]


def test_held_out_lines_of_runs_sharing_their_rows_are_drawn_beside_one_that_does_not():
    run("r-1", {"seed": 1}, curve(2.0, 0.1))
    run("r-2", {"seed": 2}, curve(2.0, 0.2))
    run("r-3", {"seed": 3}, curve(2.0, 0.1), held_out=OTHER_ROWS)
    c = run_compare.compare(["r-1", "r-2", "r-3"])
    assert not c.comparable and c.same_rows is False
    assert [(s.run_id, s.apart) for s in c.series if s.kind == "held-out"] == [
        ("r-1", False),
        ("r-2", False),
        ("r-3", True),
    ]


def test_a_nan_held_out_loss_is_never_the_best():
    """A diverged evaluation logs NaN; min() kept a NaN met first as the "best" (every comparison with it is False)."""
    rows = [{"kind": "eval", "step": 0, "eval_loss": float("nan")}, *curve(2.0, 0.1)]
    run("r-nan", {}, rows)
    run("r-ok", {"seed": 2}, curve(2.0, 0.1))
    nan_run = run_compare.compare(["r-nan", "r-ok"]).runs[0]
    assert (nan_run.best_eval_loss, nan_run.best_eval_step) == (pytest.approx(1.6), 6)
