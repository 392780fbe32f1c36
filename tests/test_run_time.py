"""Before Start, about how long a run trains (ftlib.run_time); while it starts, what it is doing (ftlib.run_phases).

A newcomer pressed Start and saw "step 0 of 4 · 0:00:26 training": no idea beforehand of how long it would take, and
no word of what it was doing until the first step."""

from __future__ import annotations

from ftlib import run_phases, run_time
from ftlib.config import RunConfig
from ftlib.testing import make_run

MODEL = "/models/SmolLM2-135M-Instruct"


def steps(*speeds):
    return [{"kind": "train", "step": i + 1, "loss": 1.0, "tokens_per_s": s} for i, s in enumerate(speeds)]


def test_the_time_comes_from_the_newest_earlier_run_of_the_same_model_method_and_device(tmp_path):
    same = {"model": MODEL, "dataset": "x", "method": "lora"}
    runs = [
        make_run("20261201-090000-a", same, metrics=steps(50.0, 100.0, 110.0), root=tmp_path, device="cpu"),
        make_run("20261201-100000-b", same, metrics=steps(200.0, 10.0, 210.0), root=tmp_path, device="cpu"),
        make_run("20261201-110000-gpu", same, metrics=steps(9000.0), root=tmp_path, device="cuda:0"),
        make_run("20261201-120000-full", {**same, "method": "full"}, metrics=steps(5.0), root=tmp_path, device="cpu"),
        make_run("20261201-130000-other", {**same, "model": "/m/other"}, metrics=steps(1.0), root=tmp_path),
        make_run("20261201-140000-none", same, metrics=[], root=tmp_path, device="cpu"),  # no step logged yet
    ]
    config = RunConfig(model=MODEL, dataset="x", method="lora", epochs=2.0, batch_size=4)
    est = run_time.time_estimate(config, train_tokens=4000, train_rows=40, device="cpu", runs=runs)
    assert (est.rate, est.measured_by, est.tokens, est.device) == (200.0, "20261201-100000-b", 8000, "CPU")
    assert est.seconds == 40.0
    said = est.sentence()
    assert said.startswith(
        "About 0:00:40 of training (not counting loading the model, held-out evaluations or saving checkpoints): "
        "8,000 tokens at the 200 tokens/s"
    )
    assert "20261201-100000-b" in said and "this server's CPU" in said
    gpu = run_time.time_estimate(config, 4000, 40, "cuda:0", runs=runs)
    assert (gpu.rate, gpu.measured_by, gpu.device) == (9000.0, "20261201-110000-gpu", "GPU")


def test_nothing_is_said_without_an_earlier_run_that_measured_it(tmp_path):
    runs = [make_run("20261201-090000-a", {"model": MODEL, "dataset": "x"}, metrics=steps(80.0), root=tmp_path)]
    config = RunConfig(model=MODEL, dataset="x", method="dpo")
    assert run_time.time_estimate(config, 4000, 40, "cpu", runs=runs) is None
    assert run_time.time_estimate(RunConfig(model=MODEL, dataset="x"), 4000, 40, "cuda", runs=runs) is None
    assert run_time.time_estimate(RunConfig(model=MODEL, dataset="x"), 0, 0, "cpu", runs=runs) is None


def test_max_steps_count_the_tokens_of_the_steps_taken():
    config = RunConfig(model=MODEL, dataset="x", max_steps=5, batch_size=4)  # 10 steps a pass: half of one
    assert run_time.run_tokens(config, train_tokens=4000, train_rows=40) == 2000


def test_the_phase_says_the_step_0_evaluation_then_the_first_step_then_training():
    from transformers import TrainerControl, TrainerState

    said = []
    callback = run_phases.phase_callback(lambda **fields: said.append(fields["phase"]))
    callback.eval_rows = 5

    class Args:
        eval_on_start = True

    state, control = TrainerState(), TrainerControl()
    callback.on_train_begin(Args, state, control)
    callback.on_evaluate(Args, state, control)
    callback.on_step_end(Args, state, control)
    callback.on_evaluate(Args, state, control)  # a later evaluation: the phase stays
    callback.on_step_end(Args, state, control)
    assert said == [run_phases.evaluating_words(5), run_phases.FIRST_STEP, run_phases.TRAINING]
    assert said[0].startswith("scoring the untrained model on 5 held-out rows")
    said.clear()
    Args.eval_on_start = False  # a resumed run, or no held-out rows: the first step at once
    run_phases.phase_callback(lambda **fields: said.append(fields["phase"])).on_train_begin(Args, state, control)
    assert said == [run_phases.FIRST_STEP]


ROWS = [
    {"messages": [{"role": "user", "content": f"What is {i} plus {i}?"}, {"role": "assistant", "content": f"{i * 2}"}]}
    for i in range(32)
]


def test_the_train_page_at_the_defaults_says_no_warmup_warning_and_the_time_an_earlier_run_measured(tiny_model_dir):
    """The newcomer's demo: 30 training rows at batch size 8 and 1 epoch make 4 steps; the page warned "1 of the
    run's 4 optimizer steps runs at learning rate 0" and said nothing of how long the run would take."""
    from ftlib import workspace
    from tests.test_pages_train import page

    workspace.save_split("demo", ROWS[:30], ROWS[30:])
    at = page(tiny_model_dir)
    assert not at.exception
    assert not [w.value for w in at.warning if "rate 0" in w.value]
    assert not [c.value for c in at.caption if "of training (not counting loading the model" in c.value]
    make_run("20261201-090000-earlier", {"model": str(tiny_model_dir)}, metrics=steps(250.0), device="cpu")
    at.run()
    (said,) = [c.value for c in at.caption if "of training (not counting loading the model" in c.value]
    assert "at the 250 tokens/s that run 20261201-090000-earlier measured" in said, said


def test_a_runs_status_says_what_it_does_before_its_first_step(tiny_model_dir, tmp_path, monkeypatch):
    """The worker's status, written as the run goes: loading, the step-0 evaluation, the first step, training."""
    import json

    from ftlib import runs, worker
    from ftlib.rundir import RunDir
    from tests.test_training import SFT_ROWS, tiny_config

    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in SFT_ROWS))
    run = runs.find(runs.create_run(tiny_config(tiny_model_dir, dataset=str(data), max_steps=2, test_size=0.25)))
    phases = []
    write = RunDir.update_status
    monkeypatch.setattr(RunDir, "update_status", lambda self, **f: phases.append(f.get("phase")) or write(self, **f))
    assert worker.execute(run.path) == "finished"
    said = [p for p in phases if p]
    start = said.index("loading model and data")
    evaluating = next(p for p in said if p.startswith("scoring the untrained model on"))
    assert said[start:][:4] == ["loading model and data", "training", evaluating, run_phases.FIRST_STEP]
    assert said[start + 4] == run_phases.TRAINING


def test_a_grpo_runs_phase_names_the_rewards_chart_not_a_loss_chart():
    """GRPO's Train page shows no loss chart: its held-out scores are the Rewards chart's points, so its phase words
    named a chart that was not there."""
    from transformers import TrainerControl, TrainerState

    said = []
    callback = run_phases.phase_callback(lambda **fields: said.append(fields["phase"]))
    callback.eval_rows, callback.chart = 4, run_phases.held_out_chart("grpo")

    class Args:
        eval_on_start, eval_strategy = True, "steps"

    state, control = TrainerState(), TrainerControl()
    callback.on_train_begin(Args, state, control)
    state.max_steps = state.global_step = 3
    callback.on_step_end(Args, state, control)
    assert said == [
        "scoring the untrained model on 4 held-out rows (the Rewards chart's step 0)",
        "last step done: scoring the trained model on 4 held-out rows (the Rewards chart's last point), then saving",
    ]
    assert "loss chart" in run_phases.evaluating_words(4, run_phases.held_out_chart("dpo"))
