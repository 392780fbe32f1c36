"""Helper 78's browser walk (an UltraFeedback-shaped DPO file on the 135M model), the Train page's progress bar: it
said "step 0 of 4 · 0:00:24 training" while the model was still loading, since a run's time counts from the start
of its process. A run whose status says when training began (`train_started`) says the loading apart."""

from __future__ import annotations

import time

import pytest

from ftlib.testing import make_run
from tests.test_pages_train import page


def bar_text(at) -> str:
    return at.get("progress")[0].proto.text


def test_a_finished_run_says_its_loading_time_apart_from_its_training_time(tiny_model_dir):
    steps = [{"kind": "train", "step": s, "loss": 1.0, "elapsed": 30.0 * s} for s in range(1, 5)]
    started = 1_700_000_000.0
    make_run(
        "r-loaded",
        {"model": str(tiny_model_dir)},
        max_steps=4,
        parts_s=[150.0],
        started=started,
        train_started=started + 24.0,  # the model and data took 24 s to load
        metrics=steps,
    )
    at = page(tiny_model_dir)
    assert not at.exception, at.exception
    bar = bar_text(at)
    assert bar.startswith("step 4 of 4 · 0:02:30 in all: 0:00:24 loading, 0:02:06 training"), bar


def test_a_run_still_loading_says_loading_not_training(tiny_model_dir):
    # No pid and just started: the queue takes it for a run being launched, so it counts as running.
    make_run(
        "r-loading",
        {"model": str(tiny_model_dir)},
        state="running",
        phase="loading model and data",
        started=time.time(),
        max_steps=4,
    )
    at = page(tiny_model_dir)
    assert not at.exception, at.exception
    bar = bar_text(at)
    assert bar.startswith("step 0 of 4 · 0:00:") and bar.endswith(" loading (no training yet)"), bar
    assert "training ·" not in bar and not bar.endswith(" training"), bar


def test_a_run_resumed_before_train_started_was_kept_reads_as_before(tiny_model_dir):
    """An earlier attempt's `train_started` (before this attempt's start) is not this attempt's: no loading split."""
    steps = [{"kind": "train", "step": s, "loss": 1.0, "elapsed": 15.0 * s} for s in range(1, 11)]
    make_run(
        "r-old",
        {"model": str(tiny_model_dir)},
        max_steps=10,
        parts_s=[90.0],
        started=2_000.0,
        train_started=1_000.0,
        metrics=steps,
    )
    bar = bar_text(page(tiny_model_dir))
    assert bar.startswith("step 10 of 10 · 0:01:30 in all"), bar


def test_an_evaluation_of_one_batch_says_so_and_moves_as_its_rows_are_scored(model_set):
    """Evaluate: with every held-out row in one batch, the bar sat at 0 ("Answering rows 1-3 of 3") until all were
    done, only its time moving. It says the rows go in one batch, then moves as each is scored."""
    from ftlib import evaluate as E
    from tests.test_evaluate import ROWS

    seen: list[tuple[str, float]] = []
    rows = [ROWS[0], ROWS[1], ROWS[3]]
    result = E.evaluate(
        model_set, rows, model_set.names[1], max_new_tokens=2, batch_size=8, progress=lambda m, f: seen.append((m, f))
    )
    assert len(result.rows) == 3
    # Each report also says the rows done and the tokens written (helper 260), after " · ".
    assert [(m.split(" · ")[:2], f) for m, f in seen] == [
        (["Answering the 3 rows in one batch", "0 of 3 rows done"], 0.0),
        (["Scoring the 3 rows", "0 of 3 rows done"], pytest.approx(E.ANSWERING)),
        (["Scoring the 3 rows", "1 of 3 rows done"], pytest.approx(E.ANSWERING + (1 - E.ANSWERING) / 3)),
        (["Scoring the 3 rows", "2 of 3 rows done"], pytest.approx(E.ANSWERING + 2 * (1 - E.ANSWERING) / 3)),
        (["Done"], 1.0),
    ], seen
    # Several batches read as before: their own share moves the bar.
    seen.clear()
    E.evaluate(
        model_set, rows, model_set.names[1], max_new_tokens=2, batch_size=2, progress=lambda m, f: seen.append((m, f))
    )
    assert [m.split(" · ")[0] for m, _ in seen] == ["Answering rows 1-2 of 3", "Answering rows 3-3 of 3", "Done"]


# Batches at a 1280 px window (tests/browser_app.VIEWPORT), measured in Chromium: the main area's columns share 756 px
# (820 less four 16 px gaps), and each toggle needs its switch and its whole label: "Attention mask row" showed as
# "Attention mas..." in a column of 140 px (even shares) and whole in one of 178 px.
ROW_PX = 756
NEEDED_PX = {"batch_attention_row": 170, "batch_label_row": 100, "batch_position_row": 130, "batch_id_row": 118}


def test_the_batches_toggles_have_room_for_their_whole_labels_at_1280_px():
    from streamlit.testing.v1.element_tree import Column

    from ftlib import workspace
    from tests.test_pages_batches import run_page, sft_rows

    workspace.save_split("toggle-room", sft_rows(6), sft_rows(2), {"format": "messages"})
    at = run_page()
    assert not at.exception, at.exception

    def rows(node):
        children = list(getattr(node, "children", {}).values())
        columns = [c for c in children if isinstance(c, Column)]
        if columns:
            yield columns
        for child in children:
            yield from rows(child)

    [columns] = [
        cols for cols in rows(at._tree) if any(getattr(e, "key", None) == "batch_label_row" for c in cols for e in c)
    ]
    total = sum(c.weight for c in columns)
    widths = {e.key: ROW_PX * c.weight / total for c in columns for e in c if getattr(e, "key", None) in NEEDED_PX}
    assert set(widths) == set(NEEDED_PX), widths
    assert all(widths[key] >= NEEDED_PX[key] for key in NEEDED_PX), widths
