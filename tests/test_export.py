"""Exports of a run deleted after the page offering them was drawn (walk 8B #11): the reason is the deletion, not
"it has no adapter yet: it is None"."""

from __future__ import annotations

import shutil

import pytest

from ftlib import export
from ftlib.testing import make_run


@pytest.mark.parametrize("what", ["export_adapter", "export_merged", "export_model"])
def test_exporting_a_run_deleted_elsewhere_says_it_was_deleted(tmp_path, what):
    adapter = tmp_path / "made" / "adapter"
    adapter.mkdir(parents=True)
    (adapter / "adapter_config.json").write_text("{}")
    run = make_run("20261130-173905-lora-ana-caps", {"dataset": "d"}, adapter=adapter, root=tmp_path / "runs")
    downloads = export.downloads(run)  # what the page offered
    assert [d.kind for d in downloads] == ["adapter", "merged"]
    shutil.rmtree(run.path)  # `runs delete` from the command line, or a teammate's page
    with pytest.raises(export.ExportError) as raised:
        getattr(export, what)(run)
    assert str(raised.value) == (
        "Run '20261130-173905-lora-ana-caps' was deleted, perhaps from another tab or the command line: nothing of "
        "it is left to download."
    )


@pytest.mark.parametrize("state, with_checkpoint", [("interrupted", True), ("failed", True), ("interrupted", False)])
def test_an_unfinished_run_says_how_to_get_its_adapter(tmp_path, state, with_checkpoint):
    """A cold review: exporting an interrupted run said only "has no adapter yet: it is interrupted", with a
    checkpoint on disk holding the adapter so far and no way on suggested."""
    run = make_run("r-unfinished", {"dataset": "d"}, state=state, root=tmp_path / "runs", step=6)
    if with_checkpoint:
        checkpoint = run.checkpoints / "checkpoint-6"
        checkpoint.mkdir(parents=True)
        (checkpoint / "trainer_state.json").write_text("{}")
        (checkpoint / "adapter_config.json").write_text("{}")
    with pytest.raises(export.ExportError) as raised:
        export.export_adapter(run)
    said = str(raised.value)
    assert said.startswith(f"Run 'r-unfinished' has no adapter yet: it is {state} at step 6.")
    if with_checkpoint:
        assert "`python -m ftlib runs resume r-unfinished`" in said and str(checkpoint) in said
        assert said.endswith("(loadable with PeftModel.from_pretrained).")
    else:
        assert "checkpoint" not in said
    running = make_run("r-running", {"dataset": "d"}, state="running", root=tmp_path / "runs", step=2)
    with pytest.raises(export.ExportError, match="it is running at step 2. The adapter is written when it finishes"):
        export.export_adapter(running)
