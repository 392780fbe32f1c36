"""Helper 211 read README cold for this session's features: its Data and Train rows named none of the Data preview's
cut of long texts and its *Show raw JSON* toggle, the 'item N' of a .jsonl file holding one pretty-printed wrapper,
the Train page's *Rename…*, or the warning of DPO/KTO with LoRA past one epoch. Each row now names them, in
the words the page and the engine use (each checked against its source, so README cannot name one that is gone)."""

from pathlib import Path

from ftlib.config import RunConfig
from ftlib.config_checks import alignment_rate_warnings
from ui.data_view import PREVIEW_CHARS, PREVIEW_LINES

ROOT = Path(__file__).parents[1]


def _row(page: str) -> str:
    """README's table row of `page` ('| Data | ...')."""
    return next(line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith(f"| {page} |"))


def test_readme_data_row_names_the_preview_cut_the_raw_json_toggle_and_item_n():
    row = _row("Data")
    assert "Show raw JSON" in row and 'toggle("Show raw JSON' in (ROOT / "pages/1_Data.py").read_text()
    assert f"{PREVIEW_CHARS:,} characters or {PREVIEW_LINES} lines" in row
    assert "'item N'" in row and "pretty-printed" in row


def test_readme_train_row_names_rename_and_the_alignment_rate_warning():
    row = _row("Train")
    assert "*Rename…*" in row and '"Rename…"' in (ROOT / "ui/run_rename_view.py").read_text()
    assert "`runs rename`" in row
    assert "DPO or KTO with LoRA at their default learning rate past one epoch" in row
    assert alignment_rate_warnings(RunConfig(method="kto"), 2.0), "the warning README names is said"
