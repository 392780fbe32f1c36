"""A run records its measured peak memory while it trains, and keeps the estimate it was started with, so the two
can be read side by side on the Train page and in `runs show` (walk 9 F4). The page's part is in test_pages_train.py.
"""

from __future__ import annotations

import json
import resource
from types import SimpleNamespace

import pytest
import torch
from transformers import TrainerControl, TrainerState

from ftlib import runs, worker
from ftlib.cli import main
from ftlib.config import RunConfig
from ftlib.memory import GIB, human
from ftlib.metrics import MetricsCallback, peak_memory
from ftlib.testing import make_run

ROWS = [
    {
        "messages": [
            {"role": "user", "content": f"Name the number {i}."},
            {"role": "assistant", "content": f"The number is {i}."},
        ]
    }
    for i in range(10)
]
ESTIMATE = 1_234_567_890  # a sentinel: no measurement or default lands on it


def rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def test_a_run_records_its_peak_with_every_logged_step_and_keeps_its_estimate(tiny_model_dir, tmp_path):
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    settings = dict(max_steps=3, batch_size=2, max_length=64, test_size=0.2, save_every=0, device="cpu")
    config = RunConfig(model=str(tiny_model_dir), dataset=str(data), **settings)
    run = runs.find(runs.create_run(config, estimated_memory=ESTIMATE))
    before = rss_bytes()
    assert worker.execute(run.path) == "finished", run.log_tail()  # in this process: its peak is the run's
    after = rss_bytes()

    rows = run.read_metrics()
    assert [r["step"] for r in rows if r["kind"] == "train"] == [1, 2, 3]
    peaks = [r["peak_memory"] for r in rows]  # every row: the step-0 evaluation, the steps, the summary
    assert {r["kind"] for r in rows} == {"eval", "train", "summary"}
    # The process's peak resident memory: never below what it was before the run, never above what it is after.
    assert before <= peaks[0] and peaks == sorted(peaks) and peaks[-1] <= after, (before, peaks, after)
    assert not any("peak_memory_reserved" in r for r in rows)  # a GPU's second number only
    info = run.summary()
    assert (info.peak_memory, info.estimated_memory) == (peaks[-1], ESTIMATE)
    assert (
        info.memory_text == f"Peak memory {human(peaks[-1])} (process, estimated {human(ESTIMATE)} before the start)"
    )
    assert info.as_dict()["peak_memory"] == peaks[-1]  # `runs list --json`, `runs show --json`


def test_the_largest_process_peak_is_kept_where_several_processes_train(tmp_path, monkeypatch):
    """Under torchrun, global rank 0 writes the metrics: the other ranks' peaks reach it on the all-reduce that
    already agrees on a stop (a maximum), so the row holds the largest process's, and a stop asked on either is
    still everyone's."""
    import torch.distributed as dist

    other_rank = torch.tensor([1, 64 * GIB, 0])  # it saw the STOP file, and its peak is far above this process's
    reduced = []

    def all_reduce(tensor, op):
        assert op == dist.ReduceOp.MAX
        reduced.append(tensor.tolist())
        tensor.copy_(torch.maximum(tensor, other_rank))

    monkeypatch.setattr(dist, "is_initialized", lambda: True)
    monkeypatch.setattr(dist, "get_world_size", lambda: 2)
    monkeypatch.setattr(dist, "get_backend", lambda: "gloo")
    monkeypatch.setattr(dist, "all_reduce", all_reduce)
    run = make_run("r-ddp", {"dataset": "d", "nproc": 2}, state="running", root=tmp_path)
    callback = MetricsCallback(run)
    state, control = TrainerState(), TrainerControl()
    state.global_step, state.max_steps = 1, 4
    args = SimpleNamespace(device=torch.device("cpu"), learning_rate=2e-3)
    callback.on_step_end(args, state, control)
    assert len(reduced) == 1 and reduced[0][0] == 0 and reduced[0][1] >= rss_bytes() // 2  # this rank's own peak
    assert control.should_training_stop  # the other rank's stop
    callback.on_log(args, state, control, logs={"loss": 1.0, "learning_rate": 2e-3})
    row = run.read_metrics()[-1]
    assert row["peak_memory"] == 64 * GIB and "peak_memory_reserved" not in row
    assert run.summary().memory_text == "Peak memory 64.00 GiB (the largest of 2 processes)"


def test_on_a_gpu_the_peak_is_what_torch_allocated_and_reserved_there(monkeypatch):
    seen = []
    monkeypatch.setattr(torch.cuda, "max_memory_allocated", lambda device: seen.append(device) or 3 * GIB)
    monkeypatch.setattr(torch.cuda, "max_memory_reserved", lambda device: 4 * GIB)
    gpu = torch.device("cuda", 1)
    assert peak_memory(gpu) == {"peak_memory": 3 * GIB, "peak_memory_reserved": 4 * GIB} and seen == [gpu]
    assert set(peak_memory(torch.device("cpu"))) == set(peak_memory(None)) == {"peak_memory"}


# (id, the run's settings, metric rows, status fields, what the page and `runs show` say)
MiB = 1024**2
CASES = [
    (
        "cpu",
        {},
        [
            {"kind": "train", "step": 1, "peak_memory": 1500 * MiB},
            {"kind": "train", "step": 2, "peak_memory": 1720 * MiB},
        ],
        {"estimated_memory": 1280 * MiB},
        "Peak memory 1.68 GiB (process, estimated 1.25 GiB before the start)",
    ),
    (
        "resumed: the largest attempt's",
        {},
        [{"kind": "train", "step": 1, "peak_memory": 2 * GIB}, {"kind": "train", "step": 2, "peak_memory": GIB}],
        {"estimated_memory": 1280 * MiB},
        "Peak memory 2.00 GiB (process, estimated 1.25 GiB before the start)",
    ),
    (
        "no estimate kept",
        {},
        [{"kind": "train", "step": 1, "peak_memory": 1720 * MiB}],
        {},
        "Peak memory 1.68 GiB (process)",
    ),
    (
        "two processes",
        {"nproc": 2},
        [{"kind": "train", "step": 1, "peak_memory": 1720 * MiB}],
        {"estimated_memory": 1280 * MiB},
        "Peak memory 1.68 GiB (the largest of 2 processes, estimated 1.25 GiB per process before the start)",
    ),
    (
        "gpu",
        {"device": "cuda"},
        [{"kind": "train", "step": 1, "peak_memory": 1434 * MiB, "peak_memory_reserved": 1659 * MiB}],
        {"estimated_memory": 1280 * MiB},
        "Peak GPU memory 1.40 GiB allocated, 1.62 GiB reserved (estimated 1.25 GiB before the start)",
    ),
    ("an old run", {}, [{"kind": "train", "step": 1, "loss": 1.0}], {}, ""),
    ("an old run with an estimate, no step yet", {}, [], {"estimated_memory": 1280 * MiB}, ""),
]


@pytest.mark.parametrize("settings, rows, status, says", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_peak_is_said_beside_the_estimate_and_old_runs_say_nothing(tmp_path, settings, rows, status, says):
    run = make_run("r", {"dataset": "d", **settings}, root=tmp_path, metrics=rows, **status)
    assert run.summary().memory_text == says


def test_runs_show_says_the_peak_beside_the_estimate_and_nothing_for_an_old_run(capsys):
    rows = [{"kind": "train", "step": 1, "loss": 1.0, "peak_memory": 1720 * MiB}]
    make_run("r-new", {"dataset": "d"}, metrics=rows, estimated_memory=1280 * MiB)
    make_run("r-old", {"dataset": "d"}, metrics=[{"kind": "train", "step": 1, "loss": 1.0}])
    assert main(["runs", "show", "r-new"]) == 0
    out = capsys.readouterr().out
    assert "memory: Peak memory 1.68 GiB (process, estimated 1.25 GiB before the start)\n" in out
    assert main(["runs", "show", "r-old"]) == 0
    out = capsys.readouterr().out
    assert "state: finished" in out and "memory" not in out
    assert main(["runs", "show", "r-old", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["peak_memory"], shown["estimated_memory"]) == (None, None)
