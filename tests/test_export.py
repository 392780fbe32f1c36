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
