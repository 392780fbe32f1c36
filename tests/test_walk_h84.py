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
