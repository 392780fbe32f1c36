"""One model, one name on all of Evaluate (helper 94, after helper 84's d3590dc): with a base the studio fine-tuned
(run r7's merged export), the numbers said "r7/merged loss" while the per-token heatmap's rows and table still said
"base", the side-by-side line "the change is tuned minus base" and the cost section "Everyday loss, base". The
test fails without any one of its fixes; a model as published keeps "base" (pinned in tests/test_pages_compare.py)."""

from __future__ import annotations

import json


def _evaluated(varied_dir, adapter_template):
    """Evaluate's page on a LoRA run whose base is run r7's merged export, its held-out rows evaluated."""
    from tests.test_pages_compare import button, run_until_done
    from tests.test_walk_h66 import lora_run_on_export

    at, _ = lora_run_on_export(varied_dir, adapter_template)
    button(at, "Evaluate").click()
    run_until_done(at.run(), "evaluate_job")
    assert not at.exception, at.exception
    assert [m.label for m in at.metric][0] == "r7/merged loss"  # sentinel: d3590dc's name for it
    return at


def test_evaluate_heatmap_change_and_cost_name_a_studio_export_base(varied_dir, adapter_template):
    """One evaluation of the run (three tests each made the export, the run and the evaluation, ~2 s of CPU apiece):
    - the heatmap's top row read "base" and its table "base loss", "base chance" under "r7/merged loss";
    - under the side-by-side answers headed "r7/merged": "the change is tuned minus base"; and "How sure"'s help
      "(tuned minus base)". Both say "tuned minus r7/merged";
    - what it cost said "Everyday loss, base", "Variety, base" and captioned the sampled answers "Base"; its
      sentences said "than the base model did" and "differ for the base model" (helper 96)."""
    from tests.test_pages_compare import button
    from ui import chart_data

    at = _evaluated(varied_dir, adapter_template)
    heat = next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if '"heatmap"' in c.proto.spec)
    assert heat["data"][0]["y"] == ["r7/merged", "tuned"], heat["data"][0]["y"]
    table = next(e for e in at.expander if e.label == chart_data.LABEL).table[0].value
    columns = list(table.columns)
    assert {"r7/merged loss", "r7/merged chance", "tuned loss", "tuned chance"} <= set(columns), columns
    assert not [c for c in columns if c.startswith("base")], columns

    line = next(c.value for c in at.caption if c.value.startswith("Loss = how surprised"))
    assert "the change is tuned minus r7/merged." in line and "minus base" not in line, line
    sure = next(c for c in at.caption if c.value.startswith("**How sure:**"))
    assert "(tuned minus r7/merged)" in sure.proto.help, sure.proto.help

    button(at, "Measure what it cost").click()
    at.run()
    assert at.session_state["evaluate_cost"][1].wait(timeout=300)
    at.run()
    assert not at.exception, at.exception
    labels = [m.label for m in at.metric if m.label.startswith(("Everyday loss", "Variety"))]
    assert labels == ["Everyday loss, r7/merged", "Everyday loss, tuned", "Variety, r7/merged", "Variety, tuned"]
    tuned_loss = next(m for m in at.metric if m.label == "Everyday loss, tuned")
    assert "compared with r7/merged's" in tuned_loss.help and "base model" not in tuned_loss.help, tuned_loss.help
    sampled = next(e for e in at.expander if e.label == "The sampled answers behind the variety numbers")
    captions = [c.value for c in sampled.caption]
    assert "r7/merged" in captions and "Tuned" in captions and "Base" not in captions, captions[:4]
    cost = at.session_state["evaluate_cost"][1].result
    said = " ".join(m.value for m in at.markdown)
    # The forgetting sentence names the base where its loss moved (the run's advice aside: TunedWith's own tests).
    assert ("likely than r7/merged did" in said) == ("likely than the base model did" in cost.forgetting.sentence())
    assert cost.diversity.sentence("r7/merged") in said and "base model" not in said, said
