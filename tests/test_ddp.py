"""The same entry point under torchrun: a 2-process DDP run on CPU (gloo), launched through the run queue."""

from __future__ import annotations

import json

from ftlib import runs
from ftlib.config import RunConfig


def test_two_process_ddp_run_on_cpu_splits_the_batches_and_finishes(tiny_model_dir, tmp_path):
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"Name the number {i}."},
                {"role": "assistant", "content": f"The number is {i}."},
            ]
        }
        for i in range(16)
    ]
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = RunConfig(
        model=str(tiny_model_dir),
        dataset=str(data),
        test_size=0.0,
        batch_size=2,
        epochs=1.0,
        max_length=64,
        save_every=0,
        device="cpu",
        nproc=2,
        learning_rate=1e-3,
    )
    run_id = runs.submit(config)
    info = runs.wait(run_id, timeout=600)
    log = (runs.find(run_id).log_file).read_text()
    assert info.state == "finished", log[-3000:]
    # 16 rows, 2 per process, 2 processes: 4 optimizer steps (one process alone would take 8).
    steps = [r["step"] for r in runs.find(run_id).read_metrics() if r["kind"] == "train"]
    assert steps == [1, 2, 3, 4] and info.max_steps == 4
    assert log.count("[step 4/4]") == 1  # only rank 0 reports
    assert (runs.find(run_id).path / "adapter" / "adapter_model.safetensors").is_file()
