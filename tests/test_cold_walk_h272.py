"""Helper 272's cold walk (Chromium at 1280 px, four files in published shapes): what it found and fixed.

A KTO split of 20 good and 10 bad answers: the Train page warned "Set **Weight of bad answers** between 1.5 and 2."
and the form showed no such box: it sits in the closed **More settings** expander, above the warning. The warning
now says where the box is.
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from ftlib import workspace

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def train_page(model_dir) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(model_dir)
    return at.run().switch_page("pages/4_Train.py").run()


def test_a_warning_naming_a_folded_setting_says_it_is_under_more_settings(tiny_model_dir):
    rows = [
        {"prompt": f"Tell me about city {i}.", "completion": f"City {i} is old.", "label": i % 3 != 0}
        for i in range(30)
    ]
    workspace.save_split("kto-h272", rows[:24], rows[24:], {"format": "unpaired_preference"})
    at = train_page(tiny_model_dir)
    at.radio(key="train_method").set_value("kto").run()
    assert not at.exception, at.exception
    (said,) = [w.value for w in at.warning if "KTO would weigh" in w.value]
    assert "Set **Weight of bad answers** between" in said, said
    # The box the advice names, and where it is: in the closed expander, under its group's title.
    assert said.endswith(
        "**Weight of good answers** and **Weight of bad answers** are under **More settings** above "
        "(*Preference and reinforcement learning*)."
    ), said
    expander = next(e for e in at.expander if e.label == "More settings")
    assert "train_undesirable_weight" in [n.key for n in expander.number_input]
