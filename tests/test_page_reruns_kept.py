"""What a click on Compare or Evaluate no longer redoes, counted (never timed), and that what is kept follows a change.

Evaluate built its per-token heatmap at each click (a fifth of its click on the sample), and both pages read every
finished run's summary at each click (a fifth of a Compare click with 41 runs; BENCHMARKS.md, "Page
responsiveness"). The heatmap is kept under a digest of what it draws (`evaluate_view.heatmap_drawn_from`): another
row or another result draws its own. A run's summary is kept per version of its files (`run_picker.summary_stamp`): a
run that finishes, finishes again or is deleted is seen at the next click.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter

import pytest

from ftlib.cli import main
from ftlib.rundir import RunDir
from ftlib.testing import make_run
from tests.test_evaluate_rewritten_replies import thinking_run  # noqa: F401 (a fixture)
from tests.test_page_reruns import open_page, save, summaries  # noqa: F401 (a fixture)


def test_evaluates_heatmap_is_built_once_per_what_it_draws(capsys, monkeypatch, thinking_run, varied_dir):  # noqa: F811
    from tests.test_pages_evaluate_kept import open_page as new_session
    from ui import evaluate_view

    for at in ("last", "every"):  # kept with the run, as the page measures: the page shows them
        assert main(["evaluate", thinking_run.id, "--answer-at", at, "--max-new-tokens", "64"]) == 0
    capsys.readouterr()
    evaluate_view.kept_heatmap.clear()  # another test's figure of the same losses is not this one's to count
    built: list = []
    figure = evaluate_view.token_loss_figure
    monkeypatch.setattr(evaluate_view, "token_loss_figure", lambda view, *a: built.append(view) or figure(view, *a))

    def shown() -> str:  # the heatmap's tokens, as "0:'Yes'"
        return " ".join(c.proto.spec for c in page.get("plotly_chart") if '"heatmap"' in c.proto.spec)

    page = new_session(varied_dir)
    assert not page.exception, page.exception
    assert len(built) == 1 and "'Yes'" in shown()  # the first held-out row's reference
    page.run()
    page.run()  # clicks that change nothing it draws
    assert len(built) == 1
    row = next(s for s in page.selectbox if s.label == "Row")
    row.set_value(1).run()  # another row: its own heatmap
    assert not page.exception, page.exception
    assert len(built) == 2 and "'Green'" in shown()
    next(s for s in page.selectbox if s.label == "Row").set_value(0).run()  # back: the first one's, kept
    assert len(built) == 2 and "'Yes'" in shown()
    next(r for r in page.radio if r.label == "Answer at").set_value("every").run()  # another result
    assert not page.exception, page.exception
    assert page.session_state["evaluate_job"].result.answer_at == "every"
    assert len(built) == 3 and "'No'" in shown() and "'Yes'" not in shown()  # row 1, reply 1, with its reasoning


@pytest.mark.parametrize(
    ("page", "box"), [("pages/5_Compare.py", "compare_runs"), ("pages/6_Evaluate.py", "evaluate_pick")]
)
def test_a_runs_summary_is_read_once_per_version_of_its_files(
    page,
    box,
    varied_dir,
    adapter_template,
    summaries,  # noqa: F811 (the fixture)
):
    save("kept_summaries")
    config = {"model": str(varied_dir), "dataset": "kept_summaries", "template": "tokenizer", "method": "lora"}
    names = [f"2026010{i}-000000-lora-kept" for i in (1, 2, 3)]
    for name in names:
        make_run(name, config, adapter=adapter_template)
    at = open_page(page, varied_dir)

    def offered() -> int:
        widget = next(w for w in [*at.multiselect, *at.selectbox] if w.key == box)
        return len(widget.options)

    summaries.clear()
    at.run()
    at.run()  # clicks that change no run
    assert not at.exception, at.exception
    assert summaries == Counter() and offered() == 3
    newer = make_run("20260104-000000-lora-kept", config, adapter=adapter_template)  # a run finishes
    at.run()
    assert summaries == Counter({newer.id: 1}) and offered() == 4
    RunDir(newer.path).update_status(ended=time.time() + 60)  # resumed and finished again: its status is rewritten
    at.run()
    assert summaries == Counter({newer.id: 2})
    shutil.rmtree(RunDir(newer.path.parent / names[0]).path)  # a teammate deletes one
    at.run()
    assert not at.exception, at.exception
    assert summaries == Counter({newer.id: 2}) and offered() == 3
