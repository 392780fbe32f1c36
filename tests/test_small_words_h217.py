"""Small words a review found false (helper 217): each case fails on the words before its fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib.testing import make_run

ROOT = Path(__file__).resolve().parents[1]
STEPS = [{"kind": "train", "step": s, "loss": 2.0 - 0.1 * s} for s in (1, 2, 3)]


def _compare_with_own_run(model: Path, run_model: str) -> list[str]:
    """The Compare page's captions, the sidebar on `model`, for a session whose own run (trained on `run_model`) is at
    step 3 of 10."""
    from ui.run_choice import OWN_KEY

    config = {"model": run_model, "dataset": "chat_style", "max_steps": 10, "name": "ana pirate run"}
    make_run("r-ana", config, state="running", step=3, max_steps=10, metrics=STEPS)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(model)
    at.session_state[OWN_KEY] = "r-ana"  # started (or picked) on Train in this session
    at.run()
    at = at.switch_page("pages/5_Compare.py").run()
    assert not at.exception, at.exception
    return [c.value for c in at.caption]


@pytest.mark.parametrize("other_base", [True, False], ids=["another-base", "the-sidebars-base"])
def test_compare_says_a_run_on_another_base_is_offered_with_that_base_chosen(tiny_model_dir, other_base):
    """Compare lists only the sidebar's model's runs: 'it is offered here once it finishes' was false of a run trained
    on another base model, which is offered only once that model is chosen in the sidebar."""
    run_model = "HuggingFaceTB/SmolLM2-360M-Instruct" if other_base else str(tiny_model_dir)
    said = [c for c in _compare_with_own_run(tiny_model_dir, run_model) if "ana pirate run" in c]
    assert len(said) == 1, said
    assert "still training (step 3 of 10): it is offered here once it finishes" in said[0]
    if other_base:
        assert said[0].endswith("once it finishes, with SmolLM2-360M-Instruct chosen in the sidebar."), said
    else:
        assert said[0].endswith("once it finishes."), said


def test_the_nproc_warning_and_the_time_estimate_say_one_range_in_plain_words():
    """`train --nproc 2` on a CPU: the warning said 0.9-1.13x and the time estimate under it 0.91-1.13x, 'two CPUs'.
    One range, each end as BENCHMARKS.md measured it (LoRA SFT, 2 processes against 1: 0.91x on the AMD cores, the
    method table after "Data parallel on 2 cores"; 1.13x at most on the AMX Xeon, "A fifth kind of CPU")."""
    import re

    from ftlib.config import RunConfig
    from ftlib.distributed import cpu_process_warnings
    from ftlib.run_time import processes_words

    warning = cpu_process_warnings(RunConfig(nproc=2), gpus=0)[0]
    estimate = processes_words(RunConfig(nproc=2), 1, "cpu")
    ranges = [re.findall(r"\d\.\d+-\d\.\d+x", said) for said in (warning, estimate)]
    assert ranges == [["0.91-1.13x"], ["0.91-1.13x"]], ranges
    assert "two kinds of CPU" in estimate and "two CPUs" not in estimate, estimate
    benchmarks = (ROOT / "BENCHMARKS.md").read_text()
    assert re.search(r"\| LoRA SFT \| [^\n]* \| 0\.91x \|", benchmarks) and "1.10-1.13x" in benchmarks


def _reward_numbers():
    import streamlit as st

    from ui.run_view import live_numbers

    live_numbers(st.session_state["metrics"], st.session_state["method"])


@pytest.mark.parametrize("method", ["grpo", None], ids=["grpo", "another-method-logging-a-reward"])
@pytest.mark.parametrize("spread", [0.319, None], ids=["with-spread", "no-spread"])
def test_the_rewards_help_says_its_spread_is_under_it_only_where_it_is(method, spread):
    """The Reward number's help said '(their spread is under the number)' for a step logged without a spread, where
    nothing is under it."""
    step = {"kind": "train", "step": 1, "loss": 0.0, "reward": 0.087} | ({"reward_std": spread} if spread else {})
    at = AppTest.from_function(_reward_numbers, default_timeout=60)
    at.session_state["metrics"], at.session_state["method"] = [step], method
    at.run()
    assert not at.exception, at.exception
    [reward] = [m for m in at.metric if m.label == "Reward"]
    under = [c.value for c in at.caption if c.value.startswith("± ")]
    assert reward.value == "0.087" and len(under) == (1 if spread else 0), under
    assert reward.proto.help.startswith("The mean total reward of this step's answers"), reward.proto.help
    assert ("under the number" in reward.proto.help) == bool(spread), reward.proto.help
