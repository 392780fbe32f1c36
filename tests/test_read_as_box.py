"""The Data page's format box and the detected format (helper 57's cold walk): a select box labelled "Format" sat
directly above a metric labelled "Format", the one saying "detect automatically", the other "instruction and
answer". The box is "Read the file as", with help naming the metric below and the CLI's --format."""

from __future__ import annotations

from tests.test_pages_data import QA_CSV, data_page, upload


def test_the_format_box_and_the_detected_format_have_different_names():
    at = data_page()
    at.radio(key="data_source").set_value("Upload").run()
    upload(at, "qa.csv", QA_CSV)
    box = at.selectbox(key="data_format")
    assert box.label == "Read the file as" and box.value == "auto"
    assert "**Format** shown below" in box.help and "--format" in box.help
    assert "Format" not in [s.label for s in at.selectbox]  # one "Format" on the page: the detected one
    assert {m.label: m.value for m in at.metric}["Format"] == "instruction and answer"


def test_messages_name_the_box_by_its_label():
    """The engine's messages send people to the box by name ("'Read the file as' on the Data page"): after the box
    was renamed from "Format", seven messages still said "Format on the Data page", a box the page no longer has."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    stale = re.compile(
        r"Format on the Data page|set Format to|choose Format|pick another Format|the Format that"
        r"|Format \{format_label"
    )
    said = [
        f"{path.relative_to(root)}: {line.strip()}"
        for folder in ("ftlib", "pages", "ui")
        for path in sorted((root / folder).rglob("*.py"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if stale.search(line)
    ]
    assert said == []
