"""Wording leftovers from helper 240's browser walk (helper 247)."""

from __future__ import annotations

from types import SimpleNamespace as Row

from ftlib.answer_notes import cut_said, loops_said
from tests.test_pages_compare import finished_run  # noqa: F401 (a fixture)
from ui.evaluate_view import blanks_said

LOOP = "Ahoy! " * 13


def test_counts_of_cut_looping_and_blank_answers_never_lead_with_a_zero():
    """Evaluate's line read "✂ 0 of 5 tuned answers and 2 of the base model's stopped at ...": the side with answers
    comes first, the other one is said to have none."""
    rows = [Row(is_text=False, base_at_limit=i < 2, tuned_at_limit=False) for i in range(5)]
    assert cut_said(rows, 64).startswith(
        "✂ 2 of the base model's 5 answers (none of the tuned model's) stopped at the 64-token limit"
    )
    rows = [Row(is_text=False, base_at_limit=False, tuned_at_limit=i < 1) for i in range(5)]
    assert cut_said(rows, 64).startswith("✂ 1 of 5 tuned answers (none of the base model's) stopped at")
    rows = [Row(is_text=False, base_output=LOOP if i < 3 else "Fine.", tuned_output="Fine.") for i in range(4)]
    assert loops_said(rows).startswith(
        "↻ 3 of the base model's 4 answers (none of the tuned model's) repeat themselves"
    )
    rows = [Row(is_text=False, base_output="Fine.", tuned_output="\n" * 8 if i < 2 else "Fine.") for i in range(3)]
    assert blanks_said(rows).startswith("⚠ 2 of 3 tuned answers (none of the base model's) show nothing")
    # Both sides: as before.
    rows = [Row(is_text=False, base_at_limit=True, tuned_at_limit=i < 1) for i in range(2)]
    assert cut_said(rows, 8).startswith("✂ 1 of 2 tuned answers and 2 of the base model's stopped at the 8-token")


def test_batches_says_padding_in_one_form_and_the_work_metrics_unit_under_it(monkeypatch, tmp_path):
    """The right padding tab on a CPU server said "Padding computed here 0" where the other tabs say "0 (0%)", and
    "Work per trained token 4.09" had no unit (its tooltip said positions; in the value it was cut)."""
    from ftlib import workspace
    from tests.test_pages_batches import run_page, sft_rows
    from ui.batch_view import WORK_LABEL

    monkeypatch.setattr("ftlib.models.cuda_available", lambda: False)  # a CPU server: its SFT runs are padding-free
    workspace.save_split("chats-h247", sft_rows(4), sft_rows(1))
    at = run_page()
    assert not at.exception, at.exception
    right = {m.label: m.value for m in at.tabs[0].metric}
    assert right["Padding computed here"] == "0 (0%)"
    for tab in at.tabs:
        work = [m for m in tab.metric if m.label == WORK_LABEL]
        assert len(work) == 1
        captions = [c.value for c in tab.caption]
        assert any(c.startswith("Positions computed per trained token. Of the work: padding ") for c in captions)


def test_the_train_forms_captions_do_not_say_their_labels_parenthesis_again(tiny_model_dir):
    """Train: "Max steps (0 = use epochs)" had "Stop after this many optimizer steps instead (0 = use epochs)." under
    it, "Evaluate every N steps (0 = each epoch)" "... every N steps (0 = once per epoch) ...": said once, in labels.
    `train --help`, which prints no label, keeps it."""
    from ftlib import workspace
    from ftlib.config import field_specs
    from tests.test_pages_train import SFT_ROWS, page

    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    at = page(tiny_model_dir)
    assert not at.exception, at.exception
    labels = {n.label for n in at.number_input}
    assert {"Max steps (0 = use epochs)", "Evaluate every N steps (0 = each epoch)"} <= labels
    captions = [c.value for c in at.caption]
    assert "Stop after this many optimizer steps instead." in captions
    assert "Measure the held-out rows every N steps: their loss; for GRPO, its rewards." in captions
    assert not [c for c in captions if "(0 = use epochs)" in c or "(0 = each epoch)" in c or "once per epoch" in c]
    specs = field_specs()
    assert "(0 = use epochs)" in specs["max_steps"].help and "(0 = each epoch)" in specs["eval_every"].help


def test_the_loss_chart_of_a_run_at_step_0_has_a_sane_axis_and_says_what_its_point_is():
    """Before a run's first training step its loss chart held one point, the step-0 held-out loss, on an x axis from
    -1 to 1 and with no key (plotly draws no legend for one line): the axis starts at 0 and the point is named."""
    from ui.charts import loss_figure, run_figures

    said = "held-out loss before training"

    step0 = [{"kind": "eval", "step": 0, "eval_loss": 0.8422}]
    fig = loss_figure(step0)
    assert tuple(fig.layout.xaxis.range) == (-0.1, 1.1)
    assert [a.text for a in fig.layout.annotations] == [said]
    assert run_figures(step0, dpo=False)[0][0].layout.annotations[0].text == said
    # After the first step: two points, plotly's own range, and the legend names both lines.
    fig = loss_figure([*step0, {"kind": "train", "step": 1, "loss": 0.9}])
    assert fig.layout.xaxis.range is None and not fig.layout.annotations


def test_a_stop_on_a_server_with_no_sign_in_is_not_said_as_a_strangers(tiny_model_dir, monkeypatch):
    """On an open server the person who had just pressed Stop read "stopped in a browser by someone not signed in",
    as if a stranger had: there no session is signed in, so the page says the server names no one. A server with
    sign-in keeps the words (a session that did not sign in is someone else there)."""
    import time

    from ftlib import workspace
    from ftlib.run_people import record
    from ftlib.testing import make_run
    from tests.test_pages_train import SFT_ROWS, page
    from ui import auth

    workspace.save_split("numbers", SFT_ROWS[:10], SFT_ROWS[10:])
    steps = [{"kind": "train", "step": s, "loss": 2.0 - 0.1 * s, "elapsed": 10.0 * s} for s in (1, 2)]
    config = {"model": str(tiny_model_dir), "dataset": "numbers", "max_steps": 10}
    run = make_run("r-mine", config, state="running", started=time.time(), max_steps=10, metrics=steps)
    record(run.path, "start", None)
    at = page(tiny_model_dir)
    at.button(key="stop_r-mine").click().run()
    assert not at.exception, at.exception
    run.end_attempt(state="interrupted", stopped_by="user", message="Stopped at step 2.")
    at.run()
    caption = next(c.value for c in at.caption if "Stopped at step 2." in c.value)
    assert caption.endswith("Stopped at step 2. · stopped in a browser (this server has no sign-in)"), caption
    assert "someone" not in caption
    monkeypatch.setattr(auth, "access", lambda: auth.Access(sign_in=True))
    said = "stopped in a browser by someone not signed in"
    assert auth.browser_said(said) == said


def test_compare_without_a_reward_model_says_how_to_get_one_under_no_heading(finished_run, varied_dir):  # noqa: F811
    """Compare drew the heading "What a reward model thinks of these answers" over nothing but a caption on a
    workspace with no reward model: one line now, saying how to get one."""
    from tests.test_pages_compare import generate, open_page

    at = generate(open_page("pages/5_Compare.py", varied_dir))
    assert not at.exception, at.exception
    assert not [h for h in at.subheader if "reward model" in h.value.lower()]
    said = [c.value for c in at.caption if "reward model" in c.value.lower()]
    assert said == [
        "No reward model here to score these answers: train one on the Train page (method **Reward model**, on "
        "preference pairs) and they can be scored here."
    ], said
