"""A finished run whose adapter does not read whole (a fault-injection review: `truncate -s 100
adapter/adapter_model.safetensors`, then `sample --adapter RUN`): the advice was "resume it from a checkpoint that
reads whole", and `runs resume` refused a finished run. A run with a checkpoint where its training ended resumes to
write its result again (no step is trained); one without is told to put the adapter back or train again."""

from __future__ import annotations

import json
import os

import pytest

from ftlib import integrity, modelset, runs, worker
from ftlib.sampling import SamplingError
from tests.test_training import SFT_ROWS, tiny_config


def _finished(tiny_model_dir, tmp_path, **kw):
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in SFT_ROWS))
    run = runs.find(runs.create_run(tiny_config(tiny_model_dir, dataset=str(data), max_steps=4, **kw)))
    assert worker.execute(run.path) == "finished"
    return run


def test_a_finished_runs_damaged_adapter_is_written_again_by_a_resume(tiny_model_dir, tmp_path, monkeypatch):
    run = _finished(tiny_model_dir, tmp_path, save_every=2)
    assert run.last_checkpoint().name == "checkpoint-4" and not run.summary().resumable
    os.truncate(run.adapter_dir / "adapter_model.safetensors", 100)
    with pytest.raises(SamplingError) as caught:
        modelset.check_tuned(str(tiny_model_dir), {run.id: (run.adapter_dir, False)})
    said = str(caught.value)
    assert "cannot be loaded; resume the run to write it again where its training ended " in said, said
    assert f"(`python -m ftlib runs resume {run.id}`)." in said and "checkpoint that reads whole" not in said

    monkeypatch.setattr(runs, "advance", lambda **_: [])  # started here, not by the queue
    said = runs.resume(run.id)["message"]
    assert said == "Waiting to write its result again from checkpoint-4 (no step is trained)."
    assert worker.execute(run.path) == "finished"
    assert integrity.damaged_files(run.adapter_dir) == [] and run.summary().step == 4
    modelset.check_tuned(str(tiny_model_dir), {run.id: (run.adapter_dir, False)})  # loads whole: no refusal
    assert not run.summary().resumable


def test_without_such_a_checkpoint_it_is_put_back_or_trained_again(tiny_model_dir, tmp_path):
    run = _finished(tiny_model_dir, tmp_path, save_every=0)
    assert run.last_checkpoint() is None
    os.truncate(run.adapter_dir / "adapter_model.safetensors", 100)
    with pytest.raises(SamplingError, match="cannot be loaded; put back a whole copy of it, or train the run again"):
        modelset.check_tuned(str(tiny_model_dir), {run.id: (run.adapter_dir, False)})
    with pytest.raises(runs.RunError, match="is finished; only stopped, interrupted or failed runs can be resumed"):
        runs.resume(run.id)


def test_a_run_whose_config_does_not_read_is_told_what_still_works_before_deleting(tiny_model_dir, tmp_path):
    """A review: "config.json ...: the run's settings are lost, so it cannot resume. Delete it (...)", while its
    adapter exported and sampled fine."""
    from ftlib import export

    run = _finished(tiny_model_dir, tmp_path, save_every=0)
    run.config_file.write_text('{"broken')
    message = run.summary().message
    assert message.startswith("config.json is not complete JSON (cut short or overwritten): the run's settings are")
    assert f"What it trained still exports and samples (`python -m ftlib runs export {run.id}`; `sample" in message
    assert "Restore config.json from a backup to resume it; delete the run only once nothing in it is" in message
    assert "Delete it (" not in message
    assert (export.export_adapter(run) / "adapter_model.safetensors").is_file()  # as the message says
