"""bench/bench_train.py's alignment sides (issue 18.4): the reward model, KTO and GRPO, ftlib against TRL's trainers,
each side one optimizer step on the tiny model through the child protocol, in this process; and the rewards both
GRPO sides call."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bench import bench_train


def _child(capsys, side: str, method: str, model_dir, *more: str) -> dict:
    argv = ["--child", side, "--method", method, "--model", str(model_dir), "--max-steps", "1", "--device", "cpu"]
    assert bench_train.main([*argv, *more]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    return json.loads(lines[-1])  # TRL prints its own log dicts first


@pytest.fixture
def few_rows(tmp_path, monkeypatch):
    """The bench's sample files cut to their first rows, for the sides run in this process: one step of up to 8 rows
    (8 pairs, their 16 unpaired rows, 2 GRPO prompts) reads no further, and 4 held-out rows (pairs) give each measure
    its mean over more than one. The sides tokenized all 100-189 training rows and scored all 22-36 held-out ones,
    which the measures' shape and range do not depend on."""
    for name, keep in (("TRAIN", 8), ("HELDOUT", 4)):
        cut = {}
        for kind, path in getattr(bench_train, name).items():
            cut[kind] = tmp_path / f"{name}-{path.name}"
            cut[kind].write_text("".join(path.read_text().splitlines(keepends=True)[:keep]))
        monkeypatch.setattr(bench_train, name, cut)


@pytest.mark.parametrize("method", ["reward", "kto", "grpo"])
def test_each_alignment_side_steps_once_and_reports_its_measures(method, tiny_model_dir, capsys, few_rows):
    # A step of 2 rows (pairs; GRPO: prompts, its default), the fewest KTO's KL estimate pairs apart: TRL's KTO side
    # took 2.5x the CPU with the default 8, and a step's measures do not depend on its size.
    batch = ("--batch-size", "2")
    results = {side: _child(capsys, side, method, tiny_model_dir, *batch) for side in ("ftlib", "trl-fp32")}
    for side, r in results.items():
        assert (r["side"], r["method"], r["steps"], r["precision"]) == (side, method, 1, "fp32"), r
        assert r["tokens"] > 0 and r["peak_bytes"] > 0 and r["cpu_s"] > 0, r
    ours, ref = results["ftlib"], results["trl-fp32"]
    assert bench_train.fastest_reference(results) == "trl-fp32"
    text = bench_train.comparison(ours, ref)
    if method == "grpo":
        for r in results.values():
            # 2 prompts x 8 answers of at most 24 tokens; two rewards of 0..1 each
            assert r["completions"] == 16 and 0 < r["completion_length"] <= 24, r
            assert 0.0 <= r["mean_reward"] <= 2.0 and r["steps_per_s"] > 0 and r["flops"] == 0.0, r
            assert 0 < r["generation_s"] < r["wall_s"], r  # answers written inside the timed steps
        assert text.startswith(f"{ours['steps_per_s'] / ref['steps_per_s']:.2f}x optimizer steps/s (wall)"), text
    elif method == "reward":
        for r in results.values():
            assert 0.0 <= r["heldout_pair_accuracy"] <= 1.0 and "heldout_margin" in r, r
        assert "held-out pair accuracy" in text, text
    else:
        for r in results.values():
            assert 0.0 <= r["heldout_accuracy"] <= 1.0 and "heldout_margin" in r, r
        assert "held-out reward accuracy" in text, text


def test_trl_reward_functions_score_as_the_studios_grpo_rewards():
    """The TRL side's reward functions take TRL's conversational prompts and answers; the studio's take JSON prompts
    and text: on the same answers both give ftlib.rewards' scores."""
    from ftlib.alignment import reward_functions
    from ftlib.rewards import build_rewards

    prompt = [{"role": "system", "content": "Start with 'Ahoy!'"}, {"role": "user", "content": "Hi?"}]
    answers = ["Ahoy! Fair winds.", "Hello.\nHello.\nHello.", "Ahoy! Ahoy!\nAhoy! Ahoy!"]
    trl_side = bench_train.trl_reward_functions(bench_train.GRPO_REWARDS)
    studio = reward_functions(build_rewards(bench_train.GRPO_REWARDS))
    assert [f.__name__ for f in trl_side] == [f.__name__ for f in studio] == ["check", "not_repeating"]
    want = {"check": [1.0, 0.0, 1.0], "not_repeating": [1.0, 1 / 3, 0.25]}
    for ours, theirs in zip(studio, trl_side, strict=True):
        got_trl = theirs([prompt] * 3, [[{"role": "assistant", "content": a}] for a in answers], completion_ids=None)
        got_studio = ours([json.dumps(prompt)] * 3, answers)
        assert got_trl == pytest.approx(want[ours.__name__]) and got_studio == pytest.approx(got_trl)


def test_a_data_parallel_side_runs_under_torchrun_with_half_the_rows_and_threads_each():
    """`-dp2` sides: the optimizer steps and their rows stay the single process's (the same token count), and the two
    processes split the cores as a studio run's do (ftlib.distributed.cpu_threads)."""
    child = bench_train.child_command("trl-bf16-dp2", "lora", "default", 1.0, 0, "cpu", batch_size=8)
    command, env = bench_train.data_parallel(child, 8, threads=2)
    assert command[1:7] == ["-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", "-m"]
    assert command[command.index("--batch-size") + 1] == "4" and env["OMP_NUM_THREADS"] == "1"
    assert bench_train.setting_of("trl-bf16-dp2") == "trl-bf16" and "ftlib-dp2" in bench_train.SIDES
    with pytest.raises(SystemExit, match="does not split"):
        bench_train.data_parallel(child, 7, threads=2)


def test_a_data_parallel_side_reports_both_processes_once(tiny_model_dir):
    child = bench_train.child_command("ftlib-dp2", "lora", str(tiny_model_dir), 1.0, 2, "cpu", batch_size=4)
    command, env = bench_train.data_parallel(child, 4, threads=2)
    proc = subprocess.run(command, cwd=bench_train.ROOT, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    reports = []
    for line in proc.stdout.splitlines():
        try:
            reports.append(json.loads(line))
        except ValueError:  # the Trainer's own log lines
            continue
    reports = [r for r in reports if isinstance(r, dict) and "side" in r]
    assert len(reports) == 1  # rank 0 speaks for both processes; rank 1 prints nothing
    result = reports[0]
    assert (result["side"], result["processes"], result["threads"], result["steps"]) == ("ftlib-dp2", 2, 1, 2)
    assert result["tokens"] > 0 and "heldout_loss" in result


def test_bf16_counts_as_usable_only_on_gpus_that_have_it_natively(monkeypatch):
    import torch

    native = []
    monkeypatch.setattr(
        torch.cuda, "is_bf16_supported", lambda including_emulation=True: including_emulation or native
    )
    assert not bench_train.bf16_usable("cuda")  # a T4 or V100: emulated
    native.append(True)
    assert bench_train.bf16_usable("cuda:0")


@pytest.mark.parametrize(("backend", "where"), [("nccl", "cuda:3"), ("gloo", "cpu")])
def test_the_all_reduced_totals_live_where_the_backend_reduces(monkeypatch, backend, where):
    """NCCL reduces CUDA tensors only: the peak-memory and CPU-time totals go to this process's GPU under it."""
    import torch

    monkeypatch.setattr(torch.distributed, "get_backend", lambda *a: backend)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 3)
    assert bench_train._collective_device() == torch.device(where)


def test_the_fp32_studio_side_trains_fp32_where_the_studio_would_pick_a_bf16_base(
    tiny_model_dir, capsys, few_rows, monkeypatch
):
    """`ftlib-fp32` is the studio with *Weights dtype* float32: what `trl-fp32` runs, for the GPU table. Each side in
    this process (the precision is picked from the environment when the side loads its model, not at a process's
    start; a side in its own process is the data-parallel test's, run_child test_gpu_bench's), one step of 4 rows:
    the precision is the loaded model's, whatever the number of steps."""
    monkeypatch.setenv("FTLIB_CPU_BF16", "1")  # the studio's own pick: a bf16 LoRA base
    precisions = {}
    for side in ("ftlib", "ftlib-fp32"):
        result = _child(capsys, side, "lora", tiny_model_dir, "--batch-size", "4")
        assert (result["side"], result["steps"]) == (side, 1), result
        precisions[side] = result["precision"]
    assert precisions == {"ftlib": "bf16 base", "ftlib-fp32": "fp32"}


def test_a_child_that_quantizes_nothing_starts_without_bitsandbytes(tiny_model_dir):
    """As a studio run (ftlib.training_model.leave_out_bitsandbytes): PEFT imports it, and it imports torch's inductor,
    ~1 s of each row's start; a QLoRA row keeps it, and so does `main` called in a test's own process."""
    code = (
        "import sys\nfrom bench.bench_train import leave_out_bitsandbytes as lean\n"
        "qlora = lean(['--child', 'ftlib', '--method', 'qlora', '--model', sys.argv[-1]])\n"
        "print(qlora, 'bitsandbytes' in sys.modules, lean(sys.argv[1:]), sys.modules['bitsandbytes'])\n"
    )
    argv = ["--child", "trl-fp32", "--method", "kto", "--model", str(tiny_model_dir)]
    proc = subprocess.run(
        [sys.executable, "-c", code, *argv], cwd=bench_train.ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split() == ["False", "False", "True", "None"]  # None: Python's "not importable"


def test_an_unknown_side_is_refused_before_any_side_is_measured(monkeypatch, capsys):
    """`--sides ftlib,trl,ftlib-plain` (BENCHMARKS' issue-6 command: `trl` is a side no more) trained the ftlib side
    for a minute, then stopped at the unknown one: every side is checked first, and nothing is measured."""

    def measured(*args, **kwargs):
        raise AssertionError("a side was measured")

    monkeypatch.setattr(bench_train, "measure_peaks", measured)
    monkeypatch.setattr(bench_train, "child_command", measured)
    with pytest.raises(SystemExit) as exited:
        bench_train.main(["--sides", "ftlib,trl,ftlib-plain", "--device", "cpu"])
    assert exited.value.code == 2
    assert "unknown side 'trl'; choose from ftlib, ftlib-plain" in capsys.readouterr().err
