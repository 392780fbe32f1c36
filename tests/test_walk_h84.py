"""One model, one name on Compare and Evaluate (helper 84): a reward model's scores named it by its run id where the
pickers name runs by label and number, and Evaluate called a base the studio fine-tuned "Base" in its numbers and
columns (and by its full path in the GRPO caption) while Compare's rows call it "r7/merged". Each test fails without
its fix."""

from __future__ import annotations

from ftlib.testing import make_run


def _help(caption) -> str:
    return caption.proto.help


def test_compare_names_the_reward_model_as_the_run_pickers_do(varied_model, tmp_path):
    """Compare's score table said "Scored by `20261201-120000-reward-pairs`": the Train page's picker names that run
    "reward · pairs · Dec 01 12:00" (numbered among equal labels). The caption names it so."""
    from ftlib.run_picker import listed_summaries, numbered_labels
    from tests.test_pages_alignment import _reward_run
    from tests.test_pages_compare import open_page, run_until_done

    model = varied_model(2)
    first = _reward_run(model, tmp_path)
    # A second reward run with the same label (same minute, method and data): the name carries its number, "#2".
    config = {"method": "reward", "tuning": "full", "model": str(model)}
    second = make_run("20261201-120000-reward-pairs-b", config, model=first.model_dir)
    for run in (first, second):
        run.update_status(created=1764590400.0)  # one minute: one label
    at = open_page("pages/5_Compare.py", model)
    assert not at.exception, at.exception
    next(b for b in at.button if b.label == "Generate").click().run()
    run_until_done(at, "compare_job")
    assert not at.exception, at.exception
    picked = at.selectbox(key="compare_reward_model").value
    assert picked in (first.id, second.id)
    at.button(key="compare_score").click().run()
    assert not at.exception, at.exception
    said = next(c.value for c in at.caption if c.value.startswith("Scored by"))
    name = numbered_labels(listed_summaries())[picked]
    assert name.endswith((" #1", " #2")), name  # sentinel: the Train page's numbered name
    assert said == f"Scored by **{name}**: higher means the reward model prefers it.", said
    assert picked not in said
    # The box offers the runs by the same names, never their ids
    offered = at.selectbox(key="compare_reward_model").options
    assert name in offered and not {first.id, second.id} & set(offered), offered


def test_evaluate_names_a_studio_export_base_as_compare_does(varied_dir, adapter_template):
    """A run trained on run r7's merged export: the caption said the base was itself fine-tuned, but the numbers
    below read "Base loss", "Base perplexity" and the table "base_loss", "base_output". They are named "r7/merged"
    as Compare's rows name it, and the caption too (its path in the help); a model as published stays "Base"."""
    from tests.test_pages_compare import button, run_until_done
    from tests.test_walk_h66 import lora_run_on_export

    at, merged = lora_run_on_export(varied_dir, adapter_template)
    line = next(c for c in at.caption if c.value.startswith("Base model"))
    assert line.value.startswith("Base model `r7/merged` (itself fine-tuned: run r7's merged model) · "), line.value
    assert str(merged) in _help(line) and str(merged) not in line.value
    button(at, "Evaluate").click()
    run_until_done(at.run(), "evaluate_job")
    assert not at.exception, at.exception
    labels = [m.label for m in at.metric]
    assert labels == [
        "r7/merged loss",
        "Tuned loss",
        "Closer to the reference",
        "r7/merged perplexity",
        "Tuned perplexity",
    ]
    closer = next(m for m in at.metric if m.label == "Closer to the reference")
    assert "more likely than r7/merged did" in closer.help, closer.help
    columns = list(at.dataframe[0].value.columns)
    assert {"r7/merged_loss", "r7/merged_output", "tuned_loss", "tuned_output"} <= set(columns), columns
    assert not [c for c in columns if c.startswith("base_")], columns
    assert any(m.value.startswith("**r7/merged** · loss ") for m in at.markdown)  # the side-by-side heading
    assert not any(m.value.startswith("**Base model**") for m in at.markdown)


def test_evaluate_grpo_names_a_studio_export_base_short(varied_dir, adapter_template):
    """A GRPO run on run r7's merged export: its caption gave the export's full path ("the base (`/…/runs/r7/
    merged`, …)") and its numbers "Base reward". Both say "r7/merged", the path in the caption's help."""
    from tests.test_pages_compare import button
    from tests.test_walk_h71 import evaluate_grpo_on_export

    at, merged, _ = evaluate_grpo_on_export(varied_dir, adapter_template)
    caption = next(c for c in at.caption if "there is no loss to measure" in c.value)
    assert "the base (`r7/merged`, itself fine-tuned: run r7's merged model) and the tuned model" in caption.value
    assert str(merged) not in caption.value and str(merged) in _help(caption), (caption.value, _help(caption))
    button(at, "Answer and score").click()
    at.run()
    assert at.session_state["evaluate_answers_job"][1].wait(timeout=300)
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [m.label for m in at.metric][:2] == ["r7/merged reward", "Tuned reward"]
    columns = list(at.dataframe[-1].value.columns)
    assert {"r7/merged_output", "r7/merged_reward", "tuned_output"} <= set(columns), columns
    assert not [c for c in columns if c.startswith("base_")], columns
    parts = next(d.value for d in at.dataframe if "reward" in d.value.columns and "weight" in d.value.columns)
    assert "r7/merged: mean score" in parts.columns, list(parts.columns)  # each reward's part, named alike
