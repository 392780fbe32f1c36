"""The pages' parts for the reward model, KTO and GRPO (AppTest): the lifecycle on Home, the methods a split fits
(and why the others do not), GRPO's rewards form and its preview before launch, a GRPO run's live answers table and
charts, and a reward model's score view."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from ftlib import downloads, workspace
from ftlib.testing import make_run
from tests.test_pages_train import PREF_ROWS, headline, page

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PROMPT_ROWS = [
    {"prompt": [{"role": "system", "content": "Be a pirate."}, {"role": "user", "content": f"What is {i}?"}]}
    for i in range(10)
]


def test_home_explains_the_lifecycle_and_where_each_method_sits():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    stages = ["Pre-training", "Supervised fine-tuning (SFT)", "A reward model", "Preference tuning", "Reinforcement"]
    assert all(stage in text for stage in stages)
    for method in ("**LoRA**", "**reward**", "**DPO**", "**KTO**", "**GRPO**"):
        assert method in text, method
    assert text.index("Pre-training") < text.index("A reward model") < text.index("Reinforcement learning")


def test_a_preference_split_offers_dpo_a_reward_model_and_kto_and_says_why_not_grpo(tiny_model_dir):
    workspace.save_split("prefs", PREF_ROWS[:5], PREF_ROWS[5:])
    at = page(tiny_model_dir)
    assert not at.exception
    assert at.radio(key="train_method").options[3:6] == ["DPO", "Reward model", "KTO"]
    why = " ".join(m.value for m in at.markdown)
    assert (
        "**GRPO** (not for this split): GRPO needs prompts (the model writes the answers itself), but this split has "
        "preference pairs (chosen/rejected): on the Data page, pick the sample **pirate_prompts**" in why
    )
    at.radio(key="train_method").set_value("reward").run()
    assert not at.exception
    assert "judge the answers GRPO writes" in at.info[0].value or "score" in at.info[0].value
    assert "It needs pairs of a chosen and a rejected answer" in at.info[0].value
    assert not [n for n in at.number_input if n.key == "train_beta"]  # a reward model has no beta


def _grpo_page(tiny_model_dir) -> AppTest:
    workspace.save_split("pirate", PROMPT_ROWS[:8], PROMPT_ROWS[8:])
    at = page(tiny_model_dir)
    assert not at.exception
    method = at.radio(key="train_method")
    assert (
        method.value == "grpo" and method.options[-1] == "GRPO" and method.options[0] == "LoRA — needs conversations"
    )
    return at


def test_grpo_rewards_start_as_a_hint_and_are_refused_once_typed(tiny_model_dir):
    """An empty Rewards box is a hint (not a red error) until the user types; its grey text is a sentence, not a
    value; a button writes the example in; what they type is checked and refused with the fix."""
    from ui.alignment_view import EXAMPLE_TEXT

    at = _grpo_page(tiny_model_dir)
    box = at.text_area(key="train_rewards")
    assert box.value == "" and box.placeholder.startswith("No rewards yet.") and "{" not in box.placeholder
    assert not at.error
    assert any(i.value.startswith("Add at least one reward to start") for i in at.info)
    assert not [b for b in at.button if b.key == "train_start"]
    at.text_area(key="train_rewards").set_value('[{"regex": "(oops"}]').run()
    assert any("`rewards` item 1: '(oops' is not a valid regular expression" in e.value for e in at.error)
    at.text_area(key="train_rewards").set_value("  ").run()  # typed, then emptied: now it is refused
    assert any("`rewards` is empty: GRPO learns only from what its rewards score" in e.value for e in at.error)
    assert not [b for b in at.button if b.key == "train_start"]
    at.button(key="train_rewards_example").click().run()
    assert at.text_area(key="train_rewards").value == EXAMPLE_TEXT
    assert not at.exception and not at.error
    assert [b for b in at.button if b.key == "train_start"]
    captions = " ".join(c.value for c in at.caption)
    assert "How many answers GRPO writes to each prompt" in captions and "What GRPO rewards" in captions


def test_the_grpo_form_leaves_out_what_grpo_does_not_use(tiny_model_dir):
    """GRPO trains on answers it writes: no mask policy, no early stopping on a held-out loss; the held-out
    measurement says what it measures for GRPO; the preview says its answers are sampled."""
    at = _grpo_page(tiny_model_dir)
    blurb = at.info[0].value  # walk 2: "it needs prompts only, no answers. It needs prompts (...)"
    assert blurb.startswith("GRPO (reinforcement learning)") and blurb.count("needs") == 1, blurb
    shown = {w.key for w in [*at.selectbox, *at.number_input, *at.toggle]}
    assert {"train_mask_policy", "train_early_stopping_patience"}.isdisjoint(shown)
    assert {"train_eval_every", "train_grpo_group_size", "train_max_length"} <= shown
    at.button(key="train_rewards_example").click().run()
    captions = " ".join(c.value for c in at.caption)
    assert "their loss; for GRPO, its rewards" in captions
    assert "sampled at temperature 1 (Sampling temperature, under More settings)" in captions  # before any preview
    at.radio(key="train_method").set_value("lora").run()  # a split of prompts: LoRA says what it needs
    assert not at.exception and "train_mask_policy" not in {s.key for s in at.selectbox}
    assert any("pick the sample **chat_style**" in w.value for w in at.warning)


def test_grpo_previews_what_the_rewards_score_before_launch(tiny_model_dir):
    at = _grpo_page(tiny_model_dir)
    at.text_area(key="train_rewards").set_value('[{"regex": "[aeiou]"}, {"not_repeating": {}, "weight": 0.5}]')
    at.number_input(key="train_grpo_max_new_tokens").set_value(6).run()
    assert not at.exception and not at.error
    assert [b for b in at.button if b.key == "train_start"]  # nothing refuses the launch
    at.button(key="grpo_preview_button").click().run()
    job = at.session_state["grpo_preview"][1]
    assert job.wait(timeout=240) and job.error is None, job.error
    at.run()
    table = pd.DataFrame(job.rows)
    columns = ["prompt", "answer", "regex", "not_repeating", "total", "advantage", "at_limit", "messages"]
    assert list(table.columns) == columns  # at_limit: cut at the max answer length (tests/test_grpo_cut_answers.py)
    assert len(table) == 3 * 4  # three prompts, four answers each (the default group size)
    assert table["prompt"].iloc[0] == "What is 0?"
    # Walk 2: the table was cut off on the right and showed no system message. Now prompt by prompt: the question,
    # the whole prompt folded, then a table whose cells wrap (answer, each reward, total, advantage).
    assert [m.value for m in at.markdown if m.value.startswith("**Prompt ")] == [
        f"**Prompt {i + 1}:** What is {i}?" for i in range(3)
    ]
    folded = [e for e in at.expander if e.label == "The whole prompt (system message included)"]
    assert len(folded) == 3 and "**system**: Be a pirate." in [m.value for m in folded[0].markdown]
    tables = [h.proto.body for h in at.get("html") if "<th>advantage</th>" in h.proto.body]
    assert len(tables) == 3 and "<th>prompt</th>" not in tables[0] and "<th>regex</th>" in tables[0]
    first_answer = html.escape(table["answer"].iloc[0])
    assert first_answer in tables[0]  # in full: the cell wraps
    assert (table["total"] - table["regex"] - 0.5 * table["not_repeating"]).abs().max() < 1e-6
    # A verdict on what it would teach: the prompts whose answers all score the same teach nothing.
    flat = int(table.groupby("prompt")["advantage"].apply(lambda a: (a.abs() < 1e-9).all()).sum())
    said = [w.value for w in at.warning] + [i.value for i in at.info]
    if flat == 3:
        assert any("GRPO would learn nothing" in s for s in said), said
    elif flat:
        assert any(s.startswith(f"{flat} of 3 prompts got the same total") for s in said), said
    assert any("sampled at temperature" in c.value for c in at.caption)


def test_a_grpo_run_shows_its_latest_answers_and_reward_charts(tiny_model_dir):
    metrics = [
        {"kind": "train", "step": s, "loss": 0.01, "reward": 0.2 * s, "reward_std": 0.1, "reward_check": 0.1 * s}
        | {"reward_check_std": 0.05, "kl": 0.001 * s, "completion_length": 20.0 + s, "elapsed": s}
        for s in (1, 2)
    ]
    run = make_run(
        "20261201-120000-grpo-pirate",
        {"method": "grpo", "rewards": [{"check": "chat_style"}], "model": str(tiny_model_dir)},
        state="running",
        metrics=metrics,
        max_steps=10,
    )
    rows = [{"prompt": "Why?", "answer": "Ahoy! Because.", "check": 1.0, "total": 1.0, "advantage": 0.87}]
    run.append_completions(1, [dict(rows[0], answer="Old answer")])
    run.append_completions(2, rows)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run().switch_page("pages/4_Train.py")
    at.session_state["train_selected"] = run.id
    at.run()
    assert not at.exception, at.exception
    assert any(m.value == "#### Latest answers (step 2)" for m in at.markdown)
    table = next(d.value for d in at.dataframe if "answer" in d.value)
    assert table.to_dict("records") == rows
    titles = [c.proto.spec for c in at.get("plotly_chart")]
    assert any("Rewards (mean per step)" in t for t in titles) and any("Answer length" in t for t in titles)
    assert any(m.label == "Reward" and m.value == "0.400" for m in at.metric)  # its spread on a line under it
    assert "± 0.100 over the step's answers (their standard deviation)" in [c.value for c in at.caption]


def test_a_finished_reward_model_scores_answers_on_the_train_page(tiny_model_dir, tmp_path):
    from transformers import AutoModelForSequenceClassification

    from ftlib.models import load_tokenizer
    from ftlib.rewards import load_reward_model

    folder = tmp_path / "reward-model"
    AutoModelForSequenceClassification.from_pretrained(tiny_model_dir, num_labels=1).save_pretrained(folder)
    load_tokenizer(str(tiny_model_dir)).save_pretrained(folder)
    run = make_run(
        "20261201-120000-reward-pairs",
        {"method": "reward", "tuning": "full", "model": str(tiny_model_dir)},
        model=folder,
        output="model",
    )
    at = AppTest.from_file(APP, default_timeout=60)
    at.run().switch_page("pages/4_Train.py")
    at.session_state["train_selected"] = run.id
    at.run()
    assert not at.exception, at.exception
    assert "finished" in headline(at)
    assert any("Score answers with this reward model" in m.value for m in at.markdown)
    at.text_input(key=f"score_prompt_{run.id}").set_value("How do I sleep?")
    at.button(key=f"score_button_{run.id}").click().run()
    assert not at.exception, at.exception
    table = next(d.value for d in at.dataframe if "score" in d.value)
    answers = [at.text_area(key=f"score_answer_{run.id}_{i}").value for i in range(2)]
    want = load_reward_model(run.id).score([{"role": "user", "content": "How do I sleep?"}], answers)
    assert sorted(table["score"].tolist()) == pytest.approx(sorted(want), abs=1e-5)
    assert table["score"].is_monotonic_decreasing  # best first
    assert [d.kind for d in downloads.downloads(run)] == ["model"]


def test_the_score_panel_refuses_an_empty_prompt_or_answers_and_shows_scores_only_for_the_text_they_scored(
    tiny_model_dir, tmp_path
):
    run = _reward_run(tiny_model_dir, tmp_path)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run().switch_page("pages/4_Train.py")
    at.session_state["train_selected"] = run.id
    at.run()
    prompt, score = at.text_input(key=f"score_prompt_{run.id}"), at.button(key=f"score_button_{run.id}")

    def scores() -> list:
        return [d.value for d in at.dataframe if "score" in d.value]

    prompt.set_value("")
    score.click().run()  # as `ftlib score --prompt ""` refuses: an empty user turn's score means nothing
    assert not at.exception, at.exception
    assert any("prompt is empty" in w.value for w in at.warning), [w.value for w in at.warning]
    assert not scores()

    at.text_input(key=f"score_prompt_{run.id}").set_value("Hi")
    at.button(key=f"score_button_{run.id}").click().run()
    assert len(scores()) == 1 and not at.warning
    for i in range(2):
        at.text_area(key=f"score_answer_{run.id}_{i}").set_value("")
    at.button(key=f"score_button_{run.id}").click().run()
    assert any("Every answer is empty" in w.value for w in at.warning), [w.value for w in at.warning]
    assert not scores()  # never the scores of the answers just emptied
    at.text_area(key=f"score_answer_{run.id}_0").set_value("Sleep more.").run()
    assert not scores()  # nor beside a new answer before it is scored
    assert any("changed since they were scored" in c.value for c in at.caption)
    at.button(key=f"score_button_{run.id}").click().run()
    (table,) = scores()
    assert table["answer"].tolist() == ["Sleep more."]


def test_the_rewards_text_area_round_trips_through_the_config():
    from ftlib.config import RunConfig

    rewards = [{"regex": "^Ahoy", "weight": 1.0}, {"not_repeating": {}, "weight": 0.5}]
    text = "[\n" + ",\n".join(json.dumps(r) for r in rewards) + "\n]"  # what the form shows for a saved config
    assert RunConfig(method="grpo", rewards=text).rewards == rewards


def _reward_run(model_dir, tmp_path, run_id: str = "20261201-120000-reward-pairs"):
    """A finished full reward-model run of the tiny model (its score head untrained: scores differ per answer)."""
    from transformers import AutoModelForSequenceClassification

    from ftlib.models import load_tokenizer

    folder = tmp_path / "reward-model"
    AutoModelForSequenceClassification.from_pretrained(model_dir, num_labels=1).save_pretrained(folder)
    load_tokenizer(str(model_dir)).save_pretrained(folder)
    return make_run(run_id, {"method": "reward", "tuning": "full", "model": str(model_dir)}, model=folder)


def test_compare_scores_the_grids_answers_with_a_reward_model(varied_model, tmp_path):
    from ftlib.rewards import load_reward_model
    from tests.test_pages_compare import cell_texts, open_page, run_until_done
    from ui.tables import one_line

    reward = _reward_run(varied_model(2), tmp_path)
    at = open_page("pages/5_Compare.py", varied_model(2))
    assert not at.exception, at.exception
    next(b for b in at.button if b.label == "Generate").click().run()
    run_until_done(at, "compare_job")
    assert not at.exception, at.exception
    assert any(s.label == "Reward model" and s.value == reward.id for s in at.selectbox)
    at.button(key="compare_score").click().run()
    assert not at.exception, at.exception
    table = next(d.value for d in at.dataframe if "score" in d.value)
    answers = cell_texts(at)
    assert sorted(table["answer"]) == sorted(map(one_line, answers))  # a line break shown as ⏎ (ui.tables.one_line)
    prompt = [{"role": "user", "content": next(t.value for t in at.text_area if t.label == "Your message")}]
    want = dict(zip(map(one_line, answers), load_reward_model(reward.id).score(prompt, answers), strict=True))
    assert {a: s for a, s in zip(table["answer"], table["score"], strict=True)} == pytest.approx(want, abs=1e-5)
    assert not [s for s in table["setting"] if "**" in s or ":gray[" in s]  # plain names, not the grid's markdown
    # A cold review: a new grid (another seed) kept the old answers' scores under it
    at.number_input(key="compare_seed").set_value(7).run()
    next(b for b in at.button if b.label == "Generate").click().run()
    run_until_done(at, "compare_job")
    assert not at.exception, at.exception
    assert cell_texts(at) != answers  # the sampled cells changed: the scores of the old ones are gone
    assert not [d for d in at.dataframe if "score" in d.value]


def test_the_reward_preview_survives_a_change_it_does_not_depend_on(tiny_model_dir, monkeypatch):
    """Walk 5: the preview (about a minute of CPU) vanished when the run name or max steps changed; it depends only on
    the model, the split, the rewards, the template, and GRPO's sampling settings and seed."""
    from ftlib import reward_preview

    calls = []

    def fake_preview(model, tokenizer, config, rows, prompts=3, lock=None):
        calls.append(config.grpo_group_size)
        return [
            {"prompt": "What is 0?", "answer": f"Ahoy! {i}", "regex": 1.0, "total": 1.0, "advantage": 0.5 - i}
            for i in range(config.grpo_group_size)
        ]

    monkeypatch.setattr(reward_preview, "preview_rewards", fake_preview)
    at = _grpo_page(tiny_model_dir)
    at.text_area(key="train_rewards").set_value('[{"regex": "^Ahoy"}]').run()
    at.button(key="grpo_preview_button").click().run()
    assert at.session_state["grpo_preview"][1].wait(timeout=120)
    at.run()

    def shown() -> int:
        return sum("<th>advantage</th>" in h.proto.body for h in at.get("html"))

    assert shown() == 1
    at.text_input(key="train_name").set_value("pirate-try").run()
    at.number_input(key="train_max_steps").set_value(40).run()
    at.number_input(key="train_eval_every").set_value(5).run()
    assert not at.exception and shown() == 1  # the same preview, not computed again
    assert calls == [4]
    at.number_input(key="train_grpo_group_size").set_value(2).run()
    assert shown() == 0  # answers per prompt change what it would show: preview again
    assert any(b.key == "grpo_preview_button" and not b.disabled for b in at.button)


@pytest.mark.parametrize(
    "typed, says",
    [
        (
            "def reward(prompt, completion):\n    return 1.0 if 'Ahoy' in completion else 0.0\n",
            "The Rewards box takes declarations such as",
        ),
        ("import re\nscore = lambda prompt, completion: 1.0", "not Python: code typed here is never run"),
        ('[{"function": "shout"}]', "`function` names 'shout', which is not a reward function the server's operator"),
    ],
)
def test_code_in_the_rewards_box_is_refused_under_the_box_with_how_to_register_a_function(
    tiny_model_dir, monkeypatch, typed, says
):
    """Walk 5: pasted Python was read as YAML ("must name exactly one reward among ..."), and an unknown function or a
    LoRA run as `model` ended with "Fix what is named above (on the Data or Tokens page, or in the settings)", at the
    bottom of the form. Now: said under the Rewards box, with how an operator registers a Python function."""
    from ftlib.rewards import REGISTRY_ENV

    monkeypatch.delenv(REGISTRY_ENV, raising=False)
    at = _grpo_page(tiny_model_dir)
    at.text_area(key="train_rewards").set_value(typed).run()
    assert not at.exception
    column = next(c for c in at.columns if any(t.key == "train_rewards" for t in c.text_area))
    under_box = " ".join(e.value for e in column.error)
    assert says in under_box, under_box
    assert 'FTLIB_REWARD_FUNCTIONS points to (README, "Rewards for GRPO")' in under_box
    assert "must name exactly one reward" not in under_box
    bottom = [e.value for e in at.error if e not in column.error]
    assert bottom == ["Fix **Rewards (a JSON or YAML list)** (marked above) to start a run."], bottom
    assert not any("Fix what is named above to start a run:" in c.value for c in at.caption)
    assert not [b for b in at.button if b.key == "train_start"]


def test_a_lora_run_named_as_a_reward_model_is_refused_under_the_rewards_box(tiny_model_dir):
    make_run("a-lora-run", {"method": "lora", "model": str(tiny_model_dir)})
    at = _grpo_page(tiny_model_dir)
    at.text_area(key="train_rewards").set_value('[{"regex": "^Ahoy"}, {"model": "a-lora-run"}]').run()
    column = next(c for c in at.columns if any(t.key == "train_rewards" for t in c.text_area))
    assert any("Run 'a-lora-run' is a lora run, not a reward model" in e.value for e in column.error)
    assert not any("Fix what is named above to start a run:" in c.value for c in at.caption)
    assert not [b for b in at.button if b.key == "train_start"]


def test_the_reward_model_form_does_not_say_it_learns_to_write_tokens(tiny_model_dir):
    """Walk 5: "What is trained" said "Which tokens the model learns to write" for a reward model, which writes
    nothing."""
    workspace.save_split("prefs", PREF_ROWS[:5], PREF_ROWS[5:])
    at = page(tiny_model_dir)
    assert any(c.value.startswith("Which tokens the model learns to write") for c in at.caption)  # DPO: it does
    at.radio(key="train_method").set_value("reward").run()
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert not any("learns to write" in c for c in captions), captions
    assert any(c.startswith("A reward model writes nothing: it reads each whole conversation") for c in captions)


def test_grpo_latest_answers_show_the_total_and_the_advantage_before_the_long_answer(tiny_model_dir):
    """Walk 5: `total` and `advantage` were cut off on the right of "Latest answers", behind the wide answer."""
    run = make_run(
        "20261201-120000-grpo-wide",
        {"method": "grpo", "rewards": [{"regex": "^Ahoy"}], "model": str(tiny_model_dir)},
        state="running",
        metrics=[{"kind": "train", "step": 1, "loss": 0.01, "reward": 0.5, "elapsed": 1.0}],
        max_steps=10,
    )
    run.append_completions(
        1, [{"prompt": "Why?", "answer": "Ahoy! " + "Because. " * 60, "regex": 1.0, "total": 1.0, "advantage": 0.9}]
    )
    table = latest_answers(run)
    assert list(table.proto.column_order) == ["prompt", "regex", "total", "advantage", "answer"]


def latest_answers(run):
    """The Train page's "Latest answers" table of a GRPO `run` (its st.dataframe element), the run picked."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.run().switch_page("pages/4_Train.py")
    at.session_state["train_selected"] = run.id
    at.run()
    assert not at.exception, at.exception
    return next(d for d in at.dataframe if "answer" in d.value)


def test_the_pirate_prompts_hint_names_the_rewards_the_example_button_writes():
    """Walk 5: the Data page suggested {check: chat_style}, while "Use the example rewards" wrote regex ^Ahoy and
    not_repeating."""
    from ftlib.demo_data import SAMPLES
    from ui.alignment_view import EXAMPLE_TEXT

    hint = SAMPLES["pirate_prompts"].description
    written = json.loads(EXAMPLE_TEXT)
    assert [next(k for k in r if k != "weight") for r in written] == ["check", "not_repeating"]
    assert "{check: chat_style}" in hint and "{not_repeating: {}} at weight 2" in hint
    assert [r.get("weight") for r in written] == [1.0, 2.0] and written[0]["check"] == "chat_style"
    assert "“Use the example rewards” on the Train page" in hint


def test_a_kto_run_without_a_kl_estimate_draws_no_kl_chart():
    """KTO's apo_zero_unpaired loss makes no KL estimate and its run logs no `kl` (test_alignment.py): its run page
    draws no (empty) KL chart; a run of KTO's own loss, which logs one every step, still does."""
    from ui.charts import run_figures

    own = [{"kind": "train", "step": s, "loss": 0.5, "rewards_chosen": 0.1, "kl": 0.2} for s in (1, 2)]
    apo = [{k: v for k, v in row.items() if k != "kl"} for row in own]

    def titles(rows):
        return [f.layout.title.text for f in run_figures(rows, dpo=False, method="kto")[0]]

    assert "KL estimate (one batch each step: noisy, never below 0)" in titles(own)
    assert not [t for t in titles(apo) if "KL" in t]
    assert "Rewards (KTO)" in titles(apo)


def test_the_train_page_says_a_steps_accuracy_and_the_held_out_one_apart(tiny_model_dir):
    """A cold review: a reward model right on every held-out pair showed "Accuracy 0.000" (its last training step's
    batch) beside the held-out loss; a DPO run showed no accuracy at all (it logs `reward_accuracy`)."""
    reward = [{"kind": "train", "step": 2, "loss": 0.7, "accuracy": 0.0, "margin": -0.01},
              {"kind": "eval", "step": 2, "eval_loss": 0.6, "eval_accuracy": 1.0}]  # fmt: skip
    dpo = [{"kind": "train", "step": 2, "loss": 0.69, "reward_accuracy": 0.5},
           {"kind": "eval", "step": 2, "eval_loss": 0.7, "eval_reward_accuracy": 0.25}]  # fmt: skip
    make_run("r-rm", {"method": "reward", "model": str(tiny_model_dir)}, metrics=reward, max_steps=2)
    make_run("r-dpo", {"method": "dpo", "model": str(tiny_model_dir)}, metrics=dpo, max_steps=2)
    shown = {}
    for run_id in ("r-rm", "r-dpo"):
        at = AppTest.from_file(APP, default_timeout=60)
        at.run().switch_page("pages/4_Train.py")
        at.session_state["train_selected"] = run_id
        at.run()
        assert not at.exception, at.exception
        shown[run_id] = {m.label: m.value for m in at.metric}
    assert (shown["r-rm"]["Accuracy (last step)"], shown["r-rm"]["Held-out accuracy"]) == ("0%", "100%")
    assert (shown["r-dpo"]["Reward accuracy (last step)"], shown["r-dpo"]["Held-out reward accuracy"]) == (
        "50%",
        "25%",
    )


def test_the_train_page_shows_a_small_kl_in_significant_digits_not_as_zero(tiny_model_dir):
    """A cold review: a GRPO run whose metrics held KL 4.4e-5 to 3.5e-4 read "KL 0.000" on the Train page."""
    rows = [{"kind": "train", "step": s, "loss": 0.0, "reward": 0.5, "reward_std": 0.1, "kl": kl}
            for s, kl in ((1, 4.4e-5), (2, 3.5e-4))]  # fmt: skip
    config = {"method": "grpo", "model": str(tiny_model_dir), "rewards": [{"not_repeating": {}}]}
    make_run("r-grpo", config, metrics=rows, max_steps=2)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run().switch_page("pages/4_Train.py")
    at.session_state["train_selected"] = "r-grpo"
    at.run()
    assert not at.exception, at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["KL"] == "0.00035", shown
