"""The run the Train form starts from, as the pages say it (leftovers 1-3, and 5 on the pages): the caption and the
boxes follow the runs on disk (a run deleted on the page or with the CLI); Tokens and Batches say a value came from
that run, not from the Train page; a run whose method the split cannot train is not said to be taken whole; runs
whose status.json holds values of the wrong kind draw on every page, named."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import workspace
from ftlib.cli import main
from ftlib.config import RunConfig
from ftlib.testing import make_run
from tests.test_leftovers_ui_last_run import CHATS  # the same twelve conversations

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAIRS = [
    {
        "prompt": [{"role": "user", "content": f"Facts about {i}?"}],
        "chosen": [{"role": "assistant", "content": f"- {i}\n- {i + 1}"}],
        "rejected": [{"role": "assistant", "content": f"Well, {i} maybe."}],
    }
    for i in range(8)
]
DEFAULTS = RunConfig(dataset="x")


def session(model_dir, path: str = "pages/4_Train.py", **state) -> AppTest:
    """A new browser session on `path`, with the split `numbers` chosen."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(model_dir)
    at.session_state["active_split"] = "numbers"
    for key, value in state.items():
        at.session_state[key] = value
    at.run().switch_page(path).run()
    assert not at.exception, at.exception
    return at


def said(at: AppTest) -> list[str]:
    return [c.value for c in at.caption if c.value.startswith("Settings start from")]


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


@pytest.fixture
def two_runs():
    """Two finished runs of different settings, the newer one queued last."""
    workspace.save_split("numbers", CHATS[:10], CHATS[10:])
    make_run("r-old", {"name": "older", "max_steps": 3, "max_length": 256}, created=100.0)
    make_run("r-new", {"name": "newer", "max_steps": 7, "max_length": 512, "batch_size": 4}, created=200.0)
    assert (DEFAULTS.max_steps, DEFAULTS.max_length, DEFAULTS.batch_size) != (3, 256, 4)  # sentinels


def test_a_run_deleted_on_the_page_is_no_longer_named_and_the_untouched_boxes_start_from_the_one_before(
    tiny_model_dir, two_runs
):
    """Leftover 1: the caption kept naming a run deleted during the session, and the form kept its settings as the
    last run's. It follows the runs on disk, as a new session would; a box set in this session keeps its value."""
    at = session(tiny_model_dir, train_selected="r-new")
    assert len(said(at)) == 1 and "newer · lora" in said(at)[0], said(at)
    assert at.number_input(key="train_max_steps").value == 7
    at.number_input(key="train_eval_every").set_value(3).run()  # set in this session: stays
    at.button(key="delete_ask_r-new").click().run()
    at.button(key="delete_r-new").click().run()
    assert not at.exception, at.exception
    assert any("Deleted run `r-new`" in s.value for s in at.success)
    assert len(said(at)) == 1 and "older · lora" in said(at)[0] and "newer" not in said(at)[0], said(at)
    assert at.number_input(key="train_max_steps").value == 3
    assert at.number_input(key="train_max_length").value == 256
    assert at.number_input(key="train_batch_size").value == DEFAULTS.batch_size  # the older run's own
    assert at.number_input(key="train_eval_every").value == 3
    # Each box that follows is set through session state, which the browser is told: their keys merely dropped,
    # Chromium kept showing the deleted run's 7 over "This run takes 3 optimizer steps" (helper 257).
    assert all(at.number_input(key=f"train_{k}").proto.set_value for k in ("max_steps", "max_length", "batch_size"))
    at.switch_page("pages/2_Tokens.py").run()  # the shared max length follows too
    assert at.number_input(key="tok_max_length").value == 256


def test_a_run_deleted_with_the_cli_is_no_longer_named_and_with_no_run_left_the_form_says_nothing(
    tiny_model_dir, two_runs
):
    at = session(tiny_model_dir)
    assert "newer · lora" in said(at)[0]
    assert main(["runs", "delete", "r-new", "--yes"]) == 0
    at.run()
    assert not at.exception, at.exception
    assert len(said(at)) == 1 and "older · lora" in said(at)[0], said(at)
    assert at.number_input(key="train_max_steps").value == 3
    assert at.number_input(key="train_max_steps").proto.set_value  # the browser shows it too
    assert main(["runs", "delete", "r-old", "--yes"]) == 0
    at.run()
    assert not at.exception, at.exception
    assert said(at) == []
    assert at.number_input(key="train_max_steps").value == DEFAULTS.max_steps
    assert at.number_input(key="train_max_length").value == DEFAULTS.max_length
    assert all(at.number_input(key=f"train_{k}").proto.set_value for k in ("max_steps", "max_length"))


def test_tokens_and_batches_say_a_value_came_from_the_last_run_not_from_the_train_page(tiny_model_dir, two_runs):
    """Leftover 2: a max length read from the last run's config.json (a CLI run) was said to be "as set on the Train
    page", where nobody had set it."""
    at = session(tiny_model_dir, "pages/2_Tokens.py")
    assert at.number_input(key="tok_max_length").value == 512
    texts = captions(at)
    assert not [c for c in texts if "as set on the Train page" in c], texts
    came = [c for c in texts if c.startswith("Max length (tokens) 512, from the last run started (newer · lora")]
    assert came and came[0].endswith("), which the Train page starts from."), texts
    at.switch_page("pages/3_Batches.py").run()
    assert not at.exception, at.exception
    texts = captions(at)
    assert any(c.startswith("Batch size 4, from the last run started (newer · lora") for c in texts), texts
    assert not [c for c in texts if "as set on the Train page" in c], texts
    at.switch_page("pages/4_Train.py").run()
    assert not [c for c in captions(at) if "from the last run started (" in c]  # the note above the form says it
    at.number_input(key="train_max_length").set_value(128).run()  # now set on the Train page
    at.switch_page("pages/2_Tokens.py").run()
    assert "Max length (tokens) 128, as set on the Train page." in captions(at)


def test_a_newest_run_of_a_method_this_split_cannot_train_is_not_said_to_be_taken_whole(tiny_model_dir):
    """Leftover 3: the newest run a reward model, the split conversations: the form showed LoRA under "Settings start
    from the last run started in this workspace, rm · reward (lora) · ... (every setting but its name)"."""
    workspace.save_split("numbers", CHATS[:10], CHATS[10:])
    make_run("r-rm", {"name": "rm", "method": "reward", "max_steps": 9, "learning_rate": 3e-5}, created=100.0)
    at = session(tiny_model_dir)
    assert at.radio(key="train_method").value == "lora"
    assert at.number_input(key="train_max_steps").value == 9  # taken
    lora_rate = at.number_input(key="train_learning_rate_lora_lora").value
    assert lora_rate == pytest.approx(DEFAULTS.learning_rate) and lora_rate != pytest.approx(3e-5)  # not taken
    assert len(said(at)) == 1, said(at)
    note = said(at)[0]
    assert "rm · reward (lora)" in note and "(every setting but its name)" not in note, note
    assert "every setting but its name, its method, its learning rate and those only Reward model uses" in note
    assert "Reward model needs preference pairs, which this split does not hold" in note, note

    workspace.save_split("pairs", PAIRS[:6], PAIRS[6:])
    at.session_state["active_split"] = "pairs"  # a split it can train: the run's method and learning rate come back
    at.run()
    assert not at.exception, at.exception
    assert at.radio(key="train_method").value == "reward"
    assert at.number_input(key="train_learning_rate_reward_lora").value == pytest.approx(3e-5)
    assert said(at)[0].endswith(" (every setting but its name)."), said(at)


# Runs whose status.json holds a value of the wrong kind, each of which stopped a page or a command.
WRONG = {"parts_s": "x", "created": math.nan, "log_tail": 5, "estimated_memory": [[1]], "started": "soon"}


def test_train_compare_and_evaluate_draw_beside_runs_with_values_of_the_wrong_kind(tiny_model_dir):
    """Leftover 5, on the pages: each draws, and the Train page names the file and the field of the run picked."""
    workspace.save_split("numbers", CHATS[:10], CHATS[10:])
    steps = [{"kind": "train", "step": s, "loss": 2.0 / s, "elapsed": float(s), "peak_memory": 1000} for s in (1, 2)]
    for field, value in WRONG.items():
        run = make_run(f"r-{field}", {"model": str(tiny_model_dir), "max_steps": 2}, metrics=steps, step=2)
        status = json.loads(run.status_file.read_text())
        run.status_file.write_text(json.dumps({**status, field: value}))  # NaN as json.loads reads it
    for path in ("pages/4_Train.py", "pages/5_Compare.py", "pages/6_Evaluate.py"):
        at = session(tiny_model_dir, path)
        assert not at.exception, (path, [e.value for e in at.exception])
    at = session(tiny_model_dir, train_selected="r-parts_s")
    warned = [w.value for w in at.warning]
    assert any(w.startswith("status.json holds a value of the wrong kind") and "`parts_s`" in w for w in warned)
