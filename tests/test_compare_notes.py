"""Runs side by side (`ftlib.run_compare`, `runs compare`, the Train page's "Compare runs"): what the notes say is
being compared. A GRPO run's number is its answers' mean reward, not a loss, so a note about GRPO runs says so; runs
whose chat template or max length differ are scored over other tokens of the same held-out rows. Run folders are
written directly (`make_run`), with the held-out rows each kept (`keep_run_split`); nothing trains."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ftlib import run_compare, workspace
from ftlib.cli import main
from ftlib.testing import make_run

APP = str(Path(__file__).resolve().parents[1] / "app.py")
HELD_OUT = [{"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]}]
OTHER_ROWS = [{"messages": [{"role": "user", "content": "3+3?"}, {"role": "assistant", "content": "6"}]}]
GRPO = {"method": "grpo", "rewards": [{"contains": "Ahoy"}]}


def curve(start: float) -> list[dict]:
    """An SFT run's metrics: a falling training loss, held-out losses at steps 0, 3 and 6."""
    rows = [{"kind": "train", "step": s, "loss": start - 0.1 * s, "tokens": 100 * s} for s in range(1, 7)]
    return rows + [{"kind": "eval", "step": s, "eval_loss": start + 0.2 - 0.1 * s} for s in (0, 3, 6)]


def rewards(reward: float) -> list[dict]:
    """A GRPO run's metrics: its surrogate loss near 0, its answers' mean reward in training and held out."""
    return [
        {"kind": "eval", "step": 0, "eval_loss": 0.0, "eval_reward": 0.1},
        *({"kind": "train", "step": s, "loss": 0.01, "reward": reward, "tokens": 50 * s} for s in range(1, 7)),
        {"kind": "eval", "step": 6, "eval_loss": 0.004, "eval_reward": reward},
    ]


def run(run_id: str, config: dict, metrics: list[dict], held_out=HELD_OUT, model=None, **status):
    config = {"dataset": "numbers", "max_steps": 6, **config} | ({"model": str(model)} if model else {})
    made = make_run(run_id, config, metrics=metrics, **status)
    workspace.keep_run_split(made.path, HELD_OUT, held_out, {})
    return made


# -- 1. a GRPO run among others: its mean reward is not called a loss ------------------------------------------------
def test_an_sft_run_beside_a_grpo_run_is_said_to_hold_a_loss_and_a_mean_reward_not_two_losses():
    run("r-sft", {}, curve(2.0), step=6)
    run("r-grpo", GRPO, rewards(0.5), step=6)
    c = run_compare.compare(["r-sft", "r-grpo"])
    (note,) = [n for n in c.notes if "not the same measure" in n]
    assert note.startswith("These runs' numbers (losses and mean rewards) are not the same measure (")
    assert "losses are not the same measure" not in c.note


def test_two_grpo_runs_under_other_rewards_are_said_to_hold_mean_rewards():
    run("r-ahoy", GRPO, rewards(0.5), step=6)
    run("r-arr", GRPO | {"rewards": [{"contains": "Arr"}]}, rewards(0.7), step=6)
    (note,) = run_compare.compare(["r-ahoy", "r-arr"]).notes
    assert note.startswith("These runs' mean rewards are not the same measure (")


def test_grpo_runs_on_other_held_out_rows_are_said_to_hold_mean_rewards_not_losses():
    run("r-g1", GRPO | {"seed": 1}, rewards(0.5), step=6)
    run("r-g2", GRPO | {"seed": 2}, rewards(0.7), held_out=OTHER_ROWS, step=6)
    (note,) = run_compare.compare(["r-g1", "r-g2"]).notes
    assert note.startswith("Held-out mean rewards compare only between runs scored on the same rows")
    assert "Each run's held-out mean reward is its own rows'" in note and "loss" not in note


def test_a_queued_grpo_run_has_no_mean_reward_to_compare():
    run("r-done", GRPO, rewards(0.5), step=6)
    run("r-waiting", GRPO, [], state="queued")
    (note,) = run_compare.compare(["r-done", "r-waiting"]).notes
    assert note == "r-waiting has not started (queued): no mean reward to compare."


def test_runs_compare_says_the_grpo_runs_mean_reward_in_its_note(capsys):
    run("r-sft", {}, curve(2.0), step=6)
    run("r-grpo", GRPO, rewards(0.5), step=6)
    assert main(["runs", "compare", "r-sft", "r-grpo"]) == 0
    err = capsys.readouterr().err
    assert "note: These runs' numbers (losses and mean rewards) are not the same measure" in err
    assert main(["runs", "compare", "r-sft", "r-grpo", "--json"]) == 0
    notes = json.loads(capsys.readouterr().out)["notes"]
    assert notes[0].startswith("These runs' numbers (losses and mean rewards)")


def page(model_dir) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["active_model"] = str(model_dir)
    return at.run().switch_page("pages/4_Train.py").run()


def test_the_train_page_says_a_grpo_runs_mean_reward_beside_an_sft_runs_loss(tiny_model_dir):
    run("r-sft", {}, curve(2.0), model=tiny_model_dir, step=6, created=100.0)
    run("r-grpo", GRPO, rewards(0.5), model=tiny_model_dir, step=6, created=200.0)
    at = page(tiny_model_dir)
    section = next(e for e in at.expander if e.label == "Compare runs")
    section.multiselect[0].set_value(["r-grpo", "r-sft"]).run()
    assert not at.exception
    section = next(e for e in at.expander if e.label == "Compare runs")
    said = " ".join(i.value for i in section.info)
    assert "These runs' numbers (losses and mean rewards) are not the same measure" in said, said


def _draw_grpo_runs_without_a_reward():
    from ftlib import run_compare
    from ui.runs_compare_view import draw

    draw(run_compare.compare(["r-g1", "r-g2"]))


def test_grpo_runs_that_logged_no_reward_are_said_to_have_no_mean_reward_not_no_loss():
    for run_id in ("r-g1", "r-g2"):  # steps with a surrogate loss only: no mean reward to draw
        run(run_id, GRPO, [{"kind": "train", "step": 1, "loss": 0.01}], step=1)
    at = AppTest.from_function(_draw_grpo_runs_without_a_reward, default_timeout=60).run()
    assert not at.exception
    assert "None of these runs logged a mean reward yet." in [c.value for c in at.caption]


# -- 2. runs that differ only in chat template or max length: their held-out losses are means over other tokens ----
def test_runs_with_another_max_length_do_not_compare_and_the_note_says_it_is_over_other_tokens():
    run("r-256", {"max_length": 256}, curve(2.0), step=6)
    run("r-512", {"max_length": 512}, curve(1.9), step=6)
    c = run_compare.compare(["r-256", "r-512"])
    assert c.same_loss and c.same_rows and not c.same_tokens and not c.comparable
    (note,) = c.notes
    assert note.startswith("Held-out losses compare only over the same tokens of their rows")
    assert "(r-256: max length 256; r-512: max length 512)" in note  # the template, the same in both, unsaid


def test_runs_with_another_chat_template_do_not_compare_and_each_custom_text_is_told_apart():
    run("r-own", {}, curve(2.0), step=6)
    run("r-chatml", {"template": "chatml"}, curve(1.9), step=6)
    c = run_compare.compare(["r-own", "r-chatml"])
    assert not c.same_tokens and not c.comparable
    assert "(r-own: chat template tokenizer; r-chatml: chat template chatml)" in c.note
    drawn = [(s.run_id, s.kind) for s in c.series if not s.apart]  # still drawn on one chart: the same rows
    assert ("r-own", "held-out") in drawn and ("r-chatml", "held-out") in drawn
    source = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
    run("r-c1", {"template": "custom", "template_source": source}, curve(2.0), step=6)
    run("r-c2", {"template": "custom", "template_source": source + "\n"}, curve(2.0), step=6)
    note = run_compare.compare(["r-c1", "r-c2"]).note
    said = note[note.index("(r-c1") : note.index("):")]
    assert said.count("chat template custom (its text ") == 2 and source not in note  # a digest, not the Jinja text


def test_runs_written_and_cut_alike_still_compare_and_grpo_runs_are_not_told_of_tokens():
    run("r-a", {"max_length": 256, "learning_rate": 1e-3}, curve(2.0), step=6)
    run("r-b", {"max_length": 256, "learning_rate": 2e-4}, curve(1.9), step=6)
    c = run_compare.compare(["r-a", "r-b"])
    assert c.comparable and c.same_tokens and c.notes == []
    run("r-g1", GRPO | {"template": "chatml"}, rewards(0.5), step=6)  # a mean reward is over the answers' text
    run("r-g2", GRPO | {"max_length": 512}, rewards(0.7), step=6)
    c = run_compare.compare(["r-g1", "r-g2"])
    assert c.comparable and c.same_tokens and c.notes == []


def test_runs_compare_json_says_same_tokens_and_prints_the_note(capsys):
    run("r-256", {"max_length": 256}, curve(2.0), step=6)
    run("r-512", {"max_length": 512}, curve(1.9), step=6)
    assert main(["runs", "compare", "r-256", "r-512"]) == 0
    assert "note: Held-out losses compare only over the same tokens of their rows" in capsys.readouterr().err
    assert main(["runs", "compare", "r-256", "r-512", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["same_tokens"], report["same_rows"], report["comparable"]) == (False, True, False)


def test_the_train_page_says_runs_of_another_max_length_are_scored_over_other_tokens(tiny_model_dir):
    run("r-256", {"max_length": 256}, curve(2.0), model=tiny_model_dir, step=6, created=100.0)
    run("r-512", {"max_length": 512}, curve(1.9), model=tiny_model_dir, step=6, created=200.0)
    at = page(tiny_model_dir)
    assert not at.exception
    section = next(e for e in at.expander if e.label == "Compare runs")
    assert section.multiselect[0].value == ["r-512", "r-256"]
    (note,) = section.info
    assert "compare only over the same tokens of their rows" in note.value and "max length 256" in note.value


def test_same_tokens_is_said_per_kind_of_loss_as_the_note_is():
    """An SFT run at max length 256 beside a DPO run at 512 trains another loss already: `same_tokens` (runs compare
    --json) is true, as no token note is given; two SFT runs among them at other lengths make it false."""
    run("r-sft", {"max_length": 256}, curve(2.0), step=6)
    run("r-dpo", {"method": "dpo", "max_length": 512}, curve(0.7), step=6)
    c = run_compare.compare(["r-sft", "r-dpo"])
    assert c.same_tokens and not c.same_loss and not c.comparable
    assert not any("same tokens" in n for n in c.notes)
    run("r-sft-512", {"max_length": 512}, curve(1.9), step=6)
    c = run_compare.compare(["r-sft", "r-dpo", "r-sft-512"])
    assert not c.same_tokens and any("same tokens" in n for n in c.notes)


def test_a_best_held_out_loss_at_step_0_is_said_to_be_from_before_training():
    """A cold try: two KTO runs both showed "best held-out loss 0.5000 (step 0)": step 0 is the starting model's (KTO's
    0.5 by design), so no trained step beat it; the CLI's table and the page's say "before training"."""
    from ui.runs_compare_view import numbers_table

    worse = [{"kind": "eval", "step": 0, "eval_loss": 0.5}, {"kind": "train", "step": 1, "loss": 0.49}]
    run("r-kto", {"method": "kto"}, [*worse, {"kind": "eval", "step": 3, "eval_loss": 0.57}], step=3)
    run("r-sft", {}, curve(2.0), step=6)
    c = run_compare.compare(["r-kto", "r-sft"])
    (best,) = [line for line in c.text().splitlines() if line.startswith("best held-out")]
    assert "0.5000 (step 0, before training)" in best and "1.6000 (step 6)" in best, best
    assert [row["at step"] for row in numbers_table(c)] == ["0 (before training)", "6"]
