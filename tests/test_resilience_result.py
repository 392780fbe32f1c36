"""A run that dies while it writes its result (killed, a full disk) after its last checkpoint: no half result is left
where exports, sampling and evaluation read one, and its resume writes exactly the uninterrupted run's result without
training a step past the end (HF Trainer's loop trains one more when max_steps is not a whole number of epochs), with
what a kill left behind removed and the downloads built from an earlier result dropped. Then what `runs export` says
of a result folder without its weights, or of a run that did not finish. On the tiny model, in-process
(`worker.execute`); the kill is a failure raised inside `training.save_final` after the weights were written, and
the files a `kill -9` leaves there are put back by hand."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from ftlib import downloads, export, stops, workspace
from ftlib.run_resume import ended_at
from ftlib.testing import make_run
from ftlib.worker import execute
from tests.test_overfitting import CHAT, HELD_OUT
from tests.test_training import SFT_ROWS

# LoRA dropout off: the first run of a process draws its masks after the matmul peak's one benchmark took numbers
# from the same generator (ftlib.throughput, cached per process), so its twin in the same process would differ.
COMMON = {"batch_size": 2, "max_length": 64, "save_every": 3, "lora_dropout": 0.0, "device": "cpu"}
# A constant learning rate: a step past the end really changes the weights. 8 rows of 2: 4 steps an epoch.
CONSTANT = {"dataset": "rows", "scheduler": "constant", "warmup_ratio": 0, "learning_rate": 1e-2}
# (id, settings, the run's last step). Only a last step that ends an epoch (whole epochs) resumed right before.
END_CASES = [
    ("max_steps mid-epoch", CONSTANT | {"max_steps": 3}, 3),
    ("fractional epochs", CONSTANT | {"max_steps": 0, "epochs": 1.5}, 6),
    ("whole epochs", CONSTANT | {"max_steps": 0, "epochs": 2.0, "save_every": 4}, 8),
    ("full fine-tune", CONSTANT | {"method": "full", "learning_rate": 1e-3, "max_steps": 3}, 3),
    # The best held-out loss is the last step's: the checkpoint early stopping keeps is the last one, kept at the end.
    (
        "early stopping",
        CONSTANT | {"dataset": "chat", "batch_size": 4, "max_steps": 3, "eval_every": 1, "early_stopping_patience": 2},
        3,
    ),
]


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def metric_rows(run, kinds: tuple[str, ...] = ("train", "eval", "summary")) -> list[tuple]:
    """What the metrics say happened, without the timings: (kind, step, loss or held-out loss or training loss)."""
    rows = [m for m in run.read_metrics() if m["kind"] in kinds]
    return [(m["kind"], m["step"], m.get("loss", m.get("eval_loss", m.get("train_loss")))) for m in rows]


@pytest.mark.parametrize("settings, last", [c[1:] for c in END_CASES], ids=[c[0] for c in END_CASES])
def test_a_run_that_died_writing_its_result_resumes_to_the_uninterrupted_runs_result(
    tiny_model_dir, monkeypatch, settings, last
):
    workspace.save_split("rows", SFT_ROWS, [], {})
    workspace.save_split("chat", CHAT, HELD_OUT, {})
    settings = {"model": str(tiny_model_dir)} | COMMON | settings
    whole = make_run("whole", settings, state="running")
    assert execute(whole.path) == "finished", whole.read_status()
    kind = "model" if settings.get("method") == "full" else "adapter"

    # The same run dies in its final save, its weights written (a kill, a full disk).
    run = make_run("cut", settings, state="running")
    write_eos = stops.write_eos

    def dies(*args, **kwargs):
        raise RuntimeError("killed while writing the result")

    monkeypatch.setattr(stops, "write_eos", dies)
    assert execute(run.path) == "failed"
    monkeypatch.setattr(stops, "write_eos", write_eos)
    assert run.last_checkpoint().name == f"checkpoint-{last}" and ended_at(run.last_checkpoint())
    # Nothing half written where a result is read: its folder was never put in place, the partial one is gone.
    assert sorted(p.name for p in run.path.iterdir() if p.name in ("adapter", "model", ".partial")) == []

    # What a `kill -9` at that moment leaves: the partial folder, and (from before saves went through one) a half
    # result holding safetensors' temporary file; and downloads built from it then, which the new result outdates.
    (run.path / ".partial" / kind).mkdir(parents=True)
    (run.path / ".partial" / kind / "tokenizer.json").write_text('{"cut')
    (run.path / kind).mkdir()
    (run.path / kind / ("adapter_config.json" if kind == "adapter" else "config.json")).write_text("{}")
    (run.path / kind / ".tmpc3OLST").write_bytes(b"\0" * 1000)
    run.merged_dir.mkdir()
    (run.merged_dir / "config.json").write_text("{}")
    run.exports_dir.mkdir()
    (run.exports_dir / f"cut-{kind}.zip").write_bytes(b"PK")
    run.update_status(state="interrupted", resume=True)  # as `runs resume` queues it

    assert execute(run.path) == "finished", run.read_status()
    # Not one step past the end: the metrics are the uninterrupted run's, step for step (one summary included).
    assert metric_rows(run) == metric_rows(whole)
    assert max(m["step"] for m in run.read_metrics()) == last
    status, expected = run.read_status(), whole.read_status()
    assert (status["step"], status["max_steps"], status["output"]) == (last, last, kind)
    assert (status.get("kept_step"), status["message"]) == (expected.get("kept_step"), expected["message"])
    # The result is the uninterrupted run's, file for file and byte for byte; nothing a kill left is in it.
    assert files(run.path / kind) == files(whole.path / kind)
    assert not (run.path / ".partial").exists()
    assert export.exported_copies(run) == [], "the merged model and zip of the result before are stale"
    folder = export.export_model(run) if kind == "model" else export.export_adapter(run)
    zipped = sorted(zipfile.ZipFile(export.zip_folder(folder)).namelist())
    assert zipped == sorted({*files(whole.path / kind), "README.md"})  # the export's model card (ftlib.model_card)


def test_a_run_that_died_where_early_stopping_ended_it_resumes_to_its_best_checkpoint(tiny_model_dir, monkeypatch):
    """Early stopping ended the run before max_steps; it died before the Trainer reloaded the best checkpoint (and
    removed the others). Its resume trains nothing more: it did, until early stopping ran out of patience again."""
    from transformers import Trainer

    workspace.save_split("chat", CHAT, HELD_OUT, {})
    settings = {"model": str(tiny_model_dir), "dataset": "chat", "max_steps": 30, "batch_size": 4} | COMMON
    settings |= {"eval_every": 2, "save_every": 2, "early_stopping_patience": 2, "learning_rate": 1e-2}
    whole = make_run("whole", settings, state="running")
    assert execute(whole.path) == "finished", whole.read_status()
    kept = whole.read_status()["kept_step"]
    stopped = max(m["step"] for m in whole.read_metrics())
    assert kept < stopped < 30  # stopped early, the best checkpoint an earlier one: the case at hand

    run = make_run("cut", settings, state="running")
    finalize = Trainer._finalize_training

    def dies(trainer, *args, **kwargs):
        trainer.callback_handler.on_train_end(trainer.args, trainer.state, trainer.control)  # the device lease goes
        raise RuntimeError("killed after the last step")  # as with the process of a run killed there

    monkeypatch.setattr(Trainer, "_finalize_training", dies)
    assert execute(run.path) == "failed"
    monkeypatch.setattr(Trainer, "_finalize_training", finalize)
    assert run.last_checkpoint().name == f"checkpoint-{stopped}" and ended_at(run.last_checkpoint())
    run.update_status(state="interrupted", resume=True)
    assert execute(run.path) == "finished", run.read_status()
    # Every step and evaluation as the uninterrupted run's; no summary of the Trainer's over the attempt that died
    # before it, nor over the one that trained nothing.
    assert metric_rows(run, ("train", "eval")) == metric_rows(whole, ("train", "eval"))
    assert metric_rows(run, ("summary",)) == []
    status, expected = run.read_status(), whole.read_status()
    assert (status["kept_step"], status["step"], status["message"]) == (kept, stopped, expected["message"])
    assert files(run.adapter_dir) == files(whole.adapter_dir)
    assert sorted(p.name for p in run.checkpoints.glob("checkpoint-*")) == [f"checkpoint-{kept}"]


def test_a_final_save_that_fails_keeps_the_result_there_before(tiny_model_dir, monkeypatch):
    """A result already in place (a run that died after writing it, before it was recorded as finished) stays whole
    when the save replacing it fails; the save after that replaces it."""
    workspace.save_split("rows", SFT_ROWS, [], {})
    run = make_run("again", {"model": str(tiny_model_dir)} | COMMON | CONSTANT | {"max_steps": 3}, state="running")
    assert execute(run.path) == "finished"
    before = files(run.adapter_dir)
    write_eos = stops.write_eos
    monkeypatch.setattr(stops, "write_eos", lambda *a, **k: (_ for _ in ()).throw(OSError(28, "No space left")))
    run.update_status(state="interrupted", resume=True)
    assert execute(run.path) == "failed"
    assert run.read_status()["message"].startswith(f"The disk is full while writing {run.adapter_dir} (No space")
    assert files(run.adapter_dir) == before and not (run.path / ".partial").exists()
    monkeypatch.setattr(stops, "write_eos", write_eos)
    run.update_status(state="interrupted", resume=True)
    (run.adapter_dir / "stale.txt").write_text("from before")
    assert execute(run.path) == "finished"
    assert files(run.adapter_dir) == before and not (run.path / ".partial").exists()


# ---------------------------------------------------------------------------------------------------------------
# Where a resume continues from: a checkpoint saved where training had ended
# ---------------------------------------------------------------------------------------------------------------


def early_stopping(counter: int, patience: int = 2) -> dict:
    """The callbacks' state HF Trainer saves with a checkpoint: early stopping's patience and its count so far."""
    saved = {"args": {"early_stopping_patience": patience}, "attributes": {"early_stopping_patience_counter": counter}}
    return {"stateful_callbacks": {"EarlyStoppingCallback": saved}}


# (id, trainer_state.json's content or None for no file, whether training had ended there)
ENDED_CASES = [
    ("the last step", {"global_step": 4, "max_steps": 4}, True),
    ("mid-run", {"global_step": 3, "max_steps": 4}, False),
    ("early stopping out of patience", {"global_step": 6, "max_steps": 30} | early_stopping(2), True),
    ("early stopping still waiting", {"global_step": 6, "max_steps": 30} | early_stopping(1), False),
    ("no max_steps", {"global_step": 4, "max_steps": 0}, False),
    ("no state file", None, False),
    ("a state cut short", '{"global_step": 4, "max_', False),
]


@pytest.mark.parametrize("state, ended", [c[1:] for c in ENDED_CASES], ids=[c[0] for c in ENDED_CASES])
def test_a_checkpoint_saved_where_training_had_ended_is_told_apart(tmp_path, state, ended):
    checkpoint = tmp_path / "checkpoint-4"
    checkpoint.mkdir()
    if state is not None:
        text = state if isinstance(state, str) else json.dumps(state)
        (checkpoint / "trainer_state.json").write_text(text)
    assert ended_at(checkpoint) is ended
    assert ended_at(None) is False


# ---------------------------------------------------------------------------------------------------------------
# Exports of a result folder without its weights, or of a run that did not finish
# ---------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def saved_adapter(tmp_path_factory, tiny_model_dir) -> Path:
    """A random LoRA adapter with the tokenizer, as a run saves it."""
    from ftlib.models import load_tokenizer
    from ftlib.testing import make_random_adapter

    adapter = make_random_adapter(str(tiny_model_dir), tmp_path_factory.mktemp("saved") / "adapter")
    load_tokenizer(str(tiny_model_dir)).save_pretrained(str(adapter))
    return adapter


def one_error_line(capsys, argv: list[str]) -> str:
    from tests.test_export import one_error_line

    return one_error_line(capsys, argv)


def test_an_adapter_without_its_weights_is_refused_in_one_line(saved_adapter, tiny_model_dir, tmp_path, capsys):
    """The tester's LoRA run killed before its weights were written: export made a zip of the rest."""
    runs_dir = tmp_path / "workspace" / "runs"
    run = make_run("r-noweights", {"dataset": "d", "model": str(tiny_model_dir)}, adapter=saved_adapter, root=runs_dir)
    (run.adapter_dir / "adapter_model.safetensors").unlink()
    said = one_error_line(capsys, ["runs", "export", "r-noweights", "--zip"])
    assert said == (
        "error: The adapter of run 'r-noweights' is incomplete: adapter_model.safetensors is missing (in "
        f"{run.adapter_dir}). It cannot be exported or loaded. Restore the folder from a copy, or train the run again."
    )
    assert not run.exports_dir.exists()


def test_a_model_without_its_weights_is_refused_and_a_sharded_one_needs_every_shard(tiny_model_dir, tmp_path, capsys):
    """The tester's full fine-tune killed while safetensors wrote its weights: `model/` held config.json and a
    538 MB `.tmpXXXX`, and `runs export --zip` exited 0 with a zip without weights."""
    import torch
    from safetensors.torch import save_file

    runs_dir = tmp_path / "workspace" / "runs"
    config = {"dataset": "d", "model": str(tiny_model_dir), "method": "full"}
    run = make_run("r-full", config, root=runs_dir, step=3, output="model")
    run.model_dir.mkdir()
    (run.model_dir / "config.json").write_text((tiny_model_dir / "config.json").read_text())
    (run.model_dir / ".tmpc3OLST").write_bytes(b"\0" * 1000)
    said = one_error_line(capsys, ["runs", "export", "r-full", "--zip"])
    assert said.startswith("error: The model of run 'r-full' is incomplete: model.safetensors is missing (in ")
    assert not run.exports_dir.exists()

    # Sharded weights: the index and every shard it lists.
    for shard in ("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"):
        save_file({"w": torch.zeros(2)}, str(run.model_dir / shard))
    index = {"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}
    (run.model_dir / "model.safetensors.index.json").write_text(json.dumps(index))
    assert export.export_model(run) == run.model_dir
    (run.model_dir / "model-00002-of-00002.safetensors").unlink()
    with pytest.raises(export.ExportError, match="is incomplete: model-00002-of-00002.safetensors is missing"):
        export.export_model(run)


@pytest.mark.parametrize("state, checkpoint", [("interrupted", True), ("failed", False)])
def test_a_run_that_did_not_finish_is_not_exported_from_a_result_folder_left_there(
    saved_adapter, tiny_model_dir, tmp_path, capsys, state, checkpoint
):
    """Whole or not, a result folder of a run that did not finish is not its result (a save cut short; or the run
    died after writing it, before recording the end): it is said so, with the way on, and nothing is offered."""
    runs_dir = tmp_path / "workspace" / "runs"
    config = {"dataset": "d", "model": str(tiny_model_dir), "max_steps": 4}
    run = make_run("r-cut", config, state=state, adapter=saved_adapter, root=runs_dir, step=4)
    if checkpoint:
        (run.checkpoints / "checkpoint-4").mkdir(parents=True)
        (run.checkpoints / "checkpoint-4" / "trainer_state.json").write_text("{}")
    said = one_error_line(capsys, ["runs", "export", "r-cut", "--merged"])
    now = "it failed" if state == "failed" else f"it is {state}"
    assert said.startswith(
        f"error: Run 'r-cut' did not finish: {now} at step 4/4, so its adapter/ folder is not its result ("
    )
    assert "Resume it to finish (Resume on the Train page, or `python -m ftlib runs resume r-cut`)" in said
    assert ("its last checkpoint holds the adapter as it was at checkpoint-4" in said) is checkpoint
    assert downloads.downloads(run) == [] and not run.merged_dir.exists()


def test_a_run_whose_status_does_not_read_is_not_exported_in_plain_words(saved_adapter, tmp_path, capsys):
    """A cold review read "it is no readable status at step 3/3": the state's label pasted where a state goes."""
    run = make_run("r-lost", {"dataset": "d"}, adapter=saved_adapter, root=tmp_path / "workspace" / "runs")
    run.status_file.write_text("[]")
    said = one_error_line(capsys, ["runs", "export", "r-lost"])
    # The words `sample` and `evaluate` give for the same run (run_result.check_run_status): not "did not finish".
    assert said.startswith(
        f"error: Run 'r-lost' cannot be used: its status file {run.status_file} holds a JSON list, not an object, so "
        "whether it finished, and so whether its adapter/ folder is its result, is not known."
    ), said
    assert "`python -m ftlib runs resume r-lost`" in said and "`python -m ftlib runs delete r-lost`" in said
    # Unlike a folder from outside the workspace, a run's missing status.json is refused too.
    run.status_file.unlink()
    said = one_error_line(capsys, ["runs", "export", "r-lost"])
    assert said.startswith(f"error: Run 'r-lost' cannot be used: its status file {run.status_file} is missing"), said
    assert downloads.downloads(run) == []


def test_a_partial_result_is_nowhere_a_tuned_model_is_looked_for(saved_adapter, tmp_path):
    """Compare, Evaluate and `sample --adapter RUN` look for `<run>/*/adapter_config.json`: the result being written
    (`.partial/adapter`) is one level further down."""
    import shutil

    from ftlib.modelset import find_tuned
    from ftlib.sampling import SamplingError

    run = make_run("r-saving", {"dataset": "d"}, state="running", root=tmp_path / "runs")
    shutil.copytree(saved_adapter, run.path / ".partial" / "adapter")
    with pytest.raises(SamplingError, match="has no adapter yet: it is running"):
        find_tuned(run.path)
    run.status_file.unlink()  # no status to tell: the folders alone, and the partial one is not among them
    with pytest.raises(SamplingError, match="No adapter in"):
        find_tuned(run.path)
