"""bench/gpu.py: its table (fastest TRL setting, ratios, failed and skipped rows) and its CPU path end to end on a tiny
model, each row in its own process; the CUDA path runs only where a GPU is present."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from bench import gpu

ROOT = Path(__file__).resolve().parents[1]


def _result(side: str, tokens_per_s: float, precision: str = "fp32") -> dict:
    return {
        "side": side,
        "precision": precision,
        "checkpointing": side.endswith("-gc"),
        "tokens_per_s": tokens_per_s,
        "wall_s": 10.0,
        "timed_s": 8.0,
        "flops": 6.4e14,
        "peak_bytes": 3 * 2**30,
        "device": "cuda",
    }


def test_plan_runs_trl_checkpointed_settings_after_every_other_row():
    """A budget that runs out skips the settings least likely to be TRL's fastest, not whole methods."""
    rows = gpu.plan(["default"], ["lora", "dpo"], ["ftlib", "trl-bf16-gc", "trl-fp32", "trl-fp32-gc"])
    assert [(r.method, r.side) for r in rows] == [
        ("lora", "ftlib"),
        ("lora", "trl-fp32"),
        ("dpo", "ftlib"),
        ("dpo", "trl-fp32"),
        ("lora", "trl-bf16-gc"),
        ("lora", "trl-fp32-gc"),
        ("dpo", "trl-bf16-gc"),
        ("dpo", "trl-fp32-gc"),
    ]


def test_the_grid_runs_after_the_rows_without_checkpointing_and_before_the_rest(monkeypatch, capsys):
    import ftlib.throughput

    ran = []
    monkeypatch.setattr(ftlib.throughput, "matmul_peak", lambda *a, **k: 1e12)
    monkeypatch.setattr(gpu, "run_row", lambda row, args, timeout: ran.append(row.side) or _result(row.side, 1.0))
    monkeypatch.setattr(gpu, "run_sampling", lambda model, args, timeout: ran.append("grid") or {"error": "x"})
    argv = ["--device", "cpu", "--methods", "lora", "--sides", "ftlib,trl-fp32-gc,trl-fp32", "--budget", "600"]
    assert gpu.main(argv) == 0
    assert ran == ["ftlib", "trl-fp32", "grid", "trl-fp32-gc"]
    assert gpu.main([*argv, "--no-sampling"]) == 0
    assert ran[4:] == ["ftlib", "trl-fp32", "trl-fp32-gc"]


def test_table_compares_with_the_fastest_trl_setting_and_keeps_failed_rows():
    rows = gpu.plan(["default"], ["lora", "dpo"], ["ftlib", "trl-bf16", "trl-fp32-gc"])
    row = {(r.method, r.side): r for r in rows}
    row["lora", "ftlib"].result = _result("ftlib", 3000.0, "bf16 base")
    row["lora", "trl-bf16"].result = _result("trl-bf16", 1500.0, "bf16 autocast")
    row["lora", "trl-fp32-gc"].result = _result("trl-fp32-gc", 1000.0)
    row["dpo", "ftlib"].result = _result("ftlib", 900.0)
    row["dpo", "trl-bf16"].result = {"error": "exit 1: torch.OutOfMemoryError: CUDA out of memory"}
    # dpo's trl-fp32-gc never ran: the time budget was spent
    peaks = {"float32": 50e12, "bfloat16": 800e12}
    sampling = {"default": {"error": "timed out after 60 s"}}
    text = gpu.render(rows, sampling, peaks, "Test GPU")
    lines = text.splitlines()
    ftlib_lora = next(line for line in lines if " lora " in line and " ftlib " in line)
    assert ftlib_lora.rstrip().endswith("2.00x")  # against trl-bf16, the faster of the two TRL rows
    assert "(fastest)" in next(line for line in lines if " lora " in line and "trl-bf16 " in line)
    assert "10.0%" in ftlib_lora  # 6.4e14 FLOPs / 8 timed s / 800e12 (the bf16 peak for a bf16 base)
    assert "FAILED: exit 1: torch.OutOfMemoryError" in next(
        line for line in lines if " dpo " in line and "trl-bf16 " in line
    )
    assert "skipped: time budget spent" in next(line for line in lines if " dpo " in line and "trl-fp32-gc" in line)
    # no TRL row of DPO measured: no ratio rather than a wrong one
    dpo_ftlib = next(line for line in lines if " dpo " in line and " ftlib " in line)
    assert not dpo_ftlib.rstrip().endswith("x"), dpo_ftlib
    assert "timed out after 60 s" in text


def test_grpo_rows_are_ranked_and_compared_by_optimizer_steps_per_second():
    """GRPO's measure is steps/s (generation dominates): a TRL row with more tokens/s but fewer steps/s is not the
    fastest, and GRPO has no MFU."""
    rows = gpu.plan(["default"], ["grpo"], ["ftlib", "trl-fp32", "trl-fp32-gc"])
    grpo = {"steps": 10, "cpu_s": 5.0, "flops": 0.0, "completions": 160, "mean_reward": 0.5}
    rows[0].result = _result("ftlib", 4000.0) | grpo | {"steps_per_s": 3.0}
    rows[1].result = _result("trl-fp32", 2000.0) | grpo | {"steps_per_s": 1.5}
    rows[2].result = _result("trl-fp32-gc", 3000.0) | grpo | {"steps_per_s": 1.0}
    lines = gpu.render(rows, {}, {"float32": 50e12}, "Test GPU").splitlines()
    ftlib_row = next(line for line in lines if " ftlib " in line)
    assert ftlib_row.rstrip().endswith("2.00x") and "3.00 steps/s" in ftlib_row, ftlib_row
    assert next(line for line in lines if "trl-fp32 " in line).rstrip().endswith("1.00x (fastest)")
    assert ftlib_row.split()[4] == "-", ftlib_row  # model, method, side, tokens/s, MFU


def _run(capsys, *args: str) -> str:
    code = gpu.main(list(args))
    assert code == 0
    return capsys.readouterr().out


def test_a_failing_row_is_reported_not_raised(tmp_path, capsys, monkeypatch):
    import ftlib.throughput

    # The table's matmul peaks are not what this test checks: measured, they spin 1 s of CPU for each dtype.
    monkeypatch.setattr(ftlib.throughput, "matmul_peak", lambda *a, **k: 1e12)
    missing = tmp_path / "no-such-model"
    out = _run(
        capsys,
        "--device", "cpu", "--model", str(missing), "--methods", "lora", "--sides", "ftlib", "--steps", "1",
        "--no-sampling", "--budget", "300",
    )  # fmt: skip
    row = next(line for line in out[out.index("device: cpu") :].splitlines() if " ftlib " in line)
    assert "FAILED: exit 1" in row, row


@pytest.mark.skipif(not torch.cuda.is_available(), reason="the GPU path needs CUDA")
def test_gpu_path_on_a_tiny_model(tiny_model_dir, capsys):
    out = _run(
        capsys, "--model", str(tiny_model_dir), "--methods", "lora,dpo", "--sides", "ftlib,trl-bf16",
        "--steps", "4", "--warmup", "1", "--sampling-rounds", "1", "--max-new-tokens", "8",
    )  # fmt: skip
    assert "FAILED" not in out[out.index("device:") :], out


# ---------------------------------------------------------------------------------------------------------------
# The device machine's run: bench/gpu_carry.py and bench/gpu_device.sh
# ---------------------------------------------------------------------------------------------------------------


def test_the_carried_model_is_the_shape_without_weights_and_materializes_with_random_ones(tiny_model_dir, tmp_path):
    from bench import gpu_carry
    from ftlib.models import load_model

    shape = gpu_carry.shape_only(tiny_model_dir, tmp_path / "shape")
    names = {p.name for p in shape.iterdir()}
    assert {"config.json", "tokenizer.json"} <= names
    assert not [n for n in names if n.endswith(".safetensors")], names
    made_dir = gpu_carry.materialize(shape, tmp_path / "random", seed=1)
    original, made = load_model(str(tiny_model_dir), device="cpu"), load_model(str(made_dir), device="cpu")
    assert [(n, p.shape) for n, p in made.named_parameters()] == [(n, p.shape) for n, p in original.named_parameters()]
    assert not torch.equal(made.model.layers[0].mlp.up_proj.weight, original.model.layers[0].mlp.up_proj.weight)
    assert made.lm_head.weight.data_ptr() == made.model.embed_tokens.weight.data_ptr()  # tied, as in the config
    marker = json.loads((made_dir / gpu_carry.MARKER).read_text())
    assert marker["weights"] == "random" and marker["parameters"] == sum(p.numel() for p in made.parameters())
    with pytest.raises(FileNotFoundError, match="no config.json"):
        gpu_carry.shape_only(tmp_path / "nothing", tmp_path / "elsewhere")


def test_bitsandbytes_keeps_only_the_cpu_and_cuda_13_libraries(tmp_path):
    from bench import gpu_carry

    package = tmp_path / "bitsandbytes"
    package.mkdir()
    for name in ("libbitsandbytes_cpu.so", "libbitsandbytes_cuda118.so", "libbitsandbytes_cuda130.so", "nn.py"):
        (package / name).write_bytes(b"x" * 10)
    assert gpu_carry._slim_bitsandbytes(tmp_path) == 10
    assert sorted(p.name for p in package.iterdir()) == [
        "libbitsandbytes_cpu.so",
        "libbitsandbytes_cuda130.so",
        "nn.py",
    ]


def _device_script(tmp_path, carry, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "CARRY": str(carry),
        "OUT": str(tmp_path / "out"),
        "PY": sys.executable,
        "DEVICE": "cpu",
        "MODELS": str(tmp_path / "models"),
        "FTLIB_HOME": str(tmp_path / "home"),
    }
    script = ROOT / "bench" / "gpu_device.sh"
    return subprocess.run(["bash", str(script), *args], env=env, capture_output=True, text=True, timeout=900)


def test_the_device_script_refuses_without_the_carried_folder(tmp_path):
    # --help needs nothing carried: bench.gpu's usage (h160's review: it asked for the carried folder first)
    shown = _device_script(tmp_path, tmp_path / "not-built", "--help")
    assert shown.returncode == 0 and "--sides" in shown.stdout and "--methods" in shown.stdout, shown.stderr
    proc = _device_script(tmp_path, tmp_path / "not-built")
    assert proc.returncode == 2
    assert proc.stderr.startswith("error:") and "bench.gpu_carry build" in proc.stderr, proc.stderr


def test_the_device_script_benchmarks_a_random_model_of_the_carried_shape(tiny_model_dir, tmp_path):
    """The device run end to end on a CPU, bench.gpu's CPU path with it: import check, random weights of the carried
    shape, a studio row and a TRL row each in its own process, the Compare grid against sequential `generate` (the
    packages come from this environment; the carried site folder is empty)."""
    from bench import gpu_carry

    carry = tmp_path / "carry"
    (carry / "site").mkdir(parents=True)
    gpu_carry.shape_only(tiny_model_dir, carry / "model" / "tiny")
    proc = _device_script(
        tmp_path, carry, "--methods", "lora", "--sides", "ftlib,trl-fp32", "--steps", "1", "--warmup", "0",
        "--sampling-rounds", "1", "--max-new-tokens", "4",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    log = (tmp_path / "out" / "gpu.log").read_text()
    assert "trl " in log and "ftlib.training" in log  # the import check's lines
    table = log[log.index("device: cpu") :].splitlines()
    row = next(line for line in table if " lora " in line and " ftlib " in line)
    trl_row = next(line for line in table if " trl-fp32 " in line)
    assert "FAILED" not in row and "tiny-random-weights" in row, row
    assert "FAILED" not in trl_row and trl_row.rstrip().endswith("1.00x (fastest)"), trl_row
    assert row.rstrip().endswith("x") and float(row.split()[3].replace(",", "")) > 0  # tokens/s, and a ratio
    grid = next(line for line in table if " grid " in line)
    assert "greedy identical True" in grid, grid
    assert log.rstrip().endswith("(speed and memory only; see bench/gpu_carry.py)")
    result = json.loads((tmp_path / "out" / "gpu.json").read_text())
    assert result["rows"][0]["result"]["tokens_per_s"] > 0
    marker = tmp_path / "models" / "tiny-random-weights" / gpu_carry.MARKER
    assert json.loads(marker.read_text())["weights"] == "random"


def test_a_child_that_flags_a_check_keeps_its_measures_and_a_failed_one_says_why(tmp_path):
    """On the H200 the grid's child exited 1 (its greedy rows differed from `generate`) and the table showed only the
    last progress bar of its weight loading: the measures and the reason were both lost."""
    from bench import bench_train

    def child(code: str) -> dict:
        script = tmp_path / "child.py"
        script.write_text(code)
        return bench_train.run_child([sys.executable, str(script)], timeout=60)

    measured = 'import json, sys\nprint(json.dumps({"speedup": 3.0, "check": "greedy rows differ"}))\nsys.exit(1)\n'
    assert child(measured) == {"speedup": 3.0, "check": "greedy rows differ", "exit": 1}
    # A review: TRL's PrinterCallback prints Python dicts; a child that failed after one, or after a JSON line that
    # states no check, is a failure, not a crash of the whole lease's benchmark nor a result.
    logs = "print({'train_runtime': '1.2'})\nprint('{\"stage\": \"loaded\"}')\nraise ValueError('late')\n"
    assert child(logs)["error"] == "exit 1: ValueError: late"
    bar = "Loading weights: 100%|##########| 272/272 [00:00<00:00, 3577.97it/s]"
    failed = child(f"import sys\nprint('ValueError: no such row', file=sys.stderr)\nprint({bar!r}, file=sys.stderr)\n"
                   "sys.exit(1)\n")  # fmt: skip
    assert failed["error"] == "exit 1: ValueError: no such row"
    assert (
        child("import sys\nprint('loading', file=sys.stderr)\nprint('\\r 42%|####', file=sys.stderr)\nsys.exit(3)\n")[
            "error"
        ]
        == "exit 3: loading"
    )


def test_the_grid_line_says_where_greedy_rows_first_differ():
    grid = {"rows": 8, "batched_s": 1.0, "sequential_s": 4.0, "speedup": 4.0, "greedy_identical": False,
            "greedy_first_difference": 17, "sampled_identical": 3, "sampled_rows": 6, "peak_bytes": 2**30}  # fmt: skip
    line = gpu.render([], {"default": grid}, {"float32": 1e12}, "Test GPU").splitlines()[-1]
    assert "4.00x; greedy identical False (first differs at token 17), sampled 3/6" in line, line


# (argv, the error line's end): a value bench.gpu does not know, last in its list, where it used to fail in its row
UNKNOWN_VALUES = [
    (["--sides", "ftlib,trl-fp32,trl"], "unknown side 'trl'; choose from ftlib, trl-fp32, ftlib-plain"),
    (["--methods", "lora,dpo,sft"], "unknown method 'sft'; choose from lora, full, dpo, qlora"),
    (["--methods", "lora", "--sides", "ftlib,ftlib-dp2"], "unknown side 'ftlib-dp2'"),  # bench_train's, not a row here
]


@pytest.mark.parametrize(("argv", "error"), UNKNOWN_VALUES)
def test_an_unknown_side_or_method_is_refused_before_anything_is_measured(monkeypatch, capsys, argv, error):
    """On the lent GPU (15 minutes a session) an unknown side or method cost a child process per row, each failing
    after a Python start and torch's import: every value is checked first, and nothing starts."""
    import subprocess as subprocess_module

    import ftlib.throughput

    def measured(*args, **kwargs):
        raise AssertionError("something was measured or started")

    for owner, name in ((gpu, "run_row"), (gpu, "run_sampling"), (ftlib.throughput, "matmul_peak")):
        monkeypatch.setattr(owner, name, measured)
    monkeypatch.setattr(subprocess_module, "Popen", measured)
    with pytest.raises(SystemExit) as exited:
        gpu.main(["--device", "cpu", *argv])
    assert exited.value.code == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(errors) == 1 and error in errors[0], errors  # one line, naming the value and the known ones
    assert gpu.main(["--device", "cpu", "--methods", "lora,grpo", "--sides", "ftlib,trl-bf16", "--check"]) == 0


def test_the_device_script_stops_at_an_unknown_side_before_its_import_check(tmp_path):
    """gpu_device.sh checks bench.gpu's arguments first: a misspelt side costs a second of the lease, not the import
    check, the random weights and a row's child process."""
    carry = tmp_path / "carry"
    for folder in ("site", "model"):
        (carry / folder).mkdir(parents=True)  # no model shape inside: the run would fail at once past the check
    proc = _device_script(tmp_path, carry, "--methods", "lora", "--sides", "ftlib,trl")
    assert proc.returncode == 2
    assert proc.stderr.rstrip().endswith("error: unknown side 'trl'; choose from " + ", ".join(gpu.SIDES)), proc.stderr
    assert not (tmp_path / "out" / "gpu.log").exists() and not (tmp_path / "models").exists()
