"""Follow-ups to helper 66's naming of a sidebar model the studio fine-tuned (a run's merged export): the pages' other
places that still said "base" or a run id for it (helper 71). Each test fails without its fix."""

from __future__ import annotations

from ftlib import workspace
from ftlib.testing import make_run
from tests.test_walk_h66 import _merged_export


def test_compare_scores_name_each_model_as_the_grid_does(varied_dir, adapter_template, tmp_path):
    """Compare's grid named the sidebar's merged export "r7/merged" and a run by its short label, but the reward
    model's score table below it listed "base" and the run's id: two names per model on one page. Its rows are named
    as the grid's rows."""
    from tests.test_pages_alignment import _reward_run
    from tests.test_pages_compare import TEST_ROWS, open_page, run_until_done

    merged = _merged_export(varied_dir)
    workspace.save_split("colours", TEST_ROWS[:1], TEST_ROWS, {"format": "messages"})
    config = {"model": str(merged), "dataset": "colours", "template": "tokenizer", "method": "lora"}
    tuned = make_run("20260101-000000-lora-colours", config, adapter=adapter_template)
    _reward_run(varied_dir, tmp_path)
    at = open_page("pages/5_Compare.py", merged)
    assert not at.exception, at.exception
    next(b for b in at.button if b.label == "Generate").click().run()
    run_until_done(at, "compare_job")
    assert not at.exception, at.exception
    at.button(key="compare_score").click().run()
    assert not at.exception, at.exception
    table = next(d.value for d in at.dataframe if "score" in d.value)
    rows = [name for name, _ in at.session_state["compare_labels"]["shown"]]  # the grid's row names, in its order
    assert rows[0] == "r7/merged" and tuned.id not in rows, rows  # sentinel: the grid's names
    for name in rows:
        assert any(m.value.startswith(f"**{name}**") for m in at.markdown), name  # each row's heading
    assert set(table["model"]) == set(rows), table["model"].tolist()
    assert "base" not in set(table["model"]) and tuned.id not in set(table["model"])


def test_evaluate_says_what_base_is_where_a_grpo_run_trained_a_studio_export(varied_dir, adapter_template):
    """A GRPO run's section stops the page before its "Base model `...` (itself fine-tuned: ...)" line (the loss
    section's, which says it above "Base loss"): its caption's "the base" and its "Base reward" never said that the
    base was run r7's merged model. The caption says it there; a model as published is still "the base" alone."""
    from tests.test_pages_compare import open_page

    at, _, config = evaluate_grpo_on_export(varied_dir, adapter_template)
    said = next(c.value for c in at.caption if "there is no loss to measure" in c.value)
    assert "the base (`r7/merged`, itself fine-tuned: run r7's merged model) and the tuned model" in said, said
    config["model"] = str(varied_dir)
    # Sentinel: a GRPO run on the model as published (the newest run, picked first) says "the base" alone.
    make_run("20260101-000001-grpo-prompts", config | {"grpo_max_new_tokens": 8}, adapter=adapter_template)
    at = open_page("pages/6_Evaluate.py", varied_dir)
    assert not at.exception, at.exception
    said = next(c.value for c in at.caption if "there is no loss to measure" in c.value)
    assert at.selectbox(key="evaluate_pick").value == "20260101-000001-grpo-prompts"
    assert "the base and the tuned model" in said, said


def evaluate_grpo_on_export(varied_dir, adapter_template):
    """(Evaluate's page, the export's folder, the run's config) of a GRPO run on prompts whose base is run r7's
    merged export (helper 66's `_merged_export`), the page opened with that export as the sidebar's model."""
    from tests.test_evaluate_runs import GRPO_REWARDS, PROMPTS
    from tests.test_pages_compare import open_page

    merged = _merged_export(varied_dir)
    workspace.save_split("prompts", PROMPTS, PROMPTS)
    config = {"method": "grpo", "model": str(merged), "dataset": "prompts", "rewards": GRPO_REWARDS}
    make_run("20260101-000000-grpo-prompts", config | {"grpo_max_new_tokens": 8}, adapter=adapter_template)
    at = open_page("pages/6_Evaluate.py", merged)
    assert not at.exception, at.exception
    return at, merged, config
