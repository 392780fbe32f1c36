"""Small defects a walk of the alignment methods found (helper 227), fixed by helper 233."""

import re


def _train_help(capsys) -> str:
    import pytest

    from ftlib.cli import main

    with pytest.raises(SystemExit):
        main(["train", "--help"])
    return capsys.readouterr().out


def test_train_help_heads_grpos_settings_with_words_true_for_them(capsys):
    """`train --help` listed GRPO's rewards, group size and temperature under "preference settings": GRPO learns from
    reward functions, not preferences. The heading says it, as the Train form's "Preference and reinforcement
    learning" does."""
    out = _train_help(capsys)
    headings = re.findall(r"^(\S[^\n]*settings[^\n]*):$", out, re.M)
    assert "preference settings" not in headings
    holding = next(h for h in headings if "reinforcement learning" in h.lower())
    section = out.split(f"{holding}:", 1)[1]
    section = section.split("\n\n", 1)[0] if "\n\n" in section else section
    assert "--rewards" in section and "--grpo-group-size" in section and "--beta" in section


FEEDBACK = [
    {"prompt": [{"role": "user", "content": q}], "completion": [{"role": "assistant", "content": a}], "label": good}
    for q, answers in {
        "Name a primary colour.": ("Red.", "Purple, I think."),
        "What is 3 times 4?": ("12.", "7."),
        "Which planet is closest to the Sun?": ("Mercury.", "Jupiter."),
        "How many legs does a spider have?": ("Eight.", "Six."),
    }.items()
    for a, good in zip(answers, (True, False), strict=True)
]


def test_the_train_pages_dpo_refusal_on_good_and_bad_answers_points_to_pairing_them(tiny_model_dir):
    """A split of answers labelled good or bad, some prompt with both: the Train page said DPO "needs pairs" and
    offered a sample, not the Data page's Save as preference pairs, where `train` names `data pair` (h227's walk)."""
    from ftlib import workspace
    from ftlib.feedback_pairs import PAGE_PAIR_WAY
    from tests.test_pages_train import page

    workspace.save_split("feedback", FEEDBACK[:6], FEEDBACK[6:])
    at = page(tiny_model_dir)
    assert not at.exception
    said = " ".join(m.value for m in at.markdown)
    for name in ("DPO", "Reward model"):
        start = said.index(f"**{name}** (not for this split)")
        assert (
            f"4 prompts have both a good and a bad answer: {PAGE_PAIR_WAY} makes 4 preference pairs."
            in (said[start : start + 600])
        ), name


def test_an_exported_preference_runs_card_has_trls_method_tags_and_the_methods_held_out_measure(tmp_path):
    """An exported DPO run's card was tagged `lora` alone (PEFT's front matter) and gave its held-out loss, not the
    reward accuracy a DPO run is judged by, nor a KTO run's rewards of its good and bad answers (h227's walk)."""
    from ftlib.model_card import card_text, write_card
    from ftlib.testing import make_run

    evals = {
        "dpo": {"eval_loss": 0.5, "eval_reward_accuracy": 0.75},
        "kto": {"eval_loss": 0.4, "eval_rewards_chosen": 1.25, "eval_rewards_rejected": -0.5},
    }
    for method, tag in (("dpo", "dpo"), ("kto", "kto"), ("grpo", "grpo"), ("reward", "reward-trainer")):
        steps = [{"kind": "train", "step": 1, "loss": 0.7}, {"kind": "eval", "step": 1, **evals.get(method, {})}]
        settings = {"method": method, "model": "org/base"} | (
            {"rewards": [{"regex": "^Ahoy"}]} if method == "grpo" else {}
        )
        run = make_run(f"r-{method}", settings, root=tmp_path, metrics=steps)
        folder = tmp_path / method
        folder.mkdir()
        (folder / "README.md").write_text("---\nbase_model: org/base\nlibrary_name: peft\ntags:\n- lora\n---\n")
        card = write_card(run, folder, "adapter").read_text(encoding="utf-8")
        assert card.startswith(f"---\nbase_model: org/base\nlibrary_name: peft\ntags:\n- lora\n- trl\n- {tag}\n---")
        front = card_text(run, "merged").split("---\n")[1]
        assert front.endswith(f"- trl\n- {tag}\n") and front.count("- trl\n") == 1, method
    dpo = card_text(make_run("r-d", {"method": "dpo", "model": "org/base"}, root=tmp_path, metrics=[
        {"kind": "eval", "step": 1, **evals["dpo"]}]), "merged")  # fmt: skip
    assert "- **Held-out value:** loss 0.5000, reward accuracy 75%" in dpo
    kto = card_text(make_run("r-k", {"method": "kto", "model": "org/base"}, root=tmp_path, metrics=[
        {"kind": "eval", "step": 1, **evals["kto"]}]), "merged")  # fmt: skip
    assert "- **Held-out value:** loss 0.4000, rewards good +1.250, bad -0.500" in kto
    sft = card_text(make_run("r-s", {"method": "lora", "model": "org/base"}, root=tmp_path), "merged")
    assert "- trl" not in sft
