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
