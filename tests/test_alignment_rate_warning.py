"""DPO and KTO with LoRA at their default learning rate past one epoch are warned before the run (helper 205).

BENCHMARKS.md, "The DPO and KTO LoRA learning rate": at 1e-3 a second epoch broke answers the first had right while
the held-out reward accuracy still rose (nothing on the page showed it); two epochs at 2e-4 stayed fluent, and one
epoch at 1e-3 was the best of the rates measured. So the warning is for 1e-3 and above past one epoch only: not the
default one epoch, not 2e-4, not SFT or full fine-tuning (not measured). The Train page and `train` both read
`run_preflight.preflight`'s warnings, which is where it is checked end to end.
"""

from __future__ import annotations

import pytest

from ftlib.config import RunConfig
from ftlib.config_checks import alignment_rate_warnings

WARNED = "at learning rate"  # the sentence's start after the method: "DPO with LoRA at learning rate 0.001 for ..."

# (id, settings, passes, expected start of the warning or None)
CASES = [
    ("dpo-default-one-epoch", {"method": "dpo"}, 1.0, None),
    (
        "dpo-default-two-epochs",
        {"method": "dpo", "epochs": 2},
        2.0,
        "DPO with LoRA at learning rate 0.001 for 2 epochs",
    ),
    ("dpo-qlora-two-epochs", {"method": "dpo", "tuning": "qlora"}, 2.0, "DPO with QLoRA at learning rate 0.001"),
    ("kto-default-1.5-epochs", {"method": "kto"}, 1.5, "KTO with LoRA at learning rate 0.001 for 1.5 epochs"),
    ("dpo-higher-rate", {"method": "dpo", "learning_rate": 3e-3}, 3.0, "DPO with LoRA at learning rate 0.003"),
    ("dpo-2e-4-two-epochs", {"method": "dpo", "learning_rate": 2e-4}, 2.0, None),
    ("kto-5e-4-two-epochs", {"method": "kto", "learning_rate": 5e-4}, 2.0, None),  # not measured: not said
    ("dpo-full-two-epochs", {"method": "dpo", "tuning": "full", "learning_rate": 1e-3}, 2.0, None),
    ("sft-lora-two-epochs", {"method": "lora", "learning_rate": 1e-3}, 2.0, None),
    ("reward-two-epochs", {"method": "reward", "learning_rate": 1e-3}, 2.0, None),
]


@pytest.mark.parametrize(("settings", "passes", "said"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_warning_names_the_rate_the_epochs_and_the_fix(settings, passes, said):
    config = RunConfig(model="m", dataset="x", **settings)
    found = alignment_rate_warnings(config, passes)
    if said is None:
        assert found == []
        return
    (warning,) = found
    assert warning.startswith(said), warning
    # what was measured, why the charts miss it, and both fixes with their numbers
    assert "held-out reward accuracy still rose" in warning and "BENCHMARKS.md" in warning
    assert "Train 1 epoch, or lower the learning rate to 0.0002" in warning


def test_max_steps_past_one_epoch_are_said_as_steps_with_the_steps_of_one_epoch():
    config = RunConfig(model="m", dataset="x", method="kto", max_steps=30)
    (warning,) = alignment_rate_warnings(config, 3.0)  # 10 steps a pass
    assert warning.startswith("KTO with LoRA at learning rate 0.001 for 30 max steps (3 epochs):"), warning
    assert "Train at most 10 max steps (1 epoch), or lower the learning rate to 0.0002" in warning
    assert "garbled answers" in warning  # KTO's own measured harm, not DPO's


PAIRS = [
    {
        "prompt": [{"role": "user", "content": f"Which planet is number {i} from the sun?"}],
        "chosen": [{"role": "assistant", "content": f"Planet {i} is {name}."}],
        "rejected": [{"role": "assistant", "content": "Look it up yourself."}],
    }
    for i, name in enumerate(["Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn"], start=1)
]


@pytest.mark.parametrize(
    ("settings", "warned"),
    [
        ({"epochs": 2}, True),
        ({"epochs": 1}, False),
        ({"epochs": 2, "learning_rate": 2e-4}, False),
        ({"max_steps": 9}, True),  # 6 pairs, batch 2: 3 steps a pass, so 9 steps are 3 epochs
        ({"max_steps": 3}, False),
    ],
)
@pytest.mark.parametrize("method", ["dpo", "kto"])
def test_the_train_page_and_the_cli_preflight_say_it(tiny_model_dir, smol_tokenizer, method, settings, warned):
    from ftlib.run_preflight import preflight

    config = RunConfig(model=str(tiny_model_dir), method=method, batch_size=2, max_length=128, **settings)
    report = preflight(config, tokenizer=smol_tokenizer, rows=(PAIRS, []))
    assert report.ok, report.errors
    found = [w for w in report.warnings if WARNED in w and "held-out reward accuracy" in w]
    assert len(found) == int(warned), report.warnings


def test_the_train_page_says_it_beside_the_start_button(tiny_model_dir):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from ftlib import workspace

    workspace.save_split("planets", PAIRS[:5], PAIRS[5:])
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(tiny_model_dir)
    at = at.run().switch_page("pages/4_Train.py").run()
    at.radio(key="train_method").set_value("dpo").run()
    assert not at.exception, at.exception
    assert not [w for w in at.warning if "held-out reward accuracy still rose" in w.value]  # one epoch: nothing
    at.number_input(key="train_epochs").set_value(2.0).run()
    said = [w.value for w in at.warning if "held-out reward accuracy still rose" in w.value]
    assert len(said) == 1 and said[0].startswith("DPO with LoRA at learning rate 0.001 for 2 epochs:"), said
    assert any(b.key == "train_start" for b in at.button)  # a warning, not a refusal
