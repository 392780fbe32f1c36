"""Evaluate's results kept with the run: a reload (a fresh AppTest session on the same workspace) shows the held-out
result and what tuning cost again, saying when they were measured; other choices do not show it; a workspace this
account may only write nothing to keeps nothing and says nothing. A reload shows the run last picked (so its kept
result), and one run's answer length or batch box hides no other run's result. And rows that end alike are told apart.

The engine's side (`ftlib.eval_results`): keys, damaged records, the bound per run, the run folder's time.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import eval_results as K
from ftlib import workspace
from ftlib.evaluate import EvalResult, EvalRow
from ftlib.testing import make_run
from ftlib.tuning_cost import Diversity, Forgetting, TuningCost
from ui.evaluate_view import row_label

ROOT = Path(__file__).resolve().parents[1]
TEST_ROWS = [
    {"messages": [{"role": "user", "content": "Name a colour."}, {"role": "assistant", "content": "Blue."}]},
    {"messages": [{"role": "user", "content": "Count to three."}, {"role": "assistant", "content": "One, two."}]},
    {"messages": [{"role": "user", "content": "Say yes."}, {"role": "assistant", "content": "Yes!"}]},
]
RUN_ID = "20260101-000000-lora-colours"


# The seeds of this module's `varied_dir` and `adapter_template` (tests/conftest.py), kept from when it built its own.
VARIED_SEED = 2
ADAPTER_SEED = 9


def _run(varied_dir, adapter, test_rows, name="colours", **status):
    workspace.save_split(name, test_rows[:1], test_rows, {"format": "messages"})
    config = {"model": str(varied_dir), "dataset": name, "template": "tokenizer", "method": "lora"}
    return make_run(RUN_ID, config, adapter=adapter, **status).path


@pytest.fixture
def finished_run(varied_dir, adapter_template):
    return _run(varied_dir, adapter_template, TEST_ROWS)


def open_page(model: Path) -> AppTest:
    """A new session (what a browser reload or a second tab is) on the Evaluate page."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["active_model"] = str(model)
    at.run()
    return at.switch_page("pages/6_Evaluate.py").run()


def button(at, label):
    return next(b for b in at.button if b.label == label)


def evaluate(at: AppTest, rows: int = 2, max_new: int = 8) -> AppTest:
    next(n for n in at.number_input if n.label == "Rows to evaluate").set_value(rows).run()
    max_new_box(at).set_value(max_new).run()
    button(at, "Evaluate").click()
    at.run()
    assert at.session_state["evaluate_job"].wait(timeout=300)
    return at.run()


def max_new_box(at):
    """The "Max new tokens per answer" box of the run shown, found by its label (not by its key, which is per run)."""
    return next(s for s in at.slider if s.label == "Max new tokens per answer")


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def test_a_finished_evaluation_and_its_cost_come_back_after_a_reload(finished_run, varied_dir):
    """A newcomer's walk: after a reload the page said "Press Evaluate to score..." again, minutes of work gone."""
    at = evaluate(open_page(varied_dir))
    assert not at.exception, at.exception
    shown = metrics(at)
    table = at.dataframe[0].value
    button(at, "Measure what it cost").click()
    at.run()
    assert at.session_state["evaluate_cost"][1].wait(timeout=300)
    at.run()
    cost = metrics(at)
    assert "Everyday loss, base" in cost
    kept = sorted(p.name for p in (finished_run / K.KEPT_DIR).iterdir())  # in the run's folder: deleted with it
    assert [name.split("-")[0] for name in kept] == ["cost", "heldout"]

    again = open_page(varied_dir)  # a reload: a new session, nothing in session state
    assert not again.exception, again.exception
    assert not any("Press **Evaluate**" in i.value for i in again.info)
    assert metrics(again) == cost  # the held-out numbers and what it cost, as measured
    assert again.dataframe[0].value.equals(table)
    captions = [c.value for c in again.caption]
    assert any(c.startswith("Measured on ") and "Press **Evaluate** to measure again." in c for c in captions)
    assert any("Press **Measure what it cost** to measure again." in c for c in captions)
    assert "On 2 of the run's 3 held-out rows." in captions  # the boxes came back with the session: 2 rows
    assert again.get("plotly_chart")  # the per-token view, scored again from the kept rows
    assert {k: shown[k] for k in shown} == {k: metrics(again)[k] for k in shown}


def test_a_result_kept_for_other_choices_is_not_shown_as_this_one(finished_run, varied_dir):
    at = evaluate(open_page(varied_dir), rows=2, max_new=8)
    assert at.dataframe
    workspace.remember_choice(f"evaluate_max_new_{RUN_ID}", 16)  # someone chose another answer length since
    again = open_page(varied_dir)
    assert not again.exception, again.exception
    assert not again.dataframe and not again.metric
    assert any("Press **Evaluate**" in i.value for i in again.info)
    said = " ".join(c.value for c in again.caption)
    assert "evaluated just now with 8 max new tokens, not 16: set that above" in said  # only what differs
    # Back to the choices it was measured with: the kept result.
    max_new_box(again).set_value(8).run()
    assert again.dataframe and metrics(again) == metrics(at)


def _another_run(varied_dir, adapter, run_id, finished):
    """A second finished run on the `colours` split, finished at `finished` (epoch seconds)."""
    config = {"model": str(varied_dir), "dataset": "colours", "template": "tokenizer", "method": "lora"}
    return make_run(run_id, config, adapter=adapter, created=finished).path


def run_box(at):
    return at.selectbox(key="evaluate_pick")


def batch_box(at):
    """The "Rows per batch" box of the run shown, found by its label (not by its key, which is per run)."""
    return next(s for s in at.slider if s.label == "Rows per batch")


def test_a_reload_shows_the_run_last_picked_with_its_result_until_a_newer_run_finishes(varied_dir, adapter_template):
    """A cold walk: after a reload the Run box showed the newest run on the split, not the one the person was looking
    at, so the result kept with that run seemed gone until it was picked again."""
    older = _run(varied_dir, adapter_template, TEST_ROWS, created=time.time() - 120)
    newer = _another_run(varied_dir, adapter_template, "20260102-000000-lora-newer", time.time() - 60)
    at = open_page(varied_dir)
    assert run_box(at).value == newer.name  # nothing picked yet: the newest on the active split
    run_box(at).set_value(older.name).run()
    at = evaluate(at)
    shown = metrics(at)

    again = open_page(varied_dir)  # a reload
    assert not again.exception, again.exception
    assert run_box(again).value == older.name  # the run it showed, with its kept result
    assert metrics(again) == shown and not any("Press **Evaluate**" in i.value for i in again.info)

    latest = _another_run(varied_dir, adapter_template, "20260103-000000-lora-latest", time.time() + 1)
    later = open_page(varied_dir)  # a run on the split finished after that pick: the one to look at now
    assert run_box(later).value == latest.name


def test_a_reload_offers_the_newest_run_when_the_run_last_picked_is_gone(varied_dir, adapter_template):
    import shutil

    older = _run(varied_dir, adapter_template, TEST_ROWS, created=time.time() - 120)
    newer = _another_run(varied_dir, adapter_template, "20260102-000000-lora-newer", time.time() - 60)
    at = open_page(varied_dir)
    run_box(at).set_value(older.name).run()
    shutil.rmtree(older)
    again = open_page(varied_dir)
    assert not again.exception, again.exception
    assert run_box(again).value == newer.name


def test_compare_after_a_reload_offers_the_run_last_picked_on_evaluate(varied_dir, adapter_template):
    """Compare and Evaluate share the last pick (Compare after Evaluate studies the same run): across sessions too."""
    older = _run(varied_dir, adapter_template, TEST_ROWS, created=time.time() - 120)
    _another_run(varied_dir, adapter_template, "20260102-000000-lora-newer", time.time() - 60)
    run_box(open_page(varied_dir)).set_value(older.name).run()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)  # a reload, on Compare
    at.session_state["active_model"] = str(varied_dir)
    at = at.run().switch_page("pages/5_Compare.py").run()
    assert not at.exception, at.exception
    assert at.multiselect(key="compare_runs").value == [older.name]


@pytest.mark.parametrize("record", [["gone-run", 1.0], "not a pick", [1, 2, 3], [None, "when"]])
def test_a_last_pick_record_that_is_gone_or_does_not_read_offers_the_newest_run(record, varied_dir, adapter_template):
    _run(varied_dir, adapter_template, TEST_ROWS, created=time.time() - 120)
    newer = _another_run(varied_dir, adapter_template, "20260102-000000-lora-newer", time.time() - 60)
    workspace.remember_choice("run_choice_last_pick", record)
    at = open_page(varied_dir)
    assert not at.exception, at.exception
    assert run_box(at).value == newer.name


def test_each_runs_batch_is_its_own_and_another_runs_kept_result_with_other_choices_is_named(
    varied_dir, adapter_template
):
    """A cold walk: one "Rows per batch" box for every run, kept workspace-wide: 2 set on one run after another was
    evaluated at 4 hid that run's kept result after a reload (the batch is part of its key), and nothing said why."""
    measured = _run(varied_dir, adapter_template, TEST_ROWS, created=time.time() - 120)
    other = _another_run(varied_dir, adapter_template, "20260102-000000-lora-newer", time.time() - 60)
    at = open_page(varied_dir)
    run_box(at).set_value(measured.name).run()
    batch_box(at).set_value(4).run()
    at = evaluate(at)
    shown = metrics(at)
    run_box(at).set_value(other.name).run()
    assert batch_box(at).value == 8  # its own box, at its default: not the other run's 4
    batch_box(at).set_value(2).run()

    again = open_page(varied_dir)  # a reload: the other run, last picked, with its batch of 2
    assert (run_box(again).value, batch_box(again).value) == (other.name, 2)
    run_box(again).set_value(measured.name).run()
    assert not again.exception, again.exception
    assert batch_box(again).value == 4 and metrics(again) == shown  # its own batch: its kept result

    batch_box(again).set_value(1).run()  # other choices than the kept result's: said
    said = " ".join(c.value for c in again.caption)
    assert "This result was measured with 4 rows per batch, not 1: press **Evaluate**" in said  # only what differs


def test_each_runs_answer_length_is_its_own_so_another_runs_length_hides_nothing(varied_dir, adapter_template):
    """A cold walk: one "Max new tokens per answer" box for every run, kept workspace-wide: 16 set on one run after
    another was evaluated at 8 hid that run's kept result after a reload (the length is part of its key)."""
    measured = _run(varied_dir, adapter_template, TEST_ROWS, created=time.time() - 120)
    other = _another_run(varied_dir, adapter_template, "20260102-000000-lora-newer", time.time() - 60)
    at = open_page(varied_dir)
    run_box(at).set_value(measured.name).run()
    at = evaluate(at, max_new=8)
    shown = metrics(at)
    run_box(at).set_value(other.name).run()
    assert max_new_box(at).value == 64  # its own box, at its default: not the other run's 8
    max_new_box(at).set_value(16).run()

    again = open_page(varied_dir)  # a reload: the other run, last picked, with its length of 16
    assert not again.exception, again.exception
    assert (run_box(again).value, max_new_box(again).value) == (other.name, 16)
    run_box(again).set_value(measured.name).run()
    assert not again.exception, again.exception
    assert max_new_box(again).value == 8 and metrics(again) == shown  # its own length: its kept result
    assert not any("Press **Evaluate**" in i.value for i in again.info)


def test_a_workspace_this_account_may_only_read_keeps_nothing_and_says_nothing(finished_run, varied_dir, monkeypatch):
    def refuse(files, hint=""):
        raise PermissionError(13, "Permission denied", str(next(iter(files))))

    monkeypatch.setattr(workspace, "write_files", refuse)
    at = evaluate(open_page(varied_dir))
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert at.session_state["evaluate_job"].error is None and at.dataframe
    assert not (finished_run / K.KEPT_DIR).exists()


MULTI_TURN = [  # ShareGPT-like: every conversation ends with the same last user turn
    {
        "messages": [
            {"role": "user", "content": f"Tell me a joke about {topic}"},
            {"role": "assistant", "content": f"A {topic} walks into a bar."},
            {"role": "user", "content": "Thanks! Another?"},
            {"role": "assistant", "content": f"Two {topic}s walk into a bar."},
        ]
    }
    for topic in ("cats", "dogs", "owls")
]


def test_rows_that_end_with_the_same_user_turn_are_told_apart(varied_dir, adapter_template):
    """Every header, the "Helped most" line and the Row picker showed "Thanks! Another?" alone."""
    _run(varied_dir, adapter_template, MULTI_TURN, name="jokes")
    at = evaluate(open_page(varied_dir), rows=3)
    assert not at.exception, at.exception
    headers = [c.value for c in at.caption if c.value.startswith("Held-out row ")]
    assert len(headers) == 3 and len(set(headers)) == 3
    assert headers[0] == "Held-out row 1 · Tell me a joke about cats → Thanks! Another? (3 turns) · its last turn:"
    options = next(s for s in at.selectbox if s.label == "Row").options
    assert [o.split(": ", 1)[1] for o in options] == [
        f"Tell me a joke about {t} → Thanks! Another? (3 turns)" for t in ("cats", "dogs", "owls")
    ]
    tables = " ".join(h.proto.body for h in at.get("html") if "<table" in h.proto.body)
    assert "Tell me a joke about" in tables  # the best and worst rows name their conversation, not only its end


def test_a_row_label_keeps_a_single_turn_prompt_and_a_text_rows_opening():
    plain = EvalRow(0, "Name a colour.", "Blue.", "Red.", "Blue.", 1.0, 0.5, 2)
    assert row_label(plain, [{"role": "user", "content": "Name a colour."}]) == "Name a colour."
    text = EvalRow(1, "", "Once upon a time " * 20, None, None, 1.0, 0.5, 40)
    assert row_label(text).startswith("Once upon a time Once") and row_label(text).endswith("…")


# ------------------------------------------------------------------------------------------------ the engine's side


def _result(adapter="run") -> EvalResult:
    rows = [EvalRow(0, "Q?", "A.", "B.", "A.", 1.5, 0.7, 3), EvalRow(2, "P?", "R.", " ", "R.", 2.0, float("nan"), 2)]
    return EvalResult(adapter, rows, skipped=[(1, "no answer")], cut=[2], max_length=64, base_token_loss=1.7)


def _key(adapter_dir, **changed):
    settings = dict(
        model="default",
        rows=TEST_ROWS,
        limit=3,
        max_new_tokens=64,
        batch_size=8,
        template="tokenizer",
        template_source="",
        max_length=512,
    )
    return K.heldout_key(adapter_dir, **(settings | changed))


@pytest.fixture
def run_dir(tmp_path) -> Path:
    (tmp_path / "run" / "adapter").mkdir(parents=True)
    (tmp_path / "run" / "adapter" / "adapter_model.safetensors").write_bytes(b"weights")
    return tmp_path / "run"


def test_a_kept_result_reads_back_whole_and_only_under_its_own_key(run_dir):
    key = _key(run_dir / "adapter")
    assert K.keep(run_dir, key, K.result_record(_result()), now=100.0)
    back, at = K.restore(run_dir, key)
    assert at == 100.0 and back.skipped == [(1, "no answer")] and back.cut == [2]
    assert back.rows[0] == _result().rows[0] and back.aggregates()["base_loss"] == 1.7
    assert back.rows[1].base_output == " " and back.rows[1].tuned_loss != back.rows[1].tuned_loss  # NaN kept
    for changed in (
        {"rows": TEST_ROWS[:2]},  # another split or source: other rows
        {"limit": 2},
        {"max_new_tokens": 32},
        {"batch_size": 4},
        {"model": "other/model"},
        {"template": "chatml"},
        {"template_source": "{{ messages }}"},
        {"max_length": 256},
    ):
        assert K.restore(run_dir, _key(run_dir / "adapter", **changed)) is None, changed
    (run_dir / "adapter" / "adapter_model.safetensors").write_bytes(b"trained further")
    assert K.restore(run_dir, _key(run_dir / "adapter")) is None  # the weights changed since


def test_what_tuning_cost_reads_back_whole(run_dir):
    cost = TuningCost(
        Forgetting(2.0, 2.5, 2, 40, [("Q?", 2.0, 2.5)]), Diversity(0.9, 0.8, 1, 2, [("Q?", ["a"], ["b"])])
    )
    key = K.cost_key(run_dir / "adapter", model="default", template="tokenizer", template_source="", prompts=TEST_ROWS)
    assert K.keep(run_dir, key, K.cost_record(cost))
    assert K.restore(run_dir, key)[0] == cost
    assert K.restore(run_dir, _key(run_dir / "adapter")) is None  # a held-out key finds no cost


@pytest.mark.parametrize(
    "damage",
    ["", "{", "[]", '{"key": {}, "at": 1, "value": {}}', "\xff\xfe", '{"key": KEY, "at": "x", "value": {}}'],
)
def test_a_damaged_record_is_not_found_and_fails_nothing(run_dir, damage):
    key = _key(run_dir / "adapter")
    assert K.keep(run_dir, key, K.result_record(_result()))
    (path,) = (run_dir / K.KEPT_DIR).iterdir()
    path.write_text(damage.replace("KEY", json.dumps(key)), encoding="latin-1")
    assert K.restore(run_dir, key) is None and K.others(run_dir, key) == []
    assert K.keep(run_dir, key, K.result_record(_result()))  # measured again: kept over it
    assert K.restore(run_dir, key) is not None


def test_a_record_of_the_right_key_but_another_layout_is_not_restored(run_dir):
    key = _key(run_dir / "adapter")
    assert K.keep(run_dir, key, {"rows": "not rows"})
    assert K.find(run_dir, key) is not None and K.restore(run_dir, key) is None


def test_a_result_kept_in_an_earlier_layout_is_said_not_shown(run_dir):
    """An upgrade review: results kept by the feature's first version (no `split` in their key) matched no key of the
    current one, and the page said nothing of them: no result, no line."""
    from ui.evaluate_view import kept_elsewhere_said

    key = _key(run_dir / "adapter")
    assert K.keep(run_dir, {k: v for k, v in key.items() if k != "split"}, K.result_record(_result()))
    assert K.restore(run_dir, key) is None and K.others(run_dir, key) == [] and K.earlier_layout(run_dir, key) == 1
    said = kept_elsewhere_said(run_dir, key)
    assert said.startswith("1 result of this run kept by an earlier version of the studio is not shown"), said
    assert K.keep(run_dir, _key(run_dir / "adapter", limit=2), K.result_record(_result()))
    assert kept_elsewhere_said(run_dir, key).startswith("This run was evaluated")  # a result a box brings back first
    assert K.earlier_layout(run_dir, key) == 1 and kept_elsewhere_said(run_dir, None) is None


def test_only_the_last_few_results_of_a_run_are_kept_and_the_runs_time_stays(run_dir):
    os.utime(run_dir, ns=(1_000_000_000, 1_000_000_000))
    for i in range(K.KEEP + 2):
        assert K.keep(run_dir, _key(run_dir / "adapter", limit=i + 1), K.result_record(_result()), now=float(i))
    assert run_dir.stat().st_mtime_ns == 1_000_000_000  # lists of runs order by it, "newest first"
    kept = K.others(run_dir, _key(run_dir / "adapter", limit=99))
    assert [k.key["limit"] for k in kept] == [6, 5, 4, 3][: K.KEEP]
    assert K.restore(run_dir, _key(run_dir / "adapter", limit=1)) is None  # the oldest dropped
    assert all(p.parent.parent == run_dir for p in (run_dir / K.KEPT_DIR).iterdir())  # deleted with the run


def test_keeping_where_nothing_may_be_written_is_silent(run_dir, monkeypatch):
    def refuse(files, hint=""):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(workspace, "write_files", refuse)
    assert K.keep(run_dir, _key(run_dir / "adapter"), K.result_record(_result())) is False
    assert K.keep(run_dir / "gone", _key(run_dir / "adapter"), {}) is False  # a run deleted while it was measured


def test_only_results_the_boxes_can_bring_back_are_named_and_a_changed_row_count_is_said_as_one(run_dir):
    """A diff review: a result of earlier weights was named with "set those above to see that result again" while
    the boxes already held its choices; and moving "Rows to evaluate" said "the run or its rows changed" (the rows'
    digest follows the row count)."""
    from ui.evaluate_view import other_choices_said

    def key(limit, **changed):
        return _key(run_dir / "adapter", rows=TEST_ROWS[:limit], limit=limit, all_rows=TEST_ROWS, **changed)

    assert K.keep(run_dir, key(3), K.result_record(_result()), now=100.0)
    assert [k.key["limit"] for k in K.others(run_dir, key(2))] == [3]  # the row count brings it back
    said = other_choices_said(key(3), key(2))
    assert said.startswith("This result was measured with 3 rows, not 2:") and "changed" not in said
    (run_dir / "adapter" / "adapter_model.safetensors").write_bytes(b"trained further")
    assert K.others(run_dir, key(2)) == [] and K.others(run_dir, key(3)) == []  # no box brings back old weights
    assert other_choices_said(None, key(3), K.others(run_dir, key(3))) is None
