"""`python -m ftlib evaluate`'s figures in words a user reads, one `label: value` line each, as the Evaluate page
names them ("tuned loss", "closer to the reference: 83.3% of rows"), not the aggregates' keys (`cut_rows`,
`rows_improved`): those stay as they are under `--json`, where scripts and tests read them.

    >>> for line in aggregate_lines({"adapter": "run-1", "rows": 6, "cut_rows": 2, "base_loss": 1.5,
    ...                              "rows_improved": 0.8333, "row_change_verdict": "within noise",
    ...                              "template": "tokenizer"}):
    ...     print(line)
    tuned model: run-1
    chat template: tokenizer (the model's own)
    rows scored: 6
    rows cut at the run's max length: 2
    base loss: 1.5000
    closer to the reference (tuned loss lower): 83.3% of rows

How sure each change is (`row_change_*`, `prompt_change_*`, `reward_accuracy_low`/`_high`/`_verdict`) is said in
words on the `how sure:` lines after these, so those keys are not printed again here. A figure not known (None), a
result without pairs (`pairs` 0) and one without text rows (`text_rows` 0) print nothing.

Not known here: models, the evaluation itself.
"""

from __future__ import annotations

# Said on the `how sure:` lines (`result.how_sure()`), in words: printed once, there.
SAID_AS_HOW_SURE = ("row_change_", "prompt_change_", "reward_accuracy_")

# key -> (label, how its value is shown: a "share" as a percentage of rows, pairs or prompts, "loss" to 4 decimals,
# else as it is; "{nouns}": rows, or replies answered at every reply). A label
# names what the number is of; the notes printed after the figures say over which tokens and rows.
WORDS = {
    "adapter": ("tuned model", ""),
    "rows": ("rows scored", ""),
    "replies": ("replies scored", ""),
    "skipped": ("{nouns} skipped", ""),
    "cut_rows": ("rows cut at the run's max length", ""),
    "split_rows": ("rows scored in pieces of the run's max length", ""),
    "tokens": ("tokens scored", ""),
    "base_loss": ("base loss", "loss"),
    "tuned_loss": ("tuned loss", "loss"),
    "base_perplexity": ("base perplexity", "loss"),
    "tuned_perplexity": ("tuned perplexity", "loss"),
    "loss_change": ("loss change (tuned - base)", "loss"),
    "rows_improved": ("closer to the reference (tuned loss lower)", "share"),
    "mean_row_base_loss": ("base loss, mean of the {nouns}' own", "loss"),
    "mean_row_tuned_loss": ("tuned loss, mean of the {nouns}' own", "loss"),
    "text_rows": ("text rows (scored on every token, not answered)", ""),
    "pairs": ("preference pairs", ""),
    "base_prefers_chosen": ("base prefers the chosen answer", "pair share"),
    "tuned_prefers_chosen": ("tuned prefers the chosen answer", "pair share"),
    "reward_accuracy": ("moved toward the chosen answer (reward accuracy)", "pair share"),
    "mean_reward_margin": ("mean reward margin (nats)", "loss"),
    "model": ("base model", ""),
    "template": ("chat template", ""),
    "thinking": ("thinking", ""),
    "beta": ("beta", "loss"),
    "trl_reward_margin": ("TRL's reward margin (beta x the mean reward margin)", "loss"),
}
# A reward model's pairs (`reward_eval.PairResult`) and a GRPO run's prompts (`reward_eval.RewardResult`): the same
# keys are other measures there.
PAIR_WORDS = {
    "pairs": ("pairs scored", ""),
    "reward_accuracy": ("accuracy (chosen answer scored higher)", "pair share"),
    "mean_reward_margin": ("mean margin (chosen score - rejected score)", "loss"),
    "loss": ("loss (mean of -log sigmoid(margin), what training minimised)", "loss"),
    "mean_chosen_score": ("mean score of the chosen answers", "loss"),
    "mean_rejected_score": ("mean score of the rejected answers", "loss"),
}
REWARD_WORDS = {
    "rows": ("prompts answered", ""),
    "skipped": ("prompts skipped", ""),
    "base_reward": ("base reward (mean total)", "loss"),
    "tuned_reward": ("tuned reward (mean total)", "loss"),
    "reward_change": ("reward change (tuned - base)", "loss"),
    "rows_improved": ("tuned answer scores higher", "prompt share"),
    "rows_worse": ("tuned answer scores lower", "prompt share"),
    "reward_labels": ("rewards", ""),
}
FIRST = ("adapter", "model", "template", "thinking")  # the models and how they were asked
PER_REWARD = {
    "base_reward_": "base reward, {name}",
    "tuned_reward_": "tuned reward, {name}",
    "weight_": "weight, {name}",
}


def aggregate_lines(agg: dict) -> list[str]:
    """`agg` (an evaluation's `aggregates()`, with `model`, `template` and the like added) as `label: value` lines, in
    its order after the models and how they were asked (`FIRST`). A reward model's (`mean_chosen_score`) and a GRPO
    run's (`base_reward`) keys are worded as theirs; answered at every reply (`replies`), a share is of replies. Keys
    not known here print as they are."""
    words = dict(WORDS)
    if "mean_chosen_score" in agg:
        words |= PAIR_WORDS
    if "base_reward" in agg:
        words |= REWARD_WORDS
    nouns = "replies" if "replies" in agg else "rows"
    lines = []
    first = [key for key in FIRST if key in agg]  # what was compared, before the figures
    for key, value in [(key, agg[key]) for key in first] + [(k, v) for k, v in agg.items() if k not in first]:
        if value is None or (key, value) in (("pairs", 0), ("text_rows", 0)) or key.startswith(SAID_AS_HOW_SURE):
            continue  # "row_change_low: None", "pairs: 0": --json keeps them
        label, shown = words.get(key, (_per_reward(key), ""))
        if key == "reward_labels":  # which reward each `base_reward_<name>` is: "function_2" says no more
            value = "; ".join(f"{name} = {said}" for name, said in value.items())
        elif key == "skipped" and value:
            value = f"{value} (why: below)"
        elif key == "template" and value == "tokenizer":
            value = "tokenizer (the model's own)"
        if shown.endswith("share") and isinstance(value, float):
            whose = {"pair share": "pairs", "prompt share": "prompts"}.get(shown, nouns)
            value = f"{value:.1%} of {whose}"
        elif isinstance(value, float):
            value = f"{value:.4f}"
        lines.append(f"{label.format(nouns=nouns)}: {value}")
    return lines


def _per_reward(key: str) -> str:
    """A GRPO run's figure of one reward (`base_reward_length`) in words ("base reward, length"); another key as it
    is."""
    for prefix, label in PER_REWARD.items():
        if key.startswith(prefix):
            return label.format(name=key.removeprefix(prefix))
    return key


__all__ = ["SAID_AS_HOW_SURE", "aggregate_lines"]
