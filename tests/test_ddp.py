"""The same entry point under torchrun, on CPU with gloo: 2 processes with DDP through the run queue, 2 "machines" of
one process each meeting at a local rendezvous, and FSDP on 2 processes. The last two train exactly what one process
trains with the same global batch (the reference runs in this process), so splitting the work changes nothing."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import torch
from safetensors.torch import load_file

from ftlib import runs, worker
from ftlib.config import RunConfig
from ftlib.rundir import RunDir

ROWS = [
    {
        "messages": [
            {"role": "user", "content": f"Name the number {i}."},
            {"role": "assistant", "content": f"The number is {i}."},
        ]
    }
    for i in range(16)
]


def rows_file(tmp_path: Path) -> Path:
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    return data


def settings(model: Path, data: Path, **kw) -> RunConfig:
    """One epoch of the 16 rows on CPU, in the order of the seed (no length grouping: its mega-batches depend on
    the number of processes), no evaluation."""
    base = dict(model=str(model), dataset=str(data), test_size=0.0, epochs=1.0, max_length=64, save_every=0)
    return RunConfig(**{**base, "device": "cpu", "group_by_length": False, **kw})


def train_here(config: RunConfig) -> RunDir:
    """The single-process reference: the worker's own code, in this process."""
    run = runs.find(runs.create_run(config))
    assert worker.execute(run.path) == "finished", run.log_tail()
    return run


def losses(run: RunDir) -> list[float]:
    return [r["loss"] for r in run.read_metrics() if r["kind"] == "train"]


def weights(folder: Path) -> dict[str, torch.Tensor]:
    return load_file(str(next(folder.glob("*.safetensors"))))


def assert_same_weights(got: dict, expected: dict, atol: float) -> None:
    assert got.keys() == expected.keys()
    for name in expected:
        torch.testing.assert_close(
            got[name], expected[name], rtol=0, atol=atol, msg=lambda m, name=name: f"{name}: {m}"
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_process_ddp_run_on_cpu_splits_the_batches_and_finishes(tiny_model_dir, tmp_path):
    config = settings(
        tiny_model_dir, rows_file(tmp_path), batch_size=2, nproc=2, learning_rate=1e-3, group_by_length=True
    )
    run_id = runs.submit(config)
    info = runs.wait(run_id, timeout=600)
    log = (runs.find(run_id).log_file).read_text()
    assert info.state == "finished", log[-3000:]
    # 16 rows, 2 per process, 2 processes: 4 optimizer steps (one process alone would take 8).
    steps = [r["step"] for r in runs.find(run_id).read_metrics() if r["kind"] == "train"]
    assert steps == [1, 2, 3, 4] and info.max_steps == 4
    assert log.count("[step 4/4]") == 1  # only rank 0 reports
    # Each step's row holds the larger of the two processes' peaks, gathered with the stop flag (walk 9 F4).
    peaks = [r["peak_memory"] for r in runs.find(run_id).read_metrics() if r["kind"] == "train"]
    assert len(peaks) == 4 and peaks == sorted(peaks) and info.memory_text.endswith("(the largest of 2 processes)")
    assert (runs.find(run_id).path / "adapter" / "adapter_model.safetensors").is_file()


def test_two_machines_of_one_process_train_what_one_process_trains(tiny_model_dir, tmp_path, monkeypatch):
    data = rows_file(tmp_path)
    # No adapter dropout: its masks are drawn per process, the one thing that may differ.
    # One warmup step at lr 0 (floor(4 x 0.25)), the schedule these tolerances were set with: without it Adam's first
    # update (about lr x the gradient's sign) made an all-reduce's float rounding of a near-zero gradient 2e-5 apart.
    common = dict(method="lora", lora_dropout=0.0, learning_rate=1e-2, warmup_ratio=0.25)
    monkeypatch.setenv("FTLIB_WORKSPACE", str(tmp_path / "reference"))
    reference = train_here(settings(tiny_model_dir, data, batch_size=4, **common))

    # Two machines: each its own workspace, the same run with its own node rank, meeting at machine 0's endpoint.
    # One lock folder, as two machines on one host or a mounted home folder have: machine 0 held the CPU lease and
    # machine 1 waited for it before its first step, forever (a cold reader's two-machine run froze at step 0).
    monkeypatch.setenv("FTLIB_LOCK_DIR", str(tmp_path / "locks"))
    endpoint = f"127.0.0.1:{free_port()}"
    started = {}
    for node in (0, 1):
        monkeypatch.setenv("FTLIB_WORKSPACE", str(tmp_path / f"machine{node}"))
        config = settings(
            tiny_model_dir, data, batch_size=2, nnodes=2, node_rank=node, rdzv_endpoint=endpoint, **common
        )
        started[node] = runs.submit(config)
        if node == 0:  # it cannot start training before machine 1 exists
            assert "waiting until every machine has joined" in runs.find(started[0]).summary().message
            # Queued a second apart, as two people start them: each workspace names the run by its own id (a CI run
            # under load froze so for 600 s: machine 1 waited for the CPU lease held under machine 0's id).
            time.sleep(1.1)
    infos, deadline = {}, time.time() + 600
    while len(infos) < 2 and time.time() < deadline:
        for node, run_id in started.items():
            monkeypatch.setenv("FTLIB_WORKSPACE", str(tmp_path / f"machine{node}"))
            info = runs.wait(run_id, timeout=0)
            if info.state in runs.DONE:
                infos[node] = (info, runs.find(run_id))
        time.sleep(1)
    (info0, run0), (info1, run1) = infos[0], infos[1]
    assert info0.state == info1.state == "finished", (run0.log_tail(), run1.log_tail())

    # Machine 0 holds the metrics and reports the progress; machine 1's folder says where they are.
    assert [r["step"] for r in run0.read_metrics() if r["kind"] == "train"] == [1, 2, 3, 4]
    assert run0.log_file.read_text().count("[step 4/4]") == 1 and run1.read_metrics() == []
    assert "machine 1 of 2; machine 0's run folder has the metrics" in info1.message and info1.step == 4
    # The same global batch of 4 rows per step: the same losses and the same adapter as one process.
    assert len(losses(reference)) == 4
    torch.testing.assert_close(torch.tensor(losses(run0)), torch.tensor(losses(reference)), rtol=1e-5, atol=0)
    adapter0 = weights(run0.path / "adapter")
    assert_same_weights(adapter0, weights(reference.path / "adapter"), atol=1e-6)
    assert any((w != 0).any() for name, w in adapter0.items() if "lora_B" in name)  # B starts at zero: it trained
    # Each machine keeps its own copy (DDP: the same weights everywhere), so each can resume from its own disk.
    assert_same_weights(weights(run1.path / "adapter"), adapter0, atol=0)


def test_fsdp_on_two_cpu_processes_trains_what_one_process_trains_and_saves_a_loadable_model(
    tiny_model_dir, tmp_path, monkeypatch
):
    from transformers import AutoModelForCausalLM

    data = rows_file(tmp_path)
    common = dict(method="full", learning_rate=1e-3, warmup_ratio=0.25)  # one warmup step at lr 0, as above
    monkeypatch.setenv("FTLIB_WORKSPACE", str(tmp_path / "reference"))
    reference = train_here(settings(tiny_model_dir, data, batch_size=4, **common))

    monkeypatch.setenv("FTLIB_WORKSPACE", str(tmp_path / "sharded"))
    # Gradient checkpointing becomes FSDP's own activation checkpointing; a checkpoint every 2 steps.
    config = settings(
        tiny_model_dir,
        data,
        batch_size=2,
        nproc=2,
        sharding="fsdp",
        gradient_checkpointing=True,
        save_every=2,
        **common,
    )
    run_id = runs.submit(config)
    info = runs.wait(run_id, timeout=600)
    run = runs.find(run_id)
    assert info.state == "finished", run.log_tail()
    assert [r["step"] for r in run.read_metrics() if r["kind"] == "train"] == [1, 2, 3, 4]
    # FSDP really sharded: its checkpoints hold the gathered model and the optimizer in FSDP's own files.
    assert (run.last_checkpoint() / "pytorch_model_fsdp.bin").is_file()
    torch.testing.assert_close(torch.tensor(losses(run)), torch.tensor(losses(reference)), rtol=1e-5, atol=0)

    model = AutoModelForCausalLM.from_pretrained(run.path / "model")  # plain transformers, no FSDP
    start = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    assert (
        model.config.tie_word_embeddings
        and model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
    )
    expected = AutoModelForCausalLM.from_pretrained(reference.path / "model").state_dict()
    assert_same_weights(model.state_dict(), expected, atol=1e-6)
    assert not torch.equal(model.model.layers[0].mlp.up_proj.weight, start.model.layers[0].mlp.up_proj.weight)
