"""A long export tells how far it has got (ftlib.export_progress): a merged model's download showed a button spinner
alone for ~24 s on the default model (minutes on a larger base). The engine tells an optional `progress` each stage
it does, in order, each from 0.0 to 1.0 (a zip's by its bytes between); a second click, built already, tells nothing
and builds nothing; `runs export` writes one stderr line a stage, its stdout (the paths) as before."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ftlib import export
from ftlib.export_progress import LOADING, MERGING, SAVING, STAGES, WRITING_GGUF, ZIPPING, StageLog, stage_lines
from ftlib.testing import make_run


@pytest.fixture(scope="module")
def adapter_of_tiny(tiny_model_dir, tmp_path_factory) -> Path:
    """A random LoRA adapter of the tiny model, saved with its tokenizer as a run saves it."""
    from ftlib.models import load_tokenizer
    from ftlib.testing import make_random_adapter

    adapter = make_random_adapter(str(tiny_model_dir), tmp_path_factory.mktemp("progress") / "adapter", seed=7)
    load_tokenizer(str(tiny_model_dir)).save_pretrained(str(adapter))
    return adapter


@pytest.fixture
def lora_run(tiny_model_dir, adapter_of_tiny, tmp_path):
    config = {"dataset": "d", "model": str(tiny_model_dir)}
    return make_run("r-told", config, adapter=adapter_of_tiny, root=tmp_path / "runs", step=3)


def told_in_stages(told: list[tuple[str, float]]) -> dict[str, list[float]]:
    """Each stage's fractions in the order told, checked to come one stage after another (never back to one)."""
    stages: dict[str, list[float]] = {}
    for name, fraction in told:
        assert name in STAGES, name
        assert name not in stages or list(stages)[-1] == name, f"{name} told again after another stage: {told}"
        stages.setdefault(name, []).append(fraction)
    return stages


def test_a_merged_download_tells_its_stages_in_order_each_rising_to_one_and_a_second_click_tells_nothing(lora_run):
    told: list[tuple[str, float]] = []

    def progress(name: str, fraction: float) -> None:
        told.append((name, fraction))

    archive = export.zip_folder(export.export_merged(lora_run, progress=progress), progress=progress)
    stages = told_in_stages(told)
    assert list(stages) == [LOADING, MERGING, SAVING, ZIPPING]
    for name, fractions in stages.items():
        assert fractions[0] == 0.0 and fractions[-1] == 1.0, (name, fractions)
        assert fractions == sorted(fractions), (name, fractions)  # never backwards
    # The zip's fraction is its bytes written: the tiny model's 3.4 MB tokenizer.json alone is several MiB steps.
    assert len({f for f in stages[ZIPPING] if 0.0 < f < 1.0}) >= 3, stages[ZIPPING]
    stamp = archive.stat().st_mtime_ns, (lora_run.merged_dir / "model.safetensors").stat().st_mtime_ns
    told.clear()
    again = export.zip_folder(export.export_merged(lora_run, progress=progress), progress=progress)
    assert (again, told) == (archive, [])  # built before: nothing to tell, nothing built again
    assert (archive.stat().st_mtime_ns, (lora_run.merged_dir / "model.safetensors").stat().st_mtime_ns) == stamp


def test_an_adapters_download_tells_the_zip_alone(lora_run):
    log = StageLog()
    export.zip_folder(export.export_adapter(lora_run), progress=log)
    assert [(name, fraction) for name, fraction, _ in log.stages()] == [(ZIPPING, 1.0)]


def test_a_gguf_download_tells_the_merged_models_stages_then_its_own(lora_run, monkeypatch):
    """The GGUF writer itself is tested in test_gguf_export (the default model); here what is told around it."""
    told: list[tuple[str, float]] = []
    monkeypatch.setattr(export, "gguf_refusal", lambda run: None)

    def written(folder, path, *args):  # the GGUF writer, told as its own stage
        told.append(("(written)", 1.0))
        path.write_bytes(b"GGUF")

    monkeypatch.setattr("ftlib.gguf_export.write_gguf", written)
    export.export_gguf(lora_run, "q8_0", progress=lambda name, fraction: told.append((name, fraction)))
    assert told[-3:] == [(WRITING_GGUF, 0.0), ("(written)", 1.0), (WRITING_GGUF, 1.0)]
    assert list(told_in_stages(told[:-3])) == [LOADING, MERGING, SAVING]


def test_a_stage_that_fails_is_not_told_as_ended_and_leaves_no_zip(lora_run):
    told = []

    def progress(name: str, fraction: float) -> None:
        told.append((name, fraction))
        if 0.0 < fraction < 1.0:
            raise OSError(28, "No space left on device")  # the disk filled midway through the zip

    with pytest.raises(OSError):
        export.zip_folder(export.export_adapter(lora_run), progress=progress)
    assert told == [(ZIPPING, 0.0), told[1]] and 0.0 < told[1][1] < 1.0
    assert not any(lora_run.exports_dir.glob("*.zip"))  # no half zip either


def test_stage_log_keeps_each_stage_once_never_backwards_with_its_seconds():
    log = StageLog()
    log(LOADING, 0.0)
    assert log.stages()[0][:2] == (LOADING, 0.0)
    log(LOADING, 1.0)
    log(ZIPPING, 0.0)
    log(ZIPPING, 0.6)
    log(ZIPPING, 0.4)  # told out of order (never by the engine): the bar does not move back
    log(ZIPPING, 1.7)  # nor past its end
    stages = log.stages()
    assert [(name, fraction) for name, fraction, _ in stages] == [(LOADING, 1.0), (ZIPPING, 1.0)]
    assert all(seconds >= 0.0 for _, _, seconds in stages)


def test_stage_lines_write_one_line_as_each_stage_starts():
    stream = io.StringIO()
    told = stage_lines(stream)
    for name, fraction in [(LOADING, 0.0), (LOADING, 1.0), (ZIPPING, 0.0), (ZIPPING, 0.5), (ZIPPING, 1.0)]:
        told(name, fraction)
    assert stream.getvalue() == "Loading the base model…\nCompressing into the zip…\n"


def test_runs_export_merged_says_each_stage_on_stderr_and_prints_the_paths_alone(lora_run, monkeypatch, capsys):
    from ftlib.cli import main

    monkeypatch.setenv("FTLIB_WORKSPACE", str(lora_run.path.parent.parent))
    assert main(["runs", "export", "r-told", "--merged", "--zip"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [str(lora_run.merged_dir), str(lora_run.exports_dir / "r-told-merged.zip")]
    said = [line for line in captured.err.splitlines() if line.endswith("…")]
    assert said == [f"{name}…" for name in (LOADING, MERGING, SAVING, ZIPPING)], captured.err
    out = lora_run.path.parent.parent / "copy"
    assert main(["runs", "export", "r-told", "--merged", "--out", str(out), "--zip"]) == 0  # built: the copy's zip
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [str(out), f"{out}.zip"]
    assert [line for line in captured.err.splitlines() if line.endswith("…")] == [f"{ZIPPING}…"], captured.err
